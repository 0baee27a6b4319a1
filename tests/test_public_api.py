"""The curated public API: a change here is a change users notice, so it is deliberate."""

from __future__ import annotations

import cxroi

EXPECTED = {
    "Analysis", "CannotCompute", "Config", "ConfigError", "ContractError", "CostModel",
    "CxroiInputError", "Dataset", "Estimate", "ExactMetrics", "ModeCost", "Problem",
    "ValidationReport", "__version__", "analyze", "compute_exact_metrics", "load_config",
    "load_dataset",
}


def test_public_names_are_exactly_the_curated_set() -> None:
    assert set(cxroi.__all__) == EXPECTED
    for name in cxroi.__all__:
        assert hasattr(cxroi, name), name


def test_private_modules_are_not_reexported() -> None:
    public = {n for n in dir(cxroi) if not n.startswith("_")}
    # subpackages appear as attributes once imported; anything else must be curated
    assert public - EXPECTED <= {"cli", "config", "errors", "io", "metrics", "pipeline", "results",
                                 "stats", "summary", "demo", "analyses", "report", "sources", "toml_tables",
                                 "outputs", "cli_options", "cli_progress", "config_template"}
