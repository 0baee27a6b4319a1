"""Configuration: defaults need no file; every problem in a file is reported at once."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from cxroi.config import Config, config_from_dict, load_config
from cxroi.errors import ConfigError


def test_defaults_need_no_file() -> None:
    cfg = load_config(None)
    assert cfg == Config()
    assert cfg.windows_days == (7, 14)
    assert cfg.cost_model.by_mode["human_only"].per_minute > 0


def test_a_full_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cxroi.toml"
    path.write_text(
        """
[dataset]
timezone = "Europe/London"
currency = "GBP"
as_of = "2025-06-30T23:00:00"

[resolution]
extra_windows_days = [30, 3]

[cost_model.hybrid]
per_minute = 1.1

[retention]
covariates = ["tier"]

[privacy]
min_cell = 20
""",
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.timezone == "Europe/London" and cfg.currency == "GBP"
    # a naive as_of is read in the dataset's zone: 23:00 BST is 22:00 UTC
    assert cfg.as_of == datetime(2025, 6, 30, 22, 0, tzinfo=timezone.utc)
    assert cfg.windows_days == (3, 7, 14, 30)
    assert cfg.cost_model.by_mode["hybrid"].per_minute == 1.1
    assert cfg.cost_model.by_mode["hybrid"].per_contact == 0.20  # untouched default
    assert cfg.retention.covariates == ("tier",) and cfg.min_cell == 20


def test_every_problem_is_collected() -> None:
    raw = {
        "dataset": {"timezone": "Atlantis/Capital", "as_of": "last tuesday", "colour": "red"},
        "resolution": {"extra_windows_days": [0, "x"]},
        "cost_model": {"robot": {"per_minute": 1}, "hybrid": {"per_minute": -1, "per_hour": 3}},
        "privacy": {"min_cell": 0},
        "validation": {"strict": "yes"},
        "extras": {},
    }
    with pytest.raises(ConfigError) as info:
        config_from_dict(raw, source="cxroi.toml")
    where = sorted(p.where.removeprefix("cxroi.toml: ") for p in info.value.problems)
    assert where == sorted(
        [
            "dataset.timezone", "dataset.as_of", "dataset.colour", "resolution.extra_windows_days",
            "cost_model.robot", "cost_model.hybrid.per_minute", "cost_model.hybrid.per_hour",
            "privacy.min_cell", "validation.strict", "extras",
        ]
    )


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[dataset\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)
