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
from solver.network.executors import as_completed, submit
from solver.network.solve import solve_part

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

    def failed(stem: str, problem: str) -> None:
        rows[stem] = WeekOutcome(stem, clients[stem], "failed", None, None, 0, 0.0, "", problem)

    if executor is not None:
        futures = {submit(executor, solve_part, t, time_limit, seed): s for s, t in texts.items()}
        for future in as_completed(executor, list(futures)):
            stem = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # lost too many times: a row that says so, not a crash
                failed(stem, type(exc).__name__)
                continue
            finished(stem, result)
    else:
        for stem in _local(texts, time_limit, seed, processes, finished):
            failed(stem, "its worker process died")
    ordered = [rows[p.stem] for p in paths]
    _write_summary(out / "summary.csv", ordered)
    return ordered


def _local(
    texts: dict[str, str],
    time_limit: float,
    seed: int,
    processes: int | None,
    finished: Callable[[str, tuple[str, float, str]], None],
    task: Callable[[str, float, int], tuple[str, float, str]] = solve_part,
) -> list[str]:
    """The weeks on local processes. A pool broken by a dead worker is started again for the
    weeks not yet back (:data:`LOCAL_RETRIES` times); the weeks still not back are then
    solved one at a time, each in a process of its own, so that only a week that kills its
    own process is lost. Returns the weeks lost."""
    left = dict(texts)
    for attempt in range(LOCAL_RETRIES + 1):
        if not _pool_round(left, task, (time_limit, seed), processes, finished) or not left:
            return []
        log.warning("a worker process died; %d week(s) solved again (%d)", len(left), attempt)
    lost = []
    for stem, text in list(left.items()):
        if _pool_round({stem: text}, task, (time_limit, seed), 1, finished):
            lost.append(stem)
    if lost:
        log.error("%d week(s) lost their worker process each time: %s", len(lost), lost)
    return lost


def _pool_round(
    left: dict[str, str],
    task: Callable[[str, float, int], tuple[str, float, str]],
    args: tuple[float, int],
    processes: int | None,
    finished: Callable[[str, tuple[str, float, str]], None],
) -> bool:
    """Solve ``left`` on a fresh spawned pool, removing each week that comes back; whether
    the pool broke (a worker process died)."""
    broken = False
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=context) as pool:
        futures = {pool.submit(task, text, *args): stem for stem, text in left.items()}
        for future in concurrent.futures.as_completed(futures):
            stem = futures[future]
            try:
                result = future.result()
            except concurrent.futures.process.BrokenProcessPool:
                broken = True
                continue
            finished(stem, result)
            left.pop(stem)
    return broken


def _write_summary(path: Path, rows: list[WeekOutcome]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        fields = list(WeekOutcome.__dataclass_fields__)
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))
