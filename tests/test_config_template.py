"""The starter cxroi.toml (``cxroi init``): complete, at the real defaults, every example valid.

The keys the configuration accepts are not listed by hand here: they are found by asking the
parser itself. A probe key is put into each table and the "unknown key; known keys: …" problem the
parser reports names every key that table accepts; a key is a table (or a list of tables) when a
probe put inside it is reported the same way. The starter file must hold every key found.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cxroi.cli import app
from cxroi.config import Config, config_from_dict, load_config
from cxroi.config_template import EXAMPLE, render
from cxroi.errors import ConfigError

PROBE = "zz_probe_key"
_KNOWN = re.compile(r"(?:known(?: keys| sections)?:|components are|modes are)\s*(.+)$")
_HEADER = re.compile(r"^# (\[\[?[\w.]+\]\]?)\s*$")
_ASSIGNMENT = re.compile(r'^# ((?:[\w]+|"[\w.]+") = .+)$')

Path_ = tuple[str | int, ...]  # a table's place: keys, and 0 for "each table of a list"


def _nest(path: Path_, leaf: Any) -> Any:
    node = leaf
    for step in reversed(path):
        node = [node] if step == 0 else {step: node}
    return node


def _where(path: Path_) -> str:
    text = ""
    for step in path:
        text += "[0]" if step == 0 else (f".{step}" if text else str(step))
    return text


def known_keys(path: Path_) -> list[str] | None:
    """The keys the parsers accept in the table at ``path``; None if it is not a checked table."""
    raw = _nest((*path, PROBE), {} if not path else 1)
    try:
        config_from_dict(raw)
    except ConfigError as err:
        target = _where((*path, PROBE))
        for p in err.problems:
            match = _KNOWN.search(p.message)
            if p.where.removeprefix("config: ") == target and match:
                return [k.strip() for k in match.group(1).split(",")]
    return None


def accepted_tables() -> dict[Path_, list[str]]:
    """Every table the configuration reads, with the keys it accepts, found by probing."""
    found: dict[Path_, list[str]] = {}
    todo: list[Path_] = [()]
    while todo:
        path = todo.pop()
        keys = known_keys(path)
        if keys is None:
            continue
        found[path] = keys
        for key in keys:
            todo += [(*path, key), (*path, key, 0)]
    return found


def uncomment(text: str, examples: bool) -> str:
    """The starter file with its commented settings made live.

    ``examples=False``: only the settings shown at their default (not the lines marked as
    examples, nor the optional tables whose headers are commented); ``True``: everything.
    """
    out: list[str] = []
    in_optional = False
    for line in text.splitlines():
        header = _HEADER.match(line)
        assignment = _ASSIGNMENT.match(line)
        if line.startswith("["):
            in_optional = False
        if header:
            in_optional = True
            out.append(header.group(1) if examples else line)
        elif assignment:
            is_example = in_optional or line.rstrip().endswith(EXAMPLE)
            out.append(assignment.group(1) if examples or not is_example else line)
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _at(data: Any, path: Path_) -> list[dict[str, Any]]:
    """The tables at ``path`` (a list step gives every table of the list)."""
    nodes = [data]
    for step in path:
        if step == 0:
            nodes = [item for node in nodes for item in node]
        else:
            nodes = [node[step] for node in nodes if step in node]
    return nodes


def test_probing_finds_the_configuration_tables() -> None:
    # the probe itself is checked, so an empty result cannot pass the coverage test vacuously
    tables = accepted_tables()
    assert {"dataset", "retention", "value", "engine", "stack", "import"} <= set(tables[()])
    assert "propensity_trim" in tables[("retention",)]
    assert "what_if" in tables[("value",)] and "staffing_draws" in tables[("value", "what_if")]
    assert "owner" in tables[("stack", "metric", 0, "trigger", 0)]
    assert "unidentified" in tables[("import", "bank")]
    assert "per_minute" in tables[("cost_model", "human_only")]
    assert len(tables) > 25


def test_every_accepted_key_is_in_the_starter_file() -> None:
    data = tomllib.loads(uncomment(render(), examples=True))
    missing = []
    for path, keys in accepted_tables().items():
        tables = _at(data, path)
        present = {k for t in tables for k in t}
        missing += [f"{_where((*path, k))}" for k in keys if k not in present]
    assert not missing, missing


def test_the_starter_file_loads_as_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "cxroi.toml"
    path.write_text(render(), encoding="utf-8")
    assert load_config(path) == Config()


def test_the_defaults_shown_are_the_defaults() -> None:
    live = config_from_dict(tomllib.loads(uncomment(render(), examples=False)))
    # setting a value, even to its default, records it as the user's choice: nothing else differs
    assert live.value.configured
    assert replace(live, value=replace(live.value, configured=())) == Config()


def test_every_example_is_a_valid_setting() -> None:
    text = uncomment(render(), examples=True)
    assert not any(_HEADER.match(line) for line in text.splitlines())  # all tables live
    config_from_dict(tomllib.loads(text))  # raises ConfigError listing any invalid example


def test_uncommenting_finds_what_it_should() -> None:
    sample = "[a]\n# x = 1\n# y = 2  # example\n# [b]\n# z = 3\n[c]\n# w = 4\n# text: x\n"
    assert tomllib.loads(uncomment(sample, examples=False)) == {"a": {"x": 1}, "c": {"w": 4}}
    everything = tomllib.loads(uncomment(sample, examples=True))
    assert everything == {"a": {"x": 1, "y": 2}, "b": {"z": 3}, "c": {"w": 4}}


def test_init_writes_refuses_to_overwrite_and_forces(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "cxroi.toml"
    first = runner.invoke(app, ["init", str(target)])
    assert first.exit_code == 0, first.output
    assert load_config(target) == Config()
    target.write_text("# mine\n", encoding="utf-8")
    again = runner.invoke(app, ["init", str(target)])
    assert again.exit_code == 2
    assert target.read_text(encoding="utf-8") == "# mine\n"
    forced = runner.invoke(app, ["init", str(target), "--force"])
    assert forced.exit_code == 0
    assert target.read_text(encoding="utf-8") == render()
    into_folder = runner.invoke(app, ["init", str(tmp_path)])
    assert into_folder.exit_code == 2  # tmp_path/cxroi.toml exists


def test_prose_never_reads_as_a_setting() -> None:
    # a comment that looked like a key or a header would be uncommented by a user as one
    prose = [
        line for line in render().splitlines()
        if line.startswith("# ") and not (_HEADER.match(line) or _ASSIGNMENT.match(line))
    ]
    assert len(prose) > 100
    looks_like_setting = [
        line for line in prose if re.match(r"^# \s*[\w\"]+\s*=", line) or line.startswith("# [")
    ]
    assert not looks_like_setting


@pytest.mark.parametrize("section", ["retention", "import", "vendor_audit", "value", "engine"])
def test_a_section_that_is_not_a_table_is_a_problem_not_a_crash(section: str) -> None:
    # found by the probes above: some section parsers called .items() on whatever they got
    with pytest.raises(ConfigError) as err:
        config_from_dict({section: [{"a": 1}]})
    assert [(p.where, p.rule) for p in err.value.problems] == [(f"config: {section}",
                                                                 "not_a_table")]
