"""The analysis's progress bar: each message moves it to its stage, out of the stages --timings uses."""

from __future__ import annotations

import io

from rich.console import Console

from cxroi.cli_progress import ANALYSIS_STAGES, steps
from cxroi.outputs.timings_file import STAGES


def _terminal() -> tuple[Console, io.StringIO]:
    sink = io.StringIO()
    return Console(file=sink, force_terminal=True, width=120), sink


def test_the_bar_counts_the_stages_done_before_the_running_one() -> None:
    assert ANALYSIS_STAGES == tuple(stage for _, stage in STAGES)
    console, sink = _terminal()
    with steps(console, ANALYSIS_STAGES) as show:
        show("retention with and without AI")
    text = sink.getvalue()
    # retention is the fourth stage: three done of eight
    assert f"3/{len(ANALYSIS_STAGES)}" in text
    assert "retention with and without AI" in text


def test_other_commands_show_a_line_without_a_bar() -> None:
    console, sink = _terminal()
    with steps(console) as show:
        show("validating contacts")
    text = sink.getvalue()
    assert "validating contacts" in text
    assert "/8" not in text


def test_nothing_is_drawn_when_standard_error_is_not_a_terminal() -> None:
    sink = io.StringIO()
    with steps(Console(file=sink, force_terminal=False), ANALYSIS_STAGES) as show:
        show("retention with and without AI")
    assert sink.getvalue() == ""
