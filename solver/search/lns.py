"""Repair by neighbourhoods: re-solve a few clients' placements at a time, the rest held.

Each step copies the built model, fixes the placement literals of every client outside
a neighbourhood (see :mod:`solver.search.neighbourhoods`) to their values in the best
roster so far, hints that whole roster, and lets one CP-SAT worker search the copy for
a short while. Every roster of the copy is a roster of the week (only choices were
removed), so an improvement is kept as it is; nothing a step proves says anything about
the week (the bound comes from the full search beside it, :mod:`solver.search.portfolio`).

The size of the neighbourhood adapts: a step that finishes its copy (proves it has no
better roster) well within its time grows the next neighbourhood, a step that runs out
of time shrinks it.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.model import RosterModel
from solver.options import Deadline
from solver.search.neighbourhoods import Decisions, choose, towards_target
from solver.search.phases import Recorder, hint_whole, stopped_on_request
from solver.search.target import Target

__all__ = ["Incumbent", "Step", "fix_value", "repair"]

log = logging.getLogger(__name__)

STEP_SECONDS = 3.0
"""The most one step may search its neighbourhood."""

STEP_PROBING_LEVEL = 0
"""CP-SAT's probing in a step's presolve: none. On a 250-client site of the network tier it
took about 0.2 s of each of three presolve rounds (0.55-0.87 s before a step's search began,
0.17-0.34 s without it), in steps of at most :data:`STEP_SECONDS`; over 37 solves of the
network tier's sites (45 s, one worker) the rosters summed to 200,144 without it against
202,889 with it, better in 23 (benchmarks/README.md, seventeenth session)."""

FIRST_SIZE = 20
"""Clients freed by the first step (the size then adapts)."""

MIN_SIZE, MAX_SHARE = 6, 0.6
"""The smallest neighbourhood, and the largest as a share of the clients."""

TARGET_SHARE = 0.5
"""With a target, the share of the steps that move clients towards it."""


@dataclass
class _Best:
    objective: int
    values: list[int]
    solver: cp_model.CpSolver | None  # holds the roster, when a repair step found it


class Incumbent:
    """The best roster so far, shared by the repair steps and the full search (thread-safe),
    with the best lower bound the full search has proved."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._best: _Best | None = None
        self.bound = 0.0

    def offer(
        self, objective: int, values: Sequence[int], solver: cp_model.CpSolver | None
    ) -> bool:
        """Keep the roster when it is better than the best so far; True when kept."""
        with self._lock:
            if self._best is not None and objective >= self._best.objective:
                return False
            self._best = _Best(objective, list(values), solver)
            return True

    def raise_bound(self, bound: float) -> None:
        """A lower bound proved by the full search."""
        with self._lock:
            self.bound = max(self.bound, bound)

    def best(self) -> _Best | None:
        """The best roster so far (None before the first)."""
        with self._lock:
            return self._best

    @property
    def whole_bound(self) -> int:
        """The proved bound rounded up (objectives are whole numbers)."""
        return math.ceil(self.bound - 1e-6)

    def proved(self) -> bool:
        """True when the best roster reaches the proved bound."""
        best = self.best()
        return best is not None and best.objective <= self.whole_bound


@dataclass(frozen=True)
class Step:
    """What one repair step did (for profiling: ``benchmarks/profile_search.py``)."""

    neighbourhood: str
    clients: int
    providers: int
    seconds: float
    finished: bool
    before: int
    after: int | None  # the better objective found, None when none


def repair(
    built: RosterModel,
    incumbent: Incumbent,
    recorder: Recorder,
    deadline: Deadline,
    seed: int,
    on_step: Callable[[Step], None] | None = None,
    target: Target | None = None,
) -> int:
    """Improve ``incumbent`` step by step until ``deadline`` (or its stop request), or until
    it reaches the proved bound. Waits for a first roster when there is none yet. Returns
    the number of steps; ``on_step`` is called after each. With ``target`` (the placement
    relaxation's solution), :data:`TARGET_SHARE` of the steps move clients towards it."""
    decisions = Decisions(built)
    rng = random.Random(seed)
    count = len(decisions.clients)
    first = min(FIRST_SIZE, max(MIN_SIZE, count // 3))
    sizes = {"target": first, "choose": first}  # each kind of neighbourhood adapts its own
    steps = 0
    tried: set[str] = set()  # groups that failed to open from the current best roster
    tried_from: int | None = None
    while not deadline.expired() and not incumbent.proved():
        best = incumbent.best()
        if best is None:
            time.sleep(0.05)
            continue
        if best.objective != tried_from:
            tried, tried_from = set(), best.objective
        shape = decisions.shape(best.values)
        free, moves = None, []
        if target is not None and rng.random() < TARGET_SHARE:
            free = towards_target(decisions, shape, target, sizes["target"], rng)
            moves = [] if free is None else decisions.towards(target, free.clients)
        if free is None:
            free = choose(decisions, shape, sizes["choose"], rng, frozenset(tried), target)
        seconds = min(STEP_SECONDS, deadline.left())
        started = time.perf_counter()
        fixings = decisions.fixings(best.values, shape, free)
        solver, finished = _step(built, fixings, best, seconds, rng, deadline, moves)
        steps += 1
        objective = None if solver is None else round(solver.objective_value)
        if solver is not None and objective is not None:
            _offer(incumbent, recorder, objective, solver)
        took = time.perf_counter() - started
        step = Step(
            free.name,
            len(free.clients),
            len(free.providers),
            took,
            finished,
            best.objective,
            objective,
        )
        log.debug("repair step %d: %s", steps, step)
        if on_step is not None:
            on_step(step)
        if free.opens is not None and objective is None and finished:
            tried.add(free.opens)
        kind = "target" if free.name == "target" else "choose"
        if free.sized:
            sizes[kind] = _resized(sizes[kind], finished, took < seconds / 2, count)
    return steps


def _resized(size: int, finished: bool, quickly: bool, count: int) -> int:
    """The next neighbourhood's size: larger after a step that finished its copy quickly,
    smaller after one that ran out of time."""
    if finished and quickly:
        return min(max(MIN_SIZE, int(MAX_SHARE * count)), int(size * 1.25) + 1)
    if not finished:
        return max(MIN_SIZE, int(size * 0.8))
    return size


def fix_value(model: cp_model.CpModel, index: int, value: int) -> None:
    """Fix the variable of index ``index`` of ``model`` (a copy) to ``value``."""
    domain = model.proto.variables[index].domain
    domain.clear()
    domain.extend([value, value])


def _offer(
    incumbent: Incumbent, recorder: Recorder, objective: int, solver: cp_model.CpSolver
) -> None:
    if incumbent.offer(objective, list(solver.response_proto.solution), solver):
        recorder.report(objective, incumbent.bound)


def _step(
    built: RosterModel,
    fixings: list[tuple[int, int]],
    best: _Best,
    seconds: float,
    rng: random.Random,
    deadline: Deadline,
    moves: list[tuple[int, int]],
) -> tuple[cp_model.CpSolver | None, bool]:
    """Search the copy of the model with ``fixings`` (variable index, value) held. Returns
    the solver when it found a better roster than ``best`` (else None), and whether it
    finished."""
    model = built.model.clone()
    for index, value in fixings:
        fix_value(model, index, value)
    hint_whole(model, best.values)
    hinted = model.proto.solution_hint.values
    for index, value in moves:
        hinted[index] = value
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1
    params.max_time_in_seconds = max(0.01, seconds)
    params.random_seed = rng.randrange(2**31)
    params.catch_sigint_signal = False
    params.cp_model_probing_level = STEP_PROBING_LEVEL
    with stopped_on_request(solver, deadline):
        code = solver.solve(model)
    finished = code in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) and round(solver.objective_value) < (
        best.objective
    ):
        return solver, finished
    return None, finished
