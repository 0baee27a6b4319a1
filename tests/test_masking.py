"""Containment masking: the demo's planted months, the decision rule on hand-made series, the
multiplicity levels, the result shape and the settings."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from scipy import stats as sps

import cxroi
from cxroi.analyses.masking.detector import MaskingDetector, detect_masking
from cxroi.analyses.masking.series import MaskingSeries
from cxroi.analyses.masking.settings import (
    MaskingSettings,
    parse_masking_settings,
)
from cxroi.results.model.masking import Move
from cxroi.analyses.panel import Panel, build_panel
from cxroi.demo import DemoTruths, generate_demo
from cxroi.errors import Problem
from cxroi.results.files import dumps_json as dumps
from cxroi.results.codec import encode
from cxroi.stats.clustered_series import ClusteredSeries
from cxroi.stats.result import CannotCompute, Estimate

N_CONTACTS, SEED = 60_000, 7


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, DemoTruths]:
    folder = tmp_path_factory.mktemp("masking-demo")
    truths = generate_demo(folder, contacts=N_CONTACTS, seed=SEED)
    ds = cxroi.load_dataset(folder)
    return ds, truths


@pytest.fixture(scope="module")
def panel(demo: tuple[Any, DemoTruths]) -> Panel:
    return build_panel(demo[0])


def test_exactly_the_planted_masking_months_are_flagged(
    panel: Panel, demo: tuple[Any, DemoTruths]
) -> None:
    result = detect_masking(panel, MaskingSettings())
    assert result.flagged_months == demo[1].masking_months == ("2025-03", "2025-04", "2025-05")
    for m in result.months:
        if m.flagged:
            assert m.containment_rises and (m.resolution_falls or m.effort_worsens)
            assert isinstance(m.containment_change, Move) and m.containment_change.estimate > 0
            assert isinstance(m.resolution_change, Move) and m.resolution_change.estimate < 0
    # the older three-field settings of the stack still work


def test_masked_months_are_compared_with_the_months_before_the_episode(panel: Panel) -> None:
    result = detect_masking(panel, MaskingSettings(reference_months=6))
    by_month = {m.month: m for m in result.months}
    before = ("2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02")
    assert by_month["2025-03"].reference == before
    # after the episode, flagged months stay out of the reference
    assert by_month["2025-06"].reference == before
    assert by_month["2025-07"].reference == (*before[1:], "2025-06")
    one = {m.month: m for m in detect_masking(panel, MaskingSettings(reference_months=1)).months}
    assert one["2025-03"].reference == ("2025-02",)


def test_alerts_carry_kind_period_metric_owner_and_action(panel: Panel) -> None:
    result = detect_masking(panel, MaskingSettings(owner="Jo Bloggs", action="look"))
    alerts = result.alerts()
    assert [a.period for a in alerts] == ["2025-03", "2025-04", "2025-05"]
    for a in alerts:
        assert a.kind == "containment_masking" and a.metric == "containment_rate"
        assert (a.owner, a.action) == ("Jo Bloggs", "look")
        assert a.period in a.message and "containment" in a.message
        assert a.evidence is not None and a.evidence.level is not None
        ev = a.evidence.containment_change
        assert ev is not None and ev.ci_low is not None and ev.p_value is not None
        assert ev.ci_low > 0 and ev.p_value <= a.evidence.level


def test_panel_containment_matches_the_planted_monthly_truth(
    panel: Panel, demo: tuple[Any, DemoTruths]
) -> None:
    truths = demo[1]
    assert panel.masking is not None and panel.masking.containment is not None
    series = panel.masking.containment
    for month, expected in truths.containment_by_month.items():
        p = panel.containment(lambda k, m=month: k.month == m)
        assert p.k / p.n == pytest.approx(expected, rel=1e-12)
        assert series.level[series.months.index(month)] == pytest.approx(expected, rel=1e-12)


def test_panel_resolution_adds_up_to_the_exact_metrics(
    panel: Panel, demo: tuple[Any, DemoTruths]
) -> None:
    exact = cxroi.compute_exact_metrics(demo[0])
    for mode in ("ai_only", "hybrid", "human_only"):
        fcr = panel.total(lambda k, mode=mode: k.mode == mode).fcr
        expected = exact.fcr[7][mode]
        assert isinstance(expected, Estimate)
        assert fcr.n == expected.n and fcr.k / fcr.n == pytest.approx(expected.estimate, rel=1e-12)
    ces = panel.total(lambda k: True).ces
    assert isinstance(exact.surveys["ces"]["all"], Estimate)
    assert ces.total / ces.n == pytest.approx(exact.surveys["ces"]["all"].estimate, rel=1e-12)
    # the masking series count the same bot-entry contacts as the cells
    assert panel.masking is not None and panel.masking.resolution is not None
    for month, units in zip(panel.masking.resolution.months, panel.masking.resolution.units):
        cells = panel.total(lambda k, m=month: k.month == m and (k.mode == "ai_only" or k.escalated))
        assert units == cells.fcr.n


def test_results_are_json_ready_and_byte_identical(panel: Panel) -> None:
    first = encode(detect_masking(panel, MaskingSettings()).section())
    again = encode(detect_masking(panel, MaskingSettings()).section())
    assert dumps(first) == dumps(again)
    json.loads(dumps(first))
    row = first["months"][0]
    assert row["containment_change"] is None and "no earlier month" in row["containment_change_note"]
    assert row["stage"] == "not tested" and row["tested_at"] is None
    assert first["tests"] == len(first["months"]) - 1
    assert first["family_level"] == pytest.approx(0.05 / first["tests"])


# --- the decision rule on hand-made series ----------------------------------------------------
MONTHS = tuple(f"2024-{m:02d}" for m in range(1, 13))


def _series(levels: list[float], se: float, units: float = 1000.0) -> ClusteredSeries:
    """Independent months with the given levels and standard error each."""
    k = len(levels)
    cov = tuple(tuple(se * se if i == j else 0.0 for j in range(k)) for i in range(k))
    return ClusteredSeries(MONTHS[:k], tuple(levels), (units,) * k, cov, 10_000, True)


def _masking(
    containment: list[float],
    resolution: list[float],
    ces: list[float] | None = None,
    se_c: float = 0.01,
    se_r: float = 0.01,
    se_e: float = 0.05,
) -> MaskingSeries:
    c, r = _series(containment, se_c), _series(resolution, se_r)
    e = _series(ces, se_e) if ces is not None else None
    return MaskingSeries(c, r, r, e, e, ces is not None, ("x",))


def _fit(series: MaskingSeries, **settings: Any) -> MaskingDetector:
    return MaskingDetector(MaskingSettings(**settings)).fit(series)


FLAT = [0.5] * 6


def test_containment_rise_with_steady_resolution_is_not_masking() -> None:
    fit = _fit(_masking([*FLAT, 0.7], [0.8] * 7, [5.0] * 7))
    last = fit.months_[-1]
    assert last.containment_rises and not last.resolution_falls and not last.flagged


def test_containment_rise_with_falling_resolution_is_masking() -> None:
    fit = _fit(_masking([*FLAT, 0.7], [*([0.8] * 6), 0.7], [5.0] * 7))
    last = fit.months_[-1]
    assert last.flagged and last.resolution_falls and not last.effort_worsens
    assert last.stage == "family-wise" and last.level == pytest.approx(0.05 / 6)


def test_worse_effort_alone_with_rising_containment_is_masking() -> None:
    fit = _fit(_masking([*FLAT, 0.7], [0.8] * 7, [*([5.0] * 6), 4.0]))
    last = fit.months_[-1]
    assert last.flagged and last.effort_worsens and not last.resolution_falls


def test_falling_resolution_without_a_containment_rise_is_not_masking() -> None:
    fit = _fit(_masking([0.5] * 7, [*([0.8] * 6), 0.6], [5.0] * 7))
    last = fit.months_[-1]
    assert not last.containment_rises and not last.flagged


def test_a_move_below_the_practical_minimum_is_never_flagged() -> None:
    # FCR -1.5 pp with a tiny se: significant, but under the 2 pp minimum
    series = _masking([*FLAT, 0.7], [*([0.8] * 6), 0.785], se_r=0.0005)
    assert not _fit(series).months_[-1].flagged
    assert _fit(series, min_resolution_fall=0.01).months_[-1].flagged


def test_month_level_is_bonferroni_over_months_and_split_over_measures() -> None:
    # one-sided p of the FCR fall set just either side of alpha / (2 K), K = 6 months compared
    k, alpha = 6, 0.05
    threshold = float(sps.norm.isf(alpha / (2 * k)))
    se_diff = 0.01 * math.sqrt(1 + 1 / 6)  # month vs the pooled 6 reference months
    for z, flagged in ((threshold * 1.01, True), (threshold * 0.99, False)):
        drop = z * se_diff
        fit = _fit(_masking([*FLAT, 0.8], [*([0.8] * 6), 0.8 - drop], [5.0] * 7), extend_episodes=False)
        move = fit.months_[-1].resolution_change
        assert isinstance(move, Move)
        assert move.p_value == pytest.approx(float(sps.norm.sf(z)), rel=1e-9)
        assert fit.months_[-1].flagged is flagged
    # without surveys the whole month level goes to FCR
    drop = threshold * 0.99 * se_diff
    fit = _fit(_masking([*FLAT, 0.8], [*([0.8] * 6), 0.8 - drop]), extend_episodes=False)
    assert fit.months_[-1].flagged


def test_episode_extension_adds_weaker_neighbours_of_a_flagged_month() -> None:
    # 2024-09 is strong; 2024-08 and 2024-10 are weaker (FCR z about 2.5 against their
    # references): below the family level (alpha / 10 / 2 per measure, z 2.81), above the
    # neighbour level (alpha / 2 / 2 per measure, z 2.24)
    se_diff = 0.01 * math.sqrt(1 + 1 / 6)  # a month vs 6 pooled reference months
    cont = [*FLAT, 0.5, 0.7, 0.7, 0.7, 0.5]
    # 2024-10's reference (2024-03..08) holds 2024-08's dip: its own dip is set to z = 2.5 net
    res = [*([0.8] * 7), 0.8 - 2.5 * se_diff, 0.6, 0.8 - 2.5 * se_diff * 7 / 6, 0.8]
    plain = _fit(_masking(cont, res, [5.0] * 11), extend_episodes=False)
    for i in (7, 9):
        move = plain.months_[i].resolution_change
        assert isinstance(move, Move) and move.se is not None
        assert move.estimate / move.se == pytest.approx(-2.5)
    assert [m.month for m in plain.months_ if m.flagged] == ["2024-09"]
    grown = _fit(_masking(cont, res, [5.0] * 11))
    flagged = {m.month: m.stage for m in grown.months_ if m.flagged}
    assert flagged == {"2024-08": "episode", "2024-09": "family-wise", "2024-10": "episode"}
    assert grown.months_[7].level == pytest.approx(0.025)


def test_first_month_and_missing_surveys_are_reasons_not_numbers() -> None:
    fit = _fit(_masking([0.5, 0.9], [0.8, 0.5]))
    first, second = fit.months_
    assert isinstance(first.containment_change, CannotCompute)
    assert isinstance(second.ces_change, CannotCompute) and second.flagged  # resolution suffices
    out = encode(fit.result().section())
    assert out["months"][0]["containment_change"] is None
    assert "no earlier month" in out["months"][0]["containment_change_note"]
    assert "effort_measure_note" in out


def test_an_empty_panel_gives_no_months_and_no_alerts() -> None:
    result = detect_masking(Panel((), has_surveys=False, has_sentiment=False), MaskingSettings())
    assert result.months == () and result.alerts() == []
    assert result.section().effort_measure_note


# --- settings --------------------------------------------------------------------------------
def test_settings_parser_reads_every_key_and_collects_every_problem() -> None:
    problems: list[Problem] = []
    s = parse_masking_settings(
        {
            "reference_months": 3,
            "alpha": 0.1,
            "min_containment_rise": 0.05,
            "min_resolution_fall": 0.03,
            "min_effort_fall": 0.5,
            "adjust_for_intent": False,
            "extend_episodes": False,
            "owner": "Ann",
            "action": "call Ann",
        },
        problems,
    )
    assert problems == []
    assert s == MaskingSettings(3, "Ann", "call Ann", 0.1, 0.05, 0.03, 0.5, False, False)
    bad = parse_masking_settings(
        {"reference_months": 0, "alpha": "x", "extend_episodes": 1, "owner": "", "nope": 1},
        problems,
    )
    assert bad == MaskingSettings()
    assert {(p.where, p.rule) for p in problems} == {
        ("stack.masking.reference_months", "out_of_range"),
        ("stack.masking.alpha", "wrong_type"),
        ("stack.masking.extend_episodes", "wrong_type"),
        ("stack.masking.owner", "wrong_type"),
        ("stack.masking.nope", "unknown_key"),
    }
