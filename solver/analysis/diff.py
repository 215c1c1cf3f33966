"""What changed between two rosters, in plain sentences (the change report of issue 5).

After a rerun (a discharge, an intake, a therapist off sick, a changed work
shift) scheduling staff need to see at a glance who must be told what.
:func:`diff` compares the roster in use with the new one and lists one
:class:`Change` per fact: a client who moves group or therapist, an appointment
(of any kind) that moves, a specialist provider who changes, a group that opens or
closes, a facilitator who changes. Everyone whose week changes gets lines of their
own, so that each person can read only the lines that start with their id: a
therapist who stops or starts facilitating a group, whose group gains or loses a
client, who gains, loses or sees moved an appointment they provide, or whose client's
specialist appointments change; a client whose group, therapist, group facilitator,
appointments or specialist providers change.

The comparison reads the two rosters alone; an instance, when given, only adds
detail to the sentences (the shift of a group).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from solver.analysis.diff_appointments import (
    client_appointment_changes,
    primary_therapist_changes,
    provider_appointment_changes,
)
from solver.analysis.diff_parts import (
    Change,
    ChangeKind,
    SubjectKind,
    first_reason,
    id_key,
    placed_in,
    placement_text,
)
from solver.errors import InputError, Problem
from solver.instance import Instance
from solver.roster import Placement, Roster

__all__ = ["FRAME_COLUMNS", "Change", "ChangeKind", "RosterDiff", "SubjectKind", "diff"]

#: The columns of :attr:`RosterDiff.frame`, in order.
FRAME_COLUMNS: tuple[str, ...] = ("subject", "subject_kind", "kind", "before", "after", "sentence")
_SUBJECT_ORDER: dict[SubjectKind, int] = {"client": 0, "therapist": 1, "group": 2}


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
    group, changed primary therapist, appointments moved, added or removed (a
    cancelled one of a wanted kind with the reason it is missed), a specialist
    kind's provider changed. Appointments are matched per client and kind: the
    same (day, start) is unchanged; the rest are paired in day order as moves;
    what is left over is added or removed; the facilitator of the group they
    stay in changed. Therapists: each group they stop or start facilitating
    (with its clients), each client who joins or leaves a group they keep
    facilitating, each appointment they provide that they gain, lose or see
    moved, a client with no appointment with them who joins or leaves their
    caseload, and, as primary therapist, each change in a client's specialist
    appointments with someone else. Groups: opened, closed (naming the
    facilitator), facilitator changed.

    Args:
        previous: the roster staff are replacing.
        new: the roster of the rerun.
        instance: the new week's instance; when given, sentences name the
            shifts of groups a client moves between or a group that opens, and
            it tells specialist kinds apart (else: a kind with an appointment
            by someone other than the primary therapist is one).

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
        *_therapist_changes(previous, new, instance),
        *_group_changes(previous, new, instance),
    ]
    # Stable sort: within one subject the order of generation is kept.
    changes.sort(key=lambda c: (_SUBJECT_ORDER[c.subject_kind], id_key(c.subject)))
    return RosterDiff(changes)


# --- clients -----------------------------------------------------------------------------------


def _client_changes(previous: Roster, new: Roster, instance: Instance | None) -> Iterator[Change]:
    old_placed = {p.id: p for p in previous.clients}
    new_placed = {p.id: p for p in new.clients}
    new_reasons = {u.id: u.reasons for u in new.unassigned}
    old_ids = set(old_placed) | {u.id for u in previous.unassigned}
    new_ids = set(new_placed) | set(new_reasons)
    facilitators = (
        {g.id: g.facilitator for g in previous.groups},
        {g.id: g.facilitator for g in new.groups},
    )

    for cid in sorted(old_ids | new_ids, key=id_key):
        old = old_placed.get(cid)
        cur = new_placed.get(cid)
        if cid not in new_ids:
            before = placement_text(old) if old is not None else "unassigned"
            yield Change(
                cid, "client", "left_roster", before, None, f"{cid} left the roster (discharged)"
            )
        elif cid not in old_ids:
            if cur is not None:
                sentence = f"{cid} joined the roster and is placed in {placed_in(cur)}"
                yield Change(cid, "client", "joined_roster", None, placement_text(cur), sentence)
            else:
                reason = first_reason(new_reasons[cid])
                sentence = f"{cid} joined the roster but is not placed: {reason}"
                yield Change(cid, "client", "joined_roster", None, "unassigned", sentence)
        elif old is None and cur is not None:
            yield Change(
                cid,
                "client",
                "newly_placed",
                "unassigned",
                placement_text(cur),
                f"{cid} is newly placed in {placed_in(cur)}",
            )
        elif old is not None and cur is None:
            yield Change(
                cid,
                "client",
                "newly_unassigned",
                placement_text(old),
                "unassigned",
                f"{cid} is no longer placed: {first_reason(new_reasons[cid])}",
            )
        elif old is not None and cur is not None:
            yield from _placement_changes(old, cur, instance, facilitators)


def _placement_changes(
    old: Placement,
    cur: Placement,
    instance: Instance | None,
    facilitators: tuple[dict[str, str], dict[str, str]],
) -> Iterator[Change]:
    cid = cur.id
    if old.group != cur.group:
        sentence = f"{cid} moves from {old.group} to {cur.group}"
        shifts = _shifts(instance, old.group, cur.group)
        if shifts is not None:
            sentence += f" ({shifts[0]} -> {shifts[1]} shift)"
        yield Change(cid, "client", "group_changed", old.group, cur.group, sentence)
    else:
        was, now = facilitators[0].get(cur.group), facilitators[1].get(cur.group)
        if was is not None and now is not None and was != now:
            sentence = f"{cid}: {cur.group} is now facilitated by {now} (was {was})"
            yield Change(cid, "client", "facilitator_changed", was, now, sentence)
    if old.therapist != cur.therapist:
        yield Change(
            cid,
            "client",
            "therapist_changed",
            old.therapist,
            cur.therapist,
            f"{cid}: primary therapist {old.therapist} -> {cur.therapist}",
        )
    yield from client_appointment_changes(old, cur, instance)


def _shifts(instance: Instance | None, old_group: str, new_group: str) -> tuple[str, str] | None:
    """The two groups' shifts when the instance knows both and they differ."""
    if instance is None or not (instance.has_group(old_group) and instance.has_group(new_group)):
        return None
    old_shift = instance.group(old_group).shift
    new_shift = instance.group(new_group).shift
    return (old_shift, new_shift) if old_shift != new_shift else None


# --- therapists --------------------------------------------------------------------------------


def _therapist_changes(
    previous: Roster, new: Roster, instance: Instance | None
) -> Iterator[Change]:
    """Everything that changes in a therapist's week.

    First the groups they stop or start facilitating and the clients who join or
    leave a group they keep facilitating, then the clients without appointments with
    them who join or leave their caseload, then each appointment they provide that they
    gain, lose or see moved, in time order, then what changes in their clients'
    specialist appointments with others; the stable sort of :func:`diff` keeps that
    order per therapist.
    """
    yield from _facilitation_changes(previous, new)
    yield from _caseload_changes(previous, new)
    yield from provider_appointment_changes(previous, new)
    yield from primary_therapist_changes(previous, new, instance)


@dataclass(frozen=True, slots=True)
class _Whereabouts:
    """Where each client was and is: their group, or on the roster unplaced, or gone."""

    old_group: dict[str, str]
    new_group: dict[str, str]
    old_ids: frozenset[str]
    new_ids: frozenset[str]

    @classmethod
    def of(cls, previous: Roster, new: Roster) -> _Whereabouts:
        return cls(
            {p.id: p.group for p in previous.clients},
            {p.id: p.group for p in new.clients},
            frozenset([p.id for p in previous.clients] + [u.id for u in previous.unassigned]),
            frozenset([p.id for p in new.clients] + [u.id for u in new.unassigned]),
        )

    def came_from(self, cid: str) -> str:
        if cid in self.old_group:
            return f"from {self.old_group[cid]}"
        return "newly placed" if cid in self.old_ids else "new to the roster"

    def went_to(self, cid: str) -> str:
        if cid in self.new_group:
            return f"moves to {self.new_group[cid]}"
        return "no longer placed" if cid in self.new_ids else "discharged"


def _facilitation_changes(previous: Roster, new: Roster) -> Iterator[Change]:
    """Groups a therapist stops or starts facilitating; clients joining or leaving the rest."""
    old_groups = {g.id: g for g in previous.groups}
    new_groups = {g.id: g for g in new.groups}
    where = _Whereabouts.of(previous, new)
    for gid in sorted(set(old_groups) | set(new_groups), key=id_key):
        old, cur = old_groups.get(gid), new_groups.get(gid)
        if old is not None and (cur is None or cur.facilitator != old.facilitator):
            why = "the group no longer runs" if cur is None else f"{cur.facilitator} takes over"
            sentence = f"{old.facilitator}: no longer facilitates {gid} ({why})"
            yield Change(old.facilitator, "therapist", "stops_facilitating", gid, None, sentence)
        if cur is not None and (old is None or old.facilitator != cur.facilitator):
            how = "newly running" if old is None else f"taking over from {old.facilitator}"
            members = ", ".join(sorted(cur.clients, key=id_key))
            sentence = f"{cur.facilitator}: now facilitates {gid} ({how}; clients {members})"
            yield Change(cur.facilitator, "therapist", "starts_facilitating", None, gid, sentence)
        elif cur is not None and old is not None:
            tid = cur.facilitator
            for cid in sorted(set(old.clients) ^ set(cur.clients), key=id_key):
                if cid in cur.clients:
                    sentence = f"{tid}: {cid} joins {gid} ({where.came_from(cid)})"
                    yield Change(tid, "therapist", "client_joined_group", None, gid, sentence)
                else:
                    sentence = f"{tid}: {cid} leaves {gid} ({where.went_to(cid)})"
                    yield Change(tid, "therapist", "client_left_group", gid, None, sentence)


def _caseload_changes(previous: Roster, new: Roster) -> Iterator[Change]:
    """A client who joins or leaves a caseload with no appointment line to tell the therapist."""
    old_placed = {p.id: p for p in previous.clients}
    new_placed = {p.id: p for p in new.clients}
    for cid in sorted(set(old_placed) | set(new_placed), key=id_key):
        old, cur = old_placed.get(cid), new_placed.get(cid)
        if old is not None and not _sees(old) and (cur is None or cur.therapist != old.therapist):
            tid = old.therapist
            sentence = f"{tid}: no longer primary therapist of {cid} ({_without(old)})"
            yield Change(tid, "therapist", "caseload_removed", cid, None, sentence)
        if cur is not None and not _sees(cur) and (old is None or old.therapist != cur.therapist):
            tid = cur.therapist
            sentence = f"{tid}: now primary therapist of {cid} ({_without(cur)})"
            yield Change(tid, "therapist", "caseload_added", None, cid, sentence)


def _sees(p: Placement) -> bool:
    """True when the primary therapist provides one of the client's appointments."""
    return any(a.provider == p.therapist for a in p.appointments)


def _without(p: Placement) -> str:
    return "no appointments with them" if p.appointments else "no individual sessions"


# --- groups ------------------------------------------------------------------------------------


def _group_changes(previous: Roster, new: Roster, instance: Instance | None) -> Iterator[Change]:
    old_facilitator = {g.id: g.facilitator for g in previous.groups}
    new_facilitator = {g.id: g.facilitator for g in new.groups}
    for gid in sorted(set(old_facilitator) | set(new_facilitator), key=id_key):
        before = old_facilitator.get(gid)
        after = new_facilitator.get(gid)
        if after is None:
            sentence = f"group {gid} no longer runs (it was facilitated by {before})"
            yield Change(gid, "group", "group_closed", before, None, sentence)
        elif before is None:
            shift = ""
            if instance is not None and instance.has_group(gid):
                shift = f" ({instance.group(gid).shift})"
            sentence = f"group {gid}{shift} now runs, facilitated by {after}"
            yield Change(gid, "group", "group_opened", None, after, sentence)
        elif before != after:
            sentence = f"{gid}: facilitator {before} -> {after}"
            yield Change(gid, "group", "facilitator_changed", before, after, sentence)
