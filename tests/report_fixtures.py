"""Typed results trees for the report and terminal-summary tests.

The report reads only the typed tree (:class:`cxroi.results.tree.Results`), so the fixtures are
real analyses: the demo contact centre (20,000 contacts, planted truths, default costs), the same
data with the ROI costs configured, and a tiny dataset on which most numbers cannot be computed.
Variants the data do not produce (an effect whose interval covers zero, a negative one, a weak
link that clearly raises the risk, a small cell, identifiers in labels) are made from the demo
tree with :func:`swap` (``dataclasses.replace`` along a path), so every variant is still a valid
tree. Each analysis and each rendering runs once per test process.
"""

from __future__ import annotations

import atexit
import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any

import cxroi
from cxroi.analyses.value.uncertainty import significant_figures
from cxroi.demo import generate_demo
from cxroi.report import write_report
from cxroi.results.model.agents import EarlyWarning, LeadLag
from cxroi.results.model.money import Figure, LinkVerdict
from cxroi.results.tree import Results
from helpers import write_csv

SECRETS = ("K00042", "jane.doe@example.com", "CUST-123456", "98765432")
COSTS_TOML = """
[value.roi]
implementation = 60000
licence_per_month = 3500
run_cost_per_month = 2500
"""

_CACHE: dict[str, Results] = {}
_RENDERED: dict[str, Path] = {}


def _tmp(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, True)
    return path


def _demo_data() -> Path:
    if "data" not in _RENDERED:
        data = _tmp("cxroi-report-demo-data-")
        generate_demo(data, contacts=20_000, seed=7)
        _RENDERED["data"] = data
    return _RENDERED["data"]


def _analyse(kind: str) -> Results:
    if kind == "demo":
        return cxroi.analyze(_demo_data(), cxroi.load_config(None)).results
    if kind == "configured":
        cfg = _tmp("cxroi-report-config-") / "cxroi.toml"
        cfg.write_text(COSTS_TOML, encoding="utf-8")
        return cxroi.analyze(_demo_data(), cxroi.load_config(cfg)).results
    if kind == "sparse":
        folder = _tmp("cxroi-report-sparse-")
        t = "2025-01-01T00:00:00Z"
        write_csv(folder / "customers.csv", [{"customer_id": "k1", "acquired_at": t}])
        write_csv(folder / "contacts.csv", [
            {"contact_id": f"c{i}", "customer_id": "k1", "started_at": f"2025-01-{i + 1:02d}T00:00:00Z",
             "channel": "chat", "ai_mode": "ai_only", "handle_seconds": 10, "cost": 1} for i in range(20)])
        return cxroi.analyze(folder, cxroi.load_config(None)).results
    raise KeyError(kind)


def results(kind: str) -> Results:
    """A typed tree: "demo", "configured", "sparse", or a variant of the demo (see VARIANTS)."""
    if kind in VARIANTS:
        return VARIANTS[kind](results("demo"))
    if kind not in _CACHE:
        _CACHE[kind] = _analyse(kind)
    return _CACHE[kind]  # frozen: safe to share


def rendered(kind: str) -> Path:
    """The report's three files, written once per test process for a named input."""
    if kind not in _RENDERED:
        out = _tmp(f"cxroi-report-{kind}-")
        write_report(results(kind), out, min_cell=10)
        _RENDERED[kind] = out
    return _RENDERED[kind]


def swap(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``obj`` with the node at ``path`` (attribute names, dict keys, tuple indexes) replaced."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(obj, dict):
        return {**obj, head: swap(obj[head], rest, value)}
    if isinstance(obj, tuple):
        items = list(obj)
        items[head] = swap(obj[head], rest, value)
        return tuple(items)
    return dataclasses.replace(obj, **{head: swap(getattr(obj, head), rest, value)})


def get(obj: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        obj = obj[step] if isinstance(obj, (dict, tuple)) else getattr(obj, step)
    return obj


def moved(r: Results, path: tuple[Any, ...], estimate: float, low: float, high: float, **extra: Any) -> Results:
    """``r`` with the estimate at ``path`` given a new point and interval (its other fields kept).

    A money or scenario figure's ``significant_figures`` is recomputed for the new interval with
    the value analyses' own rule, as the analyses would have set it: a stale precision from the
    demo's interval would not describe the variant.
    """
    old = get(r, path)
    if isinstance(old, Figure) and "significant_figures" not in extra:
        extra["significant_figures"] = significant_figures(estimate, low, high)
    return swap(r, path, dataclasses.replace(old, estimate=estimate, ci_low=low, ci_high=high, **extra))


PROTECTED = ("value", "revenue_protected_12m")
INCREMENTAL = ("value", "generated", "incremental")
ATT = ("retention", "delta_12m_att")
ATE = ("retention", "delta_12m_adjusted")


def clear(r: Results) -> Results:
    """Revenue protected and the retention effects clearly positive; the agent lead significant."""
    r = moved(r, PROTECTED, 750_000.0, 300_000.0, 1_200_000.0)
    r = moved(r, ATT, 0.04, 0.025, 0.055)
    r = moved(r, ATE, 0.047, 0.029, 0.065)
    ll = r.agents.lead_lag
    assert isinstance(ll, LeadLag)
    return swap(r, ("agents", "lead_lag"), dataclasses.replace(ll, significant=True, p_adjusted=0.03,
                                                                ci_low=0.19, ci_high=0.5))


def inconclusive(r: Results) -> Results:
    """Every effect's interval straddles zero, and the agent lead is not significant."""
    r = moved(r, PROTECTED, 200_000.0, -300_000.0, 700_000.0)
    r = moved(r, INCREMENTAL, 40_000.0, -20_000.0, 100_000.0)
    r = moved(r, ATT, 0.01, -0.01, 0.03)
    r = moved(r, ATE, 0.01, -0.012, 0.034)
    ll = r.agents.lead_lag
    assert isinstance(ll, LeadLag)
    return swap(r, ("agents", "lead_lag"), dataclasses.replace(ll, significant=False, p_adjusted=0.4,
                                                                ci_low=-0.1, ci_high=0.3))


def negative(r: Results) -> Results:
    r = moved(r, PROTECTED, -400_000.0, -700_000.0, -100_000.0)
    return moved(r, ATT, -0.02, -0.03, -0.01)


def weak_link(r: Results) -> Results:
    """The first weak link clearly raises revenue at risk."""
    path = ("value", "risk", "links", 0)
    part = get(r, path)
    part = dataclasses.replace(part, verdict=LinkVerdict.RAISES_RISK, customers=5_000, small_cell=False,
                               attributable=dataclasses.replace(part.attributable, estimate=150_000.0,
                                                                ci_low=90_000.0, ci_high=210_000.0))
    r = swap(r, path, part)
    return moved(r, ("value", "risk", "chain_weakness"), 160_000.0, 80_000.0, 240_000.0)


def small_hybrid(r: Results) -> Results:
    """Seven hybrid contacts: every hybrid cell must be suppressed."""
    return swap(r, ("metrics", "counts", "contacts", "hybrid"), 7)


def with_identifiers(r: Results) -> Results:
    """Labels and messages carrying customer-id-like strings that must never reach the report."""
    alert = dataclasses.replace(r.alerts[0], message="Customer K00042 (jane.doe@example.com) came back 9 times")
    r = swap(r, ("alerts", 0), alert)
    by_channel = dict(r.metrics.by_channel)
    by_channel["CUST-123456"] = by_channel.pop("chat")
    r = swap(r, ("metrics", "by_channel"), by_channel)
    warning = EarlyWarning(kind="agent_experience_drop", period="2025-W52", metric="csat",
                           message="Account 98765432 escalated", index=-1.0, baseline=0.0, drop_sd=1.0)
    return swap(r, ("agents", "early_warnings"), (warning,))


VARIANTS = {
    "clear": clear,
    "inconclusive": inconclusive,
    "negative": negative,
    "weak_link": weak_link,
    "small_hybrid": small_hybrid,
    "identifiers": with_identifiers,
}
