"""The root of the typed results tree: every section of ``results.json``, one field each.

The layout is the results contract (docs/results.md). The serialiser and the loader
(:mod:`cxroi.results.files`) and the JSON Schema (:mod:`cxroi.results.schema`) all read these
declarations, so results.json is written down once, here and in the section modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.results.model.agents import AgentsSection
from cxroi.results.model.dataset import ConfigEcho, DatasetSection
from cxroi.results.model.governance import Alert, AuditSection, StackSection
from cxroi.results.model.loyalty import ChainSection, EscalationSection
from cxroi.results.model.masking import MaskingSection
from cxroi.results.model.metrics import MetricsSection
from cxroi.results.model.retention import RetentionSection
from cxroi.results.model.value import ValueSection
from cxroi.results.model.workforce import WorkforceResult

# major.minor.patch: a new major version is a layout a 1.x reader cannot read
SCHEMA_VERSION = "2.0.0"


@dataclass(frozen=True, kw_only=True)
class Measured:
    """Everything the analyses measure, before the stack judges it (triggers read these)."""

    dataset: DatasetSection
    metrics: MetricsSection
    retention: RetentionSection
    value: ValueSection
    agents: AgentsSection
    workforce: WorkforceResult
    masking: MaskingSection
    escalation_quality: EscalationSection
    chain: ChainSection


@dataclass(frozen=True, kw_only=True)
class Results:
    """results.json: the numbers of one analysis of one dataset."""

    schema_version: str
    contract_version: str
    cxroi_version: str
    as_of: str
    currency: str
    config: ConfigEcho
    dataset: DatasetSection
    metrics: MetricsSection
    retention: RetentionSection
    value: ValueSection
    agents: AgentsSection
    workforce: WorkforceResult
    masking: MaskingSection
    escalation_quality: EscalationSection
    chain: ChainSection
    stack: StackSection
    audit: AuditSection
    alerts: tuple[Alert, ...]
