"""The plain model's objective: the twelve penalty terms of FORMAT.md, one function each.

Every term's count is exact in every solution, not only at the optimum (a trip literal is
true exactly when the client travels on that day for appointments alone, and so on), so the
penalties read from any roster the search reports are the ones the checker recomputes.
A term whose weight is 0 is left out (its amount is 0 whatever the roster); the rerun terms
count only when a previous roster is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

from benchmarks.plain.model import PlainModel
from benchmarks.plain.week import day_of, span_of
from solver.instance import WEIGHT_KEYS
from solver.roster import Placement, Roster

__all__ = ["Term", "add_objective"]

Count = cp_model.LinearExpr | int
"""A count of a penalty term: an expression of the model, or a constant."""


@dataclass(frozen=True)
class Term:
    """One penalty term: its weight key, its weight and the expression counting it."""

    key: str
    weight: int
    count: Count


def add_objective(plain: PlainModel, previous: Roster | None) -> list[Term]:
    """Minimise the weighted sum of the penalty terms; return the terms with a weight."""
    weights = plain.instance.program.weights
    terms = []
    for key in WEIGHT_KEYS:
        weight = int(getattr(weights, key))
        if weight == 0:
            continue
        if key in WEEK_TERMS:
            terms.append(Term(key, weight, WEEK_TERMS[key](plain)))
        elif previous is not None:
            terms.append(Term(key, weight, RERUN_TERMS[key](plain, _before(plain, previous))))
    plain.model.minimize(sum(t.weight * t.count for t in terms))
    return terms


def unassigned(plain: PlainModel) -> Count:
    """Priority of each client left out."""
    return sum(c.priority * (1 - plain.placed[c.id]) for c in plain.instance.clients)


def appointment_missed(plain: PlainModel) -> Count:
    """Requested appointments of wanted kinds that a placed client does not get."""
    missed: list[Count] = []
    for client in plain.instance.clients:
        placed = plain.placed[client.id]
        for request in plain.requests[client.id]:
            if not request.kind.required:
                got = sum(a.present for a in request.appointments)
                missed.append(request.count * placed - got)
    return sum(missed)


def shift_mismatch(plain: PlainModel) -> Count:
    """Placed clients with a shift preference in a group of another shift."""
    return sum(
        member
        for client in plain.instance.clients
        if client.shift_preference is not None
        for group_id, member in plain.groups_of(client.id).items()
        if plain.instance.group(group_id).shift != client.shift_preference
    )


def not_preferred_therapist(plain: PlainModel) -> Count:
    """Placed clients with preferred therapists whose primary therapist is none of them."""
    counts: list[Count] = []
    for client in plain.instance.clients:
        if client.preferred_therapists:
            options = plain.therapists_of(client.id)
            liked = sum(options[t] for t in client.preferred_therapists if t in options)
            counts.append(plain.placed[client.id] - liked)
    return sum(counts)


def extra_trip(plain: PlainModel) -> Count:
    """Days on which a placed client has an appointment and their group does not meet."""
    m = plain.model
    trips: list[Count] = []
    for client in plain.instance.clients:
        by_day: dict[int, list[cp_model.IntVar]] = {}
        for _, appointment in plain.appointments(client.id):
            for day, on_day in appointment.days.items():
                by_day.setdefault(day, []).append(on_day)
        for day, on_day_lits in sorted(by_day.items()):
            went = m.new_bool_var(f"went[{client.id},{day}]")
            m.add_max_equality(went, on_day_lits)
            meets = [
                member
                for group_id, member in plain.groups_of(client.id).items()
                if any(day_of(a) == day for a, _ in plain.meetings[group_id])
            ]
            trips.append(_and_not(m, went, sum(meets), f"trip[{client.id},{day}]"))
    return sum(trips)


def caseload_spread(plain: PlainModel) -> Count:
    """Largest minus smallest caseload among therapists with max_caseload > 0."""
    m = plain.model
    therapists = [t for t in plain.instance.therapists if t.max_caseload > 0]
    if not therapists:
        return 0
    loads = [plain.caseload[t.id] for t in therapists]
    top = max(t.max_caseload for t in therapists)
    largest = m.new_int_var(0, top, "largest_caseload")
    smallest = m.new_int_var(0, top, "smallest_caseload")
    m.add_max_equality(largest, loads)
    m.add_min_equality(smallest, loads)
    return largest - smallest


def open_group(plain: PlainModel) -> Count:
    """Groups that run."""
    return sum(plain.runs.values())


WEEK_TERMS: dict[str, Callable[[PlainModel], Count]] = {
    "unassigned": unassigned,
    "appointment_missed": appointment_missed,
    "shift_mismatch": shift_mismatch,
    "not_preferred_therapist": not_preferred_therapist,
    "extra_trip": extra_trip,
    "caseload_spread": caseload_spread,
    "open_group": open_group,
}


# --- the rerun terms ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Before:
    """The previous roster as the rerun terms read it: each known client's first entry,
    and each group's first listed facilitator."""

    clients: dict[str, Placement]
    facilitators: dict[str, str]


def _before(plain: PlainModel, previous: Roster) -> _Before:
    clients: dict[str, Placement] = {}
    for placement in previous.clients:
        if plain.instance.has_client(placement.id):
            clients.setdefault(placement.id, placement)
    facilitators: dict[str, str] = {}
    for listed in previous.groups:
        facilitators.setdefault(listed.id, listed.facilitator)
    return _Before(clients, facilitators)


def group_change(plain: PlainModel, before: _Before) -> Count:
    """Clients placed in both rosters whose group (still offered) changed."""
    return sum(
        plain.placed[cid] - plain.groups_of(cid).get(old.group, 0)
        for cid, old in before.clients.items()
        if plain.instance.has_group(old.group)
    )


def therapist_change(plain: PlainModel, before: _Before) -> Count:
    """Clients placed in both rosters whose primary therapist (still there) changed."""
    return sum(
        plain.placed[cid] - plain.therapists_of(cid).get(old.therapist, 0)
        for cid, old in before.clients.items()
        if plain.instance.has_therapist(old.therapist)
    )


def provider_change(plain: PlainModel, before: _Before) -> Count:
    """Clients and specialist kinds with appointments in both rosters whose previous
    provider (of the first previous appointment of the kind) is still there and is not
    the provider now."""
    m = plain.model
    changes: list[Count] = []
    for cid, old in before.clients.items():
        for request in plain.requests[cid]:
            kind = request.kind
            if kind.provider != "specialist" or not request.appointments:
                continue
            was = next((a.provider for a in old.appointments if a.kind == kind.id), None)
            if was is None or not plain.instance.has_therapist(was):
                continue
            has = m.new_bool_var(f"has[{cid},{kind.id}]")
            m.add_max_equality(has, [a.present for a in request.appointments])
            same = plain.specialists_of(cid, kind.id).get(was, 0)
            changes.append(_and_not(m, has, same, f"provider_change[{cid},{kind.id}]"))
    return sum(changes)


def session_moved(plain: PlainModel, before: _Before) -> Count:
    """Appointments whose (kind, day, start) is not among the client's previous ones."""
    m = plain.model
    moved: list[Count] = []
    for cid, old in before.clients.items():
        for request, appointment in plain.appointments(cid):
            olds = {span_of(a)[0] for a in old.appointments if a.kind == request.kind.id}
            kept_starts = sorted(olds & set(appointment.domain))
            if not kept_starts:
                moved.append(appointment.present)
                continue
            kept = m.new_bool_var(f"kept[{appointment.start.name}]")
            others = sorted(set(appointment.domain) - olds)
            start = appointment.start
            m.add_linear_expression_in_domain(
                start, Domain.from_values(kept_starts)
            ).only_enforce_if(kept)
            if others:
                m.add_linear_expression_in_domain(
                    start, Domain.from_values(others)
                ).only_enforce_if(~kept)
            else:
                m.add(kept == 1)
            moved.append(_and_not(m, appointment.present, kept, f"moved[{start.name}]"))
    return sum(moved)


def facilitator_change(plain: PlainModel, before: _Before) -> Count:
    """Groups listed in the previous roster and running now whose facilitator (still
    there) changed."""
    m = plain.model
    changes: list[Count] = []
    for group in plain.instance.groups:
        was = before.facilitators.get(group.id)
        if was is None or not plain.instance.has_therapist(was):
            continue
        same = plain.facilitators_of(group.id).get(was, 0)
        changes.append(_and_not(m, plain.runs[group.id], same, f"fac_change[{group.id}]"))
    return sum(changes)


RERUN_TERMS: dict[str, Callable[[PlainModel, _Before], Count]] = {
    "group_change": group_change,
    "therapist_change": therapist_change,
    "provider_change": provider_change,
    "session_moved": session_moved,
    "facilitator_change": facilitator_change,
}


def _and_not(m: cp_model.CpModel, yes: Count, no: Count, name: str) -> Count:
    """A literal equal to ``yes and not no``, for 0/1 expressions ``yes`` and ``no``."""
    if isinstance(no, int) and no == 0:
        return yes
    both = m.new_bool_var(name)
    m.add(both <= yes)
    m.add(both + no <= 1)
    m.add(both >= yes - no)
    return both
