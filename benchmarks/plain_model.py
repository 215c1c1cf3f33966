"""A plain CP-SAT model of the roster format: the baseline the solver is compared with.

``solve_detailed`` has the shape of :class:`solver.options.WeekSolver`, so that::

    python benchmarks/run.py --solver benchmarks.plain_model:solve_detailed

benchmarks it beside the solver. The model (:mod:`benchmarks.plain`) is written straight
from FORMAT.md, with every hard rule R1-R12 and all twelve penalty terms (the rerun terms
when ``previous`` is given), and solved with CP-SAT's default parameters except the number
of workers, the random seed and the time limit: no solution hint, no search phases, no
greedy roster. It imports nothing of the solver's modelling or search (``solver.model``,
``solver.precompute``, ``solver.starts``, ``solver.search``) nor the checker: only the
instance and roster models.

The roster it returns is checked like the solver's. Unlike the solver, it has no
hand-built roster to fall back on: when the search finds no roster within the time limit,
the status is ``unknown`` (also on a week without pins), with the lists empty and an
explanation. Unassigned clients and missed appointments get one fixed reason each
(:data:`~benchmarks.plain.roster.NOT_PLACED`, :data:`~benchmarks.plain.roster.NOT_SCHEDULED`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from benchmarks.plain.model import PlainModel, build_rules
from benchmarks.plain.objective import Term, add_objective
from benchmarks.plain.roster import empty_roster, solved_roster
from solver.instance import Instance
from solver.options import Progress, SolveOptions, SolveResult, SolveStats
from solver.roster import Roster

__all__ = ["build", "solve_detailed"]

log = logging.getLogger(__name__)

SMALLEST_SEARCH = 0.1
"""Seconds the search gets at least, even when building the model used up the limit."""


def build(instance: Instance, previous: Roster | None = None) -> tuple[PlainModel, list[Term]]:
    """The plain model of ``instance`` (rerun terms against ``previous`` when given) and
    its penalty terms."""
    plain = PlainModel(instance)
    build_rules(plain)
    if previous is not None:
        previous = previous.first_entries()
    terms = add_objective(plain, previous)
    return plain, terms


class _Progress(cp_model.CpSolverSolutionCallback):
    """Times each improving roster of the search and hands it to ``on_progress``."""

    def __init__(self, start: float, on_progress: Callable[[Progress], None] | None) -> None:
        super().__init__()
        self._start = start
        self._on_progress = on_progress
        self._lock = threading.Lock()
        self.first: float | None = None
        self.last: float | None = None
        self.count = 0

    def on_solution_callback(self) -> None:
        """CP-SAT calls this with each better roster it finds."""
        now = time.perf_counter() - self._start
        with self._lock:
            self.count += 1
            self.first = now if self.first is None else self.first
            self.last = now
        if self._on_progress is not None:
            bound = max(0.0, self.best_objective_bound)
            try:
                self._on_progress(Progress(now, round(self.objective_value), bound))
            except Exception:  # a broken callback must not lose the roster
                log.exception("on_progress raised; ignored")


def solve_detailed(
    instance: Instance,
    options: SolveOptions | None = None,
    *,
    previous: Roster | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> SolveResult:
    """Solve ``instance`` with the plain model (see the module docstring).

    Args:
        instance: the week.
        options: time limit (the whole call, model building included), workers and seed;
            ``log`` turns on CP-SAT's search log. Defaults when None.
        previous: the roster being replaced; its rerun terms then count.
        on_progress: called with (seconds since the call began, objective, bound) for each
            better roster the search finds.

    Returns:
        The roster (``optimal``, ``feasible``, ``infeasible`` or ``unknown``) and the
        figures of the solve.

    Raises:
        RuntimeError: CP-SAT rejected the model (MODEL_INVALID), a bug of this module.
    """
    options = options or SolveOptions()
    start = time.perf_counter()
    plain, terms = build(instance, previous)
    build_seconds = time.perf_counter() - start
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = options.worker_count()
    solver.parameters.random_seed = options.seed
    solver.parameters.max_time_in_seconds = max(SMALLEST_SEARCH, options.time_limit - build_seconds)
    solver.parameters.log_search_progress = options.log
    progress = _Progress(start, on_progress)
    code = solver.solve(plain.model, progress)
    seconds = time.perf_counter() - start
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the plain model: {plain.model.validate()}")
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        roster = solved_roster(plain, terms, solver, code == cp_model.OPTIMAL, seconds)
    elif code == cp_model.INFEASIBLE:
        line = "the plain model proved that no roster honours every pin (pinned_group, "
        roster = empty_roster(plain, "infeasible", line + "pinned_therapist)", seconds)
    else:
        line = (
            f"the time limit ({options.time_limit:g} s) ran out before the plain model "
            "found a roster"
        )
        roster = empty_roster(plain, "unknown", line, seconds)
    proto = plain.model.proto
    stats = SolveStats(
        build_seconds=build_seconds,
        first_solution_seconds=progress.first,
        final_solution_seconds=progress.last,
        proof_seconds=seconds if code in (cp_model.OPTIMAL, cp_model.INFEASIBLE) else None,
        variables=len(proto.variables),
        constraints=len(proto.constraints),
        solutions=progress.count,
        workers=options.worker_count(),
    )
    log.info("plain model: %s in %.2fs, objective %s", roster.status, seconds, roster.objective)
    return SolveResult(roster, stats)
