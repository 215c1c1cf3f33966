"""One CP-SAT search of a built model: parameters, progress reports, stop requests.

:func:`search` runs one CP-SAT search until a deadline, reporting each improving roster
through a :class:`Recorder`; :mod:`solver.search.portfolio` strings such searches
together with repair steps, and :func:`run_search` searches the smaller model of a large
week.

A stop request (the deadline's ``stop`` event) ends the running CP-SAT search
through ``CpSolver.stop_search()``. CP-SAT's
own Ctrl-C handler is switched off (``catch_sigint_signal``): it would stop one
search only, and on leaving it resets SIGINT to its default action, so that the
next Ctrl-C kills the process without a roster. Signals are the caller's
(the command line's) to handle.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import CpSolverStatus

from solver.model import RosterModel
from solver.options import Deadline, Progress, SolveOptions

__all__ = [
    "BOUND_PHASE_WORKERS",
    "SEARCH_SHARE",
    "ModelRejected",
    "Recorder",
    "hint_whole",
    "relay_stop",
    "run_search",
    "search",
    "stopped_on_request",
]

log = logging.getLogger(__name__)

SEARCH_SHARE = 0.85
"""Share of the time before the bound phase (:mod:`solver.search.portfolio`; its root
relaxation takes about a second on the 200-client tier)."""

BOUND_PHASE_WORKERS = 8
"""Worker counts below this get the bound phase; from 8 workers on, CP-SAT's own
portfolio runs searches with a large LP beside the others."""


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
        # When set, called with each roster's values and objective (the repair steps
        # start from the best roster of either search).
        self.share: Callable[[list[int], int], object] | None = None
        self._bound = 0.0
        self._lock = threading.Lock()

    def warm_start(self, objective: int) -> None:
        """Report the greedy roster, found before the search starts (bound 0)."""
        self._report(objective, 0.0)

    def report(self, objective: int, bound: float) -> None:
        """Report a roster found outside this search (a repair step), with the proved bound."""
        self._report(objective, bound)

    def on_solution_callback(self) -> None:
        """CP-SAT calls this with each roster it finds."""
        with self._lock:
            self.count += 1
        # Every penalty is >= 0, so the objective's bound is too.
        bound = self.fixed_bound
        if bound is None:
            bound = max(0.0, self.best_objective_bound)
        objective = round(self.objective_value)
        if self.share is not None:
            self.share(list(self.response_proto.solution), objective)
        self._report(objective, bound)

    def _report(self, objective: int, bound: float) -> None:
        now = time.perf_counter() - self._start
        with self._lock:
            if self.best is not None and objective >= self.best:
                return  # the search may start above the warm start: not an improvement
            # A later search (the bound phase) starts again below the bound proved so far.
            bound = self._bound = max(self._bound, bound)
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
    lns_only: bool = False,
) -> tuple[cp_model.CpSolver, CpSolverStatus, float | None]:
    """Search the built model of a large week (see :mod:`solver.search.large`) until
    ``deadline`` (its time, or its stop request). Returns the solver holding the best
    roster, its status and None (the solver's own bound). With ``lns_only`` every worker
    runs neighbourhood searches from the hint (see :func:`search`).

    Raises:
        ModelRejected: CP-SAT found the model invalid.
    """
    solver, code = search(built, recorder, options, deadline.left(), deadline, lns_only=lns_only)
    return solver, code, None


def search(
    built: RosterModel,
    recorder: Recorder,
    options: SolveOptions,
    seconds: float,
    deadline: Deadline,
    *,
    subsolvers: tuple[str, ...] = (),
    lns_only: bool = False,
    on_bound: Callable[[float], None] | None = None,
) -> tuple[cp_model.CpSolver, CpSolverStatus]:
    """One CP-SAT search of the built model (with its hints) for ``seconds`` (at most).

    ``subsolvers`` ``("max_lp",)`` on one worker sets that worker's parameters (CP-SAT
    takes the list of subsolvers from two workers on). ``on_bound`` is called with each
    better bound the search proves.

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
    if subsolvers == ("max_lp",) and params.num_workers == 1:
        params.add_lp_constraints_lazily = False  # with _tune's level 2: max_lp's settings
    params.use_lns_only = lns_only
    if on_bound is not None:
        solver.best_bound_callback = on_bound
    with stopped_on_request(solver, deadline):
        code = solver.solve(built.model, recorder)
    if code not in _ANSWERS:
        reason = " ".join(solver.solution_info().split())[:300] or "no reason given"
        status = solver.status_name(code)
        raise ModelRejected(f"CP-SAT rejected the model ({status}): {reason}")
    return solver, code


@contextlib.contextmanager
def stopped_on_request(solver: cp_model.CpSolver, deadline: Deadline) -> Iterator[None]:
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


def hint_whole(model: cp_model.CpModel, values: Sequence[int]) -> None:
    """Replace ``model``'s hint with ``values``, one for each of its variables."""
    hint = model.proto.solution_hint
    hint.vars.clear()
    hint.values.clear()
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


def relay_stop(deadline: Deadline, halt: threading.Event) -> threading.Thread:
    """A thread that sets ``halt`` once the caller's stop request is set (it ends with
    ``halt``)."""
    stop = deadline.stop

    def relay() -> None:
        while not halt.wait(0.05):
            if stop is not None and stop.is_set():
                halt.set()

    thread = threading.Thread(target=relay, name="stop-relay", daemon=True)
    thread.start()
    return thread
