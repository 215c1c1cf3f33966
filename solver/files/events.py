"""A roster as weekly events (group meetings and individual sessions), shared by the exports,
and the selections each view shows: one therapist, client, room or group.
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
    "day_title",
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
    """One weekly meeting or individual session."""

    day: int
    start: int
    end: int
    kind: Literal["group", "session"]
    group: str | None
    therapist: str
    client: str | None
    room: str | None
    members: tuple[str, ...] = ()

    @property
    def times(self) -> str:
        return f"{minutes_to_time(self.start)}-{minutes_to_time(self.end)}"


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
    """Every group meeting of a running group and every individual session, in week order."""
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
    events += [
        Event(
            s.day_index,
            s.start_minute,
            s.end_minute,
            "session",
            None,
            placement.therapist,
            placement.id,
            None,
        )
        for placement in roster.clients
        for s in placement.sessions
    ]
    return sorted(events, key=lambda e: (e.day, e.start, e.end, e.group or "", e.client or ""))


def of_therapist(events: Iterable[Event], therapist: str) -> list[Event]:
    return [e for e in events if e.therapist == therapist]


def of_client(events: Iterable[Event], roster: Roster, client: str) -> list[Event]:
    placement = roster.placement(client)
    if placement is None:
        return []
    return [
        e
        for e in events
        if (e.kind == "group" and e.group == placement.group) or e.client == client
    ]


def of_room(events: Iterable[Event], room: str) -> list[Event]:
    return [e for e in events if e.kind == "group" and e.room == room]


def of_group(events: Iterable[Event], group: str) -> list[Event]:
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
