"""The roster's own consistency: every client once, known ids, the group list, the
``missed`` entries, the status.

Everything found here is a ``roster`` violation. A ``missed`` entry that does not match
the appointments makes a broken roster (the format's "Roster" section), so it is one too.
"""

from __future__ import annotations

from collections.abc import Iterator

from solver.checker.report import Violation
from solver.checker.week import Week, names
from solver.instance import Instance
from solver.roster import Roster

INTERRUPTED_LINE = "interrupted after "
"""How the one explanation line an optimal or feasible roster may carry starts: its solve
was interrupted (Ctrl-C), and it is the best roster found by then."""


def unverifiable_form(instance: Instance, roster: Roster) -> Iterator[Violation]:
    """An ``infeasible`` or ``unknown`` roster: well formed, and (infeasible) a claim that
    can hold. Without pins the roster leaving every client unassigned breaks no rule, so an
    ``infeasible`` claim on a week without pins is wrong."""
    status = roster.status
    pinned = any(c.pinned_group or c.pinned_therapist for c in instance.clients)
    if status == "infeasible" and not pinned:
        yield Violation(
            "roster",
            "status is infeasible, but the instance has no pins (pinned_group, "
            "pinned_therapist), and without pins a valid roster always exists "
            "(at worst every client unassigned)",
        )
    for key, items in (
        ("groups", roster.groups),
        ("clients", roster.clients),
        ("unassigned", roster.unassigned),
    ):
        if items:
            yield Violation("roster", f"status is {status} but {key} lists {len(items)} entries")
    if roster.objective is not None:
        yield Violation(
            "roster", f"status is {status} but objective is {roster.objective}, not null"
        )
    if not any(line.strip() for line in roster.explanation):
        yield Violation("roster", f"status is {status} but the explanation is empty")


def roster_consistency(week: Week) -> Iterator[Violation]:
    """The roster's own form: every client once, known ids (appointment kinds and providers
    included), the ``missed`` entries, the group list and the explanation."""
    roster = week.roster
    yield from _client_lists(week)
    for placement in roster.clients:
        if placement.id not in week.clients:
            continue
        if placement.group not in week.groups:
            yield Violation(
                "roster",
                f"client {placement.id} is placed in group {placement.group}, "
                "which the instance does not have",
            )
        if placement.therapist not in week.therapists:
            yield Violation(
                "roster",
                f"client {placement.id} has primary therapist {placement.therapist}, "
                "who is not a therapist of the instance",
            )
        for booking in week.bookings(placement):
            if booking.kind not in week.kinds:
                yield Violation(
                    "roster",
                    f"client {placement.id}'s {week.key(booking.index)} has kind {booking.kind}, "
                    "which is not an appointment kind of the program",
                )
            # An unknown primary therapist is named once, above.
            if booking.provider not in week.therapists and booking.provider != placement.therapist:
                yield Violation(
                    "roster",
                    f"client {placement.id}'s {week.key(booking.index)} has provider "
                    f"{booking.provider}, who is not a therapist of the instance",
                )
    yield from _missed(week)
    yield from _group_list(week)
    # A roster's explanation is empty, but for the line of an interrupted solve
    # ("interrupted after 3.2 s: this is the best roster found by then").
    if any(not line.startswith(INTERRUPTED_LINE) for line in roster.explanation):
        yield Violation("roster", f"status is {roster.status} but the explanation is not empty")


def _client_lists(week: Week) -> Iterator[Violation]:
    roster = week.roster
    placed_count: dict[str, int] = {}
    for placement in roster.clients:
        if placement.id not in week.clients:
            yield Violation(
                "roster", f"clients lists {placement.id}, which is not a client of the instance"
            )
        placed_count[placement.id] = placed_count.get(placement.id, 0) + 1
    unassigned_count: dict[str, int] = {}
    for entry in roster.unassigned:
        if entry.id not in week.clients:
            yield Violation(
                "roster", f"unassigned lists {entry.id}, which is not a client of the instance"
            )
        unassigned_count[entry.id] = unassigned_count.get(entry.id, 0) + 1
        if not any(reason.strip() for reason in entry.reasons):
            yield Violation("roster", f"unassigned client {entry.id} has no reason")
    for client in week.instance.clients:
        placed = placed_count.get(client.id, 0)
        unassigned = unassigned_count.get(client.id, 0)
        if placed and unassigned:
            yield Violation("roster", f"client {client.id} is both placed and unassigned")
        if placed > 1:
            yield Violation("roster", f"client {client.id} is placed {placed} times")
        if unassigned > 1:
            yield Violation("roster", f"client {client.id} is unassigned {unassigned} times")
        if not placed and not unassigned:
            yield Violation("roster", f"client {client.id} is neither placed nor unassigned")


def _missed(week: Week) -> Iterator[Violation]:
    """Each placed client's ``missed``: one entry exactly for each wanted kind with fewer
    appointments than requested, counting the difference, with a reason."""
    for client, placement in week.placed():
        listed: dict[str, int] = {}
        for entry in placement.missed:
            where = f"client {client.id}'s missed entry for kind {entry.kind}"
            kind = week.kinds.get(entry.kind)
            if kind is None:
                yield Violation("roster", f"{where}: the program has no such appointment kind")
            elif kind.required:
                yield Violation(
                    "roster", f"{where}: {kind.id} is required, so nothing of it may be missed"
                )
            if entry.kind in listed:
                yield Violation("roster", f"{where}: the kind is listed twice")
                continue
            listed[entry.kind] = entry.count
            if not any(reason.strip() for reason in entry.reasons):
                yield Violation("roster", f"{where} has no reason")
        bookings = week.bookings(placement)
        for kind in week.instance.kinds:
            if kind.required:
                continue
            requested = week.instance.requested(client, kind)
            scheduled = sum(1 for b in bookings if b.kind == kind.id)
            expected = max(0, requested - scheduled)
            count = listed.get(kind.id)
            said = f"requests {requested} and has {scheduled}"
            if expected and count is None:
                yield Violation(
                    "roster",
                    f"client {client.id} misses {expected} {kind.id} appointments ({said}), "
                    "but missed does not list the kind",
                )
            elif count is not None and count != expected:
                yield Violation(
                    "roster",
                    f"client {client.id}'s missed entry for kind {kind.id} counts {count}, "
                    f"but the client {said}: {expected} missed",
                )


def _group_list(week: Week) -> Iterator[Violation]:
    listings: dict[str, int] = {}
    for listed in week.roster.groups:
        listings[listed.id] = listings.get(listed.id, 0) + 1
        if listed.id not in week.groups:
            yield Violation(
                "roster", f"groups lists {listed.id}, which is not a group of the instance"
            )
        if listed.facilitator not in week.therapists:
            yield Violation(
                "roster",
                f"group {listed.id} has facilitator {listed.facilitator}, "
                "who is not a therapist of the instance",
            )
        members = week.members.get(listed.id, [])
        if not members:
            yield Violation("roster", f"groups lists {listed.id}, but no client is placed in it")
            continue
        seen: set[str] = set()
        for client_id in listed.clients:
            if client_id in seen:
                yield Violation("roster", f"group {listed.id} lists client {client_id} twice")
            seen.add(client_id)
            if client_id not in members:
                yield Violation(
                    "roster",
                    f"group {listed.id} lists client {client_id}, who is not placed in it",
                )
        for client_id in members:
            if client_id not in seen:
                yield Violation(
                    "roster",
                    f"group {listed.id} does not list client {client_id}, who is placed in it",
                )
    for group_id, members in week.members.items():
        count = listings.get(group_id, 0)
        if count == 0:
            yield Violation(
                "roster",
                f"group {group_id} runs (clients {names(members)}) but groups does not list it",
            )
        elif count > 1:
            yield Violation("roster", f"groups lists group {group_id} {count} times")
