"""Progress lines for long solves on the command line."""

from __future__ import annotations

from typing import TextIO

from solver.solve import Progress


class ProgressPrinter:
    """An ``on_progress`` callback writing one line per improving roster.

    Each line shows elapsed time, objective, bound and gap, e.g.
    ``  3.2 s  objective 1045  bound 1040  gap 0.48 %``.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def __call__(self, progress: Progress) -> None:
        gap = ""
        if progress.objective > 0:
            gap = f"  gap {100 * (progress.objective - progress.bound) / progress.objective:.2f} %"
        self._stream.write(
            f"{progress.seconds:7.1f} s  objective {progress.objective}"
            f"  bound {progress.bound:g}{gap}\n"
        )
        self._stream.flush()
