"""The demo generator writes a contract-shaped dataset whose planted truths hold in the data.

Everything is checked on the written files with pandas/pyarrow, independently of the generator's
internals: contract shape and value rules, referential integrity, life-cycle ordering, exact
counts, containment, the masking months, the retention exposure definition and determinism.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxroi.demo import DemoTruths, generate_demo
from cxroi.io.contract import (
    CHANNELS,
    MODES,
    SELF_SERVICE_TOUCHPOINTS,
    SURVEY_RANGES,
    TABLES,
    ColumnType,
)

N_CONTACTS = 50_000
SEED = 11
TS = pa.timestamp("ns", tz="UTC")
EXPECTED_TYPES = {
    ColumnType.STRING: pa.string(),
    ColumnType.TIMESTAMP: TS,
    ColumnType.NUMBER: pa.float64(),
    ColumnType.BOOL: pa.bool_(),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoTruths]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate_demo(out, contacts=N_CONTACTS, seed=SEED)


@pytest.fixture(scope="module")
def tables(demo: tuple[Path, DemoTruths]) -> dict[str, pd.DataFrame]:
    out, _ = demo
    return {spec.name: pd.read_parquet(out / f"{spec.name}.parquet") for spec in TABLES}


@pytest.fixture(scope="module")
def contacts(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Contacts with the metrics.md 7-day repeat flag and the calendar month."""
    c = tables["contacts"].copy()
    pairs = c[["contact_id", "customer_id", "started_at", "intent"]].merge(
        c[["customer_id", "started_at", "intent"]], on="customer_id", suffixes=("", "_next")
    )
    gap = pairs["started_at_next"] - pairs["started_at"]
    same_issue = (
        pairs["intent"].isna()
        | pairs["intent_next"].isna()
        | (pairs["intent"] == pairs["intent_next"])
    )
    repeat = (gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=7)) & same_issue
    c["repeat7"] = c["contact_id"].isin(pairs.loc[repeat, "contact_id"])
    c["month"] = c["started_at"].dt.strftime("%Y-%m")
    return c


def test_every_contract_table_and_column_has_the_contract_type(
    demo: tuple[Path, DemoTruths],
) -> None:
    out, _ = demo
    for spec in TABLES:
        schema = pq.read_schema(out / f"{spec.name}.parquet")
        assert list(schema.names) == list(spec.column_names), spec.name
        for col in spec.columns:
            assert schema.field(col.name).type == EXPECTED_TYPES[col.type], (spec.name, col.name)


def test_values_respect_the_contract_rules(tables: dict[str, pd.DataFrame]) -> None:
    for spec in TABLES:
        df = tables[spec.name]
        assert len(df) > 0, spec.name
        for col in spec.columns:
            values = df[col.name]
            if col.required:
                assert values.notna().all(), (spec.name, col.name)
            present = values.dropna()
            if col.allowed is not None:
                assert set(present) <= set(col.allowed), (spec.name, col.name)
            if col.minimum is not None:
                assert (present >= col.minimum).all(), (spec.name, col.name)
            if col.maximum is not None:
                assert (present <= col.maximum).all(), (spec.name, col.name)
        if spec.key is not None:
            assert df[spec.key].is_unique, spec.name
        for rule in spec.order_rules:
            both = df[[rule.earlier, rule.later]].dropna()
            assert (both[rule.later] >= both[rule.earlier]).all(), (spec.name, rule.rule)


def test_references_resolve(tables: dict[str, pd.DataFrame]) -> None:
    for spec in TABLES:
        for ref in spec.references:
            values = tables[spec.name][ref.column].dropna()
            targets = set(tables[ref.table][ref.target_column])
            assert values.isin(targets).all(), (spec.name, ref.column)
    agent_ids = tables["contacts"]["agent_id"].dropna()
    assert agent_ids.isin(set(tables["agents"]["agent_id"])).all()


def test_ids_are_strings_with_prefixes(tables: dict[str, pd.DataFrame]) -> None:
    assert tables["contacts"]["contact_id"].str.fullmatch(r"C\d{7}").all()
    assert tables["customers"]["customer_id"].str.fullmatch(r"K\d{5}").all()
    assert tables["agents"]["agent_id"].str.fullmatch(r"A\d{3}").all()
    assert tables["contacts"]["contact_id"].iloc[0] == "C0000001"


def test_contacts_happen_only_while_the_customer_is_active(tables: dict[str, pd.DataFrame]) -> None:
    c = tables["contacts"].merge(tables["customers"], on="customer_id", how="left")
    assert c["acquired_at"].notna().all()
    assert (c["started_at"] >= c["acquired_at"]).all()
    churned = c["churned_at"].notna()
    assert (c.loc[churned, "started_at"] <= c.loc[churned, "churned_at"]).all()
    assert c["started_at"].min() >= pd.Timestamp("2024-01-01", tz="UTC")
    assert c["started_at"].max() <= pd.Timestamp("2025-12-31T23:59:00", tz="UTC")


def test_agents_were_employed_when_they_took_a_contact(tables: dict[str, pd.DataFrame]) -> None:
    c = tables["contacts"].dropna(subset=["agent_id"]).merge(tables["agents"], on="agent_id")
    assert (c["started_at"] >= c["hired_at"]).all()
    left = c["left_at"].notna()
    assert (c.loc[left, "started_at"] < c.loc[left, "left_at"]).all()
    agents = tables["agents"]
    assert (agents["left_at"].isna() == agents["leave_reason"].isna()).all()
    assert len(agents) == 20  # max(20, contacts / 5000)
    assert agents["team"].value_counts().between(15, 25).all()


def test_mode_touchpoint_and_escalation_are_consistent(tables: dict[str, pd.DataFrame]) -> None:
    c = tables["contacts"]
    ai_only, hybrid, human = (c["ai_mode"] == m for m in MODES)
    bot_channels = {"voice", "chat", "messaging", "web"}
    assert c.loc[ai_only, "touchpoint"].isin(SELF_SERVICE_TOUCHPOINTS).all()
    assert c.loc[ai_only, "channel"].isin(bot_channels).all()
    assert c.loc[ai_only, "agent_id"].isna().all()
    assert c.loc[ai_only, "wait_seconds"].isna().all()
    assert c.loc[hybrid | human, "agent_id"].notna().all()
    assert c.loc[human, "touchpoint"].isin({"none", "routing"}).all()
    assert not c.loc[~hybrid, "escalated"].any()
    esc = c["escalated"]
    assert (c.loc[hybrid & esc, "touchpoint"].isin(SELF_SERVICE_TOUCHPOINTS)).all()
    assert (c.loc[hybrid & ~esc, "touchpoint"].isin({"agent_assist", "routing"})).all()
    # The fallback rule in metrics.md gives the same escalations as the flag.
    fallback = hybrid & c["touchpoint"].isin(SELF_SERVICE_TOUCHPOINTS)
    assert (fallback == esc).all()
    assert (c["handoff_context"].notna() == esc).all()
    assert 0.6 < c.loc[esc, "handoff_context"].astype(bool).mean() < 0.8
    assert c["cost"].notna().all()
    assert c.loc[ai_only, "cost"].between(0.2, 0.7).all()
    assert c.loc[human, "cost"].between(5.5, 7.4).all()
    assert 1.8 < c.loc[hybrid, "cost"].mean() < 2.4
    assert c.loc[ai_only, "handle_seconds"].median() < c.loc[human, "handle_seconds"].median()
    assert set(c["channel"]) <= set(CHANNELS)
    assert 0.03 < c["intent"].isna().mean() < 0.07
    assert 0.02 < c["sales_transfer"].mean() < 0.04


def test_bots_report_false_containment(contacts: pd.DataFrame) -> None:
    as_of = contacts["started_at"].max()
    eligible = contacts[contacts["started_at"] <= as_of - pd.Timedelta(days=7)]
    bot = eligible[eligible["ai_mode"] == "ai_only"]
    reported_unresolved = 1 - bot["resolved"].mean()
    false_containment = bot["repeat7"].mean()
    assert reported_unresolved < 0.05
    assert false_containment > 0.2
    fcr = 1 - eligible.groupby("ai_mode")["repeat7"].mean()
    assert fcr["ai_only"] < fcr["hybrid"] < fcr["human_only"]


def test_surveys_scores_fit_their_kind(tables: dict[str, pd.DataFrame]) -> None:
    s = tables["surveys"]
    for kind, (low, high) in SURVEY_RANGES.items():
        scores = s.loc[s["kind"] == kind, "score"]
        assert len(scores) > 0, kind
        assert scores.between(low, high).all(), kind
        assert (scores == scores.round()).all(), kind
    transactional = s["contact_id"].notna()
    assert 0.15 < transactional.sum() / len(tables["contacts"]) < 0.25
    assert (s.loc[~transactional, "kind"] == "nps").all() and (~transactional).sum() > 0
    answered = s[transactional].merge(tables["contacts"], on="contact_id")
    delay = answered["answered_at"] - answered["started_at"]
    assert (delay >= pd.Timedelta(0)).all() and (delay <= pd.Timedelta(days=2, hours=6)).all()


def test_revenue_and_opportunities(
    tables: dict[str, pd.DataFrame], demo: tuple[Path, DemoTruths]
) -> None:
    _, truths = demo
    r = tables["revenue"]
    assert "recurring" not in set(r["kind"])
    assert (r.loc[r["kind"] == "refund", "amount"] < 0).all()
    assert (r.loc[r["kind"] != "refund", "amount"] > 0).all()
    o = tables["opportunities"]
    assert (o["won"].isna() == o["closed_at"].isna()).all()
    sourced = o.merge(tables["contacts"], on="contact_id", suffixes=("", "_contact"))
    assert sourced["sales_transfer"].all()
    assert (sourced["customer_id"] == sourced["customer_id_contact"]).all()
    closed = sourced[sourced["won"].notna()]
    ai = closed["ai_mode"] != "human_only"
    assert int(ai.sum()) == truths.opportunities_closed["ai_assisted"]
    assert int(closed.loc[ai, "won"].astype(bool).sum()) == truths.opportunities_won["ai_assisted"]
    assert int((~ai).sum()) == truths.opportunities_closed["human_only"]
    rate_ai = closed.loc[ai, "won"].astype(bool).mean()
    rate_human = closed.loc[~ai, "won"].astype(bool).mean()
    assert truths.opportunity_win_rate_ai_assisted > truths.opportunity_win_rate_human_only
    assert rate_ai > rate_human
    qa = tables["qa_reviews"].merge(tables["contacts"], on="contact_id")
    assert qa["escalated"].all()
    assert (qa["reviewed_at"] > qa["started_at"]).all()


def test_truths_counts_equal_the_data(
    tables: dict[str, pd.DataFrame], demo: tuple[Path, DemoTruths]
) -> None:
    out, truths = demo
    assert truths == DemoTruths.load(out)
    assert truths.row_counts == {name: len(df) for name, df in tables.items()}
    c = tables["contacts"]
    assert truths.contacts_by_mode == {m: int((c["ai_mode"] == m).sum()) for m in MODES}
    assert truths.escalated_contacts == int(c["escalated"].sum())
    assert abs(len(c) / N_CONTACTS - 1) < 0.05
    assert truths.as_of == c["started_at"].max().strftime("%Y-%m-%dT%H:%M:%SZ")


def test_containment_from_the_data_equals_the_truth_exactly(
    contacts: pd.DataFrame, demo: tuple[Path, DemoTruths]
) -> None:
    _, truths = demo
    ai_only = int((contacts["ai_mode"] == "ai_only").sum())
    escalated = int(contacts["escalated"].sum())
    assert truths.containment_rate == ai_only / (ai_only + escalated)
    by_month = contacts.groupby("month").agg(
        ai_only=("ai_mode", lambda s: int((s == "ai_only").sum())), escalated=("escalated", "sum")
    )
    expected = (by_month["ai_only"] / (by_month["ai_only"] + by_month["escalated"])).to_dict()
    assert truths.containment_by_month == pytest.approx(expected, rel=1e-12)


def test_masking_months_raise_containment_and_repeats(
    contacts: pd.DataFrame, tables: dict[str, pd.DataFrame], demo: tuple[Path, DemoTruths]
) -> None:
    _, truths = demo
    assert truths.masking_months == ("2025-03", "2025-04", "2025-05")
    as_of = contacts["started_at"].max()
    eligible = contacts[contacts["started_at"] <= as_of - pd.Timedelta(days=7)]
    repeat = eligible.groupby("month")["repeat7"].mean()
    containment = pd.Series(truths.containment_by_month)
    masking = list(truths.masking_months)
    before = ["2024-12", "2025-01", "2025-02"]
    # Containment climbs month over month through the masking months, then falls back.
    steps = containment[["2025-02", *masking]].to_numpy()
    assert (np.diff(steps) > 0).all()
    assert containment["2025-06"] < containment["2025-03"]
    assert containment[masking].min() > containment[before].max()
    # ... while customers come back more often and report more effort.
    assert repeat[masking].mean() > repeat[before].mean() + 0.015
    assert repeat["2025-05"] > repeat[before].max()
    s = tables["surveys"]
    ces = s[s["kind"] == "ces"].merge(contacts, on="contact_id").groupby("month")["score"].mean()
    assert ces[masking].mean() < ces[before].mean()


def test_retention_truth_matches_the_index_contacts(
    tables: dict[str, pd.DataFrame], demo: tuple[Path, DemoTruths]
) -> None:
    _, truths = demo
    c = tables["contacts"].sort_values(["started_at", "contact_id"])
    index = c.groupby("customer_id").head(1)
    assert truths.analysed_customers == len(index)
    assert truths.exposed_customers == int((index["ai_mode"] != "human_only").sum())
    assert truths.hazard_ratio == 0.8
    assert truths.retention_effect_12m > 0  # HR < 1: AI-assisted index keeps more customers
    assert 0.01 < truths.retention_effect_12m < 0.06
    assert truths.naive_bias_sign == 1
    assert truths.naive_delta_12m_uncensored > truths.retention_effect_12m
    assert 0.15 <= 1 - truths.retention_12m_all_human_only <= 0.30
    assert "segment" in truths.retention_covariates


def test_csat_follows_agent_experience_75_days_later(
    contacts: pd.DataFrame, tables: dict[str, pd.DataFrame], demo: tuple[Path, DemoTruths]
) -> None:
    _, truths = demo
    assert truths.agent_lead_days == 75
    latent = pd.Series(truths.agent_latent_weekly)
    latent.index = pd.to_datetime(latent.index, utc=True)
    s = tables["surveys"]
    csat = s[s["kind"] == "csat"].merge(contacts, on="contact_id")
    csat = csat[csat["ai_mode"] != "ai_only"]
    weekly = (csat.set_index("started_at")["score"] >= 4).resample("W-MON").mean().dropna()
    when = weekly.index.asi8.astype(np.float64)

    def corr(lag_days: int) -> float:
        shifted = np.interp(when - lag_days * 86_400e9, latent.index.asi8, latent.to_numpy())
        return float(np.corrcoef(weekly.to_numpy(), shifted)[0, 1])

    assert corr(75) > 0.6
    assert corr(75) > corr(0) + 0.3


def test_same_seed_gives_identical_files(demo: tuple[Path, DemoTruths], tmp_path: Path) -> None:
    out, truths = demo
    again = generate_demo(tmp_path / "again", contacts=N_CONTACTS, seed=SEED)
    assert again == truths
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"{t.name}.parquet" for t in TABLES] + ["truths.json"])
    for name in names:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_another_seed_gives_other_data(demo: tuple[Path, DemoTruths], tmp_path: Path) -> None:
    out, truths = demo
    other = generate_demo(tmp_path, contacts=N_CONTACTS, seed=SEED + 1)
    assert other.contacts_by_mode != truths.contacts_by_mode
    assert (out / "contacts.parquet").read_bytes() != (tmp_path / "contacts.parquet").read_bytes()


def test_too_small_a_request_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_demo(tmp_path, contacts=10)
