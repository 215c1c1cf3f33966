"""A lower bound for large weeks from a relaxation that keeps placements and drops times.

A large week is searched on a smaller model (:mod:`solver.search.large`) whose bound says
nothing about the week. The relaxation here keeps every choice of the week that does not
depend on when appointments take place: who is placed, in which group, with which primary
therapist and specialist providers, which groups run and who facilitates them, with the
rules on those choices (R1's avoided facilitators, R3 group sizes, R4 facilitators and
their ``max_groups``, R5 caseloads, R8 rooms, R9 keep-apart, R11 pins). Of R2, R6 and R7
it keeps only consequences that hold in every roster:

* a therapist's facilitated meetings and appointments do not overlap and lie where they
  could be held, so their minutes add up to no more than the measure of the union of
  those places;
* a client in a group (not a pull-out one) holds each required appointment clear of
  the group's meetings, on different days for one kind: a group leaving too few such
  days is out of reach, and one whose meeting days leave too few of them costs extra
  trips;
* a wanted appointment is held only where a group leaves a day for it, and the ones held
  with a provider fit that provider's calendar (:mod:`solver.search.visits`: group clauses,
  and capacity cuts added in rounds by :func:`solve_for_bound`).

Every roster of the week is a solution of this relaxation with an objective no larger
than the roster's (terms that depend on times count 0 or their sure part), so CP-SAT's
bound on it, even unproved, is a lower bound for every roster. The canonical starts of
:func:`solver.precompute.derive_facts` keep an optimal roster (with the same groups,
therapists, days and penalties), so the bound holds with them too. The rerun terms are
left out (counted 0): with a previous roster the bound stays valid, only weaker.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.instance import MINUTES_PER_DAY
from solver.options import Deadline, Stopped
from solver.precompute import ClientFacts, Facts, KindFacts, Span
from solver.search.large import static_bound
from solver.search.phases import BOUND_PHASE_WORKERS, hint_whole, stopped_on_request
from solver.search.visits import (
    Held,
    add_group_clauses,
    capacity_cuts,
    meetings_by_day,
    overlap,
    starts_by_day,
)

__all__ = [
    "BOUND_GAP",
    "Relaxation",
    "build_relaxation",
    "lp_first",
    "new_solver",
    "relaxed_bound",
    "solve_for_bound",
    "union",
]

log = logging.getLogger(__name__)

ROOT_LP_ITERATIONS = 10_000_000
"""Simplex iterations allowed to the root LP: enough to solve it, the time limit stops it
first."""

LinearExpr = cp_model.LinearExprT
_Sum = cp_model.LinearExpr


@dataclass
class Relaxation:
    """The relaxed model with its variables, by id."""

    model: cp_model.CpModel
    placed: dict[str, cp_model.IntVar] = field(default_factory=dict)
    assign: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    primary: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    runs: dict[str, cp_model.IntVar] = field(default_factory=dict)
    leads: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    # therapist id -> (minutes, literal): minutes they spend when the literal holds.
    loads: dict[str, list[tuple[int, cp_model.IntVar]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # (weight, count) pairs: the objective is the sum of weight * count.
    terms: list[tuple[int, LinearExpr]] = field(default_factory=list)
    # (client, wanted kind, provider) -> "the i-th appointment is held" literals.
    held: Held = field(default_factory=dict)


BOUND_GAP = 0.02
"""A round of :func:`solve_for_bound` ends within this share of its bound, so that the
capacity cuts its solution gives come in time for the next."""


def relaxed_bound(
    facts: Facts,
    *,
    seconds: float,
    workers: int,
    seed: int,
    deadline: Deadline,
) -> int:
    """A lower bound on the objective of every roster of the week: the larger of
    :func:`~solver.search.large.static_bound` and the bound CP-SAT proves on the
    relaxation (see the module docstring) within ``seconds``, building included (less
    when ``deadline`` comes first or its stop is requested).

    ``facts`` are the whole week's (not a smaller model's), with or without canonical
    starts, with or without a previous roster's starts. ``workers`` and ``seed`` are
    CP-SAT's.
    """
    floor = static_bound(facts)
    until = Deadline(min(deadline.at, time.perf_counter() + seconds), deadline.stop)
    try:
        relaxation = build_relaxation(facts, until)
    except Stopped:
        log.info("relaxed bound: no time left after building; static bound %d", floor)
        return floor
    found = solve_for_bound(relaxation, facts, workers, seed, until) if until.left() > 0 else None
    log.info("relaxed bound %s (static bound %d)", found, floor)
    return floor if found is None else max(floor, found)


def new_solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    """A CP-SAT solver for the relaxation: ``seconds``, ``workers``, ``seed``, the
    :func:`lp_first` settings, and Ctrl-C left to the caller.

    With a few workers, CP-SAT's portfolio has no worker with the full LP (its
    ``default_lp`` linearises less than these settings ask): the full workers are then
    ``max_lp``. On two workers the first solve of v2-m-evening-1's relaxation took 10 s
    (stopped, 2.7 % from its bound) with the portfolio and 1.5 s so; v2-m-overload-1 10 s
    against 0.4 s, week A 2.3 s against 0.8 s (one worker: 1.2 s, 1.2 s, 1.0 s)."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = seconds
    params.num_workers = workers
    params.random_seed = seed
    params.catch_sigint_signal = False
    lp_first(params)
    if 1 < workers < BOUND_PHASE_WORKERS:
        params.subsolvers.append("max_lp")
    return solver


def lp_first(params: cp_model.SatParameters) -> None:
    """CP-SAT's settings for the relaxation, whose bound and best solutions come from its
    LP: every constraint in the LP from the start (added lazily, the caseloads were missing
    from the first LPs: 31,297 instead of 327,807 on l-overload-1 at 30 s), the root LP
    solved to the end (in the default chunks of 2,000 iterations the LP of l-evening-1 was
    never solved: 369 at 40 s, 290,626 so), after a short presolve without symmetries (16 s
    before the first LP on l-normal-1 with the defaults, 4 s so)."""
    params.linearization_level = 2
    params.add_lp_constraints_lazily = False
    params.root_lp_iterations = ROOT_LP_ITERATIONS
    params.cp_model_probing_level = 0
    params.symmetry_level = 0
    params.max_presolve_iterations = 1


def solve_for_bound(
    relaxation: Relaxation, facts: Facts, workers: int, seed: int, deadline: Deadline
) -> int | None:
    """CP-SAT's bound on the relaxation by ``deadline``, rounded up; None when none.

    The relaxation is solved in rounds: each ends within :data:`BOUND_GAP` of its bound,
    then the capacity cuts its solution gives (:func:`~solver.search.visits.capacity_cuts`)
    are added and it is solved again from that solution; after a round without cuts, one
    last solve closes the gap in the time left. The cuts hold in every roster, so every
    round's bound is valid; the best is returned. A week without wanted appointments has
    no cuts to add: one solve then takes all the time.
    """
    best: int | None = None
    gap = BOUND_GAP if relaxation.held else 0.0
    while deadline.left() > 0.05:
        solver = new_solver(deadline.left(), workers, seed)
        solver.parameters.relative_gap_limit = gap
        with stopped_on_request(solver, deadline):
            code = solver.solve(relaxation.model)
        if code == cp_model.INFEASIBLE:
            return None  # only with pins: then the week has no roster at all
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
            log.warning("relaxed bound: CP-SAT answered %s", solver.status_name(code))
            break
        if math.isfinite(solver.best_objective_bound):
            found = max(0, math.ceil(solver.best_objective_bound - 1e-6))
            best = found if best is None else max(best, found)
        if code != cp_model.OPTIMAL or gap == 0:
            break  # the time ran out, or the relaxation is solved
        held = relaxation.held
        if not capacity_cuts(relaxation.model, facts, held, solver.boolean_value, deadline):
            gap = 0.0
        hint_whole(relaxation.model, list(solver.response_proto.solution))
    return best


def build_relaxation(facts: Facts, deadline: Deadline) -> Relaxation:
    """The relaxed model of the week, with its objective (:mod:`solver.search.target` adds
    constraints to it).

    Raises:
        Stopped: the deadline passed (checked per client and per therapist).
    """
    relaxation = Relaxation(cp_model.CpModel())
    for cf in facts.clients.values():
        deadline.check()
        _add_client(relaxation, facts, cf)
    _add_groups(relaxation, facts)
    _add_caseloads(relaxation, facts)
    places = _places(facts, deadline)
    for therapist in facts.instance.therapists:
        deadline.check()
        _add_time(relaxation, places.get(therapist.id, []), therapist.id)
    model = relaxation.model
    add_group_clauses(model, facts, relaxation.held, relaxation.assign, deadline)
    weights, counts = zip(*relaxation.terms, strict=True) if relaxation.terms else ((), ())
    model.minimize(_Sum.weighted_sum(list(counts), list(weights)))
    return relaxation


def _add_client(relaxation: Relaxation, facts: Facts, cf: ClientFacts) -> None:
    """The client's placement, group, primary therapist and appointments, with their terms."""
    model, client = relaxation.model, cf.client
    weights = facts.instance.program.weights
    trips = _trips_by_group(facts, cf)
    groups = [g for g in cf.groups if g in trips]
    if not cf.placeable or not groups:
        relaxation.terms.append((weights.unassigned * client.priority, 1))
        if client.pinned_group is not None or client.pinned_therapist is not None:
            model.add_bool_or([])  # a pin no roster can honour: the week has none
        return
    placed = model.new_bool_var(f"placed[{client.id}]")
    relaxation.placed[client.id] = placed
    relaxation.terms.append((weights.unassigned * client.priority, 1 - placed))
    if client.pinned_group is not None or client.pinned_therapist is not None:
        model.add(placed == 1)  # R11; the facts keep only the pinned group and therapist
    xs = {g: model.new_bool_var(f"assign[{client.id},{g}]") for g in groups}
    ys = {t: model.new_bool_var(f"primary[{client.id},{t}]") for t in cf.therapists}
    relaxation.assign.update({(client.id, g): x for g, x in xs.items()})
    relaxation.primary.update({(client.id, t): y for t, y in ys.items()})
    model.add(_Sum.sum(list(xs.values())) == placed)
    model.add(_Sum.sum(list(ys.values())) == placed)
    if client.shift_preference is not None and weights.shift_mismatch:
        other = [
            x for g, x in xs.items() if facts.instance.group(g).shift != client.shift_preference
        ]
        relaxation.terms.append((weights.shift_mismatch, _Sum.sum(other)))
    if client.preferred_therapists and weights.not_preferred_therapist:
        other = [y for t, y in ys.items() if t not in client.preferred_therapists]
        relaxation.terms.append((weights.not_preferred_therapist, _Sum.sum(other)))
    if weights.extra_trip:
        trip_groups = [g for g, n in trips.items() if n]
        counts = _Sum.weighted_sum([xs[g] for g in trip_groups], [trips[g] for g in trip_groups])
        relaxation.terms.append((weights.extra_trip, counts))
    for kf in cf.kinds.values():
        _add_kind(relaxation, facts, cf, kf, placed, ys)


def _add_kind(
    relaxation: Relaxation,
    facts: Facts,
    cf: ClientFacts,
    kf: KindFacts,
    placed: cp_model.IntVar,
    primary: dict[str, cp_model.IntVar],
) -> None:
    """One kind of appointment: its providers' minutes, and ``appointment_missed``.

    A required kind is held in full with the chosen provider (the primary therapist, or
    one specialist: R12); a wanted kind with ``held`` appointments, at most as many as the
    provider has days for, and the rest are missed.
    """
    model, client_id = relaxation.model, cf.client.id
    if kf.primary:
        chosen = {t: primary[t] for t in kf.starts if t in primary}
    else:
        chosen = {
            t: model.new_bool_var(f"provider[{client_id},{kf.kind.id},{t}]") for t in kf.starts
        }
        if chosen:
            model.add(_Sum.sum(list(chosen.values())) <= placed)
            if kf.required:
                model.add(_Sum.sum(list(chosen.values())) == placed)
    if kf.required:
        for t, lit in chosen.items():
            relaxation.loads[t].append((kf.count * kf.minutes, lit))
        return
    held_by: list[cp_model.IntVar] = []
    for t, lit in chosen.items():
        most = min(kf.count, len({s // MINUTES_PER_DAY for s in kf.starts[t]}))
        mine = relaxation.held[client_id, kf.kind.id, t] = []
        for i in range(most):
            # The i-th appointment held with t; one literal per appointment keeps the
            # minutes linear.
            held = model.new_bool_var(f"held[{client_id},{kf.kind.id},{t},{i}]")
            model.add_implication(held, lit)
            if held_by and i:
                model.add_implication(held, held_by[-1])
            held_by.append(held)
            mine.append(held)
            relaxation.loads[t].append((kf.minutes, held))
    weight = facts.instance.program.weights.appointment_missed
    if weight:
        relaxation.terms.append((weight, kf.count * placed - _Sum.sum(held_by)))
    if held_by:
        model.add(_Sum.sum(held_by) <= kf.count)


def _trips_by_group(facts: Facts, cf: ClientFacts) -> dict[str, int]:
    """For each group the client could join with all their required appointments (each
    kind on as many different days, clear of the group's meetings unless it is a pull-out
    one): the extra trips any roster with the client in it pays at least (for each kind,
    the appointments that cannot fall on a meeting day). Other groups are left out."""
    required = [kf for kf in cf.kinds.values() if kf.required]
    by_kind = [(kf, _starts_by_day(kf)) for kf in required]
    cache: dict[tuple[str, int, tuple[Span, ...]], bool] = {}
    out: dict[str, int] = {}
    for group_id in cf.groups:
        pull_out = facts.instance.group(group_id).pull_out
        meetings = meetings_by_day(facts.meetings[group_id])
        trips = 0
        for kf, days in by_kind:
            usable = 0
            on_meeting_days = 0
            for day, starts in days.items():
                today = meetings.get(day)
                if today is None:
                    usable += 1
                    continue
                key = (kf.kind.id, day, today)
                if not pull_out and key not in cache:
                    cache[key] = any(
                        all(overlap((s, s + kf.minutes), m) == 0 for m in today) for s in starts
                    )
                if pull_out or cache[key]:
                    usable += 1
                    on_meeting_days += 1
            if usable < kf.count:
                break
            trips = max(trips, kf.count - on_meeting_days)
        else:
            out[group_id] = trips
    return out


def _starts_by_day(kf: KindFacts) -> dict[int, list[int]]:
    """Every start of the kind with any provider, by day."""
    return starts_by_day(sorted({s for starts in kf.starts.values() for s in starts}))


def _add_groups(relaxation: Relaxation, facts: Facts) -> None:
    """R3 sizes, R4 facilitators (one per running group, at most ``max_groups`` each, one
    meeting at a time), R1 avoided facilitators, R8 rooms, R9 keep-apart; ``open_group``."""
    model, instance = relaxation.model, facts.instance
    members: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
    for (client_id, group_id), x in relaxation.assign.items():
        members[group_id].append((client_id, x))
    minimum = instance.program.group_min_size
    for group_id, joined in members.items():
        group = instance.group(group_id)
        runs = model.new_bool_var(f"runs[{group_id}]")
        relaxation.runs[group_id] = runs
        size = _Sum.sum([x for _, x in joined])
        model.add(size <= group.capacity * runs)
        model.add(size >= minimum * runs)
        leads = {
            t: model.new_bool_var(f"leads[{t},{group_id}]") for t in facts.facilitators[group_id]
        }
        model.add(_Sum.sum(list(leads.values())) == runs)
        relaxation.leads.update({(t, group_id): f for t, f in leads.items()})
        week = sum(hi - lo for lo, hi in facts.meetings[group_id])
        for t, f in leads.items():
            relaxation.loads[t].append((week, f))
        for client_id, x in joined:
            for t in facts.clients[client_id].client.avoid_therapists:
                if t in leads:
                    model.add(x + leads[t] <= 1)
        if instance.program.weights.open_group:
            relaxation.terms.append((instance.program.weights.open_group, runs))
    _add_facilitator_limits(relaxation, facts)
    rooms: dict[str, list[str]] = defaultdict(list)
    for group_id in relaxation.runs:
        room = instance.group(group_id).room
        if room is not None:
            rooms[room].append(group_id)
    for group_ids in rooms.values():
        for clique in _simultaneous(facts, group_ids):
            model.add_at_most_one(relaxation.runs[g] for g in clique)
    for a, b in facts.keep_apart:
        for group_id in facts.meetings:
            xa, xb = relaxation.assign.get((a, group_id)), relaxation.assign.get((b, group_id))
            if xa is not None and xb is not None:
                model.add(xa + xb <= 1)


def _add_facilitator_limits(relaxation: Relaxation, facts: Facts) -> None:
    """Each therapist leads at most ``max_groups`` groups, and one meeting at a time."""
    led: dict[str, list[str]] = defaultdict(list)
    for t, group_id in relaxation.leads:
        led[t].append(group_id)
    for therapist in facts.instance.therapists:
        group_ids = led.get(therapist.id, [])
        lits = [relaxation.leads[therapist.id, g] for g in group_ids]
        if len(lits) > therapist.max_groups:
            relaxation.model.add(_Sum.sum(lits) <= therapist.max_groups)
        for clique in _simultaneous(facts, group_ids):
            relaxation.model.add_at_most_one(relaxation.leads[therapist.id, g] for g in clique)


def _simultaneous(facts: Facts, group_ids: list[str]) -> list[list[str]]:
    """The groups meeting at each moment one of them begins a meeting, when two or more
    (each set once)."""
    found: dict[tuple[str, ...], None] = {}
    for moment in sorted({lo for g in group_ids for lo, _ in facts.meetings[g]}):
        clique = tuple(
            g for g in group_ids if any(lo <= moment < hi for lo, hi in facts.meetings[g])
        )
        if len(clique) > 1:
            found[clique] = None
    return [list(c) for c in found]


def _add_caseloads(relaxation: Relaxation, facts: Facts) -> None:
    """R5 caseloads, and ``caseload_spread`` over the therapists with a caseload."""
    model = relaxation.model
    loads: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (_, t), y in relaxation.primary.items():
        loads[t].append(y)
    with_caseload = [t for t in facts.instance.therapists if t.max_caseload > 0]
    for therapist in with_caseload:
        if len(loads[therapist.id]) > therapist.max_caseload:
            model.add(_Sum.sum(loads[therapist.id]) <= therapist.max_caseload)
    weight = facts.instance.program.weights.caseload_spread
    if not weight or not with_caseload:
        return
    top = max(t.max_caseload for t in with_caseload)
    largest = model.new_int_var(0, top, "caseload_max")
    smallest = model.new_int_var(0, top, "caseload_min")
    for therapist in with_caseload:
        load = _Sum.sum(loads[therapist.id])
        model.add(largest >= load)
        model.add(smallest <= load)
    relaxation.terms.append((weight, largest - smallest))


def _places(facts: Facts, deadline: Deadline) -> dict[str, list[Span]]:
    """For each therapist, the union (sorted disjoint spans) of every place where they
    could be busy: the meetings of the groups they may lead and every appointment they
    could hold."""
    starts: dict[tuple[str, int], set[int]] = defaultdict(set)
    for cf in facts.clients.values():
        deadline.check()
        for kf in cf.kinds.values():
            for t, offered in kf.starts.items():
                starts[t, kf.minutes].update(offered)
    spans: dict[str, list[Span]] = defaultdict(list)
    for (t, minutes), found in starts.items():
        spans[t] += [(s, s + minutes) for s in found]
    for group_id, leaders in facts.facilitators.items():
        for t in leaders:
            spans[t] += facts.meetings[group_id]
    return {t: union(busy) for t, busy in spans.items()}


def union(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _add_time(relaxation: Relaxation, places: list[Span], therapist_id: str) -> None:
    """R7's consequence: the therapist's meetings and appointments, which never overlap,
    fit in the places where they could be."""
    items = relaxation.loads.get(therapist_id, [])
    room = sum(hi - lo for lo, hi in places)
    if sum(minutes for minutes, _ in items) > room:
        lits = [lit for _, lit in items]
        minutes = [m for m, _ in items]
        relaxation.model.add(_Sum.weighted_sum(lits, minutes) <= room)
