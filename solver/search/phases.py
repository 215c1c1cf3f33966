"""The CP-SAT search of a built model: parameters, the search phase and the bound phase.

:func:`run_search` searches until a deadline. Below :data:`BOUND_PHASE_WORKERS`
workers, a search still unproved after :data:`SEARCH_SHARE` of the time is followed
by the bound phase (:func:`_bound_phase`). Each improving roster is reported through
a :class:`Recorder`.

A stop request (the deadline's ``stop`` event) ends the running CP-SAT search
through ``CpSolver.stop_search()`` and skips the phases not yet started. CP-SAT's
own Ctrl-C handler is switched off (``catch_sigint_signal``): it would stop one
search only, and on leaving it resets SIGINT to its default action, so that the
next Ctrl-C kills the process without a roster. Signals are the caller's
(the command line's) to handle.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import CpSolverStatus

from solver.model import RosterModel
from solver.model.extract import roster_from_solution
from solver.options import Deadline, Progress, SolveOptions

__all__ = ["BOUND_PHASE_WORKERS", "SEARCH_SHARE", "ModelRejected", "Recorder", "run_search"]

log = logging.getLogger(__name__)

SEARCH_SHARE = 0.85
"""Share of the time for the first search when the bound phase may follow (the bound
phase's root relaxation takes about a second on the 200-client tier)."""

BOUND_PHASE_WORKERS = 8
"""Worker counts below this get the bound phase (:func:`_bound_phase`); from 8 workers
on, CP-SAT's own portfolio runs searches with a large LP beside the others."""


STOP_POLL_SECONDS = 0.05
"""How often a search checks for a stop request (and repeats ``stop_search()`` until
the search has returned: a call before CP-SAT has started is lost)."""

_ANSWERS = (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE, cp_model.UNKNOWN)


class ModelRejected(RuntimeError):
    """CP-SAT answered MODEL_INVALID (or another status that is no answer): an internal
    error, never a roster. The message quotes CP-SAT's reason on one line."""


class Recorder(cp_model.CpSolverSolutionCallback):
    """Counts the search's rosters and reports each improving one to ``on_progress``."""

    def __init__(self, start: float, on_progress: Callable[[Progress], None] | None) -> None:
        super().__init__()
        self._start = start
        self._on_progress = on_progress
        self.first: float | None = None
        self.last: float | None = None
        self.best: int | None = None
        self.count = 0
        # When set, the bound to report instead of the search's: on large weeks the
        # smaller model's bound is not the week's.
        self.fixed_bound: float | None = None
        self._lock = threading.Lock()

    def warm_start(self, objective: int) -> None:
        """Report the greedy roster, found before the search starts (bound 0)."""
        self._report(objective, 0.0)

    def on_solution_callback(self) -> None:
        """CP-SAT calls this with each roster it finds."""
        with self._lock:
            self.count += 1
        # Every penalty is >= 0, so the objective's bound is too.
        bound = self.fixed_bound
        if bound is None:
            bound = max(0.0, self.best_objective_bound)
        self._report(round(self.objective_value), bound)

    def _report(self, objective: int, bound: float) -> None:
        now = time.perf_counter() - self._start
        with self._lock:
            if self.best is not None and objective >= self.best:
                return  # the search may start above the warm start: not an improvement
            self.best = objective
            if self.first is None:
                self.first = now
            self.last = now
        if self._on_progress is not None:
            progress = Progress(now, objective, bound)
            try:
                self._on_progress(progress)
            except Exception:  # a broken callback must not lose the roster
                log.exception("on_progress raised; ignored")


def run_search(
    built: RosterModel,
    recorder: Recorder,
    options: SolveOptions,
    *,
    deadline: Deadline,
    phases: bool,
    lns_only: bool = False,
) -> tuple[cp_model.CpSolver, CpSolverStatus, float | None]:
    """Search the built model until ``deadline`` (its time, or its stop request).

    Returns the solver holding the best roster, its status and, when not None, the
    proved bound to report (the solver's own bound otherwise). With ``phases`` an
    unproved first search is followed by the bound phase (:func:`_bound_phase`).
    With ``lns_only`` every worker runs neighbourhood searches from the hint (see
    :func:`_search`).

    Raises:
        ModelRejected: CP-SAT found the model invalid.
    """
    share = SEARCH_SHARE if phases else 1.0
    solver, code = _search(
        built, recorder, options, deadline.left() * share, deadline, lns_only=lns_only
    )
    if not phases or code not in (cp_model.FEASIBLE, cp_model.UNKNOWN):
        return solver, code, None
    if deadline.left() <= 1.0:
        return solver, code, None
    proved = max(0.0, float(math.ceil(solver.best_objective_bound - 1e-6)))
    best = solver if code == cp_model.FEASIBLE else None
    return _bound_phase(built, recorder, options, best, proved, deadline=deadline)


def _search(
    built: RosterModel,
    recorder: Recorder,
    options: SolveOptions,
    seconds: float,
    deadline: Deadline,
    *,
    subsolvers: tuple[str, ...] = (),
    lns_only: bool = False,
) -> tuple[cp_model.CpSolver, CpSolverStatus]:
    """One CP-SAT search of the built model (with its hints) for ``seconds``.

    ``lns_only`` (large weeks) gives every worker to neighbourhood searches: the full
    search's LP bound is of no use there (it is not the week's), and on l-normal-1
    (2 workers, 120 s) the roster reached 48,475 this way against 55,576-63,428 in
    four runs with the default search (benchmarks/README.md).
    """
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.01, seconds)
    params.num_workers = options.worker_count()
    params.random_seed = options.seed
    params.log_search_progress = options.log
    params.catch_sigint_signal = False  # see the module docstring
    _tune(params)
    params.subsolvers.extend(subsolvers)
    params.use_lns_only = lns_only
    with _stopped_on_request(solver, deadline):
        code = solver.solve(built.model, recorder)
    if code not in _ANSWERS:
        reason = " ".join(solver.solution_info().split())[:300] or "no reason given"
        status = solver.status_name(code)
        raise ModelRejected(f"CP-SAT rejected the model ({status}): {reason}")
    return solver, code


@contextlib.contextmanager
def _stopped_on_request(solver: cp_model.CpSolver, deadline: Deadline) -> Iterator[None]:
    """While the block runs, a watcher thread turns the deadline's stop request into
    ``solver.stop_search()``."""
    stop = deadline.stop
    if stop is None:
        yield
        return
    finished = threading.Event()

    def watch() -> None:
        while not finished.is_set():
            if stop.wait(STOP_POLL_SECONDS):
                solver.stop_search()
                finished.wait(STOP_POLL_SECONDS)

    watcher = threading.Thread(target=watch, name="stop-search", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join()


def _bound_phase(
    built: RosterModel,
    recorder: Recorder,
    options: SolveOptions,
    best: cp_model.CpSolver | None,
    proved: float,
    *,
    deadline: Deadline,
) -> tuple[cp_model.CpSolver, CpSolverStatus, float]:
    """The last phase of an unproved search on few workers: the same model, hinted
    with the best roster so far (``best``'s; the first hint when None) and bounded
    below by ``proved``, the bound proved so far, searched with CP-SAT's ``max_lp``
    worker (every constraint's linear relaxation from the start, not added lazily)
    in place of the default one, beside the same neighbourhood searches.

    Measured on the 200-client tier, 2 workers (benchmarks/README.md): the default
    worker finds the rosters but its bound stays far below them on weeks where the
    question is who can be placed (m-evening-1: bound 15,146 for a roster of 35,153
    after 60 s), while ``max_lp``'s root relaxation proves 35,115 within a second of
    its start; alone, ``max_lp`` finds worse rosters. So the first phase searches and
    the last, short, proves. Returns the solver holding the better roster, its
    status, and the better bound.
    """
    model = built.model
    if best is not None:
        model.clear_hints()  # type: ignore[no-untyped-call]
        built.variables.hint(roster_from_solution(built, best, "feasible", 0.0))
    # A bound already proved is a valid constraint, and this phase starts from it.
    if proved > 0:
        model.add(built.objective() >= round(proved))
    solver, code = _search(
        built, recorder, options, deadline.left(), deadline, subsolvers=("max_lp",)
    )
    bound = max(proved, solver.best_objective_bound)
    if best is None:
        return solver, code, bound
    best_objective = round(best.objective_value)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (
        round(solver.objective_value) <= best_objective
    ):
        return solver, code, bound
    # No better roster (the hint is a roster at least this good, so this is rare).
    return best, cp_model.OPTIMAL if bound >= best_objective else cp_model.FEASIBLE, bound


def _tune(params: cp_model.SatParameters) -> None:
    """Search parameters measured on the benchmark tiers (benchmarks/README.md).

    * Linearization level 2 puts the no-overlap constraints and the enforced
      start domains into the LP: on the 200-client tier the bound then closes
      (m-normal-1 proved optimal in 30 s; never proved in 60 s with level 1).
    * No probing in presolve: with start variables of many values, probing
      costs seconds (24 s on m-normal-1) before the first roster, for little
      bound.
    """
    params.linearization_level = 2
    params.cp_model_probing_level = 0
