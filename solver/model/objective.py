"""The objective's penalty terms, one function each, named after the weight key.

Every term is a list of :class:`Penalty` items: a named linear expression that
equals the term's *count* for one client, group or therapist in every solution
(not only at the optimum), kept with its weight. The roster's ``penalties``,
the objective and the explanations all come from this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.instance import MINUTES_PER_DAY
from solver.model.variables import Variables
from solver.precompute import Facts
from solver.roster import Roster

LinearExpr = cp_model.LinearExprT


@dataclass(frozen=True)
class Penalty:
    """One penalty item: ``weight * count`` is paid, ``count`` a linear expression."""

    term: str
    subject: str
    count: LinearExpr
    weight: int
    day: int | None = None


def unassigned(v: Variables, facts: Facts, weight: int) -> list[Penalty]:
    """Each unassigned client, times its priority."""
    out = []
    for client_id, cf in facts.clients.items():
        placed = v.placed(client_id)
        count: LinearExpr = 1 if placed is None else 1 - placed
        out.append(Penalty("unassigned", client_id, count, weight * cf.client.priority))
    return out


def shift_mismatch(v: Variables, facts: Facts, weight: int) -> list[Penalty]:
    """Each placed client whose group's shift is not the one they prefer."""
    out = []
    for client_id in v.placed_clients():
        preference = facts.clients[client_id].client.shift_preference
        if preference is None:
            continue
        lits = [x for g, x in v.groups_of(client_id) if facts.instance.group(g).shift != preference]
        if lits:
            out.append(Penalty("shift_mismatch", client_id, sum(lits), weight))
    return out


def not_preferred_therapist(v: Variables, facts: Facts, weight: int) -> list[Penalty]:
    """Each placed client with preferences whose primary therapist is not preferred."""
    out = []
    for client_id in v.placed_clients():
        preferred = facts.clients[client_id].client.preferred_therapists
        if not preferred:
            continue
        lits = [y for t, y in v.therapists_of(client_id) if t not in preferred]
        if lits:
            out.append(Penalty("not_preferred_therapist", client_id, sum(lits), weight))
    return out


def appointment_missed(v: Variables, facts: Facts, weight: int) -> list[Penalty]:
    """Each requested appointment of a wanted kind that a placed client does not get."""
    out = []
    for client_id in v.placed_clients():
        placed = v.placed(client_id)
        assert placed is not None
        for kind_id, kf in facts.clients[client_id].kinds.items():
            if kf.required:
                continue
            slots = v.slots_of(client_id, kind_id)
            scheduled = cp_model.LinearExpr.sum(list(slots.present) if slots else [])
            out.append(
                Penalty("appointment_missed", client_id, kf.count * placed - scheduled, weight)
            )
    return out


def extra_trip(model: cp_model.CpModel, v: Variables, facts: Facts, weight: int) -> list[Penalty]:
    """Each day on which a placed client has an appointment and their group does not meet."""
    out = []
    for client_id in v.placed_clients():
        by_day: dict[int, list[cp_model.IntVar]] = {}
        kinds_on: dict[int, int] = {}
        for slots in v.slots(client_id):
            for day, lits in slots.days().items():
                by_day.setdefault(day, []).extend(lits)
                kinds_on[day] = kinds_on.get(day, 0) + 1
        for day, lits in sorted(by_day.items()):
            if kinds_on[day] == 1:
                # One kind: its appointments fall on different days, at most one today.
                today: cp_model.LinearExpr = cp_model.LinearExpr.sum(lits)
            else:
                any_today = model.new_bool_var(f"appointment_today[{client_id},{day}]")
                model.add_max_equality(any_today, lits)
                today = cp_model.LinearExpr.sum([any_today])
            meeting_groups = [
                x
                for g, x in v.groups_of(client_id)
                if any(lo // MINUTES_PER_DAY == day for lo, _ in facts.meetings[g])
            ]
            if not meeting_groups:
                out.append(Penalty("extra_trip", client_id, today, weight, day))
                continue
            group_today = sum(meeting_groups)
            # trip == today AND NOT group_today, exactly.
            trip = model.new_bool_var(f"extra_trip[{client_id},{day}]")
            model.add(trip >= today - group_today)
            model.add(trip <= today)
            model.add(trip <= 1 - group_today)
            out.append(Penalty("extra_trip", client_id, trip, weight, day))
    return out


def caseload_spread(
    model: cp_model.CpModel, v: Variables, facts: Facts, weight: int
) -> list[Penalty]:
    """Largest minus smallest caseload among therapists with max_caseload > 0."""
    therapists = [t for t in facts.instance.therapists if t.max_caseload > 0]
    if not therapists:
        return []
    loads = [sum(y for _, y in v.caseload_of(t.id)) for t in therapists]
    top = max(t.max_caseload for t in therapists)
    largest = model.new_int_var(0, top, "caseload_max")
    smallest = model.new_int_var(0, top, "caseload_min")
    model.add_max_equality(largest, loads)
    model.add_min_equality(smallest, loads)
    return [Penalty("caseload_spread", "all therapists", largest - smallest, weight)]


def open_group(v: Variables, facts: Facts, weight: int) -> list[Penalty]:
    """Each group that runs."""
    out = []
    for group_id in v.running_groups():
        runs = v.runs(group_id)
        assert runs is not None
        out.append(Penalty("open_group", group_id, runs, weight))
    return out


def _changed(both: cp_model.IntVar, same: cp_model.IntVar | None) -> LinearExpr:
    """1 when ``both`` holds but not ``same`` (``same`` None: it can never hold)."""
    return both if same is None else both - same


def group_change(v: Variables, facts: Facts, previous: Roster, weight: int) -> list[Penalty]:
    """Rerun: each client placed in both rosters whose group changed."""
    out = []
    for p in previous.clients:
        placed = v.placed(p.id)
        if placed is None or not facts.instance.has_group(p.group):
            continue
        same = v.assign(p.id, p.group)
        out.append(Penalty("group_change", p.id, _changed(placed, same), weight))
    return out


def therapist_change(v: Variables, facts: Facts, previous: Roster, weight: int) -> list[Penalty]:
    """Rerun: each client placed in both rosters whose primary therapist changed."""
    out = []
    for p in previous.clients:
        placed = v.placed(p.id)
        if placed is None or not facts.instance.has_therapist(p.therapist):
            continue
        same = v.primary(p.id, p.therapist)
        out.append(Penalty("therapist_change", p.id, _changed(placed, same), weight))
    return out


def provider_change(v: Variables, facts: Facts, previous: Roster, weight: int) -> list[Penalty]:
    """Rerun: each client and specialist kind with appointments of the kind in both rosters
    whose previous provider (that of the first previous appointment of the kind) is still in
    the instance and is not the provider now."""
    out = []
    for p in previous.clients:
        for slots in v.slots(p.id):
            before = p.of_kind(slots.kind)
            if slots.by_primary or not before:
                continue
            provider = before[0].provider
            if not facts.instance.has_therapist(provider):
                continue
            has_now = slots.present[0]
            same = slots.providers.get(provider)
            out.append(Penalty("provider_change", p.id, _changed(has_now, same), weight))
    return out


def session_moved(
    model: cp_model.CpModel, v: Variables, facts: Facts, previous: Roster, weight: int
) -> list[Penalty]:
    """Rerun: each appointment whose (kind, day, start) is not among the client's previous
    appointments."""
    out = []
    for p in previous.clients:
        placed = v.placed(p.id)
        if placed is None:
            continue
        for slots in v.slots(p.id):
            before = {a.day_index * MINUTES_PER_DAY + a.start_minute for a in p.of_kind(slots.kind)}
            kept = []
            for i, start_var in enumerate(slots.starts):
                for start in sorted(before & set(slots.domain)):
                    day_lit = slots.on_day[i].get(start // MINUTES_PER_DAY)
                    if day_lit is None:
                        continue
                    # kept == (slot i scheduled at this start), exactly; the slot is
                    # scheduled exactly when one of its day literals holds.
                    at = model.new_bool_var(f"kept[{p.id},{slots.kind},{i},{start}]")
                    model.add(start_var == start).only_enforce_if(at)
                    model.add_implication(at, day_lit)
                    model.add(start_var != start).only_enforce_if([day_lit, ~at])
                    kept.append(at)
            count = len(slots.starts) * placed if slots.required else sum(slots.present)
            out.append(Penalty("session_moved", p.id, count - sum(kept), weight))
    return out


def facilitator_change(v: Variables, facts: Facts, previous: Roster, weight: int) -> list[Penalty]:
    """Rerun: each group running in both rosters whose facilitator changed."""
    out = []
    for g in previous.groups:
        runs = v.runs(g.id)
        if runs is None or not facts.instance.has_therapist(g.facilitator):
            continue
        same = v.facilitates(g.facilitator, g.id)
        out.append(Penalty("facilitator_change", g.id, _changed(runs, same), weight))
    return out


def all_penalties(
    model: cp_model.CpModel, v: Variables, facts: Facts, previous: Roster | None
) -> list[Penalty]:
    """Every penalty item of the objective; terms with weight 0 are left out."""
    w = facts.instance.program.weights
    items: list[Penalty] = []
    if w.unassigned:
        items += unassigned(v, facts, w.unassigned)
    if w.appointment_missed:
        items += appointment_missed(v, facts, w.appointment_missed)
    if w.shift_mismatch:
        items += shift_mismatch(v, facts, w.shift_mismatch)
    if w.not_preferred_therapist:
        items += not_preferred_therapist(v, facts, w.not_preferred_therapist)
    if w.extra_trip:
        items += extra_trip(model, v, facts, w.extra_trip)
    if w.caseload_spread:
        items += caseload_spread(model, v, facts, w.caseload_spread)
    if w.open_group:
        items += open_group(v, facts, w.open_group)
    if previous is not None:
        previous = _known_clients(previous, facts)
        if w.group_change:
            items += group_change(v, facts, previous, w.group_change)
        if w.therapist_change:
            items += therapist_change(v, facts, previous, w.therapist_change)
        if w.provider_change:
            items += provider_change(v, facts, previous, w.provider_change)
        if w.session_moved:
            items += session_moved(model, v, facts, previous, w.session_moved)
        if w.facilitator_change:
            items += facilitator_change(v, facts, previous, w.facilitator_change)
    return items


def _known_clients(previous: Roster, facts: Facts) -> Roster:
    """The previous roster read by first entries, less clients the instance no longer has."""
    first = previous.first_entries()
    return first.model_copy(update={"clients": [p for p in first.clients if p.id in facts.clients]})
