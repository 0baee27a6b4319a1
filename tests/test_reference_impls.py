"""The brute-force oracle, the pandas implementation and the hand-written SQL must agree.

Random datasets sit on a coarse 12-hour grid (with +-1 s jitter) so that ties, exact 7/14-day
boundaries and boundary-plus-one-second cases are common rather than astronomically rare.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from impl_pandas import pandas_metrics
from impl_sql import sql_metrics

from reference_metrics import diff_metrics, reference_metrics

T0 = datetime(2025, 3, 15, tzinfo=UTC)  # the grid spans the 30 March DST change
DAY = timedelta(days=1)
SEC = timedelta(seconds=1)
BERLIN = ZoneInfo("Europe/Berlin")

CONTACT_TYPES: dict[str, pa.DataType] = {
    "contact_id": pa.string(),
    "customer_id": pa.string(),
    # What pandas writes for a zone-aware column.
    "started_at": pa.timestamp("ns", tz="UTC"),
    "channel": pa.string(),
    "ai_mode": pa.string(),
    "touchpoint": pa.string(),
    "escalated": pa.bool_(),
    "intent": pa.string(),
    "handle_seconds": pa.float64(),
    "cost": pa.float64(),
    "direction": pa.string(),
}
SURVEY_TYPES: dict[str, pa.DataType] = {
    "survey_id": pa.string(),
    "customer_id": pa.string(),
    "contact_id": pa.string(),
    "answered_at": pa.timestamp("ns", tz="UTC"),
    "kind": pa.string(),
    "score": pa.int64(),
}


def write_dataset(
    root: Path,
    contacts: list[dict[str, Any]],
    surveys: list[dict[str, Any]],
    drop: tuple[str, ...] = (),
) -> None:
    """Parquet files with an explicit schema: an all-null column must stay string/bool, not
    become pyarrow's null type, and a dropped optional column must be really absent."""
    for name, rows, types in (
        ("contacts", contacts, CONTACT_TYPES),
        ("surveys", surveys, SURVEY_TYPES),
    ):
        schema = pa.schema([(k, t) for k, t in types.items() if k not in drop])
        cols = {k: [r.get(k) for r in rows] for k in schema.names}
        pq.write_table(pa.table(cols, schema=schema), root / f"{name}.parquet")


def all_three(
    contacts: list[dict[str, Any]], surveys: list[dict[str, Any]], drop: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_dataset(root, contacts, surveys, drop)
        oracle_input = [{k: v for k, v in c.items() if k not in drop} for c in contacts]
        return [reference_metrics(oracle_input, surveys), pandas_metrics(root), sql_metrics(root)]


def contact(cid: str, cust: str, at: datetime, mode: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "contact_id": cid,
        "customer_id": cust,
        "started_at": at,
        "channel": "chat",
        "ai_mode": mode,
        "touchpoint": "none",
        "escalated": None,
        "intent": "billing",
        "handle_seconds": 0.0,
        "cost": 0.0,
        "direction": None,
    }
    row.update(extra)
    return row


@st.composite
def datasets(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], tuple[str, ...]]:
    n_customers = draw(st.integers(2, 6))
    n_contacts = draw(st.integers(0, 25))
    contacts = []
    for i in range(n_contacts):
        at = T0 + draw(st.integers(0, 40)) * timedelta(hours=12)
        at += draw(st.sampled_from([0, 0, 0, 0, 1, -1])) * SEC
        contacts.append(
            contact(
                f"c{i}",
                f"k{draw(st.integers(0, n_customers - 1))}",
                at,
                draw(st.sampled_from(["ai_only", "hybrid", "human_only"])),
                channel=draw(st.sampled_from(["voice", "chat", "email"])),
                touchpoint=draw(
                    st.sampled_from(
                        ["chatbot", "voicebot", "ivr", "routing", "agent_assist", "proactive", "none", None]
                    )
                ),
                escalated=draw(st.sampled_from([True, False, None])),
                intent=draw(st.sampled_from(["billing", "password", "delivery", None])),
                handle_seconds=float(draw(st.integers(0, 1800))),
                cost=draw(st.floats(0, 50, allow_nan=False, allow_infinity=False)),
                direction=draw(st.sampled_from([None, None, "inbound", "outbound"])),
            )
        )
    ids = [c["contact_id"] for c in contacts] + [None, "", "no-such-contact"]
    surveys = []
    for j in range(draw(st.integers(0, 15))):
        kind = draw(st.sampled_from(["csat", "nps", "ces"]))
        lo, hi = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}[kind]
        surveys.append(
            {
                "survey_id": f"s{j}",
                "customer_id": "k0",
                "contact_id": draw(st.sampled_from(ids)),
                "answered_at": T0,
                "kind": kind,
                "score": draw(st.integers(lo, hi)),
            }
        )
    drop = draw(
        st.sampled_from(
            [(), (), ("escalated",), ("intent",), ("escalated", "touchpoint"), ("direction",)]
        )
    )
    return contacts, surveys, drop


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets(), st.booleans())
def test_three_implementations_agree(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]], tuple[str, ...]], in_berlin: bool
) -> None:
    contacts, surveys, drop = data
    if in_berlin:
        # Same instants, different zone: the oracle must not do wall-clock arithmetic.
        contacts = [{**c, "started_at": c["started_at"].astimezone(BERLIN)} for c in contacts]
    oracle, by_pandas, by_sql = all_three(contacts, surveys, drop)
    assert diff_metrics(oracle, by_pandas) == []
    assert diff_metrics(oracle, by_sql) == []


def _check(results: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    for got in results:
        for key, value in expected.items():
            assert diff_metrics(got[key], value, path=key) == []


def test_ties_boundary_and_eligibility_cut() -> None:
    # One customer, all "billing". as_of = t0+20d, so the 7d cut is t0+13d, the 14d cut t0+6d.
    # c1 (ai_only) and c2 (human_only) tie at t0: a tie is not a repeat. c3 (hybrid) at exactly
    # t0+7d is a 7d repeat of both (boundary inclusive). c3's next is c4 at +13d: a 14d repeat
    # only. 7d-eligible: c1,c2,c3 -> resolved only c3 -> fcr_7d all 1/3, ai 0, human 0, hybrid 1.
    # 14d-eligible: c1,c2 (c3 is past the cut), both repeat -> fcr_14d all 0, hybrid None.
    # cost_per_resolution_7d: all (10+20+30)/1 = 60, hybrid 30/1, ai and human x/0 -> None.
    # false containment: c1 is the only eligible ai_only, and it repeats -> 1.0.
    # containment: ai_only 1; escalated: c3 (None flag, hybrid via chatbot) -> 1/(1+1).
    t0 = T0
    contacts = [
        contact("c1", "k1", t0, "ai_only", cost=10.0, handle_seconds=100.0, escalated=False),
        contact("c2", "k1", t0, "human_only", cost=20.0, handle_seconds=200.0),
        contact(
            "c3",
            "k1",
            t0 + 7 * DAY,
            "hybrid",
            cost=30.0,
            handle_seconds=300.0,
            touchpoint="chatbot",
        ),
        contact(
            "c4",
            "k1",
            t0 + 20 * DAY,
            "human_only",
            cost=40.0,
            handle_seconds=400.0,
            escalated=False,
        ),
    ]
    _check(
        all_three(contacts, []),
        {
            "fcr_7d": {"ai_only": 0.0, "hybrid": 1.0, "human_only": 0.0, "all": 1 / 3},
            "fcr_14d": {"ai_only": 0.0, "hybrid": None, "human_only": 0.0, "all": 0.0},
            "cost_per_resolution_7d": {
                "ai_only": None,
                "hybrid": 30.0,
                "human_only": None,
                "all": 60.0,
            },
            "cost_per_resolution_14d": {
                "ai_only": None,
                "hybrid": None,
                "human_only": None,
                "all": None,
            },
            "false_containment_7d": 1.0,
            "containment_rate": 0.5,
            # cost: human (20+40)/2 = 30, all 100/4 = 25; handle likewise x10.
            "cost_per_contact": {"ai_only": 10.0, "hybrid": 30.0, "human_only": 30.0, "all": 25.0},
            "aht_seconds": {"ai_only": 100.0, "hybrid": 300.0, "human_only": 300.0, "all": 250.0},
            "csat": {"ai_only": None, "hybrid": None, "human_only": None, "all": None},
            "ces_by_channel": {},
        },
    )


def test_missing_intent_matches_any_and_escalated_column_absent() -> None:
    # k1: d1 billing (ai_only) t0; d2 password (human_only) t0+1d -- incompatible with d1;
    #     d3 no intent (ai_only) t0+7d+1s -- one second past d1's 7d window, inside 14d;
    #     for d2 it is 6d+1s later and intent-less, so a 7d repeat.
    # k2: e1 no intent (hybrid, chatbot) t0+2d; e2 delivery (hybrid, agent_assist) t0+3d is a
    #     repeat of e1 (missing intent matches any); e3 billing (human_only) t0+30d = as_of.
    # Cuts: 7d t0+23d, 14d t0+16d -> eligible d1,d2,d3,e1,e2 for both windows.
    # 7d repeats: d2, e1 -> fcr_7d all 3/5, ai (d1,d3) 1, human (d2) 0, hybrid (e1,e2) 1/2.
    # 14d repeats: d1, d2, e1 -> fcr_14d all 2/5, ai 1/2, human 0, hybrid 1/2.
    # No escalated column: only e1 (hybrid on a bot touchpoint) escalates; d2 is on ivr but
    # human_only -> containment 2/(2+1). False containment: ai d1,d3, neither repeats in 7d.
    t0 = T0
    contacts = [
        contact("d1", "k1", t0, "ai_only"),
        contact("d2", "k1", t0 + DAY, "human_only", intent="password", touchpoint="ivr"),
        contact("d3", "k1", t0 + 7 * DAY + SEC, "ai_only", intent=None),
        contact("e1", "k2", t0 + 2 * DAY, "hybrid", intent=None, touchpoint="chatbot"),
        contact("e2", "k2", t0 + 3 * DAY, "hybrid", intent="delivery", touchpoint="agent_assist"),
        contact("e3", "k2", t0 + 30 * DAY, "human_only"),
    ]
    _check(
        all_three(contacts, [], drop=("escalated",)),
        {
            "fcr_7d": {"ai_only": 1.0, "hybrid": 0.5, "human_only": 0.0, "all": 0.6},
            "fcr_14d": {"ai_only": 0.5, "hybrid": 0.5, "human_only": 0.0, "all": 0.4},
            "containment_rate": 2 / 3,
            "false_containment_7d": 0.0,
        },
    )


def test_outbound_contacts_are_never_repeats_nor_in_resolution_denominators() -> None:
    # One customer, all "billing". as_of = t0+30d; both windows' cuts are later than every
    # contact but the last. i1 (human_only, inbound) at t0 gets an agent call-back o1
    # (human_only, outbound) at t0+1d: o1 is no repeat of i1, and o1 itself is not eligible.
    # i2 (ai_only, inbound) at t0+2d is i1's repeat (within 7d): i1 unresolved. o2 (ai_only,
    # outbound, proactive) at t0+3d is no repeat of i2 and not in containment. i3 (human_only)
    # at t0+30d = as_of, too recent. Eligible (7d and 14d): i1, i2. i1 repeated by i2; i2 has no
    # inbound follow-up within 14d (i3 is 28d later) -> fcr all 1/2, ai_only 1, human 0.
    # cost per resolution 7d all: (10 + 1) / 1 = 11; ai_only 1/1; human 10/0 -> None.
    # Containment: inbound ai_only i2 only, no escalation -> 1/1. False containment: i2 -> 0.
    # Cost per contact covers every contact: human (10 + 4 + 10)/3 = 8; outbound apart:
    # human 4, ai_only 0.5, all 2.25; AHT outbound all (600 + 60)/2 = 330.
    t0 = T0
    contacts = [
        contact("i1", "k1", t0, "human_only", cost=10.0, handle_seconds=300.0),
        contact("o1", "k1", t0 + DAY, "human_only", cost=4.0, handle_seconds=600.0, direction="outbound"),
        contact("i2", "k1", t0 + 2 * DAY, "ai_only", cost=1.0, handle_seconds=60.0, touchpoint="chatbot"),
        contact(
            "o2", "k1", t0 + 3 * DAY, "ai_only", cost=0.5, handle_seconds=60.0,
            touchpoint="proactive", direction="outbound",
        ),
        contact("i3", "k1", t0 + 30 * DAY, "human_only", cost=10.0, handle_seconds=300.0, direction="inbound"),
    ]
    _check(
        all_three(contacts, []),
        {
            "fcr_7d": {"ai_only": 1.0, "hybrid": None, "human_only": 0.0, "all": 0.5},
            "fcr_14d": {"ai_only": 1.0, "hybrid": None, "human_only": 0.0, "all": 0.5},
            "cost_per_resolution_7d": {"ai_only": 1.0, "hybrid": None, "human_only": None, "all": 11.0},
            "containment_rate": 1.0,
            "false_containment_7d": 0.0,
            "cost_per_contact": {"ai_only": 0.75, "hybrid": None, "human_only": 8.0, "all": 25.5 / 5},
            "contacts_by_direction": {
                "inbound": {"ai_only": 1, "hybrid": 0, "human_only": 2, "all": 3},
                "outbound": {"ai_only": 1, "hybrid": 0, "human_only": 1, "all": 2},
            },
            "outbound_cost_per_contact": {"ai_only": 0.5, "hybrid": None, "human_only": 4.0, "all": 2.25},
            "outbound_aht_seconds": {"ai_only": 60.0, "hybrid": None, "human_only": 600.0, "all": 330.0},
            "proactive_contacts": {"ai_only": 1, "hybrid": 0, "human_only": 0, "all": 1},
        },
    )


def test_surveys_join_on_contact_and_skip_relationship_surveys() -> None:
    # x1 ai_only/chat, x2 human_only/voice. Counted: csat 5 (x1), 3 (x2); nps 10, 6 (x1), 8, 9
    # (x2); ces 6 (x1), 3 (x2). Ignored: a relationship csat (None), an empty-id csat, a ces on
    # an unknown contact. csat: ai 1/1, human 0/1, all 1/2. nps: ai 100*(1-1)/2 = 0, human
    # 100*(1-0)/2 = 50, all 100*(2-1)/4 = 25. ces: ai 6, human 3, all 4.5; by channel likewise.
    contacts = [
        contact("x1", "k1", T0, "ai_only"),
        contact("x2", "k2", T0, "human_only", channel="voice"),
    ]
    answers = [
        ("x1", "csat", 5),
        ("x2", "csat", 3),
        (None, "csat", 4),
        ("", "csat", 1),
        ("x1", "nps", 10),
        ("x1", "nps", 6),
        ("x2", "nps", 8),
        ("x2", "nps", 9),
        ("x1", "ces", 6),
        ("x2", "ces", 3),
        ("nope", "ces", 2),
    ]
    surveys = [
        {
            "survey_id": f"s{i}",
            "customer_id": "k1",
            "contact_id": cid,
            "answered_at": T0,
            "kind": kind,
            "score": score,
        }
        for i, (cid, kind, score) in enumerate(answers)
    ]
    _check(
        all_three(contacts, surveys),
        {
            "csat": {"ai_only": 1.0, "hybrid": None, "human_only": 0.0, "all": 0.5},
            "nps": {"ai_only": 0.0, "hybrid": None, "human_only": 50.0, "all": 25.0},
            "ces": {"ai_only": 6.0, "hybrid": None, "human_only": 3.0, "all": 4.5},
            "ces_by_channel": {"chat": 6.0, "voice": 3.0},
        },
    )


@pytest.mark.parametrize("drop", [(), ("escalated", "touchpoint", "intent")])
def test_empty_contacts_give_none_everywhere(drop: tuple[str, ...]) -> None:
    oracle, by_pandas, by_sql = all_three([], [], drop)
    assert oracle["containment_rate"] is None and oracle["fcr_7d"]["all"] is None
    assert diff_metrics(oracle, by_pandas) == [] and diff_metrics(oracle, by_sql) == []
