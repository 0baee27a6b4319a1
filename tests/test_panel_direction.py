"""Outbound contacts stay out of the stack's monthly panel and the masking series (docs/metrics.md:
only inbound contacts enter the resolution and containment denominators).

A small demo is analysed twice: as generated, and with outbound copies of its ai_only and
escalated contacts planted among them (no survey answers on the copies, so survey cells cannot
move either). Every number of ``stack.monthly`` and every masking series must be identical, while
a count over both directions (the old definition) does move.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxroi
from cxroi.analyses.panel import Panel, build_panel
from cxroi.analyses.stack.run import stack_monthly
from cxroi.demo import generate_demo
from cxroi.stats.result import Estimate

N_CONTACTS, SEED, PLANTED = 6_000, 11, 600


def _plant_outbound(source: Path, target: Path) -> int:
    """Copy ``source`` to ``target`` with outbound twins of bot-entry contacts; returns how many."""
    shutil.copytree(source, target)
    contacts = pd.read_parquet(source / "contacts.parquet")
    bot = (contacts["ai_mode"] == "ai_only") | contacts["escalated"].astype(bool)
    rng = np.random.default_rng(SEED)
    picked = contacts[bot].sample(n=PLANTED, random_state=rng).copy()
    # an hour later, never after the last contact (as_of and eligibility stay as they were)
    picked["started_at"] = picked["started_at"] + pd.Timedelta(hours=1)
    picked = picked[picked["started_at"] < contacts["started_at"].max()]
    picked["contact_id"] = "OUT" + picked["contact_id"].astype(str)
    picked["direction"] = "outbound"
    planted = pd.concat([contacts, picked], ignore_index=True)
    planted.to_parquet(target / "contacts.parquet", index=False)
    return len(picked)


@pytest.fixture(scope="module")
def panels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Panel, Panel, Any, int]:
    base = tmp_path_factory.mktemp("direction")
    generate_demo(base / "plain", contacts=N_CONTACTS, seed=SEED)
    planted = _plant_outbound(base / "plain", base / "planted")
    plain_ds, planted_ds = cxroi.load_dataset(base / "plain"), cxroi.load_dataset(base / "planted")
    exact = cxroi.compute_exact_metrics(planted_ds)
    return build_panel(plain_ds), build_panel(planted_ds), exact, planted


def test_the_planted_contacts_are_outbound_bot_entry_contacts(
    panels: tuple[Panel, Panel, Any, int],
) -> None:
    plain, planted, _, n = panels
    assert n > 500
    outbound = planted.total(lambda k: not k.inbound)
    before = plain.total(lambda k: not k.inbound)  # the demo has a few outbound contacts itself
    assert outbound.contacts == before.contacts + n
    assert outbound.escalated > before.escalated
    assert planted.total(lambda k: not k.inbound and k.mode == "ai_only").contacts > 0

    # counted over both directions (the old definition), containment would have moved
    def both(p: Panel, month: str) -> float:
        cells = p.total(lambda k: k.month == month)
        ai = p.total(lambda k: k.month == month and k.mode == "ai_only").contacts
        return ai / (ai + cells.escalated)

    assert any(both(plain, m) != both(planted, m) for m in plain.months)


def test_outbound_contacts_change_nothing_in_the_stack_monthly_panel(
    panels: tuple[Panel, Panel, Any, int],
) -> None:
    plain, planted, _, _ = panels
    assert stack_monthly(planted, 10) == stack_monthly(plain, 10)
    assert len(stack_monthly(plain, 10)) == 24


def test_outbound_contacts_change_nothing_in_the_masking_series(
    panels: tuple[Panel, Panel, Any, int],
) -> None:
    plain, planted, _, _ = panels
    assert plain.masking is not None and plain.masking.containment is not None
    assert planted.masking == plain.masking


def test_stack_containment_is_the_metrics_monthly_containment(
    panels: tuple[Panel, Panel, Any, int],
) -> None:
    _, planted, exact, _ = panels
    ours = {row.month: row.containment_rate for row in stack_monthly(planted, 10)}
    theirs = dict(exact.monthly)
    assert set(ours) == set(theirs)
    for month, estimate in ours.items():
        reference = theirs[month]["containment_rate"]
        assert isinstance(estimate, Estimate) and isinstance(reference, Estimate)
        assert estimate.estimate == pytest.approx(reference.estimate, rel=1e-12)
        assert estimate.n == reference.n
    # and the masking series' containment level is the same share
    assert planted.masking is not None and planted.masking.containment is not None
    series = planted.masking.containment
    for month, level in zip(series.months, series.level):
        reference = theirs[month]["containment_rate"]
        assert isinstance(reference, Estimate)
        assert level == pytest.approx(reference.estimate, rel=1e-12)
