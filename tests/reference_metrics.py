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


def is_inbound(c: dict[str, Any]) -> bool:
    # The customer reached out: direction absent, empty or "inbound".
    return c.get("direction") in (None, "", "inbound")


def has_repeat(c: dict[str, Any], contacts: list[dict[str, Any]], days: int) -> bool:
    """True when the same customer comes back within `days` (exact elapsed time) on a
    compatible intent. Searched among all contacts, including those after the eligibility cut.
    Only inbound contacts count, on either side: an outbound call-back is not a repeat.
    Expects UTC datetimes (see `reference_metrics`), so that adding days adds exact time."""
    if not is_inbound(c):
        return False
    limit = c["started_at"] + timedelta(days=days)
    for other in contacts:
        if other["customer_id"] != c["customer_id"] or not is_inbound(other):
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
            eligible[w] = [c["started_at"] <= cut and is_inbound(c) for c in contacts]

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

    # Containment counts every inbound contact: no eligibility cut. An escalated contact counts
    # in the denominator whatever its mode (the definition adds the two counts as written).
    n_ai_only = sum(1 for c in contacts if c["ai_mode"] == "ai_only" and is_inbound(c))
    n_escalated = sum(1 for c in contacts if is_escalated(c) and is_inbound(c))
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
    out["contacts_by_direction"] = {
        direction: {
            g: sum(1 for c in contacts if _in_group(c, g) and is_inbound(c) == (direction == "inbound"))
            for g in GROUPS
        }
        for direction in ("inbound", "outbound")
    }
    outbound = [c for c in contacts if not is_inbound(c)]
    out["outbound_cost_per_contact"] = {
        g: _mean([float(c["cost"]) for c in outbound if _in_group(c, g)]) for g in GROUPS
    }
    out["outbound_aht_seconds"] = {
        g: _mean([float(c["handle_seconds"]) for c in outbound if _in_group(c, g)]) for g in GROUPS
    }
    out["proactive_contacts"] = {
        g: sum(1 for c in contacts if _in_group(c, g) and c.get("touchpoint") == "proactive")
        for g in GROUPS
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


def _clustered_se(totals: dict[str, list[float]], scale: float = 1.0) -> float | None:
    """Cluster-robust standard error of sum(x)/sum(y), looping over customers.

    `totals` maps each customer in the metric's population to its [x_i, y_i]. The variance is
    G/(G-1) * sum_i (x_i - r*y_i)^2 / (sum_i y_i)^2 with r the ratio: the textbook ratio
    (linearisation) estimator, written out literally.
    """
    g = len(totals)
    big_x = sum(x for x, _ in totals.values())
    big_y = sum(y for _, y in totals.values())
    if big_y == 0 or g < 2:
        return None
    r = big_x / big_y
    ss = sum((x - r * y) ** 2 for x, y in totals.values())
    return scale * math.sqrt(g / (g - 1) * ss) / big_y


def _add(totals: dict[str, list[float]], customer: str, x: float, y: float) -> None:
    pair = totals.setdefault(customer, [0.0, 0.0])
    pair[0] += x
    pair[1] += y


def reference_standard_errors(
    contacts: list[dict[str, Any]], surveys: list[dict[str, Any]]
) -> dict[str, Any]:
    """Customer-clustered standard errors of the exact metrics, by brute force.

    Same populations as `reference_metrics`; each customer's totals are accumulated by looping
    over its contacts (or answers), then `_clustered_se` is applied per metric and group.
    """
    contacts = [{**c, "started_at": c["started_at"].astimezone(UTC)} for c in contacts]
    as_of = max((c["started_at"] for c in contacts), default=None)
    out: dict[str, Any] = {}
    for w in WINDOWS:
        fcr: dict[str, float | None] = {}
        cpr: dict[str, float | None] = {}
        for g in GROUPS:
            resolved: dict[str, list[float]] = {}
            cost: dict[str, list[float]] = {}
            for c in contacts:
                assert as_of is not None
                if not (_in_group(c, g) and is_inbound(c)):
                    continue
                if c["started_at"] > as_of - timedelta(days=w):
                    continue
                ok = 0.0 if has_repeat(c, contacts, w) else 1.0
                _add(resolved, c["customer_id"], ok, 1.0)
                _add(cost, c["customer_id"], float(c["cost"]), ok)
            fcr[g] = _clustered_se(resolved)
            cpr[g] = _clustered_se(cost)
        out[f"fcr_{w}d"] = fcr
        out[f"cost_per_resolution_{w}d"] = cpr
    for name, column in (("cost_per_contact", "cost"), ("aht_seconds", "handle_seconds")):
        per: dict[str, float | None] = {}
        for g in GROUPS:
            totals: dict[str, list[float]] = {}
            for c in contacts:
                if _in_group(c, g):
                    _add(totals, c["customer_id"], float(c[column]), 1.0)
            per[g] = _clustered_se(totals)
        out[name] = per
    containment: dict[str, list[float]] = {}
    false_containment: dict[str, list[float]] = {}
    for c in contacts:
        if not is_inbound(c):
            continue
        ai_only = c["ai_mode"] == "ai_only"
        if ai_only or is_escalated(c):
            _add(containment, c["customer_id"], float(ai_only), float(ai_only) + float(is_escalated(c)))
        assert as_of is not None
        if ai_only and c["started_at"] <= as_of - timedelta(days=7):
            _add(false_containment, c["customer_id"], float(has_repeat(c, contacts, 7)), 1.0)
    out["containment_rate"] = _clustered_se(containment)
    out["false_containment_7d"] = _clustered_se(false_containment)
    by_id = {c["contact_id"]: c for c in contacts}
    for kind, value, scale in (
        ("csat", lambda x: float(x >= 4), 1.0),
        ("nps", lambda x: 1.0 if x >= 9 else (-1.0 if x <= 6 else 0.0), 100.0),
        ("ces", lambda x: x, 1.0),
    ):
        per = {}
        for g in GROUPS:
            totals = {}
            for s in surveys:
                c = by_id.get(s.get("contact_id"))  # type: ignore[arg-type]
                if s["kind"] == kind and c is not None and _in_group(c, g):
                    _add(totals, c["customer_id"], value(float(s["score"])), 1.0)
            per[g] = _clustered_se(totals, scale)
        out[kind] = per
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
