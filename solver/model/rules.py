"""The hard rules R1-R12 of docs/format.md, one function each, named after the rule.

Each function adds its rule's constraints to the model. In *explain* mode every
constraint of a rule is enforced by one literal of that rule (and every pin by
a literal of its own), so that an infeasible model can name the rules and pins
that conflict (see :mod:`solver.model.conflicts`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from ortools.sat.python import cp_model

from solver.model.variables import KindSlots, Variables
from solver.options import Deadline
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


def r2_client_time(
    model: cp_model.CpModel,
    v: Variables,
    facts: Facts,
    enforce: Enforce,
    *,
    deadline: Deadline | None = None,
) -> None:
    """R2: busy hours are decided in precomputation, and appointments of one kind fall on
    different days by construction (see KindSlots); here an appointment never overlaps a
    meeting of the client's group (unless the group is a pull-out one), nor another
    appointment of the client. ``deadline`` is checked per client (this rule takes seconds
    on a regional week; see :func:`solver.model.build_model`)."""
    for client_id in v.placed_clients():
        if deadline is not None:
            deadline.check()
        all_slots = v.slots(client_id)
        for slots in all_slots:
            for group_id, x in v.groups_of(client_id):
                if facts.instance.group(group_id).pull_out:
                    continue
                _clear_of_meetings(model, slots, facts.meetings[group_id], x, enforce)
        if len(all_slots) > 1:
            intervals = []
            for slots in all_slots:
                for i, start in enumerate(slots.starts):
                    name = f"own[{client_id},{slots.kind},{i}]"
                    present = slots.present[i]
                    for e in enforce:  # explain mode: the rule's literal switches it off
                        present = _both(model, present, e, name)
                    intervals.append(
                        model.new_optional_fixed_size_interval_var(
                            start, slots.length, present, name
                        )
                    )
            model.add_no_overlap(intervals)


def _clear_of_meetings(
    model: cp_model.CpModel,
    slots: KindSlots,
    meetings: list[tuple[int, int]],
    x: cp_model.IntVar,
    enforce: Enforce,
) -> None:
    allowed = [
        start
        for start in slots.domain
        if not any(spans_overlap((start, start + slots.length), m) for m in meetings)
    ]
    if len(allowed) == len(slots.domain):
        return
    if not allowed:
        # In this group the client can have none of these appointments.
        model.add_bool_or([~x, ~slots.present[0]]).only_enforce_if(enforce)
        return
    for i, start in enumerate(slots.starts):
        when = [x] if slots.required else [x, slots.present[i]]
        model.add_linear_expression_in_domain(
            start, cp_model.Domain.from_values(allowed)
        ).only_enforce_if([*when, *enforce])


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


def r6_appointments(model: cp_model.CpModel, v: Variables, facts: Facts) -> None:
    """R6: a required kind's appointments are all scheduled when placed, a wanted kind's
    at most as many as requested (by construction, see KindSlots), each at a start its
    provider can offer (length, grid, open hours, family hours and availability are
    decided in precomputation)."""
    for client_id in v.placed_clients():
        cf = facts.clients[client_id]
        for slots in v.slots(client_id):
            offered_by = cf.kinds[slots.kind].starts
            for provider, lit in slots.providers.items():
                offered = offered_by[provider]
                if len(offered) == len(slots.domain):
                    continue
                domain = cp_model.Domain.from_values(offered)
                for i, start in enumerate(slots.starts):
                    when = [lit] if slots.required else [lit, slots.present[i]]
                    model.add_linear_expression_in_domain(start, domain).only_enforce_if(when)


def r7_no_double_booking(
    model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce
) -> None:
    """R7: a therapist's facilitated meetings and sessions do not overlap.

    One no-overlap constraint per therapist over the week: a session interval per
    (client, session) present when the therapist is the client's primary, and a
    meeting interval per meeting of each group they may lead, present when they
    lead it; plus the redundant energy bound (minutes booked <= minutes available)
    for the LP. In explain mode every interval is present only when the rule's
    literal also holds, which switches the whole rule off with one literal.
    """
    for therapist in facts.instance.therapists:
        items: list[tuple[int, cp_model.IntVar, cp_model.IntervalVar]] = []

        def presence(lit: cp_model.IntVar, name: str) -> cp_model.IntVar:
            if not enforce:
                return lit
            both = model.new_bool_var(f"r7[{name}]")
            model.add_bool_and([lit, *enforce]).only_enforce_if(both)
            model.add_bool_or([~lit, *[~e for e in enforce], both])
            return both

        for group_id, f in v.groups_facilitated_by(therapist.id):
            for lo, hi in facts.meetings[group_id]:
                name = f"meeting[{therapist.id},{group_id},{lo}]"
                present = presence(f, name)
                interval = model.new_optional_fixed_size_interval_var(lo, hi - lo, present, name)
                items.append((hi - lo, f, interval))
        for slots, lit in v.provided_by(therapist.id):
            for i, start in enumerate(slots.starts):
                name = f"{slots.kind}[{slots.client},{therapist.id},{i}]"
                held = lit if slots.required else _both(model, lit, slots.present[i], name)
                present = presence(held, name)
                interval = model.new_optional_fixed_size_interval_var(
                    start, slots.length, present, name
                )
                items.append((slots.length, held, interval))
        led = v.groups_facilitated_by(therapist.id)
        for clique in _simultaneous(facts, [g for g, _ in led]):
            # Redundant with the no-overlap, for the LP: one group at a time.
            _at_most_one(model, [f for g, f in led if g in clique], enforce)
        if len(items) <= 1:
            continue
        model.add_no_overlap([interval for _, _, interval in items])
        available = sum(hi - lo for lo, hi in facts.availability[therapist.id])
        if not enforce and sum(length for length, _, _ in items) > available:
            model.add(sum(length * lit for length, lit, _ in items) <= available)


def _both(
    model: cp_model.CpModel, a: cp_model.IntVar, b: cp_model.IntVar, name: str
) -> cp_model.IntVar:
    """A literal equal to ``a and b``."""
    both = model.new_bool_var(f"both[{name}]")
    model.add_bool_and([a, b]).only_enforce_if(both)
    model.add_bool_or([~a, ~b, both])
    return both


def r8_rooms(model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce) -> None:
    """R8: two groups in one room with overlapping meetings do not both run.

    Stated as one constraint per room and moment at which meetings begin: of
    the groups meeting in the room at that moment, at most one runs. (Two
    overlapping meetings share the moment the later one begins, so this says
    exactly R8, with the stronger linear relaxation of cliques.)
    """
    by_room: dict[str, list[str]] = defaultdict(list)
    for group_id in v.running_groups():
        room = facts.instance.group(group_id).room
        if room is not None:
            by_room[room].append(group_id)
    for group_ids in by_room.values():
        for clique in _simultaneous(facts, group_ids):
            lits = [v.runs(g) for g in clique]
            _at_most_one(model, [x for x in lits if x is not None], enforce)


def _simultaneous(facts: Facts, group_ids: list[str]) -> list[list[str]]:
    """For each moment at which one of the groups begins a meeting: the groups
    meeting at that moment, when there are two or more (distinct sets only)."""
    moments = sorted({lo for g in group_ids for lo, _ in facts.meetings[g]})
    cliques: dict[tuple[str, ...], None] = {}
    for moment in moments:
        clique = tuple(
            g for g in group_ids if any(lo <= moment < hi for lo, hi in facts.meetings[g])
        )
        if len(clique) > 1:
            cliques[clique] = None
    return [list(c) for c in cliques]


def r9_keep_apart(model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce) -> None:
    """R9: clients related by keep_apart never share a group."""
    for a, b in facts.keep_apart:
        for group_id, xa in v.groups_of(a):
            xb = v.assign(b, group_id)
            if xb is not None:
                model.add(xa + xb <= 1).only_enforce_if(enforce)


def r10_weekly_hours(model: cp_model.CpModel, v: Variables, facts: Facts, enforce: Enforce) -> None:
    """R10: a placed client's counted hours reach their level's minimum.

    Precomputation keeps only groups whose meetings plus every counted appointment could
    reach it. Most groups reach it whatever happens (meetings alone, or with the required
    appointments, which never overlap the meetings of a group that is not a pull-out one);
    for the others the counted minutes of the scheduled appointments are added up here,
    less their overlap with the meetings of a pull-out group.

    Raises:
        ValueError: precomputation let a client into a group that can never reach the
            minimum (a bug).
    """
    for client_id, cf in facts.clients.items():
        need = facts.instance.min_weekly_minutes(cf.client)
        counted = [s for s in v.slots(client_id) if s.counted]
        most = facts.instance.counted_minutes_asked(cf.client)
        sure = sum(s.length * len(s.starts) for s in counted if s.required)
        for group_id in cf.groups:
            group = facts.instance.group(group_id)
            weekly = group.weekly_minutes
            if weekly + most < need:
                raise ValueError(
                    f"R10: {client_id} may join {group_id}, whose weekly minutes "
                    f"fall short of the client's minimum (precomputation error)"
                )
            x = v.assign(client_id, group_id)
            if x is None or weekly >= need or (not group.pull_out and weekly + sure >= need):
                continue
            terms = []
            for slots in counted:
                for i, start in enumerate(slots.starts):
                    got = model.new_int_var(
                        0, slots.length, f"counted[{client_id},{slots.kind},{i},{group_id}]"
                    )
                    model.add(got <= slots.length * slots.present[i])
                    if group.pull_out:
                        table = [
                            (s, _overlap(s, slots.length, facts.meetings[group_id]))
                            for s in slots.domain
                        ]
                        overlap = model.new_int_var(
                            0, slots.length, f"overlap[{client_id},{slots.kind},{i},{group_id}]"
                        )
                        model.add_allowed_assignments([start, overlap], table)
                        model.add(got <= slots.length - overlap)
                    terms.append(got)
            model.add(weekly + sum(terms) >= math.ceil(need)).only_enforce_if([x, *enforce])


def _overlap(start: int, length: int, meetings: list[tuple[int, int]]) -> int:
    return sum(max(0, min(start + length, hi) - max(start, lo)) for lo, hi in meetings)


def r12_specialist_providers(model: cp_model.CpModel, v: Variables, facts: Facts) -> None:
    """R12: all of a client's appointments of one specialist kind are with one therapist
    who holds the kind's specialties and is not avoided. The candidates are decided in
    precomputation, and one provider literal per client and kind is chosen exactly when
    an appointment of the kind is scheduled (see KindSlots): this adds no constraint; it
    checks that every specialist literal belongs to a candidate.

    Raises:
        ValueError: a provider literal for a therapist precomputation ruled out (a bug).
    """
    for client_id, cf in facts.clients.items():
        for slots in v.slots(client_id):
            if slots.by_primary:
                continue
            for provider in slots.providers:
                if provider not in cf.kinds[slots.kind].starts:
                    raise ValueError(f"R12: {provider} may not see {client_id} for {slots.kind}")


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
