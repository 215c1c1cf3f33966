"""The appointment lines of the change report (:mod:`solver.analysis.diff`): appointments of
every kind that move, are added or cancelled, and specialist providers who change, each
told to the client, to the provider, and (for a specialist kind) to the client's primary
therapist.

An individual session reads as in version 1 (``session Tue 13:00``, ``Tue 13:00 session with
C020``); an appointment of another kind names its kind (``psychiatry appointment Tue 13:00
with T9``) and its short form carries it (``psychiatry Tue 13:00``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from solver.analysis.diff_parts import Change, SubjectKind, id_key, match_sessions, time_key, when
from solver.instance import Instance
from solver.roster import Appointment, Placement, Roster

__all__ = [
    "client_appointment_changes",
    "primary_therapist_changes",
    "provider_appointment_changes",
]

Pair = tuple[Appointment | None, Appointment | None]


def short(a: Appointment) -> str:
    """``Tue 13:00`` for an individual session, ``psychiatry Tue 13:00`` for another kind."""
    return when(a) if a.kind == "individual" else f"{a.kind} {when(a)}"


def kinds_of(*placements: Placement) -> list[str]:
    """The kinds of the placements' appointments, in order of first appearance."""
    return list(dict.fromkeys(a.kind for p in placements for a in p.appointments))


def kind_pairs(old: Placement, cur: Placement, kind: str) -> list[Pair]:
    """The client's old and new appointments of one kind, paired (unchanged ones left out)."""
    return match_sessions(old.of_kind(kind), cur.of_kind(kind))


def is_specialist(kind: str, old: Placement, cur: Placement, instance: Instance | None) -> bool:
    """True for a specialist kind: by the instance when it knows the kind, else when an
    appointment of the kind is with someone other than the client's primary therapist."""
    if instance is not None and kind in {k.id for k in instance.kinds}:
        return instance.kind(kind).provider == "specialist"
    return any(a.provider != p.therapist for p in (old, cur) for a in p.of_kind(kind))


def appointment_change(
    subject: str,
    subject_kind: SubjectKind,
    client_id: str,
    before: Appointment | None,
    after: Appointment | None,
    *,
    primary: str | None = None,
    missed_reason: str | None = None,
) -> Change:
    """An appointment moved, added or cancelled, told to the client (``subject_kind``
    client; ``primary``: their primary therapist, whom the sentence need not name) or to
    the provider (therapist)."""
    anchor = before if before is not None else after
    assert anchor is not None, "a matched pair holds at least one appointment"
    kind = anchor.kind

    def with_whom(a: Appointment) -> str:
        return "" if a.provider == primary else f" with {a.provider}"

    def noun(a: Appointment) -> str:
        if subject_kind == "client":
            if kind == "individual":
                return f"session {when(a)}"
            return f"{kind} appointment {when(a)}{with_whom(a)}"
        if kind == "individual":
            return f"{when(a)} session with {client_id}"
        return f"{when(a)} {kind} appointment with {client_id}"

    if before is not None and after is not None:
        to = when(after)
        if subject_kind == "client" and kind != "individual" and after.provider != before.provider:
            to += with_whom(after)
        sentence = f"{subject}: {noun(before)} moves to {to}"
        return Change(subject, subject_kind, "session_moved", short(before), short(after), sentence)
    if after is not None:
        sentence = f"{subject}: new {noun(after)}"
        return Change(subject, subject_kind, "session_added", None, short(after), sentence)
    assert before is not None
    sentence = f"{subject}: {noun(before)} is cancelled"
    if missed_reason is not None:
        sentence += f" (missed: {missed_reason})"
    return Change(subject, subject_kind, "session_removed", short(before), None, sentence)


def client_appointment_changes(
    old: Placement, cur: Placement, instance: Instance | None
) -> Iterator[Change]:
    """The client's lines: each appointment moved, added or cancelled, kind by kind, and
    each specialist kind whose provider changes."""
    cid = cur.id
    missed = {m.kind: m.reasons[0] for m in cur.missed if m.reasons}
    for kind in kinds_of(old, cur):
        before_of, after_of = old.of_kind(kind), cur.of_kind(kind)
        if (
            before_of
            and after_of
            and before_of[0].provider != after_of[0].provider
            and is_specialist(kind, old, cur, instance)
        ):
            was, now = before_of[0].provider, after_of[0].provider
            sentence = f"{cid}: {kind} provider {was} -> {now}"
            yield Change(cid, "client", "provider_changed", was, now, sentence)
        for before, after in kind_pairs(old, cur, kind):
            reason = missed.get(kind) if after is None else None
            yield appointment_change(
                cid, "client", cid, before, after, primary=cur.therapist, missed_reason=reason
            )


def _by_provider(
    placements: Iterable[Placement],
) -> dict[str, dict[tuple[str, str], list[Appointment]]]:
    by: dict[str, dict[tuple[str, str], list[Appointment]]] = {}
    for p in placements:
        for a in p.appointments:
            by.setdefault(a.provider, {}).setdefault((p.id, a.kind), []).append(a)
    return by


def provider_appointment_changes(previous: Roster, new: Roster) -> Iterator[Change]:
    """Each provider's lines: appointments they gain, lose or see moved, in time order."""
    old_by = _by_provider(previous.clients)
    new_by = _by_provider(new.clients)
    for tid in sorted(set(old_by) | set(new_by), key=id_key):
        old_items = old_by.get(tid, {})
        new_items = new_by.get(tid, {})
        lines: list[tuple[tuple[int, str], str, Change]] = []
        for cid, kind in set(old_items) | set(new_items):
            pairs = match_sessions(old_items.get((cid, kind), []), new_items.get((cid, kind), []))
            for before, after in pairs:
                anchor = before if before is not None else after
                assert anchor is not None, "a matched pair holds at least one appointment"
                change = appointment_change(tid, "therapist", cid, before, after)
                lines.append((time_key(anchor), cid, change))
        lines.sort(key=lambda line: (line[0], id_key(line[1])))
        yield from (line[2] for line in lines)


def primary_therapist_changes(
    previous: Roster, new: Roster, instance: Instance | None
) -> Iterator[Change]:
    """What changes in a client's specialist appointments, told to the primary therapist
    (the new roster's) when they are not the provider before or after."""
    old_placed = {p.id: p for p in previous.clients}
    for cur in sorted(new.clients, key=lambda p: id_key(p.id)):
        old = old_placed.get(cur.id)
        if old is None:
            continue
        tid, cid = cur.therapist, cur.id
        for kind in kinds_of(old, cur):
            if not is_specialist(kind, old, cur, instance):
                continue
            before_of, after_of = old.of_kind(kind), cur.of_kind(kind)
            providers = {a.provider for a in (*before_of, *after_of)}
            if tid in providers:
                continue
            if before_of and after_of and before_of[0].provider != after_of[0].provider:
                was, now = before_of[0].provider, after_of[0].provider
                sentence = f"{tid}: {cid}'s {kind} provider {was} -> {now}"
                yield Change(tid, "therapist", "provider_changed", was, now, sentence)
            for before, after in kind_pairs(old, cur, kind):
                yield _told_to_primary(tid, cid, before, after)


def _told_to_primary(
    tid: str, cid: str, before: Appointment | None, after: Appointment | None
) -> Change:
    if before is not None and after is not None:
        to = when(after)
        if after.provider != before.provider:
            to += f" with {after.provider}"
        sentence = (
            f"{tid}: {cid}'s {before.kind} appointment {when(before)} with {before.provider} "
            f"moves to {to}"
        )
        return Change(tid, "therapist", "session_moved", short(before), short(after), sentence)
    if after is not None:
        sentence = (
            f"{tid}: {cid} has a new {after.kind} appointment {when(after)} with {after.provider}"
        )
        return Change(tid, "therapist", "session_added", None, short(after), sentence)
    assert before is not None
    sentence = (
        f"{tid}: {cid}'s {before.kind} appointment {when(before)} with {before.provider} "
        "is cancelled"
    )
    return Change(tid, "therapist", "session_removed", short(before), None, sentence)
