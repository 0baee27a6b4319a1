"""What a section may show of a typed result: the estimate, or why it is not shown.

The report reads the typed results tree (:class:`cxroi.results.tree.Results`) by attribute. Two
things stand between a leaf and the page: privacy (a number resting on fewer than ``min_cell``
rows is :class:`Suppressed`, so no renderer can print it by accident) and absence (a
:class:`CannotCompute` carries its reason to the page). Labels that come from data (channels,
touchpoints, teams) pass through :func:`label`, which redacts identifier-like text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cxroi.report.privacy import redact
from cxroi.results.model.metrics import MetricCounts, PerMode
from cxroi.results.model.retention import Curve, CurvePoint
from cxroi.stats.result import CannotCompute, Estimate

MODES: tuple[str, ...] = ("ai_only", "hybrid", "human_only", "all")
SHOWN_MODES: tuple[str, ...] = ("ai_only", "hybrid", "human_only")


@dataclass(frozen=True)
class Suppressed:
    """A number hidden because it rests on fewer than the privacy threshold."""

    n: int | None


Shown = Estimate | Suppressed | CannotCompute


def shown(value: Estimate | CannotCompute | None, min_cell: int, n: int | None = None) -> Shown:
    """``value`` if it may be shown; :class:`Suppressed` when its base is under ``min_cell``.

    The base is the estimate's own ``n`` (or ``n`` given by the caller); an estimate the analysis
    already flagged ``small_cell`` is suppressed too.
    """
    if value is None:
        return CannotCompute("not computed")
    if isinstance(value, CannotCompute):
        return value
    base = value.n if value.n is not None else n
    if value.small_cell or (base is not None and base < min_cell):
        return Suppressed(base)
    return value


def per_mode(values: PerMode, counts: MetricCounts, min_cell: int) -> dict[str, Shown]:
    """A per-mode metric, each mode suppressed when its contacts or its own base are too few."""
    out: dict[str, Shown] = {}
    for mode in MODES:
        contacts = counts.contacts.get(mode)
        out[mode] = Suppressed(contacts) if contacts < min_cell else shown(values.get(mode), min_cell)
    return out


def has_interval(e: Estimate) -> bool:
    return e.ci_low is not None and e.ci_high is not None


def sign(e: Estimate) -> int | None:
    """+1 / −1 when the 95% interval excludes 0, 0 when it includes 0, None without one."""
    if e.ci_low is None or e.ci_high is None:
        return None
    if e.ci_low > 0:
        return 1
    if e.ci_high < 0:
        return -1
    return 0


def curve_points(curve: Curve, min_cell: int) -> list[CurvePoint]:
    """The points of a survival curve that have a survival, cut where fewer than ``min_cell``
    customers remain at risk."""
    out: list[CurvePoint] = []
    for p in curve.points:
        if p.survival is None:
            continue
        if p.at_risk is not None and p.at_risk < min_cell:
            break
        out.append(p)
    return out


_LABELS = {
    "ai_only": "AI only",
    "hybrid": "Hybrid",
    "human_only": "Human only",
    "all": "All",
    "ai_assisted": "AI-assisted",
    "ivr": "IVR",
    "sms": "SMS",
    "agent_assist": "Agent assist",
    "none": "None (human)",
    "fcr_7d": "True FCR (7 days)",
    "fcr_14d": "True FCR (14 days)",
    "ces": "CES",
    "csat": "CSAT",
    "nps": "NPS",
    "unresolved_ai": "Unresolved AI contacts",
    "high_effort": "High effort",
    "negative_sentiment": "Negative sentiment",
    "voicebot": "Voicebot",
    "proactive": "Proactive",
    "cost_savings": "Cost savings (service cost avoided)",
    "revenue_protected_12m": "Revenue protected",
    "revenue_generated_incremental": "Revenue generated (incremental)",
    "risk_savings": "Risk savings (fraud, compliance)",
    "cac_offset": "Acquisition cost offset",
    "upsell_cross_sell": "Upsell and cross-sell",
    "won_pipeline": "Won pipeline",
}
_PROSE = {"ai_only": "AI-only", "hybrid": "hybrid", "human_only": "human-only", "all": "all",
          "ai_assisted": "AI-assisted"}


def prose(key: str) -> str:
    """A mode as it reads inside a sentence ('AI-only', 'human-only')."""
    return _PROSE.get(key, label(key).lower())


def label(key: str) -> str:
    """A data key or label as a person reads it (and redacted, since labels come from data)."""
    if key in _LABELS:
        return _LABELS[key]
    text = key.replace("_", " ").strip()
    return redact(text[:1].upper() + text[1:]) if text else key


def join_names(names: Sequence[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
