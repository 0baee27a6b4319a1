"""Containment masking: planted-truth recovery on the demo, hand-made panels, the contrasts used."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats as sps

import cxroi
from cxroi.analyses.loyalty_stats import nps_difference, welch_difference
from cxroi.analyses.masking import MaskingSettings, detect_masking
from cxroi.analyses.panel import CellKey, CellStats, Panel, build_panel
from cxroi.demo import DemoTruths, generate_demo
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.stats.summary import Moments, NpsCounts, Proportion

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
            assert isinstance(m.containment_change, Estimate) and m.containment_change.estimate > 0
            assert isinstance(m.resolution_change, Estimate) and m.resolution_change.estimate < 0


def test_masked_months_are_compared_with_the_months_before_the_episode(panel: Panel) -> None:
    result = detect_masking(panel, MaskingSettings(reference_months=6))
    by_month = {m.month: m for m in result.months}
    before = ("2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02")
    for month in ("2025-03", "2025-04", "2025-05"):
        assert by_month[month].reference == before
    # after the episode, flagged months stay out of the reference
    assert by_month["2025-06"].reference == before
    assert by_month["2025-07"].reference == (*before[1:], "2025-06")
    # with one reference month, the brief's month-on-month design is the special case
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
        assert a.evidence is not None and a.evidence.containment_change is not None
        assert a.evidence.containment_change.ci_low is not None
        assert a.evidence.containment_change.ci_low > 0


def test_panel_containment_matches_the_planted_monthly_truth(
    panel: Panel, demo: tuple[Any, DemoTruths]
) -> None:
    truths = demo[1]
    for month, expected in truths.containment_by_month.items():
        p = panel.containment(lambda k, m=month: k.month == m)
        assert p.k / p.n == pytest.approx(expected, rel=1e-12)


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


# --- hand-made panels -----------------------------------------------------------------------


def _panel(rows: list[tuple[str, int, int, int, int, tuple[float, ...]]]) -> Panel:
    """Per month: ai_only and escalated contacts, eligible and resolved (bot-entry), CES answers."""
    cells = []
    for month, ai, esc, eligible, resolved, ces in rows:
        half_e, half_r = eligible // 2, resolved // 2
        x = np.asarray(ces, dtype=float)
        cells.append(
            (
                CellKey(month, "ai_only", False, "chatbot"),
                CellStats(
                    contacts=ai,
                    fcr=Proportion(half_e, half_r),
                    ces=Moments(len(x), float(x.sum()), float((x * x).sum())),
                ),
            )
        )
        cells.append(
            (
                CellKey(month, "hybrid", True, "chatbot"),
                CellStats(
                    contacts=esc,
                    escalated=esc,
                    fcr=Proportion(eligible - half_e, resolved - half_r),
                ),
            )
        )
    return Panel(tuple(cells), has_surveys=True, has_sentiment=False)


STEADY_CES = (5.0, 6.0, 7.0, 6.0, 5.0, 6.0) * 5


def test_containment_rise_with_steady_resolution_is_not_masking() -> None:
    rows = [(f"2024-{m:02d}", 700, 300, 1000, 750, STEADY_CES) for m in range(1, 7)]
    rows.append(("2024-07", 900, 100, 1000, 750, STEADY_CES))
    result = detect_masking(_panel(rows), MaskingSettings())
    last = result.months[-1]
    assert last.containment_rises and not last.resolution_falls and not last.flagged


def test_containment_rise_with_falling_resolution_is_masking() -> None:
    rows = [(f"2024-{m:02d}", 700, 300, 1000, 750, STEADY_CES) for m in range(1, 7)]
    rows.append(("2024-07", 900, 100, 1000, 600, STEADY_CES))
    last = detect_masking(_panel(rows), MaskingSettings()).months[-1]
    assert last.flagged and last.resolution_falls and not last.effort_worsens


def test_worse_effort_alone_with_rising_containment_is_masking() -> None:
    rows = [(f"2024-{m:02d}", 700, 300, 1000, 750, STEADY_CES) for m in range(1, 7)]
    rows.append(("2024-07", 900, 100, 1000, 750, (2.0, 3.0, 2.0, 3.0) * 8))
    last = detect_masking(_panel(rows), MaskingSettings()).months[-1]
    assert last.flagged and last.effort_worsens and not last.resolution_falls


def test_falling_resolution_without_a_containment_rise_is_not_masking() -> None:
    rows = [(f"2024-{m:02d}", 700, 300, 1000, 750, STEADY_CES) for m in range(1, 8)]
    rows[-1] = ("2024-07", 700, 300, 1000, 500, STEADY_CES)
    last = detect_masking(_panel(rows), MaskingSettings()).months[-1]
    assert last.resolution_falls and not last.flagged


def test_first_month_and_missing_surveys_are_reasons_not_numbers() -> None:
    rows = [("2024-01", 700, 300, 1000, 750, ()), ("2024-02", 900, 100, 1000, 600, ())]
    result = detect_masking(_panel(rows), MaskingSettings())
    first, second = result.months
    assert isinstance(first.containment_change, CannotCompute)
    assert isinstance(second.ces_change, CannotCompute) and second.flagged  # resolution suffices
    first = result.section().months[0].containment_change
    assert isinstance(first, CannotCompute) and "no earlier month" in first.reason


# --- the contrasts ---------------------------------------------------------------------------


def test_welch_difference_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(5.2, 1.1, 40), rng.normal(4.6, 2.0, 25)
    est = welch_difference(
        Moments(a.size, float(a.sum()), float((a * a).sum())),
        Moments(b.size, float(b.sum()), float((b * b).sum())),
        "x",
    )
    ref = sps.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert isinstance(est, Estimate)
    assert est.estimate == pytest.approx(a.mean() - b.mean(), rel=1e-12)
    assert (est.ci_low, est.ci_high) == pytest.approx((ref.low, ref.high), rel=1e-9)
    assert isinstance(
        welch_difference(Moments(1, 5.0, 25.0), Moments(3, 6.0, 14.0), "n<2"), CannotCompute
    )


def test_nps_difference_by_hand() -> None:
    a, b = NpsCounts(100, 50, 20), NpsCounts(80, 30, 30)
    est = nps_difference(a, b, "x")
    va = (0.5 + 0.2 - 0.3**2) / 100
    vb = (0.375 + 0.375 - 0.0) / 80
    se = 100 * math.sqrt(va + vb)
    assert isinstance(est, Estimate)
    assert est.estimate == pytest.approx(30.0 - 0.0)
    assert est.ci_low == pytest.approx(30.0 - 1.959963984540054 * se)
    assert isinstance(nps_difference(NpsCounts(), b, "none"), CannotCompute)


def test_newcombe_interval_used_for_containment_matches_statsmodels() -> None:
    from statsmodels.stats.proportion import confint_proportions_2indep

    from cxroi.stats.summary import newcombe_difference

    est = newcombe_difference(Proportion(1028, 776), Proportion(5500, 3780), "x")
    low, high = confint_proportions_2indep(776, 1028, 3780, 5500, method="newcomb", compare="diff")
    assert isinstance(est, Estimate)
    assert (est.ci_low, est.ci_high) == pytest.approx((low, high), rel=1e-9)


def test_an_empty_panel_gives_no_months_and_no_alerts() -> None:
    result = detect_masking(Panel((), has_surveys=False, has_sentiment=False), MaskingSettings())
    assert result.months == () and result.alerts() == []
    assert result.section().effort_measure_note
