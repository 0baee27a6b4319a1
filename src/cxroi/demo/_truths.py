"""The planted truths of a demo dataset, as written to ``truths.json``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DemoTruths:
    """Everything the demo planted, for estimators to be checked against.

    Rates are shares in [0, 1]; retention values are survival probabilities at 365 days after
    the index contact. Field meanings are documented in ``cxroi.demo.generator``.
    """

    seed: int
    contacts_requested: int
    window_start: str
    window_end: str
    as_of: str
    # 5. exact counts
    row_counts: dict[str, int]
    contacts_by_mode: dict[str, int]
    # inbound / outbound (agents' call-backs; every outbound contact is human_only)
    contacts_by_direction: dict[str, int]
    escalated_contacts: int
    containment_rate: float
    containment_by_month: dict[str, float]
    # 1. retention
    hazard_ratio: float
    retention_effect_12m: float
    retention_effect_12m_exposed: float  # the ATT: the target of retention.delta_12m_att
    months_active_gain_12m_exposed: float
    revenue_protected_12m: float
    retention_12m_all_ai_assisted: float
    retention_12m_all_human_only: float
    naive_delta_12m_uncensored: float
    naive_bias_sign: int
    analysed_customers: int
    exposed_customers: int
    retention_covariates: tuple[str, ...]
    # 2. containment masking
    masking_months: tuple[str, ...]
    masking_contained_escalation_share: dict[str, float]
    masked_contacts: int
    true_unresolved_rate_by_mode: dict[str, float]
    true_resolved_share_by_mode: dict[str, float]
    # 3. agent experience
    agent_lead_days: int
    agent_latent_weekly: dict[str, float]
    # 4. conversion
    opportunity_win_rate_ai_assisted: float
    opportunity_win_rate_human_only: float
    opportunities_closed: dict[str, int]
    opportunities_won: dict[str, int]
    recurring_revenue: str
    notes: dict[str, str]
    # 6. revenue generated (incremental over human handling), by month of the contact
    ai_sales_effect: bool
    revenue_generated_incremental_12m: float
    revenue_generated_incremental_parts_12m: dict[str, float]
    revenue_generated_incremental_monthly: dict[str, float]
    revenue_generated_window: tuple[str, ...]
    # 7. novice agents and AI assistance (handle time of assisted contacts)
    agent_novice_days: int
    assist_handle_effect_seconds: dict[str, float]
    assist_handle_effect_relative: dict[str, float]
    assist_resolution_gap_novice_minus_experienced: float
    # 8. revenue at risk: recurring revenue active customers lose in the next 12 months
    revenue_at_risk_12m: float
    revenue_at_risk_link_effects: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DemoTruths:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"truths.json has unknown keys: {sorted(unknown)}")
        values = dict(data)
        for key in ("retention_covariates", "masking_months", "revenue_generated_window"):
            values[key] = tuple(values[key])
        return cls(**values)

    @classmethod
    def load(cls, path: Path) -> DemoTruths:
        """Read ``truths.json`` (or the ``truths.json`` inside a demo folder)."""
        p = Path(path)
        if p.is_dir():
            p = p / "truths.json"
        return cls.from_dict(json.loads(p.read_text(encoding="utf-8")))
