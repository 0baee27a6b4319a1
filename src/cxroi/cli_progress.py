"""What the command line shows while it works: a live line per step, and for ``analyze`` a bar.

The bar counts the analysis's stages (``cxroi.outputs.timings_file.STAGES``, the same grouping
``--timings`` uses); the line names the step that is running and the clock how long the run has
taken. Nothing is shown when standard error is not a terminal (CI logs, pipes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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

        def show(message: str) -> None:
            stage = stage_of(message)
            done = stages.index(stage) if stage in stages else None
            progress.update(task, description=message, completed=done)

        yield show
