"""The known metric paths into results.json that stack triggers may use, with their units.

A path names a value in results.json by keys joined with dots; ``[*]`` marks a monthly series (a
list of rows with ``month`` or ``period``). A path may end in ``.estimate`` (the default),
``.ci_low`` or ``.ci_high`` to compare an interval bound ("significantly below 0" is
``….ci_high < 0``). Units give the range a constant threshold must lie in, and which paths may be
compared with each other.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from cxroi.io.contract import CHANNELS, TOUCHPOINTS

GROUPS = ("ai_only", "hybrid", "human_only", "all")
STACK_GROUPS = (*GROUPS, "ai_assisted")
EXPOSURE = ("ai_assisted", "human_only")
ESCALATION_COMPONENTS = (
    "context_passed",
    "resolved_without_repeat",
    "post_escalation_csat",
    "qa_score",
)

# unit -> (lowest, highest) a constant may take; None = unbounded on that side
UNITS: dict[str, tuple[float | None, float | None]] = {
    "share": (0.0, 1.0),
    "share_difference": (-1.0, 1.0),
    "nps": (-100.0, 100.0),
    "nps_difference": (-200.0, 200.0),
    "ces": (1.0, 7.0),
    "csat_mean": (1.0, 5.0),
    "score": (0.0, 1.0),
    "correlation": (-1.0, 1.0),
    "money": (None, None),
    "seconds": (0.0, None),
    "days": (None, None),
    "index": (None, None),
}
# units whose thresholds may be written as percentages (70% = 0.70)
PERCENT_UNITS = frozenset({"share", "share_difference", "score"})


@dataclass(frozen=True)
class PathInfo:
    unit: str
    description: str

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        return UNITS[self.unit]


def _alt(names: tuple[str, ...]) -> str:
    return "(?:" + "|".join(re.escape(n) for n in names) + ")"


_G, _SG, _CH, _TP = (
    _alt(GROUPS),
    _alt(STACK_GROUPS),
    _alt(CHANNELS),
    _alt((*TOUCHPOINTS, "unknown")),
)
_SURVEY = {"csat": "share", "csat_mean": "csat_mean", "nps": "nps", "ces": "ces"}

# (regular expression over the path, unit, description); the first full match wins
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (rf"metrics\.fcr_\d+d\.{_G}", "share", "true first-contact resolution by mode"),
    (rf"metrics\.(?:cost_per_contact|cost_per_resolution_\d+d)\.{_G}", "money", "cost by mode"),
    (rf"metrics\.aht_seconds\.{_G}", "seconds", "average handle time by mode"),
    *[(rf"metrics\.{k}\.{_G}", u, f"{k} by mode") for k, u in _SURVEY.items()],
    (
        r"metrics\.(?:containment_rate|false_containment_7d)",
        "share",
        "containment, false containment",
    ),
    (r"metrics\.post_ai_nps", "nps", "NPS on AI-assisted contacts"),
    (rf"metrics\.ces_by_channel\.{_CH}", "ces", "CES by channel"),
    *[
        (rf"metrics\.by_(?:channel\.{_CH}|touchpoint\.{_TP})\.{k}", u, f"{k} by channel/touchpoint")
        for k, u in _SURVEY.items()
    ],
    *[(rf"metrics\.relationship_surveys\.{k}", u, f"relationship {k}") for k, u in _SURVEY.items()],
    (
        r"metrics\.monthly\[\*\]\.(?:containment_rate|fcr_\d+d|false_containment_7d|csat)",
        "share",
        "monthly shares, all contacts",
    ),
    (r"metrics\.monthly\[\*\]\.ces", "ces", "monthly CES, all contacts"),
    (
        r"metrics\.csat_delta_hybrid_vs_human_monthly\[\*\]",
        "share_difference",
        "monthly CSAT hybrid - human_only",
    ),
    (r"retention\.delta_12m_(?:adjusted|naive)", "share_difference", "12-month retention delta"),
    (rf"retention\.retention_12m\.{_alt(EXPOSURE)}", "share", "12-month retention by exposure"),
    (
        r"value\.(?:clv|revenue_protected|revenue_generated|revenue_at_risk)",
        "money",
        "value pillars",
    ),
    (
        r"value\.revenue_per_retained_customer\.(?:ai_assisted|human_only|difference)",
        "money",
        "revenue per retained customer by exposure, and the difference",
    ),
    (r"agents\.lead_lag\.correlation", "correlation", "agent experience lead-lag correlation"),
    (r"agents\.lead_lag\.best_lag_days", "days", "agent experience lead (days)"),
    (r"agents\.index\.(?:monthly\[\*\]|latest_month)\.index", "index", "Agent Experience Index"),
    (r"escalation_quality\.score", "score", "escalation quality score"),
    (
        rf"escalation_quality\.components\.{_alt(ESCALATION_COMPONENTS)}",
        "score",
        "escalation quality components",
    ),
    (
        rf"escalation_quality\.by_touchpoint\.{_TP}\.score",
        "score",
        "escalation quality by touchpoint",
    ),
    (r"escalation_quality\.monthly\[\*\]\.score", "score", "monthly escalation quality"),
    (rf"stack\.monthly\[\*\]\.(?:fcr_7d|csat)\.{_SG}", "share", "monthly FCR/CSAT by mode"),
    (rf"stack\.monthly\[\*\]\.ces\.{_SG}", "ces", "monthly CES by mode"),
    (rf"stack\.monthly\[\*\]\.nps\.{_SG}", "nps", "monthly NPS by mode"),
    (r"stack\.monthly\[\*\]\.containment_rate", "share", "monthly containment"),
    (r"masking\.months\[\*\]\.(?:containment_rate|resolution)", "share", "masking detector levels"),
    (r"masking\.months\[\*\]\.ces", "ces", "masking detector CES level"),
)
_COMPILED = tuple((re.compile(p), PathInfo(u, d)) for p, u, d in _PATTERNS)

EXAMPLES: tuple[str, ...] = (
    "metrics.fcr_7d.ai_only",
    "metrics.fcr_14d.all",
    "metrics.csat.hybrid",
    "metrics.nps.all",
    "metrics.ces.ai_only",
    "metrics.containment_rate",
    "metrics.false_containment_7d",
    "metrics.post_ai_nps",
    "metrics.ces_by_channel.chat",
    "metrics.by_touchpoint.chatbot.ces",
    "metrics.monthly[*].ces",
    "metrics.monthly[*].fcr_7d",
    "metrics.monthly[*].containment_rate",
    "metrics.csat_delta_hybrid_vs_human_monthly[*]",
    "retention.delta_12m_adjusted",
    "retention.retention_12m.ai_assisted",
    "value.revenue_per_retained_customer.difference",
    "value.revenue_protected",
    "agents.lead_lag.correlation",
    "agents.index.monthly[*].index",
    "escalation_quality.score",
    "escalation_quality.monthly[*].score",
    "stack.monthly[*].fcr_7d.ai_only",
    "stack.monthly[*].ces.ai_assisted",
    "stack.monthly[*].nps.ai_assisted",
    "stack.monthly[*].csat.ai_assisted",
)


def split_field(path: str) -> tuple[str, str]:
    """``a.b.ci_high`` -> (``a.b``, ``ci_high``); a path without a selector -> (path, estimate)."""
    for f in ("estimate", "ci_low", "ci_high"):
        if path.endswith(f".{f}"):
            return path[: -len(f) - 1], f
    return path, "estimate"


def lookup(path: str) -> PathInfo | None:
    for rx, info in _COMPILED:
        if rx.fullmatch(path):
            return info
    return None


def suggest(path: str) -> str:
    close = difflib.get_close_matches(path, EXAMPLES, n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(close)}?" if close else ""
