"""A roster as weekly events (group meetings and appointments of every kind), shared by the
exports, and the selections each view shows: one therapist, client, room or group.

An appointment is an event of kind ``session`` whose ``therapist`` is its provider (the primary
therapist, or the specialist of a psychiatry visit ...), so that a therapist's week holds every
appointment they provide; ``appointment`` is its kind's id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from solver.instance import DAYS, Instance, minutes_to_time
from solver.roster import Roster

__all__ = [
    "DAY_TITLES",
    "Event",
    "appointment_summary",
    "day_title",
    "kind_title",
    "kind_word",
    "of_client",
    "of_group",
    "of_room",
    "of_therapist",
    "placed_clients",
    "roster_events",
    "running_groups",
    "used_rooms",
    "week_title",
]

DAY_TITLES = tuple(day.title() for day in DAYS)
"""``Mon`` ... ``Sun``, by day index."""


@dataclass(frozen=True, slots=True)
class Event:
    """One weekly group meeting or one appointment (``kind`` ``session``).

    Attributes:
        therapist: a meeting's facilitator, or an appointment's provider.
        appointment: an appointment's kind id (None for a meeting).
        label: the words naming an appointment's kind in boxes (empty when the program has
            only one kind, as a version-1 program: every box is then an individual session).
    """

    day: int
    start: int
    end: int
    kind: Literal["group", "session"]
    group: str | None
    therapist: str
    client: str | None
    room: str | None
    members: tuple[str, ...] = ()
    appointment: str | None = None
    label: str = ""

    @property
    def times(self) -> str:
        """``09:00-12:00``."""
        return f"{minutes_to_time(self.start)}-{minutes_to_time(self.end)}"


def kind_word(kind_id: str) -> str:
    """A kind's id as a word in a box or a legend: ``family_therapy`` is ``family therapy``."""
    return kind_id.replace("_", " ")


def kind_title(instance: Instance, kind_id: str) -> str:
    """A kind's name as the start of a sentence: its ``name``, else its id (``Psychiatry``)."""
    kind = instance.kind(kind_id)
    words = kind.name or kind_word(kind.id)
    return words[:1].upper() + words[1:]


def appointment_summary(events: Iterable[Event]) -> str:
    """How many appointments a week's events hold: ``2 individual sessions``, or, for a program
    with several kinds, ``3 appointments (2 individual, 1 psychiatry)``."""
    sessions = [e for e in events if e.kind == "session"]
    if not any(e.label for e in sessions):
        return f"{len(sessions)} individual session{'' if len(sessions) == 1 else 's'}"
    counts: dict[str, int] = {}
    for event in sessions:
        counts[event.label] = counts.get(event.label, 0) + 1
    each = ", ".join(f"{n} {label}" for label, n in counts.items())
    return f"{len(sessions)} appointment{'' if len(sessions) == 1 else 's'} ({each})"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_title(week_start: dt.date, day: int) -> str:
    """The date of a day of the week (0 = the Monday ``week_start``): ``Tue 8 Dec``.

    English names whatever the locale, so that exports are the same everywhere.
    """
    date = week_start + dt.timedelta(days=day)
    return f"{DAY_TITLES[date.weekday()]} {date.day} {_MONTHS[date.month - 1]}"


def week_title(week_start: dt.date) -> str:
    """``Week of Mon 7 Dec 2026``."""
    return f"Week of {day_title(week_start, 0)} {week_start.year}"


def roster_events(instance: Instance, roster: Roster) -> list[Event]:
    """Every group meeting of a running group and every appointment, in week order."""
    events = [
        Event(
            m.day_index,
            m.start_minute,
            m.end_minute,
            "group",
            group.id,
            group.facilitator,
            None,
            instance.group(group.id).room,
            tuple(group.clients),
        )
        for group in roster.groups
        for m in instance.group(group.id).meetings
    ]
    several = len(instance.kinds) > 1  # one kind: every box is an individual session
    events += [
        Event(
            a.day_index,
            a.start_minute,
            a.end_minute,
            "session",
            None,
            a.provider,
            placement.id,
            None,
            appointment=a.kind,
            label=kind_word(a.kind) if several else "",
        )
        for placement in roster.clients
        for a in placement.appointments
    ]
    return sorted(events, key=lambda e: (e.day, e.start, e.end, e.group or "", e.client or ""))


def of_therapist(events: Iterable[Event], therapist: str) -> list[Event]:
    """The meetings a therapist facilitates and the appointments they provide."""
    return [e for e in events if e.therapist == therapist]


def of_client(events: Iterable[Event], roster: Roster, client: str) -> list[Event]:
    """A placed client's group meetings and appointments (nothing for an unassigned client)."""
    placement = roster.placement(client)
    if placement is None:
        return []
    return [
        e
        for e in events
        if (e.kind == "group" and e.group == placement.group) or e.client == client
    ]


def of_room(events: Iterable[Event], room: str) -> list[Event]:
    """The meetings in a room."""
    return [e for e in events if e.kind == "group" and e.room == room]


def of_group(events: Iterable[Event], group: str) -> list[Event]:
    """A group's meetings."""
    return [e for e in events if e.kind == "group" and e.group == group]


def running_groups(instance: Instance, roster: Roster) -> list[str]:
    """Ids of running groups, in the instance's order."""
    running = {g.id for g in roster.groups}
    return [g.id for g in instance.groups if g.id in running]


def used_rooms(instance: Instance, roster: Roster) -> list[str]:
    """Rooms of running groups, in the instance's order."""
    rooms: dict[str, None] = {}
    for group_id in running_groups(instance, roster):
        room = instance.group(group_id).room
        if room is not None:
            rooms.setdefault(room, None)
    return list(rooms)


def placed_clients(instance: Instance, roster: Roster) -> list[str]:
    """Ids of placed clients, in the instance's order."""
    placed = {p.id for p in roster.clients}
    return [c.id for c in instance.clients if c.id in placed]
