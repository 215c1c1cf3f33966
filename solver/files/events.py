"""A roster as weekly events (group meetings and individual sessions), shared by the exports,
and the selections each view shows: one therapist, client, room or group.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from solver.instance import DAYS, Instance
from solver.roster import Roster

__all__ = [
    "DAY_TITLES",
    "Event",
    "clock",
    "of_client",
    "of_group",
    "of_room",
    "of_therapist",
    "placed_clients",
    "roster_events",
    "running_groups",
    "used_rooms",
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
        return f"{clock(self.start)}-{clock(self.end)}"


def clock(minutes: int) -> str:
    """Minutes since midnight as ``HH:MM``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


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
