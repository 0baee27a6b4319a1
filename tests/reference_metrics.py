"""Brute-force oracle for the exact metrics in docs "Resolution and effort" and "Surveys".

Deliberately naive: nested loops over contacts, no sorting tricks, no shared helpers with the
product code. It exists so that a fast implementation can be checked against something whose
correctness can be seen by reading it. O(n^2): only for small datasets.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

MODES: tuple[str, ...] = ("ai_only", "hybrid", "human_only")
GROUPS: tuple[str, ...] = (*MODES, "all")
BOT_TOUCHPOINTS: frozenset[str] = frozenset({"chatbot", "voicebot", "ivr"})
WINDOWS: tuple[int, ...] = (7, 14)

PerMode = dict[str, float | None]
Metrics = dict[str, Any]


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def _in_group(contact: dict[str, Any], group: str) -> bool:
    return group == "all" or contact["ai_mode"] == group


def _intents_match(a: str | None, b: str | None) -> bool:
    # A missing intent on either side matches any intent.
    return a is None or b is None or a == b


def has_repeat(c: dict[str, Any], contacts: list[dict[str, Any]], days: int) -> bool:
    """True when the same customer comes back within `days` (exact elapsed time) on a
    compatible intent. Searched among all contacts, including those after the eligibility cut.
    Expects UTC datetimes (see `reference_metrics`), so that adding days adds exact time."""
    limit = c["started_at"] + timedelta(days=days)
    for other in contacts:
        if other["customer_id"] != c["customer_id"]:
            continue
        # Strictly later: a tie on started_at is not a repeat (and excludes c itself).
        if not (c["started_at"] < other["started_at"] <= limit):
            continue
        if _intents_match(c.get("intent"), other.get("intent")):
            return True
    return False


def is_escalated(c: dict[str, Any]) -> bool:
    # The recorded flag wins; only when it is unknown (key absent or None) is it inferred.
    flag = c.get("escalated")
    if flag is not None:
        return bool(flag)
    return c["ai_mode"] == "hybrid" and c.get("touchpoint") in BOT_TOUCHPOINTS


def _mean(values: list[float]) -> float | None:
    return None if not values else sum(values) / len(values)


def _empty_contact_id(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def reference_metrics(contacts: list[dict[str, Any]], surveys: list[dict[str, Any]]) -> Metrics:
    """All exact metrics for one dataset, in the shape shared by every implementation."""
    out: Metrics = {}
    # Aware-datetime + timedelta is wall-clock arithmetic in the value's own zone (a DST shift
    # would make "7 days" 167 or 169 hours); in UTC it is exact elapsed time.
    contacts = [{**c, "started_at": c["started_at"].astimezone(UTC)} for c in contacts]
    as_of: datetime | None = max((c["started_at"] for c in contacts), default=None)

    # repeats[W][i] / eligible[W][i] for contact i; computed once, read by several metrics.
    repeats: dict[int, list[bool]] = {}
    eligible: dict[int, list[bool]] = {}
    for w in WINDOWS:
        repeats[w] = [has_repeat(c, contacts, w) for c in contacts]
        if as_of is None:
            eligible[w] = []
        else:
            cut = as_of - timedelta(days=w)
            eligible[w] = [c["started_at"] <= cut for c in contacts]

    for w in WINDOWS:
        fcr: PerMode = {}
        cpr: PerMode = {}
        for g in GROUPS:
            n_eligible = 0
            n_resolved = 0
            cost_sum = 0.0
            for i, c in enumerate(contacts):
                if not _in_group(c, g) or not eligible[w][i]:
                    continue
                n_eligible += 1
                cost_sum += float(c["cost"])
                if not repeats[w][i]:
                    n_resolved += 1
            fcr[g] = _ratio(n_resolved, n_eligible)
            cpr[g] = _ratio(cost_sum, n_resolved)
        out[f"fcr_{w}d"] = fcr
        out[f"cost_per_resolution_{w}d"] = cpr

    # Containment counts every contact: no eligibility cut. An escalated contact counts in the
    # denominator whatever its mode (the definition adds the two counts as written).
    n_ai_only = sum(1 for c in contacts if c["ai_mode"] == "ai_only")
    n_escalated = sum(1 for c in contacts if is_escalated(c))
    out["containment_rate"] = _ratio(n_ai_only, n_ai_only + n_escalated)

    n_fc_eligible = 0
    n_fc_repeat = 0
    for i, c in enumerate(contacts):
        if c["ai_mode"] == "ai_only" and eligible[7][i]:
            n_fc_eligible += 1
            if repeats[7][i]:
                n_fc_repeat += 1
    out["false_containment_7d"] = _ratio(n_fc_repeat, n_fc_eligible)

    out["cost_per_contact"] = {
        g: _mean([float(c["cost"]) for c in contacts if _in_group(c, g)]) for g in GROUPS
    }
    out["aht_seconds"] = {
        g: _mean([float(c["handle_seconds"]) for c in contacts if _in_group(c, g)]) for g in GROUPS
    }

    # Transactional surveys only: relationship surveys (no contact) and surveys whose contact
    # is not in the data have no mode. Inner join by scanning all contacts for each survey.
    joined: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for s in surveys:
        if _empty_contact_id(s.get("contact_id")):
            continue
        for c in contacts:
            if c["contact_id"] == s["contact_id"]:
                joined.append((s, c))

    csat: PerMode = {}
    nps: PerMode = {}
    ces: PerMode = {}
    for g in GROUPS:
        in_g = [(s["kind"], float(s["score"])) for s, c in joined if _in_group(c, g)]
        csat_scores = [x for kind, x in in_g if kind == "csat"]
        nps_scores = [x for kind, x in in_g if kind == "nps"]
        ces_scores = [x for kind, x in in_g if kind == "ces"]
        csat[g] = _ratio(sum(1 for x in csat_scores if 4 <= x <= 5), len(csat_scores))
        promoters = sum(1 for x in nps_scores if x >= 9)
        detractors = sum(1 for x in nps_scores if x <= 6)
        # 100 * (promoters - detractors) / n: equal shares give exactly 0, not a rounding residue.
        nps[g] = _ratio(100.0 * (promoters - detractors), len(nps_scores))
        ces[g] = _mean(ces_scores)
    out["csat"] = csat
    out["nps"] = nps
    out["ces"] = ces

    by_channel: dict[str, list[float]] = {}
    for s, c in joined:
        if s["kind"] == "ces":
            by_channel.setdefault(c["channel"], []).append(float(s["score"]))
    out["ces_by_channel"] = {ch: sum(v) / len(v) for ch, v in sorted(by_channel.items())}
    return out


def diff_metrics(a: Metrics, b: Metrics, rel_tol: float = 1e-9, path: str = "") -> list[str]:
    """Human-readable differences between two metric dicts; empty when they agree.

    Relative tolerance absorbs summation order; the tiny absolute floor only matters for values
    that are exactly zero in exact arithmetic but come out as +-1e-16 after float rounding.
    """
    problems: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                problems.append(f"{where}: present only in {'first' if key in a else 'second'}")
                continue
            problems.extend(diff_metrics(a[key], b[key], rel_tol, where))
        return problems
    if a is None or b is None:
        if not (a is None and b is None):
            problems.append(f"{path}: {a!r} != {b!r}")
        return problems
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if not math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=1e-12):
            problems.append(f"{path}: {a!r} != {b!r}")
        return problems
    if a != b:
        problems.append(f"{path}: {a!r} != {b!r}")
    return problems
