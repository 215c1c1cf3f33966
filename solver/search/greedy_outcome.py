"""The greedy's answer: the roster it placed, the penalties it pays, and why clients stayed out.

``solver.search.greedy`` places the clients; this module turns what it placed into a
:class:`~solver.roster.Roster` (counting the penalties as ``docs/format.md`` defines them) and words
the reason a client could not be placed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from solver.instance import Client, Group, Instance
from solver.roster import (
    Appointment,
    Missed,
    Penalties,
    Placement,
    Roster,
    RosterGroup,
    Unassigned,
)
from solver.search.spans import Slot, Span, to_interval

__all__ = [
    "NO_GUIDE",
    "Guide",
    "GreedyOutcome",
    "Booking",
    "Placed",
    "Placements",
    "StageCounts",
    "counted_minutes",
    "outcome",
    "penalties",
    "reason",
    "rerun_penalties",
]


@dataclass(frozen=True)
class Guide:
    """Where another method would place clients (the placement relaxation's solution): the
    greedy tries those groups, therapists and facilitators first. It still checks every
    rule itself."""

    group_of: Mapping[str, str]  # client id -> group id
    therapist_of: Mapping[str, str]  # client id -> primary therapist id
    facilitator_of: Mapping[str, str]  # group id -> facilitator id
    order: Sequence[str] = ()  # clients of equal priority in this order (else as listed)
    # (client id, wanted kind) -> the provider the guide holds its appointments with; with a
    # group_of, a wanted kind it does not hold is booked last (see solver.search.greedy).
    held: Mapping[tuple[str, str], str] = field(default_factory=dict)


NO_GUIDE = Guide({}, {}, {})
"""The greedy on its own."""


@dataclass(frozen=True)
class GreedyOutcome:
    """The greedy roster and the pinned clients it failed to place (then the status is unknown)."""

    roster: Roster
    failed_pins: tuple[str, ...]


@dataclass(frozen=True)
class Booking:
    """One appointment the greedy booked: its kind, its provider and its slot."""

    kind: str
    provider: str
    slot: Slot


@dataclass
class Placed:
    group: str
    therapist: str
    appointments: list[Booking]


@dataclass
class StageCounts:
    """Why one client could not be placed: the furthest each eligible group got."""

    counts: dict[str, int] = field(default_factory=dict)

    def note(self, stage: str) -> None:
        self.counts[stage] = self.counts.get(stage, 0) + 1


@dataclass(frozen=True)
class Placements:
    """What the greedy procedure placed, read (never changed) to build the roster."""

    instance: Instance
    placed: Mapping[str, Placed]
    members: Mapping[str, list[str]]
    facilitator: Mapping[str, str]
    caseload: Mapping[str, int]
    reasons: Mapping[str, list[str]]


def outcome(week: Placements, seconds: float, previous: Roster | None) -> GreedyOutcome:
    """The roster for what ``week`` placed; unknown, and empty, when a pin failed."""
    failed = tuple(
        c.id
        for c in week.instance.clients
        if (c.pinned_group is not None or c.pinned_therapist is not None)
        and c.id not in week.placed
    )
    if failed:
        roster = Roster(
            format_version=week.instance.source_version,
            status="unknown",
            objective=None,
            best_bound=None,
            penalties=Penalties.zero(),
            solve_seconds=seconds,
            groups=[],
            clients=[],
            unassigned=[],
            explanation=[
                "the greedy procedure could not honour the pins of "
                + ", ".join(failed)
                + " (it is a heuristic: a roster honouring them may still exist)"
            ],
        )
        return GreedyOutcome(roster, failed)
    paid = penalties(week, previous)
    roster = Roster(
        format_version=week.instance.source_version,
        status="feasible",
        objective=paid.total(),
        best_bound=None,
        penalties=paid,
        solve_seconds=seconds,
        groups=[
            RosterGroup(id=g.id, facilitator=week.facilitator[g.id], clients=week.members[g.id])
            for g in week.instance.groups
            if g.id in week.members
        ],
        clients=[
            Placement(
                id=c.id,
                group=week.placed[c.id].group,
                therapist=week.placed[c.id].therapist,
                appointments=[_appointment(b) for b in week.placed[c.id].appointments],
                missed=_missed(week, c),
            )
            for c in week.instance.clients
            if c.id in week.placed
        ],
        unassigned=[
            Unassigned(id=c.id, reasons=week.reasons.get(c.id) or ["not placed"])
            for c in week.instance.clients
            if c.id not in week.placed
        ],
        explanation=[],
    )
    return GreedyOutcome(roster, ())


def counted_minutes(
    instance: Instance, group: Group, meeting_days: list[list[Span]], booked: list[Booking]
) -> int:
    """A client's counted weekly minutes (R10) in ``group`` with ``booked``: the meetings,
    plus each counted appointment less its overlap with a pull-out group's meetings."""
    total = group.weekly_minutes
    for b in booked:
        if not instance.kind(b.kind).counts_toward_hours:
            continue
        day, lo, hi = b.slot
        meetings = meeting_days[day] if group.pull_out else []
        total += hi - lo - sum(max(0, min(hi, e) - max(lo, s)) for s, e in meetings)
    return total


def _appointment(booking: Booking) -> Appointment:
    at = to_interval(booking.slot)
    return Appointment(
        kind=booking.kind, provider=booking.provider, day=at.day, start=at.start, end=at.end
    )


MISSED_REASON = (
    "the greedy found no slot that fits the client's free time, the provider's free hours "
    "and the open hours"
)


def _missed(week: Placements, client: Client) -> list[Missed]:
    got = Counter(b.kind for b in week.placed[client.id].appointments)
    out = []
    for kind in week.instance.kinds:
        short = week.instance.requested(client, kind) - got[kind.id]
        if not kind.required and short > 0:
            out.append(Missed(kind=kind.id, count=short, reasons=[MISSED_REASON]))
    return out


def penalties(week: Placements, previous: Roster | None) -> Penalties:
    """The penalties the placements pay, each term times its weight."""
    w = week.instance.program.weights
    unassigned = missed = shift = not_preferred = extra_trip = 0
    for client in week.instance.clients:
        placed = week.placed.get(client.id)
        if placed is None:
            unassigned += client.priority
            continue
        group = week.instance.group(placed.group)
        if client.shift_preference is not None and group.shift != client.shift_preference:
            shift += 1
        if client.preferred_therapists and placed.therapist not in client.preferred_therapists:
            not_preferred += 1
        group_days = {m.day_index for m in group.meetings}
        extra_trip += len({b.slot[0] for b in placed.appointments} - group_days)
        missed += sum(m.count for m in _missed(week, client))
    loads = [week.caseload[t.id] for t in week.instance.therapists if t.max_caseload > 0]
    spread = max(loads) - min(loads) if loads else 0
    return Penalties(
        unassigned=unassigned * w.unassigned,
        appointment_missed=missed * w.appointment_missed,
        shift_mismatch=shift * w.shift_mismatch,
        not_preferred_therapist=not_preferred * w.not_preferred_therapist,
        extra_trip=extra_trip * w.extra_trip,
        caseload_spread=spread * w.caseload_spread,
        open_group=len(week.members) * w.open_group,
        **rerun_penalties(week, previous),
    )


def rerun_penalties(week: Placements, previous: Roster | None) -> dict[str, int]:
    """The rerun terms of docs/format.md; references the instance no longer has are ignored."""
    w = week.instance.program.weights
    group = therapist = provider = moved = facilitator = 0
    if previous is not None:
        for before in previous.first_entries().clients:
            now = week.placed.get(before.id)
            if now is None or not week.instance.has_client(before.id):
                continue
            if week.instance.has_group(before.group) and before.group != now.group:
                group += 1
            if week.instance.has_therapist(before.therapist) and before.therapist != now.therapist:
                therapist += 1
            provider += _provider_changes(week.instance, before, now)
            starts = {(a.kind, a.day_index, a.start_minute) for a in before.appointments}
            moved += sum(
                1 for b in now.appointments if (b.kind, b.slot[0], b.slot[1]) not in starts
            )
        for before_group in previous.first_entries().groups:
            now_facilitator = week.facilitator.get(before_group.id)
            if (
                now_facilitator is not None
                and week.instance.has_therapist(before_group.facilitator)
                and before_group.facilitator != now_facilitator
            ):
                facilitator += 1
    return {
        "group_change": group * w.group_change,
        "therapist_change": therapist * w.therapist_change,
        "provider_change": provider * w.provider_change,
        "session_moved": moved * w.session_moved,
        "facilitator_change": facilitator * w.facilitator_change,
    }


def _provider_changes(instance: Instance, before: Placement, now: Placed) -> int:
    changes = 0
    for kind in instance.kinds:
        if kind.provider != "specialist":
            continue
        previous = before.of_kind(kind.id)
        current = [b.provider for b in now.appointments if b.kind == kind.id]
        if previous and current and instance.has_therapist(previous[0].provider):
            changes += previous[0].provider != current[0]
    return changes


def reason(instance: Instance, client: Client, why: StageCounts) -> str:
    """One sentence a program manager can act on, from the furthest stage any group reached."""
    counts = why.counts
    what = f"{client.population} {client.track}"
    if client.audiences:
        what += f" (audiences {', '.join(client.audiences)})"
    late = {k: n for k, n in counts.items() if k in _LATE_STAGES}
    if not late and "no_therapist" not in counts:
        if client.pinned_group is not None:
            if "busy" in counts:
                return f"pinned group {client.pinned_group} meets during the client's busy hours"
            if "hours" in counts:
                return f"pinned group {client.pinned_group} gives too few weekly hours"
            return f"pinned group {client.pinned_group} may not take the client"
        if "hours" in counts:
            hours = instance.min_weekly_minutes(client) / 60
            return f"no {what} group gives the {hours:g} weekly hours required"
        if "busy" in counts:
            return f"every {what} group meets during the client's busy hours"
        return f"no group serves {what}"
    if "no_therapist" in counts:
        needs = ", ".join(client.needs) if client.needs else "no special needs"
        return f"no therapist for {needs} has caseload room, or every such therapist is avoided"
    listed = ", ".join(f"{n} {_LATE_STAGES[k]}" for k, n in sorted(late.items()))
    return f"no fitting {what} group could take the client: {listed}"


_LATE_STAGES = {
    "full": "full",
    "avoid": "led by an avoided therapist",
    "apart": "holding a client to keep apart",
    "closed": "not running",
    "room": "blocked by its room",
    "facilitator": "without a free facilitator",
    "therapist_time": "with no therapist slot fitting the client's hours",
}
