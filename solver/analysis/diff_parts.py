"""The pieces the change report (:mod:`solver.analysis.diff`) is made of: how a client's
old and new sessions are paired, the order of ids, and the short forms of sessions and
placements its sentences use.
"""

from __future__ import annotations

import re
from collections import Counter

from solver.instance import DAYS, Day, Interval
from solver.roster import Placement

__all__ = [
    "first_reason",
    "id_key",
    "match_sessions",
    "placed_in",
    "placement_text",
    "time_key",
    "when",
]


def match_sessions(
    old: list[Interval], new: list[Interval]
) -> list[tuple[Interval | None, Interval | None]]:
    """Pair a client's old and new sessions; unchanged ones are left out.

    A session whose (day, start) is among the other side's is unchanged. The
    rest are paired in day order as moves; what is left over on one side is
    removed (old) or added (new).
    """
    old_starts = Counter((s.day, s.start) for s in old)
    new_starts = Counter((s.day, s.start) for s in new)
    kept = old_starts & new_starts
    gone = _minus(sorted(old, key=time_key), kept)
    came = _minus(sorted(new, key=time_key), kept)
    pairs: list[tuple[Interval | None, Interval | None]] = list(zip(gone, came, strict=False))
    pairs += [(s, None) for s in gone[len(came) :]]
    pairs += [(None, s) for s in came[len(gone) :]]
    return pairs


def _minus(sessions: list[Interval], kept: Counter[tuple[Day, str]]) -> list[Interval]:
    left = Counter(kept)
    rest = []
    for s in sessions:
        if left[(s.day, s.start)] > 0:
            left[(s.day, s.start)] -= 1
        else:
            rest.append(s)
    return rest


def time_key(session: Interval) -> tuple[int, str]:
    """Sessions in week order: day, then start."""
    return (DAYS.index(session.day), session.start)


def when(session: Interval) -> str:
    """``Tue 13:00``: the day and start staff know a session by."""
    return f"{session.day.capitalize()} {session.start}"


def placement_text(p: Placement) -> str:
    """``AM-1 with T2``: a client's group and primary therapist."""
    return f"{p.group} with {p.therapist}"


def placed_in(p: Placement) -> str:
    """The placement and its sessions: ``AM-1 with T2 (sessions Mon 17:00, Thu 10:00)``."""
    sessions = sorted(p.sessions, key=time_key)
    if not sessions:
        return f"{placement_text(p)} (no individual sessions)"
    return f"{placement_text(p)} (sessions {', '.join(when(s) for s in sessions)})"


def first_reason(reasons: list[str]) -> str:
    """The first reason a client is unassigned, or a stand-in when none is given."""
    return reasons[0] if reasons else "no reason given"


def id_key(identifier: str) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """Natural order, so that C9 comes before C10 (the id itself breaks ties: C014, C14)."""
    parts = tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part)
        for part in re.split(r"(\d+)", identifier)
        if part
    )
    return parts, identifier
