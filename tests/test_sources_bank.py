"""The Anonymous Bank call log adapter: field by field on a small sample written in the published
layout, and end to end on the real February 1999 log (33,344 calls) with a brute-force check of
the repeat rates after abandoned vs served calls. The headline numbers of docs/real-data-bank.md
are read from the page and compared with what the code gives, so the page cannot go stale."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import cxroi
from cxroi.analyses.bank_repeats import OutcomeRepeats, outcome_repeat_rates
from cxroi.config import Config
from cxroi.errors import ContractError, Problem
from cxroi.results.codec import encode
from cxroi.sources.bank import BankOptions, convert, parse_bank_options
from cxroi.sources.registry import import_command
from cxroi.stats.clustered import ClusteredEstimate, RatioSums
from cxroi.stats.result import Estimate

FIXTURE = Path(__file__).parent / "fixtures" / "bank" / "calls.tsv"
REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
BANK_LOG = REALDATA / "anonymous_bank_1999_02.tsv"
needs_real = pytest.mark.skipif(
    not BANK_LOG.exists(), reason=f"real bank log not available at {BANK_LOG}"
)
ZONE = Config(timezone="Asia/Jerusalem")
DOC = Path(__file__).resolve().parents[1] / "docs" / "real-data-bank.md"


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


@pytest.fixture(scope="module")
def sample() -> dict[str, dict[str, Any]]:
    contacts = convert(FIXTURE).tables["contacts"]
    return {r["contact_id"]: r for r in contacts.to_dict("records")}


def test_sample_served_without_queue(sample: dict[str, dict[str, Any]]) -> None:
    c = sample["AA0101-1001"]
    assert c["customer_id"] == "anon-AA0101-1001"
    # 1999-02-01 07:02:47 in Israel (UTC+2 in February)
    assert c["started_at"] == _utc("1999-02-01T05:02:47Z")
    assert (c["channel"], c["ai_mode"], c["touchpoint"], c["escalated"]) == (
        "voice",
        "hybrid",
        "ivr",
        True,
    )
    assert c["agent_id"] == "DORIT"
    assert c["handle_seconds"] == 9 + 166
    assert c["wait_seconds"] == 0
    assert pd.isna(c["resolved"])
    assert (c["outcome"], c["queued"], c["identified"]) == ("agent", False, False)


def test_sample_abandoned_then_served(sample: dict[str, dict[str, Any]]) -> None:
    hang, served = sample["AA0101-1002"], sample["AA0102-1002"]  # same call_id, other VRU
    assert hang["customer_id"] == served["customer_id"] == "23317894"
    assert (hang["ai_mode"], hang["escalated"], hang["resolved"]) == ("hybrid", True, False)
    assert hang["handle_seconds"] == 6 and hang["wait_seconds"] == 5
    assert pd.isna(hang["agent_id"])
    assert (served["agent_id"], served["handle_seconds"], served["wait_seconds"]) == (
        "AVNI",
        420,
        60,
    )


def test_sample_ended_in_ivr(sample: dict[str, dict[str, Any]]) -> None:
    c = sample["AA0101-1003"]
    assert (c["ai_mode"], c["touchpoint"], c["escalated"]) == ("ai_only", "ivr", False)
    assert c["handle_seconds"] == 30
    assert pd.isna(c["wait_seconds"]) and pd.isna(c["resolved"])
    assert c["started_at"] == _utc("1999-02-02T20:43:22Z")


def test_sample_quirks(sample: dict[str, dict[str, Any]]) -> None:
    # negative vru_time: written raw so validation quarantines it
    assert sample["AA0101-1004"]["handle_seconds"] == -57
    # PHANTOM is a virtual call: not a contact
    assert "AA0101-1005" not in sample
    # a spreadsheet-mangled id cannot link calls: one-off unknown caller
    assert sample["AA0101-1006"]["customer_id"] == "anon-AA0101-1006"
    # past midnight: durations from *_time, start on the call's date
    late = sample["AA0101-1007"]
    assert late["started_at"] == _utc("1999-02-28T21:58:00Z")
    assert late["handle_seconds"] == 10 + 300
    assert pd.isna(sample["AA0101-1008"]["agent_id"])  # served, NO_SERVER


def test_sample_queue_abandon_with_a_service_interval(sample: dict[str, dict[str, Any]]) -> None:
    # HANG after 6 s in the queue, then a 4 s service interval with no server: the caller hung
    # up while being connected; no agent handled the call
    c = sample["AA0101-1009"]
    assert (c["ai_mode"], c["escalated"], c["resolved"], c["direction"]) == (
        "hybrid",
        True,
        False,
        "inbound",
    )
    assert (c["handle_seconds"], c["wait_seconds"], c["service_seconds"]) == (6, 6, 4)
    assert pd.isna(c["agent_id"])


def test_sample_vru_not_ai() -> None:
    converted = convert(FIXTURE, BankOptions(ivr_is_ai=False))
    contacts = converted.tables["contacts"]
    # no AI touchpoint anywhere: nothing for an AI metric to be computed from
    assert set(contacts["ai_mode"]) == {"human_only"}
    assert set(contacts["touchpoint"]) == {"none"} and not contacts["escalated"].any()
    rows = {r["contact_id"]: r for r in contacts.to_dict("records")}
    ended = rows["AA0101-1003"]
    assert (ended["ended_in_flow"], ended["handle_seconds"]) == (True, 30)
    assert pd.isna(ended["resolved"]) and pd.isna(ended["agent_id"])
    assert rows["AA0101-1002"]["resolved"] is False  # abandoned in the queue
    assert (rows["AA0102-1002"]["agent_id"], rows["AA0102-1002"]["handle_seconds"]) == (
        "AVNI",
        420,
    )
    # the setting changes the classification only, never a duration
    default = convert(FIXTURE).tables["contacts"]
    assert list(default["handle_seconds"]) == list(contacts["handle_seconds"])
    assert any("ivr_is_ai=false" in n for n in converted.finish().notes)


def test_vru_not_ai_from_the_command_line(tmp_path: Path) -> None:
    report = import_command("bank", FIXTURE, tmp_path / "ds", ["ivr_is_ai=false"])
    written = pd.read_parquet(tmp_path / "ds" / "contacts.parquet")
    assert set(written["ai_mode"]) == {"human_only"}
    assert report.counts["contacts_inbound"] == report.rows["contacts"]


def test_sample_report_and_customers() -> None:
    converted = convert(FIXTURE)
    report = converted.finish()
    assert report.records_read == 10
    assert report.counts["phantom_calls_excluded"] == 1
    assert report.counts["negative_durations_for_quarantine"] == 1
    assert report.counts["mangled_customer_ids_read_as_unidentified"] == 1
    assert report.counts["unidentified_calls_as_one_off_customers"] == 4
    assert report.unmapped_fields == ()
    assert report.counts["abandoned_calls_with_service_interval_not_in_handle"] == 1
    assert report.counts["abandoned_service_seconds_not_in_handle"] == 4
    customers = converted.tables["customers"].set_index("customer_id")
    assert customers.loc["23317894", "acquired_at"] == _utc("1999-02-01T06:09:16Z")
    assert customers.loc["23317894", "segment"] == "priority"
    assert customers.loc["30456789", "segment"] == "regular"
    assert customers.loc["anon-AA0101-1001", "segment"] == "unidentified"


def test_exclude_unidentified() -> None:
    contacts = convert(FIXTURE, BankOptions(unidentified="exclude")).tables["contacts"]
    assert not contacts["customer_id"].str.startswith("anon-").any()
    assert len(contacts) == 5


def test_sample_dataset_validates_and_quarantines(tmp_path: Path) -> None:
    report = import_command("bank", FIXTURE, tmp_path / "ds", ["timezone=Asia/Jerusalem"])
    assert report.rows == {"contacts": 9, "customers": 6}
    ds = cxroi.load_dataset(tmp_path / "ds", ZONE)
    assert ds.report.quarantined["contacts"] == 1
    assert [(c.column, c.rule) for c in ds.report.errors] == [("handle_seconds", "negative")]
    assert (tmp_path / "ds" / "import_report.json").exists()


def test_malformed_log_lists_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    lines = FIXTURE.read_text().splitlines()
    row = lines[1].split("\t")
    row[5], row[6], row[12] = "99-02-01", "7h02", "SERVED"
    other = lines[2].split("\t")
    other[8] = "nine"
    bad.write_text("\n".join([lines[0], "\t".join(row), "\t".join(other)]) + "\n")
    with pytest.raises(ContractError) as err:
        convert(bad)
    found = {(p.where.split(" ")[-1], p.rule) for p in err.value.problems}
    assert found == {
        ("date", "wrong_type"),
        ("vru_entry", "wrong_type"),
        ("outcome", "not_allowed"),
        ("vru_time", "wrong_type"),
    }
    assert all(f"{bad}:" in p.where for p in err.value.problems)


def test_missing_columns_and_options(tmp_path: Path) -> None:
    bad = tmp_path / "cols.tsv"
    bad.write_text("call_id\tdate\n1\t990201\n")
    with pytest.raises(ContractError, match="missing columns"):
        convert(bad)
    problems: list[Problem] = []
    parse_bank_options(
        {"unidentified": "merge", "zone": "x", "timezone": "Mars/Base", "ivr_is_ai": "maybe"},
        problems,
    )
    assert sorted(p.rule for p in problems) == [
        "not_allowed",
        "unknown_key",
        "unknown_zone",
        "wrong_type",
    ]


# --- the real log -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    if not BANK_LOG.exists():
        pytest.skip(f"real bank log not available at {BANK_LOG}")
    out = tmp_path_factory.mktemp("bank") / "dataset"
    report = import_command("bank", BANK_LOG, out)
    return out, report


@needs_real
def test_real_log_imports_and_accounts_for_every_call(real: tuple[Path, Any]) -> None:
    _, report = real
    raw = pd.read_csv(BANK_LOG, sep="\t", dtype=str)
    assert report.records_read == len(raw) == 33_344
    phantom = int((raw["outcome"] == "PHANTOM").sum())
    assert report.counts["phantom_calls_excluded"] == phantom
    assert report.rows["contacts"] == len(raw) - phantom
    kept = raw[raw["outcome"] != "PHANTOM"]
    assert report.counts["negative_durations_for_quarantine"] == int(
        (kept["vru_time"].astype(int) < 0).sum()
    )
    assert report.counts["served"] == int((kept["outcome"] == "AGENT").sum())
    # handle time = vru_time + ser_time of served calls; the 97 hung-up calls' service
    # intervals (6,837 s, no server named) are kept apart (docs/real-data-bank.md)
    hang = kept[kept["outcome"] == "HANG"]
    with_service = hang[hang["ser_time"].astype(int) > 0]
    assert (
        report.counts["abandoned_calls_with_service_interval_not_in_handle"]
        == len(with_service)
        == 97
    )
    assert report.counts["abandoned_service_seconds_not_in_handle"] == 6_837
    assert set(with_service["server"].str.strip()) == {"NO_SERVER"}


@pytest.fixture(scope="module")
def analysed(real: tuple[Path, Any]) -> dict[str, Any]:
    """The encoded results of ``cxroi analyze`` on the real log (default import)."""
    out, _ = real
    results: dict[str, Any] = encode(cxroi.analyze(out, ZONE).results)
    return results


@needs_real
def test_real_log_analyses_end_to_end(real: tuple[Path, Any], analysed: dict[str, Any]) -> None:
    _, report = real
    data = analysed["dataset"]
    assert data["quarantined"]["contacts"] == report.counts["negative_durations_for_quarantine"]
    assert [r["rule"] for r in data["rules"]] == ["negative"]
    metrics = analysed["metrics"]
    assert (
        metrics["counts"]["contacts"]["all"]
        == report.rows["contacts"] - data["quarantined"]["contacts"]
    )
    assert metrics["fcr_7d"]["hybrid"] is not None and metrics["aht_seconds"]["hybrid"] > 0


@needs_real
def test_real_log_with_the_vru_not_ai_gives_no_ai_metric(tmp_path: Path) -> None:
    import_command("bank", BANK_LOG, tmp_path / "ds", ["ivr_is_ai=false"])
    results = encode(cxroi.analyze(tmp_path / "ds", ZONE).results)
    counts = results["metrics"]["counts"]["contacts"]
    assert (counts["ai_only"], counts["hybrid"], counts["human_only"]) == (0, 0, counts["all"])
    # the artefact docs/real-data-bank.md warns about (fcr_ai 0.998 "ok" from a touch-tone VRU)
    # cannot appear: there is no AI-only contact to compute it from
    stack = {m["id"]: m for m in results["stack"]["metrics"]}
    assert stack["fcr_ai"]["state"] == "cannot_evaluate" and stack["fcr_ai"]["value"] is None
    assert results["metrics"]["fcr_7d"]["ai_only"] is None
    # the page's "With it: ..." sentence (section "The VRU as AI, or not")
    iv = results["metrics"]["intervals"]
    fcr7, fcr14 = iv["fcr_7d"]["human_only"], iv["fcr_14d"]["human_only"]
    sentence = (
        f"{counts['human_only']:,} `human_only` contacts, true FCR {_pct(fcr7)} at 7 days"
        f" (n {fcr7['n']:,}) and {_pct(fcr14)} at 14 days (n {fcr14['n']:,}),"
        f" AHT {_secs(iv['aht_seconds']['human_only']).replace(' [', ' s [', 1)}"
    )
    assert sentence in _doc_text()


@needs_real
def test_real_handle_time_is_vru_plus_service_of_served_calls(real: tuple[Path, Any]) -> None:
    out, _ = real
    written = pd.read_parquet(out / "contacts.parquet")
    raw = pd.read_csv(BANK_LOG, sep="\t", dtype=str)
    raw.columns = [c.strip().lower() for c in raw.columns]
    raw = raw[raw["outcome"].str.strip() != "PHANTOM"]
    raw["contact_id"] = raw["vru+line"].str.strip() + "-" + raw["call_id"].str.strip()
    merged = written.merge(raw, on="contact_id", suffixes=("", "_raw"))
    vru, ser = merged["vru_time"].astype(int), merged["ser_time"].astype(int)
    expected = vru + ser.where(merged["outcome_raw"].str.strip() == "AGENT", 0)
    ok = (vru >= 0) & (ser >= 0)
    assert len(merged) == len(written) and ok.sum() == len(written) - 23
    assert (merged.loc[ok, "handle_seconds"] == expected[ok]).all()
    assert (merged["direction"] == "inbound").all()


def _brute_force_repeats(contacts: pd.DataFrame, as_of: pd.Timestamp, days: int) -> pd.DataFrame:
    """For each identified call started by as_of - days: does the customer call again, strictly
    later and within ``days``? (the next later call of the customer is the one to look at)"""
    window = np.timedelta64(pd.Timedelta(days=days))
    cutoff = (as_of - pd.Timedelta(days=days)).to_datetime64()
    rows = []
    for _, calls in contacts[contacts["identified"]].groupby("customer_id"):
        times = np.sort(calls["started_at"].dt.tz_convert(None).to_numpy())
        for t, label in zip(
            calls["started_at"].dt.tz_convert(None).to_numpy(), calls["label"], strict=True
        ):
            if t > cutoff:
                continue
            nxt = np.searchsorted(times, t, side="right")
            rows.append({
                "customer": calls["customer_id"].iloc[0], "label": label,
                "repeat": nxt < len(times) and times[nxt] <= t + window,
            })
    return pd.DataFrame(rows)


def _clustered_se(calls: pd.DataFrame) -> float:
    """The cluster-robust (CR1) standard error of a share of calls, customers as clusters, by the
    textbook formula on per-customer totals: G/(G-1) * sum (x_i - p y_i)^2 / (sum y_i)^2."""
    per = calls.groupby("customer")["repeat"].agg(["size", "sum"])
    y, x = per["size"].to_numpy(float), per["sum"].to_numpy(float)
    p, g = x.sum() / y.sum(), len(per)
    return float(np.sqrt(g / (g - 1) * ((x - p * y) ** 2).sum() / y.sum() ** 2))


@needs_real
def test_real_repeat_rates_match_brute_force(real: tuple[Path, Any]) -> None:
    out, _ = real
    ds = cxroi.load_dataset(out, ZONE)
    result = outcome_repeat_rates(ds, 7)
    assert isinstance(result, OutcomeRepeats)
    accepted = pd.read_parquet(out / "contacts.parquet")
    accepted = accepted[accepted["handle_seconds"] >= 0]  # the quarantined rows
    accepted["label"] = np.where(
        accepted["outcome"] == "agent",
        "served",
        np.where(accepted["queued"], "abandoned", "ended_in_ivr"),
    )
    as_of = accepted["started_at"].max()
    assert as_of.to_pydatetime() == ds.as_of.astimezone(UTC)
    calls = _brute_force_repeats(accepted, as_of, 7)
    for label, group in calls.groupby("label"):
        assert result.counts[label]["eligible"] == len(group)
        assert result.counts[label]["repeats"] == group["repeat"].sum()
        est = result.by_outcome[label]
        assert isinstance(est, Estimate) and est.se is not None
        assert est.estimate == pytest.approx(group["repeat"].mean(), rel=1e-12)
        # customer-clustered: some callers ring dozens of times, so the interval is wider than
        # the independent-calls Wilson interval, and its SE is the textbook cluster-robust one
        assert est.se == pytest.approx(_clustered_se(group), rel=1e-9)
        low, high = proportion_confint(group["repeat"].sum(), len(group), method="wilson")
        assert est.ci_high - est.ci_low >= high - low
    # callers who hung up in the queue come back more often than callers who were served
    assert isinstance(result.difference, Estimate) and result.difference.ci_low > 0
    assert datetime(1999, 2, 28, tzinfo=UTC) < ds.as_of < datetime(1999, 3, 1, tzinfo=UTC)


# --- docs/real-data-bank.md against the code -----------------------------------------------------
# The page prints percentages and seconds to one decimal and counts with thousands separators;
# the tests format the code's numbers the same way and look for them in the page's own text.


def _doc_text() -> str:
    """The page with runs of white space (line breaks included) made single spaces."""
    return " ".join(DOC.read_text().split())


def _doc_row(label: str) -> list[str]:
    """The cells after the first of the page's table row ``| label | ...``, bold marks removed."""
    rows = [line for line in DOC.read_text().splitlines() if line.startswith(f"| {label} |")]
    assert len(rows) == 1, f"one table row {label!r} in {DOC}"
    return [cell.strip().replace("**", "") for cell in rows[0].strip("|").split("|")[1:]]


def _pct(e: dict[str, Any] | Estimate) -> str:
    if isinstance(e, Estimate):
        point, low, high = e.estimate, e.ci_low, e.ci_high
    else:
        point, low, high = e["estimate"], e["ci_low"], e["ci_high"]
    return f"{100 * point:.1f}% [{100 * low:.1f}%, {100 * high:.1f}%]"


def _secs(e: dict[str, Any]) -> str:
    return f"{e['estimate']:.1f} [{e['ci_low']:.1f}, {e['ci_high']:.1f}]"


CLUSTERED_SHARE = "wilson, effective n from the design effect, clustered by customer"


@needs_real
def test_doc_resolution_and_handle_time_by_mode(analysed: dict[str, Any]) -> None:
    iv = analysed["metrics"]["intervals"]
    modes = ("ai_only", "hybrid", "all")
    for w in (7, 14):
        fcr = iv[f"fcr_{w}d"]
        assert all(fcr[m]["method"] == CLUSTERED_SHARE for m in modes)
        expected = [f"{_pct(fcr[m])} (n {fcr[m]['n']:,})" for m in modes]
        assert _doc_row(f"true FCR, {w} days") == expected
    aht = iv["aht_seconds"]
    assert all(aht[m]["method"] == "t, clustered by customer" for m in modes)
    assert _doc_row("AHT, seconds (VRU + service of served calls)") == [
        _secs(aht[m]) for m in modes
    ]
    deff = [
        f"{iv['fcr_7d'][m]['design_effect']:.1f} / {iv['fcr_14d'][m]['design_effect']:.1f}"
        for m in modes
    ]
    assert _doc_row("design effect of the FCR, 7 / 14 days") == deff
    # the opening paragraph quotes the all-caller 7-day design effect
    assert (
        f"the design effect of the all-caller 7-day FCR is {iv['fcr_7d']['all']['design_effect']:.1f}"
        in _doc_text()
    )


@needs_real
def test_doc_abandonment_share_of_queued_calls(real: tuple[Path, Any]) -> None:
    # "22.0% [...] of queued calls were abandoned": a share of calls, so clustered by customer
    # like the analyze metrics (each unidentified call is its own customer)
    out, _ = real
    contacts = pd.read_parquet(out / "contacts.parquet")
    queued = contacts[(contacts["handle_seconds"] >= 0) & contacts["queued"]]
    per_customer = (
        queued.assign(x=(queued["outcome"] != "agent").astype(int), y=1)
        .groupby("customer_id")[["x", "y"]]
        .sum()
    )
    x, y = per_customer["x"], per_customer["y"]
    share = RatioSums.of(
        len(per_customer),
        int(x.sum()),
        int(y.sum()),
        int((x * x).sum()),
        int((y * y).sum()),
        int((x * y).sum()),
    ).share("no queued calls")
    assert isinstance(share, ClusteredEstimate) and share.design_effect is not None
    assert f"{len(queued):,} calls queued" in _doc_text()
    assert (
        f"{_pct(share)} of queued calls were abandoned** ({int(x.sum()):,} calls; the interval"
        f" clustered by customer over {share.customers:,} callers, design effect"
        f" {share.design_effect:.1f})"
    ) in _doc_text()


@needs_real
def test_doc_resolution_of_identified_callers_only(tmp_path: Path) -> None:
    import_command("bank", BANK_LOG, tmp_path / "ds", ["unidentified=exclude"])
    iv = encode(cxroi.analyze(tmp_path / "ds", ZONE).results)["metrics"]["intervals"]
    f7, f14 = iv["fcr_7d"]["all"], iv["fcr_14d"]["all"]
    assert (
        f"**true FCR {_pct(f7)} at 7 days and {_pct(f14)} at 14 days** (n {f7['n']:,} and"
        f" {f14['n']:,}; design effect {f7['design_effect']:.1f} and"
        f" {f14['design_effect']:.1f}) for the {iv['aht_seconds']['all']['customers']:,}"
        " identified customers"
    ) in _doc_text()


@needs_real
def test_doc_repeats_after_abandoned_vs_served(real: tuple[Path, Any]) -> None:
    out, _ = real
    ds = cxroi.load_dataset(out, ZONE)
    for w, label in ((1, "1 day"), (7, "7 days"), (14, "14 days")):
        result = outcome_repeat_rates(ds, w)
        assert isinstance(result, OutcomeRepeats)
        cells = []
        for outcome in ("abandoned", "served"):
            est = result.by_outcome[outcome]
            assert isinstance(est, Estimate) and "clustered by customer" in est.method
            cells.append(f"{_pct(est)} (n {est.n:,})")
        d = result.difference
        assert isinstance(d, Estimate)
        cells.append(
            f"{100 * d.estimate:+.1f} points [{100 * d.ci_low:+.1f}, {100 * d.ci_high:+.1f}]"
        )
        assert _doc_row(label) == cells
