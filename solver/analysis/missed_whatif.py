"""What would fit a missed appointment: one more hour of a provider's time, or of the family's.

Everyone stays where the roster puts them. For each kind a placed client misses, a small
search tries one extra hour: of a provider's availability (the primary therapist for a
primary kind; for a specialist kind the client's provider of the kind, else each therapist
holding its specialties) at a time the client (and the family) is free, the clinic is open
and the provider is not booked; or, for a family kind, of the family's free hours at a time
the client and the provider are free. Hours that extend the provider's day (or the family's
free hours) come first, then days the client comes in anyway, then the week's order. The
appointment so found keeps every rule with nobody else moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from solver.analysis.missed import AppointmentFit, kind_noun, taken_by_roster
from solver.instance import DAYS, MINUTES_PER_DAY, Instance, minutes_to_time
from solver.precompute import Facts, Span, derive_facts, interval_at, merged, span
from solver.roster import Appointment, Placement, Roster
from solver.starts import StartSets

__all__ = ["MissedFix", "what_would_fit_missed"]

HOUR = 60


@dataclass(frozen=True)
class MissedFix:
    """One extra hour that would fit one missed appointment of a placed client.

    ``appointment`` is None when no single extra hour fits; ``change`` then says why not.
    """

    client: str
    kind: str
    missed: int
    change: str
    objective_change: int
    appointment: Appointment | None

    @property
    def sentence(self) -> str:
        """``one more hour of T9 on tue (17:00-18:00) would fit C031's psychiatry appointment
        (tue 17:00-17:30 with T9; objective -100)``."""
        noun = kind_noun(self.kind)
        of = f"one of {self.client}'s {self.missed} missed {noun}s"
        if self.missed == 1:
            of = f"{self.client}'s {noun}"
        a = self.appointment
        if a is None:
            return f"no single extra hour would fit {of}: {self.change}"
        return (
            f"{self.change} would fit {of} ({a.day} {a.start}-{a.end} with {a.provider}; "
            f"objective {self.objective_change:+d})"
        )


def what_would_fit_missed(
    instance: Instance, roster: Roster, client_id: str | None = None
) -> list[MissedFix]:
    """One :class:`MissedFix` per kind each placed client (or only ``client_id``) misses, in
    the roster's order."""
    facts = derive_facts(instance, [])
    taken = taken_by_roster(roster, facts)
    grid = StartSets(instance.program.slot_minutes)
    out = []
    for p in roster.clients:
        if (client_id is not None and p.id != client_id) or not instance.has_client(p.id):
            continue
        for m in p.missed:
            if m.kind in {k.id for k in instance.kinds}:
                out.append(_fix(instance, facts, grid, taken, p, m.kind, m.count))
    return out


def _fix(
    instance: Instance,
    facts: Facts,
    grid: StartSets,
    taken: Mapping[str, list[Span]],
    p: Placement,
    kind_id: str,
    missed: int,
) -> MissedFix:
    kind = instance.kind(kind_id)
    fit = AppointmentFit(
        instance,
        facts,
        grid,
        instance.client(p.id),
        kind,
        group_id=p.group,
        primary=p.therapist,
        own=p.appointments,
        taken=taken,
    )
    group_days = {lo // MINUTES_PER_DAY for lo, _ in facts.meetings.get(p.group, [])}
    come_in = group_days | {a.day_index for a in p.appointments}
    w = instance.program.weights
    best: tuple[tuple[bool, bool, int], str, Appointment] | None = None
    for provider in fit.providers():
        for start, change, extends in _provider_hours(fit, provider):
            rank = (not extends, start // MINUTES_PER_DAY not in come_in, start)
            if best is None or rank < best[0]:
                best = (rank, change, _at(kind_id, provider, start, fit.minutes))
        if kind.with_family:
            for start, change, extends in _family_hours(fit, provider):
                rank = (not extends, start // MINUTES_PER_DAY not in come_in, start)
                if best is None or rank < best[0]:
                    best = (rank, change, _at(kind_id, provider, start, fit.minutes))
    if best is None:
        why = fit.reasons(1)[0]
        return MissedFix(p.id, kind_id, missed, why, 0, None)
    _, change, appointment = best
    trip = appointment.day_index not in come_in
    objective = -w.appointment_missed + (w.extra_trip if trip else 0)
    return MissedFix(p.id, kind_id, missed, change, objective, appointment)


def _at(kind: str, provider: str, start: int, minutes: int) -> Appointment:
    at = interval_at(start, minutes)
    return Appointment(kind=kind, provider=provider, day=at.day, start=at.start, end=at.end)


def _hour_around(start: int, minutes: int, hours: list[Span]) -> tuple[Span, bool]:
    """The extra hour (or the appointment's length, when longer) that, added to ``hours``,
    holds an appointment at ``start``: one that extends a span of ``hours`` when it can
    (True), else the hour from the start (False)."""
    end = start + minutes
    length = max(HOUR, minutes)
    day_lo = (start // MINUTES_PER_DAY) * MINUTES_PER_DAY
    day_hi = day_lo + MINUTES_PER_DAY
    for lo, hi in hours:
        # Right after the span: the span and the hour cover [start, end).
        if hi < end <= hi + length <= day_hi and (hi <= start or lo <= start):
            return (hi, hi + length), True
        # Right before it.
        if start < lo and day_lo <= lo - length <= start and (lo >= end or hi >= end):
            return (lo - length, lo), True
    block_end = min(start + length, day_hi)
    return (block_end - length, block_end), False


def _provider_hours(fit: AppointmentFit, provider: str) -> list[tuple[int, str, bool]]:
    """Starts at which the appointment fits once the provider has one more hour around it,
    with the sentence that names the hour and whether it extends their hours."""
    hours = fit.provider_hours(provider)
    m = fit.minutes
    booked = fit.grid.touching(list(fit.taken.get(provider, [])), m)
    outside = fit.unused_starts() - booked - fit.grid.within(hours, m)
    out = []
    for start in sorted(outside):
        block, extends = _hour_around(start, m, hours)
        text = f"{_more(block)} of {provider} on {_block_text(block)}"
        out.append((start, text, extends))
    return out


def _family_hours(fit: AppointmentFit, provider: str) -> list[tuple[int, str, bool]]:
    """Starts at which a family appointment fits once the family is free one more hour."""
    m = fit.minutes
    client = fit.client
    family = merged(client.family_availability)
    open_starts = fit.grid.within(merged(fit.instance.program.open_hours), m)
    busy = [span(b) for b in client.busy]
    own = [span(a) for a in fit.own]
    used_days = {a.day_index for a in fit.same_kind}
    free = (
        open_starts
        - fit.grid.touching(busy, m)
        - fit.grid.touching(fit.meeting_spans(), m)
        - fit.grid.touching(own, m)
        - fit.grid.touching(list(fit.taken.get(provider, [])), m)
    ) & fit.grid.within(fit.provider_hours(provider), m)
    free -= fit.grid.within(family, m)
    out = []
    for start in sorted(s for s in free if s // MINUTES_PER_DAY not in used_days):
        block, extends = _hour_around(start, m, family)
        text = f"{_more(block)} of {client.id}'s family's free time on {_block_text(block)}"
        out.append((start, text, extends))
    return out


def _more(block: Span) -> str:
    minutes = block[1] - block[0]
    return "one more hour" if minutes == HOUR else f"{minutes} more minutes"


def _block_text(block: Span) -> str:
    day, lo = divmod(block[0], MINUTES_PER_DAY)
    hi = block[1] - day * MINUTES_PER_DAY
    return f"{DAYS[day]} ({minutes_to_time(lo)}-{minutes_to_time(hi)})"
