"""Many programs' weeks at once: every week of a folder, each an independent task (issue 17).

``python -m solver solve-many FOLDER --out DIR [--cluster ADDRESS]`` and
:func:`solve_many` solve each ``*.json`` week of a folder with its own time limit on a pool
of local processes or a Dask cluster, write each roster as ``DIR/NAME.roster.json`` as it
comes back, and a summary table ``DIR/summary.csv``. A week whose task is lost (a worker
killed) is solved again: Dask retries it on another worker, a local pool that breaks is
started afresh for the weeks left. A week that cannot be read is a row with its problems,
never a silent omission.
"""

from __future__ import annotations

import concurrent.futures
import csv
import logging
import multiprocessing
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from solver.errors import InputError
from solver.network.solve import _as_completed, _submit, solve_part

__all__ = ["WeekOutcome", "solve_many"]

log = logging.getLogger(__name__)

LOCAL_RETRIES = 2
"""How many times a local pool is started afresh after a worker process died."""


@dataclass(frozen=True)
class WeekOutcome:
    """One week's row of the summary."""

    week: str
    clients: int
    status: str
    objective: int | None
    bound: int | None
    unassigned: int
    seconds: float
    worker: str
    problem: str = ""


def solve_many(
    folder: Path,
    out: Path,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    executor: Any = None,
    processes: int | None = None,
    on_week: Callable[[WeekOutcome, int, int], None] | None = None,
) -> list[WeekOutcome]:
    """Solve every ``*.json`` week of ``folder``; write the rosters and ``summary.csv`` into
    ``out``; return the summary rows in file order. ``on_week(row, done, total)`` reports
    overall progress."""
    from solver.instance import parse_instance
    from solver.roster import parse_roster

    out.mkdir(parents=True, exist_ok=True)
    paths = sorted(folder.glob("*.json"))
    rows: dict[str, WeekOutcome] = {}
    texts: dict[str, str] = {}
    clients: dict[str, int] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
            clients[path.stem] = len(parse_instance(text, source=path.name).clients)
            texts[path.stem] = text
        except (InputError, OSError, UnicodeDecodeError) as exc:
            problem = str(exc.problems[0]) if isinstance(exc, InputError) else str(exc)
            rows[path.stem] = WeekOutcome(path.stem, 0, "invalid", None, None, 0, 0.0, "", problem)
    total = len(paths)

    def finished(stem: str, result: tuple[str, float, str]) -> None:
        text, seconds, worker = result
        roster = parse_roster(text, source=stem)
        (out / f"{stem}.roster.json").write_text(text + "\n", encoding="utf-8")
        row = WeekOutcome(
            stem,
            clients[stem],
            roster.status,
            roster.objective,
            roster.best_bound,
            len(roster.unassigned),
            round(seconds, 2),
            worker,
        )
        rows[stem] = row
        if on_week is not None:
            on_week(row, len(rows), total)

    if executor is not None:
        futures = {_submit(executor, solve_part, t, time_limit, seed): s for s, t in texts.items()}
        for future in _as_completed(executor, list(futures)):
            stem = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # lost too many times: a row that says so, not a crash
                rows[stem] = WeekOutcome(
                    stem, clients[stem], "failed", None, None, 0, 0.0, "", f"{type(exc).__name__}"
                )
                continue
            finished(stem, result)
    else:
        _local(texts, time_limit, seed, processes, finished)
    ordered = [rows[p.stem] for p in paths]
    _write_summary(out / "summary.csv", ordered)
    return ordered


def _local(
    texts: dict[str, str],
    time_limit: float,
    seed: int,
    processes: int | None,
    finished: Callable[[str, tuple[str, float, str]], None],
) -> None:
    """The weeks on local processes; a pool broken by a dead worker is started again for
    the weeks not yet back."""
    left = dict(texts)
    for attempt in range(LOCAL_RETRIES + 1):
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(processes, mp_context=context) as pool:
            futures = {pool.submit(solve_part, t, time_limit, seed): s for s, t in left.items()}
            broken = False
            for future in concurrent.futures.as_completed(futures):
                stem = futures[future]
                try:
                    result = future.result()
                except concurrent.futures.process.BrokenProcessPool:
                    broken = True
                    continue
                finished(stem, result)
                left.pop(stem)
        if not broken or not left:
            return
        log.warning("a worker process died; %d week(s) solved again (%d)", len(left), attempt)
    raise RuntimeError(f"{len(left)} week(s) lost their worker {LOCAL_RETRIES + 1} times")


def _write_summary(path: Path, rows: list[WeekOutcome]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        fields = list(WeekOutcome.__dataclass_fields__)
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))
