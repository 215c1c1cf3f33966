"""Minutes of the week: the plain model's only time arithmetic.

A time of the week is ``day * 1440 + minute`` (Monday 00:00 is 0). An interval of the
format is the pair ``(start, end)`` of such minutes, half-open. "Inside a list of intervals"
means inside their union, where touching or overlapping intervals join (FORMAT.md,
Conventions), so lists are merged into :func:`blocks` before any "inside" test.
"""

from __future__ import annotations

from collections.abc import Iterable

from solver.intervals import MINUTES_PER_DAY, Interval

__all__ = [
    "MINUTES_PER_DAY",
    "Span",
    "blocks",
    "clear_of",
    "day_of",
    "inside",
    "overlap",
    "span_of",
    "starts_inside",
]

Span = tuple[int, int]
"""``(start, end)`` in minutes of the week, half-open, within one day."""


def span_of(interval: Interval) -> Span:
    """The interval in minutes of the week."""
    base = interval.day_index * MINUTES_PER_DAY
    return base + interval.start_minute, base + interval.end_minute


def day_of(minute: int) -> int:
    """0 for Monday ... 6 for Sunday."""
    return minute // MINUTES_PER_DAY


def blocks(intervals: Iterable[Interval]) -> list[Span]:
    """The union of ``intervals`` as disjoint spans, sorted; touching ones join."""
    merged: list[Span] = []
    for start, end in sorted(span_of(i) for i in intervals):
        # Spans never cross midnight, so joining never runs from one day into the next
        # (24:00 of one day and 00:00 of the next are the same minute, but the format keeps
        # days apart: two intervals on different days never join).
        if merged and start <= merged[-1][1] and day_of(start) == day_of(merged[-1][0]):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def inside(span: Span, union: list[Span]) -> bool:
    """True when ``span`` lies inside one block of ``union`` (from :func:`blocks`)."""
    return any(start <= span[0] and span[1] <= end for start, end in union)


def starts_inside(union: list[Span], length: int, slot: int) -> set[int]:
    """Starts on the slot grid of a ``length``-minute span inside ``union``."""
    found: set[int] = set()
    for start, end in union:
        first = -(-start // slot) * slot  # a day is a whole number of slots: 60 % slot == 0
        found.update(range(first, end - length + 1, slot))
    return found


def clear_of(starts: Iterable[int], length: int, spans: list[Span]) -> set[int]:
    """The starts whose ``length``-minute span overlaps none of ``spans``."""
    return {s for s in starts if all(s + length <= a or b <= s for a, b in spans)}


def overlap(start: int, length: int, spans: list[Span]) -> int:
    """Minutes that ``[start, start + length)`` shares with ``spans`` (pairwise disjoint)."""
    end = start + length
    return sum(max(0, min(end, b) - max(start, a)) for a, b in spans)
