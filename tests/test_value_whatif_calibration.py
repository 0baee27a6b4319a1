"""A reduced run of scripts/calibrate_what_if.py: the what-if's data interval (customer-clustered
cell means, every assumption fixed) covers the planted extra cost about 95% of the time.

120 replicates: the Monte Carlo SE of a 95% coverage is 2.0 points, so [0.89, 0.99] is about
three SE either side. The full study (1000 replicates, three scenarios, with the independent-
contacts interval for contrast) is in docs/what-if-roi.md.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "calibrate_what_if.py"


def load_study() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calibrate_what_if", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["calibrate_what_if"] = module
    spec.loader.exec_module(module)
    return module


def test_clustered_interval_covers_the_planted_extra_cost() -> None:
    study = load_study()
    r = study.study(study.SCENARIOS["clustered"], replicates=120, draws=800, seed=7)
    assert 0.89 <= r["coverage"] <= 0.99, r
    assert abs(r["bias"]) < 4 * r["bias_se"], r
