"""The roster of a solved plain model, in the format of the instance's file."""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from benchmarks.plain.model import PlainModel
from benchmarks.plain.objective import Term
from benchmarks.plain.week import MINUTES_PER_DAY
from solver.instance import DAYS, minutes_to_time
from solver.roster import (
    Appointment,
    Missed,
    Penalties,
    Placement,
    Roster,
    RosterGroup,
    Status,
    Unassigned,
    proved_status,
)

__all__ = ["NOT_PLACED", "NOT_SCHEDULED", "empty_roster", "solved_roster"]

NOT_PLACED = "not placed by the plain model"
"""The reason of every unassigned client (the plain model does not analyse why)."""
NOT_SCHEDULED = "not scheduled by the plain model"
"""The reason of every missed appointment."""


def solved_roster(
    plain: PlainModel,
    terms: list[Term],
    solver: cp_model.CpSolver,
    proved: bool,
    seconds: float,
) -> Roster:
    """The roster of ``solver``'s best solution; ``optimal`` when ``proved``."""
    placements: list[Placement] = []
    members: dict[str, list[str]] = {}
    unassigned: list[Unassigned] = []
    for client in plain.instance.clients:
        if not solver.boolean_value(plain.placed[client.id]):
            unassigned.append(Unassigned(id=client.id, reasons=[NOT_PLACED]))
            continue
        placement = _placement(plain, solver, client.id)
        placements.append(placement)
        members.setdefault(placement.group, []).append(client.id)
    groups = [
        RosterGroup(
            id=group.id, facilitator=_chosen(solver, plain.facilitators_of(group.id)), clients=ids
        )
        for group in plain.instance.groups
        if (ids := members.get(group.id))
    ]
    amounts = dict.fromkeys(Penalties.model_fields, 0)
    for term in terms:
        amounts[term.key] = term.weight * int(solver.value(term.count))
    penalties = Penalties(**amounts)
    objective = penalties.total()
    bound = objective if proved else _bound(solver.best_objective_bound, objective)
    return Roster(
        format_version=plain.instance.source_version,
        status=proved_status(objective, bound),
        objective=objective,
        best_bound=bound,
        penalties=penalties,
        solve_seconds=round(seconds, 3),
        groups=groups,
        clients=placements,
        unassigned=unassigned,
        explanation=[],
    )


def empty_roster(plain: PlainModel, status: Status, line: str, seconds: float) -> Roster:
    """An ``infeasible`` or ``unknown`` roster: no lists, no objective, one explanation."""
    return Roster(
        format_version=plain.instance.source_version,
        status=status,
        objective=None,
        best_bound=None,
        penalties=Penalties.zero(),
        solve_seconds=round(seconds, 3),
        groups=[],
        clients=[],
        unassigned=[],
        explanation=[line],
    )


def _chosen(solver: cp_model.CpSolver, options: dict[str, cp_model.IntVar]) -> str:
    return next(key for key, lit in options.items() if solver.boolean_value(lit))


def _placement(plain: PlainModel, solver: cp_model.CpSolver, client_id: str) -> Placement:
    appointments: list[tuple[int, Appointment]] = []
    missed: list[Missed] = []
    for request in plain.requests[client_id]:
        got = 0
        for appointment in request.appointments:
            if not solver.boolean_value(appointment.present):
                continue
            got += 1
            start = solver.value(appointment.start)
            day, minute = divmod(start, MINUTES_PER_DAY)
            booked = Appointment(
                kind=request.kind.id,
                provider=_chosen(solver, appointment.providers),
                day=DAYS[day],
                start=minutes_to_time(minute),
                end=minutes_to_time(minute + appointment.length),
            )
            appointments.append((start, booked))
        if not request.kind.required and got < request.count:
            missed.append(
                Missed(kind=request.kind.id, count=request.count - got, reasons=[NOT_SCHEDULED])
            )
    return Placement(
        id=client_id,
        group=_chosen(solver, plain.groups_of(client_id)),
        therapist=_chosen(solver, plain.therapists_of(client_id)),
        appointments=[a for _, a in sorted(appointments, key=lambda pair: pair[0])],
        missed=missed,
    )


def _bound(bound: float, objective: int) -> int | None:
    """The search's bound rounded up (objectives are whole), within 0 and ``objective``."""
    if not math.isfinite(bound):
        return None
    return max(0, min(objective, math.ceil(bound - 1e-6)))
