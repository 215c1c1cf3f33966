"""The pieces the change report (:mod:`solver.analysis.diff`) is made of: its :class:`Change`,
how a client's old and new appointments are paired, the order of ids, and the short forms
of appointments and placements its sentences use.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from solver.instance import DAYS, Day, Interval
from solver.roster import Placement

__all__ = [
    "Change",
    "ChangeKind",
    "SubjectKind",
    "first_reason",
    "id_key",
    "match_sessions",
    "placed_in",
    "placement_text",
    "time_key",
    "when",
]


SubjectKind = Literal["client", "therapist", "group"]
ChangeKind = Literal[
    "newly_placed",
    "newly_unassigned",
    "group_changed",
    "therapist_changed",
    "session_moved",
    "session_added",
    "session_removed",
    "provider_changed",
    "facilitator_changed",
    "group_opened",
    "group_closed",
    "left_roster",
    "joined_roster",
    "stops_facilitating",
    "starts_facilitating",
    "client_joined_group",
    "client_left_group",
    "caseload_added",
    "caseload_removed",
]


@dataclass(frozen=True, slots=True)
class Change:
    """One fact that differs between the previous and the new roster.

    Attributes:
        subject: the client, therapist or group id the change concerns.
        subject_kind: ``"client"``, ``"therapist"`` or ``"group"``.
        kind: what changed, one of :data:`ChangeKind`.
        before: the old value in short form (a group id, a therapist id, a
            session such as ``"Tue 13:00"``, an appointment of another kind such as
            ``"psychiatry Tue 13:00"``, ``"unassigned"``), or None.
        after: the new value in the same form, or None.
        sentence: the change in plain words, starting with the subject's id.
    """

    subject: str
    subject_kind: SubjectKind
    kind: ChangeKind
    before: str | None
    after: str | None
    sentence: str

    def __str__(self) -> str:
        return self.sentence


_T = TypeVar("_T", bound=Interval)


def match_sessions(old: Sequence[_T], new: Sequence[_T]) -> list[tuple[_T | None, _T | None]]:
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
    pairs: list[tuple[_T | None, _T | None]] = list(zip(gone, came, strict=False))
    pairs += [(s, None) for s in gone[len(came) :]]
    pairs += [(None, s) for s in came[len(gone) :]]
    return pairs


def _minus(sessions: list[_T], kept: Counter[tuple[Day, str]]) -> list[_T]:
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
    """The placement and its appointments: ``AM-1 with T2 (sessions Mon 17:00, Thu 10:00)``;
    other kinds by name, with their provider when not the primary therapist, and missed
    kinds: ``AM-1 with T2 (sessions Mon 17:00; psychiatry Tue 13:00 with T9; family missed)``."""
    if not p.appointments and not p.missed:
        return f"{placement_text(p)} (no individual sessions)"
    parts = []
    for kind in dict.fromkeys(a.kind for a in p.appointments):
        times = ", ".join(
            when(a) + ("" if a.provider == p.therapist else f" with {a.provider}")
            for a in sorted(p.of_kind(kind), key=time_key)
        )
        parts.append(f"sessions {times}" if kind == "individual" else f"{kind} {times}")
    parts += [f"{m.kind} missed" for m in p.missed]
    return f"{placement_text(p)} ({'; '.join(parts)})"


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
