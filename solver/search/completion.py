"""Turning a hand-built roster into one of the model's: a whole vector of its values.

The greedy (:mod:`solver.search.greedy`) builds rosters outside the model; the search needs
each as values of every model variable (a whole hint, and a roster the incumbent can hold).
:func:`complete` fixes the roster's placements on a copy of the model and solves the copy
for its appointment times (about 5 s on a 200-client week, more than most rounds of the
target of :mod:`solver.search.target` take).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator

from ortools.sat.python import cp_model

from solver.model import RosterModel
from solver.options import Deadline
from solver.roster import Roster
from solver.search.lns import Incumbent, fix_value
from solver.search.neighbourhoods import Decisions
from solver.search.phases import Recorder, hint_whole, stopped_on_request

__all__ = [
    "COMPLETE_SECONDS",
    "POLISH_SECONDS",
    "POLISH_SHARE",
    "complete",
    "polish",
    "polish_seconds",
    "unheld_providers",
]

log = logging.getLogger(__name__)

COMPLETE_SECONDS = 5.0
"""The most spent turning one hand-built roster into a full vector of the model's values."""

POLISH_SHARE, POLISH_SECONDS = 0.5, 20.0
"""After a target, the share of stage 2 (at most so many seconds) that ends it with the
best roster's appointments searched on every worker, its placements fixed
(:func:`polish`); the repair steps go on when it ends sooner (it stops after
:data:`POLISH_STALL_SECONDS` without a better roster). On v2-m-evening-1 (60 s, 2 workers,
seeds 1-3) half of stage 2 gave 18,875, 18,887 and 18,689 where a quarter gave 18,874,
18,970 and 18,970 (benchmarks/README.md, nineteenth session)."""


def polish_seconds(stage_2_end: float) -> float:
    """The polish's seconds in a stage 2 that ends at ``stage_2_end``."""
    return min(POLISH_SECONDS, POLISH_SHARE * max(0.0, stage_2_end - time.perf_counter()))


def complete(
    built: RosterModel,
    roster: Roster,
    incumbent: Incumbent,
    deadline: Deadline,
    *,
    recorder: Recorder | None = None,
    workers: int = 1,
    seconds: float = COMPLETE_SECONDS,
) -> bool:
    """Offer ``roster`` (a hand-built one) as a full vector of the model's values, and hint
    the model with it (a whole hint: CP-SAT's first roster at once, where an incomplete one
    can keep a single worker in its hint search for the whole run). Its placements, groups,
    therapists and providers are fixed on a copy of the model, its appointment times only
    hinted (the model may offer other starts than the hand-built roster's: the canonical
    ones), and so are the providers of a wanted specialist kind the roster misses altogether
    (the greedy books visits client by client, first come first served: the copy may then
    fit a missed visit by moving others); the copy is then solved. Skipped when the roster
    places someone where the model cannot. Returns whether the roster was offered;
    ``recorder`` hears of a kept roster. ``workers``: CP-SAT's, when nothing else runs
    beside it (two workers found better times than one in the same 5 s on three weeks).
    ``seconds``: the most the solve of the copy may take."""
    model = built.model.clone()
    proto = model.proto
    proto.solution_hint.vars.clear()
    proto.solution_hint.values.clear()
    times = Decisions(built).time_indices() | unheld_providers(built, roster)
    for item in built.variables.values_of(roster):
        if item.var is None:
            if item.value:
                return False  # the roster needs a variable the model does not have
            continue
        if item.var.index in times:
            if item.hintable:
                proto.solution_hint.vars.append(item.var.index)
                proto.solution_hint.values.append(item.value)
            continue
        fix_value(model, item.var.index, item.value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = max(0.01, min(seconds, deadline.left()))
    solver.parameters.catch_sigint_signal = False
    with stopped_on_request(solver, deadline):
        code = solver.solve(model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = list(solver.response_proto.solution)
        objective = round(solver.objective_value)
        if incumbent.offer(objective, values, solver):
            hint_whole(built.model, values)
            if recorder is not None:
                recorder.report(objective, incumbent.bound)
        return True
    log.info("a starting roster is not one of the model's (%s)", solver.status_name(code))
    return False


def unheld_providers(built: RosterModel, roster: Roster) -> set[int]:
    """The provider literals of each wanted specialist kind of which ``roster`` holds no
    appointment for a client it places."""
    out: set[int] = set()
    variables = built.variables
    for placement in roster.clients:
        for slots in variables.slots(placement.id):
            if slots.required or slots.by_primary or placement.of_kind(slots.kind):
                continue
            out.update(lit.index for lit in slots.providers.values())
    return out


def polish(
    built: RosterModel,
    incumbent: Incumbent,
    recorder: Recorder,
    deadline: Deadline,
    *,
    workers: int,
) -> bool:
    """Search the best roster's appointments until ``deadline``: its placements (who is
    in which group, with which primary therapist, and who facilitates each group) are
    fixed on a copy of the model, every appointment's time and specialist provider is free,
    and the copy is solved from the roster on ``workers`` workers. Returns whether it found
    a better roster (then offered to ``incumbent``).

    The repair steps free a few clients and their providers' calendars at a time; a missed
    psychiatry visit often needs many of a prescriber's visits moved at once, and those of
    their clients' other appointments. On two workers (60-s v2-m-evening-1 rosters, 10 s)
    this found rosters 100-200 better where the steps had stopped finding any; on one
    worker it found none (CP-SAT's single search stays at the hint)."""
    best = incumbent.best()
    if best is None or deadline.left() <= 0.05:
        return False
    model = built.model.clone()
    for index in Decisions(built).placement_indices():
        fix_value(model, index, best.values[index])
    hint_whole(model, best.values)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = deadline.left()
    solver.parameters.catch_sigint_signal = False
    with stopped_on_request(solver, deadline), _stopped_when_stalled(solver) as callback:
        code = solver.solve(model, callback)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    objective = round(solver.objective_value)
    log.info(
        "polish: %d -> %d (%s, %.1fs)",
        best.objective,
        objective,
        solver.status_name(code),
        solver.wall_time,
    )
    if incumbent.offer(objective, list(solver.response_proto.solution), solver):
        recorder.report(objective, incumbent.bound)
        return True
    return False


POLISH_STALL_SECONDS = 3.0
"""The polish stops after this long without a better roster (the repair steps then go on):
on v2-m-overload-1 (seeds 4 and 5) polishes of 13-15 s gained 4-6 while the repair steps,
with 5-7 steps a thread instead of 12-28, ended 300 and 140 above the commit before."""


class _Improving(cp_model.CpSolverSolutionCallback):
    """Remembers when the search last found a roster."""

    def __init__(self) -> None:
        super().__init__()
        self.last = time.perf_counter()

    def on_solution_callback(self) -> None:
        self.last = time.perf_counter()


@contextlib.contextmanager
def _stopped_when_stalled(solver: cp_model.CpSolver) -> Iterator[_Improving]:
    """While the block runs, a watcher thread stops ``solver`` once it has found no roster
    for :data:`POLISH_STALL_SECONDS`; yields the callback to solve with."""
    callback = _Improving()
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(0.1):
            if time.perf_counter() - callback.last > POLISH_STALL_SECONDS:
                solver.stop_search()

    watcher = threading.Thread(target=watch, name="polish-stall", daemon=True)
    watcher.start()
    try:
        yield callback
    finally:
        finished.set()
        watcher.join()
