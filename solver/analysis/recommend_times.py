"""When a client placed by :mod:`solver.analysis.recommend` has their appointments of every
kind, everyone else staying put.

Kinds are taken in turn, required kinds first: each gets, with the provider who can hold
the most of them (the primary therapist for a primary kind; for a specialist kind any
provider the precomputation allows, R12: one for all of the kind), the earliest free start
on each of the best days: days the group meets first, then days the client already comes in
for another appointment (no extra trip), then the week's order. A required kind that does
not fit rules the placement out; a wanted kind that does not fit is missed, with reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from solver.analysis.missed import AppointmentFit
from solver.instance import MINUTES_PER_DAY
from solver.precompute import ClientFacts, Facts, KindFacts, Span, interval_at, spans_overlap
from solver.roster import Appointment, Missed
from solver.starts import StartSets

__all__ = ["Chosen", "choose_appointments"]


@dataclass(frozen=True)
class Chosen:
    """The appointments chosen for a placement, the kinds missed and the extra trips."""

    appointments: list[Appointment]
    missed: list[Missed]
    trip_days: list[int]


def choose_appointments(
    facts: Facts,
    cf: ClientFacts,
    group_id: str,
    therapist_id: str,
    taken: Mapping[str, list[Span]],
) -> Chosen | None:
    """The client's appointments in ``group_id`` with primary ``therapist_id``, around the
    therapists' booked spans ``taken``; None when a required kind does not fit or the
    weekly hours (R10) are not reached."""
    instance = facts.instance
    group = instance.group(group_id)
    meetings = facts.meetings[group_id]
    avoid = [] if group.pull_out else meetings
    group_days = {lo // MINUTES_PER_DAY for lo, _ in meetings}
    booked = {t: list(spans) for t, spans in taken.items()}
    chosen: list[Appointment] = []
    short: list[tuple[KindFacts, int]] = []
    kinds = sorted(cf.kinds.values(), key=lambda kf: not kf.required)
    for kf in kinds:
        providers = [therapist_id] if kf.primary else list(kf.starts)
        best: list[Appointment] = []
        best_key = (0, 0)
        for provider in providers:
            blocked = booked.get(provider, []) + avoid
            picked = _pick(kf, provider, blocked, chosen, group_days, meetings)
            trips = {a.day_index for a in [*chosen, *picked]} - group_days
            key = (len(picked), -len(trips))
            if not best or key > best_key:
                best, best_key = picked, key
        if kf.required and len(best) < kf.count:
            return None
        if len(best) < kf.count:
            short.append((kf, kf.count - len(best)))
        chosen += best
        for a in best:
            booked.setdefault(a.provider, []).append(_span_of(a))
    if not _reaches_hours(facts, cf, group_id, chosen):
        return None
    grid = StartSets(instance.program.slot_minutes)
    missed = []
    for kf, count in short:
        fit = AppointmentFit(
            instance,
            facts,
            grid,
            cf.client,
            kf.kind,
            group_id=group_id,
            primary=therapist_id,
            own=chosen,
            taken=booked,
        )
        missed.append(Missed(kind=kf.kind.id, count=count, reasons=fit.reasons(count)))
    days = {a.day_index for a in chosen}
    return Chosen(chosen, missed, sorted(days - group_days))


def _pick(
    kf: KindFacts,
    provider: str,
    blocked: list[Span],
    chosen: list[Appointment],
    group_days: set[int],
    meetings: list[Span],
) -> list[Appointment]:
    """Up to ``kf.count`` appointments with ``provider`` on different days, clear of the
    ``blocked`` spans and of the client's ``chosen`` appointments, and clear of the group's
    ``meetings`` where a day allows (a pull-out group's meetings are not blocked)."""
    own = [_span_of(a) for a in chosen]
    trip_days = {a.day_index for a in chosen}
    first: dict[int, int] = {}
    for start in kf.starts.get(provider, []):
        day = start // MINUTES_PER_DAY
        s = (start, start + kf.minutes)
        if any(spans_overlap(s, b) for b in blocked + own):
            continue
        clear = not any(spans_overlap(s, m) for m in meetings)
        if day not in first or (clear and _meets_at(first[day], kf.minutes, meetings)):
            first[day] = start
    days = sorted(first, key=lambda d: (d not in group_days, d not in trip_days, d))
    return [_appointment(kf, provider, first[d]) for d in sorted(days[: kf.count])]


def _meets_at(start: int, minutes: int, meetings: list[Span]) -> bool:
    return any(spans_overlap((start, start + minutes), m) for m in meetings)


def _appointment(kf: KindFacts, provider: str, start: int) -> Appointment:
    at = interval_at(start, kf.minutes)
    return Appointment(kind=kf.kind.id, provider=provider, day=at.day, start=at.start, end=at.end)


def _span_of(a: Appointment) -> Span:
    base = a.day_index * MINUTES_PER_DAY
    return base + a.start_minute, base + a.end_minute


def _reaches_hours(facts: Facts, cf: ClientFacts, group_id: str, chosen: list[Appointment]) -> bool:
    """R10: the group's meeting minutes and the counted appointments' minutes (a minute in
    both counted once) reach the client's level's minimum."""
    instance = facts.instance
    meetings = facts.meetings[group_id]
    counted = [_span_of(a) for a in chosen if instance.kind(a.kind).counts_toward_hours]
    total = sum(hi - lo for lo, hi in meetings) + sum(hi - lo for lo, hi in counted)
    total -= sum(
        max(0, min(hi, m_hi) - max(lo, m_lo)) for lo, hi in counted for m_lo, m_hi in meetings
    )
    return total >= instance.min_weekly_minutes(cf.client)
