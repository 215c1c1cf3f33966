"""What the greedy (:mod:`solver.search.greedy`) reads of the week before placing anyone:
slots per day, who could join which group (R1, busy hours, R10) and in what order clients
take their turn, and who may hold their wanted appointments."""

from __future__ import annotations

from collections.abc import Sequence

from solver.instance import AppointmentKind, Client, Group, Instance
from solver.search.greedy_outcome import NO_GUIDE, Guide, StageCounts
from solver.search.spans import by_day, hits, to_slots

__all__ = ["WeekFacts"]


class WeekFacts:
    """The week as the greedy reads it; it changes nothing while the greedy places."""

    def __init__(self, instance: Instance, guide: Guide | None) -> None:
        self.inst = instance
        self.guide = guide or NO_GUIDE
        program = instance.program
        self.slot = program.slot_minutes
        self.min_size = program.group_min_size
        self.open_hours = by_day(to_slots(program.open_hours))
        self.meetings = {g.id: to_slots(g.meetings) for g in instance.groups}
        self.meeting_days = {g.id: by_day(self.meetings[g.id]) for g in instance.groups}
        self.group_index = {g.id: i for i, g in enumerate(instance.groups)}
        self.weekly_minutes = {g.id: g.weekly_minutes for g in instance.groups}
        self.serving: dict[tuple[str, str], list[Group]] = {}
        for g in instance.groups:
            for track in g.tracks:
                self.serving.setdefault((g.population, track), []).append(g)
        self.therapist_index = {t.id: i for i, t in enumerate(instance.therapists)}
        self.availability = {t.id: by_day(to_slots(t.availability)) for t in instance.therapists}
        self.specialties = {t.id: frozenset(t.specialties) for t in instance.therapists}
        self.busy = {c.id: by_day(to_slots(c.busy)) for c in instance.clients}
        self.family = {c.id: by_day(to_slots(c.family_availability)) for c in instance.clients}
        self.apart: dict[str, set[str]] = {c.id: set() for c in instance.clients}
        for c in instance.clients:
            for other in c.keep_apart:
                if other != c.id:
                    self.apart[c.id].add(other)
                    self.apart[other].add(c.id)

    # -- ordering ---------------------------------------------------------------------------

    def _order(self, clients: Sequence[Client]) -> list[Client]:
        listed = self.guide.order or [c.id for c in self.inst.clients]
        index = {c: i for i, c in enumerate(listed)}

        def key(c: Client) -> tuple[bool, int, int]:
            pinned = c.pinned_group is not None or c.pinned_therapist is not None
            return (not pinned, -c.priority, index.get(c.id, len(index)))

        return sorted(clients, key=key)

    # -- wanted appointments ---------------------------------------------------------------

    def _wanted(self, client: Client) -> list[AppointmentKind]:
        """The wanted kinds the client asks for."""
        return [k for k in self.inst.kinds if not k.required and self.inst.requested(client, k)]

    def _providers(self, client: Client, kind: AppointmentKind, therapist_id: str) -> list[str]:
        """Who may hold the client's appointments of ``kind``: the primary therapist, or each
        qualified specialist the client does not avoid (the guide's first)."""
        if kind.provider == "primary":
            return [therapist_id]
        needed = frozenset(kind.provider_specialties)
        out = [
            t.id
            for t in self.inst.therapists
            if t.id not in client.avoid_therapists and needed <= self.specialties[t.id]
        ]
        held = self.guide.held.get((client.id, kind.id))
        return sorted(out, key=lambda t: t != held)

    def _later(self, client: Client, kind: AppointmentKind) -> bool:
        """Guided: a wanted kind the guide does not hold (booked last, where it still fits)."""
        return (
            bool(self.guide.group_of)
            and not kind.required
            and (client.id, kind.id) not in self.guide.held
        )

    # -- static fit ---------------------------------------------------------------------------

    def _eligible(self, client: Client, why: StageCounts) -> list[Group]:
        """Groups that fit the client whatever else happens: R1 (but the facilitator), busy, R10
        (with every counted appointment the client asks for)."""
        needed = self.inst.min_weekly_minutes(client)
        most = self.inst.counted_minutes_asked(client)
        if client.pinned_group is not None:
            candidates = [self.inst.group(client.pinned_group)]
        else:
            candidates = self.serving.get((client.population, client.track), [])
        fitting = []
        busy = self.busy[client.id]
        for group in candidates:
            if (
                group.population != client.population
                or client.track not in group.tracks
                or client.level_id not in group.level_ids
                or (group.audience is not None and group.audience not in client.audiences)
                or (group.site is not None and client.sites and group.site not in client.sites)
            ):
                why.note("r1")
            elif any(hits(busy, slot) for slot in self.meetings[group.id]):
                why.note("busy")
            elif self.weekly_minutes[group.id] + most < needed:
                why.note("hours")
            else:
                fitting.append(group)
        return fitting
