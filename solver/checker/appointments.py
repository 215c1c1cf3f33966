"""The rules about a client's time and appointments: R2, R6, R7, R10 and R12.

Each function reads the :class:`~solver.checker.week.Week` and yields the rule's
violations; :mod:`solver.checker.rules` lists them with the other rules, in rule order.
A version-1 roster is checked the same way: its sessions are appointments of its one
kind ``individual``, with the client's primary therapist.
"""

from __future__ import annotations

from collections.abc import Iterator

from solver.checker.report import Violation
from solver.checker.week import Booking, Span, SpanUnion, Week, clock, names, spans
from solver.instance import AppointmentKind, Client
from solver.roster import Placement

__all__ = [
    "r2_client_time",
    "r6_appointments",
    "r7_no_double_booking",
    "r10_weekly_hours",
    "r12_specialist_providers",
]


def r2_client_time(week: Week) -> Iterator[Violation]:
    """R2: nothing over busy time; appointments clash neither with each other nor with the
    meetings of a group that is not ``pull_out``; one appointment of a kind a day."""
    for client, placement in week.placed():
        busy = spans(client.busy)
        group = week.group_of(placement)
        meetings = spans(group.meetings) if group is not None else []
        pulled_out = group is not None and group.pull_out
        bookings = week.bookings(placement)
        for meeting in meetings:
            for other in busy:
                if meeting.overlaps(other):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s group {placement.group} meets {meeting}, "
                        f"overlapping the client's busy time {other}",
                    )
        for booking in bookings:
            for other in busy:
                if booking.span.overlaps(other):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s {booking.label} overlaps "
                        f"the client's busy time {other}",
                    )
            for meeting in [] if pulled_out else meetings:
                if booking.span.overlaps(meeting):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s {booking.label} overlaps "
                        f"the meeting {meeting} of their group {placement.group}",
                    )
        yield from _appointment_pairs(week, client, bookings)


def _appointment_pairs(week: Week, client: Client, bookings: list[Booking]) -> Iterator[Violation]:
    for i, first in enumerate(bookings):
        for second in bookings[i + 1 :]:
            if first.span.overlaps(second.span):
                yield Violation("R2", f"client {client.id}'s {week.pair(first, second)} overlap")
            elif first.kind == second.kind and first.span.day == second.span.day:
                yield Violation(
                    "R2",
                    f"client {client.id}'s {week.pair(first, second)} are on the same day",
                )


def r6_appointments(week: Week) -> Iterator[Violation]:
    """R6: the number of each kind, and each appointment's length, slot, hours and provider."""
    for client, placement in week.placed():
        bookings = week.bookings(placement)
        for kind in week.instance.kinds:
            count = sum(1 for b in bookings if b.kind == kind.id)
            message = _count_problem(week, client, kind, count)
            if message is not None:
                yield Violation("R6", message)
        for booking in bookings:
            known = week.kinds.get(booking.kind)
            # An appointment of a kind the program lacks is a roster violation (roster_form).
            if known is not None:
                yield from _one_appointment(week, client, placement, known, booking)


def _count_problem(week: Week, client: Client, kind: AppointmentKind, count: int) -> str | None:
    requested = week.instance.requested(client, kind)
    if week.version == 1 and count != requested:
        return (
            f"client {client.id} has {count} individual sessions, "
            f"not individual_sessions {requested}"
        )
    where = f"client {client.id} has {count} {kind.id} appointments"
    if kind.required and count != requested:
        return f"{where}, not the {requested} requested ({kind.id} is required)"
    if count > requested:
        if requested == 0:
            return f"{where}, but requests none"
        return f"{where}, more than the {requested} requested"
    return None


def _one_appointment(
    week: Week, client: Client, placement: Placement, kind: AppointmentKind, booking: Booking
) -> Iterator[Violation]:
    program = week.program
    span = booking.span
    where = f"client {client.id}'s {booking.label}"
    length = week.instance.appointment_minutes(client, kind)
    if span.minutes != length:
        yield Violation("R6", f"{where} lasts {span.minutes} minutes, not {length}")
    if span.start % program.slot_minutes:
        yield Violation(
            "R6",
            f"{where} starts at {clock(span.start)}, not on a multiple "
            f"of slot_minutes {program.slot_minutes}",
        )
    if not week.open_hours.holds(span):
        yield Violation("R6", f"{where} lies outside open_hours")
    provider = week.therapists.get(booking.provider)
    if provider is not None and not week.availability(provider).holds(span):
        yield Violation(
            "R6", f"{where} lies outside the availability of therapist {booking.provider}"
        )
    if kind.with_family and not SpanUnion(spans(client.family_availability)).holds(span):
        yield Violation(
            "R6",
            f"{where} lies outside the client's family_availability ({kind.id} is with_family)",
        )
    if kind.provider == "primary" and booking.provider != placement.therapist:
        yield Violation(
            "R6",
            f"{where} is with therapist {booking.provider}, not the client's primary "
            f"therapist {placement.therapist} ({kind.id} is a primary kind)",
        )


def r7_no_double_booking(week: Week) -> Iterator[Violation]:
    """R7: a therapist's meetings and the appointments they provide do not overlap."""
    booked: dict[str, list[tuple[Span, str]]] = {}
    for group in week.running:
        therapist = week.facilitator(group.id)
        if therapist is not None:
            booked.setdefault(therapist.id, []).extend(
                (meeting, f"the meeting {meeting} of group {group.id}")
                for meeting in spans(group.meetings)
            )
    for client, placement in week.placed():
        for booking in week.bookings(placement):
            if booking.provider in week.therapists:
                booked.setdefault(booking.provider, []).append(
                    (booking.span, f"client {client.id}'s {booking.label}")
                )
    for therapist in week.instance.therapists:
        items = booked.get(therapist.id, [])
        for i, (first, first_name) in enumerate(items):
            for second, second_name in items[i + 1 :]:
                if first.overlaps(second):
                    yield Violation(
                        "R7",
                        f"therapist {therapist.id} is booked twice: {first_name} "
                        f"overlaps {second_name}",
                    )


def r10_weekly_hours(week: Week) -> Iterator[Violation]:
    """R10: group meetings plus counted appointments reach the level's weekly minimum.

    Meetings count in full; an appointment of a kind that counts toward hours adds its
    minutes outside the meetings of a ``pull_out`` group (time spent in both counts
    once). Any other overlap is an R2 violation, and is not deducted here, so that it is
    reported once, as R2 (as in version 1, whose sessions never overlap meetings).
    """
    for client, placement in week.placed():
        group = week.group_of(placement)
        if group is None:
            continue
        meetings = spans(group.meetings)
        group_minutes = sum(m.minutes for m in meetings)
        pulled_out = meetings if group.pull_out else []
        extra = sum(
            b.span.minutes - sum(_shared(b.span, m) for m in pulled_out)
            for b in week.bookings(placement)
            if b.kind in week.kinds and week.kinds[b.kind].counts_toward_hours
        )
        total = group_minutes + extra
        needed = week.instance.min_weekly_minutes(client)
        if total >= needed:
            continue
        level = week.instance.level(client.level_id)
        hours = getattr(level.min_weekly_hours, client.population)
        if week.version == 1:
            parts = f"group {group.id} {group_minutes}, individual sessions {extra}"
            minimum = f"min_weekly_hours {client.population} {hours:g}"
        else:
            parts = f"group {group.id} {group_minutes}, appointments {extra} more"
            minimum = f"level {level.id}'s min_weekly_hours {client.population} {hours:g}"
        yield Violation(
            "R10",
            f"client {client.id} has {total} minutes a week ({parts}), "
            f"less than {minimum} ({needed:g} minutes)",
        )


def _shared(first: Span, second: Span) -> int:
    """Minutes two spans share (0 unless they overlap)."""
    if first.day != second.day:
        return 0
    return max(0, min(first.end, second.end) - max(first.start, second.start))


def r12_specialist_providers(week: Week) -> Iterator[Violation]:
    """R12: a client's appointments of one specialist kind have one provider, who holds the
    kind's ``provider_specialties`` and whom the client does not avoid."""
    for client, placement in week.placed():
        bookings = week.bookings(placement)
        for kind in week.instance.kinds:
            if kind.provider != "specialist":
                continue
            providers: list[str] = []
            for booking in bookings:
                if booking.kind == kind.id and booking.provider not in providers:
                    providers.append(booking.provider)
            if len(providers) > 1:
                yield Violation(
                    "R12",
                    f"client {client.id}'s {kind.id} appointments are with "
                    f"{len(providers)} therapists ({names(providers)}), not one",
                )
            for provider_id in providers:
                yield from _specialist(week, client, kind, provider_id)


def _specialist(
    week: Week, client: Client, kind: AppointmentKind, provider_id: str
) -> Iterator[Violation]:
    provider = week.therapists.get(provider_id)
    if provider is None:
        return
    missing = [s for s in kind.provider_specialties if s not in provider.specialties]
    where = f"client {client.id}'s {kind.id} provider {provider_id}"
    if missing:
        yield Violation(
            "R12", f"{where} lacks specialties {names(missing)} that kind {kind.id} requires"
        )
    if provider_id in client.avoid_therapists:
        yield Violation("R12", f"{where} is a therapist the client avoids")
