"""Writing results.json (canonical bytes) and reading it back, strictly and by version.

One serialiser (:func:`dumps`) and one loader (:func:`load_results`): the report, the terminal
summary, a notebook and ``cxroi report --results`` all read a results file through
:func:`load_results`, which refuses a file of another major version or one that does not follow
the declared layout (naming the JSON path), rather than half reading it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cxroi.errors import Problem, ResultsFileError
from cxroi.results.codec import ResultsFormatError, decode, encode
from cxroi.results.tree import SCHEMA_VERSION, Results

SCHEMA_PATH = Path(__file__).with_name("schema.json")


def dumps(results: Results) -> str:
    """Canonical JSON: sorted keys, fixed layout, no NaN (``allow_nan=False`` enforces it)."""
    return dumps_json(encode(results))


def dumps_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def load_results(path: Path) -> Results:
    """Read a results.json written by this major version of cxroi; raise :class:`ResultsFileError`."""
    where = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsFileError([Problem(where, "file_missing", "no such results file")]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsFileError([Problem(where, "not_json", f"not a JSON file: {exc}")]) from None
    return parse_results(data, where)


def parse_results(data: Any, where: str = "results") -> Results:
    version = data.get("schema_version") if isinstance(data, dict) else None
    major = SCHEMA_VERSION.split(".")[0]
    if not isinstance(version, str) or version.split(".")[0] != major:
        message = (
            f"schema_version {version!r}: this cxroi reads version {major}.x "
            "(run cxroi analyze again to write one)"
        )
        raise ResultsFileError([Problem(where, "schema_version", message)])
    try:
        return decode(Results, data)
    except ResultsFormatError as exc:
        raise ResultsFileError([Problem(f"{where}: {exc.path}", "results_layout", str(exc))]) from None
