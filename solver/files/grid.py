"""The layout of a weekly timeline, shared by the web page and the picture.

A timeline has one band per day (Mon-Fri, plus the weekend days in use) and time running
across. Each band is cut into lanes of equal height. Groups come first: each group keeps one
lane for the whole week (groups that never meet at the same time share a lane, preferring the
lane of a group in the same room), so a group is always found on the same line. Appointments
follow, each day packed into as few lanes as they need (or, for one therapist's week, into any
free lane).

This module also holds the colours (a group's by its place in the instance; an appointment's,
drawn with a dashed edge, by its kind: the first kind, ``individual`` in a version-1 program,
white), the legend's lines for the kinds, and the words each box shows (most important
first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from solver.files.cells import format_intervals
from solver.files.events import Event, kind_word
from solver.instance import Instance
from solver.roster import Roster

__all__ = [
    "EDGE_COLOUR",
    "INK",
    "KIND_COLOURS",
    "PALETTE",
    "SESSION_COLOUR",
    "GroupCard",
    "Label",
    "Placed",
    "Timeline",
    "colour_of",
    "group_cards",
    "group_colour",
    "kind_colour",
    "kind_keys",
    "program_parts",
    "room_parts",
    "room_title",
    "status_text",
    "therapist_parts",
    "timeline",
    "window_of",
]

# ColorBrewer "Set3" without its grey (too close to the day bands), its red and purple a little
# lighter: the text colour INK on each has a contrast ratio of at least 7:1 (WCAG AAA).
PALETTE = (
    "#8dd3c7",
    "#ffffb3",
    "#bebada",
    "#fb8a7e",
    "#80b1d3",
    "#fdb462",
    "#b3de69",
    "#fccde5",
    "#cc99cc",
    "#ccebc5",
    "#ffed6f",
)
INK = "#1a1a1a"
SESSION_COLOUR = "#ffffff"
EDGE_COLOUR = "#4d4d4d"
# Appointments by kind, in the program's order: white first, then pale tints that are told
# apart from each other and, with the dashed edge, from the groups' colours.
KIND_COLOURS = (SESSION_COLOUR, "#d6e6ff", "#ffd9d2", "#dff5d8", "#efe3ff", "#fff1c7", "#d4f3f3")


@dataclass(frozen=True, slots=True)
class Placed:
    """An event and its lane within its day's band (0: the top lane)."""

    event: Event
    lane: int


@dataclass(frozen=True, slots=True)
class Timeline:
    """Where each event goes: days shown, hours spanned, lanes of each day."""

    days: list[int]
    start: int
    end: int
    group_lanes: int
    """Lanes kept for groups at the top of every day's band."""
    lanes: dict[int, int]
    """Lanes of each day's band (its group lanes, then its session lanes)."""
    placed: list[Placed]

    @property
    def total_lanes(self) -> int:
        """Lanes of every day together."""
        return sum(self.lanes.values())


def window_of(events: Sequence[Event]) -> tuple[list[int], int, int]:
    """Days shown (Mon-Fri, plus weekend days in use) and the hours spanned, in minutes."""
    days = sorted(set(range(5)) | {e.day for e in events})
    if not events:
        return days, 8 * 60, 18 * 60
    start = min(e.start for e in events) // 60 * 60
    end = -(-max(e.end for e in events) // 60) * 60
    return days, start, max(end, start + 60)


def _overlap(a: Event, b: Event) -> bool:
    return a.day == b.day and a.start < b.end and b.start < a.end


def _group_lanes(events: Sequence[Event]) -> dict[str, int]:
    """One lane per group for the whole week; groups that never overlap may share one."""
    meetings: dict[str, list[Event]] = {}
    for event in events:
        if event.kind == "group" and event.group is not None:
            meetings.setdefault(event.group, []).append(event)
    order = sorted(meetings, key=lambda g: (min(e.start for e in meetings[g]), g))
    lane_of: dict[str, int] = {}
    members: list[list[str]] = []
    for group in order:
        free = [
            i
            for i, others in enumerate(members)
            if not any(
                _overlap(a, b) for other in others for a in meetings[group] for b in meetings[other]
            )
        ]
        room = meetings[group][0].room
        same_room = [
            i
            for i in free
            if room is not None and any(meetings[o][0].room == room for o in members[i])
        ]
        lane = (same_room or free or [len(members)])[0]
        if lane == len(members):
            members.append([])
        members[lane].append(group)
        lane_of[group] = lane
    return lane_of


def timeline(events: Sequence[Event], *, share_lanes: bool = False) -> Timeline:
    """Lay the events out. ``share_lanes``: sessions may use a group lane where it is free
    (for one person's week, whose meetings never overlap); otherwise they get lanes of their
    own below the groups.
    """
    days, start, end = window_of(events)
    lane_of = _group_lanes(events)
    group_lanes = max(lane_of.values(), default=-1) + 1
    placed = [Placed(e, lane_of[e.group]) for e in events if e.kind == "group" and e.group]
    busy: dict[tuple[int, int], list[Event]] = {}
    for item in placed:
        busy.setdefault((item.event.day, item.lane), []).append(item.event)
    sessions = sorted(
        (e for e in events if e.kind != "group"),
        key=lambda e: (e.day, e.start, e.end, e.client or ""),
    )
    for event in sessions:
        lane = 0 if share_lanes else group_lanes
        while any(_overlap(event, other) for other in busy.get((event.day, lane), [])):
            lane += 1
        busy.setdefault((event.day, lane), []).append(event)
        placed.append(Placed(event, lane))
    lanes = dict.fromkeys(days, max(group_lanes, 1))
    for item in placed:
        lanes[item.event.day] = max(lanes[item.event.day], item.lane + 1)
    placed.sort(key=lambda p: (p.event.day, p.lane, p.event.start))
    return Timeline(days, start, end, group_lanes, lanes, placed)


def group_colour(instance: Instance, group_id: str) -> str:
    """A group's colour, by its place in the instance: the same from one week to the next."""
    index = next(i for i, g in enumerate(instance.groups) if g.id == group_id)
    return PALETTE[index % len(PALETTE)]


def kind_colour(instance: Instance, kind_id: str | None) -> str:
    """An appointment kind's colour, by its place among the program's kinds."""
    index = next((i for i, k in enumerate(instance.kinds) if k.id == kind_id), 0)
    return KIND_COLOURS[index % len(KIND_COLOURS)]


def colour_of(instance: Instance, event: Event) -> str:
    """The fill of an event's box: its group's colour, or its appointment kind's."""
    if event.kind == "session" or event.group is None:
        return kind_colour(instance, event.appointment)
    return group_colour(instance, event.group)


def kind_keys(instance: Instance) -> list[tuple[str, str]]:
    """The legend's line for each appointment kind: its colour and what its boxes show.

    A program whose one kind is ``individual`` (as every version-1 program) has the one line
    of the individual session."""
    kinds = instance.kinds
    if [kind.id for kind in kinds] == ["individual"]:
        return [(SESSION_COLOUR, "individual session: client and therapist")]
    return [
        (
            kind_colour(instance, kind.id),
            f"{kind_word(kind.id)} appointment: client and "
            f"{'therapist' if kind.provider == 'primary' else 'provider'}",
        )
        for kind in kinds
    ]


def room_title(room: str) -> str:
    """A room as a title, named once: ``Room A`` for ``A`` or ``Room A``, ``Teen room`` as is."""
    return room if "room" in room.lower() else f"Room {room}"


def _clients(count: int) -> str:
    return f"{count} client{'' if count == 1 else 's'}"


Label = Callable[[Event], list[str]]
"""The words of a box, most important first: a narrow box shows the first few."""


def program_parts(event: Event) -> list[str]:
    """The whole program: group (size), facilitator, room; or an appointment's client, kind
    (when the program has several) and provider."""
    if event.kind == "session":
        return [f"{event.client}", *([event.label] if event.label else []), f"{event.therapist}"]
    room = [room_title(event.room)] if event.room else []
    return [f"{event.group} ({len(event.members)})", f"{event.therapist}", *room]


def therapist_parts(event: Event) -> list[str]:
    """One therapist's week: the groups they facilitate and the appointments they provide."""
    if event.kind == "session":
        return [f"{event.label or 'session'} {event.client}", event.times]
    room = [room_title(event.room)] if event.room else []
    return [f"{event.group} (facilitates)", *room, _clients(len(event.members)), event.times]


def room_parts(event: Event) -> list[str]:
    """One room's week: the groups meeting there."""
    return [
        f"{event.group}",
        f"facilitator {event.therapist}",
        _clients(len(event.members)),
        event.times,
    ]


@dataclass(frozen=True, slots=True)
class GroupCard:
    """What the legend says about one running group."""

    id: str
    colour: str
    title: str
    lines: list[str]
    members: list[str]


def group_cards(instance: Instance, roster: Roster, group_ids: Sequence[str]) -> list[GroupCard]:
    """Legend entries: size and places, name, meetings, room and facilitator, members."""
    cards = []
    for group_id in group_ids:
        group = instance.group(group_id)
        listed = next(g for g in roster.groups if g.id == group_id)
        where = [room_title(group.room)] if group.room else []
        where += [f"site {group.site}"] if group.site is not None else []
        extra = []
        if len(instance.program.levels) > 1:
            extra.append(
                f"level{'s' if len(group.level_ids) > 1 else ''} {', '.join(group.level_ids)}"
            )
        if group.pull_out:
            extra.append("pull-out")
        cards.append(
            GroupCard(
                group.id,
                group_colour(instance, group.id),
                f"{group.id} · {_clients(len(listed.clients))} (max {group.capacity})",
                [
                    *([group.name] if group.name else []),
                    format_intervals(group.meetings),
                    " · ".join([*where, f"facilitator {listed.facilitator}"]),
                    *([" · ".join(extra)] if extra else []),
                ],
                list(listed.clients),
            )
        )
    return cards


def status_text(instance: Instance, roster: Roster) -> str:
    """The roster in one line: how good it is, and how many groups and clients it holds."""
    if roster.status == "infeasible":
        return "no roster: the pins cannot all be honoured (infeasible)"
    if roster.status == "unknown":
        return "no roster: the time limit ran out before one was found (unknown)"
    quality = (
        "optimal roster"
        if roster.status == "optimal"
        else "feasible roster (the time limit ran out before it was proved the best)"
    )
    unassigned = f", {len(roster.unassigned)} unassigned" if roster.unassigned else ""
    return (
        f"{quality} · {len(roster.groups)} of {len(instance.groups)} groups run · "
        f"{len(roster.clients)} of {len(instance.clients)} clients placed{unassigned}"
    )
