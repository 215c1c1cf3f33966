"""Why a client is unassigned, in words a program manager can act on.

Clients who can never be placed carry the reasons found in precomputation
(no group of their population and track, every group meets during their busy
hours, no therapist holds their needs ...). For the others the roster itself
tells: which of their groups are full (and with whom), which do not run, and
which therapists have no caseload or time left.
"""

from __future__ import annotations

from collections import defaultdict

from solver.instance import MINUTES_PER_DAY
from solver.precompute import ClientFacts, Facts, Span, span, spans_overlap
from solver.roster import Roster, Unassigned


def unassigned_reasons(facts: Facts, roster: Roster) -> list[Unassigned]:
    """One entry with reasons for every client the roster does not place."""
    placed = {p.id for p in roster.clients}
    context = _RosterContext(facts, roster)
    return [
        Unassigned(id=client.id, reasons=_reasons(facts.clients[client.id], context))
        for client in facts.instance.clients
        if client.id not in placed
    ]


class _RosterContext:
    """What the roster has taken: seats, caseloads and therapists' hours."""

    def __init__(self, facts: Facts, roster: Roster) -> None:
        self.facts = facts
        self.members = {g.id: g.clients for g in roster.groups}
        self.facilitator = {g.id: g.facilitator for g in roster.groups}
        self.caseload: dict[str, int] = defaultdict(int)
        self.busy: dict[str, list[Span]] = defaultdict(list)
        for p in roster.clients:
            self.caseload[p.therapist] += 1
            self.busy[p.therapist].extend(span(s) for s in p.sessions)
        for g in roster.groups:
            self.busy[g.facilitator].extend(facts.meetings[g.id])
        self.priority = {c.id: c.priority for c in facts.instance.clients}


def _reasons(cf: ClientFacts, ctx: _RosterContext) -> list[str]:
    if not cf.placeable:
        return list(cf.reasons)
    client = cf.client
    instance = ctx.facts.instance
    minimum = instance.program.group_min_size
    apart = {b for a, b in ctx.facts.keep_apart if a == client.id}
    apart |= {a for a, b in ctx.facts.keep_apart if b == client.id}

    blocked: list[str] = []
    open_groups: list[str] = []
    higher_priority = True
    for group_id in cf.groups:
        members = ctx.members.get(group_id)
        capacity = instance.group(group_id).capacity
        if members is None:
            blocked.append(
                f"{group_id} does not run this week (it needs at least {minimum} clients "
                "and a free qualified facilitator)"
            )
            higher_priority = False
        elif len(members) >= capacity:
            lower = [m for m in members if ctx.priority[m] < client.priority]
            higher_priority &= not lower
            blocked.append(f"{group_id} is full ({len(members)} of {capacity})")
        elif apart & set(members):
            other = sorted(apart & set(members))[0]
            blocked.append(f"{group_id} holds {other}, who must be kept apart from {client.id}")
            higher_priority = False
        elif ctx.facilitator[group_id] in client.avoid_therapists:
            blocked.append(
                f"{group_id} is facilitated by {ctx.facilitator[group_id]}, whom "
                f"{client.id} avoids"
            )
            higher_priority = False
        else:
            open_groups.append(group_id)

    free_therapists: list[str] = []
    busy_therapists: list[str] = []
    for therapist_id in cf.therapists:
        therapist = instance.therapist(therapist_id)
        load = ctx.caseload[therapist_id]
        if load >= therapist.max_caseload:
            busy_therapists.append(f"{therapist_id}'s caseload is full ({load} of "
                                   f"{therapist.max_caseload})")
        elif not _has_free_days(cf, therapist_id, ctx):
            busy_therapists.append(
                f"{therapist_id} has no free {cf.session_minutes}-minute slot left that fits "
                f"{client.id}'s free time"
            )
        else:
            free_therapists.append(therapist_id)

    reasons = []
    if not open_groups:
        lead = ("every group open to this client is full with clients of equal or higher "
                "priority" if higher_priority and blocked else
                "no group open to this client has a seat")
        reasons.append(f"{lead}: " + "; ".join(blocked))
    if not free_therapists:
        reasons.append("no eligible primary therapist is free: " + "; ".join(busy_therapists))
    if not reasons:
        reasons.append(
            f"seats remain in {', '.join(open_groups)} and {', '.join(free_therapists)} "
            "have caseload left, but no combination fits the client's sessions around "
            "their group and work hours without breaking a rule or costing more than "
            "leaving the client out"
        )
    return reasons


def _has_free_days(cf: ClientFacts, therapist_id: str, ctx: _RosterContext) -> bool:
    taken = ctx.busy[therapist_id]
    days = {
        start // MINUTES_PER_DAY
        for start in cf.starts.get(therapist_id, [])
        if not any(spans_overlap((start, start + cf.session_minutes), t) for t in taken)
    }
    return len(days) >= cf.client.individual_sessions


__all__ = ["unassigned_reasons"]
