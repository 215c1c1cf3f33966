"""The plain model's variables and hard rules, one function per rule (R1-R12).

The decision variables are the format's own choices, one Boolean each: client in group,
group runs, therapist facilitates group, therapist is a client's primary therapist,
therapist is a client's provider of a specialist kind; and for every requested appointment
a start (minutes of the week, on the slot grid), a presence, a day and a provider literal.
A variable exists only where its plain domain allows it (a group the client is eligible
for by R1, a start inside the open hours and outside the client's busy time ...); every
interaction between choices (time clashes, capacities, weekly hours) is a constraint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

from benchmarks.plain.week import Span, blocks, clear_of, day_of, inside, overlap, span_of
from benchmarks.plain.week import starts_inside as grid_starts
from solver.instance import AppointmentKind, Client, Group, Instance

__all__ = ["Appointment", "PlainModel", "Request", "build_rules"]


@dataclass
class Appointment:
    """One requested appointment: scheduled when ``present``, at ``start``, with the
    therapist whose literal in ``providers`` is true, on the day whose literal in ``days``
    is true."""

    length: int
    start: cp_model.IntVar
    present: cp_model.IntVar
    interval: cp_model.IntervalVar
    domain: list[int]
    days: dict[int, cp_model.IntVar] = field(default_factory=dict)
    providers: dict[str, cp_model.IntVar] = field(default_factory=dict)


@dataclass
class Request:
    """The appointments of one kind that a client asks for (``count`` of them);
    ``appointments`` is empty when no start fits at all."""

    kind: AppointmentKind
    count: int
    length: int
    appointments: list[Appointment] = field(default_factory=list)


class PlainModel:
    """The CP-SAT model of one week and its variables, reached through the query methods."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.model = cp_model.CpModel()
        self.placed: dict[str, cp_model.IntVar] = {}
        self.runs: dict[str, cp_model.IntVar] = {}
        self.caseload: dict[str, cp_model.IntVar] = {}
        self.requests: dict[str, list[Request]] = {}
        self._member: dict[str, dict[str, cp_model.IntVar]] = {}  # client -> group -> lit
        self._joiners: dict[str, dict[str, cp_model.IntVar]] = {}  # group -> client -> lit
        self._leads: dict[str, dict[str, cp_model.IntVar]] = {}  # group -> therapist -> lit
        self._primary: dict[str, dict[str, cp_model.IntVar]] = {}  # client -> therapist -> lit
        # (client, kind) -> therapist -> lit: the provider of a specialist kind.
        self._specialist: dict[tuple[str, str], dict[str, cp_model.IntVar]] = {}
        self._availability = {t.id: blocks(t.availability) for t in instance.therapists}
        self._open = blocks(instance.program.open_hours)
        self._free: dict[tuple[str, int], set[int]] = {}  # (therapist, length) -> starts
        self.meetings = {g.id: [span_of(m) for m in g.meetings] for g in instance.groups}

    def groups_of(self, client_id: str) -> dict[str, cp_model.IntVar]:
        """Group id -> "the client is in this group", for the groups the client may join."""
        return self._member.get(client_id, {})

    def clients_of(self, group_id: str) -> dict[str, cp_model.IntVar]:
        """Client id -> "the client is in this group", for the clients who may join it."""
        return self._joiners.get(group_id, {})

    def facilitators_of(self, group_id: str) -> dict[str, cp_model.IntVar]:
        """Therapist id -> "facilitates this group", for the qualified, available ones."""
        return self._leads.get(group_id, {})

    def therapists_of(self, client_id: str) -> dict[str, cp_model.IntVar]:
        """Therapist id -> "is the client's primary therapist", for the possible ones."""
        return self._primary.get(client_id, {})

    def specialists_of(self, client_id: str, kind_id: str) -> dict[str, cp_model.IntVar]:
        """Therapist id -> "provides the client's appointments of this specialist kind"."""
        return self._specialist.get((client_id, kind_id), {})

    def appointments(self, client_id: str) -> list[tuple[Request, Appointment]]:
        """Every requested appointment of the client, with its request."""
        return [(r, a) for r in self.requests.get(client_id, []) for a in r.appointments]

    def _starts(self, client: Client, kind: AppointmentKind, length: int) -> set[int]:
        """Starts of the client's appointments of ``kind`` before any provider is chosen:
        on the grid, inside the open hours (and the family's hours), clear of busy time."""
        slot = self.instance.program.slot_minutes
        found = grid_starts(self._open, length, slot)
        if kind.with_family:
            found &= grid_starts(blocks(client.family_availability), length, slot)
        return clear_of(found, length, [span_of(b) for b in client.busy])

    def _available_starts(self, therapist_id: str, length: int) -> set[int]:
        """Starts of a ``length``-minute appointment inside the therapist's availability."""
        key = (therapist_id, length)
        if key not in self._free:
            slot = self.instance.program.slot_minutes
            self._free[key] = grid_starts(self._availability[therapist_id], length, slot)
        return self._free[key]


def build_rules(plain: PlainModel) -> None:
    """Add every hard rule of the format to ``plain``'s model."""
    r1_eligibility(plain)
    r3_group_size(plain)
    r4_facilitator(plain)
    r5_primary_therapist(plain)
    r12_specialist_providers(plain)
    r6_appointments(plain)
    r2_client_time(plain)
    r7_no_double_booking(plain)
    r8_rooms(plain)
    r9_keep_apart(plain)
    r10_weekly_hours(plain)
    r11_pins(plain)


def _eligible(client: Client, group: Group, meetings: list[Span]) -> bool:
    """R1's attributes, and R2 for the meetings against the client's busy time."""
    return (
        group.population == client.population
        and client.level_id in group.level_ids
        and client.track in group.tracks
        and (group.audience is None or group.audience in client.audiences)
        and (group.site is None or not client.sites or group.site in client.sites)
        and all(overlap(a, b - a, [span_of(i) for i in client.busy]) == 0 for a, b in meetings)
    )


def r1_eligibility(plain: PlainModel) -> None:
    """R1: client-in-group literals for eligible pairs only; a placed client has one group.
    (The facilitator a client avoids is excluded in :func:`r4_facilitator`.)"""
    m = plain.model
    for group in plain.instance.groups:
        plain.runs[group.id] = m.new_bool_var(f"runs[{group.id}]")
        plain._joiners[group.id] = {}
    for client in plain.instance.clients:
        plain.placed[client.id] = m.new_bool_var(f"placed[{client.id}]")
        member = plain._member[client.id] = {}
        for group in plain.instance.groups:
            if _eligible(client, group, plain.meetings[group.id]):
                lit = m.new_bool_var(f"in[{client.id},{group.id}]")
                member[group.id] = plain._joiners[group.id][client.id] = lit
        m.add(sum(member.values()) == plain.placed[client.id])


def r3_group_size(plain: PlainModel) -> None:
    """R3: a running group holds group_min_size to max_size clients; a group runs exactly
    when someone is in it."""
    smallest = plain.instance.program.group_min_size
    for group in plain.instance.groups:
        size = sum(plain.clients_of(group.id).values())
        runs = plain.runs[group.id]
        plain.model.add(size >= smallest * runs)
        plain.model.add(size <= group.capacity * runs)


def r4_facilitator(plain: PlainModel) -> None:
    """R4: one qualified, available facilitator per running group, at most max_groups
    groups each; with R1's last clause, none whom a member avoids."""
    m = plain.model
    led: dict[str, list[cp_model.IntVar]] = {t.id: [] for t in plain.instance.therapists}
    for group in plain.instance.groups:
        leads = plain._leads[group.id] = {}
        for t in plain.instance.therapists:
            qualified = set(group.facilitator_specialties) <= set(t.specialties)
            free = all(inside(s, plain._availability[t.id]) for s in plain.meetings[group.id])
            if qualified and free and t.max_groups > 0:
                leads[t.id] = m.new_bool_var(f"leads[{group.id},{t.id}]")
                led[t.id].append(leads[t.id])
        m.add(sum(leads.values()) == plain.runs[group.id])
        for client_id, member in plain.clients_of(group.id).items():
            for avoided in plain.instance.client(client_id).avoid_therapists:
                if avoided in leads:
                    m.add_bool_or([~member, ~leads[avoided]])
    for t in plain.instance.therapists:
        if led[t.id]:
            m.add(sum(led[t.id]) <= t.max_groups)


def r5_primary_therapist(plain: PlainModel) -> None:
    """R5: a placed client has one primary therapist holding their needs, not avoided;
    caseloads within max_caseload."""
    m = plain.model
    cases: dict[str, list[cp_model.IntVar]] = {t.id: [] for t in plain.instance.therapists}
    for client in plain.instance.clients:
        primary = plain._primary[client.id] = {}
        for t in plain.instance.therapists:
            fits = set(client.needs) <= set(t.specialties) and t.id not in client.avoid_therapists
            if fits and t.max_caseload > 0:
                primary[t.id] = m.new_bool_var(f"primary[{client.id},{t.id}]")
                cases[t.id].append(primary[t.id])
        m.add(sum(primary.values()) == plain.placed[client.id])
    for t in plain.instance.therapists:
        load = plain.caseload[t.id] = m.new_int_var(0, t.max_caseload, f"caseload[{t.id}]")
        m.add(load == sum(cases[t.id]))


def r12_specialist_providers(plain: PlainModel) -> None:
    """R12: one provider per client and specialist kind asked for, holding the kind's
    specialties and not avoided (chosen here; used by the appointments in R6)."""
    for client in plain.instance.clients:
        for kind in plain.instance.kinds:
            if kind.provider != "specialist" or plain.instance.requested(client, kind) == 0:
                continue
            chosen = plain._specialist[(client.id, kind.id)] = {}
            for t in plain.instance.therapists:
                holds = set(kind.provider_specialties) <= set(t.specialties)
                if holds and t.id not in client.avoid_therapists:
                    chosen[t.id] = plain.model.new_bool_var(f"by[{client.id},{kind.id},{t.id}]")
            if chosen:
                plain.model.add(sum(chosen.values()) <= 1)


def r6_appointments(plain: PlainModel) -> None:
    """R6: the requested number of each kind (exactly, for a required kind; at most,
    otherwise), each on the grid, inside the open hours, the family's hours where asked
    and the provider's availability; the provider of a primary kind is the primary
    therapist. Also R2's "two appointments of a kind are on different days"."""
    for client in plain.instance.clients:
        requests = plain.requests[client.id] = []
        for kind in plain.instance.kinds:
            count = plain.instance.requested(client, kind)
            if count == 0:
                continue
            length = plain.instance.appointment_minutes(client, kind)
            request = Request(kind, count, length)
            requests.append(request)
            if kind.provider == "primary":
                choosers = plain.therapists_of(client.id)
            else:
                choosers = plain.specialists_of(client.id, kind.id)
            base = plain._starts(client, kind, length)
            by_provider = {t: base & plain._available_starts(t, length) for t in choosers}
            domain = sorted(set().union(*by_provider.values()))
            if not domain:
                if kind.required:  # a client asking for it cannot be placed
                    plain.model.add(plain.placed[client.id] == 0)
                continue
            for index in range(count):
                name = f"{client.id},{kind.id},{index}"
                appointment = _appointment(plain, client, kind, name, length, domain)
                _providers(plain.model, appointment, choosers, by_provider)
                request.appointments.append(appointment)
            for day in {day_of(s) for s in domain}:
                same_day = [a.days[day] for a in request.appointments]
                plain.model.add(sum(same_day) <= 1)


def _appointment(
    plain: PlainModel,
    client: Client,
    kind: AppointmentKind,
    name: str,
    length: int,
    domain: list[int],
) -> Appointment:
    m = plain.model
    present = m.new_bool_var(f"present[{name}]")
    placed = plain.placed[client.id]
    if kind.required:
        m.add(present == placed)
    else:
        m.add(present <= placed)
    start = m.new_int_var_from_domain(Domain.from_values(domain), f"start[{name}]")
    interval = m.new_optional_fixed_size_interval_var(start, length, present, f"appt[{name}]")
    appointment = Appointment(length, start, present, interval, domain)
    for day in sorted({day_of(s) for s in domain}):
        on_day = appointment.days[day] = m.new_bool_var(f"day[{name},{day}]")
        starts = [s for s in domain if day_of(s) == day]
        m.add_linear_expression_in_domain(start, Domain.from_values(starts)).only_enforce_if(on_day)
    m.add(sum(appointment.days.values()) == present)
    return appointment


def _providers(
    m: cp_model.CpModel,
    appointment: Appointment,
    choosers: dict[str, cp_model.IntVar],
    by_provider: dict[str, set[int]],
) -> None:
    """One literal per possible provider: the appointment is scheduled with that therapist
    (it is present and the therapist is the chosen one), and then starts where they are
    available."""
    present = appointment.present
    m.add(sum(choosers.values()) >= 1).only_enforce_if(present)
    for t, chosen in choosers.items():
        starts = by_provider[t]
        if not starts:
            m.add_bool_or([~present, ~chosen])
            continue
        with_t = appointment.providers[t] = m.new_bool_var(f"with[{appointment.start.name},{t}]")
        m.add_implication(with_t, present)
        m.add_implication(with_t, chosen)
        m.add_bool_or([~present, ~chosen, with_t])
        if len(starts) < len(appointment.domain):
            m.add_linear_expression_in_domain(
                appointment.start, Domain.from_values(sorted(starts))
            ).only_enforce_if(with_t)


def r2_client_time(plain: PlainModel) -> None:
    """R2: a client's appointments overlap neither each other nor the meetings of their
    group unless it is pull_out (busy time is kept out of every domain already)."""
    m = plain.model
    for client in plain.instance.clients:
        intervals = [a.interval for _, a in plain.appointments(client.id)]
        if not intervals:
            continue
        for group_id, member in plain.groups_of(client.id).items():
            if plain.instance.group(group_id).pull_out:
                continue
            intervals += [
                m.new_optional_fixed_size_interval_var(a, b - a, member, f"meet[{client.id}]")
                for a, b in plain.meetings[group_id]
            ]
        if len(intervals) > 1:
            m.add_no_overlap(intervals)


def r7_no_double_booking(plain: PlainModel) -> None:
    """R7: a therapist's facilitated meetings and appointments do not overlap."""
    m = plain.model
    booked: dict[str, list[cp_model.IntervalVar]] = {t.id: [] for t in plain.instance.therapists}
    for group in plain.instance.groups:
        for t, leads in plain.facilitators_of(group.id).items():
            booked[t] += [
                m.new_optional_fixed_size_interval_var(a, b - a, leads, f"lead[{group.id},{t}]")
                for a, b in plain.meetings[group.id]
            ]
    for client in plain.instance.clients:
        for _, appointment in plain.appointments(client.id):
            for t, with_t in appointment.providers.items():
                booked[t].append(
                    m.new_optional_fixed_size_interval_var(
                        appointment.start, appointment.length, with_t, f"by[{t}]"
                    )
                )
    for intervals in booked.values():
        if len(intervals) > 1:
            m.add_no_overlap(intervals)


def r8_rooms(plain: PlainModel) -> None:
    """R8: running groups sharing a room have no overlapping meetings."""
    m = plain.model
    rooms: dict[str, list[cp_model.IntervalVar]] = {}
    for group in plain.instance.groups:
        if group.room is None:
            continue
        runs = plain.runs[group.id]
        rooms.setdefault(group.room, []).extend(
            m.new_optional_fixed_size_interval_var(a, b - a, runs, f"room[{group.id}]")
            for a, b in plain.meetings[group.id]
        )
    for intervals in rooms.values():
        if len(intervals) > 1:
            m.add_no_overlap(intervals)


def r9_keep_apart(plain: PlainModel) -> None:
    """R9: clients related by keep_apart (either side listing the other) share no group."""
    pairs = {
        tuple(sorted((client.id, other)))
        for client in plain.instance.clients
        for other in client.keep_apart
        if other != client.id
    }
    for first, second in sorted(pairs):
        mine, theirs = plain.groups_of(first), plain.groups_of(second)
        for group_id in mine.keys() & theirs.keys():
            plain.model.add_bool_or([~mine[group_id], ~theirs[group_id]])


def r10_weekly_hours(plain: PlainModel) -> None:
    """R10: group meeting minutes plus counted appointment minutes reach the level's
    minimum; in a pull_out group, minutes an appointment shares with a meeting count once."""
    m = plain.model
    for client in plain.instance.clients:
        needed = math.ceil(plain.instance.min_weekly_minutes(client))
        counted = [(r, a) for r, a in plain.appointments(client.id) if r.kind.counts_toward_hours]
        for group_id, member in plain.groups_of(client.id).items():
            group = plain.instance.group(group_id)
            if group.weekly_minutes >= needed:
                continue
            minutes: list[cp_model.LinearExpr | int] = [a.length * a.present for _, a in counted]
            if group.pull_out:
                minutes += [-_shared(m, a, plain.meetings[group_id]) for _, a in counted]
            m.add(group.weekly_minutes + sum(minutes) >= needed).only_enforce_if(member)


def _shared(
    m: cp_model.CpModel, appointment: Appointment, meetings: list[Span]
) -> cp_model.IntVar | int:
    """Minutes the appointment, when present, shares with ``meetings`` (a table on its
    presence and start; 0 when no start of it meets them)."""
    shares = {s: overlap(s, appointment.length, meetings) for s in appointment.domain}
    top = max(shares.values())
    if top == 0:
        return 0
    shared = m.new_int_var(0, top, f"shared[{appointment.start.name}]")
    rows = [(0, s, 0) for s in appointment.domain] + [(1, s, v) for s, v in shares.items()]
    m.add_allowed_assignments([appointment.present, appointment.start, shared], rows)
    return shared


def r11_pins(plain: PlainModel) -> None:
    """R11: a pinned client is placed, in the pinned group, with the pinned therapist. A
    pin that no variable can honour (an ineligible group ...) makes the model infeasible."""
    m = plain.model
    for client in plain.instance.clients:
        pins = (
            (client.pinned_group, plain.groups_of(client.id)),
            (client.pinned_therapist, plain.therapists_of(client.id)),
        )
        for pinned, options in pins:
            if pinned is None:
                continue
            m.add(plain.placed[client.id] == 1)
            if pinned in options:
                m.add(options[pinned] == 1)
            else:
                m.add_bool_or([])  # no literal can honour the pin: infeasible
