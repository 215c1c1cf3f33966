"""Why a client is unassigned, in words a program manager can act on.

Clients who can never be placed carry the reasons found in precomputation
(no group of their population and track, every group meets during their busy
hours, no therapist holds their needs ...), said more plainly where their level of
care or the sites they can reach rule out every group, or where nobody can provide a
required specialist kind (:class:`~solver.analysis.missed.AppointmentFit` says why). For
the others the roster itself tells: which of their groups are full (and with whom),
which do not run, which therapists have no caseload or time left for the required kinds
they provide, and which required specialist kinds have every provider booked full.
"""

from __future__ import annotations

from collections import defaultdict

from solver.analysis.missed import AppointmentFit, hours_text
from solver.instance import MINUTES_PER_DAY
from solver.precompute import ClientFacts, Facts, KindFacts, Span, span, spans_overlap
from solver.roster import Roster, Unassigned
from solver.starts import StartSets


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
            for a in p.appointments:
                self.booked[a.provider].append(span(a))
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
        """Why the therapist cannot take the client on; None if caseload and time are left
        (time for each required kind their primary therapist provides)."""
        if therapist_id in cf.excluded_therapists:
            return cf.excluded_therapists[therapist_id]
        therapist = self.instance.therapist(therapist_id)
        load = self.caseload[therapist_id]
        if load >= therapist.max_caseload:
            return f"{therapist_id}'s caseload is full ({load} of {therapist.max_caseload})"
        for kf in cf.kinds.values():
            if not (kf.primary and kf.required):
                continue
            if len(self.free_days(kf, therapist_id)) < kf.count:
                slot = f"free {kf.minutes}-minute slot left"
                if kf.kind.id != "individual":
                    slot += f" for a {kf.kind.id} appointment"
                return f"{therapist_id} has no {slot} that fits {cf.client.id}'s free time"
        return None

    def free_days(self, kf: KindFacts, therapist_id: str) -> set[int]:
        """Days on which the therapist has a start of the kind free in the roster."""
        taken = self.booked[therapist_id]
        return {
            start // MINUTES_PER_DAY
            for start in kf.starts.get(therapist_id, [])
            if not any(spans_overlap((start, start + kf.minutes), t) for t in taken)
        }

    def specialist_obstacle(self, cf: ClientFacts, kf: KindFacts) -> str | None:
        """Why no provider of a required specialist kind has time left for the client as the
        roster stands; None when one has."""
        if any(len(self.free_days(kf, t)) >= kf.count for t in kf.starts):
            return None
        role = kf.kind.provider_specialties[0] if kf.kind.provider_specialties else "provider"
        who = "; ".join(
            f"{t} (works {hours_text(self.facts.availability.get(t, []))})" for t in kf.starts
        )
        return (
            f"every {role} who could see {cf.client.id} for {kf.kind.id} is booked full at "
            f"the times {cf.client.id} is free: {who}"
        )


def _reasons(cf: ClientFacts, ctx: RosterContext) -> list[str]:
    if not cf.placeable:
        return _static_reasons(cf, ctx)
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
    for kf in cf.kinds.values():
        if kf.required and not kf.primary:
            why = ctx.specialist_obstacle(cf, kf)
            if why is not None:
                reasons.append(why)
    if not reasons:
        only_individual = set(cf.kinds) <= {"individual"}
        what = "sessions" if only_individual else "appointments"
        reasons.append(
            f"seats remain in {', '.join(open_groups)} and {', '.join(free_therapists)} "
            f"have caseload left, but no combination fits the client's {what} around "
            "their group and work hours without breaking a rule or costing more than "
            "leaving the client out"
        )
    return reasons


def _static_reasons(cf: ClientFacts, ctx: RosterContext) -> list[str]:
    """The reasons of a client who can never be placed: precomputation's, with the groups
    the client's level or sites rule out, and the required specialist kinds nobody can
    provide, said in the words a manager acts on."""
    reasons = list(cf.reasons)
    if not cf.groups and reasons:
        better = _level_or_site_reason(ctx, cf)
        if better is not None:
            reasons[0] = better
    grid = StartSets(ctx.instance.program.slot_minutes)
    for kf in cf.kinds.values():
        if not kf.required or kf.primary or kf.starts:
            continue
        fit = AppointmentFit(
            ctx.instance,
            ctx.facts,
            grid,
            cf.client,
            kf.kind,
            group_id=None,
            primary=None,
            own=[],
            taken={},
        )
        told = f"no {kf.kind.id} provider (holding"
        sentence = f"{cf.client.id} needs {kf.count} {kf.kind.id} appointment(s) a week: " + (
            "; ".join(fit.reasons(kf.count))
        )
        at = next((i for i, r in enumerate(reasons) if r.startswith(told)), None)
        if at is None:
            reasons.append(sentence)
        else:
            reasons[at] = sentence
    return reasons


def _level_or_site_reason(ctx: RosterContext, cf: ClientFacts) -> str | None:
    """``C012 can reach only site north; the php groups meet at south``, when the client's
    level or sites rule out every group of their population, track and audience."""
    client = cf.client
    label = f"{client.population} {client.track}"
    matching = [
        g
        for g in ctx.instance.groups
        if g.population == client.population
        and client.track in g.tracks
        and (g.audience is None or g.audience in client.audiences)
    ]
    if not matching:
        return None
    level = client.level_id
    at_level = [g for g in matching if level in g.level_ids]
    if not at_level:
        served = sorted({v for g in matching for v in g.level_ids})
        return (
            f"{client.id} is at level {level}; no {label} group serves it (they serve "
            f"{', '.join(served)})"
        )
    if not client.sites:
        return None
    reachable = [g for g in at_level if g.site is None or g.site in client.sites]
    if reachable:
        return None
    sites = sorted({g.site for g in at_level if g.site is not None})
    plural = "s" if len(client.sites) > 1 else ""
    return (
        f"{client.id} can reach only site{plural} {', '.join(client.sites)}; the {level} "
        f"{label} groups meet at {', '.join(sites)}"
    )


__all__ = ["RosterContext", "unassigned_reasons"]
