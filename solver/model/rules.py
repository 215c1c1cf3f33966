"""The hard rules R1-R11 of FORMAT.md, one function each, named after the rule.

Each function adds its rule's constraints to the model. In *explain* mode every
constraint of a rule is enforced by one literal of that rule (and every pin by
a literal of its own), so that an infeasible model can name the rules and pins
that conflict (see :mod:`solver.model.core`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ortools.sat.python import cp_model

from solver.instance import MINUTES_PER_DAY
from solver.model.variables import DaySession, Variables
from solver.precompute import Facts, spans_overlap

Enforce = Sequence[cp_model.IntVar]
"""Enforcement literals of a constraint: empty in normal mode."""


def _at_most_one(model: cp_model.CpModel, lits: list[cp_model.IntVar], enforce: Enforce) -> None:
    if len(lits) <= 1:
        return
    if enforce:
        model.add(sum(lits) <= 1).only_enforce_if(enforce)
    else:
        model.add_at_most_one(lits)


def placement(model: cp_model.CpModel, v: Variables) -> None:
    """A placed client has exactly one group and one primary therapist; others have none."""
    for client_id in v.placed_clients():
        placed = v.placed(client_id)
        assert placed is not None
        model.add(sum(x for _, x in v.groups_of(client_id)) == placed)
        model.add(sum(y for _, y in v.therapists_of(client_id)) == placed)


def r1_eligibility(model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce) -> None:
    """R1: population, track and audience are decided in precomputation; here the
    client's group may not be facilitated by a therapist the client avoids."""
    for (client_id, group_id), x in v.assignments().items():
        for therapist_id in facts.clients[client_id].client.avoid_therapists:
            f = v.facilitates(therapist_id, group_id)
            if f is not None:
                model.add(x + f <= 1).only_enforce_if(enforce)


def r2_client_time(model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce) -> None:
    """R2: busy hours are decided in precomputation; here one session a day at most,
    and a session never overlaps a meeting of the client's group."""
    for client_id in v.placed_clients():
        by_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for s in v.sessions_of_client(client_id):
            by_day[s.day].append(s.present)
        for lits in by_day.values():
            _at_most_one(model, lits, enforce)
        groups = v.groups_of(client_id)
        for s in v.sessions_of_client(client_id):
            for x, allowed in _allowed_starts(s, groups, facts):
                if not allowed:
                    model.add_bool_or([~x, ~s.present]).only_enforce_if(enforce)
                else:
                    model.add_linear_expression_in_domain(
                        s.start, cp_model.Domain.from_values(allowed)
                    ).only_enforce_if([x, s.present, *enforce])


def _allowed_starts(
    s: DaySession, groups: list[tuple[str, cp_model.IntVar]], facts: Facts
) -> list[tuple[cp_model.IntVar, list[int]]]:
    """For each group with a meeting that some start of ``s`` overlaps: the starts left."""
    out = []
    for group_id, x in groups:
        meetings = facts.meetings[group_id]
        allowed = [
            start
            for start in s.starts
            if not any(spans_overlap((start, start + s.length), m) for m in meetings)
        ]
        if len(allowed) < len(s.starts):
            out.append((x, allowed))
    return out


def r3_group_size(model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce) -> None:
    """R3: a running group holds between group_min_size and max_size clients; a group
    runs exactly when someone attends it."""
    minimum = facts.instance.program.group_min_size
    for group_id in dict.fromkeys(g for _, g in v.assignments()):  # stable order
        members = v.members_of(group_id)
        runs = v.runs(group_id)
        size = sum(x for _, x in members)
        if runs is None:
            for _, x in members:
                model.add(x == 0)
            continue
        capacity = facts.instance.group(group_id).capacity
        model.add(size <= capacity * runs).only_enforce_if(enforce)
        model.add(size >= minimum * runs).only_enforce_if(enforce)
        for _, x in members:
            model.add_implication(x, runs)
        # A group with no one in it does not run.
        model.add_bool_or([x for _, x in members]).only_enforce_if(runs)


def r4_facilitator(model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce) -> None:
    """R4: a running group has exactly one qualified, available facilitator (who is
    decided in precomputation); each therapist facilitates at most max_groups."""
    for group_id in v.running_groups():
        runs = v.runs(group_id)
        assert runs is not None
        model.add(sum(f for _, f in v.facilitators_of(group_id)) == runs)
    for therapist in facts.instance.therapists:
        groups = v.groups_facilitated_by(therapist.id)
        if len(groups) > therapist.max_groups:
            model.add(sum(f for _, f in groups) <= therapist.max_groups).only_enforce_if(enforce)


def r5_primary_therapist(
    model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce
) -> None:
    """R5: needs and avoidance are decided in precomputation; here caseloads."""
    for therapist in facts.instance.therapists:
        caseload = v.caseload_of(therapist.id)
        if len(caseload) > therapist.max_caseload:
            model.add(sum(y for _, y in caseload) <= therapist.max_caseload).only_enforce_if(
                enforce
            )


def r6_individual_sessions(model: cp_model.CpModel, v: Variables, facts: Facts) -> None:
    """R6: exactly individual_sessions sessions, all with the primary therapist (their
    length, grid, open hours and availability are decided in precomputation)."""
    by_pair: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
    for client_id in v.placed_clients():
        for s in v.sessions_of_client(client_id):
            by_pair[s.client, s.therapist].append(s.present)
    for client_id in v.placed_clients():
        count = facts.clients[client_id].client.individual_sessions
        for therapist_id, y in v.therapists_of(client_id):
            model.add(sum(by_pair.get((client_id, therapist_id), [])) == count * y)


def r7_no_double_booking(
    model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce
) -> None:
    """R7: a therapist's facilitated meetings and sessions do not overlap.

    One no-overlap constraint per therapist and day over the optional session
    intervals and the optional meetings of the groups they may lead, plus the
    redundant energy bound (minutes booked <= minutes available) for the LP.
    """
    for therapist in facts.instance.therapists:
        by_day: dict[int, list[tuple[int, cp_model.IntVar, cp_model.IntervalVar]]] = defaultdict(
            list
        )
        for group_id, f in v.groups_facilitated_by(therapist.id):
            for lo, hi in facts.meetings[group_id]:
                interval = model.new_optional_fixed_size_interval_var(
                    lo, hi - lo, f, f"meeting[{therapist.id},{group_id},{lo}]"
                )
                by_day[lo // MINUTES_PER_DAY].append((hi - lo, f, interval))
        for s in v.sessions_of_therapist(therapist.id):
            by_day[s.day].append((s.length, s.present, s.interval))
        available = facts.availability[therapist.id]
        for day, items in by_day.items():
            if len(items) <= 1:
                continue
            if enforce:
                # Explain mode: a no-overlap takes no enforcement literal; use the
                # pairwise disjunctive form, enforced by the rule's literal.
                _pairwise_no_overlap(model, items, enforce)
                continue
            model.add_no_overlap([interval for _, _, interval in items])
            lo, hi = day * MINUTES_PER_DAY, (day + 1) * MINUTES_PER_DAY
            minutes = sum(min(b, hi) - max(a, lo) for a, b in available if a < hi and b > lo)
            if sum(length for length, _, _ in items) > minutes:
                model.add(sum(length * lit for length, lit, _ in items) <= minutes)


def _pairwise_no_overlap(
    model: cp_model.CpModel,
    items: list[tuple[int, cp_model.IntVar, cp_model.IntervalVar]],
    enforce: Enforce,
) -> None:
    for i, (_, lit_a, a) in enumerate(items):
        for _, lit_b, b in items[i + 1 :]:
            before = model.new_bool_var("")
            model.add(cp_model.LinearExpr.sum([a.end_expr()]) <= b.start_expr()).only_enforce_if(
                [before, lit_a, lit_b, *enforce]
            )
            model.add(cp_model.LinearExpr.sum([b.end_expr()]) <= a.start_expr()).only_enforce_if(
                [~before, lit_a, lit_b, *enforce]
            )


def r8_rooms(model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce) -> None:
    """R8: two groups in one room with overlapping meetings do not both run."""
    for a, b in facts.room_conflicts:
        ra, rb = v.runs(a), v.runs(b)
        if ra is not None and rb is not None:
            model.add(ra + rb <= 1).only_enforce_if(enforce)


def r9_keep_apart(model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce) -> None:
    """R9: clients related by keep_apart never share a group."""
    for a, b in facts.keep_apart:
        for group_id, xa in v.groups_of(a):
            xb = v.assign(b, group_id)
            if xb is not None:
                model.add(xa + xb <= 1).only_enforce_if(enforce)


def r10_weekly_hours(facts: Facts) -> None:
    """R10: decided entirely in precomputation: a client may only join groups whose
    meetings plus the client's individual sessions reach the weekly minimum."""
    for cf in facts.clients.values():
        need = facts.instance.min_weekly_minutes(cf.client)
        individual = cf.client.individual_sessions * cf.session_minutes
        for group_id in cf.groups:
            assert facts.instance.group(group_id).weekly_minutes + individual >= need


def r11_pins(
    model: cp_model.CpModel,
    v: Variables,
    facts: Facts,
    pin_literal: dict[str, cp_model.IntVar] | None,
) -> None:
    """R11: pinned clients are placed, in their pinned group, with their pinned therapist.

    ``pin_literal`` maps ``"C001 group"`` / ``"C001 therapist"`` to an
    enforcement literal in explain mode (filled in here); None in normal mode.
    """
    for client_id, cf in facts.clients.items():
        client = cf.client
        pins = [
            ("group", client.pinned_group, v.assign),
            ("therapist", client.pinned_therapist, v.primary),
        ]
        for kind, target, lookup in pins:
            if target is None:
                continue
            enforce: list[cp_model.IntVar] = []
            if pin_literal is not None:
                lit = model.new_bool_var(f"pin[{client_id},{kind}]")
                pin_literal[f"{client_id} {kind}"] = lit
                enforce = [lit]
            var = lookup(client_id, target)
            if var is None:
                model.add_bool_or([]).only_enforce_if(enforce)
            else:
                model.add(var == 1).only_enforce_if(enforce)
