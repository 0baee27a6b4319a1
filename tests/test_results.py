"""results.json on the demo data: schema, byte-for-byte determinism, planted exact truths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import cxroi
from cxroi.demo import generate_demo
from cxroi.errors import ResultsFileError
from cxroi.results.files import dumps, dumps_json, load_results, parse_results
from cxroi.results.schema import SCHEMA_PATH, results_schema, schema_text


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, contacts=30_000, seed=11)
    return folder


@pytest.fixture(scope="module")
def results(demo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(dumps(cxroi.analyze(demo).results))
    return data


@pytest.fixture(scope="module")
def truths(demo: Path) -> dict[str, Any]:
    return dict(json.loads((demo / "truths.json").read_text()))


def test_the_committed_schema_is_the_one_the_typed_tree_generates() -> None:
    # regenerate with: python -m cxroi.results.schema
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(results_schema())


def test_results_read_back_into_the_typed_tree_unchanged(results: dict[str, Any]) -> None:
    assert json.loads(dumps(parse_results(results))) == results


def test_results_follow_the_published_schema(results: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(results, schema, cls=jsonschema.Draft202012Validator)


def test_every_section_is_filled_or_says_why(results: dict[str, Any]) -> None:
    for section in ("retention", "value", "agents"):
        body = results[section]
        assert body, section
        for key, value in body.items():
            if value is None:
                assert body.get(f"{key}_note"), f"{section}.{key} is null without a reason"
    adjusted = results["retention"]["delta_12m_adjusted"]
    assert adjusted["method"] and adjusted["ci_low"] < adjusted["estimate"] < adjusted["ci_high"]
    assert isinstance(results["alerts"], list)


def test_two_runs_write_identical_bytes(demo: Path, tmp_path: Path) -> None:
    outs = []
    for name in ("a", "b"):
        proc = subprocess.run(
            [sys.executable, "-m", "cxroi", "analyze", str(demo), "--out", str(tmp_path / name)],
            capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        outs.append((tmp_path / name / "results.json").read_bytes())
    assert outs[0] == outs[1]
    assert dumps_json(json.loads(outs[0])).encode() == outs[0]  # canonical form


def test_planted_exact_truths_are_recovered(results: dict[str, Any], truths: dict[str, Any]) -> None:
    m = results["metrics"]
    assert results["dataset"]["rows"] == truths["row_counts"]
    assert results["as_of"] == truths["as_of"]
    assert {k: v for k, v in m["counts"]["contacts"].items() if k != "all"} == truths["contacts_by_mode"]
    assert m["counts"]["escalated"]["all"] == truths["escalated_contacts"]
    assert m["containment_rate"] == pytest.approx(truths["containment_rate"], abs=1e-12)
    monthly = {row["month"]: row["containment_rate"]["estimate"] for row in m["monthly"]}
    assert monthly == pytest.approx(truths["containment_by_month"], abs=1e-12)


def test_masking_months_show_containment_up_and_false_containment_up(results: dict[str, Any], truths: dict[str, Any]) -> None:
    rows = {r["month"]: r for r in results["metrics"]["monthly"]}
    months = sorted(rows)
    masked = truths["masking_months"]
    for month in masked:
        before = rows[months[months.index(month) - 1]]
        assert rows[month]["containment_rate"]["estimate"] > before["containment_rate"]["estimate"]
    # the extra contacts kept in the bot mostly come back: pooled over the masking months the
    # bot's 7-day repeat rate is clearly (z > 3) above the rate in every other month
    def pooled(selected: list[str]) -> tuple[float, int]:
        fc = [rows[m]["false_containment_7d"] for m in selected if rows[m]["false_containment_7d"]]
        n = sum(f["n"] for f in fc)
        return sum(f["estimate"] * f["n"] for f in fc) / n, n

    p1, n1 = pooled(masked)
    p0, n0 = pooled([m for m in months if m not in masked])
    pooled_p = (p1 * n1 + p0 * n0) / (n1 + n0)
    z = (p1 - p0) / (pooled_p * (1 - pooled_p) * (1 / n1 + 1 / n0)) ** 0.5
    assert z > 3


def test_the_strict_loader_names_what_is_wrong(results: dict[str, Any], tmp_path: Path) -> None:
    def refused(data: Any, text: str | None = None) -> str:
        path = tmp_path / "results.json"
        path.write_text(text if text is not None else json.dumps(data), encoding="utf-8")
        with pytest.raises(ResultsFileError) as caught:
            load_results(path)
        return str(caught.value)

    older = {**results, "schema_version": "1.4.0"}
    assert "this cxroi reads version 2.x" in refused(older)
    missing = json.loads(json.dumps(results))
    del missing["retention"]["delta_12m_att"]
    assert "retention.delta_12m_att" in refused(missing)
    unknown = json.loads(json.dumps(results))
    unknown["value"]["revenue_protected_total"] = 1.0
    assert "revenue_protected_total" in refused(unknown)
    wrong_type = json.loads(json.dumps(results))
    wrong_type["metrics"]["counts"]["contacts"]["all"] = "many"
    assert "metrics.counts.contacts.all" in refused(wrong_type)
    assert "not a JSON file" in refused(None, text="{ truncated")
    assert "no such results file" in str(pytest.raises(ResultsFileError, load_results, tmp_path / "nope.json").value)
