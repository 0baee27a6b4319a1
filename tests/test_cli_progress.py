"""The analysis's progress bar: each message moves it to its stage, out of the stages --timings uses."""

from __future__ import annotations

import io
import threading

from rich.console import Console

from cxroi.cli_progress import ANALYSIS_STAGES, _done, steps
from cxroi.io.timings import STEP_DONE
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


def test_steps_running_side_by_side_share_the_line_and_the_bar_counts_them() -> None:
    console, sink = _terminal()
    with steps(console, ANALYSIS_STAGES) as show:
        show("retention with and without AI")
        beside = threading.Thread(target=show, args=("agent experience and its lead over loyalty",))
        beside.start()
        beside.join()
    text = sink.getvalue()
    assert "retention with and without AI | agent experience" in text
    assert f"3/{len(ANALYSIS_STAGES)}" in text  # loading, validation, exact metrics
    console, sink = _terminal()
    with steps(console, ANALYSIS_STAGES) as show:
        show("retention with and without AI")
        finished = threading.Thread(target=lambda: (show("metric stack, masking"), show(STEP_DONE)))
        finished.start()
        finished.join()
    text = sink.getvalue()
    # the stack's thread is done: its line has gone, and the stack counts as done
    assert "retention with and without AI \x1b" in text and "masking" not in text.split("\r")[-1]
    assert f"4/{len(ANALYSIS_STAGES)}" in text


def test_the_bar_counts_stages_done_and_those_before_the_first_running() -> None:
    stages = ("a", "b", "c", "d")
    assert _done(stages, [], []) == 0
    assert _done(stages, ["a", "b"], []) == 2  # between steps: all begun are done
    assert _done(stages, ["a", "c"], ["c"]) == 2  # c runs: a and b are behind it
    assert _done(stages, ["a", "c", "d"], ["c"]) == 3  # d ran beside c and is done
    assert _done((), ["a"], []) is None  # no bar
