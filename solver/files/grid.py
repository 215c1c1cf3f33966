"""The layout of a weekly grid, shared by the web page and the picture: the days and hours
shown, side-by-side lanes for overlapping events, colours and the text of each box.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from solver.files.events import Event
from solver.instance import Instance

__all__ = [
    "Label",
    "colour_of",
    "day_widths",
    "group_label",
    "lanes_of",
    "room_label",
    "therapist_label",
    "window_of",
]

_PALETTE = (
    "#cfe2ff",
    "#d1f0d8",
    "#ffe5b4",
    "#f8d7da",
    "#e2d9f3",
    "#d2f4ea",
    "#fff3cd",
    "#dbe4f0",
    "#f3d9e9",
    "#e6f0c8",
)
_SESSION_COLOUR = "#eeeeee"


def window_of(events: Sequence[Event]) -> tuple[list[int], int, int]:
    """Days shown (Mon-Fri, plus weekend days in use) and the hours spanned, in minutes."""
    days = sorted(set(range(5)) | {e.day for e in events})
    if not events:
        return days, 8 * 60, 18 * 60
    start = min(e.start for e in events) // 60 * 60
    end = -(-max(e.end for e in events) // 60) * 60
    return days, start, max(end, start + 60)


def lanes_of(events: Sequence[Event]) -> list[tuple[Event, int, int]]:
    """Each event with its lane and the number of lanes of its cluster of overlapping events."""
    placed: list[tuple[Event, int, int]] = []
    clusters: list[tuple[list[tuple[Event, int]], list[int]]] = []
    ordered = sorted(events, key=lambda e: (e.day, e.start, e.end))
    day, cluster_end = -1, -1
    for event in ordered:
        if event.day != day or event.start >= cluster_end:
            clusters.append(([], []))
            day, cluster_end = event.day, event.end
        members, lane_ends = clusters[-1]
        lane = next((i for i, end in enumerate(lane_ends) if end <= event.start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(event.end)
        else:
            lane_ends[lane] = event.end
        members.append((event, lane))
        cluster_end = max(cluster_end, event.end)
    for members, lane_ends in clusters:
        placed.extend((event, lane, len(lane_ends)) for event, lane in members)
    return placed


def day_widths(placed: Sequence[tuple[Event, int, int]], days: Sequence[int]) -> dict[int, int]:
    """Width of each day's column: as many units as its most crowded cluster has lanes."""
    widths = dict.fromkeys(days, 1)
    for event, _, lanes in placed:
        widths[event.day] = max(widths[event.day], lanes)
    return widths


def colour_of(instance: Instance, event: Event) -> str:
    if event.kind == "session" or event.group is None:
        return _SESSION_COLOUR
    index = next(i for i, g in enumerate(instance.groups) if g.id == event.group)
    return _PALETTE[index % len(_PALETTE)]


Label = Callable[[Event], list[str]]


def therapist_label(event: Event) -> list[str]:
    if event.kind == "group":
        room = [_room_text(event.room)] if event.room else []
        return [f"{event.group} (facilitates)", *room]
    return [f"session {event.client}"]


def _room_text(room: str) -> str:
    return room if "room" in room.lower() else f"room {room}"


def group_label(event: Event) -> list[str]:
    room = [_room_text(event.room)] if event.room else []
    return [f"{event.group}", f"facilitator {event.therapist}", *room]


def room_label(event: Event) -> list[str]:
    return [f"{event.group}", f"facilitator {event.therapist}"]
