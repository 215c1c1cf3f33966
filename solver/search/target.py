"""Where to place everyone: the placement relaxation, tightened therapist by therapist.

The relaxation of :mod:`solver.search.relaxed_bound` decides placements (groups, primary
therapists, facilitators) and only counts a therapist's minutes; its solutions often give a
therapist clients whose appointments cannot all be fitted into the therapist's calendar. On
week A of issue 15 the first solution overbooked 9 of 25 therapists.

:func:`relaxed_target` works like a logic-based Benders decomposition: it solves the
relaxation, then checks each therapist's calendar (:func:`~solver.search.calendars.calendar_cuts`):
do the required appointments of the primary kinds of the clients the solution gives them, and
the wanted appointments it holds with them, fit? A therapist whose appointments do not fit
gives a *cut* that the next solve obeys; every cut is valid, so the relaxation's bound stays a
lower bound for every roster. The cut relaxation is solved again from the last solution, until
its solution fits every calendar or time runs out; each solve ends once its solution is within
:data:`ROUND_GAP` of its bound. Before the first solve, :func:`kind_cuts` holds each wanted
kind to the most appointments of it the relaxation can hold at all.

The solution (a :class:`Target`) guides the search (:mod:`solver.search.portfolio`): the
greedy builds a roster towards it, repair steps move clients to it, and the steps built
around a missed wanted appointment take first the ones it holds, with the provider it chose.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.options import Deadline, Stopped
from solver.precompute import ClientFacts, Facts, Span
from solver.search.calendars import Placements, calendar_cuts
from solver.search.phases import hint_whole, stopped_on_request
from solver.search.relaxed_bound import Relaxation, build_relaxation, new_solver, union
from solver.search.visits import (
    capacity_cuts,
    meetings_by_day,
    overlap,
    starts_by_day,
    usable_days,
)

__all__ = [
    "Placements",
    "Rounds",
    "Target",
    "kind_cuts",
    "relaxed_target",
    "target_rounds",
    "tighten",
]

log = logging.getLogger(__name__)

ROUND_SECONDS = 10.0
"""The most one solve of the relaxation may take (the last one takes what is left)."""

ROUND_GAP = 0.02
"""A solve of the relaxation ends as soon as its solution is within this share of its
bound. With a fixed 3 s a round, one worker had a solution costing 186,220 on a 250-client
site of the network tier (bound 3,037) where 7 s gave 4,742, and the greedy guided by it
left most clients out; stopping at the gap lets easy rounds end sooner and hard ones take
the time they need. The rounds use the bound's LP-first settings
(:func:`~solver.search.relaxed_bound.new_solver`): the relaxation's solutions come from its
root LP, and with CP-SAT's defaults the first round of v2-m-normal-1 took 13.9 s on two
workers (more than 15 s on one) against 2.8-6.8 s, week A's 3.8-7.4 s against 0.9-2.6 s
(benchmarks/README.md)."""

LAST_ROUND_SECONDS = 0.05
"""Less time than this left, no round starts; a round that ends with less than this left was
cut short by the time."""


@dataclass(frozen=True)
class Target:
    """A solution of the (cut) relaxation: where it places each client."""

    group_of: dict[str, str]  # client id -> group id, for every client it places
    therapist_of: dict[str, str]  # client id -> primary therapist id
    facilitator_of: dict[str, str]  # group id -> facilitator id, for every group it runs
    objective: int
    bound: int  # a lower bound on every roster of the week
    fits: bool  # every therapist's calendar holds the appointments it gives them
    rounds: int
    cuts: int
    # (client id, wanted kind) -> the provider of the appointments of the kind it holds, for
    # every wanted kind it holds at least one appointment of.
    held: dict[tuple[str, str], str] = field(default_factory=dict)


def relaxed_target(
    facts: Facts,
    *,
    seconds: float,
    workers: int,
    seed: int,
    deadline: Deadline,
    on_round: Callable[[Target], None] | None = None,
    rounds_own_time: bool = False,
) -> Target | None:
    """The relaxation's solution after cuts within ``seconds`` (see the module docstring);
    None when it has none in time. ``on_round`` hears of each round's solution; with
    ``rounds_own_time`` the time it takes is added to ``seconds`` (the rounds keep theirs).

    A round cut short by the time ends the rounds without replacing the last target: its
    solution is only the best found so far, and can cost several times more."""
    rounds = target_rounds(
        facts,
        seconds=seconds,
        workers=workers,
        seed=seed,
        deadline=deadline,
        on_round=on_round,
        rounds_own_time=rounds_own_time,
    )
    return None if rounds is None else rounds.target


def target_rounds(
    facts: Facts,
    *,
    seconds: float,
    workers: int,
    seed: int,
    deadline: Deadline,
    on_round: Callable[[Target], None] | None = None,
    rounds_own_time: bool = False,
) -> Rounds | None:
    """:func:`relaxed_target`'s rounds, kept so that more can follow
    (:meth:`Rounds.more`); None when the relaxation could not be built in time."""
    until = Deadline(min(deadline.at, time.perf_counter() + seconds), deadline.stop)
    try:
        relaxation = build_relaxation(facts, until)
        tighten(relaxation, facts, until)
    except Stopped:
        return None
    kind_cuts(relaxation, until, workers, seed)
    rounds = Rounds(facts, relaxation, seed)
    rounds.run(until, deadline, workers, on_round, rounds_own_time)
    return rounds


class Rounds:
    """The cut relaxation of a week and the rounds solved on it so far: its last
    :class:`Target` and the best bound any round proved."""

    def __init__(self, facts: Facts, relaxation: Relaxation, seed: int) -> None:
        self.facts = facts
        self.relaxation = relaxation
        self.seed = seed
        self.target: Target | None = None
        self.bound = 0
        self.rounds = 0
        self.cuts = 0
        self.infeasible = False  # only with pins no roster can honour
        self.solved = False  # its solution fits every calendar, within ROUND_GAP of its bound

    def more(self, until: Deadline, workers: int) -> int:
        """More rounds until ``until`` (once the rounds are solved, one solve closing the
        gap); returns the best bound so far, valid for every roster of the week."""
        if self.solved:
            solver = new_solver(until.left(), workers, self.seed)
            with stopped_on_request(solver, until):
                solver.solve(self.relaxation.model)
            self._take_bound(solver)
        elif not self.infeasible:
            self.run(until, until, workers, None, False)
        log.info("target rounds: bound %d after %d rounds", self.bound, self.rounds)
        return self.bound

    def _take_bound(self, solver: cp_model.CpSolver) -> None:
        """Keep the bound ``solver`` proved (rounded up: objectives are whole) when higher."""
        if math.isfinite(solver.best_objective_bound):
            self.bound = max(self.bound, math.ceil(solver.best_objective_bound - 1e-6))

    def run(
        self,
        until: Deadline,
        deadline: Deadline,
        workers: int,
        on_round: Callable[[Target], None] | None,
        rounds_own_time: bool,
    ) -> None:
        """Rounds until ``until`` (see :func:`relaxed_target`)."""
        facts, relaxation = self.facts, self.relaxation
        while until.left() > LAST_ROUND_SECONDS:
            solver = new_solver(min(ROUND_SECONDS, until.left()), workers, self.seed)
            solver.parameters.relative_gap_limit = ROUND_GAP
            with stopped_on_request(solver, until):
                code = solver.solve(relaxation.model)
            self.rounds += 1
            if code == cp_model.INFEASIBLE:
                self.infeasible, self.target = True, None
                return
            if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return
            self._take_bound(solver)
            short = code == cp_model.FEASIBLE and until.left() <= LAST_ROUND_SECONDS
            if short and self.target is not None:
                return  # cut short by the time: its solution is no better a guide than the last
            found = _read(relaxation, solver)
            new_cuts = calendar_cuts(facts, relaxation, found, solver.boolean_value, until)
            held = relaxation.held
            capacity = capacity_cuts(relaxation.model, facts, held, solver.boolean_value, until)
            self.cuts += len(new_cuts) + capacity
            target = Target(
                *found,
                round(solver.objective_value),
                max(0, self.bound),
                not new_cuts,
                self.rounds,
                self.cuts,
                _held(relaxation, solver),
            )
            self.target = target
            log.info(
                "target round %d: objective %d, bound %d, %d cuts, %d capacity cuts, %.1fs",
                self.rounds,
                target.objective,
                self.bound,
                len(new_cuts),
                capacity,
                solver.wall_time,
            )
            if on_round is not None:
                started = time.perf_counter()
                on_round(target)
                if rounds_own_time:
                    spent = time.perf_counter() - started
                    until = Deadline(min(deadline.at, until.at + spent), deadline.stop)
            if not new_cuts and not capacity and code == cp_model.OPTIMAL:
                self.solved = True  # within ROUND_GAP of the bound (OPTIMAL then); it fits
                return
            for literals in new_cuts:
                relaxation.model.add_bool_or([lit.Not() for lit in literals])
            hint_whole(relaxation.model, list(solver.response_proto.solution))


KIND_CUT_SECONDS = 2.0
"""The most :func:`kind_cuts` may take for one kind."""


def kind_cuts(relaxation: Relaxation, until: Deadline, workers: int, seed: int) -> int:
    """For each wanted kind, cut the appointments of it the relaxation holds to the most it
    can hold at all (CP-SAT's bound on that count, maximised over the relaxation, proved or
    not, within :data:`KIND_CUT_SECONDS`). Every roster is a solution of the relaxation, so
    the cut holds in every roster. Returns how many cuts were added.

    The relaxation's LP holds fractions of visits with a prescriber whose minutes it fills:
    on v2-m-split-1 it held 78.75 psychiatry visits where no integer solution holds more than
    78, and its bound stayed at 2,469 while its optimum was 2,544. With the cut (0.4 s) the
    root LP gives 2,544 (benchmarks/README.md, twentieth session)."""
    by_kind: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (_, kind_id, _), lits in relaxation.held.items():
        by_kind[kind_id].extend(lits)
    added = 0
    for kind_id, lits in sorted(by_kind.items()):
        if until.left() <= LAST_ROUND_SECONDS:
            break
        copy = relaxation.model.clone()
        copy.maximize(
            cp_model.LinearExpr.sum([copy.get_bool_var_from_proto_index(lit.index) for lit in lits])
        )
        solver = new_solver(min(KIND_CUT_SECONDS, until.left()), workers, seed)
        with stopped_on_request(solver, until):
            code = solver.solve(copy)
        if code == cp_model.INFEASIBLE or not math.isfinite(solver.best_objective_bound):
            continue
        most = math.floor(solver.best_objective_bound + 1e-6)
        if most < len(lits):
            relaxation.model.add(cp_model.LinearExpr.sum(lits) <= most)
            added += 1
            log.info("target: at most %d appointments of kind %s", most, kind_id)
    return added


def tighten(relaxation: Relaxation, facts: Facts, deadline: Deadline) -> None:
    """Add two consequences of R2 and R7 to the relaxation, valid for every roster: a
    client's group and primary therapist that leave too few days for their appointments
    (:func:`_apart_pairs`), and each therapist's windows (:func:`_add_windows`). They take
    about a second on a 200-client week (tens of seconds on 1,000 clients, so the large
    weeks' bound goes without them).

    Raises:
        Stopped: the deadline passed (checked per client and per therapist).
    """
    model = relaxation.model
    for cf in facts.clients.values():
        deadline.check()
        groups = [g for g in cf.groups if (cf.client.id, g) in relaxation.assign]
        for group_id, therapist_id in _apart_pairs(facts, cf, groups):
            y = relaxation.primary.get((cf.client.id, therapist_id))
            if y is not None:
                model.add_bool_or([~relaxation.assign[cf.client.id, group_id], ~y])
    for therapist in facts.instance.therapists:
        deadline.check()
        _add_windows(relaxation, facts, therapist.id)


def _apart_pairs(facts: Facts, cf: ClientFacts, groups: list[str]) -> list[tuple[str, str]]:
    """(group, primary therapist) pairs the client cannot have together: the therapist's
    starts for a required primary kind leave too few days clear of the group's meetings
    (R2; a pull-out group never blocks)."""
    out: list[tuple[str, str]] = []
    kinds = [kf for kf in cf.kinds.values() if kf.required and kf.primary]
    if not kinds:
        return out
    blocking = [g for g in groups if not facts.instance.group(g).pull_out]
    by_meetings: dict[tuple[Span, ...], list[str]] = defaultdict(list)
    for group_id in blocking:
        by_meetings[tuple(facts.meetings[group_id])].append(group_id)
    for therapist_id in cf.therapists:
        by_day = [(kf, starts_by_day(kf.starts.get(therapist_id, []))) for kf in kinds]
        for meetings, group_ids in by_meetings.items():
            today = meetings_by_day(list(meetings))
            for kf, days in by_day:
                if usable_days(kf, days, today) < kf.count:
                    out += [(g, therapist_id) for g in group_ids]
                    break
    return out


def _add_windows(relaxation: Relaxation, facts: Facts, therapist_id: str) -> None:
    """R7's consequence window by window: for the places where one client's required
    primary-kind appointments with the therapist could be (a *window*), the appointments of
    every client whose places all lie inside it, with the parts of the meetings the
    therapist leads that fall inside it, fit in the window's minutes. (The whole week's
    version, :func:`_add_time`, cannot see a therapist whose evenings are full while their
    mornings are empty.)"""
    by_places: dict[tuple[Span, ...], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for (client_id, t), lit in relaxation.primary.items():
        if t != therapist_id:
            continue
        spans: list[Span] = []
        minutes = 0
        for kf in facts.clients[client_id].kinds.values():
            if kf.primary and kf.required and therapist_id in kf.starts:
                spans += [(s, s + kf.minutes) for s in kf.starts[therapist_id]]
                minutes += kf.count * kf.minutes
        if minutes:
            by_places[tuple(union(spans))].append((minutes, lit))
    led = [(g, facts.meetings[g]) for (t, g) in relaxation.leads if t == therapist_id]
    windows = list(by_places)
    for window in windows:
        room = sum(hi - lo for lo, hi in window)
        items = [
            item for places, found in by_places.items() if _inside(places, window) for item in found
        ]
        for group_id, meetings in led:
            inside = sum(overlap(m, w) for m in meetings for w in window)
            if inside:
                items.append((inside, relaxation.leads[therapist_id, group_id]))
        if len(items) > 1 and sum(m for m, _ in items) > room:
            relaxation.model.add(
                cp_model.LinearExpr.weighted_sum([lit for _, lit in items], [m for m, _ in items])
                <= room
            )


def _inside(spans: tuple[Span, ...], window: tuple[Span, ...]) -> bool:
    """Whether every span of ``spans`` lies inside one span of ``window`` (both sorted)."""
    j = 0
    for lo, hi in spans:
        while j < len(window) and window[j][1] < hi:
            j += 1
        if j == len(window) or window[j][0] > lo:
            return False
    return True


def _read(relaxation: Relaxation, solver: cp_model.CpSolver) -> Placements:
    return (
        {c: g for (c, g), x in relaxation.assign.items() if solver.boolean_value(x)},
        {c: t for (c, t), y in relaxation.primary.items() if solver.boolean_value(y)},
        {g: t for (t, g), f in relaxation.leads.items() if solver.boolean_value(f)},
    )


def _held(relaxation: Relaxation, solver: cp_model.CpSolver) -> dict[tuple[str, str], str]:
    return {
        (client_id, kind): provider
        for (client_id, kind, provider), literals in relaxation.held.items()
        if any(solver.boolean_value(lit) for lit in literals)
    }
