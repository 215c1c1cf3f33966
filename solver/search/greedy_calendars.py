"""Therapists' calendars as the greedy (:mod:`solver.search.greedy`) fills them: what each has
committed (groups led, clients' appointments), what is free, and the booking of one kind of
appointment in the first fitting slots."""

from __future__ import annotations

from solver.instance import DAYS, AppointmentKind, Client, Group, Instance
from solver.search.greedy_outcome import Booking, Guide
from solver.search.greedy_week import WeekFacts
from solver.search.spans import Slot, Span, by_day, intersect, subtract

__all__ = ["Calendars"]


class Calendars(WeekFacts):
    """The week with each therapist's commitments so far."""

    def __init__(self, instance: Instance, guide: Guide | None) -> None:
        super().__init__(instance, guide)
        self.members: dict[str, list[str]] = {}  # running group -> its clients
        # Each therapist's commitments, keyed "g:<group>" or "c:<client>", so they can be undone.
        self.commitments: dict[str, dict[str, list[Slot]]] = {t.id: {} for t in instance.therapists}
        self._free_cache: dict[str, list[list[Span]]] = {}
        self.planned: dict[str, list[str]] = {}  # therapist -> groups the guide has them lead
        self.reserve = False  # keep the planned groups' meetings clear (a strict placement)
        for group_id, therapist_id in self.guide.facilitator_of.items():
            self.planned.setdefault(therapist_id, []).append(group_id)

    # -- therapist time -----------------------------------------------------------------------

    def _free(self, therapist_id: str) -> list[list[Span]]:
        """The therapist's availability minus every commitment, per day."""
        cached = self._free_cache.get(therapist_id)
        if cached is None:
            taken = by_day(
                slot for slots in self.commitments[therapist_id].values() for slot in slots
            )
            cached = [
                subtract(spans, taken[day])
                for day, spans in enumerate(self.availability[therapist_id])
            ]
            self._free_cache[therapist_id] = cached
        return cached

    def _commit(self, therapist_id: str, key: str, slots: list[Slot]) -> None:
        self.commitments[therapist_id][key] = slots
        self._free_cache.pop(therapist_id, None)

    def _release(self, therapist_id: str, key: str) -> None:
        self.commitments[therapist_id].pop(key, None)
        self._free_cache.pop(therapist_id, None)

    def _planned(self, therapist_id: str) -> list[list[Span]] | None:
        """The meetings of the groups the guide gives the therapist to lead that are not
        open yet (kept clear of their appointments), per day; None without any."""
        groups = self.planned.get(therapist_id) if self.reserve else None
        waiting = [g for g in groups or () if g not in self.members]
        if not waiting:
            return None
        return by_day(slot for g in waiting for slot in self.meetings[g])

    def _book(
        self,
        client: Client,
        group: Group,
        kind: AppointmentKind,
        provider: str,
        facilitator: str | None,
        booked: list[Booking],
    ) -> list[Booking]:
        """As many appointments of ``kind`` with ``provider`` as the client asks for (one a
        day, group days first, first fitting slot), clear of ``booked``; maybe fewer."""
        count = self.inst.requested(client, kind)
        length = self.inst.appointment_minutes(client, kind)
        group_days = self.meeting_days[group.id]
        free = self._free(provider)
        if provider == facilitator:
            # The group it would open is not committed yet.
            free = [subtract(free[d], group_days[d]) for d in range(len(DAYS))]
        planned = self._planned(provider)
        if planned:
            free = [subtract(free[d], planned[d]) for d in range(len(DAYS))]
        busy = self.busy[client.id]
        family = self.family[client.id] if kind.with_family else None
        order = sorted(range(len(DAYS)), key=lambda d: (not group_days[d], d))
        chosen: list[Booking] = []
        for day in order:
            if len(chosen) == count:
                break
            mine = sorted((b.slot[1], b.slot[2]) for b in booked if b.slot[0] == day)
            theirs = sorted(
                (b.slot[1], b.slot[2])
                for b in booked
                if b.provider == provider and b.slot[0] == day
            )
            client_free = subtract(subtract(self.open_hours[day], busy[day]), mine)
            if not group.pull_out:
                client_free = subtract(client_free, group_days[day])
            if family is not None:
                client_free = intersect(client_free, family[day])
            for start, end in intersect(client_free, subtract(free[day], theirs)):
                first = -(-start // self.slot) * self.slot
                if first + length <= end:
                    chosen.append(Booking(kind.id, provider, (day, first, first + length)))
                    break
        return chosen

    def _most(
        self,
        client: Client,
        group: Group,
        kind: AppointmentKind,
        therapist_id: str,
        facilitator: str | None,
        booked: list[Booking],
    ) -> list[Booking]:
        """The appointments of ``kind`` with the provider who fits the most of them."""
        got: list[Booking] = []
        for provider in self._providers(client, kind, therapist_id):
            trial = self._book(client, group, kind, provider, facilitator, booked)
            if len(trial) > len(got):
                got = trial
            if len(got) == self.inst.requested(client, kind):
                break
        return got
