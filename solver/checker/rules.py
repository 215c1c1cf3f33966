"""The hard rules R1-R12 of the format, one function each, named after the rule's id.

Each function reads the :class:`~solver.checker.week.Week` and yields the rule's
violations; :data:`RULES` lists them in rule order, the order :func:`solver.checker.check`
reports in. The rules about a client's time and appointments (R2, R6, R7, R10, R12) live
in :mod:`solver.checker.appointments`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from solver.checker.appointments import (
    r2_client_time,
    r6_appointments,
    r7_no_double_booking,
    r10_weekly_hours,
    r12_specialist_providers,
)
from solver.checker.report import Violation
from solver.checker.week import Week, names, spans

__all__ = [
    "RULES",
    "Rule",
    "r1_eligibility",
    "r2_client_time",
    "r3_group_size",
    "r4_facilitator",
    "r5_primary_therapist",
    "r6_appointments",
    "r7_no_double_booking",
    "r8_rooms",
    "r9_keep_apart",
    "r10_weekly_hours",
    "r11_pins",
    "r12_specialist_providers",
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
        if client.level_id not in group.level_ids:
            yield Violation(
                "R1",
                f"{where}: the group serves levels {names(group.level_ids)}, "
                f"not the client's level {client.level_id}",
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
        if group.site is not None and client.sites and group.site not in client.sites:
            yield Violation(
                "R1",
                f"{where}: the group meets at site {group.site}, "
                f"not among the client's sites {names(client.sites)}",
            )
        facilitator = week.facilitator(group.id)
        if facilitator is not None and facilitator.id in client.avoid_therapists:
            yield Violation(
                "R1",
                f"{where}: the client avoids therapist {facilitator.id}, the group's facilitator",
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
        available = week.availability(therapist)
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
    r6_appointments,
    r7_no_double_booking,
    r8_rooms,
    r9_keep_apart,
    r10_weekly_hours,
    r11_pins,
    r12_specialist_providers,
)
"""Every rule's function, in rule order."""
