"""Novice agents and AI assistance: planted truth 7 (handle time), applied after routing.

An agent in their first ``AGENT_NOVICE_DAYS`` handles a contact ``NOVICE_HANDLE_FACTOR`` times
slower; on an AI-assisted contact (hybrid, with an agent) handling is multiplied by
``ASSIST_HANDLE_FACTOR_NOVICE`` or ``..._EXPERIENCED``. This is a deterministic rescaling of the
drawn handle times (no new random draws, so every other table keeps its draws); cost follows
handle time as in ``_contacts``. Resolution is untouched: it does not depend on the agent.
"""

from __future__ import annotations

from dataclasses import dataclass

from dataclasses import replace

import numpy as np

from cxroi.demo import _params as P
from cxroi.demo._agents import Staff
from cxroi.demo._arrow import BoolArray, FloatArray
from cxroi.demo._contacts import HUMAN, HYBRID, Contacts


def novice_at_contact(contacts: Contacts, staff: Staff) -> BoolArray:
    """The contact's agent was in their first AGENT_NOVICE_DAYS (False without an agent)."""
    has = contacts.agent >= 0
    hired = staff.hire_day[np.maximum(contacts.agent, 0)]
    tenure_days = contacts.sec / P.DAY_S - hired
    novice: BoolArray = has & (tenure_days < P.AGENT_NOVICE_DAYS)
    return novice


def _assist_factor(novice: BoolArray) -> FloatArray:
    factor: FloatArray = np.where(
        novice, P.ASSIST_HANDLE_FACTOR_NOVICE, P.ASSIST_HANDLE_FACTOR_EXPERIENCED
    )
    return factor


def _cost(mode: np.ndarray, handle: FloatArray) -> FloatArray:
    # the same cost rule as ``_contacts.draw_contacts``: fixed + variable x capped handle share
    cap = np.asarray(P.COST_HANDLE_CAP_BY_MODE)[mode]
    cost = np.asarray(P.COST_FIXED_BY_MODE)[mode] + np.asarray(P.COST_VARIABLE_BY_MODE)[
        mode
    ] * np.minimum(handle / cap, 1.0)
    rounded: FloatArray = np.round(cost, 2)
    return rounded


def apply_agent_experience(contacts: Contacts, staff: Staff) -> Contacts:
    """Contacts with handle time (and cost) rescaled by agent novelty and AI assistance."""
    c = contacts
    novice = novice_at_contact(c, staff)
    assisted = (c.agent >= 0) & (c.mode == HYBRID)
    factor = np.where(novice, P.NOVICE_HANDLE_FACTOR, 1.0) * np.where(
        assisted, _assist_factor(novice), 1.0
    )
    handle = np.maximum(np.round(c.handle * factor), 10.0)
    return replace(c, handle=handle, cost=_cost(c.mode, handle))


@dataclass(frozen=True)
class AssistSums:
    """Per agent group: assisted contacts, Σ(expected with AI − without), Σ with AI, Σ without.

    Sums add up block by block, so the truth of a generated dataset does not depend on how its
    customers were split into blocks.
    """

    contacts: tuple[float, float] = (0.0, 0.0)  # (novice, experienced)
    difference: tuple[float, float] = (0.0, 0.0)
    with_ai: tuple[float, float] = (0.0, 0.0)
    without: tuple[float, float] = (0.0, 0.0)

    def __add__(self, o: AssistSums) -> AssistSums:
        def add(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
            return (a[0] + b[0], a[1] + b[1])

        return AssistSums(
            add(self.contacts, o.contacts),
            add(self.difference, o.difference),
            add(self.with_ai, o.with_ai),
            add(self.without, o.without),
        )

    def truth(self) -> dict[str, dict[str, float]]:
        """``seconds``: mean effect over the group's assisted contacts; ``relative``: ratio of the
        summed expectations minus one."""
        out: dict[str, dict[str, float]] = {"seconds": {}, "relative": {}, "contacts": {}}
        for k, group in enumerate(("novice", "experienced")):
            n = self.contacts[k]
            out["seconds"][group] = self.difference[k] / n if n else 0.0
            out["relative"][group] = self.with_ai[k] / self.without[k] - 1.0 if n else 0.0
            out["contacts"][group] = n
        return out


def assist_handle_sums(contacts: Contacts, staff: Staff) -> AssistSums:
    """Expected handle-time effect of AI assistance on the assisted contacts, by agent group.

    Per assisted contact, E[handle | assisted] - E[handle | same contact, human-only] =
    exp(sigma^2/2) x intent factor x novice factor x (hybrid median x assist factor - human
    median), summed per group (the floor of 10 s and rounding are ignored).
    """
    c = contacts
    novice = novice_at_contact(c, staff)
    assisted = (c.agent >= 0) & (c.mode == HYBRID)
    intent = np.where(
        c.intent >= 0, np.asarray(P.HANDLE_FACTOR_BY_INTENT)[np.maximum(c.intent, 0)], 1.0
    )
    scale = np.exp(P.HANDLE_SIGMA**2 / 2) * intent * np.where(novice, P.NOVICE_HANDLE_FACTOR, 1.0)
    medians = np.asarray(P.HANDLE_MEDIAN_BY_MODE)
    with_ai = scale * medians[HYBRID] * _assist_factor(novice)
    without = scale * medians[HUMAN]
    first, second = assisted & novice, assisted & ~novice

    def both(values: np.ndarray) -> tuple[float, float]:
        return float(values[first].sum()), float(values[second].sum())

    return AssistSums(both(np.ones(c.n)), both(with_ai - without), both(with_ai), both(without))
