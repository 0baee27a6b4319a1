"""results.json of the built-in demo equals the committed golden file.

The golden file (tests/golden/demo-20k-seed7.results.json) is what cxroi reports on the demo: a
refactoring must leave it unchanged. Numbers are compared to a relative 1e-9 (BLAS and libm may
differ in the last bits between machines); every key, string, count and null is compared exactly.
A deliberate change is made with ``python scripts/update_golden.py``, which prints the paths that
changed for the commit message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cxroi
from compare import differences
from cxroi.demo import generate_demo
from cxroi.results.files import dumps

GOLDEN = Path(__file__).parent / "golden" / "demo-20k-seed7.results.json"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("golden-demo")
    generate_demo(folder, contacts=20_000, seed=7)
    return folder


def test_results_on_the_demo_equal_the_golden_file(demo: Path) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = json.loads(dumps(cxroi.analyze(demo).results))
    diff = differences(golden, now)
    assert diff == [], (
        f"{len(diff)} paths differ from {GOLDEN.name} (first: {diff[:10]}); if the change is "
        "deliberate, run python scripts/update_golden.py and say why in the commit"
    )
