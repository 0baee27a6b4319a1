"""Regenerate the golden results.json the tests compare against, and say what changed.

    python scripts/update_golden.py            # rewrite tests/golden/demo-20k-seed7.results.json
    python scripts/update_golden.py --check    # only print the differences

The golden file is the full results.json of the built-in demo (20,000 contacts, seed 7, default
configuration). A change to it is a change to what cxroi reports: review the printed paths and say
why in the commit message.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from compare import differences  # noqa: E402

import cxroi  # noqa: E402
from cxroi.demo import generate_demo  # noqa: E402
from cxroi.results.files import dumps  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "demo-20k-seed7.results.json"
CONTACTS, SEED = 20_000, 7


def current() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        generate_demo(Path(tmp), contacts=CONTACTS, seed=SEED)
        return dumps(cxroi.analyze(Path(tmp)).results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print differences, write nothing")
    args = parser.parse_args()
    text = current()
    if GOLDEN.exists():
        old = json.loads(GOLDEN.read_text(encoding="utf-8"))
        diff = differences(old, json.loads(text))
        print(f"{len(diff)} differences from the committed golden file")
        for line in diff[:200]:
            print(" ", line)
    if not args.check:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
        print(f"wrote {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
