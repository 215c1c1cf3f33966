"""Reading a roster back from a solved model."""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from solver.model import RosterModel
from solver.model.variables import Variables
from solver.precompute import Facts, interval_at
from solver.roster import (
    Appointment,
    Missed,
    Penalties,
    Placement,
    Roster,
    RosterGroup,
    Status,
    proved_status,
)

__all__ = ["roster_from_solution", "rounded_bound"]


def roster_from_solution(
    built: RosterModel,
    solver: cp_model.CpSolver,
    status: Status,
    elapsed: float,
    proved: float | None = None,
) -> Roster:
    """The roster in ``solver``'s best solution of ``built``, priced by the model's penalties.

    ``unassigned`` is left empty (reasons are an analysis of their own); ``best_bound`` is
    the objective when ``status`` is optimal, else ``proved`` or the solver's bound, rounded up.
    """
    v = built.variables
    facts = built.facts
    placements: list[Placement] = []
    members: dict[str, list[str]] = {}
    for client in facts.instance.clients:
        placed = v.placed(client.id)
        if placed is None or not solver.boolean_value(placed):
            continue
        group_id = next(g for g, x in v.groups_of(client.id) if solver.boolean_value(x))
        therapist = next(t for t, y in v.therapists_of(client.id) if solver.boolean_value(y))
        placements.append(
            Placement(
                id=client.id,
                group=group_id,
                therapist=therapist,
                appointments=_appointments(v, solver, client.id),
                missed=_missed(v, facts, solver, client.id),
            )
        )
        members.setdefault(group_id, []).append(client.id)
    groups = []
    for group in facts.instance.groups:
        if group.id not in members:
            continue
        facilitator = next(t for t, f in v.facilitators_of(group.id) if solver.boolean_value(f))
        groups.append(RosterGroup(id=group.id, facilitator=facilitator, clients=members[group.id]))
    amounts = dict.fromkeys(Penalties.model_fields, 0)
    for p in built.penalties:
        amounts[p.term] += p.weight * int(solver.value(p.count))
    penalties = Penalties(**amounts)
    objective = penalties.total()
    bound = objective if status == "optimal" else rounded_bound(solver, objective, proved)
    # A proved bound (the search's, or the bound phase's) that the roster reaches is a proof.
    status = proved_status(objective, bound)
    return Roster(
        format_version=facts.instance.source_version,
        status=status,
        objective=objective,
        best_bound=bound,
        penalties=penalties,
        solve_seconds=round(elapsed, 3),
        groups=groups,
        clients=placements,
        unassigned=[],
        explanation=[],
    )


MISSED_FALLBACK = (
    "no time was found that fits the client's free time, the provider's hours and the "
    "open hours this week"
)
"""The reason a missed appointment carries until the analysis gives better ones."""


def _appointments(v: Variables, solver: cp_model.CpSolver, client_id: str) -> list[Appointment]:
    out = []
    for slots in v.slots(client_id):
        provider = next(
            (t for t, lit in slots.providers.items() if solver.boolean_value(lit)), None
        )
        for i, start in enumerate(slots.starts):
            if provider is None or not solver.boolean_value(slots.present[i]):
                continue
            at = interval_at(solver.value(start), slots.length)
            out.append(
                Appointment(
                    kind=slots.kind, provider=provider, day=at.day, start=at.start, end=at.end
                )
            )
    return out


def _missed(v: Variables, facts: Facts, solver: cp_model.CpSolver, client_id: str) -> list[Missed]:
    out = []
    for kind_id, kf in facts.clients[client_id].kinds.items():
        if kf.required:
            continue
        slots = v.slots_of(client_id, kind_id)
        got = 0 if slots is None else sum(solver.boolean_value(p) for p in slots.present)
        if got < kf.count:
            out.append(Missed(kind=kind_id, count=kf.count - got, reasons=[MISSED_FALLBACK]))
    return out


def rounded_bound(
    solver: cp_model.CpSolver, objective: int, proved: float | None = None
) -> int | None:
    """The search's lower bound (``proved`` instead when given: a bound proved by the
    phases of the search), rounded up to a whole number (objectives are whole numbers),
    from 0 (no penalty is negative) to ``objective``."""
    bound = solver.best_objective_bound if proved is None else proved
    if not math.isfinite(bound):
        return None
    return max(0, min(objective, math.ceil(bound - 1e-6)))
