"""Tolerant reading of results.json: estimates, suppression, series, records.

The report reads sections other analyses fill in, some after this code was written. So readers
accept the documented shapes and a few obvious variants (a bare number for an estimate, a dict of
dicts for a list of records, columnar or row-wise curves) and answer :class:`Missing` with the
sibling ``_note`` for anything else, never an exception. Every number with an ``n`` below
``min_cell`` comes back :class:`Suppressed`, so no renderer can show it by accident.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxroi.report.fmt import finite
from cxroi.report.privacy import redact


@dataclass(frozen=True)
class Est:
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    method: str = ""

    @property
    def has_ci(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None

    def sign(self) -> int | None:
        """+1 / −1 when the 95% interval excludes 0, 0 when it includes 0, None without one."""
        if self.ci_low is None or self.ci_high is None:
            return None
        if self.ci_low > 0:
            return 1
        if self.ci_high < 0:
            return -1
        return 0


@dataclass(frozen=True)
class Suppressed:
    n: int


@dataclass(frozen=True)
class Missing:
    reason: str


Value = Est | Suppressed | Missing

MODES = ("ai_only", "hybrid", "human_only", "all")
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
    "clv": "Customer lifetime value",
    "roi": "ROI",
    "retention_12m": "12-month retention",
    "delta_12m_naive": "12-month retention gap (naive)",
    "delta_12m_adjusted": "12-month retention effect (adjusted)",
    "lead_lag": "Agent lead-lag",
    "what_if_stopped": "What if we stopped AI",
    "fcr_7d": "True FCR (7 days)",
    "fcr_14d": "True FCR (14 days)",
    "ces": "CES",
    "csat": "CSAT",
    "nps": "NPS",
    "aht_seconds": "Handle time",
    "post_ai_nps": "Post-AI NPS",
    "csat_mean": "CSAT (mean)",
    "false_containment_7d": "False containment (7 days)",
    "containment_rate": "Containment",
    "unresolved_ai": "Unresolved AI contacts",
    "high_effort": "High effort",
    "negative_sentiment": "Negative sentiment",
    "voicebot": "Voicebot",
    "proactive": "Proactive",
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


def get(root: Any, *path: str) -> Any:
    node = root
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def first(root: Any, *paths: tuple[str, ...]) -> Any:
    """The first non-null value among several candidate paths."""
    for path in paths:
        v = get(root, *path)
        if v is not None:
            return v
    return None


def note(parent: Any, key: str, default: str = "not in results.json") -> str:
    n = get(parent, f"{key}_note")
    return redact(str(n)) if isinstance(n, str) and n else default


def to_est(obj: Any, min_cell: int, n: int | None = None) -> Est | Suppressed | None:
    """An estimate object or a bare number → Est (or Suppressed when n < min_cell)."""
    if finite(obj):
        est = Est(float(obj), n=n)
    elif isinstance(obj, Mapping) and finite(obj.get("estimate")):
        lo, hi = obj.get("ci_low"), obj.get("ci_high")
        n_obj = obj.get("n")
        est = Est(
            float(obj["estimate"]),
            float(lo) if finite(lo) else None,
            float(hi) if finite(hi) else None,
            int(n_obj) if finite(n_obj) else n,
            str(obj.get("method") or ""),
        )
    else:
        return None
    if est.n is not None and est.n < min_cell:
        return Suppressed(est.n)
    return est


def value(parent: Any, key: str, min_cell: int) -> Value:
    got = to_est(get(parent, key), min_cell)
    return got if got is not None else Missing(note(parent, key))


def per_mode(metrics: Any, name: str, min_cell: int) -> dict[str, Value]:
    """A per-mode metric with its interval (from ``metrics.intervals``) where present."""
    plain = get(metrics, name)
    detail = get(metrics, "intervals", name)
    counts = get(metrics, "counts", "contacts")
    out: dict[str, Value] = {}
    for mode in MODES:
        contacts = get(counts, mode)
        if finite(contacts) and int(contacts) < min_cell:
            out[mode] = Suppressed(int(contacts))
            continue
        got = to_est(get(detail, mode), min_cell) or to_est(get(plain, mode), min_cell)
        out[mode] = got if got is not None else Missing(note(plain, mode))
    return out


def records(obj: Any) -> list[dict[str, Any]]:
    """A list of row dicts from a list, a dict of dicts, or a wrapper with a list inside."""
    if isinstance(obj, Sequence) and not isinstance(obj, (str, bytes)):
        return [dict(r) if isinstance(r, Mapping) else {"message": str(r)} for r in obj]
    if isinstance(obj, Mapping):
        for key in ("items", "rows", "metrics", "entries", "gaps", "touchpoints"):
            inner = obj.get(key)
            if isinstance(inner, Sequence) and not isinstance(inner, (str, bytes)):
                return records(inner)
            if isinstance(inner, Mapping) and inner and all(isinstance(v, Mapping) for v in inner.values()):
                return records(inner)
        if obj and all(isinstance(v, Mapping) for v in obj.values()):
            return [{"name": k, **dict(v)} for k, v in obj.items()]
    return []


def text_of(row: Any, *keys: str) -> str:
    """The first non-empty of ``keys`` as redacted text ('' for anything that is not a mapping)."""
    if not isinstance(row, Mapping):
        return ""
    for k in keys:
        v = row.get(k)
        if isinstance(v, str) and v:
            return redact(v)
        if isinstance(v, bool):
            return "yes" if v else "no"
        if finite(v):
            return redact(f"{v:g}")
    return ""


@dataclass(frozen=True)
class CurvePoint:
    day: float
    survival: float
    ci_low: float | None
    ci_high: float | None


def curves(obj: Any, min_cell: int) -> dict[str, list[CurvePoint]]:
    """Survival curves by group; each cut where fewer than ``min_cell`` remain at risk.

    Accepts ``{group: [{day|t|timeline, survival|s|estimate, ci_low, ci_high, at_risk}]}``,
    ``{group: {day: [...], survival: [...], ...}}`` (columnar) and ``[{group, day, survival...}]``.
    """
    groups: dict[str, list[Mapping[str, Any]]] = {}
    if isinstance(obj, Mapping):
        for g, body in obj.items():
            if isinstance(body, Mapping):
                inner = body.get("points")
                groups[str(g)] = list(inner) if isinstance(inner, list) else _columnar(body)
            elif isinstance(body, list):
                groups[str(g)] = [p for p in body if isinstance(p, Mapping)]
    elif isinstance(obj, list):
        for p in obj:
            if isinstance(p, Mapping) and isinstance(p.get("group"), str):
                groups.setdefault(p["group"], []).append(p)
    out: dict[str, list[CurvePoint]] = {}
    for g, pts in groups.items():
        clean: list[CurvePoint] = []
        for p in pts:
            day = _pick(p, "day", "days", "t", "timeline", "time")
            s = _pick(p, "survival", "s", "estimate", "retention", "value")
            at_risk = _pick(p, "at_risk", "n_at_risk", "n")
            if day is None or s is None:
                continue
            if at_risk is not None and at_risk < min_cell:
                break
            clean.append(CurvePoint(day, s, _pick(p, "ci_low", "lower"), _pick(p, "ci_high", "upper")))
        if len(clean) >= 2:
            out[g] = sorted(clean, key=lambda c: c.day)
    return out


def _columnar(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    lists = {k: v for k, v in body.items() if isinstance(v, list)}
    if not lists:
        return []
    size = min(len(v) for v in lists.values())
    return [{k: v[i] for k, v in lists.items()} for i in range(size)]


def _pick(p: Mapping[str, Any], *keys: str) -> float | None:
    for k in keys:
        v = p.get(k)
        if finite(v):
            return float(v)
    return None


def series_points(obj: Any) -> list[tuple[str, float, float | None, float | None]]:
    """(period, value, low, high) from a list of period rows, any of the usual key names."""
    rows = records(obj)
    if not rows and isinstance(obj, Mapping):
        # Monthly reads best on a board chart; weekly only when that is all there is.
        inner = obj.get("series") or obj.get("monthly") or obj.get("weekly")
        rows = records(inner)
    out: list[tuple[str, float, float | None, float | None]] = []
    for r in rows:
        period = text_of(r, "period", "week", "month", "date", "name")
        v = _pick(r, "index", "value", "estimate", "score")
        if period and v is not None:
            out.append((period, v, _pick(r, "ci_low"), _pick(r, "ci_high")))
    return sorted(out, key=lambda t: t[0])
