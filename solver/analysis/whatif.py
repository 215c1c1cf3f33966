"""What would it take to place a client the roster leaves out, or to fit a missed appointment.

:func:`what_would_it_take` tries the smallest changes that would place an
unassigned client (a seat more in a named group, a named therapist with one more
caseload place, a named busy interval shortened, other clients moved), each with
its objective change, within a time limit. :func:`what_would_fit_missed` (from
:mod:`solver.analysis.missed_whatif`) finds, for each appointment kind a placed client
misses, one more hour of a provider's or the family's time that would fit it.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from solver.analysis.diff import Change, diff
from solver.analysis.missed_whatif import MissedFix, what_would_fit_missed
from solver.analysis.reasons import RosterContext
from solver.analysis.recommend import recommend
from solver.errors import InputError
from solver.instance import DAYS, MAX_PRIORITY, MINUTES_PER_DAY, Instance, parse_instance
from solver.options import SolveOptions
from solver.precompute import (
    ClientFacts,
    derive_facts,
    fmt_span,
    interval_at,
    merged,
    span,
    spans_overlap,
)
from solver.roster import Roster
from solver.solving import solve
from solver.starts import StartSets

__all__ = ["MissedFix", "WhatIf", "what_would_fit_missed", "what_would_it_take"]


@dataclass(frozen=True)
class WhatIf:
    """One change that would let an unassigned client be placed."""

    client: str
    change: str
    objective_change: int
    placement: str
    moved: tuple[str, ...] = ()
    """Other clients whose group, therapist or sessions change (the re-solve only)."""
    left_out: tuple[str, ...] = ()
    """Other clients placed now who would be left out (the re-solve only)."""
    also_placed: tuple[str, ...] = ()
    """Other clients left out now who would be placed too (the re-solve only)."""


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
    main = cf.main_kind
    if main is None or not main.required or not cf.groups:
        return []
    minutes, count = main.minutes, main.count
    grid = StartSets(instance.program.slot_minutes)
    busy = [span(b) for b in client.busy]
    client_free = grid.within(merged(instance.program.open_hours), minutes) - grid.touching(
        busy, minutes
    )
    if main.kind.with_family:
        client_free &= grid.within(merged(client.family_availability), minutes)
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
        if len(slots) >= count:
            out.append((therapist.id, slots[:count]))
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
            boost = 1 + 4 * total_moves * len(instance.clients) // max(1, moves["unassigned"])
            # Capped at the format's bound on priorities: with extreme weights the re-solve
            # may then still leave the client out, and this option is simply not offered.
            c["priority"] = min(MAX_PRIORITY, max(c["priority"], boost))
    try:
        boosted = parse_instance(data)
    except InputError:  # the boosted week's objective could pass the format's bound
        return None
    result = solve(boosted, SolveOptions(time_limit=time_limit, workers=1), previous=roster)
    new = result.placement(client_id)
    if new is None or result.objective is None:
        return None
    others = [
        c
        for c in diff(roster, result).changes
        if c.subject != client_id and c.subject_kind == "client"
    ]
    left_out = _subjects(others, "newly_unassigned")
    also_placed = _subjects(others, "newly_placed")
    moved = tuple(sorted({c.subject for c in others} - set(left_out) - set(also_placed)))
    rerun = sum(
        result.penalties.as_dict()[k]
        for k in ("group_change", "therapist_change", "session_moved", "facilitator_change")
    )
    base = result.penalties.as_dict()
    # The boosted priority only changes the unassigned term of this client, who is placed.
    change = (sum(base.values()) - rerun) - (roster.objective or 0)
    changed = sum(1 for c in others if c.subject in moved)
    placement = (
        f"{client_id} in {new.group} with {new.therapist}; {changed} change(s) for others, "
        f"rerun penalties {rerun}"
    )
    if left_out:
        placement += f"; {_count(left_out)} left out"
    return WhatIf(
        client_id,
        _moves_sentence(moved, left_out, also_placed),
        change,
        placement,
        moved=moved,
        left_out=left_out,
        also_placed=also_placed,
    )


def _subjects(changes: list[Change], kind: str) -> tuple[str, ...]:
    return tuple(sorted({c.subject for c in changes if c.kind == kind}))


def _count(ids: tuple[str, ...]) -> str:
    return "1 client" if len(ids) == 1 else f"{len(ids)} clients"


def _moves_sentence(
    moved: tuple[str, ...], left_out: tuple[str, ...], also_placed: tuple[str, ...]
) -> str:
    """``other clients move (C003, C004)``, then who would be left out, and who placed too.

    A client who would lose their place is named as left out, never as one who moves.
    """
    parts = [f"other clients move ({', '.join(moved)})"] if moved else []
    if left_out:
        parts.append(f"{', '.join(left_out)} left out instead")
    if also_placed:
        parts.append(f"{', '.join(also_placed)} placed too")
    return "; ".join(parts) if parts else "a re-solve (nobody else changes)"
