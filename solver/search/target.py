"""Where to place everyone: the placement relaxation, tightened therapist by therapist.

The relaxation of :mod:`solver.search.relaxed_bound` decides placements (groups, primary
therapists, facilitators) and only counts a therapist's minutes; its solutions often give a
therapist clients whose appointments cannot all be fitted into the therapist's calendar. On
week A of issue 15 the first solution overbooked 9 of 25 therapists.

:func:`relaxed_target` works like a logic-based Benders decomposition: it solves the
relaxation, then, for each therapist, checks whether the required appointments of the
primary kinds of the clients the solution gives them fit the therapist's calendar (each
appointment at one of the client's feasible starts with the therapist, clear of the
client's group meetings and of the meetings the therapist leads, none overlapping, one a
day per kind). A therapist whose clients do not fit gives a *cut*: a smallest set of those
clients found by deletion, with their groups and the groups the therapist leads, may not
all be chosen again. The check leaves out other rules (the client's other appointments,
wanted kinds), so it only says "does not fit" when no roster could: every cut is valid and
the relaxation's bound stays a lower bound for every roster. The cut relaxation is solved
again from the last solution, until its solution fits every calendar or time runs out; each
solve ends once its solution is within :data:`ROUND_GAP` of its bound.

The solution (a :class:`Target`) guides the search (:mod:`solver.search.portfolio`): the
greedy builds a roster towards it and repair steps move clients to it.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

from solver.instance import MINUTES_PER_DAY
from solver.options import Deadline, Stopped
from solver.precompute import ClientFacts, Facts, Span, spans_overlap
from solver.search.phases import hint_whole, stopped_on_request
from solver.search.relaxed_bound import Relaxation, build_relaxation, new_solver, union
from solver.search.visits import (
    capacity_cuts,
    meetings_by_day,
    overlap,
    starts_by_day,
    usable_days,
)

__all__ = ["Placements", "Target", "relaxed_target", "tighten"]

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

CHECK_SECONDS = 0.5
"""The most one calendar check may take (an unfinished check counts as fitting)."""


Placements = tuple[dict[str, str], dict[str, str], dict[str, str]]
"""Where a roster places clients: client -> group, client -> primary therapist, group ->
facilitator."""


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
    until = Deadline(min(deadline.at, time.perf_counter() + seconds), deadline.stop)
    try:
        relaxation = build_relaxation(facts, until)
        tighten(relaxation, facts, until)
    except Stopped:
        return None
    target: Target | None = None
    bound, rounds, cuts = 0, 0, 0
    while until.left() > LAST_ROUND_SECONDS:
        solver = new_solver(min(ROUND_SECONDS, until.left()), workers, seed)
        solver.parameters.relative_gap_limit = ROUND_GAP
        with stopped_on_request(solver, until):
            code = solver.solve(relaxation.model)
        rounds += 1
        if code == cp_model.INFEASIBLE:
            return None  # only with pins no roster can honour
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        if code == cp_model.FEASIBLE and target is not None and until.left() <= LAST_ROUND_SECONDS:
            break  # cut short by the time: its solution is no better a guide than the last
        if math.isfinite(solver.best_objective_bound):
            bound = max(bound, math.ceil(solver.best_objective_bound - 1e-6))
        found = _read(relaxation, solver)
        new_cuts = _cuts(facts, relaxation, found, until)
        held = relaxation.held
        capacity = capacity_cuts(relaxation.model, facts, held, solver.boolean_value, until)
        cuts += len(new_cuts) + capacity
        target = Target(
            *found, round(solver.objective_value), max(0, bound), not new_cuts, rounds, cuts
        )
        log.info(
            "target round %d: objective %d, bound %d, %d cuts, %d capacity cuts, %.1fs",
            rounds,
            target.objective,
            bound,
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
            break  # within ROUND_GAP of the bound (CP-SAT says OPTIMAL then) and it fits
        for literals in new_cuts:
            relaxation.model.add_bool_or([lit.Not() for lit in literals])
        hint_whole(relaxation.model, list(solver.response_proto.solution))
    return target


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


def _cuts(
    facts: Facts,
    relaxation: Relaxation,
    found: Placements,
    deadline: Deadline,
) -> list[list[cp_model.IntVar]]:
    """For each therapist whose calendar cannot hold what ``found`` gives them, the literals
    of a smallest set of their clients (and their groups) and of the groups they lead."""
    group_of, therapist_of, facilitator_of = found
    clients_of: dict[str, list[str]] = defaultdict(list)
    for client_id, therapist_id in therapist_of.items():
        clients_of[therapist_id].append(client_id)
    led: dict[str, list[str]] = defaultdict(list)
    for group_id, therapist_id in facilitator_of.items():
        led[therapist_id].append(group_id)
    out: list[list[cp_model.IntVar]] = []
    for therapist_id, client_ids in clients_of.items():
        if deadline.expired():
            break
        check = _Calendar(facts, therapist_id, led.get(therapist_id, []), group_of)
        if check.fits(client_ids):
            continue
        core = list(client_ids)
        for client_id in list(core):
            rest = [c for c in core if c != client_id]
            if not check.fits(rest):
                core = rest
        literals = [relaxation.primary[c, therapist_id] for c in core]
        literals += [relaxation.assign[c, group_of[c]] for c in core if check.blocked_by_group(c)]
        literals += [relaxation.leads[therapist_id, g] for g in check.leading_used]
        out.append(literals)
    return out


class _Calendar:
    """One therapist's calendar: does it hold the required primary-kind appointments of a
    set of clients, each in their group's company?"""

    def __init__(
        self, facts: Facts, therapist_id: str, led: list[str], group_of: dict[str, str]
    ) -> None:
        self.facts = facts
        self.therapist_id = therapist_id
        self.led = [(g, facts.meetings[g]) for g in led]
        self.group_of = group_of
        self.leading_used: set[str] = set()  # led groups whose meetings took a start away
        self._by_group: set[str] = set()  # clients whose group's meetings took a start away
        self._known: dict[str, list[tuple[int, int, list[int]]]] = {}

    def blocked_by_group(self, client_id: str) -> bool:
        return client_id in self._by_group

    def _starts(self, client_id: str) -> list[tuple[int, int, list[int]]]:
        """(appointments, minutes, starts) per required primary kind of the client, worked
        out once per client (the deletion in :func:`_cuts` asks again and again)."""
        known = self._known.get(client_id)
        if known is None:
            known = self._known[client_id] = self._work_out(client_id)
        return known

    def _work_out(self, client_id: str) -> list[tuple[int, int, list[int]]]:
        cf = self.facts.clients[client_id]
        group = self.facts.instance.group(self.group_of[client_id])
        own = [] if group.pull_out else self.facts.meetings[group.id]
        out = []
        for kf in cf.kinds.values():
            if not (kf.primary and kf.required) or self.therapist_id not in kf.starts:
                continue
            kept = []
            for start in kf.starts[self.therapist_id]:
                span = (start, start + kf.minutes)
                if _hits(span, own):
                    self._by_group.add(client_id)
                    continue
                hit = [g for g, meetings in self.led if _hits(span, meetings)]
                if hit:
                    self.leading_used.update(hit)
                    continue
                kept.append(start)
            out.append((kf.count, kf.minutes, kept))
        return out

    def fits(self, client_ids: list[str]) -> bool:
        model = cp_model.CpModel()
        intervals = [
            model.new_fixed_size_interval_var(lo, hi - lo, "led")
            for _, meetings in self.led
            for lo, hi in meetings
        ]
        for client_id in client_ids:
            for count, minutes, starts in self._starts(client_id):
                if len({s // MINUTES_PER_DAY for s in starts}) < count:
                    return False
                days = []
                for _ in range(count):
                    start = model.new_int_var_from_domain(Domain.from_values(starts), "start")
                    intervals.append(model.new_fixed_size_interval_var(start, minutes, "appt"))
                    if count > 1:
                        day = model.new_int_var(0, 6, "day")
                        model.add_division_equality(day, start, MINUTES_PER_DAY)
                        days.append(day)
                if days:
                    model.add_all_different(days)
        model.add_no_overlap(intervals)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = CHECK_SECONDS
        solver.parameters.catch_sigint_signal = False
        return solver.solve(model) != cp_model.INFEASIBLE


def _hits(span: Span, spans: list[Span]) -> bool:
    return any(spans_overlap(span, other) for other in spans)
