"""The cost model: what a contact costs when the dataset does not say (``[cost_model.<mode>]``).

Every modelled cost is a default assumption until configured; ``results.json`` says how many
contacts were priced by the model (``metrics.counts.cost_modelled``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModeCost:
    """Cost of one contact when the dataset has none: ``per_contact + per_minute × minutes``."""

    per_contact: float
    per_minute: float


def default_costs() -> dict[str, ModeCost]:
    # Seed-article benchmarks: about $0.20 per AI-handled interaction and $5.50 per human call;
    # a human minute at ~$0.85 gives ~$5.50 for a 6.5-minute call.
    return {
        "ai_only": ModeCost(per_contact=0.20, per_minute=0.0),
        "hybrid": ModeCost(per_contact=0.20, per_minute=0.85),
        "human_only": ModeCost(per_contact=0.0, per_minute=0.85),
    }


@dataclass(frozen=True)
class CostModel:
    by_mode: dict[str, ModeCost] = field(default_factory=default_costs)
