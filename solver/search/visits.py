"""Wanted appointments in the placement relaxation: what no roster can hold.

The relaxation of :mod:`solver.search.relaxed_bound` holds a client's wanted appointments
(kinds that are not ``required``: family sessions, psychiatry visits) with a provider up to
the days the provider has starts for them, and counts only the provider's minutes over the
week. On version-2 weeks that misses most of ``appointment_missed``: a prescriber who works
a few afternoons cannot see every client whose free time meets those afternoons, and a
family free only while the client's group meets gets no session. Two consequences of R2,
R6 and R7, each valid for every roster, sharpen it:

* **group clauses** (:func:`add_group_clauses`): the appointments of a kind held with a
  provider are at most as many as the days the client's group leaves with a start of the
  kind clear of its meetings (a pull-out group never blocks);
* **capacity cuts** (:func:`capacity_cuts`): a set of requests (client and kind) to one
  provider holds at most as many appointments as fit in the provider's calendar at the
  clients' feasible starts, none overlapping, at most one a day per client and kind
  (:func:`most_held`, a small CP-SAT model whose bound counts even when it is not proved).
  A solution of the relaxation that holds more than that with a provider gives a cut on
  those requests, and the relaxation is solved again.

Leaving out the rest of the calendar (the provider's groups and required appointments, the
clients' group meetings) only makes :func:`most_held` larger, so every cut holds in every
roster and the relaxation's bound stays a lower bound. Measured on v2-m-normal-1 (one
worker): the relaxation's value rises from 3,078 to 3,975 (nine visits that no roster can
hold) after two rounds of cuts (benchmarks/README.md, eleventh session).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

from solver.instance import MINUTES_PER_DAY
from solver.options import Deadline
from solver.precompute import Facts, KindFacts, Span

__all__ = [
    "CHECK_SECONDS",
    "Held",
    "HeldKey",
    "add_group_clauses",
    "capacity_cuts",
    "meetings_by_day",
    "most_held",
    "overlap",
    "starts_by_day",
    "usable_days",
]

CHECK_SECONDS = 1.0
"""The most one :func:`most_held` may take (its bound, proved or not, is used then)."""

HeldKey = tuple[str, str, str]
"""A request to one provider: (client id, kind id, provider id)."""

Held = dict[HeldKey, list[cp_model.IntVar]]
"""For each request, the relaxation's literals "the i-th appointment is held", in order."""


def overlap(a: Span, b: Span) -> int:
    """Minutes two half-open spans share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def meetings_by_day(meetings: list[Span]) -> dict[int, tuple[Span, ...]]:
    """Meetings grouped by their day."""
    out: dict[int, list[Span]] = defaultdict(list)
    for m in meetings:
        out[m[0] // MINUTES_PER_DAY].append(m)
    return {day: tuple(spans) for day, spans in out.items()}


def starts_by_day(starts: list[int]) -> dict[int, list[int]]:
    """Start minutes grouped by their day."""
    out: dict[int, list[int]] = defaultdict(list)
    for start in starts:
        out[start // MINUTES_PER_DAY].append(start)
    return out


def usable_days(
    kf: KindFacts, by_day: dict[int, list[int]], meetings: dict[int, tuple[Span, ...]]
) -> int:
    """Days with a start of the kind clear of ``meetings``, counted up to ``kf.count``."""
    usable = 0
    for day, starts in by_day.items():
        today = meetings.get(day)
        if today is None or any(
            all(overlap((s, s + kf.minutes), m) == 0 for m in today) for s in starts
        ):
            usable += 1
            if usable >= kf.count:
                break
    return usable


def add_group_clauses(
    model: cp_model.CpModel,
    facts: Facts,
    held: Held,
    assign: dict[tuple[str, str], cp_model.IntVar],
    deadline: Deadline,
) -> int:
    """For each request: the appointments held are at most as many as the days the client's
    group leaves free for them (a pull-out group leaves every day), as one linear constraint
    over the client's groups (one clause per group and appointment made the relaxation's LP
    twice as slow on a 250-client site). Returns how many constraints were added.

    Raises:
        Stopped: the deadline passed (checked per request).
    """
    meetings: dict[str, dict[int, tuple[Span, ...]]] = {}
    added = 0
    for (client_id, kind_id, provider), lits in held.items():
        deadline.check()
        cf = facts.clients[client_id]
        kf = cf.kinds[kind_id]
        by_day = starts_by_day(kf.starts[provider])
        room: list[tuple[int, cp_model.IntVar]] = []
        for group_id in cf.groups:
            x = assign.get((client_id, group_id))
            if x is None:
                continue
            days = len(lits)
            if not facts.instance.group(group_id).pull_out:
                if group_id not in meetings:
                    meetings[group_id] = meetings_by_day(facts.meetings[group_id])
                days = min(days, usable_days(kf, by_day, meetings[group_id]))
            room.append((days, x))
        if lits and any(days < len(lits) for days, _ in room):
            model.add(
                cp_model.LinearExpr.sum(lits)
                <= cp_model.LinearExpr.weighted_sum([x for _, x in room], [d for d, _ in room])
            )
            added += 1
    return added


def capacity_cuts(
    model: cp_model.CpModel,
    facts: Facts,
    held: Held,
    holds: Callable[[cp_model.IntVar], bool],
    deadline: Deadline,
) -> int:
    """Add a capacity cut for each provider with whom a solution (``holds`` reads its
    literals) holds more appointments than :func:`most_held` allows for the requests it
    holds them for. Returns how many cuts were added."""
    chosen: dict[str, list[HeldKey]] = defaultdict(list)
    count: dict[str, int] = defaultdict(int)
    for key, lits in held.items():
        n = sum(1 for lit in lits if holds(lit))
        if n:
            chosen[key[2]].append(key)
            count[key[2]] += n
    added = 0
    for provider, keys in chosen.items():
        if deadline.expired():
            break
        if count[provider] < 2:
            continue
        most = most_held(facts, provider, keys, min(CHECK_SECONDS, deadline.left()))
        if most < count[provider]:
            model.add(cp_model.LinearExpr.sum([lit for key in keys for lit in held[key]]) <= most)
            added += 1
    return added


def most_held(facts: Facts, provider: str, keys: list[HeldKey], seconds: float) -> int:
    """At most how many appointments of the requests ``keys`` fit in ``provider``'s
    calendar: each at one of the client's feasible starts with the provider, none
    overlapping, at most one a day per request and ``count`` in all. CP-SAT's bound after
    ``seconds`` (rounded down), which is the optimum when it proves it."""
    model = cp_model.CpModel()
    intervals: list[cp_model.IntervalVar] = []
    presences: list[cp_model.IntVar] = []
    for client_id, kind_id, _ in keys:
        kf = facts.clients[client_id].kinds[kind_id]
        offered = kf.starts[provider]
        # One appointment: one interval over every start; more: one per day.
        by_day = [offered] if kf.count == 1 else list(starts_by_day(offered).values())
        mine = []
        for starts in by_day:
            present = model.new_bool_var("held")
            start = model.new_int_var_from_domain(Domain.from_values(starts), "start")
            intervals.append(
                model.new_optional_fixed_size_interval_var(start, kf.minutes, present, "visit")
            )
            mine.append(present)
        model.add(cp_model.LinearExpr.sum(mine) <= kf.count)
        presences += mine
    model.add_no_overlap(intervals)
    model.maximize(cp_model.LinearExpr.sum(presences))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.catch_sigint_signal = False
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return len(presences)
    return min(len(presences), math.floor(solver.best_objective_bound + 1e-6))
