"""What changed between two rosters, in plain sentences (the change report of issue 5).

After a rerun (a discharge, an intake, a therapist off sick, a changed work
shift) scheduling staff need to see at a glance who must be told what.
:func:`diff` compares the roster in use with the new one and lists one
:class:`Change` per fact: a client who moves group or therapist, an individual
session that moves, a group that opens or closes, a facilitator who changes.
Each therapist who gains or loses a session gets a line of their own, so a
therapist can read only the lines that start with their id.

The comparison reads the two rosters alone; an instance, when given, only adds
detail to the sentences (the shift of a group).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from solver.errors import InputError, Problem
from solver.instance import DAYS, Day, Instance, Interval
from solver.roster import Placement, Roster

__all__ = ["FRAME_COLUMNS", "Change", "ChangeKind", "RosterDiff", "SubjectKind", "diff"]

SubjectKind = Literal["client", "therapist", "group"]
ChangeKind = Literal[
    "newly_placed",
    "newly_unassigned",
    "group_changed",
    "therapist_changed",
    "session_moved",
    "session_added",
    "session_removed",
    "facilitator_changed",
    "group_opened",
    "group_closed",
    "left_roster",
    "joined_roster",
]

#: The columns of :attr:`RosterDiff.frame`, in order.
FRAME_COLUMNS: tuple[str, ...] = ("subject", "subject_kind", "kind", "before", "after", "sentence")
_SUBJECT_ORDER: dict[SubjectKind, int] = {"client": 0, "therapist": 1, "group": 2}


@dataclass(frozen=True, slots=True)
class Change:
    """One fact that differs between the previous and the new roster.

    Attributes:
        subject: the client, therapist or group id the change concerns.
        subject_kind: ``"client"``, ``"therapist"`` or ``"group"``.
        kind: what changed, one of :data:`ChangeKind`.
        before: the old value in short form (a group id, a therapist id, a
            session such as ``"Tue 13:00"``, ``"unassigned"``), or None.
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


@dataclass(frozen=True, slots=True)
class RosterDiff:
    """Every change between two rosters: clients by id, then therapists, then groups.

    Attributes:
        changes: the changes in that order; empty when nothing changed.
    """

    changes: list[Change] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """True when the two rosters place everyone alike."""
        return not self.changes

    @property
    def sentences(self) -> list[str]:
        """One plain sentence per change, in order."""
        return [c.sentence for c in self.changes]

    @property
    def frame(self) -> pd.DataFrame:
        """One row per change, with columns subject, subject_kind, kind, before, after, sentence."""
        if not self.changes:
            return pd.DataFrame(columns=list(FRAME_COLUMNS))
        rows = [
            {
                "subject": c.subject,
                "subject_kind": c.subject_kind,
                "kind": c.kind,
                "before": c.before,
                "after": c.after,
                "sentence": c.sentence,
            }
            for c in self.changes
        ]
        return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))


def diff(previous: Roster, new: Roster, *, instance: Instance | None = None) -> RosterDiff:
    """Compare the roster in use with a new one and say who must be told what.

    Clients: joined or left the roster, newly placed or no longer placed, moved
    group, changed primary therapist, individual sessions moved, added or
    removed. Sessions are matched per client: the same (day, start) is
    unchanged; the rest are paired in day order as moves; what is left over is
    added or removed. Therapists: each session they gain, lose or see moved.
    Groups: opened, closed, facilitator changed.

    Args:
        previous: the roster staff are replacing.
        new: the roster of the rerun.
        instance: the new week's instance; when given, sentences name the
            shifts of groups a client moves between or a group that opens.

    Raises:
        InputError: either roster is ``infeasible`` or ``unknown``; such a
            roster places no one, so a comparison would only mislead.
    """
    for label, roster in (("previous", previous), ("new", new)):
        if roster.status in ("infeasible", "unknown"):
            raise InputError(
                [
                    Problem(
                        f"{label} roster",
                        "status",
                        f"{roster.status}: a roster that places no one cannot be compared "
                        "(read its explanation instead)",
                    )
                ]
            )
    changes = [
        *_client_changes(previous, new, instance),
        *_therapist_changes(previous, new),
        *_group_changes(previous, new, instance),
    ]
    # Stable sort: within one subject the order of generation is kept.
    changes.sort(key=lambda c: (_SUBJECT_ORDER[c.subject_kind], _id_key(c.subject)))
    return RosterDiff(changes)


# --- clients -----------------------------------------------------------------------------------


def _client_changes(previous: Roster, new: Roster, instance: Instance | None) -> Iterator[Change]:
    old_placed = {p.id: p for p in previous.clients}
    new_placed = {p.id: p for p in new.clients}
    new_reasons = {u.id: u.reasons for u in new.unassigned}
    old_ids = set(old_placed) | {u.id for u in previous.unassigned}
    new_ids = set(new_placed) | set(new_reasons)

    for cid in sorted(old_ids | new_ids, key=_id_key):
        old = old_placed.get(cid)
        cur = new_placed.get(cid)
        if cid not in new_ids:
            before = _placement(old) if old is not None else "unassigned"
            yield Change(
                cid, "client", "left_roster", before, None, f"{cid} left the roster (discharged)"
            )
        elif cid not in old_ids:
            if cur is not None:
                sentence = f"{cid} joined the roster and is placed in {_placed_in(cur)}"
                yield Change(cid, "client", "joined_roster", None, _placement(cur), sentence)
            else:
                sentence = f"{cid} joined the roster but is not placed: {_first(new_reasons[cid])}"
                yield Change(cid, "client", "joined_roster", None, "unassigned", sentence)
        elif old is None and cur is not None:
            yield Change(
                cid,
                "client",
                "newly_placed",
                "unassigned",
                _placement(cur),
                f"{cid} is newly placed in {_placed_in(cur)}",
            )
        elif old is not None and cur is None:
            yield Change(
                cid,
                "client",
                "newly_unassigned",
                _placement(old),
                "unassigned",
                f"{cid} is no longer placed: {_first(new_reasons[cid])}",
            )
        elif old is not None and cur is not None:
            yield from _placement_changes(old, cur, instance)


def _placement_changes(
    old: Placement, cur: Placement, instance: Instance | None
) -> Iterator[Change]:
    cid = cur.id
    if old.group != cur.group:
        sentence = f"{cid} moves from {old.group} to {cur.group}"
        shifts = _shifts(instance, old.group, cur.group)
        if shifts is not None:
            sentence += f" ({shifts[0]} -> {shifts[1]} shift)"
        yield Change(cid, "client", "group_changed", old.group, cur.group, sentence)
    if old.therapist != cur.therapist:
        yield Change(
            cid,
            "client",
            "therapist_changed",
            old.therapist,
            cur.therapist,
            f"{cid}: primary therapist {old.therapist} -> {cur.therapist}",
        )
    for before, after in _match_sessions(old.sessions, cur.sessions):
        if before is not None and after is not None:
            yield Change(
                cid,
                "client",
                "session_moved",
                _when(before),
                _when(after),
                f"{cid}: session {_when(before)} moves to {_when(after)}",
            )
        elif after is not None:
            yield Change(
                cid,
                "client",
                "session_added",
                None,
                _when(after),
                f"{cid}: new session {_when(after)}",
            )
        elif before is not None:
            yield Change(
                cid,
                "client",
                "session_removed",
                _when(before),
                None,
                f"{cid}: session {_when(before)} is cancelled",
            )


def _shifts(instance: Instance | None, old_group: str, new_group: str) -> tuple[str, str] | None:
    """The two groups' shifts when the instance knows both and they differ."""
    if instance is None or not (instance.has_group(old_group) and instance.has_group(new_group)):
        return None
    old_shift = instance.group(old_group).shift
    new_shift = instance.group(new_group).shift
    return (old_shift, new_shift) if old_shift != new_shift else None


# --- therapists --------------------------------------------------------------------------------


def _therapist_changes(previous: Roster, new: Roster) -> Iterator[Change]:
    """Each session a therapist gains, loses or sees moved, matched per client."""
    old_by = _sessions_by_therapist(previous.clients)
    new_by = _sessions_by_therapist(new.clients)
    for tid in sorted(set(old_by) | set(new_by), key=_id_key):
        old_clients = old_by.get(tid, {})
        new_clients = new_by.get(tid, {})
        lines: list[tuple[tuple[int, str], str, Change]] = []
        for cid in set(old_clients) | set(new_clients):
            pairs = _match_sessions(old_clients.get(cid, []), new_clients.get(cid, []))
            for before, after in pairs:
                change = _therapist_change(tid, cid, before, after)
                anchor = before if before is not None else after
                assert anchor is not None, "a matched pair holds at least one session"
                lines.append((_time_key(anchor), cid, change))
        lines.sort(key=lambda line: (line[0], _id_key(line[1])))
        yield from (line[2] for line in lines)


def _therapist_change(
    tid: str, cid: str, before: Interval | None, after: Interval | None
) -> Change:
    if before is not None and after is not None:
        return Change(
            tid,
            "therapist",
            "session_moved",
            _when(before),
            _when(after),
            f"{tid}: {_when(before)} session with {cid} moves to {_when(after)}",
        )
    if after is not None:
        return Change(
            tid,
            "therapist",
            "session_added",
            None,
            _when(after),
            f"{tid}: new {_when(after)} session with {cid}",
        )
    assert before is not None
    return Change(
        tid,
        "therapist",
        "session_removed",
        _when(before),
        None,
        f"{tid}: {_when(before)} session with {cid} is cancelled",
    )


def _sessions_by_therapist(placements: Iterable[Placement]) -> dict[str, dict[str, list[Interval]]]:
    by: dict[str, dict[str, list[Interval]]] = {}
    for p in placements:
        if p.sessions:
            by.setdefault(p.therapist, {})[p.id] = list(p.sessions)
    return by


# --- groups ------------------------------------------------------------------------------------


def _group_changes(previous: Roster, new: Roster, instance: Instance | None) -> Iterator[Change]:
    old_facilitator = {g.id: g.facilitator for g in previous.groups}
    new_facilitator = {g.id: g.facilitator for g in new.groups}
    for gid in sorted(set(old_facilitator) | set(new_facilitator), key=_id_key):
        before = old_facilitator.get(gid)
        after = new_facilitator.get(gid)
        if after is None:
            yield Change(gid, "group", "group_closed", before, None, f"group {gid} no longer runs")
        elif before is None:
            shift = ""
            if instance is not None and instance.has_group(gid):
                shift = f" ({instance.group(gid).shift})"
            yield Change(
                gid,
                "group",
                "group_opened",
                None,
                after,
                f"group {gid}{shift} now runs, facilitated by {after}",
            )
        elif before != after:
            yield Change(
                gid,
                "group",
                "facilitator_changed",
                before,
                after,
                f"{gid}: facilitator {before} -> {after}",
            )


# --- sessions and wording ----------------------------------------------------------------------


def _match_sessions(
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
    gone = _minus(sorted(old, key=_time_key), kept)
    came = _minus(sorted(new, key=_time_key), kept)
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


def _time_key(session: Interval) -> tuple[int, str]:
    return (DAYS.index(session.day), session.start)


def _when(session: Interval) -> str:
    """``Tue 13:00``: the day and start staff know a session by."""
    return f"{session.day.capitalize()} {session.start}"


def _placement(p: Placement) -> str:
    return f"{p.group} with {p.therapist}"


def _placed_in(p: Placement) -> str:
    sessions = sorted(p.sessions, key=_time_key)
    if not sessions:
        return f"{_placement(p)} (no individual sessions)"
    return f"{_placement(p)} (sessions {', '.join(_when(s) for s in sessions)})"


def _first(reasons: list[str]) -> str:
    return reasons[0] if reasons else "no reason given"


def _id_key(identifier: str) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """Natural order, so that C9 comes before C10 (the id itself breaks ties: C014, C14)."""
    parts = tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part)
        for part in re.split(r"(\d+)", identifier)
        if part
    )
    return parts, identifier
