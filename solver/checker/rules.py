"""The hard rules R1-R11 of ``docs/format.md``, one function each, named after the rule's id.

Each function reads the :class:`~solver.checker.week.Week` and yields the rule's
violations; :data:`RULES` lists them in rule order, the order :func:`solver.checker.check`
reports in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from solver.checker.report import Violation
from solver.checker.week import Span, SpanUnion, Week, clock, names, spans

__all__ = [
    "RULES",
    "Rule",
    "r1_eligibility",
    "r2_client_time",
    "r3_group_size",
    "r4_facilitator",
    "r5_primary_therapist",
    "r6_individual_sessions",
    "r7_no_double_booking",
    "r8_rooms",
    "r9_keep_apart",
    "r10_weekly_hours",
    "r11_pins",
]


def r1_eligibility(week: Week) -> Iterator[Violation]:
    for client, placement in week.placed():
        group = week.group_of(placement)
        if group is None:
            continue
        where = f"client {client.id} in group {group.id}"
        if group.population != client.population:
            yield Violation(
                "R1",
                f"{where}: the group is for {group.population}s, the client is {client.population}",
            )
        if client.track not in group.tracks:
            yield Violation(
                "R1",
                f"{where}: the group serves tracks {names(group.tracks)}, "
                f"not the client's track {client.track}",
            )
        if group.audience is not None and group.audience not in client.audiences:
            yield Violation(
                "R1",
                f"{where}: the group is for audience {group.audience}, "
                "which is not among the client's audiences",
            )
        facilitator = week.facilitator(group.id)
        if facilitator is not None and facilitator.id in client.avoid_therapists:
            yield Violation(
                "R1",
                f"{where}: the client avoids therapist {facilitator.id}, the group's facilitator",
            )


def r2_client_time(week: Week) -> Iterator[Violation]:
    for client, placement in week.placed():
        busy = spans(client.busy)
        group = week.group_of(placement)
        meetings = spans(group.meetings) if group is not None else []
        sessions = spans(placement.sessions)
        for meeting in meetings:
            for other in busy:
                if meeting.overlaps(other):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s group {placement.group} meets {meeting}, "
                        f"overlapping the client's busy time {other}",
                    )
        for session in sessions:
            for other in busy:
                if session.overlaps(other):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s individual session {session} overlaps "
                        f"the client's busy time {other}",
                    )
            for meeting in meetings:
                if session.overlaps(meeting):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s individual session {session} overlaps "
                        f"the meeting {meeting} of their group {placement.group}",
                    )
        for i, first in enumerate(sessions):
            for second in sessions[i + 1 :]:
                if first.overlaps(second):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s individual sessions {first} and {second} overlap",
                    )
                elif first.day == second.day:
                    yield Violation(
                        "R2",
                        f"client {client.id}'s individual sessions {first} and {second} "
                        "are on the same day",
                    )


def r3_group_size(week: Week) -> Iterator[Violation]:
    smallest = week.program.group_min_size
    for group in week.running:
        size = len(week.members[group.id])
        if size < smallest:
            yield Violation(
                "R3",
                f"group {group.id} runs with {size} clients, fewer than group_min_size {smallest}",
            )
        if size > group.capacity:
            yield Violation(
                "R3",
                f"group {group.id} runs with {size} clients, "
                f"more than its max_size {group.capacity}",
            )


def r4_facilitator(week: Week) -> Iterator[Violation]:
    facilitated: dict[str, list[str]] = {}
    for group in week.running:
        named = week.listed_facilitators.get(group.id, [])
        if not named:
            yield Violation("R4", f"group {group.id} runs without a facilitator")
            continue
        if len(named) > 1:
            yield Violation("R4", f"group {group.id} has {len(named)} facilitators: {names(named)}")
            continue
        therapist = week.therapists.get(named[0])
        if therapist is None:
            continue
        facilitated.setdefault(therapist.id, []).append(group.id)
        missing = [s for s in group.facilitator_specialties if s not in therapist.specialties]
        if missing:
            yield Violation(
                "R4",
                f"group {group.id}'s facilitator {therapist.id} lacks specialties {names(missing)}",
            )
        available = SpanUnion(spans(therapist.availability))
        for meeting in spans(group.meetings):
            if not available.holds(meeting):
                yield Violation(
                    "R4",
                    f"group {group.id} meets {meeting}, outside the availability "
                    f"of its facilitator {therapist.id}",
                )
    for therapist in week.instance.therapists:
        groups = facilitated.get(therapist.id, [])
        if len(groups) > therapist.max_groups:
            yield Violation(
                "R4",
                f"therapist {therapist.id} facilitates {len(groups)} groups "
                f"({names(groups)}), more than max_groups {therapist.max_groups}",
            )


def r5_primary_therapist(week: Week) -> Iterator[Violation]:
    caseload: dict[str, list[str]] = {}
    for client, placement in week.placed():
        therapist = week.therapists.get(placement.therapist)
        if therapist is None:
            continue
        caseload.setdefault(therapist.id, []).append(client.id)
        missing = [need for need in client.needs if need not in therapist.specialties]
        if missing:
            yield Violation(
                "R5",
                f"client {client.id}'s primary therapist {therapist.id} lacks "
                f"specialties {names(missing)} that the client needs",
            )
        if therapist.id in client.avoid_therapists:
            yield Violation(
                "R5",
                f"client {client.id} has primary therapist {therapist.id}, whom the client avoids",
            )
    for therapist in week.instance.therapists:
        clients = caseload.get(therapist.id, [])
        if len(clients) > therapist.max_caseload:
            yield Violation(
                "R5",
                f"therapist {therapist.id} is primary therapist of {len(clients)} clients "
                f"({names(clients)}), more than max_caseload {therapist.max_caseload}",
            )


def r6_individual_sessions(week: Week) -> Iterator[Violation]:
    program = week.program
    open_hours = SpanUnion(spans(program.open_hours))
    for client, placement in week.placed():
        sessions = spans(placement.sessions)
        if len(sessions) != client.individual_sessions:
            yield Violation(
                "R6",
                f"client {client.id} has {len(sessions)} individual sessions, "
                f"not individual_sessions {client.individual_sessions}",
            )
        length = week.session_minutes(client)
        therapist = week.therapists.get(placement.therapist)
        available = SpanUnion(spans(therapist.availability)) if therapist is not None else None
        for session in sessions:
            where = f"client {client.id}'s individual session {session}"
            if session.minutes != length:
                yield Violation("R6", f"{where} lasts {session.minutes} minutes, not {length}")
            if session.start % program.slot_minutes:
                yield Violation(
                    "R6",
                    f"{where} starts at {clock(session.start)}, not on a multiple "
                    f"of slot_minutes {program.slot_minutes}",
                )
            if not open_hours.holds(session):
                yield Violation("R6", f"{where} lies outside open_hours")
            if available is not None and not available.holds(session):
                yield Violation(
                    "R6",
                    f"{where} lies outside the availability of therapist {placement.therapist}",
                )


def r7_no_double_booking(week: Week) -> Iterator[Violation]:
    booked: dict[str, list[tuple[Span, str]]] = {}
    for group in week.running:
        therapist = week.facilitator(group.id)
        if therapist is not None:
            booked.setdefault(therapist.id, []).extend(
                (meeting, f"the meeting {meeting} of group {group.id}")
                for meeting in spans(group.meetings)
            )
    for client, placement in week.placed():
        if placement.therapist in week.therapists:
            booked.setdefault(placement.therapist, []).extend(
                (session, f"client {client.id}'s individual session {session}")
                for session in spans(placement.sessions)
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


def r8_rooms(week: Week) -> Iterator[Violation]:
    groups = [g for g in week.running if g.room is not None]
    for i, first in enumerate(groups):
        for second in groups[i + 1 :]:
            if first.room != second.room:
                continue
            clashes = [
                f"{a} and {b}"
                for a in spans(first.meetings)
                for b in spans(second.meetings)
                if a.overlaps(b)
            ]
            if clashes:
                yield Violation(
                    "R8",
                    f"groups {first.id} and {second.id} both run in room {first.room} "
                    f"at overlapping times: {'; '.join(clashes)}",
                )


def r9_keep_apart(week: Week) -> Iterator[Violation]:
    for group in week.running:
        members = [week.clients[c] for c in week.members[group.id]]
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                if second.id in first.keep_apart or first.id in second.keep_apart:
                    yield Violation(
                        "R9",
                        f"clients {first.id} and {second.id} are both in group {group.id}, "
                        "but keep_apart separates them",
                    )


def r10_weekly_hours(week: Week) -> Iterator[Violation]:
    for client, placement in week.placed():
        group = week.group_of(placement)
        if group is None:
            continue
        group_minutes = sum(m.minutes for m in spans(group.meetings))
        session_minutes = sum(s.minutes for s in spans(placement.sessions))
        hours = getattr(week.program.min_weekly_hours, client.population)
        needed = float(hours) * 60
        if group_minutes + session_minutes < needed:
            yield Violation(
                "R10",
                f"client {client.id} has {group_minutes + session_minutes} minutes a week "
                f"(group {group.id} {group_minutes}, individual sessions {session_minutes}), "
                f"less than min_weekly_hours {client.population} {hours:g} "
                f"({needed:g} minutes)",
            )


def r11_pins(week: Week) -> Iterator[Violation]:
    for client in week.instance.clients:
        pins = []
        if client.pinned_group is not None:
            pins.append(f"group {client.pinned_group}")
        if client.pinned_therapist is not None:
            pins.append(f"therapist {client.pinned_therapist}")
        if not pins:
            continue
        placement = week.placements.get(client.id)
        if placement is None:
            yield Violation(
                "R11", f"client {client.id} is pinned to {' and '.join(pins)} but not placed"
            )
            continue
        if client.pinned_group is not None and placement.group != client.pinned_group:
            yield Violation(
                "R11",
                f"client {client.id} is pinned to group {client.pinned_group} "
                f"but placed in group {placement.group}",
            )
        if client.pinned_therapist is not None and placement.therapist != client.pinned_therapist:
            yield Violation(
                "R11",
                f"client {client.id} is pinned to therapist {client.pinned_therapist} "
                f"but has primary therapist {placement.therapist}",
            )


Rule = Callable[[Week], Iterator[Violation]]

RULES: tuple[Rule, ...] = (
    r1_eligibility,
    r2_client_time,
    r3_group_size,
    r4_facilitator,
    r5_primary_therapist,
    r6_individual_sessions,
    r7_no_double_booking,
    r8_rooms,
    r9_keep_apart,
    r10_weekly_hours,
    r11_pins,
)
"""Every rule's function, in rule order."""
