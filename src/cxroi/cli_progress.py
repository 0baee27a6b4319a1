"""What the command line shows while it works: a live line per step, and for ``analyze`` a bar.

The bar counts the analysis's stages (``cxroi.outputs.timings_file.STAGES``, the same grouping
``--timings`` uses); the line names the step that is running and the clock how long the run has
taken. Nothing is shown when standard error is not a terminal (CI logs, pipes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from cxroi.io.timings import STEP_DONE
from cxroi.outputs.timings_file import STAGES, stage_of

ANALYSIS_STAGES: tuple[str, ...] = tuple(stage for _, stage in STAGES)


@contextmanager
def steps(console: Console, stages: Sequence[str] = ()) -> Iterator[Callable[[str], None]]:
    """Yield ``show(message)``; with ``stages``, each message moves the bar to its stage."""
    bar: tuple[ProgressColumn, ...] = (
        (BarColumn(bar_width=20), MofNCompleteColumn()) if stages else ()
    )
    with Progress(
        SpinnerColumn(),
        *bar,
        TextColumn("[progress.description]{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("starting", total=len(stages) or None)
        lock = threading.Lock()
        running: dict[int, str] = {}  # thread -> its step now (analyses may run side by side)
        begun: list[str] = []

        def show(message: str) -> None:
            with lock:
                thread = threading.get_ident()
                if message == STEP_DONE:
                    running.pop(thread, None)
                else:
                    running[thread] = message
                    stage = stage_of(message)
                    if stage in stages and stage not in begun:
                        begun.append(stage)
                progress.update(task, description=" | ".join(running.values()),
                                completed=_done(stages, begun, running.values()))

        yield show


def _done(stages: Sequence[str], begun: list[str], running: Iterable[str]) -> int | None:
    """Stages done: begun and no longer running, or before the first one running."""
    if not stages:
        return None
    now = {stage_of(message) for message in running}
    # with none running, the stages up to the last one begun
    after_begun = max((stages.index(s) + 1 for s in begun if s in stages), default=0)
    first = min((stages.index(s) for s in now if s in stages), default=after_begun)
    return sum(
        s not in now and (s in begun or i < first) for i, s in enumerate(stages)
    )
