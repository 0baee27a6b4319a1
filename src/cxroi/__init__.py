"""cxroi: the return on AI in contact centres, measured by retention, loyalty and revenue.

The public API is what this module exports; everything else is private and may change.
"""

from cxroi._version import __version__
from cxroi.config import Config, load_config
from cxroi.metrics.cost_model import CostModel, ModeCost
from cxroi.errors import ConfigError, ContractError, CxroiInputError, Problem
from cxroi.io.dataset import Dataset, ValidationReport, load_dataset
from cxroi.metrics.exact import ExactMetrics, compute_exact_metrics
from cxroi.pipeline import Analysis, analyze
from cxroi.stats.result import CannotCompute, Estimate

__all__ = [
    "Analysis",
    "CannotCompute",
    "Config",
    "ConfigError",
    "ContractError",
    "CostModel",
    "CxroiInputError",
    "Dataset",
    "Estimate",
    "ExactMetrics",
    "ModeCost",
    "Problem",
    "ValidationReport",
    "__version__",
    "analyze",
    "compute_exact_metrics",
    "load_config",
    "load_dataset",
]
