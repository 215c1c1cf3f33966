"""Minute arithmetic on sorted, disjoint spans, for the greedy baseline.

A span is ``[start, end)`` in minutes inside one day; a slot adds the day's index. Lists of
spans are kept sorted and disjoint; "per day" lists hold one such list for each of ``DAYS``.
"""

from __future__ import annotations

from collections.abc import Iterable

from solver.instance import DAYS, Interval, minutes_to_time

__all__ = [
    "Slot",
    "Span",
    "by_day",
    "hits",
    "inside",
    "intersect",
    "subtract",
    "to_interval",
    "to_slots",
    "union",
]

Span = tuple[int, int]
"""Minutes ``[start, end)`` inside one day."""
Slot = tuple[int, int, int]
"""``(day index, start minute, end minute)``."""


def union(spans: Iterable[Span]) -> list[Span]:
    """Sorted disjoint spans; touching spans join (the format's "inside the union")."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def by_day(slots: Iterable[Slot]) -> list[list[Span]]:
    days: list[list[Span]] = [[] for _ in DAYS]
    for day, start, end in slots:
        days[day].append((start, end))
    return [union(spans) for spans in days]


def to_slots(intervals: Iterable[Interval]) -> list[Slot]:
    return [(iv.day_index, iv.start_minute, iv.end_minute) for iv in intervals]


def subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in spans:
        cursor = start
        for h_start, h_end in holes:
            if h_end <= cursor or h_start >= end:
                continue
            if h_start > cursor:
                out.append((cursor, h_start))
            cursor = max(cursor, h_end)
        if cursor < end:
            out.append((cursor, end))
    return out


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def inside(day_spans: list[list[Span]], slot: Slot) -> bool:
    day, start, end = slot
    return any(s <= start and end <= e for s, e in day_spans[day])


def hits(day_spans: list[list[Span]], slot: Slot) -> bool:
    day, start, end = slot
    return any(s < end and start < e for s, e in day_spans[day])


def to_interval(slot: Slot) -> Interval:
    day, start, end = slot
    return Interval(day=DAYS[day], start=minutes_to_time(start), end=minutes_to_time(end))
