"""The starter ``cxroi.toml`` that ``cxroi init`` writes: every setting, commented, at its default.

Every key is commented out, so the file changes nothing until a line is uncommented: loading it
gives exactly ``Config()``. That matters beyond tidiness: the value analysis records which
settings a user chose (``configured``), and an ROI whose costs were set is no longer labelled
illustrative, so writing the default costs as live lines would pass assumptions off as choices.

The values shown are read from ``Config()`` and the settings dataclasses when the file is
rendered, so a default changed in code changes here too; only the meanings are written by hand.
Section headers are live (an empty table is the defaults), except for optional tables whose mere
presence changes something (an importer's options, extra risk savings, a custom stack): their
headers are commented too. A key that has no default is shown with an example value and marked
:data:`EXAMPLE`. tests/test_config_template.py checks that every key the parsers accept is here,
that the defaults shown are the defaults, and that every example is a valid setting.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from importlib import resources

from cxroi._version import __version__
from cxroi.config import Config
from cxroi.config_template.catalogue import EXAMPLE, Key, Section, sections, toml_value

__all__ = ["EXAMPLE", "render"]

_WIDTH = 100

_PREAMBLE = """\
# cxroi.toml: the starter configuration written by `cxroi init` (cxroi {version}).
#
# Every setting is here, commented out at its default, so this file changes nothing until you
# edit it. To change a setting, delete the "# " before its line; its [section] header is live.
# A line ending in "{example}" has no default: it shows an example value.
# Optional tables have a commented header too ("# [import.connect]"): uncomment the header
# with the keys you set. Check the file with `cxroi validate DATA --config cxroi.toml`:
# every problem is listed at once. More: README.md (Configuration), docs/engines.md,
# docs/value.md, docs/metric-stack.md, docs/adapters.md.
"""


def _prose(text: str) -> Iterator[str]:
    for line in textwrap.wrap(text, width=_WIDTH - 2):
        yield f"# {line}"


def _key_lines(key: Key, defaults: Config) -> Iterator[str]:
    yield from _prose(key.meaning)
    value = key.value(defaults)
    if value is None:
        yield f"# {key.name} = {toml_value(key.example)}  {EXAMPLE}"
    else:
        yield f"# {key.name} = {toml_value(value)}"


def _section_lines(section: Section, defaults: Config) -> Iterator[str]:
    yield ""
    yield from _prose(section.meaning)
    yield f"# [{section.header}]" if section.optional else f"[{section.header}]"
    for key in section.keys:
        yield from _key_lines(key, defaults)


def _default_stack_lines() -> Iterator[str]:
    """The stack cxroi ships, as an optional example: a [[stack.metric]] list replaces it."""
    text = resources.files("cxroi.analyses.stack").joinpath("default_stack.toml").read_text(
        "utf-8"
    )
    yield ""
    yield "# The outcome metric stack (docs/metric-stack.md). Without [[stack.metric]] tables the"
    yield "# default stack below is used; uncomment and edit it to replace it (the whole list)."
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            yield f"# {line}"
    yield "# A trigger may name its own owner (default: its metric's owner):"
    yield f"# owner = \"Head of Contact Centre Operations\"  {EXAMPLE}"


def _reported_lines() -> Iterator[str]:
    yield ""
    yield "# Metrics your organisation reports today, for the measurement audit: any number of"
    yield "# audit.reported tables. kind: activity or outcome; outcome: retention, revenue,"
    yield "# loyalty, effort, resolution or none; both are inferred from the name when left out."
    yield "# [[audit.reported]]"
    yield "# name = \"Average handle time\""
    yield "# kind = \"activity\""
    yield "# outcome = \"none\""


def render() -> str:
    """The starter file's text."""
    defaults = Config()
    lines = [_PREAMBLE.format(version=__version__, example=EXAMPLE).rstrip("\n")]
    for section in sections():
        lines += _section_lines(section, defaults)
        if section.header == "stack.agent_warning":
            lines += _default_stack_lines()
        if section.header == "audit":
            lines += _reported_lines()
    return "\n".join(lines) + "\n"
