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
    context = RosterContext(facts, roster)
    return [
        Unassigned(id=client.id, reasons=_reasons(facts.clients[client.id], context))
        for client in facts.instance.clients
        if client.id not in placed
    ]


class RosterContext:
    """What a roster has taken: seats, facilitators, caseloads and therapists' hours."""

    def __init__(self, facts: Facts, roster: Roster) -> None:
        self.facts = facts
        self.instance = facts.instance
        self.members = {g.id: list(g.clients) for g in roster.groups}
        self.facilitator = {g.id: g.facilitator for g in roster.groups}
        self.caseload: dict[str, int] = defaultdict(int)
        self.booked: dict[str, list[Span]] = defaultdict(list)
        self.groups_led: dict[str, int] = defaultdict(int)
        for p in roster.clients:
            self.caseload[p.therapist] += 1
            self.booked[p.therapist].extend(span(s) for s in p.sessions)
        for g in roster.groups:
            self.groups_led[g.facilitator] += 1
            if self.instance.has_group(g.id):
                self.booked[g.facilitator].extend(facts.meetings[g.id])
        self.priority = {c.id: c.priority for c in facts.instance.clients}

    def kept_apart(self, client_id: str) -> set[str]:
        """Clients who must not share a group with this one."""
        pairs = self.facts.keep_apart
        return {b for a, b in pairs if a == client_id} | {a for a, b in pairs if b == client_id}

    def group_obstacle(self, cf: ClientFacts, group_id: str) -> str | None:
        """Why the client cannot join the group as the roster stands; None if a seat is free."""
        if group_id in cf.excluded_groups:
            return cf.excluded_groups[group_id][0]
        members = self.members.get(group_id)
        if members is None:
            return (
                f"{group_id} does not run this week (it needs at least "
                f"{self.instance.program.group_min_size} clients and a free qualified "
                "facilitator)"
            )
        capacity = self.instance.group(group_id).capacity
        if len(members) >= capacity:
            return f"{group_id} is full ({len(members)} of {capacity})"
        together = sorted(self.kept_apart(cf.client.id) & set(members))
        if together:
            return f"{group_id} holds {together[0]}, who must be kept apart from {cf.client.id}"
        if self.facilitator[group_id] in cf.client.avoid_therapists:
            return (
                f"{group_id} is facilitated by {self.facilitator[group_id]}, whom "
                f"{cf.client.id} avoids"
            )
        return None

    def therapist_obstacle(self, cf: ClientFacts, therapist_id: str) -> str | None:
        """Why the therapist cannot take the client on; None if caseload and time are left."""
        if therapist_id in cf.excluded_therapists:
            return cf.excluded_therapists[therapist_id]
        therapist = self.instance.therapist(therapist_id)
        load = self.caseload[therapist_id]
        if load >= therapist.max_caseload:
            return f"{therapist_id}'s caseload is full ({load} of {therapist.max_caseload})"
        taken = self.booked[therapist_id]
        days = {
            start // MINUTES_PER_DAY
            for start in cf.starts.get(therapist_id, [])
            if not any(spans_overlap((start, start + cf.session_minutes), t) for t in taken)
        }
        if len(days) < cf.client.individual_sessions:
            return (
                f"{therapist_id} has no free {cf.session_minutes}-minute slot left that fits "
                f"{cf.client.id}'s free time"
            )
        return None


def _reasons(cf: ClientFacts, ctx: RosterContext) -> list[str]:
    if not cf.placeable:
        return list(cf.reasons)
    client = cf.client
    blocked: list[str] = []
    open_groups: list[str] = []
    higher_priority = True
    for group_id in cf.groups:
        why = ctx.group_obstacle(cf, group_id)
        if why is None:
            open_groups.append(group_id)
            continue
        blocked.append(why)
        members = ctx.members.get(group_id)
        full = members is not None and len(members) >= ctx.instance.group(group_id).capacity
        if not full or any(ctx.priority[m] < client.priority for m in members or []):
            higher_priority = False
    free_therapists: list[str] = []
    busy_therapists: list[str] = []
    for therapist_id in cf.therapists:
        why = ctx.therapist_obstacle(cf, therapist_id)
        if why is None:
            free_therapists.append(therapist_id)
        else:
            busy_therapists.append(why)

    reasons = []
    if not open_groups:
        lead = (
            "every group open to this client is full with clients of equal or higher priority"
            if higher_priority and blocked
            else "no group open to this client has a seat"
        )
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


__all__ = ["RosterContext", "unassigned_reasons"]
