"""Error rates of the masking detector over simulated histories, with their Monte Carlo error.

For a scenario (:class:`HistorySpec`) and a detector (a function from one simulated history to
its flagged months), :func:`run_scenario` simulates ``histories`` histories with consecutive seeds
and counts, per history, the flagged months outside the planted episode (false months) and inside
it. Rates are shares of histories; their Monte Carlo standard error is the binomial
``sqrt(r (1 − r) / histories)``. ``scripts/masking_study.py`` runs the full study; the tests run
a reduced one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cxroi.analyses.masking.detector import MaskingDetector
from cxroi.analyses.masking.series import MaskingSeries, series_from_units
from cxroi.analyses.masking.settings import MaskingSettings
from cxroi.analyses.masking.simulate import History, HistorySpec, simulate_history


@dataclass
class Prepared:
    """One simulated history and, once asked for, its masking series (shared by detectors)."""

    history: History
    _series: list[MaskingSeries] = field(default_factory=list)

    @property
    def series(self) -> MaskingSeries:
        if not self._series:
            self._series.append(series_from_units(self.history.units(), has_surveys=True))
        return self._series[0]


Detector = Callable[[Prepared], tuple[str, ...]]


@dataclass(frozen=True)
class Rate:
    hits: int
    histories: int

    @property
    def rate(self) -> float:
        return self.hits / self.histories if self.histories else math.nan

    @property
    def mc_se(self) -> float:
        r = self.rate
        return math.sqrt(r * (1 - r) / self.histories) if self.histories else math.nan

    def text(self) -> str:
        return f"{100 * self.rate:.1f}% ± {100 * self.mc_se:.1f}"


@dataclass(frozen=True)
class ScenarioRates:
    """Per detector: histories with any false month, with the episode found, with all of it."""

    any_false: Rate
    found: Rate  # at least one planted month flagged (planted scenarios only)
    all_found: Rate  # every planted month flagged
    false_months: float  # mean false months per history
    planted_months_flagged: float  # mean share of planted months flagged


def detector_for(settings: MaskingSettings) -> Detector:
    """The production detector on the history's bot-entry contacts."""

    def detect(prepared: Prepared) -> tuple[str, ...]:
        fit = MaskingDetector(settings).fit(prepared.series)
        return tuple(m.month for m in fit.months_ if m.flagged)

    return detect


def run_scenario(
    spec: HistorySpec,
    detectors: Sequence[Detector],
    histories: int,
    first_seed: int = 0,
) -> list[ScenarioRates]:
    planted = {spec.labels[m] for m in spec.masked_months}
    tallies = [[0, 0, 0, 0, 0.0] for _ in detectors]
    for seed in range(first_seed, first_seed + histories):
        prepared = Prepared(simulate_history(spec, seed))
        for tally, detect in zip(tallies, detectors, strict=True):
            flagged = set(detect(prepared))
            false = flagged - planted
            tally[0] += bool(false)
            tally[1] += bool(flagged & planted)
            tally[2] += bool(planted) and planted <= flagged
            tally[3] += len(false)
            tally[4] += len(flagged & planted) / len(planted) if planted else 0.0
    return [
        ScenarioRates(
            Rate(int(t[0]), histories),
            Rate(int(t[1]), histories),
            Rate(int(t[2]), histories),
            t[3] / histories,
            t[4] / histories,
        )
        for t in tallies
    ]
