"""cxroi's Ibis metrics against the brute-force O(n²) oracle on random small datasets.

Point estimates and the customer-clustered standard errors are both checked; rows may be
outbound (call-backs, campaigns) or on the proactive touchpoint.

Timestamps sit on a 12-hour grid so ties and exact 7/14-day boundaries happen often; each row is
written with its own zone notation (Z, offsets, or naive local time read in the configured zone)
so loading and time-zone handling are exercised by the same property.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxroi
from helpers import customers_for, write_csv, write_parquet
from cxroi.metrics.exact import ExactMetrics
from cxroi.stats.result import Estimate, Result
from reference_metrics import diff_metrics, reference_metrics, reference_standard_errors

BASE = datetime(2025, 3, 1, tzinfo=timezone.utc)
ZONE = "America/New_York"
NOTATIONS = ("Z", "+02:00", "-05:30", "naive")

contact_rows = st.lists(
    st.fixed_dictionaries(
        {
            "customer_id": st.sampled_from(["1", "2", "3", "4"]),
            "step": st.integers(0, 40),
            "intent": st.sampled_from([None, "billing", "tech"]),
            "ai_mode": st.sampled_from(["ai_only", "hybrid", "human_only"]),
            "touchpoint": st.sampled_from([None, "chatbot", "ivr", "agent_assist", "proactive", "none"]),
            "escalated": st.sampled_from([None, True, False]),
            # outbound call-backs and campaigns: never repeats, never in resolution denominators
            "direction": st.sampled_from([None, None, "inbound", "outbound"]),
            "channel": st.sampled_from(["voice", "chat", "email"]),
            "handle_seconds": st.integers(0, 900),
            "cost": st.integers(0, 800).map(lambda c: c / 100),
            "notation": st.sampled_from(NOTATIONS),
        }
    ),
    min_size=1,
    max_size=25,
)
survey_rows = st.lists(
    st.fixed_dictionaries(
        {
            "target": st.integers(0, 30),
            "kind": st.sampled_from(["csat", "nps", "ces"]),
            "raw": st.integers(0, 10),
        }
    ),
    max_size=15,
)


def _render(instant: datetime, notation: str) -> str:
    if notation == "naive":
        return instant.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None).isoformat()
    if notation == "Z":
        return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    sign = 1 if notation[0] == "+" else -1
    hours, minutes = int(notation[1:3]), int(notation[4:6])
    offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return instant.astimezone(offset).isoformat()


def _dataset(rows: list[dict[str, Any]], surveys: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    contacts = []
    for i, r in enumerate(rows):
        contacts.append({**r, "contact_id": f"c{i}", "started_at": BASE + timedelta(hours=12 * r["step"])})
    answers = []
    for j, s in enumerate(surveys):
        lo, hi = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}[s["kind"]]
        target = s["target"]
        answers.append(
            {
                "survey_id": f"s{j}",
                "customer_id": contacts[target % len(contacts)]["customer_id"],
                # targets past the contact list become relationship surveys
                "contact_id": contacts[target]["contact_id"] if target < len(contacts) else None,
                "answered_at": BASE + timedelta(days=30),
                "kind": s["kind"],
                "score": lo + s["raw"] % (hi - lo + 1),
            }
        )
    return contacts, answers


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=contact_rows, surveys=survey_rows, parquet=st.booleans())
def test_exact_metrics_match_bruteforce(rows: list[dict[str, Any]], surveys: list[dict[str, Any]], parquet: bool) -> None:
    contacts, answers = _dataset(rows, surveys)
    expected = reference_metrics(contacts, answers)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cols = ["contact_id", "customer_id", "started_at", "channel", "ai_mode", "touchpoint",
                "escalated", "intent", "handle_seconds", "cost", "direction"]
        if parquet:
            write_parquet(folder / "contacts.parquet", [{k: c[k] for k in cols} for c in contacts])
            if answers:  # surveys are optional: with none, survey metrics are null either way
                write_parquet(folder / "surveys.parquet", answers)
        else:
            rendered = [{**{k: c[k] for k in cols}, "started_at": _render(c["started_at"], c["notation"])} for c in contacts]
            write_csv(folder / "contacts.csv", rendered, cols)
            write_csv(
                folder / "surveys.csv",
                [{**a, "answered_at": a["answered_at"].isoformat()} for a in answers],
                ["survey_id", "customer_id", "contact_id", "answered_at", "kind", "score"],
            )
        write_csv(folder / "customers.csv", customers_for(contacts))
        ds = cxroi.load_dataset(folder, cxroi.Config(timezone=ZONE))
        assert ds.report.quarantined.get("contacts", 0) == 0
        metrics = cxroi.compute_exact_metrics(ds)
    assert diff_metrics(metrics.to_dict(), expected) == []
    # the clustered standard errors: exact sums in the engine vs a loop over customers
    assert diff_metrics(standard_errors(metrics), reference_standard_errors(contacts, answers), 1e-7) == []


def standard_errors(m: ExactMetrics) -> dict[str, Any]:
    """The standard error of every clustered estimate, in reference_standard_errors' shape."""

    def se(r: Result) -> float | None:
        return r.se if isinstance(r, Estimate) else None

    def per(values: Mapping[str, Result]) -> dict[str, float | None]:
        return {g: se(v) for g, v in values.items()}

    out: dict[str, Any] = {
        "cost_per_contact": per(m.cost_per_contact),
        "aht_seconds": per(m.aht_seconds),
        "containment_rate": se(m.containment_rate),
        "false_containment_7d": se(m.false_containment_7d),
        **{kind: per(m.surveys[kind]) for kind in ("csat", "nps", "ces")},
    }
    for w in m.windows:
        out[f"fcr_{w}d"] = per(m.fcr[w])
        out[f"cost_per_resolution_{w}d"] = per(m.cost_per_resolution[w])
    return out
