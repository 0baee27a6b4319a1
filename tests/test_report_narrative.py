"""The report's story: wording rules, numbers from the input, suppression, graceful degradation.

Snapshots (tests/snapshots/report_*.txt) pin the whole narrative on fixed, fake data; rewrite
them deliberately with ``CXROI_UPDATE_SNAPSHOTS=1`` after reading the diff.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_fixtures import SECRETS, full_results, inconclusive_results, sparse_results, with_identifiers

from cxroi.report import build_report, report_text
from cxroi.report import fmt
from cxroi.report.access import Est, Suppressed, curves, per_mode, records, to_est
from cxroi.report.narrative import compare, effect, mode_line, span
from cxroi.report.privacy import find_identifiers, redact
from cxroi.report.sections_chain import chain_links

SNAPSHOTS = Path(__file__).with_name("snapshots")


@pytest.mark.parametrize(
    "name, make",
    [("full", full_results), ("inconclusive", inconclusive_results), ("sparse", sparse_results)],
)
def test_narrative_snapshot(name: str, make: Any) -> None:
    text = report_text(build_report(make(), min_cell=10))
    path = SNAPSHOTS / f"report_{name}.txt"
    if os.environ.get("CXROI_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path.name}: run with CXROI_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8")


# --- the honesty rule -------------------------------------------------------------------------

finite = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False, allow_infinity=False)


@given(finite, finite, finite)
def test_effect_wording_follows_the_interval(a: float, b: float, c: float) -> None:
    lo, x, hi = sorted((a, b, c))
    text = effect("AI", "retention", Est(x, lo, hi), "pp", "USD")
    assert ("raised" in text) == (lo > 0)
    assert ("lowered" in text) == (hi < 0)
    assert ("no clear effect" in text) == (lo <= 0 <= hi)


def test_effect_without_interval_is_indicative_only() -> None:
    text = effect("AI", "retention", Est(0.03), "pp", "USD")
    assert "indicative" in text and "raised" not in text


def test_inconclusive_range_is_shown_with_signs() -> None:
    text = effect("AI", "retention", Est(0.01, -0.012, 0.034), "pp", "USD")
    assert "no clear effect on retention (−1.2 to +3.4 pp)" in text


def test_compare_needs_non_overlapping_intervals() -> None:
    assert compare(Est(0.6, 0.58, 0.62), Est(0.72, 0.70, 0.74)) == -1
    assert compare(Est(0.6, 0.50, 0.71), Est(0.72, 0.70, 0.74)) == 0
    assert compare(Est(0.6), Est(0.72, 0.70, 0.74)) is None
    line = mode_line("CSAT", {"human_only": Est(0.72, 0.70, 0.74), "ai_only": Est(0.6, 0.58, 0.62),
                              "hybrid": Est(0.75, 0.69, 0.80)}, "pct", "USD")
    assert line == "CSAT: human-only 72.0%; AI-only 60.0% is clearly lower and hybrid 75.0% is not clearly different."


def test_inconclusive_results_make_no_claims() -> None:
    report = build_report(inconclusive_results())
    head, ret, agents = report.section("headline"), report.section("retention"), report.section("agents")
    assert "not yet clear" in head.lead and "protected an estimated" not in head.lead
    assert "No clear upsell" in " ".join(head.paragraphs)
    assert "no clear effect on 12-month retention" in ret.lead
    assert agents.lead.startswith("No clear lead")
    assert "an uncertain amount of protected revenue (−$300k to +$700k) back at risk" in report.section("what_if").lead
    assert not any("raised" in m for m in report.key_messages)


def test_negative_effects_are_reported_as_losses() -> None:
    r = full_results()
    r["value"]["revenue_protected"] = {"estimate": -400_000.0, "ci_low": -700_000.0, "ci_high": -100_000.0}
    r["retention"]["delta_12m_adjusted"] = {"estimate": -0.02, "ci_low": -0.03, "ci_high": -0.01}
    report = build_report(r)
    assert "lost revenue rather than protecting it: −$400k" in report.section("headline").lead
    assert "lowered 12-month retention by 2.0 pp" in report.section("retention").lead


# --- numbers come from the input -------------------------------------------------------------


def _scaled_money(r: dict[str, Any], k: float) -> dict[str, Any]:
    r = copy.deepcopy(r)
    for key in ("revenue_protected", "revenue_generated", "revenue_at_risk", "clv"):
        for f in ("estimate", "ci_low", "ci_high"):
            r["value"][key][f] *= k
    return r


@pytest.mark.parametrize("k", [0.37, 3.0, 1234.5])
def test_pillar_figures_track_the_results(k: float) -> None:
    base = full_results()
    r = _scaled_money(base, k)
    head = build_report(r).section("headline")
    for key, tile in zip(("revenue_protected", "revenue_generated", "revenue_at_risk"), head.tiles):
        v = r["value"][key]
        # fmt.money is the shared formatter; the figures themselves come from r, not from the code
        assert tile.value == fmt.money(v["estimate"], "USD")
        assert fmt.money(v["ci_low"], "USD") in tile.detail and fmt.money(v["ci_high"], "USD") in tile.detail
    assert fmt.money(r["value"]["revenue_protected"]["estimate"], "USD") in head.lead


def test_money_formatting() -> None:
    assert fmt.money(1_234_567, "USD") == "$1.23M"
    assert fmt.money(999_960, "GBP") == "£1M"
    assert fmt.money(1e12, "USD") == "$1000B"
    assert fmt.money(-45_600, "EUR") == "−€45.6k"
    assert fmt.money(7.514, "USD") == "$7.51"
    assert fmt.money(120, "CHF") == "CHF 120"
    assert fmt.pp(-0.0004) == "0.0 pp"
    assert span(-0.3e6, 0.7e6, "money", "USD") == "−$300k to +$700k"


def test_currency_comes_from_results() -> None:
    r = full_results()
    r["currency"] = "GBP"
    assert "£1M" in build_report(r).section("headline").lead


# --- privacy -----------------------------------------------------------------------------------


def test_small_groups_are_suppressed() -> None:
    report = build_report(full_results(), min_cell=10)
    exp = report.section("experience")
    fax = next(row for t in exp.tables for row in t.rows if row[0].text == "Fax")
    assert [c.text for c in fax[1:]] == ["<10", "<10", "<10"]
    delta = next(c for c in exp.charts if c.key == "csat_delta_monthly")
    assert delta.series[0].values[4] is None  # the month resting on 5 hybrid answers
    # with a threshold of 1 the same cells show (so the suppression above is the threshold's doing)
    shown = build_report(full_results(), min_cell=1).section("experience")
    fax1 = next(row for t in shown.tables for row in t.rows if row[0].text == "Fax")
    assert fax1[1].text.startswith("50.0%")


def test_per_mode_suppresses_a_small_mode() -> None:
    m = full_results()["metrics"]
    m["counts"]["contacts"]["hybrid"] = 7
    got = per_mode(m, "csat", 10)
    assert isinstance(got["hybrid"], Suppressed) and isinstance(got["ai_only"], Est)


def test_survival_curves_stop_where_few_remain_at_risk() -> None:
    pts = [{"day": d, "survival": 1 - d / 1000, "at_risk": 100 - d} for d in range(0, 100, 10)]
    cut = curves({"ai_assisted": pts}, 15)["ai_assisted"]
    assert [p.day for p in cut] == [0, 10, 20, 30, 40, 50, 60, 70, 80]


def test_identifiers_never_reach_the_story() -> None:
    text = report_text(build_report(with_identifiers()))
    for secret in SECRETS:
        assert secret not in text
    assert "[redacted]" in text
    assert find_identifiers(text) == []


def test_report_text_has_no_false_identifier_hits() -> None:
    for make in (full_results, inconclusive_results, sparse_results):
        assert find_identifiers(report_text(build_report(make()))) == []


def test_identifier_patterns() -> None:
    for s in ("K00042", "C0000123", "acct_99812", "x@y.org", "123e4567-e89b-12d3-a456-426614174000",
              "1234567", "+44 20 7946 0958"):
        assert find_identifiers(f"see {s} here"), s
    for s in ("49,834 contacts", "$1.23M", "2025-12-31", "+2.0 pp", "CSAT 4–5", "T01", "7d", "Q3 2025"):
        assert find_identifiers(s) == [], s
    assert redact("customer K00042 left") == "customer [redacted] left"


# --- tolerance and graceful degradation -------------------------------------------------------


def test_empty_results_render_every_section_as_missing() -> None:
    report = build_report({})
    assert [s.key for s in report.sections] == ["headline", "what_if", "retention", "chain", "experience",
                                                 "agents", "efficiency", "stack", "debt", "methods"]
    for key in ("headline", "what_if", "retention", "chain", "experience", "agents", "efficiency", "stack"):
        sec = report.section(key)
        assert sec.status == "missing" and sec.unlock, key


def test_sparse_results_say_what_would_unlock_each_section() -> None:
    report = build_report(sparse_results())
    assert report.section("headline").status == "missing"
    assert "monthly_revenue" in " ".join(report.section("headline").unlock)
    assert "agent_pulse" in " ".join(report.section("agents").unlock)
    assert report.section("chain").status == "partial"  # survey results by touchpoint stand in
    assert report.section("efficiency").status == "full"
    debt = report.section("debt")
    assert debt.tables and any("Revenue protected" in row[0].text for row in debt.tables[0].rows)
    assert report.key_messages[0].startswith("Revenue protected, generated and at risk are not quantified yet")


def test_missing_optional_tables_are_listed_as_debt() -> None:
    r = sparse_results()
    del r["dataset"]["rows"]["agent_pulse"]
    bullets = build_report(r).section("debt").bullets
    assert any("agent pulse" in b for b in bullets)


def test_alternative_shapes_are_accepted() -> None:
    columnar = {"ai_assisted": {"day": [0, 30, 60], "survival": [1.0, 0.95, 0.9], "at_risk": [100, 90, 80]}}
    long_rows = [{"group": "human_only", "t": 0, "estimate": 1.0}, {"group": "human_only", "t": 30, "estimate": 0.9}]
    assert [p.survival for p in curves(columnar, 10)["ai_assisted"]] == [1.0, 0.95, 0.9]
    assert [p.day for p in curves(long_rows, 10)["human_only"]] == [0, 30]
    chain_long = [{"touchpoint": "chatbot", "links": [{"link": "effort_reduction", "status": "positive"},
                                                      {"link": "behavioral_change", "status": "negative"}]}]
    (tp, links), = chain_links(chain_long)
    assert tp == "chatbot" and links["effort"]["status"] == "positive" and links["behaviour"]["status"] == "negative"
    chain_plain = {"ivr": {"effort_reduction": "negative"}}
    assert chain_links(chain_plain)[0][1]["effort"] == {"status": "negative"}
    assert records({"a": {"x": 1}, "b": {"x": 2}}) == [{"name": "a", "x": 1}, {"name": "b", "x": 2}]
    assert isinstance(to_est(3.5, 10), Est)
    assert to_est({"estimate": 0.4, "n": 3}, 10) == Suppressed(3)
    assert to_est({"estimate": None}, 10) is None


def test_stack_given_as_a_dict_of_dicts() -> None:
    r = full_results()
    r["stack"] = {row["metric"]: {k: v for k, v in row.items() if k != "metric"} for row in r["stack"]}
    sec = build_report(r).section("stack")
    assert sec.lead.startswith("1 of 4 metrics in the stack has fired")


def test_key_messages_lead_with_revenue_and_loyalty() -> None:
    msgs = build_report(full_results()).key_messages
    assert 3 <= len(msgs) <= 6
    assert "revenue" in msgs[0].lower() and "retention" in msgs[1].lower()
    assert any("contain" in m for m in msgs[2:])  # efficiency: supporting evidence, not the lead


def test_no_figure_in_the_story_is_invented() -> None:
    """Every percentage in the efficiency section is a value (or bound) from the results."""
    r = full_results()
    eff = build_report(r).section("efficiency")
    allowed = set()
    for name in ("fcr_7d", "fcr_14d"):
        for v in r["metrics"]["intervals"][name].values():
            allowed |= {f"{x * 100:.1f}" for x in (v["estimate"], v["ci_low"], v["ci_high"])}
    for name in ("containment_rate", "false_containment_7d"):
        allowed.add(f"{r['metrics'][name] * 100:.1f}")
    text = " ".join([eff.lead, *eff.paragraphs, *(t.value for t in eff.tiles),
                     *(c.text for t in eff.tables for row in t.rows for c in row)])
    found = set(re.findall(r"(\d+\.\d)%", text)) | set(re.findall(r"\((\d+\.\d) to", text))
    assert found and found <= allowed


def test_sections_as_the_analyses_write_them() -> None:
    from report_fixtures import analyses_shaped_results

    report = build_report(analyses_shaped_results())
    ret = report.section("retention")
    curves_chart = next(c for c in ret.charts if c.key == "retention_curves")
    assert [s.name for s in curves_chart.series] == ["AI-assisted", "Human only"]
    head = report.section("headline")
    assert "mostly from unresolved AI contacts ($120k)" in " ".join(head.paragraphs)
    assert "pays back in 4.5 months (95% interval 3.0 to 8.0)" in " ".join(head.paragraphs)
    link_chart = next(c for c in head.charts if c.key == "at_risk_by_link")
    assert link_chart.categories == ("Unresolved AI contacts", "Negative sentiment")  # "none" is not a link
    assert "no more agents" in report.section("what_if").lead
    agents = report.section("agents")
    assert {c.key for c in agents.charts} == {"agent_index", "lead_lag"}
    assert "(a standardised score: 0 is an average month, higher is better)" in " ".join(agents.paragraphs)
    chain = report.section("chain")
    rows = {row[0].text: [c.text for c in row[1:]] for row in chain.tables[0].rows}
    # the cell shows the measure that agrees with the status, not the first one listed
    assert rows["Chatbot"] == ["Negative · CES −0.40", "Negative · FCR −11.0 pp", "Negative · Sentiment shift −0.05",
                               "Positive · retention +10.0 pp"]
    assert rows["Proactive"] == ["Unknown"] * 4
    assert chain.bullets == ("Measure next: Proactive effort (CES answers on proactive contacts)",)
    stack = report.section("stack")
    cells = {row[0].text: [c.text for c in row[1:]] for row in stack.tables[0].rows}
    assert cells["First-contact resolution of AI-only contacts (7 days)"] == [
        "69.0%", "Head of Digital Care", "fcr 7d ai only (upper 95% bound) < 0.70 for 2 months",
        "review bot escalation paths", "OK now (fired Apr 2025 – May 2025)"]
    assert cells["Post-AI-interaction NPS"][-1] == "Fired" and cells["Post-AI-interaction NPS"][0] == "+25"
    assert cells["12-month retention delta (adjusted)"][-1] == "Cannot evaluate"
    assert stack.lead.startswith("1 of 3 metrics in the stack has fired its decision trigger: Post-AI-interaction NPS")
    debt = report.section("debt")
    assert debt.lead == "1 measurement gap to close; outcomes without a measurement path: Revenue."
    eff = report.section("efficiency")
    assert any("Containment masking was flagged in Mar 2025 and Apr 2025" in p for p in eff.paragraphs)
