"""Reduced masking study: false alarms on a containment ramp without masking, and detection of
planted masking, over 100 simulated 24-month histories each (the full study with 500 per scenario
is ``scripts/masking_study.py``; its table is in docs/metric-stack.md).

The histories are a quarter of the study's volume (about 750 bot-entry contacts a month), so
detection here is at the harder end; the Monte Carlo standard error of a rate r over 100
histories is sqrt(r (1 - r) / 100): 2.2 points at 5%, 3 points at 90%.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cxroi.analyses.masking.settings import MaskingSettings
from cxroi.analyses.masking.simulate import HistorySpec, simulate_history
from cxroi.analyses.masking.study import Prepared, detector_for, run_scenario

HISTORIES = 100
SMALL = 25_000
PLANTED = (14, 15, 16)


def test_a_containment_ramp_without_masking_rarely_raises_a_false_month() -> None:
    """Ramp 40% -> 60%, clustering, mild intent drift, resolution and CES truly unchanged.

    Target: at most 5% of histories with any false month. Measured here: 1 of 100 (the full
    study's rates are in docs/metric-stack.md). The seeds are fixed, so this is deterministic.
    """
    spec = HistorySpec(intent_drift=0.5, first_contacts=SMALL)
    (rates,) = run_scenario(spec, [detector_for(MaskingSettings())], HISTORIES)
    assert rates.any_false.rate <= 0.05
    assert rates.false_months <= 0.08


def test_planted_masking_is_found_with_few_false_months() -> None:
    """Three masked months (+15 pts containment, about -9 pts bot-entry FCR) in the same world.

    Target: found in at least 90% of histories. Measured here: found 100 of 100, all three
    months 99, a false month in 2.
    """
    spec = HistorySpec(intent_drift=0.5, masked_months=PLANTED, first_contacts=SMALL)
    (rates,) = run_scenario(spec, [detector_for(MaskingSettings())], HISTORIES)
    assert rates.found.rate >= 0.9
    assert rates.all_found.rate >= 0.85
    assert rates.any_false.rate <= 0.12


def test_intent_adjustment_is_what_keeps_a_strong_drift_quiet() -> None:
    """A strong intent drift (unadjusted FCR -4 pts, CES -0.3 over the history) at full volume:
    comparing unadjusted levels raises false months, the adjusted comparison does not.
    Measured on these 40 histories: a false month in 1 adjusted, 5 unadjusted."""
    spec = HistorySpec(intent_drift=1.0)
    adjusted, unadjusted = run_scenario(
        spec,
        [
            detector_for(MaskingSettings()),
            detector_for(replace(MaskingSettings(), adjust_for_intent=False)),
        ],
        40,
    )
    assert adjusted.any_false.hits <= 2
    assert unadjusted.any_false.hits >= adjusted.any_false.hits + 3


def test_simulated_truth_is_what_the_scenario_says() -> None:
    """The planted effect sizes, measured on one large history (not the detector's estimates)."""
    spec = HistorySpec(intent_drift=0.5, masked_months=PLANTED, first_contacts=400_000)
    series = Prepared(simulate_history(spec, 1)).series
    assert series.containment is not None and series.resolution is not None
    c, r = series.containment.level, series.resolution.level
    before = sum(r[11:14]) / 3
    ramp = 3 * 0.2 / 23  # three months of the 40% -> 60% ramp
    assert sum(c[14:17]) / 3 - sum(c[11:14]) / 3 == pytest.approx(0.15 + ramp, abs=0.01)
    assert sum(r[14:17]) / 3 - before == pytest.approx(-0.09, abs=0.01)
    # after the episode resolution is back where it was
    assert r[17] == pytest.approx(before, abs=0.01)
