"""What a stack trigger can read: every measured section, and the stack's own monthly panel.

Triggers are evaluated after the analyses and before the stack's own verdicts exist, so their
scope is the measured results (:class:`~cxroi.results.tree.Measured`) plus ``stack.monthly``.
References into it are typed (:mod:`cxroi.results.refs`): checked against these declarations
when the configuration is read, resolved on the typed objects when the stack is evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.results.model.governance import StackMonth
from cxroi.results.tree import Measured


@dataclass(frozen=True)
class StackPanel:
    monthly: tuple[StackMonth, ...]


@dataclass(frozen=True, kw_only=True)
class TriggerScope(Measured):
    stack: StackPanel
