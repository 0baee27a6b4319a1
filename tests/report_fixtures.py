"""Synthetic results.json dicts for the report tests.

The numbers are FAKE and round on purpose (nobody should mistake them for findings); the shapes
follow results-contract.md and the keys the retention, value, agents and stack analyses add. Each
builder returns a fresh dict, so a test may mutate it.
"""

from __future__ import annotations

import atexit
import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any

MODES = ("ai_only", "hybrid", "human_only", "all")


def est(x: float, lo: float | None, hi: float | None, n: int | None = 1000, method: str = "wilson") -> dict[str, Any]:
    out: dict[str, Any] = {"estimate": x, "ci_low": lo, "ci_high": hi, "method": method}
    if n is not None:
        out["n"] = n
    return out


def _per_mode(values: tuple[float, float, float, float], width: float, n: tuple[int, int, int, int], method: str) -> tuple[dict[str, Any], dict[str, Any]]:
    plain = dict(zip(MODES, values))
    detail = {m: est(v, v - width, v + width, k, method) for m, v, k in zip(MODES, values, n)}
    return plain, detail


def metrics() -> dict[str, Any]:
    n_contacts = (10000, 8000, 20000, 38000)
    n_surveys = (1500, 1200, 3000, 5700)
    out: dict[str, Any] = {"intervals": {}}
    spec = {
        "fcr_7d": ((0.70, 0.80, 0.85, 0.80), 0.01, n_contacts, "wilson"),
        "fcr_14d": ((0.65, 0.75, 0.80, 0.75), 0.01, n_contacts, "wilson"),
        "cost_per_contact": ((0.30, 2.00, 6.00, 3.80), 0.02, n_contacts, "t"),
        "cost_per_resolution_7d": ((0.50, 2.50, 7.50, 5.00), 0.05, n_contacts, "delta"),
        "cost_per_resolution_14d": ((0.55, 2.70, 7.80, 5.20), 0.05, n_contacts, "delta"),
        "aht_seconds": ((200.0, 600.0, 700.0, 550.0), 5.0, n_contacts, "t"),
        "csat": ((0.60, 0.75, 0.72, 0.70), 0.02, n_surveys, "wilson"),
        "csat_mean": ((3.7, 4.0, 3.9, 3.9), 0.05, n_surveys, "t"),
        "nps": ((20.0, 30.0, 28.0, 26.0), 6.0, n_surveys, "trinomial normal"),
        "ces": ((5.5, 5.4, 5.9, 5.7), 0.1, n_surveys, "t"),
    }
    for name, (vals, width, n, method) in spec.items():
        out[name], out["intervals"][name] = _per_mode(vals, width, n, method)
    out["containment_rate"] = 0.70
    out["intervals"]["containment_rate"] = est(0.70, 0.69, 0.71, 14000)
    out["false_containment_7d"] = 0.30
    out["intervals"]["false_containment_7d"] = est(0.30, 0.29, 0.31, 10000)
    out["post_ai_nps"] = 25.0
    out["intervals"]["post_ai_nps"] = est(25.0, 20.0, 30.0, 2700, "trinomial normal")
    out["ces_by_channel"] = {"chat": 5.5, "voice": 5.9, "email": 5.7}
    block = lambda c, n_, e: {
        "csat": est(c, c - 0.03, c + 0.03, n_), "nps": est(n_ / 100.0, n_ / 100.0 - 8, n_ / 100.0 + 8, n_, "trinomial normal"),
        "ces": est(e, e - 0.1, e + 0.1, n_, "t"),
    }
    out["by_channel"] = {"chat": block(0.68, 2000, 5.5), "voice": block(0.72, 3000, 5.9),
                         "email": block(0.70, 600, 5.7), "fax": block(0.50, 6, 4.0)}
    out["by_touchpoint"] = {"chatbot": block(0.66, 1500, 5.4), "agent_assist": block(0.74, 800, 5.8),
                            "none": block(0.72, 3000, 5.9)}
    out["relationship_surveys"] = {"nps": est(-10.0, -14.0, -6.0, 1200, "trinomial normal")}
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    out["csat_delta_hybrid_vs_human_monthly"] = [
        {"month": mo, "estimate": 0.03, "ci_low": -0.02 if i % 3 else 0.01, "ci_high": 0.08,
         "method": "newcombe hybrid score", "n_hybrid": 100 if i != 4 else 5, "n_human_only": 200}
        for i, mo in enumerate(months)
    ]
    out["monthly"] = [
        {"month": mo, "contacts": 3000,
         "containment_rate": est(0.80 if mo in ("2025-03", "2025-04", "2025-05") else 0.70, 0.68, 0.82, 1200),
         "fcr_7d": est(0.72 if mo in ("2025-03", "2025-04", "2025-05") else 0.80, 0.70, 0.82, 2500),
         "false_containment_7d": est(0.40 if mo in ("2025-03", "2025-04", "2025-05") else 0.30, 0.28, 0.42, 800)}
        for mo in months
    ]
    out["counts"] = {"contacts": dict(zip(MODES, n_contacts)), "escalated": {"hybrid": 3000, "all": 3000}, "cost_modelled": 0}
    out["windows_days"] = [7, 14]
    return out


def curve(start: float, slope: float, n0: int) -> list[dict[str, Any]]:
    pts = []
    for day in range(0, 400, 30):
        s = start - slope * day
        pts.append({"day": day, "survival": s, "ci_low": s - 0.02, "ci_high": s + 0.02, "at_risk": max(n0 - 8 * day, 0)})
    return pts


def full_results() -> dict[str, Any]:
    """Every section filled, effects clear (intervals exclude zero)."""
    return {
        "schema_version": "1.0.0",
        "cxroi_version": "0.0.0-test",
        "as_of": "2025-12-31T23:59:00Z",
        "currency": "USD",
        "dataset": {"rows": {"contacts": 38000, "customers": 5000, "surveys": 5700, "revenue": 900,
                             "opportunities": 400, "agents": 20, "agent_pulse": 800, "qa_reviews": 300},
                    "quarantined": {"contacts": 12}},
        "metrics": metrics(),
        "retention": {
            "retention_12m": {"ai_assisted": est(0.84, 0.82, 0.86, 2500, "kaplan-meier"),
                              "human_only": est(0.80, 0.78, 0.82, 2500, "kaplan-meier")},
            "delta_12m_naive": est(0.04, 0.02, 0.06, 5000, "kaplan-meier difference"),
            "delta_12m_adjusted": {**est(0.02, 0.01, 0.03, 5000, "aipw"),
                                   "estimand": "average effect on 12-month retention over analysed customers (ATE)"},
            "curves": {"ai_assisted": curve(1.0, 0.0004, 2500), "human_only": curve(1.0, 0.0005, 2500)},
        },
        "value": {
            "clv": est(2000.0, 1800.0, 2200.0, 5000, "sbg"),
            "revenue_protected": est(1_000_000.0, 500_000.0, 1_500_000.0, 5000, "delta x clv"),
            "revenue_generated": est(300_000.0, 100_000.0, 500_000.0, 400, "conversion lift"),
            "revenue_at_risk": {**est(400_000.0, 300_000.0, 500_000.0, 5000, "exposure"),
                                "by_link": {"sentiment": est(250_000.0, 150_000.0, 350_000.0, 5000),
                                            "resolution": est(150_000.0, 100_000.0, 200_000.0, 5000)}},
            "what_if_stopped": {"extra_cost": est(2_000_000.0, 1_800_000.0, 2_200_000.0),
                                "extra_agents": est(40.0, 35.0, 45.0), "extra_handle_hours": est(60_000.0, 55_000.0, 65_000.0),
                                "revenue_protected_lost": est(1_000_000.0, 500_000.0, 1_500_000.0), "horizon": "12 months"},
            "roi": est(2.5, 1.5, 3.5, None, "benefit over cost"),
        },
        "agents": {
            "lead_lag": {"metric": "csat", "agent_metric": "pulse score", "best_lag_days": 70, "correlation": 0.5,
                         "ci_low": 0.3, "ci_high": 0.7, "n": 80,
                         "by_lag": [{"lag_days": d, "correlation": 0.5 - abs(d - 70) / 200, "ci_low": 0.3 - abs(d - 70) / 200,
                                     "ci_high": 0.7 - abs(d - 70) / 200} for d in range(0, 121, 14)]},
            "index": [{"month": f"2025-{m:02d}", "index": 60.0 + (m % 4)} for m in range(1, 13)],
            "early_warnings": [{"period": "2025-09", "team": "Team North", "metric": "pulse",
                                "message": "Agent pulse fell two months running in Team North"}],
        },
        "alerts": [
            {"kind": "containment_masking", "period": "2025-04", "metric": "containment_rate",
             "message": "Containment rose while true FCR fell", "owner": "Head of Digital", "action": "Review bot escalation rules"},
            {"kind": "agent_early_warning", "period": "2025-09", "metric": "pulse",
             "message": "Agent pulse fell two months running", "owner": "Head of Workforce", "action": "Coaching and load review"},
        ],
        "stack": [
            {"metric": "ces", "value": 5.7, "owner": "CX Director", "trigger": "below 5.5 for a month", "action": "Fix top effort driver", "fired": False},
            {"metric": "fcr_7d", "value": 0.80, "unit": "fraction", "owner": "Head of Operations", "trigger": "below 0.78", "action": "Audit repeat intents", "fired": False},
            {"metric": "post_ai_nps", "value": 25.0, "unit": "nps", "owner": "Head of Digital", "trigger": "drop of 5 points", "action": "Review bot journeys", "fired": True},
            {"metric": "retention_delta", "value": 0.02, "unit": "pp", "owner": "CFO", "trigger": "interval includes 0", "action": "Pause expansion", "fired": False},
        ],
        "chain": {
            "chatbot": {"effort": {"status": "positive", "metric": "CES"}, "resolution": {"status": "negative", "metric": "FCR 7d"},
                        "sentiment": {"status": "inconclusive"}, "behaviour": {"status": "unknown"}},
            "agent_assist": {"effort": {"status": "positive"}, "resolution": {"status": "positive"},
                             "sentiment": {"status": "positive"}, "behaviour": {"status": "positive"}},
        },
        "audit": [
            {"outcome": "retention", "status": "measured", "gap": "", "unlock": ""},
            {"outcome": "revenue per retained customer", "status": "gap", "gap": "no revenue by customer", "unlock": "add the revenue table"},
        ],
    }


def inconclusive_results() -> dict[str, Any]:
    """The same, with every effect's interval straddling zero."""
    r = full_results()
    r["retention"]["delta_12m_adjusted"] = est(0.01, -0.01, 0.03, 5000, "aipw")
    r["value"]["revenue_protected"] = est(200_000.0, -300_000.0, 700_000.0, 5000)
    r["value"]["what_if_stopped"]["revenue_protected_lost"] = est(200_000.0, -300_000.0, 700_000.0, 5000)
    r["value"]["revenue_generated"] = est(40_000.0, -20_000.0, 100_000.0, 400)
    r["value"]["roi"] = est(0.2, -0.4, 0.8, None)
    ll = r["agents"]["lead_lag"]
    ll.update({"correlation": 0.1, "ci_low": -0.1, "ci_high": 0.3})
    return r


def sparse_results() -> dict[str, Any]:
    """Only the exact metrics, every later section null with a note (today's results.json)."""
    r = full_results()
    pending = "not computed by this version of cxroi (planned: {})"
    r["retention"] = {k: None for k in ("retention_12m", "delta_12m_naive", "delta_12m_adjusted")}
    r["retention"].update({f"{k}_note": pending.format("retention") for k in list(r["retention"])})
    r["value"] = {k: None for k in ("clv", "revenue_protected", "revenue_generated", "revenue_at_risk", "what_if_stopped")}
    r["value"].update({f"{k}_note": pending.format("value") for k in list(r["value"])})
    r["agents"] = {"lead_lag": None, "lead_lag_note": pending.format("agents")}
    r["alerts"] = None
    r["alerts_note"] = pending.format("alerts")
    for k in ("stack", "chain", "audit"):
        del r[k]
    return r


SECRETS = ("K00042", "jane.doe@example.com", "CUST-123456", "98765432")


def with_identifiers() -> dict[str, Any]:
    """Labels and messages carrying customer-id-like strings that must never reach the report."""
    r = sparse_results()
    full = full_results()
    r["alerts"] = copy.deepcopy(full["alerts"])
    r["alerts"][0]["message"] = "Customer K00042 (jane.doe@example.com) came back 9 times"
    r["metrics"]["by_channel"]["CUST-123456"] = r["metrics"]["by_channel"].pop("chat")
    r["agents"] = {"lead_lag": None, "early_warnings": [{"period": "2025-09", "message": "Account 98765432 escalated"}]}
    return r


_RENDERED: dict[str, Path] = {}


def rendered(kind: str) -> Path:
    """The report written once per test process for a named input: full, sparse, identifiers, demo."""
    if kind not in _RENDERED:
        from cxroi.report import write_report

        out = Path(tempfile.mkdtemp(prefix=f"cxroi-report-{kind}-"))
        atexit.register(shutil.rmtree, out, True)
        write_report(results(kind), out, min_cell=10)
        _RENDERED[kind] = out
    return _RENDERED[kind]


_DEMO: dict[str, Any] = {}


def results(kind: str) -> dict[str, Any]:
    if kind == "demo":
        if "r" not in _DEMO:
            import cxroi
            from cxroi.demo import generate_demo

            data = Path(tempfile.mkdtemp(prefix="cxroi-report-demo-data-"))
            atexit.register(shutil.rmtree, data, True)
            generate_demo(data, contacts=20_000, seed=7)
            _DEMO["r"] = cxroi.analyze(data, cxroi.load_config(None)).results
        return copy.deepcopy(_DEMO["r"])
    return {"full": full_results, "sparse": sparse_results, "identifiers": with_identifiers,
            "inconclusive": inconclusive_results}[kind]()


def analyses_shaped_results() -> dict[str, Any]:
    """full_results with the sections laid out the way cxroi's analyses write them (fake numbers)."""
    r = full_results()
    ret = r["retention"]
    ret["curves"] = {"by_index_group": {g: {"n": 2500, "points": pts} for g, pts in ret["curves"].items()},
                     "horizon_days": 365, "min_cell": 10}
    r["value"]["revenue_at_risk"]["by_link"] = {
        "unresolved_ai": est(120_000.0, 90_000.0, 150_000.0), "negative_sentiment": est(20_000.0, 10_000.0, 30_000.0),
        "none": est(600_000.0, 500_000.0, 700_000.0)}
    r["value"]["roi"]["payback_months"] = {"estimate": 4.5, "ci_low": 3.0, "ci_high": 8.0}
    r["value"]["what_if_stopped"]["extra_agents"] = est(0.0, 0.0, 0.0)
    r["agents"]["index"] = {"scale": "z-scores", "monthly": [
        {"period": f"2025-{m:02d}", "index": (m - 6) / 10, "partial": False} for m in range(1, 13)]}
    ll = r["agents"]["lead_lag"]
    ll["ccf"] = [{"lag_days": d["lag_days"], "correlation": d["correlation"]} for d in ll.pop("by_lag")]
    r["chain"] = {"baseline": "human_only contacts with touchpoint none (no AI)", "touchpoints": {
        "chatbot": {"contacts": 5000, "links": {
            "effort": {"status": "negative", "measures": {"ces": est(-0.4, -0.6, -0.2)}},
            "resolution": {"status": "negative", "measures": {"fcr_7d": est(-0.11, -0.12, -0.10)}},
            "sentiment": {"status": "negative", "measures": {"csat": est(0.003, -0.01, 0.02),
                                                             "sentiment_shift": est(-0.05, -0.08, -0.02)}},
            "behaviour": {"status": "positive", "measures": {"retention": est(0.10, 0.07, 0.13)}}}},
        "proactive": {"contacts": 0, "links": {k: {"status": "unknown", "measures": {}}
                                               for k in ("effort", "resolution", "sentiment", "behaviour")}}},
        "priorities": [{"touchpoint": "proactive", "link": "effort", "unlock": "CES answers on proactive contacts"}]}
    r["stack"] = {"fired": [], "cannot_evaluate": [], "metrics": [
        {"id": "fcr_ai", "name": "First-contact resolution of AI-only contacts (7 days)", "owner": "Head of Digital Care",
         "state": "not_fired", "value": 0.69, "triggers": [
             {"when": "stack.monthly[*].fcr_7d.ai_only.ci_high < 0.70 for 2 months", "action": "review bot escalation paths",
              "fired_months": ["2025-04", "2025-05"], "state": "not_fired"}]},
        {"id": "post_ai_nps", "name": "Post-AI-interaction NPS", "owner": "VP Customer Experience", "state": "fired",
         "value": 25.0, "triggers": [{"when": "metrics.post_ai_nps.ci_high < 20", "action": "fix the weakest AI journey"}]},
        {"id": "retention_delta", "name": "12-month retention delta (adjusted)", "owner": "VP Customer Success",
         "state": "cannot_evaluate", "value": 0.02, "triggers": []}]}
    r["audit"] = {"debt": [{"priority": 1, "item": "proactive: every link unknown", "action": "measure proactive"}],
                  "outcomes": {"retention": {"status": "measurable"}, "revenue": {"status": "no_path"}},
                  "outcomes_without_measurement_path": ["revenue"]}
    r["masking"] = {"flagged_months": ["2025-03", "2025-04"]}
    return r
