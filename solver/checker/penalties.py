"""The objective: the penalty terms recomputed, and the roster's stated numbers checked.

Mismatches between the roster's objective, best bound or penalty terms and the
recomputed ones are ``objective`` violations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from solver.checker.report import Violation
from solver.checker.week import Span, Week, spans
from solver.instance import WEIGHT_KEYS, Client
from solver.roster import Penalties, Placement, Roster


@dataclass
class _Counts:
    """How often each objective term is paid (before weighting)."""

    unassigned: int = 0
    appointment_missed: int = 0
    shift_mismatch: int = 0
    not_preferred_therapist: int = 0
    extra_trip: int = 0
    caseload_spread: int = 0
    open_group: int = 0
    group_change: int = 0
    therapist_change: int = 0
    provider_change: int = 0
    session_moved: int = 0
    facilitator_change: int = 0


def recompute_penalties(week: Week, previous: Roster | None) -> Penalties:
    """Every penalty term of the format, weighted, from the instance, the roster and the
    previous roster alone (a version-1 roster's ``appointment_missed`` and
    ``provider_change`` are zero by construction: its one kind is required and primary)."""
    counts = _Counts()
    for client in week.instance.clients:
        if client.id not in week.placements:
            counts.unassigned += client.priority
    caseload: dict[str, int] = {}
    for client, placement in week.placed():
        caseload[placement.therapist] = caseload.get(placement.therapist, 0) + 1
        _client_counts(week, client, placement, counts)
    loads = [caseload.get(t.id, 0) for t in week.instance.therapists if t.max_caseload > 0]
    counts.caseload_spread = max(loads) - min(loads) if loads else 0
    counts.open_group = len(week.running)
    if previous is not None:
        _rerun_counts(week, previous, counts)
    weights = week.program.weights
    return Penalties(**{key: getattr(counts, key) * getattr(weights, key) for key in WEIGHT_KEYS})


def _client_counts(week: Week, client: Client, placement: Placement, counts: _Counts) -> None:
    """The terms one placed client pays, whatever the previous roster."""
    group = week.group_of(placement)
    bookings = week.bookings(placement)
    if (
        client.shift_preference is not None
        and group is not None
        and group.shift != client.shift_preference
    ):
        counts.shift_mismatch += 1
    if client.preferred_therapists and placement.therapist not in client.preferred_therapists:
        counts.not_preferred_therapist += 1
    if group is not None:
        meeting_days = {m.day for m in spans(group.meetings)}
        trip_days = {b.span.day for b in bookings} - meeting_days
        counts.extra_trip += len(trip_days)
    for kind in week.instance.kinds:
        if not kind.required:
            scheduled = sum(1 for b in bookings if b.kind == kind.id)
            counts.appointment_missed += max(0, week.instance.requested(client, kind) - scheduled)


def _rerun_counts(week: Week, previous: Roster, counts: _Counts) -> None:
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
        counts.provider_change += _provider_changes(week, old, placement)
        # A previous appointment counts even if its provider has left.
        old_times = {(a.kind, Span.of(a).day, Span.of(a).start) for a in old.appointments}
        counts.session_moved += sum(
            1
            for b in week.bookings(placement)
            if (b.kind, b.span.day, b.span.start) not in old_times
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


def _provider_changes(week: Week, old: Placement, placement: Placement) -> int:
    """The specialist kinds with appointments in both rosters whose previous provider (of
    the first previous appointment of the kind) is still a therapist and is not the
    provider now. "Now" is the provider of the first appointment of the kind: R12 makes
    it the only one (a roster with several is an R12 violation, counted once here)."""
    changes = 0
    for kind in week.instance.kinds:
        if kind.provider != "specialist":
            continue
        before = next((a.provider for a in old.appointments if a.kind == kind.id), None)
        now = next((b.provider for b in week.bookings(placement) if b.kind == kind.id), None)
        if before is None or now is None or before not in week.therapists:
            continue
        if before != now:
            changes += 1
    return changes


def objective_violations(roster: Roster, penalties: Penalties) -> Iterator[Violation]:
    """The roster's stated numbers against the recomputed ``penalties``: its objective is
    the sum of its terms, its bound fits its status, and each term matches (all twelve;
    a version-1 roster states the two version-2 terms as 0)."""
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
