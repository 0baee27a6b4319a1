"""The report's story from the typed results tree: wording rules, numbers from the input, honest
precision, suppression, and graceful degradation.

Unit tests of the formatting and wording rules run on hand-made estimates; the story tests run on
real analyses (tests/report_fixtures.py: the demo centre, the same with configured costs, a tiny
dataset) and on variants of the demo tree made with ``dataclasses.replace``.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxroi.report import build_report, fmt, report_text
from cxroi.report import figures as F
from cxroi.report.model import Report
from cxroi.report.narrative import compare, effect, mode_line, span
from cxroi.report.privacy import find_identifiers, redact
from cxroi.report.read import Suppressed, shown
from cxroi.results.files import dumps, parse_results
from cxroi.results.model.money import Basis, Evidence, Money
from cxroi.results.model.value import ValueSection
from cxroi.stats.result import CannotCompute, Estimate, Unit
from report_fixtures import ATT, PROTECTED, SECRETS, get, results

MONEY = re.compile(r"[−+-]?\$\d")


def _report(kind: str, min_cell: int = 10) -> Report:
    return build_report(results(kind), min_cell)


def _money(x: float, lo: float | None, hi: float | None, sig: int | None = None) -> Money:
    return Money(x, lo, hi, unit=Unit.MONEY, evidence=Evidence.ADJUSTED, horizon_months=12, basis=Basis.ATT,
                 margin_applied=False, significant_figures=sig)


# --- honest precision ----------------------------------------------------------------------------


def test_precision_follows_the_interval() -> None:
    # the PDG rule: half-width 120k (leading digits 120 -> two figures) rounds at 10k
    assert F.with_interval(_money(238_697.84, 120_000.0, 360_000.0), "USD") == "$240k (95% interval $120k to $360k)"
    # a figure's own significant_figures wins
    assert F.amount(_money(238_697.84, 238_600.0, 238_800.0, sig=3), "USD") == "$239k"
    # no interval: three significant figures
    assert F.amount(_money(1_234_567.0, None, None), "USD") == "$1.23M"
    assert fmt.money_at(-45_600, "EUR", 2) == "−€45.6k"
    # halves round away from zero, as in finance: not Python's round-half-to-even
    assert [fmt.money_at(x, "USD", 5) for x in (650_000, 750_000, -650_000)] == ["$700k", "$800k", "−$700k"]
    assert fmt.number_at(0.15, -1) == "0.2" and fmt.number_at(2.5, 0) == "3"


@given(st.floats(-1e7, 1e7), st.floats(0.01, 1e6), st.floats(0.01, 1e6))
def test_intervals_are_never_degenerate(x: float, below: float, above: float) -> None:
    text = F.interval(_money(x, x - below, x + above), "USD")
    lo, _, hi = text.removeprefix("95% interval ").partition(" to ")
    assert lo and hi and lo != hi.lstrip("+"), text


def test_a_fixed_interval_says_so() -> None:
    assert F.interval(_money(0.0, 0.0, 0.0), "USD") == "no interval: its inputs are fixed"


def test_money_figure_labels_name_horizon_basis_margin_and_evidence() -> None:
    m = _money(1e6, 5e5, 1.5e6)
    assert F.labels(m) == ("12 months · AI-assisted customers, with AI minus without (ATT) · revenue before margin · "
                           "adjusted estimate")
    assert F.tags(m) == "ATT, revenue before margin, adjusted estimate"


# --- the honesty rule ------------------------------------------------------------------------------

finite = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False, allow_infinity=False)


@given(finite, finite, finite)
def test_effect_wording_follows_the_interval(a: float, b: float, c: float) -> None:
    lo, x, hi = sorted((a, b, c))
    text = effect("AI", "retention", Estimate(x, lo, hi), "pp", "USD")
    assert ("raised" in text) == (lo > 0)
    assert ("lowered" in text) == (hi < 0)
    assert ("no clear effect" in text) == (lo <= 0 <= hi)


def test_effect_without_interval_is_indicative_only() -> None:
    text = effect("AI", "retention", Estimate(0.03), "pp", "USD")
    assert "indicative" in text and "raised" not in text


def test_inconclusive_range_is_shown_with_signs() -> None:
    assert "no clear effect on retention (−1.2 to +3.4 pp)" in effect(
        "AI", "retention", Estimate(0.01, -0.012, 0.034), "pp", "USD")


def test_compare_needs_non_overlapping_intervals() -> None:
    assert compare(Estimate(0.6, 0.58, 0.62), Estimate(0.72, 0.70, 0.74)) == -1
    assert compare(Estimate(0.6, 0.50, 0.71), Estimate(0.72, 0.70, 0.74)) == 0
    assert compare(Estimate(0.6), Estimate(0.72, 0.70, 0.74)) is None
    line = mode_line("CSAT", {"human_only": Estimate(0.72, 0.70, 0.74), "ai_only": Estimate(0.6, 0.58, 0.62),
                              "hybrid": Estimate(0.75, 0.69, 0.80)}, "pct", "USD")
    assert line == "CSAT: human-only 72.0%; AI-only 60.0% is clearly lower and hybrid 75.0% is not clearly different."
    assert span(-0.3e6, 0.7e6, "money", "USD") == "−$300k to +$700k"


def test_suppression_uses_the_base_and_the_small_cell_flag() -> None:
    assert shown(Estimate(0.4, n=3), 10) == Suppressed(3)
    assert shown(Estimate(0.4, n=300, small_cell=True), 10) == Suppressed(300)
    assert isinstance(shown(Estimate(0.4, n=30), 10), Estimate)
    assert shown(CannotCompute("no data"), 10) == CannotCompute("no data")


# --- the first page a CFO signs ----------------------------------------------------------------------


def _first_page(report: Report) -> list[str]:
    """Every text unit of the key messages and the pillars section (tiles and table rows joined)."""
    head = report.section("headline")
    units = [*report.key_messages, head.lead, *head.paragraphs]
    units += [f"{t.label} {t.value} {t.detail}" for t in head.tiles]
    units += [" | ".join(c.text for c in row) for tab in head.tables for row in tab.rows]
    return units


@pytest.mark.parametrize("kind", ["demo", "clear", "configured", "inconclusive", "negative", "weak_link"])
def test_every_money_figure_on_the_first_page_has_a_horizon_and_an_interval(kind: str) -> None:
    units = [u for u in _first_page(_report(kind)) if MONEY.search(u)]
    assert len(units) >= 6
    for unit in units:
        assert re.search(r"\b\d+ months?\b|remaining lifetime", unit), unit
        assert "interval" in unit or re.search(r"\$[\d.,]+[kMB]? to [−+]?\$", unit), unit


def test_pillars_come_from_the_typed_tree_at_their_precision() -> None:
    r = results("demo")
    head = _report("demo").section("headline")
    v = r.value
    for tile, fig in zip(head.tiles, (v.revenue_protected, v.revenue_generated, v.revenue_at_risk)):
        assert isinstance(fig, Money)
        assert tile.value == F.amount(fig, "USD")
        assert F.interval(fig, "USD") in tile.detail and "12 months" in tile.label
        assert F.EVIDENCE[fig.evidence] in tile.detail and "revenue before margin" in tile.detail
    rows = {row[0].text: [c.text for c in row[1:]] for row in head.tables[0].rows}
    assert set(rows) >= {"Revenue protected", "Revenue generated (incremental)", "Revenue at risk",
                         "  of which ordinary churn exposure", "  of which chain weakness"}
    assert rows["Revenue protected"][2:] == ["12 months", "ATT", "revenue", "adjusted estimate"]
    assert rows["Revenue at risk"][2:] == ["12 months", "expected loss", "revenue", "descriptive comparison"]
    # no cents, no false precision: the interval sets the rounding
    assert not re.search(r"\$\d{1,3}(,\d{3})+\.\d\d", report_text(_report("demo")))


def test_default_costs_keep_roi_and_payback_out_of_the_key_messages() -> None:
    report = _report("demo")
    assert results("demo").value.roi_worksheet.illustrative
    text = " ".join(report.key_messages).lower()
    assert "roi" not in text and "payback" not in text and "return on" not in text
    for key in ("roi", "trend"):
        sec = report.section(key)
        assert sec.banner is not None and sec.banner.title == "Illustrative — configure your costs"
    assert report.section("roi").lead.startswith("Illustrative only, on default costs")
    # nowhere outside the bannered sections is the ROI quoted
    for sec in report.sections:
        if sec.key not in ("roi", "trend", "assumptions", "methods"):
            assert "ROI" not in " ".join((sec.lead, *sec.paragraphs, *(t.label for t in sec.tiles))), sec.key


def test_configured_costs_drop_the_banner_and_may_lead_with_the_roi() -> None:
    report = _report("configured")
    assert results("configured").value.roi_worksheet.tco_source == "configured"
    assert report.section("roi").banner is None and report.section("trend").banner is None
    assert "Illustrative" not in report_text(report)
    roi_message = next(m for m in report.key_messages if "ROI" in m)
    assert roi_message.startswith("With your configured costs, the ROI over the latest 12 months")


def test_assumptions_table_lists_every_row() -> None:
    r = results("demo")
    table = _report("demo").section("assumptions").tables[0]
    assert [row[0].text for row in table.rows] == [a.key for a in r.value.assumptions]
    sources = {row[0].text: row[1].text for row in table.rows}
    assert sources["value.margin"] == "default (cxroi's)"
    assert sources["roi.horizon"] == "structural (method)"
    values = {row[0].text: row[3].text for row in table.rows}
    assert values["value.roi.implementation"] == "75,000 (range 50,000 to 120,000)"
    lead = _report("demo").section("assumptions").lead
    defaults = sum(a.source == "default" for a in r.value.assumptions)
    assert f"{len(r.value.assumptions)} assumptions: {defaults} cxroi defaults" in lead


# --- wording follows the evidence --------------------------------------------------------------------


def test_wording_follows_the_evidence_class() -> None:
    text = report_text(_report("clear"))
    assert "is estimated to protect" in text  # the adjusted ATT-based figure
    assert "is associated with those contacts, not generated by AI" in text  # the attributed gross
    assert "projected to be worth" in text  # the CLV, an extrapolation
    assert "modelled to cost" in text  # the what-if, a scenario under assumptions
    for banned in ("loyalty effects compound", " moves CSAT", " causes ", "stay longer after"):
        assert banned not in text, banned
    agents = _report("clear").section("agents")
    assert " leads CSAT by " in agents.lead and "precede" in agents.lead
    assert "12-month retention by 4.0 pp (95% interval +2.5 to +5.5 pp; ATT, adjusted estimate)" in text


def test_inconclusive_results_make_no_claims() -> None:
    report = _report("inconclusive")
    head, ret, agents = report.section("headline"), report.section("retention"), report.section("agents")
    assert head.lead.startswith("Revenue protected over 12 months is not clear: $200k (95% interval −$300k to +$700k")
    assert "estimated to protect" not in report_text(report)
    assert any(p.startswith("No clear incremental revenue from AI over 12 months") for p in head.paragraphs)
    assert "had no clear effect on 12-month retention" in ret.lead
    assert agents.lead.startswith("No reliable lead of agent experience over CSAT") and "not significant" in agents.lead
    assert not any("raised" in m or "leads CSAT" in m for m in report.key_messages)


def test_negative_effects_are_reported_as_losses() -> None:
    report = _report("negative")
    assert report.section("headline").lead.startswith(
        "AI-assisted customers are estimated to keep less revenue with AI than without: −$400k over 12 months")
    assert "is estimated to have lowered 12-month retention by 2.0 pp" in report.section("retention").lead


def test_revenue_at_risk_separates_ordinary_churn_from_chain_weakness() -> None:
    demo = " ".join(_report("demo").section("headline").paragraphs)
    assert "ordinary churn exposure is" in demo and "weak loyalty-chain links account for" in demo
    assert "no clear link effect" in demo
    assert "mostly from" not in demo
    link = " ".join(_report("weak_link").section("headline").paragraphs)
    assert "weak links are estimated to raise the risk" in link
    assert "The link with the clearest effect is" in link and "$150k over 12 months" in link
    detail = _report("demo").section("value_detail").tables[1]
    verdicts = {row[4].text for row in detail.rows if row[1].text != "n<10"}
    assert verdicts and verdicts <= {"no clear link effect", "raises the risk", "lowers the risk"}


def test_generated_is_the_incremental_figure_and_gross_is_apart() -> None:
    r = results("demo")
    report = _report("demo")
    gross = r.value.revenue_generated_attributed
    assert isinstance(gross, Money)
    assert F.amount(gross, "USD") not in " ".join(t.value for t in report.section("headline").tiles)
    table = report.section("value_detail").tables[0]
    rows = {row[0].text: row for row in table.rows}
    assert rows["Gross, following AI-assisted contacts"][1].text == F.amount(gross, "USD")
    assert rows["Gross, following AI-assisted contacts"][4].text == "attributed (gross)"


def test_what_if_shows_both_queueing_models_with_intervals() -> None:
    sec = _report("demo").section("what_if")
    assert "by Erlang A" in sec.lead and "by Erlang C" in sec.lead and "scenario under the assumptions" in sec.lead
    labels = [t.label for t in sec.tiles]
    assert labels[:4] == ["Extra cost · 12 months", "Extra handle-hours · 12 months", "Extra agents (Erlang A)",
                          "Extra agents (Erlang C)"]
    assert all("95% interval" in t.detail for t in sec.tiles)
    models = [row[0].text for row in sec.tables[0].rows]
    assert models == ["Erlang C", "Erlang A"] and "staffed" in sec.tables[0].note


def test_workforce_states_the_study_direction_in_its_own_words() -> None:
    sec = _report("demo").section("workforce")
    text = " ".join((sec.lead, *sec.paragraphs))
    assert "NBER working paper 31161" in text and "less experienced agents" in text
    assert "this centre's own, not the study's" in text or "cannot yet tell" in text or "other way round" in text
    groups = [row[0].text for row in sec.tables[1].rows]
    assert groups[:2] == ["Novice", "Experienced"] and groups[-1] == "Gap, novice minus experienced"


# --- privacy -----------------------------------------------------------------------------------------


def test_a_suppressed_cell_does_not_read_as_a_value_of_its_unit() -> None:
    report = _report("small_hybrid")
    eff = report.section("efficiency").tables[0]
    hybrid = next(row for row in eff.rows if row[0].text == "Hybrid")
    assert [c.text for c in hybrid[1:]] == ["n<10"] * 6  # contacts, FCR, cost, handle time: all a count
    for c in hybrid[1:]:
        assert not re.match(r"^[<>]?\d", c.text) and not re.search(r"\d\s*(s|min|%|pp)$", c.text)
    assert "n<10: fewer than 10" in eff.note
    exp = report.section("experience").tables[0]
    assert all(row[2].text == "n<10" for row in exp.rows)
    # the same cells show with a threshold of 1, so the suppression above is the threshold's doing
    shown_eff = _report("small_hybrid", min_cell=1).section("efficiency").tables[0]
    assert next(row for row in shown_eff.rows if row[0].text == "Hybrid")[1].text == "7"


def test_identifiers_never_reach_the_story() -> None:
    text = report_text(_report("identifiers"))
    for secret in SECRETS:
        assert secret not in text
    assert "[redacted]" in text
    assert find_identifiers(text) == []


@pytest.mark.parametrize("kind", ["demo", "configured", "sparse", "inconclusive"])
def test_report_text_has_no_false_identifier_hits(kind: str) -> None:
    assert find_identifiers(report_text(_report(kind))) == []


def test_identifier_patterns() -> None:
    for s in ("K00042", "C0000123", "acct_99812", "x@y.org", "123e4567-e89b-12d3-a456-426614174000",
              "1234567", "+44 20 7946 0958"):
        assert find_identifiers(f"see {s} here"), s
    for s in ("49,834 contacts", "$1.23M", "2025-12-31", "+2.0 pp", "CSAT 4–5", "T01", "7d", "Q3 2025", "n<10"):
        assert find_identifiers(s) == [], s
    assert redact("customer K00042 left") == "customer [redacted] left"
    assert fmt.grouped("seed 20250101, K00042, CUST-123456") == "seed 20,250,101, K00042, CUST-123456"


# --- the typed tree in, degradation ------------------------------------------------------------------


def test_report_reads_the_same_from_results_json() -> None:
    r = results("demo")
    again = parse_results(json.loads(dumps(r)))
    assert report_text(build_report(again)) == report_text(build_report(r))


def test_sparse_results_say_what_would_unlock_each_section() -> None:
    report = _report("sparse")
    assert [s.key for s in report.sections] == [
        "headline", "what_if", "roi", "trend", "assumptions", "value_detail", "retention", "chain", "experience",
        "masking", "agents", "workforce", "efficiency", "stack", "debt", "methods"]
    for key in ("headline", "what_if", "trend", "retention", "experience", "agents", "workforce"):
        sec = report.section(key)
        assert sec.status == "missing" and sec.unlock, key
    assert "monthly_revenue" in " ".join(report.section("headline").unlock)
    assert "agent_pulse" in " ".join(report.section("agents").unlock)
    assert report.section("efficiency").status == "full"
    assert report.key_messages[0].startswith("Revenue protected, generated and at risk are not quantified yet")
    reasons = {row[0].text for row in report.section("debt").tables[-1].rows}
    assert {"Revenue protected", "What if we stopped AI", "Agent turnover"} <= reasons


def test_missing_optional_tables_are_listed_as_debt() -> None:
    bullets = _report("sparse").section("debt").bullets
    assert any("agent pulse" in b for b in bullets) and any("surveys" in b for b in bullets)


def test_key_messages_lead_with_money_then_loyalty() -> None:
    msgs = _report("demo").key_messages
    assert 4 <= len(msgs) <= 6
    assert "revenue" in msgs[0] and "12 months" in msgs[0]
    assert any("12-month retention" in m for m in msgs[1:4])
    assert any("contain" in m for m in msgs[3:])  # efficiency: supporting evidence, not the lead


def test_value_section_views_are_what_the_report_shows() -> None:
    """The pillars are the tree's board figures (value.revenue_protected etc.), never recomputed."""
    r = results("clear")
    v: ValueSection = r.value
    assert v.revenue_protected is get(r, PROTECTED)
    protected = get(r, PROTECTED)
    # $750k with the interval $300k to $1.2M: the half-width 450k keeps one significant digit (the
    # PDG rule), so the figure is rounded at $100k; "$750k" would claim a precision it lacks
    assert protected.significant_figures == 2
    assert F.amount(protected, "USD") == "$800k" and "$800k" in _report("clear").section("headline").lead
    att = get(r, ATT)
    assert isinstance(att, Estimate)
    assert fmt.pp(att.estimate).lstrip("+") in _report("clear").section("retention").lead
