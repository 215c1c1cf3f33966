"""The search of a built model: CP-SAT's search, repair steps beside it, the bound phase.

Measured on weeks from outside the project's generator (benchmarks/README.md, issue 15),
CP-SAT's own search from the hand-built roster places most clients, then often stalls with
a few left out: its neighbourhoods relax random variables, constraints or intervals, while
what keeps a client out is a group that does not run (it needs several clients at once and
a facilitator) or a few therapists' calendars. The repair steps of
:mod:`solver.search.lns` make those moves. The best roster is shared through an
:class:`~solver.search.lns.Incumbent`; the hand-built roster is its first (completed into a
whole vector of the model's values, which is also the model's hint).

On a week of :data:`TARGET_CLIENTS` clients or more the search begins with **the target**
(:mod:`solver.search.target`, every worker, at most :data:`TARGET_SHARE_OF_TIME` of the
time, :data:`ONE_WORKER_TARGET_SHARE` with one worker): the placement relaxation, cut
therapist by therapist until its placements fit every calendar. Each of its rounds guides
the greedy (:class:`~solver.search.greedy.Guide`, a few client orders), and the best guided
roster, completed by the model, becomes the best roster and the hint when it is better;
its bound (a valid one) joins the proved bound. On week A of issue 15 the hand-built roster
leaves 31 clients out; a guided one, within 15 s, none or a few. The repair steps then also
move clients towards the target (unless its solution costs no less than the best roster: a
target cut short by the time is no guide).

With two workers or more (:func:`_side_by_side`):

1. **CP-SAT's search alone** on every worker for :data:`ALONE_SHARE` of the time: the
   small weeks are proved here (skipped after a target);
2. **repair steps** on one thread, beside **CP-SAT's search** on the other workers,
   restarted from the best roster whenever the repair steps have a better one than its
   own, until :data:`~solver.search.phases.SEARCH_SHARE` of the time (after a target,
   :data:`REPAIR_THREADS_WITH_TARGET` threads of repair steps, and CP-SAT's search on the
   workers left, if any, then **the polish**: the best roster's appointments searched on
   every worker, its placements fixed, for the last
   :data:`~solver.search.completion.POLISH_SHARE` of stage 2, and the repair steps again);
3. **the bound phase**: after a target, more of its rounds (the relaxation's bound); else
   the whole model hinted with the best roster, bounded below by the bound proved so far,
   searched with CP-SAT's ``max_lp`` worker, whose root relaxation proves a bound within
   seconds (from 8 workers on, CP-SAT's portfolio runs ``max_lp`` itself, and stage 2
   lasts to the end).

With one worker (:func:`_staged`) the stages take turns: CP-SAT's search for
:data:`FIRST_SHARE` of the time (skipped after a target), repair steps, the bound phase.

``SolveOptions(bound_phase=False)`` leaves the bound phase out: stage 2 lasts to the end.

A stage that proves its roster optimal (or the pins infeasible) ends the search; so does a
roster that reaches the proved bound.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import CpSolverStatus

from solver.model import RosterModel
from solver.options import Deadline, SolveOptions
from solver.roster import Roster
from solver.search.completion import COMPLETE_SECONDS, complete, polish, polish_seconds
from solver.search.greedy import Guide, greedy_roster
from solver.search.lns import Incumbent, repair
from solver.search.phases import (
    BOUND_PHASE_WORKERS,
    SEARCH_SHARE,
    Recorder,
    hint_whole,
    relay_stop,
    search,
)
from solver.search.target import Rounds, Target, target_rounds

__all__ = ["FIRST_SHARE", "search_week"]

log = logging.getLogger(__name__)

FIRST_SHARE = 0.5
"""The share of the search's time for CP-SAT's own search (stage 1)."""


START_COMPLETE_SECONDS = 1.0
"""The most spent completing the starting roster when a target follows (whose guided rosters
usually replace it): on five 200-250-client weeks (one worker) 1 s gave the hand-built
roster's completion the same objective as 5 s, or within 0.2 %, and 5 s took 0.5-5.4 s."""


ALONE_SHARE = 0.25
"""With two workers or more, the share of the time CP-SAT's search runs alone on every worker
before the repair steps start: most 40-client weeks are proved there (tier s, 2 workers:
0.1-7 s alone; with one worker for CP-SAT beside the repair steps from the start, 1.2-48 s)."""

FIRST_RUN_SECONDS = 10.0
"""How long CP-SAT's search runs before its first restart from a better roster."""

_PROOFS = (cp_model.OPTIMAL, cp_model.INFEASIBLE)


def search_week(
    built: RosterModel,
    recorder: Recorder,
    options: SolveOptions,
    *,
    deadline: Deadline,
    start_from: list[Roster],
) -> tuple[cp_model.CpSolver, CpSolverStatus, float]:
    """Search ``built`` until ``deadline`` (see the module docstring), from the first roster
    of ``start_from`` that is one of the model's (the previous roster of a rerun, then the
    hand-built one), which also becomes the model's hint.

    Returns the solver holding the best roster, its status (``OPTIMAL`` only when proved
    for the week) and the proved bound.
    """
    incumbent = Incumbent()
    recorder.share = lambda values, objective: incumbent.offer(objective, values, None)
    with_target = len(built.variables.placed_clients()) >= TARGET_CLIENTS
    seconds = START_COMPLETE_SECONDS if with_target else COMPLETE_SECONDS
    workers = options.worker_count()
    try:
        for roster in start_from:
            if complete(built, roster, incumbent, deadline, workers=workers, seconds=seconds):
                break
        target, rounds = None, None
        if with_target:
            target, rounds = _target(built, incumbent, recorder, options, deadline)
        stages = _staged if workers == 1 else _side_by_side
        found = stages(built, recorder, options, incumbent, deadline, target, rounds)
    finally:
        recorder.share = None
    return _best_of(found, incumbent)


def _cpsat_for(
    share: float,
    built: RosterModel,
    recorder: Recorder,
    options: SolveOptions,
    incumbent: Incumbent,
    deadline: Deadline,
) -> tuple[cp_model.CpSolver, CpSolverStatus]:
    """CP-SAT's search of the whole model for ``share`` of the time left."""
    return search(
        built,
        recorder,
        options,
        share * deadline.left(),
        deadline,
        on_bound=incumbent.raise_bound,
    )


def _staged(
    built: RosterModel,
    recorder: Recorder,
    options: SolveOptions,
    incumbent: Incumbent,
    deadline: Deadline,
    target: Target | None,
    rounds: Rounds | None,
) -> list[tuple[cp_model.CpSolver, CpSolverStatus]]:
    """One worker: the three stages one after the other. A week with a target skips stage
    1, as with two workers: on the twelve 250-client sites of the network tier (41 s each)
    the sites' rosters summed to 70,627 without it against 75,317 with it, and week A and
    two version-2 tier-m weeks (60 s, seeds 0 and 1) were better in six solves of six
    (benchmarks/README.md, sixteenth session)."""
    found: list[tuple[cp_model.CpSolver, CpSolverStatus]] = []
    if target is None:
        solver, code = _cpsat_for(FIRST_SHARE, built, recorder, options, incumbent, deadline)
        found.append((solver, code))
        if code in _PROOFS:
            return found
    first = FIRST_SHARE if target is None else 0.0
    share = _repair_share(first) if options.bound_phase else 1.0
    until = Deadline(time.perf_counter() + share * deadline.left(), deadline.stop)
    repair(built, incumbent, recorder, until, options.seed, target=target)
    if options.bound_phase and not incumbent.proved() and deadline.left() > 1.0:
        found += _bound_phase(built, recorder, options, incumbent, deadline, rounds)
    return found


def _side_by_side(
    built: RosterModel,
    recorder: Recorder,
    options: SolveOptions,
    incumbent: Incumbent,
    deadline: Deadline,
    target: Target | None,
    rounds: Rounds | None,
) -> list[tuple[cp_model.CpSolver, CpSolverStatus]]:
    """Two workers or more: CP-SAT's search alone on every worker for
    :data:`ALONE_SHARE` of the time (an easy week is proved there, as fast as CP-SAT
    can; a week with a target skips it); then repair steps on one thread (after a target,
    :data:`REPAIR_THREADS_WITH_TARGET`), beside CP-SAT's search restarted from the best
    roster on the other workers, if any, and the bound phase (the first thread of repair
    steps goes on beside it)."""
    found: list[tuple[cp_model.CpSolver, CpSolverStatus]] = []
    alone = ALONE_SHARE if target is None else 0.0
    if alone:
        solver, code = _cpsat_for(alone, built, recorder, options, incumbent, deadline)
        found.append((solver, code))
        if code in _PROOFS or incumbent.proved() or deadline.expired():
            return found
        # CP-SAT's next run goes on from its own best roster unless the repair steps do better.
        _hint_best(built, incumbent, solver, code)
    halt = threading.Event()
    inner = Deadline(deadline.at, halt)
    relay = relay_stop(deadline, halt)
    full = dataclasses.replace(options, workers=options.worker_count() - 1)
    with_bound_phase = options.bound_phase and full.worker_count() < BOUND_PHASE_WORKERS
    share = _repair_share(alone) if with_bound_phase else 1.0
    stage_2_end = time.perf_counter() + share * inner.left()
    polishing = target is not None
    polish_at = stage_2_end - polish_seconds(stage_2_end) if polishing else stage_2_end
    first = Deadline(polish_at, halt) if polishing else inner
    threads = _repairing_threads(built, incumbent, recorder, first, polish_at, options, target)
    cpsat_workers = options.worker_count() - len(threads)
    try:
        if cpsat_workers > 0:
            stage_2 = dataclasses.replace(options, workers=cpsat_workers)
            found += _restarts(built, recorder, stage_2, incumbent, inner, polish_at)
        else:
            threads[-1].join()  # stage 2 ends with the last thread's time
        if polishing:
            for thread in threads:
                thread.join()
            until = Deadline(stage_2_end, halt)
            polish(built, incumbent, recorder, until, workers=options.worker_count())
            # Stage 2 goes on to its end when the polish ends sooner (its copy solved).
            threads = _repairing_threads(
                built, incumbent, recorder, inner, stage_2_end, options, target
            )
            if len(threads) > 1:
                threads[-1].join()
        unproved = not found or found[-1][1] not in _PROOFS
        if with_bound_phase and unproved and not incumbent.proved() and inner.left() > 1.0:
            found += _bound_phase(built, recorder, full, incumbent, inner, rounds)
    finally:
        halt.set()
        for thread in threads:
            thread.join()
        relay.join()
    return found


REPAIR_THREADS_WITH_TARGET = 2
"""Threads of repair steps in stage 2 after a target (each takes one of CP-SAT's workers).
After the target, every better roster of a 60-s solve came from the repair steps, none from
CP-SAT's search beside them nor from the bound phase (five tier-m weeks, 2 workers, seed 0);
with two threads instead of one beside CP-SAT, 26 of 34 solves of eight 200-client weeks were
better (v2-m-evening-1 on five seeds of five; benchmarks/README.md, fourteenth session), and
the peak memory grew (v2-m-split-1 340 to 872 MiB)."""


def _repairing_threads(
    built: RosterModel,
    incumbent: Incumbent,
    recorder: Recorder,
    first: Deadline,
    others: float,
    options: SolveOptions,
    target: Target | None,
) -> list[threading.Thread]:
    """Started threads of repair steps: one until ``first``, and after a target as many
    more as :data:`REPAIR_THREADS_WITH_TARGET` and the workers allow until ``others``
    (each with its own seed; they take CP-SAT's workers)."""
    halt = first.stop
    assert halt is not None
    seed = options.seed
    threads = [_repairing(built, incumbent, recorder, first, seed, target, halt)]
    if target is not None:
        until = Deadline(others, halt)
        for more in range(1, min(REPAIR_THREADS_WITH_TARGET, options.worker_count())):
            threads.append(_repairing(built, incumbent, recorder, until, seed + more, target, halt))
    return threads


def _repairing(
    built: RosterModel,
    incumbent: Incumbent,
    recorder: Recorder,
    until: Deadline,
    seed: int,
    target: Target | None,
    halt: threading.Event,
) -> threading.Thread:
    """A started thread of repair steps until ``until``; it sets ``halt`` when the best roster
    reaches the proved bound."""

    def repairing() -> None:
        steps = repair(built, incumbent, recorder, until, seed, target=target)
        log.info("repair: %d steps", steps)
        if incumbent.proved():
            halt.set()

    thread = threading.Thread(target=repairing, name="repair", daemon=True)
    thread.start()
    return thread


TARGET_CLIENTS = 100
"""From this many clients who may be placed, the search begins with the target of
:mod:`solver.search.target` (a smaller week is proved by CP-SAT's search alone sooner)."""

TARGET_SHARE_OF_TIME, TARGET_SECONDS = 0.25, 20.0
"""The most of the time left the target may take, and the most seconds (it ends sooner when
it fits). Without the cap, a 300-s solve of week A spent 75 s on the target (its calendars
did not all fit yet) and had 4,146 at 60 s where a 60-s solve has about 100.

With two workers or more the guided rosters' completions (about 5 s each) come on top of
that time: they took a third of it, and v2-m-normal-1's target then reached the round whose
bound is 3,975 in one run of five (3,077 in the others); with its rounds' own time, in five
of five (benchmarks/README.md, thirteenth session). With one worker they count against it (on
the network's sites the search's share is then too short: S02 8,601 against 5,301)."""

ONE_WORKER_TARGET_SHARE = 0.4
"""The share with one worker, whose first solve of the relaxation takes about twice as long:
on a 250-client site of the network tier (41 s, one worker) a quarter of the time cut the
first solve at a solution leaving most clients out (the roster then left 31 out), 40 % let
it finish (2 out)."""

GUIDED_ORDERS = 4
"""Greedy rosters built towards each round's target: clients as listed, then in random
orders (each takes a tenth of a second on 200 clients)."""


def _target(
    built: RosterModel,
    incumbent: Incumbent,
    recorder: Recorder,
    options: SolveOptions,
    deadline: Deadline,
) -> tuple[Target | None, Rounds | None]:
    """The target of :mod:`solver.search.target` on every worker (None when it has none in
    time, or when its solution costs no less than the best roster) and its rounds (None when
    its relaxation took all the time), its bound raised into the
    incumbent's (a valid lower bound for every roster); at each of its rounds the best of
    :data:`GUIDED_ORDERS` greedy rosters built towards it is offered as a roster (and hinted
    when kept)."""
    rng = random.Random(options.seed)
    instance = built.facts.instance
    ids = [c.id for c in instance.clients]
    workers = options.worker_count()

    def guided(target: Target) -> None:
        incumbent.raise_bound(target.bound)
        built_rosters: list[tuple[int, Roster]] = []
        for attempt in range(GUIDED_ORDERS):
            order = rng.sample(ids, len(ids)) if attempt else ()
            guide = Guide(
                target.group_of, target.therapist_of, target.facilitator_of, order, target.held
            )
            roster = greedy_roster(instance, guide=guide, deadline=Deadline(deadline.at))
            if roster.status == "feasible" and roster.objective is not None:
                built_rosters.append((roster.objective, roster))
        if not built_rosters:
            return
        objective, roster = min(built_rosters, key=lambda pair: pair[0])
        kept = incumbent.best()
        if kept is None or objective < kept.objective:
            complete(built, roster, incumbent, deadline, recorder=recorder, workers=workers)

    share = ONE_WORKER_TARGET_SHARE if workers == 1 else TARGET_SHARE_OF_TIME
    rounds = target_rounds(
        built.facts,
        seconds=min(TARGET_SECONDS, share * deadline.left()),
        workers=workers,
        seed=options.seed,
        deadline=deadline,
        on_round=guided,
        rounds_own_time=workers > 1,
    )
    if rounds is None:
        return None, None
    incumbent.raise_bound(rounds.bound)
    target, best = rounds.target, incumbent.best()
    if target is not None and best is not None and target.objective >= best.objective:
        # Cut short before a good solution: moving clients towards it would undo the roster.
        log.info(
            "target %d not below the roster's %d: not followed", target.objective, best.objective
        )
        return None, rounds
    return target, rounds


def _hint_best(
    built: RosterModel, incumbent: Incumbent, solver: cp_model.CpSolver, code: CpSolverStatus
) -> None:
    """Hint the model with the best roster so far when it is better than ``solver``'s."""
    best = incumbent.best()
    own = round(solver.objective_value) if code == cp_model.FEASIBLE else None
    if best is not None and (own is None or best.objective < own):
        hint_whole(built.model, best.values)


def _restarts(
    built: RosterModel,
    recorder: Recorder,
    options: SolveOptions,
    incumbent: Incumbent,
    deadline: Deadline,
    end: float,
) -> list[tuple[cp_model.CpSolver, CpSolverStatus]]:
    """CP-SAT's search until ``end`` (a ``time.perf_counter()`` value), restarted
    from the best roster whenever the repair steps have found a better one than its own:
    its own neighbourhoods then polish that roster (a restart costs a presolve, about a
    second on the 200-client tier). The first run lasts :data:`FIRST_RUN_SECONDS`, each
    next one half again as long. The last run's status decides: a proof ends the search."""
    seconds = FIRST_RUN_SECONDS
    found: list[tuple[cp_model.CpSolver, CpSolverStatus]] = []
    while True:
        run_end = min(end, time.perf_counter() + seconds)
        if end - run_end < seconds / 2:
            run_end = end  # no run shorter than half the last
        solver, code = search(
            built,
            recorder,
            options,
            run_end - time.perf_counter(),
            deadline,
            on_bound=incumbent.raise_bound,
        )
        found.append((solver, code))
        if code in _PROOFS or deadline.expired() or time.perf_counter() >= end - 0.5:
            return found
        _hint_best(built, incumbent, solver, code)
        _add_bound(built, incumbent)
        seconds *= 1.5


def _add_bound(built: RosterModel, incumbent: Incumbent) -> None:
    """Add the bound proved so far to the model (a valid constraint a later search starts
    from)."""
    proved = incumbent.whole_bound
    if proved > 0:
        built.model.add(built.objective() >= proved)


def _repair_share(first: float) -> float:
    """The share of the time left after a first stage that took ``first`` of it (0 when
    there was none) for stage 2, so that stages 1 and 2 end at :data:`SEARCH_SHARE`."""
    return (SEARCH_SHARE - first) / (1.0 - first)


def _bound_phase(
    built: RosterModel,
    recorder: Recorder,
    options: SolveOptions,
    incumbent: Incumbent,
    deadline: Deadline,
    rounds: Rounds | None,
) -> list[tuple[cp_model.CpSolver, CpSolverStatus]]:
    """Stage 3, for the bound, until the deadline: after a target, more of its rounds (its
    cuts go on raising the relaxation's bound); else the whole model hinted with the best
    roster, bounded below by the bound proved so far, searched with ``max_lp``."""
    if rounds is not None:
        incumbent.raise_bound(rounds.more(deadline, options.worker_count()))
        return []
    best = incumbent.best()
    if best is not None:
        hint_whole(built.model, best.values)
    _add_bound(built, incumbent)
    found = search(
        built,
        recorder,
        options,
        deadline.left(),
        deadline,
        subsolvers=("max_lp",),
        on_bound=incumbent.raise_bound,
    )
    return [found]


def _best_of(
    found: list[tuple[cp_model.CpSolver, CpSolverStatus]], incumbent: Incumbent
) -> tuple[cp_model.CpSolver, CpSolverStatus, float]:
    """The solver holding the best roster of the stages and the repair steps, its status
    (optimal when proved by a stage or when it reaches the proved bound) and the bound."""
    bound = incumbent.bound
    for solver, code in found:
        if code in _PROOFS:
            return solver, code, max(bound, solver.best_objective_bound)
    rosters = [
        (round(solver.objective_value), solver)
        for solver, code in found
        if code == cp_model.FEASIBLE
    ]
    best = incumbent.best()
    if best is not None and best.solver is not None:
        rosters.append((best.objective, best.solver))
    if not rosters:
        if not found:
            return cp_model.CpSolver(), cp_model.UNKNOWN, bound
        return found[-1][0], found[-1][1], bound
    objective, solver = min(rosters, key=lambda pair: pair[0])
    proved = objective <= incumbent.whole_bound
    return solver, cp_model.OPTIMAL if proved else cp_model.FEASIBLE, bound
