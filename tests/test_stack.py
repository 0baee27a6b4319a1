"""The metric stack: the default, validation that collects every fault, the trigger grammar,
evaluation against results, alerts, and the whole run on the demo."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import cxroi
from cxroi.analyses.alerts import sort_alerts, trigger_alerts
from cxroi.analyses.stack import catalogue as cat
from cxroi.analyses.stack.evaluate import evaluate_stack, evaluate_trigger
from cxroi.analyses.stack.parse import default_stack, load_stack, parse_condition
from cxroi.analyses.stack.run import judge, measure_loyalty
from cxroi.analyses.stack.run import summary_lines as stack_lines
from cxroi.analyses.stack.settings import StackSettings, parse_stack_settings
from cxroi.analyses.stack.spec import CHAIN_LINKS, MetricSpec, Stack, Trigger
from cxroi.demo import generate_demo
from cxroi.config import config_from_dict
from cxroi.errors import ConfigError, Problem
from cxroi.results.files import dumps_json as dumps
from cxroi.results.codec import encode
from cxroi.results.model.governance import Alert
from cxroi.results.tree import Measured
from cxroi.stats.result import CannotCompute, Estimate, Result

# --- the default stack -------------------------------------------------------------------------


def test_default_stack_is_valid_and_covers_the_chain() -> None:
    stack = default_stack()
    assert 6 <= len(stack.metrics) <= 8 and stack.warnings == ()
    ids = [m.id for m in stack.metrics]
    assert ids == [
        "ces_ai_assisted",
        "fcr_ai",
        "post_ai_nps",
        "retention_delta",
        "revenue_per_retained",
        "escalation_quality",
    ]
    assert {m.chain_link for m in stack.metrics} == set(CHAIN_LINKS[:4])
    assert {m.kind for m in stack.metrics} == {"leading", "lagging"}
    for m in stack.metrics:
        assert m.owner and m.data_source and m.triggers and m.why
        assert cat.lookup(cat.split_field(m.path)[0]) is not None
    fcr = stack.metrics[1].triggers[0]
    assert fcr.action == "review bot escalation paths" and fcr.condition.months == 2


# --- validation -------------------------------------------------------------------------------

BAD_STACK = """
[[stack.metric]]
id = "Bad Id"
name = "x"
path = "metrics.fcr_7d.ai_onyl"
data_source = "contacts"
cadence = "hourly"
direction = "higher_is_better"
kind = "leading"
level = "outcome"
chain_link = "resolution"
colour = "red"
[[stack.metric.trigger]]
when = "metrics.fcr_7d.ai_only < 70"
action = "a"
[[stack.metric.trigger]]
when = "metrics.fcr_7d.ai_only < 0.7 for 2 months"
action = "b"
[[stack.metric.trigger]]
when = "fcr is low"
action = "c"
[[stack.metric.trigger]]
when = "metrics.ces.all < metrics.csat.all"

[[stack.metric]]
id = "ok"
name = "y"
path = "metrics.post_ai_nps"
owner = "o"
data_source = "surveys"
cadence = "monthly"
direction = "up"
kind = "leading"
level = "outcome"
chain_link = "sentiment"

[[stack.metric]]
id = "ok"
name = "z"
path = "escalation_quality.score"
owner = "o"
data_source = "escalations"
cadence = "monthly"
direction = "higher_is_better"
kind = "leading"
level = "outcome"
chain_link = "effort"
[[stack.metric.trigger]]
when = "escalation_quality.monthly[*].score < 60%"
action = "d"
"""


def test_validation_collects_every_fault() -> None:
    problems: list[Problem] = []
    settings = parse_stack_settings(tomllib.loads(BAD_STACK)["stack"], problems)
    found = {(p.where, p.rule) for p in problems}
    assert found == {
        ("stack.metric[0].id", "bad_id"),
        ("stack.metric[0].path", "unknown_path"),
        ("stack.metric[0].owner", "missing_key"),
        ("stack.metric[0].cadence", "not_allowed"),
        ("stack.metric[0].colour", "unknown_key"),
        ("stack.metric[0].trigger[0].when", "threshold_out_of_range"),
        ("stack.metric[0].trigger[1].when", "months_need_series"),
        ("stack.metric[0].trigger[2].when", "trigger_syntax"),
        ("stack.metric[0].trigger[3].action", "missing_key"),
        ("stack.metric[0].trigger[3].when", "unit_mismatch"),
        ("stack.metric[1].direction", "not_allowed"),
        ("stack.metric[1].trigger", "missing_trigger"),
        ("stack.metric[2].id", "duplicate_id"),
    }
    by_rule = {p.rule: p.message for p in problems}
    assert "did you mean metrics.fcr_7d.ai_only" in by_rule["unknown_path"]
    assert "shares are fractions" in by_rule["threshold_out_of_range"]
    # the invalid stack is not used: the default stays
    assert settings.stack == StackSettings().stack


def test_percent_thresholds_and_load_stack_file(tmp_path: Path) -> None:
    text = BAD_STACK.split("[[stack.metric]]")[-1]
    path = tmp_path / "stack.toml"
    path.write_text("[[stack.metric]]" + text.replace('id = "ok"', 'id = "esc"'))
    stack = load_stack(path)
    assert stack.source == str(path)
    cond = stack.metrics[0].triggers[0].condition
    assert cond.right.offset == pytest.approx(0.60) and cond.series
    assert any("sentiment" in w for w in stack.warnings) and any(
        "lagging" in w for w in stack.warnings
    )
    path.write_text(BAD_STACK)
    with pytest.raises(ConfigError) as err:
        load_stack(path)
    assert len(err.value.problems) == 13


def test_more_than_eight_metrics_is_a_warning_not_an_error() -> None:
    base = default_stack().metrics
    many = Stack(
        tuple(base) + tuple(MetricSpec(**{**m.__dict__, "id": f"{m.id}_2"}) for m in base[:3])
    )
    assert any("9 metrics" in w for w in many.warnings)


def test_settings_sections() -> None:
    problems: list[Problem] = []
    raw = {
        "stack": {
            "masking": {"reference_months": 3, "owner": "Ann", "action": "call Ann"},
            "escalation": {"weights": {"qa_score": 0.0, "context_passed": 2}},
            "chain": {"followup_days": 180},
            "agent_warning": {"owner": "Bo"},
        }
    }
    s = config_from_dict(raw)
    assert (s.masking.reference_months, s.masking.owner, s.masking.action) == (3, "Ann", "call Ann")
    assert s.escalation.weights["qa_score"] == 0.0 and s.escalation.weights["context_passed"] == 2.0
    assert s.chain.followup_days == 180 and s.agent_warning.owner == "Bo"
    assert s.stack.stack == default_stack()
    bad = {
        "stack": {
            "masking": {"reference_months": 0},
            "chain": {"followup_days": "a"},
            "escalation": {
                "weights": {
                    c: 0
                    for c in (
                        "context_passed",
                        "resolved_without_repeat",
                        "post_escalation_csat",
                        "qa_score",
                    )
                }
            },
            "metrics": [],
        }
    }
    with pytest.raises(ConfigError) as err:
        config_from_dict(bad, source="cfg")
    problems = [Problem(p.where.removeprefix("cfg: "), p.rule, p.message) for p in err.value.problems]
    assert {(p.where, p.rule) for p in problems} == {
        ("stack.masking.reference_months", "out_of_range"),
        ("stack.chain.followup_days", "wrong_type"),
        ("stack.escalation.weights", "all_zero"),
        ("stack.metrics", "unknown_key"),
    }


# --- the trigger grammar ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.fcr_7d.ai_only < 0.70", "metrics.fcr_7d.ai_only < 0.7"),
        (
            "stack.monthly[*].fcr_7d.ai_only<0.7 for 2 months",
            "stack.monthly[*].fcr_7d.ai_only < 0.7 for 2 months",
        ),
        (
            "stack.monthly[*].fcr_7d.ai_only.ci_high < 70% for 3 consecutive months",
            "stack.monthly[*].fcr_7d.ai_only.ci_high < 0.7 for 3 months",
        ),
        ("retention.delta_12m_adjusted.ci_high < 0", "retention.delta_12m_adjusted.ci_high < 0"),
        (
            (
                "stack.monthly[*].ces.ai_assisted <= stack.monthly[*].ces.human_only - 0.5"
                " for 2 months"
            ),
            (
                "stack.monthly[*].ces.ai_assisted <= stack.monthly[*].ces.human_only - 0.5"
                " for 2 months"
            ),
        ),
        (
            "metrics.post_ai_nps >= metrics.nps.human_only + 5",
            "metrics.post_ai_nps >= metrics.nps.human_only + 5",
        ),
        (
            "metrics.monthly[*].ces < metrics.ces.human_only",
            "metrics.monthly[*].ces < metrics.ces.human_only",
        ),
        (
            "value.revenue_per_retained_customer.difference < -100",
            "value.revenue_per_retained_customer.difference < -100",
        ),
    ],
)
def test_grammar_accepts(text: str, expected: str) -> None:
    problems: list[Problem] = []
    cond = parse_condition(text, "w", problems)
    assert problems == [] and cond is not None and cond.text() == expected


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("metrics.fcr_7d.ai_only = 0.7", "trigger_syntax"),
        ("metrics.fcr_7d.ai_only < 0.7 for 2 weeks", "trigger_syntax"),
        ("metrics.nps.all < 50%", "percent_not_allowed"),
        ("metrics.ces.all < 9", "threshold_out_of_range"),
        ("metrics.fcr_7d.ai_only < 1.5", "threshold_out_of_range"),
        ("metrics.fcr_7d.bots < 0.7", "unknown_path"),
        ("metrics.fcr_7d.ai_only < stack.monthly[*].fcr_7d.ai_only", "series_on_right"),
        ("stack.monthly[*].nps.all < 0 for 30 months", "out_of_range"),
    ],
)
def test_grammar_rejects(text: str, rule: str) -> None:
    problems: list[Problem] = []
    assert parse_condition(text, "w", problems) is None
    assert [p.rule for p in problems] == [rule]


# --- evaluation -----------------------------------------------------------------------------------


def _trigger(when: str, owner: str | None = None) -> Trigger:
    problems: list[Problem] = []
    cond = parse_condition(when, "w", problems)
    assert cond is not None, problems
    return Trigger(when, cond, "act", owner)


@dataclass(frozen=True)
class _Month:
    month: str
    fcr: dict[int, Result]


def _row(month: str, v: float | None, note: str = "") -> _Month:
    fcr = CannotCompute(note) if v is None else Estimate(v, v - 0.02, v + 0.02)
    return _Month(month=month, fcr={7: fcr})


def _scope(monthly: list[_Month]) -> Any:
    """A stand-in for the typed results the triggers read (the same attribute paths)."""
    fcr = SimpleNamespace(
        ai_only=Estimate(0.65, 0.6, 0.71),
        hybrid=CannotCompute("no hybrid contacts"),
        all=Estimate(0.8, 0.78, 0.82),
    )
    return SimpleNamespace(
        metrics=SimpleNamespace(
            fcr={7: fcr},
            post_ai_nps=Estimate(12.0, 4.0, 20.0),
            monthly=tuple(monthly),
        ),
        retention=SimpleNamespace(delta_12m_adjusted=CannotCompute("needs churned_at")),
        value=SimpleNamespace(revenue_protected=CannotCompute("needs a revenue table")),
    )


RESULTS = _scope(
    [
        _row("2025-01", 0.72),
        _row("2025-02", 0.66),
        _row("2025-03", 0.64),
        _row("2025-05", 0.62),
        _row("2025-06", 0.61),
        _row("2025-07", 0.75),
    ]
)


@pytest.mark.parametrize(
    ("when", "state"),
    [
        ("metrics.fcr_7d.ai_only < 0.7", "fired"),
        ("metrics.fcr_7d.ai_only.ci_high < 0.7", "not_fired"),
        ("metrics.fcr_7d.ai_only.ci_low < 0.61", "fired"),
        ("metrics.fcr_7d.ai_only < metrics.fcr_7d.all - 0.2", "not_fired"),
        ("metrics.fcr_7d.ai_only < metrics.fcr_7d.all - 0.1", "fired"),
        ("metrics.post_ai_nps.ci_low < 5", "fired"),
        ("metrics.post_ai_nps < 0", "not_fired"),
    ],
)
def test_scalar_triggers(when: str, state: str) -> None:
    assert evaluate_trigger(RESULTS, _trigger(when), "o").state == state


def test_null_and_absent_values_cannot_be_evaluated_and_say_why() -> None:
    ts = evaluate_trigger(RESULTS, _trigger("retention.delta_12m_adjusted.ci_high < 0"), "o")
    assert ts.state == "cannot_evaluate" and "needs churned_at" in ts.reason
    ts = evaluate_trigger(RESULTS, _trigger("value.revenue_protected < 0"), "o")
    assert ts.state == "cannot_evaluate" and "needs a revenue table" in ts.reason
    ts = evaluate_trigger(RESULTS, _trigger("metrics.fcr_7d.hybrid < 0.5"), "o")
    assert ts.state == "cannot_evaluate" and "no hybrid contacts" in ts.reason


def test_series_trigger_needs_consecutive_calendar_months() -> None:
    ts = evaluate_trigger(RESULTS, _trigger("metrics.monthly[*].fcr_7d < 0.7 for 2 months"), "o")
    # 2025-04 is missing from the series, so 2025-05 starts a new run
    assert ts.fired_months == ("2025-03", "2025-06")
    assert ts.episodes == (("2025-03", "2025-03"), ("2025-06", "2025-06"))
    assert ts.state == "not_fired" and ts.latest_month == "2025-07"
    # a series against one whole-period value: every month compares with it
    ts = evaluate_trigger(
        RESULTS, _trigger("metrics.monthly[*].fcr_7d < metrics.fcr_7d.all - 0.1"), "o"
    )
    assert ts.fired_months == ("2025-02", "2025-03", "2025-05", "2025-06")
    assert ts.right.value == pytest.approx(0.7)


def test_series_state_is_the_latest_month_and_null_months_break_runs() -> None:
    rows = [_row("2025-01", 0.6), _row("2025-02", 0.6), _row("2025-03", None, "no contacts")]
    ts = evaluate_trigger(_scope(rows), _trigger("metrics.monthly[*].fcr_7d < 0.7 for 2 months"), "o")
    assert ts.fired_months == ("2025-02",)
    assert ts.state == "cannot_evaluate" and "no contacts" in ts.reason
    results = _scope([*rows[:2], _row("2025-03", 0.5)])
    ts = evaluate_trigger(
        results, _trigger("metrics.monthly[*].fcr_7d.ci_high < 0.7 for 3 months"), "o"
    )
    assert ts.state == "fired" and ts.episodes == (("2025-03", "2025-03"),)


def test_alerts_from_triggers_have_owner_action_and_a_stable_order() -> None:
    spec = default_stack().metrics[1]
    metric = MetricSpec(
        **{
            **spec.__dict__,
            "triggers": (
                _trigger("metrics.monthly[*].fcr_7d < 0.7 for 2 months", owner="Override"),
                _trigger("metrics.fcr_7d.ai_only < 0.7"),
            ),
        }
    )
    states = evaluate_stack(Stack((metric,)), RESULTS)
    alerts = trigger_alerts(states, "2025-07")
    assert [(a.period, a.owner) for a in alerts] == [
        ("2025-03", "Override"),
        ("2025-06", "Override"),
        ("2025-07", spec.owner),
    ]
    assert all(a.action == "act" and a.kind == "stack_trigger" for a in alerts)
    masking = Alert(
        kind="containment_masking", period="2025-06", metric="containment_rate", message="m",
        owner="o", action="a", active=False,
    )
    ordered = sort_alerts([*reversed(alerts), masking])
    assert [(a.period, a.kind) for a in ordered] == [
        ("2025-03", "stack_trigger"),
        ("2025-06", "containment_masking"),
        ("2025-06", "stack_trigger"),
        ("2025-07", "stack_trigger"),
    ]
    out = states[0].section()
    assert out.state == "fired" and out.value == 0.65


# --- the whole run on the demo ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    folder = tmp_path_factory.mktemp("stack-demo")
    generate_demo(folder, contacts=20_000, seed=7)
    analysis = cxroi.analyze(folder)
    return analysis, run_stack(analysis)


def test_run_on_the_demo_reports_every_section(demo_run: tuple[Any, Any]) -> None:
    analysis, report = demo_run
    out = _json(report)
    json.loads(dumps(out))  # JSON-ready, no NaN
    assert out["masking"]["flagged_months"] == ["2025-03", "2025-04", "2025-05"]
    masking = [a for a in out["alerts"] if a["kind"] == "containment_masking"]
    assert [a["period"] for a in masking] == ["2025-03", "2025-04", "2025-05"]
    for a in out["alerts"]:
        assert a["owner"] and a["action"] and a["message"]
    assert out["alerts"] == sorted(
        out["alerts"], key=lambda a: (a["period"], a["kind"] != "containment_masking")
    )
    metrics = {m["id"]: m for m in out["stack"]["metrics"]}
    assert metrics["fcr_ai"]["value"] == analysis.results.metrics.fcr[7].ai_only.estimate
    assert metrics["retention_delta"]["state"] in ("cannot_evaluate", "fired", "not_fired")
    # the stack's monthly containment is metrics.md's, month by month
    ours = {r["month"]: r["containment_rate"]["estimate"] for r in out["stack"]["monthly"]}
    theirs = {
        r.month: r.containment_rate.estimate
        for r in analysis.results.metrics.monthly
        if isinstance(r.containment_rate, Estimate)
    }
    assert ours == pytest.approx(theirs, rel=1e-12)
    lines = stack_lines(analysis.results)
    assert lines[0].startswith("Containment masking: 2025-03, 2025-04, 2025-05")
    assert (
        "  2025-03 containment_masking containment_rate -> Head of Digital Care: "
        "review bot escalation paths" in lines
    )


def test_a_configured_stack_replaces_the_default_and_fires_on_planted_masking(
    demo_run: tuple[Any, Any],
) -> None:
    analysis, _ = demo_run
    raw = {
        "stack": {
            "metric": [
                {
                    "id": "containment",
                    "name": "Containment rate",
                    "path": "metrics.containment_rate",
                    "owner": "Head of Digital Care",
                    "data_source": "contacts",
                    "cadence": "monthly",
                    "direction": "higher_is_better",
                    "kind": "leading",
                    "level": "activity",
                    "chain_link": "resolution",
                    "trigger": [
                        {
                            "when": "metrics.monthly[*].containment_rate > 0.8 for 2 months",
                            "action": "check the masking alerts",
                        }
                    ],
                }
            ]
        }
    }
    problems: list[Problem] = []
    settings = config_from_dict(raw)
    assert settings.stack.stack.source == "configuration"
    warning = Alert(
        kind="agent_experience_drop",
        period="2025-W40",
        metric="csat",
        message="index fell",
        owner=settings.agent_warning.owner,
        action=settings.agent_warning.action,
        active=True,
    )
    agents = (warning,)
    report = run_stack(analysis, settings.stack, agents)
    out = _json(report)
    trig = out["stack"]["metrics"][0]["triggers"][0]
    assert trig["episodes"] == [{"start": "2025-05", "end": "2025-05"}]
    fired = [a for a in out["alerts"] if a["kind"] == "stack_trigger"]
    assert [(a["period"], a["owner"], a["action"]) for a in fired] == [
        ("2025-05", "Head of Digital Care", "check the masking alerts")
    ]
    agent = [a for a in out["alerts"] if a["kind"] == "agent_experience_drop"]
    assert agent[0]["owner"] == settings.agent_warning.owner and agent[0]["metric"] == "csat"
    assert agent[0]["active"] is True
    assert any("no lagging metric" in w for w in out["stack"]["warnings"])


def test_the_run_is_deterministic(demo_run: tuple[Any, Any]) -> None:
    analysis, report = demo_run
    again = run_stack(analysis)
    assert dumps(_json(again)) == dumps(_json(report))


def run_stack(
    analysis: Any, settings: StackSettings | None = None, agents: tuple[Alert, ...] = ()
) -> SimpleNamespace:
    """The stack stage of ``analyze`` again, on an analysis' measured sections."""
    ds = analysis.dataset
    loyalty = measure_loyalty(ds, analysis.metrics, analysis.config.min_cell)
    r = analysis.results
    measured = Measured(**{f.name: getattr(r, f.name) for f in fields(Measured)})
    verdicts = judge(ds, loyalty, measured, settings, None, agents)
    return SimpleNamespace(
        alerts=verdicts.alerts,
        stack=verdicts.stack,
        audit=verdicts.audit,
        masking=loyalty.masking.section(),
        escalation_quality=loyalty.escalation_quality,
        chain=loyalty.chain,
    )


def _json(report: Any) -> dict[str, Any]:
    return {
        "alerts": [encode(a) for a in report.alerts],
        **{
            key: encode(getattr(report, key))
            for key in ("stack", "masking", "escalation_quality", "chain", "audit")
        },
    }
