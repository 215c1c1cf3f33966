"""Explanations a program manager can act on.

* :func:`penalty_breakdown`: every penalty a roster pays, one item per term and
  client / group / therapist, each with a sentence. The items come from the
  model's own named penalty list, evaluated on the roster, so they add up to
  the roster's ``penalties`` by construction (and a roster that breaks a rule
  is refused).
* :func:`what_would_it_take`: for an unassigned client, the smallest changes
  that would place them (a seat more in a named group, a named therapist with
  one more caseload place, a named busy interval shortened, other clients
  moved), each with its objective change; bounded in time.
"""

from __future__ import annotations

import copy
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from ortools.sat.python import cp_model

from solver.analysis.diff import diff
from solver.analysis.reasons import RosterContext
from solver.analysis.recommend import recommend
from solver.errors import InputError, Problem
from solver.instance import DAYS, MINUTES_PER_DAY, Instance, Interval, parse_instance
from solver.model import Variables, build_model
from solver.precompute import (
    ClientFacts,
    Facts,
    StartSets,
    derive_facts,
    fmt_span,
    interval_at,
    merged,
    span,
    spans_overlap,
)
from solver.roster import Roster
from solver.solve import solve

__all__ = ["PenaltyItem", "WhatIf", "explain_command", "penalty_breakdown", "what_would_it_take"]


@dataclass(frozen=True)
class PenaltyItem:
    """One penalty the roster pays: ``amount = weight * count``."""

    term: str
    subject: str
    weight: int
    count: int
    amount: int
    sentence: str


@dataclass(frozen=True)
class WhatIf:
    """One change that would let an unassigned client be placed."""

    client: str
    change: str
    objective_change: int
    placement: str


def penalty_breakdown(
    instance: Instance, roster: Roster, *, previous: Roster | None = None
) -> list[PenaltyItem]:
    """Every penalty ``roster`` pays, with a sentence each; amounts sum to its penalties.

    Raises:
        InputError: the roster is infeasible/unknown, or breaks a rule of the
            instance (run ``check`` to see which).
    """
    if roster.status in ("infeasible", "unknown"):
        raise InputError([Problem("", "status", f"the roster is {roster.status}: no penalties")])
    facts = derive_facts(instance)
    built = build_model(facts, previous)
    _fix_to_roster(built.model, built.variables, facts, roster)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30
    if solver.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InputError(
            [Problem("", "", "the roster breaks a rule of the instance; run 'check' to see which")]
        )
    context = _Sentences(facts, roster, previous)
    items = []
    for p in built.penalties:
        count = int(solver.value(p.count))
        if count:
            items.append(
                PenaltyItem(
                    p.term,
                    p.subject,
                    p.weight,
                    count,
                    p.weight * count,
                    context.sentence(p.term, p.subject, p.day, count),
                )
            )
    return items


def _fix_to_roster(model: cp_model.CpModel, v: Variables, facts: Facts, roster: Roster) -> None:
    placements = {p.id: p for p in roster.clients}
    facilitator = {g.id: g.facilitator for g in roster.groups}

    def fix(var: cp_model.IntVar | None, value: bool, what: str) -> None:
        if var is None:
            if value:
                raise InputError(
                    [Problem("", "", f"{what} is impossible in this instance; run 'check'")]
                )
            return
        model.add(var == int(value))

    for client_id in facts.clients:
        p = placements.get(client_id)
        fix(v.placed(client_id), p is not None, f"placing {client_id}")
        if p is None:
            continue
        fix(v.assign(client_id, p.group), True, f"{client_id} in {p.group}")
        fix(v.primary(client_id, p.therapist), True, f"{client_id} with {p.therapist}")
        sessions = v.sessions(client_id)
        starts = sorted(span(s)[0] for s in p.sessions)
        start_vars = sessions.starts if sessions is not None else ()
        if len(starts) != len(start_vars):
            fix(None, True, f"{client_id} with {len(starts)} session(s)")
        for start_var, start in zip(start_vars, starts, strict=True):
            model.add(start_var == start)
    for group_id in facts.meetings:
        runs = v.runs(group_id)
        fix(runs, group_id in facilitator, f"running {group_id}")
        for therapist_id, f in v.facilitators_of(group_id):
            model.add(f == int(facilitator.get(group_id) == therapist_id))


class _Sentences:
    """Sentences for penalty items, with the roster as context."""

    def __init__(self, facts: Facts, roster: Roster, previous: Roster | None) -> None:
        self.facts = facts
        self.instance = facts.instance
        self.roster = roster
        self.context = RosterContext(facts, roster)
        self.placement = {p.id: p for p in roster.clients}
        self.reasons = {u.id: u.reasons for u in roster.unassigned}
        self.previous = {p.id: p for p in previous.clients} if previous else {}
        self.previous_groups = {g.id: g for g in previous.groups} if previous else {}

    def sentence(self, term: str, subject: str, day: int | None, count: int) -> str:
        return getattr(self, f"_{term}")(subject, day, count)  # type: ignore[no-any-return]

    def _unassigned(self, client_id: str, day: int | None, count: int) -> str:
        client = self.instance.client(client_id)
        why = self.reasons.get(client_id, ["no reason recorded"])
        return f"{client_id} is unassigned (priority {client.priority}): {why[0]}"

    def _shift_mismatch(self, client_id: str, day: int | None, count: int) -> str:
        client = self.instance.client(client_id)
        p = self.placement[client_id]
        group = self.instance.group(p.group)
        cf = self.facts.clients[client_id]
        wanted = [g for g in self.instance.groups if g.shift == client.shift_preference]
        obstacles = [
            why for g in wanted if (why := self.context.group_obstacle(cf, g.id)) is not None
        ]
        because = "; ".join(obstacles) if obstacles else "a place there would cost more overall"
        if not wanted:
            because = f"no {client.shift_preference} group is offered"
        return (
            f"{client_id} prefers {client.shift_preference}; placed in {p.group} "
            f"({group.shift}) because {because}"
        )

    def _not_preferred_therapist(self, client_id: str, day: int | None, count: int) -> str:
        client = self.instance.client(client_id)
        p = self.placement[client_id]
        cf = self.facts.clients[client_id]
        obstacles = [
            why
            for t in client.preferred_therapists
            if (why := self.context.therapist_obstacle(cf, t)) is not None
        ]
        because = "; ".join(obstacles) if obstacles else "that would cost more overall"
        return (
            f"{client_id} prefers {', '.join(client.preferred_therapists)}; primary therapist "
            f"is {p.therapist} because {because}"
        )

    def _extra_trip(self, client_id: str, day: int | None, count: int) -> str:
        p = self.placement[client_id]
        group = self.instance.group(p.group)
        meets = ", ".join(sorted({m.day for m in group.meetings}, key=DAYS.index))
        when = [s for s in p.sessions if day is not None and s.day_index == day]
        at = f" at {when[0].start}" if when else ""
        day_name = DAYS[day] if day is not None else "another day"
        return (
            f"{client_id} comes in on {day_name} for the individual session with "
            f"{p.therapist}{at}; {p.group} meets {meets}"
        )

    def _caseload_spread(self, subject: str, day: int | None, count: int) -> str:
        loads = {
            t.id: self.context.caseload[t.id]
            for t in self.instance.therapists
            if t.max_caseload > 0
        }
        low, high = min(loads.values()), max(loads.values())
        lows = ", ".join(t for t, n in loads.items() if n == low)
        highs = ", ".join(t for t, n in loads.items() if n == high)
        return f"caseloads range from {low} ({lows}) to {high} ({highs})"

    def _open_group(self, group_id: str, day: int | None, count: int) -> str:
        members = self.context.members.get(group_id, [])
        return (
            f"{group_id} runs with {len(members)} clients, facilitated by "
            f"{self.context.facilitator.get(group_id)}"
        )

    def _group_change(self, client_id: str, day: int | None, count: int) -> str:
        before = self.previous[client_id].group
        return f"{client_id} moves from {before} to {self.placement[client_id].group}"

    def _therapist_change(self, client_id: str, day: int | None, count: int) -> str:
        before = self.previous[client_id].therapist
        after = self.placement[client_id].therapist
        return f"{client_id}'s primary therapist changes from {before} to {after}"

    def _session_moved(self, client_id: str, day: int | None, count: int) -> str:
        before = ", ".join(_when(s) for s in self.previous[client_id].sessions) or "none"
        after = ", ".join(_when(s) for s in self.placement[client_id].sessions)
        return f"{client_id}: {count} session(s) moved (now {after}; before {before})"

    def _facilitator_change(self, group_id: str, day: int | None, count: int) -> str:
        before = self.previous_groups[group_id].facilitator
        return (
            f"{group_id}: facilitator changes from {before} to "
            f"{self.context.facilitator.get(group_id)}"
        )


def _when(s: Interval) -> str:
    return f"{s.day} {s.start}"


def what_would_it_take(
    instance: Instance, roster: Roster, client_id: str, *, time_limit: float = 10.0
) -> tuple[list[WhatIf], bool]:
    """The smallest changes that would place an unassigned client, best first.

    Tries, within ``time_limit`` seconds: one more seat in each full group the
    client may join, one more caseload place for each eligible therapist whose
    caseload is full, each busy interval shortened so that a group fits, and
    a re-solve that may move other clients (rerun penalties apply). Returns
    the options and whether the search finished in time.
    """
    deadline = time.perf_counter() + time_limit
    facts = derive_facts(instance, [client_id])
    cf = facts.clients[client_id]
    context = RosterContext(facts, roster)
    found: list[WhatIf] = []

    def attempt(change: str, changed: Instance) -> None:
        options = recommend(changed, roster, client_id, k=1)
        if options:
            found.append(
                WhatIf(client_id, change, options[0].objective_change, options[0].describe())
            )

    candidates = list(_relaxations(instance, cf, context))
    finished = True
    for change, changed in candidates:
        if time.perf_counter() > deadline:
            finished = False
            break
        attempt(change, changed)
    remaining = deadline - time.perf_counter()
    if cf.placeable and remaining > 0.5:
        moved = _solve_with_client_placed(instance, roster, client_id, remaining)
        if moved is not None:
            found.append(moved)
    elif cf.placeable:
        finished = False
    found.sort(key=lambda w: w.objective_change)
    return found, finished


def _relaxations(
    instance: Instance, cf: ClientFacts, context: RosterContext
) -> list[tuple[str, Instance]]:
    out: list[tuple[str, Instance]] = []
    data = instance.model_dump(mode="json")
    program_max = instance.program.group_max_size
    for group_id in cf.groups:
        members = context.members.get(group_id)
        capacity = instance.group(group_id).capacity
        if members is not None and len(members) >= capacity:
            changed = _edit(data, partial(_grow_group, group_id=group_id))
            note = "" if capacity < program_max else f" (above the program's {program_max})"
            out.append((f"one more seat in {group_id}: {capacity + 1}{note}", changed))
    for therapist_id in cf.therapists:
        t = instance.therapist(therapist_id)
        if context.caseload[therapist_id] >= t.max_caseload:
            changed = _edit(data, partial(_grow_caseload, therapist_id=therapist_id))
            out.append((f"{therapist_id} takes one more client ({t.max_caseload + 1})", changed))
    for therapist_id, slots in _therapist_time_wanted(instance, cf, context):
        changed = _edit(data, partial(_add_hours, therapist_id=therapist_id, slots=slots))
        when = ", ".join(fmt_span(s) for s in slots)
        out.append((f"{therapist_id} free {when} (added to their hours)", changed))
    client = cf.client
    for group_id in cf.excluded_groups:
        group = instance.group(group_id)
        if group.population != client.population or client.track not in group.tracks:
            continue
        if group.audience is not None and group.audience not in client.audiences:
            continue
        meetings = [span(m) for m in group.meetings]
        for index, busy in enumerate(client.busy):
            b = span(busy)
            clashing = [m for m in meetings if spans_overlap(m, b)]
            if not clashing:
                continue
            shortened = _shorten(b, clashing)
            if shortened is None:
                text = f"{client.id} free during {busy.day} {busy.start}-{busy.end}"
            else:
                text = f"{client.id}'s busy {busy} shortened to {fmt_span(shortened)}"
            changed = _edit(
                data, partial(_set_busy, client_id=client.id, index=index, new=shortened)
            )
            out.append((f"{text}, so that {group_id} fits", changed))
    return out


def _therapist_time_wanted(
    instance: Instance, cf: ClientFacts, context: RosterContext
) -> list[tuple[str, list[tuple[int, int]]]]:
    """For each therapist who could take the client but for time: the slots to add.

    A therapist qualifies when they hold the client's needs, are not avoided and
    have a caseload place left, yet have no free slot (in their hours, not
    booked in the roster) that fits the client's free time. The slots proposed
    are the earliest grid slots on different days, within the open hours,
    outside the client's busy hours and the therapist's bookings, days on which
    one of the client's possible groups meets first (no extra trip).
    """
    client = cf.client
    if client.individual_sessions == 0 or not cf.groups:
        return []
    minutes = cf.session_minutes
    grid = StartSets(instance.program.slot_minutes)
    busy = [span(b) for b in client.busy]
    client_free = grid.within(merged(instance.program.open_hours), minutes) - grid.touching(
        busy, minutes
    )
    group_days = {lo // MINUTES_PER_DAY for g in cf.groups for lo, _ in context.facts.meetings[g]}
    days = sorted(range(len(DAYS)), key=lambda d: (d not in group_days, d))
    out = []
    for therapist in instance.therapists:
        if (
            any(n not in therapist.specialties for n in client.needs)
            or therapist.id in client.avoid_therapists
            or context.caseload[therapist.id] >= therapist.max_caseload
        ):
            continue
        if context.therapist_obstacle(cf, therapist.id) is None:
            continue  # they have time for the client already
        # Only hours they do not have yet: their own hours are free or booked already.
        taken = context.booked[therapist.id] + context.facts.availability[therapist.id]
        free = sorted(client_free - grid.touching(taken, minutes))
        earliest: dict[int, int] = {}
        for start in free:
            earliest.setdefault(start // MINUTES_PER_DAY, start)
        slots = [(earliest[d], earliest[d] + minutes) for d in days if d in earliest]
        if len(slots) >= client.individual_sessions:
            out.append((therapist.id, slots[: client.individual_sessions]))
    return out


def _add_hours(data: dict[str, Any], therapist_id: str, slots: list[tuple[int, int]]) -> None:
    therapists = data["therapists"]
    assert isinstance(therapists, list)
    for t in therapists:
        if t["id"] == therapist_id:
            t["availability"].extend(interval_at(lo, hi - lo).model_dump() for lo, hi in slots)


def _shorten(busy: tuple[int, int], clashing: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The busy span cut back so that no clashing meeting overlaps it, or None."""
    lo, hi = busy
    for m_lo, m_hi in clashing:
        if m_lo <= lo:
            lo = max(lo, m_hi)
        else:
            hi = min(hi, m_lo)
    return (lo, hi) if lo < hi else None


def _edit(data: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> Instance:
    edited = copy.deepcopy(data)
    change(edited)
    return parse_instance(edited)


def _grow_group(data: dict[str, Any], group_id: str) -> None:
    groups = data["groups"]
    program = data["program"]
    assert isinstance(groups, list) and isinstance(program, dict)
    for g in groups:
        if g["id"] == group_id:
            g["max_size"] += 1
            program["group_max_size"] = max(program["group_max_size"], g["max_size"])


def _grow_caseload(data: dict[str, Any], therapist_id: str) -> None:
    therapists = data["therapists"]
    assert isinstance(therapists, list)
    for t in therapists:
        if t["id"] == therapist_id:
            t["max_caseload"] += 1


def _set_busy(
    data: dict[str, Any], client_id: str, index: int, new: tuple[int, int] | None
) -> None:
    clients = data["clients"]
    assert isinstance(clients, list)
    for c in clients:
        if c["id"] != client_id:
            continue
        if new is None:
            del c["busy"][index]
        else:
            c["busy"][index] = interval_at(new[0], new[1] - new[0]).model_dump()


def _solve_with_client_placed(
    instance: Instance, roster: Roster, client_id: str, time_limit: float
) -> WhatIf | None:
    """Re-solve with the client's placement made worth more than any move of others."""
    data = instance.model_dump(mode="json")
    moves = data["program"]["weights"]
    total_moves = sum(
        moves[k]
        for k in ("group_change", "therapist_change", "session_moved", "facilitator_change")
    )
    for c in data["clients"]:
        if c["id"] == client_id:
            c["priority"] = max(
                c["priority"],
                1 + 4 * total_moves * len(instance.clients) // max(1, moves["unassigned"]),
            )
    boosted = parse_instance(data)
    result = solve(boosted, previous=roster, time_limit=time_limit, workers=1)
    new = result.placement(client_id)
    if new is None or result.objective is None:
        return None
    changes = [
        c
        for c in diff(roster, result).changes
        if c.subject != client_id and c.subject_kind == "client"
    ]
    moved = sorted({c.subject for c in changes})
    rerun = sum(
        result.penalties.as_dict()[k]
        for k in ("group_change", "therapist_change", "session_moved", "facilitator_change")
    )
    base = result.penalties.as_dict()
    # The boosted priority only changes the unassigned term of this client, who is placed.
    change = (sum(base.values()) - rerun) - (roster.objective or 0)
    who = ", ".join(moved) if moved else "nobody"
    return WhatIf(
        client_id,
        f"other clients move ({who})",
        change,
        f"{client_id} in {new.group} with {new.therapist}; {len(changes)} change(s) for others, "
        f"rerun penalties {rerun}",
    )


def explain_command(
    instance: Instance,
    roster: Roster,
    *,
    previous: Roster | None = None,
    what_if: bool = False,
    time_limit: float = 30.0,
) -> list[str]:
    """The lines ``python -m solver explain`` prints."""
    if roster.status in ("infeasible", "unknown"):
        return [f"status {roster.status}", *roster.explanation]
    items = penalty_breakdown(instance, roster, previous=previous)
    lines = [f"{i.term:<24} {i.amount:>6}  {i.sentence}" for i in items]
    totals: dict[str, int] = defaultdict(int)
    for i in items:
        totals[i.term] += i.amount
    lines.append("")
    summed = ", ".join(f"{t} {a}" for t, a in totals.items()) or "no penalties"
    lines.append(f"totals: {summed}; objective {sum(totals.values())}")
    if what_if and roster.unassigned:
        deadline = time.perf_counter() + time_limit
        share = time_limit / len(roster.unassigned)
        for u in roster.unassigned:
            left = deadline - time.perf_counter()
            if left <= 0:
                lines.append(f"{u.id}: not searched (time limit reached)")
                continue
            options, finished = what_would_it_take(
                instance, roster, u.id, time_limit=min(share, left)
            )
            lines.append("")
            lines.append(f"what would it take to place {u.id}:")
            for w in options[:5]:
                lines.append(f"  {w.change}: objective {w.objective_change:+d} ({w.placement})")
            if not options:
                lines.append("  no single change found")
            if not finished:
                lines.append("  (search cut short by the time limit)")
    return lines
