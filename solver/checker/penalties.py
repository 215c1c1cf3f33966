"""The objective: the penalty terms recomputed, and the roster's stated numbers checked.

Mismatches between the roster's objective, best bound or penalty terms and the
recomputed ones are ``objective`` violations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from solver.checker.report import Violation
from solver.checker.week import Week, spans
from solver.roster import Penalties, Placement, Roster


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


def recompute_penalties(week: Week, previous: Roster | None) -> Penalties:
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
            meeting_days = {m.day for m in spans(group.meetings)}
            counts.extra_trip += sum(
                1 for s in spans(placement.sessions) if s.day not in meeting_days
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
        old_starts = {(s.day, s.start) for s in spans(old.sessions)}
        counts.session_moved += sum(
            1 for s in spans(placement.sessions) if (s.day, s.start) not in old_starts
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


def objective_violations(roster: Roster, penalties: Penalties) -> Iterator[Violation]:
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
