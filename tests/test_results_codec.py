"""The one serialiser and the one strict loader of the typed results tree (cxroi.results.codec)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from cxroi.results.codec import ResultsFormatError, canonical, decode, encode
from cxroi.results.layout import detail, flatten, omitted_when_none, spec
from cxroi.results.refs import RefError, catalogue, parse, resolve, resolve_series
from cxroi.results.schema import generate_schema
from cxroi.stats.result import CannotCompute, Contrast, Estimate, Result, Unit


@dataclass(frozen=True)
class PerMode:
    ai_only: Result
    hybrid: Result
    human_only: Result
    all: Result


@dataclass(frozen=True)
class Row:
    month: str
    share: Result = spec(unit=Unit.FRACTION)


@dataclass(frozen=True, kw_only=True)
class Tree:
    """A small tree using every layout rule."""

    name: str
    windows: dict[int, PerMode] = flatten("fcr_{}d", under="intervals", unit=Unit.FRACTION)
    cost: PerMode = detail("intervals", unit=Unit.MONEY)
    diff: Contrast | CannotCompute = spec(unit=Unit.DIFFERENCE)
    rows: tuple[Row, ...]
    by_key: dict[str, Result] = spec(unit=Unit.SECONDS)
    note: str | None = omitted_when_none()


def est(x: float, n: int = 20) -> Estimate:
    return Estimate(x, x - 0.1, x + 0.1, method="wilson", n=n)


def tree() -> Tree:
    modes = PerMode(est(0.5), CannotCompute("no hybrid contacts"), est(0.7), est(0.6))
    return Tree(
        name="demo",
        windows={7: modes, 14: modes},
        cost=PerMode(est(1.0), est(2.0), est(3.0), est(2.5)),
        diff=Contrast(0.1, 0.0, 0.2, method="newcombe", n=30, n_a=10, n_b=20),
        rows=(Row("2025-01", est(0.4)), Row("2025-02", CannotCompute("no contacts"))),
        by_key={"a": est(3.0), "b": CannotCompute("no b")},
    )


def test_layout_follows_the_results_contract() -> None:
    out = encode(tree())
    assert out["fcr_7d"] == {"ai_only": 0.5, "hybrid": None, "hybrid_note": "no hybrid contacts",
                             "human_only": 0.7, "all": 0.6}
    assert out["intervals"]["fcr_14d"]["ai_only"]["unit"] == "fraction"
    assert out["intervals"]["fcr_14d"]["hybrid"] is None
    assert out["intervals"]["fcr_14d"]["hybrid_note"] == "no hybrid contacts"
    assert out["cost"]["all"] == 2.5 and out["intervals"]["cost"]["all"]["unit"] == "money"
    assert out["diff"] == {"estimate": 0.1, "ci_low": 0.0, "ci_high": 0.2, "method": "newcombe",
                           "n": 30, "unit": "difference", "n_a": 10, "n_b": 20}
    assert out["rows"][1] == {"month": "2025-02", "share": None, "share_note": "no contacts"}
    assert out["by_key"]["b"] is None and out["by_key"]["b_note"] == "no b"
    assert "note" not in out


def test_round_trip_is_exact_and_stamps_declared_units() -> None:
    t = tree()
    text = json.dumps(encode(t), sort_keys=True)
    back = decode(Tree, json.loads(text))
    assert json.dumps(encode(back), sort_keys=True) == text
    assert back == canonical(t)
    assert isinstance(back.diff, Contrast) and back.diff.unit is Unit.DIFFERENCE
    assert back.rows[0].share == Estimate(0.4, 0.30000000000000004, 0.5, "wilson", 20,
                                          unit=Unit.FRACTION)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.update(surprise=1), "unknown keys ['surprise']"),
        (lambda d: d.pop("name"), "name: required key is missing"),
        (lambda d: d.update(name=3), "name: expected str"),
        (lambda d: d["by_key"].pop("b_note"), "by_key.b: null without a reason"),
        (lambda d: d["intervals"].pop("cost"), "cost: its detail is missing under 'intervals'"),
        (lambda d: d["diff"].update(n_a="ten"), "diff.n_a: expected int"),
        (lambda d: d["diff"].update(extra_field=1), "unknown keys ['extra_field']"),
        (lambda d: d["rows"][0]["share"].update(unit="parsecs"), "share.unit: expected"),
    ],
)
def test_the_loader_refuses_what_the_model_does_not_declare(edit: object, message: str) -> None:
    data = encode(tree())
    edit(data)  # type: ignore[operator]
    with pytest.raises(ResultsFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        decode(Tree, data)


def test_encoding_refuses_values_the_declaration_does_not_allow() -> None:
    bad = Tree(name="x", windows={}, cost=tree().cost, diff=est(0.1),  # type: ignore[arg-type]
               rows=(), by_key={})
    with pytest.raises(ResultsFormatError, match="diff: expected Contrast"):
        encode(bad)
    wrong_unit = Tree(**{**tree().__dict__, "by_key": {"a": Estimate(1.0, unit=Unit.DAYS)}})
    with pytest.raises(ResultsFormatError, match="unit days where seconds is declared"):
        encode(wrong_unit)


def test_schema_validates_what_the_serialiser_writes() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = generate_schema(Tree, "9.9.9", "test")
    jsonschema.validate(encode(tree()), schema)
    broken = encode(tree())
    broken["fcr_7d"]["sometimes"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_references_are_checked_against_the_declarations_and_resolve_typed() -> None:
    t = tree()
    assert resolve(parse("fcr_7d.ai_only", Tree), t).value == 0.5
    assert resolve(parse("fcr_14d.human_only.ci_high", Tree), t).value == pytest.approx(0.8)
    missing = resolve(parse("fcr_7d.hybrid", Tree), t)
    assert missing.value is None and missing.reason == "no hybrid contacts"
    assert parse("cost.all", Tree).unit is Unit.MONEY
    rows, _ = resolve_series(parse("rows[*].share", Tree), t)
    assert [(m, r.value) for m, r in rows] == [("2025-01", 0.4), ("2025-02", None)]
    with pytest.raises(RefError, match="has no 'fcr_7x'"):
        parse("fcr_7x.ai_only", Tree)
    with pytest.raises(RefError, match="not one number"):
        parse("cost", Tree)
    patterns = {e.pattern: e.unit for e in catalogue(Tree)}
    assert patterns["fcr_<N>d.ai_only"] is Unit.FRACTION
    assert patterns["rows[*].share"] is Unit.FRACTION
    assert patterns["by_key.<key>"] is Unit.SECONDS
