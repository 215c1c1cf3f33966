"""The independent checker: does a roster obey every rule, and are its numbers right?

The checker is how we know the solver is right, so it shares no code with the model
building (``solver/model``, ``solver/precompute.py``, ``solver/solve.py``). It reads the
instance and the roster through their pydantic models only and does its own time
arithmetic: parsing ``"HH:MM"``, overlaps, and "inside the union of intervals", so that
a mistake in the model cannot hide itself here.

Each rule of ``FORMAT.md`` has one function below, named after its id (``_r1_eligibility``
... ``_r11_pins``); the roster's own consistency and the objective have one each.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from solver.instance import Client, Group, Instance, Interval, Therapist
from solver.roster import Penalties, Placement, Roster

__all__ = ["CheckReport", "Violation", "check"]

log = logging.getLogger(__name__)

_RULE_TITLES: dict[str, str] = {
    "roster": "roster",
    "R1": "R1 eligibility",
    "R2": "R2 client time",
    "R3": "R3 group size",
    "R4": "R4 facilitator",
    "R5": "R5 primary therapist",
    "R6": "R6 individual sessions",
    "R7": "R7 no double booking",
    "R8": "R8 rooms",
    "R9": "R9 keep apart",
    "R10": "R10 weekly hours",
    "R11": "R11 pins",
    "objective": "objective",
}

_UNVERIFIABLE = ("infeasible", "unknown")


@dataclass(frozen=True)
class Violation:
    """One way in which a roster breaks the format's rules.

    Attributes:
        rule: ``"R1"`` ... ``"R11"``; ``"roster"`` for the roster's own consistency
            (every client once, known ids, the group list, the status); ``"objective"``
            for its numbers (objective, best bound, penalty terms).
        message: what is wrong, in plain words naming the entries involved.
    """

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{_RULE_TITLES.get(self.rule, self.rule)}: {self.message}"


@dataclass
class CheckReport:
    """What :func:`check` found.

    Attributes:
        violations: every rule the roster breaks, in rule order.
        penalties: the penalty terms recomputed from the instance, the previous roster
            and the roster (all zero for an ``infeasible`` or ``unknown`` roster).
        objective: the sum of the recomputed penalties.
        status: the roster's status.
        claimed_objective: the objective the roster states (None when null).
    """

    violations: list[Violation]
    penalties: Penalties
    objective: int
    status: str = "optimal"
    claimed_objective: int | None = None

    @property
    def ok(self) -> bool:
        """True when the roster breaks no rule (for infeasible/unknown: it is well formed)."""
        return not self.violations

    def rules(self) -> set[str]:
        """The ids of the rules broken."""
        return {v.rule for v in self.violations}

    def lines(self) -> list[str]:
        """One line per violation, then a last line with the recomputed objective."""
        lines = [str(v) for v in self.violations]
        if self.status in _UNVERIFIABLE:
            lines.append(
                f"objective not recomputed: the roster's status is {self.status}, "
                "a claim that checking cannot verify"
            )
        else:
            claimed = "null" if self.claimed_objective is None else str(self.claimed_objective)
            lines.append(f"objective {self.objective} recomputed (roster says {claimed})")
        return lines


def check(instance: Instance, roster: Roster, *, previous: Roster | None = None) -> CheckReport:
    """Check a roster against every rule of ``FORMAT.md`` and recompute its objective.

    Args:
        instance: the week the roster is for.
        roster: the roster to check.
        previous: the roster being replaced, for the rerun terms of the objective.

    Returns:
        The report: every violation, the recomputed penalties and objective. A roster
        with status ``infeasible`` or ``unknown`` is only checked for being well formed
        (empty lists, null objective, an explanation); its claim cannot be verified.
    """
    if roster.status in _UNVERIFIABLE:
        violations = list(_unverifiable_form(roster))
        return CheckReport(violations, Penalties.zero(), 0, roster.status, roster.objective)

    week = _Week(instance, roster)
    violations = list(_roster_consistency(week))
    for rule in _RULES:
        violations.extend(rule(week))
    penalties = _penalties(week, previous)
    violations.extend(_objective(roster, penalties))
    log.debug("checked roster: %d violations", len(violations))
    return CheckReport(violations, penalties, penalties.total(), roster.status, roster.objective)


# --- time arithmetic, kept here on purpose (see the module docstring) ---

_DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minute_of(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, order=True)
class _Span:
    """A half-open ``[start, end)`` in minutes after 00:00 on day ``day`` (0 = Monday)."""

    day: int
    start: int
    end: int

    @classmethod
    def of(cls, interval: Interval) -> _Span:
        return cls(
            _DAY_NAMES.index(interval.day), _minute_of(interval.start), _minute_of(interval.end)
        )

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def overlaps(self, other: _Span) -> bool:
        return self.day == other.day and self.start < other.end and other.start < self.end

    def __str__(self) -> str:
        return f"{_DAY_NAMES[self.day]} {_clock(self.start)}-{_clock(self.end)}"


def _spans(intervals: Iterable[Interval]) -> list[_Span]:
    return [_Span.of(i) for i in intervals]


class _Union:
    """The union of some intervals: touching or overlapping ones join into one block."""

    def __init__(self, spans: Iterable[_Span]) -> None:
        self._blocks: dict[int, list[tuple[int, int]]] = {}
        for span in sorted(spans):
            blocks = self._blocks.setdefault(span.day, [])
            if blocks and span.start <= blocks[-1][1]:
                start, end = blocks[-1]
                blocks[-1] = (start, max(end, span.end))
            else:
                blocks.append((span.start, span.end))

    def holds(self, span: _Span) -> bool:
        """True when ``span`` lies inside one block of the union."""
        return any(
            start <= span.start and span.end <= end for start, end in self._blocks.get(span.day, [])
        )


def _names(ids: Iterable[str]) -> str:
    return ", ".join(ids)


# --- the roster as the checker reads it ---


class _Week:
    """The instance and roster, indexed for checking.

    A client listed more than once counts with its first placement; the repetition is a
    ``roster`` violation. Placements of ids the instance lacks are left out of the rule
    checks (also ``roster`` violations).
    """

    def __init__(self, instance: Instance, roster: Roster) -> None:
        self.instance = instance
        self.roster = roster
        self.program = instance.program
        self.groups: dict[str, Group] = {g.id: g for g in instance.groups}
        self.therapists: dict[str, Therapist] = {t.id: t for t in instance.therapists}
        self.clients: dict[str, Client] = {c.id: c for c in instance.clients}
        self.placements: dict[str, Placement] = {}
        for placement in roster.clients:
            if placement.id in self.clients and placement.id not in self.placements:
                self.placements[placement.id] = placement
        # Group id (known or not) -> ids of the clients placed in it, in roster order.
        self.members: dict[str, list[str]] = {}
        for placement in self.placements.values():
            self.members.setdefault(placement.group, []).append(placement.id)
        # The instance's groups that run, in instance order.
        self.running: list[Group] = [g for g in instance.groups if g.id in self.members]
        # Group id -> distinct facilitators named by its listings in roster.groups.
        self.listed_facilitators: dict[str, list[str]] = {}
        for listed in roster.groups:
            named = self.listed_facilitators.setdefault(listed.id, [])
            if listed.facilitator not in named:
                named.append(listed.facilitator)

    def facilitator(self, group_id: str) -> Therapist | None:
        """The group's facilitator when the roster names exactly one known therapist."""
        named = self.listed_facilitators.get(group_id, [])
        if len(named) != 1:
            return None
        return self.therapists.get(named[0])

    def placed(self) -> Iterator[tuple[Client, Placement]]:
        """Each placed client of the instance with its placement, in roster order."""
        for client_id, placement in self.placements.items():
            yield self.clients[client_id], placement

    def group_of(self, placement: Placement) -> Group | None:
        """The placement's group, None when the instance lacks it."""
        return self.groups.get(placement.group)

    def session_minutes(self, client: Client) -> int:
        """The length each of the client's sessions must have."""
        if client.session_minutes is not None:
            return client.session_minutes
        return self.program.individual_session_minutes


# --- the roster's own consistency ---


def _unverifiable_form(roster: Roster) -> Iterator[Violation]:
    status = roster.status
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


def _roster_consistency(week: _Week) -> Iterator[Violation]:
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
    yield from _group_list(week)
    if roster.explanation:
        yield Violation("roster", f"status is {roster.status} but the explanation is not empty")


def _client_lists(week: _Week) -> Iterator[Violation]:
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


def _group_list(week: _Week) -> Iterator[Violation]:
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
                f"group {group_id} runs (clients {_names(members)}) but groups does not list it",
            )
        elif count > 1:
            yield Violation("roster", f"groups lists group {group_id} {count} times")


# --- R1 .. R11 ---


def _r1_eligibility(week: _Week) -> Iterator[Violation]:
    for client, placement in week.placed():
        group = week.group_of(placement)
        if group is None:
            continue
        where = f"client {client.id} in group {group.id}"
        if group.population != client.population:
            yield Violation(
                "R1",
                f"{where}: the group is for {group.population}s, the client is {client.population}",
            )
        if client.track not in group.tracks:
            yield Violation(
                "R1",
                f"{where}: the group serves tracks {_names(group.tracks)}, "
                f"not the client's track {client.track}",
            )
        if group.audience is not None and group.audience not in client.audiences:
            yield Violation(
                "R1",
                f"{where}: the group is for audience {group.audience}, "
                "which is not among the client's audiences",
            )
        facilitator = week.facilitator(group.id)
        if facilitator is not None and facilitator.id in client.avoid_therapists:
            yield Violation(
                "R1",
                f"{where}: the client avoids therapist {facilitator.id}, the group's facilitator",
            )


def _r2_client_time(week: _Week) -> Iterator[Violation]:
    for client, placement in week.placed():
        busy = _spans(client.busy)
        group = week.group_of(placement)
        meetings = _spans(group.meetings) if group is not None else []
        sessions = _spans(placement.sessions)
        for meeting in meetings:
            for other in busy:
                if meeting.overlaps(other):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s group {placement.group} meets {meeting}, "
                        f"overlapping the client's busy time {other}",
                    )
        for session in sessions:
            for other in busy:
                if session.overlaps(other):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s individual session {session} overlaps "
                        f"the client's busy time {other}",
                    )
            for meeting in meetings:
                if session.overlaps(meeting):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s individual session {session} overlaps "
                        f"the meeting {meeting} of their group {placement.group}",
                    )
        for i, first in enumerate(sessions):
            for second in sessions[i + 1 :]:
                if first.overlaps(second):
                    yield Violation(
                        "R2",
                        f"client {client.id}'s individual sessions {first} and {second} overlap",
                    )
                elif first.day == second.day:
                    yield Violation(
                        "R2",
                        f"client {client.id}'s individual sessions {first} and {second} "
                        "are on the same day",
                    )


def _r3_group_size(week: _Week) -> Iterator[Violation]:
    smallest = week.program.group_min_size
    for group in week.running:
        size = len(week.members[group.id])
        if size < smallest:
            yield Violation(
                "R3",
                f"group {group.id} runs with {size} clients, fewer than group_min_size {smallest}",
            )
        if size > group.capacity:
            yield Violation(
                "R3",
                f"group {group.id} runs with {size} clients, "
                f"more than its max_size {group.capacity}",
            )


def _r4_facilitator(week: _Week) -> Iterator[Violation]:
    facilitated: dict[str, list[str]] = {}
    for group in week.running:
        named = week.listed_facilitators.get(group.id, [])
        if not named:
            yield Violation("R4", f"group {group.id} runs without a facilitator")
            continue
        if len(named) > 1:
            yield Violation(
                "R4", f"group {group.id} has {len(named)} facilitators: {_names(named)}"
            )
            continue
        therapist = week.therapists.get(named[0])
        if therapist is None:
            continue
        facilitated.setdefault(therapist.id, []).append(group.id)
        missing = [s for s in group.facilitator_specialties if s not in therapist.specialties]
        if missing:
            yield Violation(
                "R4",
                f"group {group.id}'s facilitator {therapist.id} lacks "
                f"specialties {_names(missing)}",
            )
        available = _Union(_spans(therapist.availability))
        for meeting in _spans(group.meetings):
            if not available.holds(meeting):
                yield Violation(
                    "R4",
                    f"group {group.id} meets {meeting}, outside the availability "
                    f"of its facilitator {therapist.id}",
                )
    for therapist in week.instance.therapists:
        groups = facilitated.get(therapist.id, [])
        if len(groups) > therapist.max_groups:
            yield Violation(
                "R4",
                f"therapist {therapist.id} facilitates {len(groups)} groups "
                f"({_names(groups)}), more than max_groups {therapist.max_groups}",
            )


def _r5_primary_therapist(week: _Week) -> Iterator[Violation]:
    caseload: dict[str, list[str]] = {}
    for client, placement in week.placed():
        therapist = week.therapists.get(placement.therapist)
        if therapist is None:
            continue
        caseload.setdefault(therapist.id, []).append(client.id)
        missing = [need for need in client.needs if need not in therapist.specialties]
        if missing:
            yield Violation(
                "R5",
                f"client {client.id}'s primary therapist {therapist.id} lacks "
                f"specialties {_names(missing)} that the client needs",
            )
        if therapist.id in client.avoid_therapists:
            yield Violation(
                "R5",
                f"client {client.id} has primary therapist {therapist.id}, whom the client avoids",
            )
    for therapist in week.instance.therapists:
        clients = caseload.get(therapist.id, [])
        if len(clients) > therapist.max_caseload:
            yield Violation(
                "R5",
                f"therapist {therapist.id} is primary therapist of {len(clients)} clients "
                f"({_names(clients)}), more than max_caseload {therapist.max_caseload}",
            )


def _r6_individual_sessions(week: _Week) -> Iterator[Violation]:
    program = week.program
    open_hours = _Union(_spans(program.open_hours))
    for client, placement in week.placed():
        sessions = _spans(placement.sessions)
        if len(sessions) != client.individual_sessions:
            yield Violation(
                "R6",
                f"client {client.id} has {len(sessions)} individual sessions, "
                f"not individual_sessions {client.individual_sessions}",
            )
        length = week.session_minutes(client)
        therapist = week.therapists.get(placement.therapist)
        available = _Union(_spans(therapist.availability)) if therapist is not None else None
        for session in sessions:
            where = f"client {client.id}'s individual session {session}"
            if session.minutes != length:
                yield Violation("R6", f"{where} lasts {session.minutes} minutes, not {length}")
            if session.start % program.slot_minutes:
                yield Violation(
                    "R6",
                    f"{where} starts at {_clock(session.start)}, not on a multiple "
                    f"of slot_minutes {program.slot_minutes}",
                )
            if not open_hours.holds(session):
                yield Violation("R6", f"{where} lies outside open_hours")
            if available is not None and not available.holds(session):
                yield Violation(
                    "R6",
                    f"{where} lies outside the availability of therapist {placement.therapist}",
                )


def _r7_no_double_booking(week: _Week) -> Iterator[Violation]:
    booked: dict[str, list[tuple[_Span, str]]] = {}
    for group in week.running:
        therapist = week.facilitator(group.id)
        if therapist is not None:
            booked.setdefault(therapist.id, []).extend(
                (meeting, f"the meeting {meeting} of group {group.id}")
                for meeting in _spans(group.meetings)
            )
    for client, placement in week.placed():
        if placement.therapist in week.therapists:
            booked.setdefault(placement.therapist, []).extend(
                (session, f"client {client.id}'s individual session {session}")
                for session in _spans(placement.sessions)
            )
    for therapist in week.instance.therapists:
        items = booked.get(therapist.id, [])
        for i, (first, first_name) in enumerate(items):
            for second, second_name in items[i + 1 :]:
                if first.overlaps(second):
                    yield Violation(
                        "R7",
                        f"therapist {therapist.id} is booked twice: {first_name} "
                        f"overlaps {second_name}",
                    )


def _r8_rooms(week: _Week) -> Iterator[Violation]:
    groups = [g for g in week.running if g.room is not None]
    for i, first in enumerate(groups):
        for second in groups[i + 1 :]:
            if first.room != second.room:
                continue
            clashes = [
                f"{a} and {b}"
                for a in _spans(first.meetings)
                for b in _spans(second.meetings)
                if a.overlaps(b)
            ]
            if clashes:
                yield Violation(
                    "R8",
                    f"groups {first.id} and {second.id} both run in room {first.room} "
                    f"at overlapping times: {'; '.join(clashes)}",
                )


def _r9_keep_apart(week: _Week) -> Iterator[Violation]:
    for group in week.running:
        members = [week.clients[c] for c in week.members[group.id]]
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                if second.id in first.keep_apart or first.id in second.keep_apart:
                    yield Violation(
                        "R9",
                        f"clients {first.id} and {second.id} are both in group {group.id}, "
                        "but keep_apart separates them",
                    )


def _r10_weekly_hours(week: _Week) -> Iterator[Violation]:
    for client, placement in week.placed():
        group = week.group_of(placement)
        if group is None:
            continue
        group_minutes = sum(m.minutes for m in _spans(group.meetings))
        session_minutes = sum(s.minutes for s in _spans(placement.sessions))
        hours = getattr(week.program.min_weekly_hours, client.population)
        needed = float(hours) * 60
        if group_minutes + session_minutes < needed:
            yield Violation(
                "R10",
                f"client {client.id} has {group_minutes + session_minutes} minutes a week "
                f"(group {group.id} {group_minutes}, individual sessions {session_minutes}), "
                f"less than min_weekly_hours {client.population} {hours:g} "
                f"({needed:g} minutes)",
            )


def _r11_pins(week: _Week) -> Iterator[Violation]:
    for client in week.instance.clients:
        pins = []
        if client.pinned_group is not None:
            pins.append(f"group {client.pinned_group}")
        if client.pinned_therapist is not None:
            pins.append(f"therapist {client.pinned_therapist}")
        if not pins:
            continue
        placement = week.placements.get(client.id)
        if placement is None:
            yield Violation(
                "R11", f"client {client.id} is pinned to {' and '.join(pins)} but not placed"
            )
            continue
        if client.pinned_group is not None and placement.group != client.pinned_group:
            yield Violation(
                "R11",
                f"client {client.id} is pinned to group {client.pinned_group} "
                f"but placed in group {placement.group}",
            )
        if client.pinned_therapist is not None and placement.therapist != client.pinned_therapist:
            yield Violation(
                "R11",
                f"client {client.id} is pinned to therapist {client.pinned_therapist} "
                f"but has primary therapist {placement.therapist}",
            )


_RULES = (
    _r1_eligibility,
    _r2_client_time,
    _r3_group_size,
    _r4_facilitator,
    _r5_primary_therapist,
    _r6_individual_sessions,
    _r7_no_double_booking,
    _r8_rooms,
    _r9_keep_apart,
    _r10_weekly_hours,
    _r11_pins,
)


# --- the objective ---


@dataclass
class _Counts:
    """How often each objective term is paid (before weighting)."""

    unassigned: int = 0
    shift_mismatch: int = 0
    not_preferred_therapist: int = 0
    extra_trip: int = 0
    caseload_spread: int = 0
    open_group: int = 0
    group_change: int = 0
    therapist_change: int = 0
    session_moved: int = 0
    facilitator_change: int = 0


def _penalties(week: _Week, previous: Roster | None) -> Penalties:
    counts = _Counts()
    for client in week.instance.clients:
        if client.id not in week.placements:
            counts.unassigned += client.priority
    caseload: dict[str, int] = {}
    for client, placement in week.placed():
        group = week.group_of(placement)
        caseload[placement.therapist] = caseload.get(placement.therapist, 0) + 1
        if (
            client.shift_preference is not None
            and group is not None
            and group.shift != client.shift_preference
        ):
            counts.shift_mismatch += 1
        if client.preferred_therapists and placement.therapist not in client.preferred_therapists:
            counts.not_preferred_therapist += 1
        if group is not None:
            meeting_days = {m.day for m in _spans(group.meetings)}
            counts.extra_trip += sum(
                1 for s in _spans(placement.sessions) if s.day not in meeting_days
            )
    loads = [caseload.get(t.id, 0) for t in week.instance.therapists if t.max_caseload > 0]
    counts.caseload_spread = max(loads) - min(loads) if loads else 0
    counts.open_group = len(week.running)
    if previous is not None:
        _rerun_counts(week, previous, counts)

    weights = week.program.weights
    return Penalties(
        unassigned=counts.unassigned * weights.unassigned,
        shift_mismatch=counts.shift_mismatch * weights.shift_mismatch,
        not_preferred_therapist=counts.not_preferred_therapist * weights.not_preferred_therapist,
        extra_trip=counts.extra_trip * weights.extra_trip,
        caseload_spread=counts.caseload_spread * weights.caseload_spread,
        open_group=counts.open_group * weights.open_group,
        group_change=counts.group_change * weights.group_change,
        therapist_change=counts.therapist_change * weights.therapist_change,
        session_moved=counts.session_moved * weights.session_moved,
        facilitator_change=counts.facilitator_change * weights.facilitator_change,
    )


def _rerun_counts(week: _Week, previous: Roster, counts: _Counts) -> None:
    """Add the rerun terms; references the instance no longer has are ignored one by one."""
    before: dict[str, Placement] = {}
    for placement in previous.clients:
        # A discharged client's entry drops out.
        if placement.id in week.clients and placement.id not in before:
            before[placement.id] = placement
    for client, placement in week.placed():
        old = before.get(client.id)
        if old is None:
            continue
        if old.group in week.groups and old.group != placement.group:
            counts.group_change += 1
        if old.therapist in week.therapists and old.therapist != placement.therapist:
            counts.therapist_change += 1
        old_starts = {(s.day, s.start) for s in _spans(old.sessions)}
        counts.session_moved += sum(
            1 for s in _spans(placement.sessions) if (s.day, s.start) not in old_starts
        )
    old_facilitators: dict[str, str] = {}
    for listed in previous.groups:
        old_facilitators.setdefault(listed.id, listed.facilitator)
    for group in week.running:
        old_facilitator = old_facilitators.get(group.id)
        if old_facilitator is None or old_facilitator not in week.therapists:
            continue
        named = week.listed_facilitators.get(group.id, [])
        if len(named) == 1 and named[0] != old_facilitator:
            counts.facilitator_change += 1


def _objective(roster: Roster, penalties: Penalties) -> Iterator[Violation]:
    status = roster.status
    objective = roster.objective
    if objective is None:
        yield Violation("objective", f"status is {status} but objective is null")
    else:
        stated = roster.penalties.total()
        if objective != stated:
            yield Violation(
                "objective",
                f"objective {objective} is not the sum of the roster's penalties ({stated})",
            )
        bound = roster.best_bound
        if status == "optimal" and (bound is None or bound != objective):
            shown = "null" if bound is None else f"{bound:g}"
            yield Violation(
                "objective",
                f"status is optimal but best_bound {shown} differs from objective {objective}",
            )
        if status == "feasible" and bound is not None and bound > objective:
            yield Violation("objective", f"best_bound {bound:g} exceeds objective {objective}")
    recomputed = penalties.as_dict()
    for term, amount in roster.penalties.as_dict().items():
        if amount != recomputed[term]:
            yield Violation(
                "objective",
                f"penalty {term} is {amount} in the roster, recomputed {recomputed[term]}",
            )
