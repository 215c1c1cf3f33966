"""The container of the roster model's CP-SAT variables.

Model code reaches variables through these methods only. A variable exists
only for a possibility that survived precomputation: asking for one that does
not exist gives ``None`` (or an empty list), which reads as "can never happen".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.instance import MINUTES_PER_DAY
from solver.precompute import ClientFacts, Facts, KindFacts, span
from solver.roster import Appointment, Roster


@dataclass(frozen=True)
class KindSlots:
    """The appointments of one kind of one client, with whichever provider.

    Slot ``i`` starts at ``starts[i]`` (week minutes) and is scheduled exactly when
    ``present[i]`` holds (for a required kind that is the client's ``placed`` literal;
    for a wanted kind the present slots come first). ``on_day[i][d]`` is 1 exactly when
    slot ``i`` is scheduled on day ``d``. Scheduled slots are numbered in day order (day
    of ``i`` < day of ``i + 1``), which says that appointments of a kind fall on different
    days and removes their interchangeability. ``providers`` maps each possible provider
    to the literal that chooses them: the client's primary-therapist literal for a
    primary kind, a specialist literal of its own for a specialist kind (R12: one provider
    per client and kind). With provider ``t`` the slot's start lies in ``t``'s
    ``facts.clients[client].kinds[kind].starts[t]``.
    """

    client: str
    kind: str
    required: bool
    by_primary: bool
    counted: bool
    length: int
    domain: tuple[int, ...]
    starts: tuple[cp_model.IntVar, ...]
    on_day: tuple[dict[int, cp_model.IntVar], ...]
    present: tuple[cp_model.IntVar, ...]
    providers: dict[str, cp_model.IntVar]

    def days(self) -> dict[int, list[cp_model.IntVar]]:
        """Day -> the literals of the slots that may fall on it."""
        out: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for by_day in self.on_day:
            for day, lit in by_day.items():
                out[day].append(lit)
        return dict(sorted(out.items()))


@dataclass(frozen=True)
class RosterValue:
    """The value a roster gives one decision variable.

    ``var`` is None when the roster needs a variable the model does not have (a
    placement precomputation ruled out); ``value`` is then 1. ``hintable`` is False
    for a session start outside the variable's domain.
    """

    var: cp_model.IntVar | None
    value: int
    what: str
    hintable: bool = True


class RosterNotInModel(ValueError):
    """A roster places someone where the model has no variable (see :meth:`Variables.fix`)."""


class Variables:
    """All decision variables, created from the static facts."""

    def __init__(self, model: cp_model.CpModel, facts: Facts) -> None:
        self._model = model
        self._clients = list(facts.clients)
        self._groups = list(facts.meetings)
        self._assign: dict[tuple[str, str], cp_model.IntVar] = {}
        self._runs: dict[str, cp_model.IntVar] = {}
        self._facilitates: dict[tuple[str, str], cp_model.IntVar] = {}
        self._primary: dict[tuple[str, str], cp_model.IntVar] = {}
        self._placed: dict[str, cp_model.IntVar] = {}
        self._slots: dict[str, list[KindSlots]] = {}

        for client_id, cf in facts.clients.items():
            if not cf.placeable:
                continue
            self._placed[client_id] = model.new_bool_var(f"placed[{client_id}]")
            for group_id in cf.groups:
                self._assign[client_id, group_id] = model.new_bool_var(
                    f"assign[{client_id},{group_id}]"
                )
            for therapist_id in cf.therapists:
                self._primary[client_id, therapist_id] = model.new_bool_var(
                    f"primary[{client_id},{therapist_id}]"
                )
            primary = {t: self._primary[client_id, t] for t in cf.therapists}
            slots = [
                slot
                for kf in cf.kinds.values()
                if (slot := _kind_slots(model, cf, kf, self._placed[client_id], primary))
            ]
            if slots:
                self._slots[client_id] = slots
        self._groups_of: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        self._members_of: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        for (c, g), v in self._assign.items():
            self._groups_of[c].append((g, v))
            self._members_of[g].append((c, v))
        self._therapists_of: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        self._caseload_of: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        for (c, t), v in self._primary.items():
            self._therapists_of[c].append((t, v))
            self._caseload_of[t].append((c, v))
        self._provided_by: dict[str, list[tuple[KindSlots, cp_model.IntVar]]] = defaultdict(list)
        for client_slots in self._slots.values():
            for kind_slots in client_slots:
                for provider, lit in kind_slots.providers.items():
                    self._provided_by[provider].append((kind_slots, lit))
        used_groups = {g for _, g in self._assign}
        for group_id, therapists in facts.facilitators.items():
            if group_id not in used_groups or not therapists:
                continue
            self._runs[group_id] = model.new_bool_var(f"runs[{group_id}]")
            for therapist_id in therapists:
                self._facilitates[therapist_id, group_id] = model.new_bool_var(
                    f"facilitates[{therapist_id},{group_id}]"
                )
        self._facilitators_of: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        self._facilitated_by: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        for (t, g), v in self._facilitates.items():
            self._facilitators_of[g].append((t, v))
            self._facilitated_by[t].append((g, v))

    # --- clients -------------------------------------------------------------
    def placed(self, client_id: str) -> cp_model.IntVar | None:
        """1 when the client is placed; None when the client can never be placed."""
        return self._placed.get(client_id)

    def placed_clients(self) -> list[str]:
        """Clients who may be placed."""
        return list(self._placed)

    def assign(self, client_id: str, group_id: str) -> cp_model.IntVar | None:
        """1 when the client attends the group."""
        return self._assign.get((client_id, group_id))

    def groups_of(self, client_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(group id, assign variable) for each group the client may join."""
        return self._groups_of.get(client_id, [])

    def members_of(self, group_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(client id, assign variable) for each client who may join the group."""
        return self._members_of.get(group_id, [])

    def assignments(self) -> dict[tuple[str, str], cp_model.IntVar]:
        """Every (client, group) assign variable."""
        return dict(self._assign)

    # --- groups and facilitators ------------------------------------------
    def runs(self, group_id: str) -> cp_model.IntVar | None:
        """1 when the group runs; None when it never can."""
        return self._runs.get(group_id)

    def running_groups(self) -> list[str]:
        """Groups that may run."""
        return list(self._runs)

    def facilitates(self, therapist_id: str, group_id: str) -> cp_model.IntVar | None:
        """1 when the therapist facilitates the group."""
        return self._facilitates.get((therapist_id, group_id))

    def facilitators_of(self, group_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(therapist id, variable) for each possible facilitator of the group."""
        return self._facilitators_of.get(group_id, [])

    def groups_facilitated_by(self, therapist_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(group id, variable) for each group the therapist may facilitate."""
        return self._facilitated_by.get(therapist_id, [])

    # --- primary therapists and sessions ------------------------------------
    def primary(self, client_id: str, therapist_id: str) -> cp_model.IntVar | None:
        """1 when the therapist is the client's primary therapist."""
        return self._primary.get((client_id, therapist_id))

    def therapists_of(self, client_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(therapist id, variable) for each possible primary therapist of the client."""
        return self._therapists_of.get(client_id, [])

    def caseload_of(self, therapist_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(client id, variable) for each client the therapist may take on."""
        return self._caseload_of.get(therapist_id, [])

    def slots(self, client_id: str) -> list[KindSlots]:
        """The client's appointment slots, one entry per kind they ask for (in the
        program's kind order); empty when they ask for none or are never placed."""
        return self._slots.get(client_id, [])

    def provided_by(self, therapist_id: str) -> list[tuple[KindSlots, cp_model.IntVar]]:
        """(slots, literal choosing the therapist as their provider) for every client's
        appointment kind the therapist may provide, in client order."""
        return self._provided_by.get(therapist_id, [])

    def slots_of(self, client_id: str, kind: str) -> KindSlots | None:
        """The client's slots of one kind; None when they ask for none of it."""
        return next((s for s in self.slots(client_id) if s.kind == kind), None)

    # --- a roster on the variables --------------------------------------------
    def hint(self, roster: Roster) -> None:
        """Hint every decision variable with its value in ``roster``, where the model has it
        (a previous roster may name clients, groups or starts this week no longer offers)."""
        for item in self.values_of(roster):
            if item.var is not None and item.hintable:
                self._model.add_hint(item.var, item.value)

    def fix(self, roster: Roster) -> None:
        """Fix every decision variable to its value in ``roster``.

        Raises:
            RosterNotInModel: the roster places a client, group or session where the
                model has no variable (it breaks a rule decided in precomputation).
        """
        for item in self.values_of(roster):
            if item.var is None:
                if item.value:
                    raise RosterNotInModel(f"{item.what} is impossible in this instance")
                continue
            self._model.add(item.var == item.value)

    def values_of(self, roster: Roster) -> Iterator[RosterValue]:
        """The value ``roster`` gives each decision variable: placements, groups, primary
        therapists, session starts and days, running groups and facilitators."""
        placements = {p.id: p for p in roster.clients}
        for client_id in self._clients:
            p = placements.get(client_id)
            yield RosterValue(self.placed(client_id), int(p is not None), f"placing {client_id}")
            if p is None:
                continue
            if self.assign(client_id, p.group) is None:
                yield RosterValue(None, 1, f"{client_id} in {p.group}")
            for group_id, x in self.groups_of(client_id):
                yield RosterValue(x, int(p.group == group_id), f"{client_id} in {group_id}")
            if self.primary(client_id, p.therapist) is None:
                yield RosterValue(None, 1, f"{client_id} with {p.therapist}")
            for therapist_id, y in self.therapists_of(client_id):
                yield RosterValue(
                    y, int(p.therapist == therapist_id), f"{client_id} with {p.therapist}"
                )
            for slots in self.slots(client_id):
                yield from self._slot_values(slots, p.of_kind(slots.kind))
        facilitator = {g.id: g.facilitator for g in roster.groups}
        for group_id in self._groups:
            yield RosterValue(
                self.runs(group_id), int(group_id in facilitator), f"running {group_id}"
            )
            for therapist_id, f in self.facilitators_of(group_id):
                yield RosterValue(f, int(facilitator.get(group_id) == therapist_id), group_id)

    def _slot_values(self, slots: KindSlots, held: list[Appointment]) -> Iterator[RosterValue]:
        client_id, kind = slots.client, slots.kind
        starts = sorted(span(a)[0] for a in held)
        if len(starts) > len(slots.starts) or (slots.required and len(starts) < len(slots.starts)):
            yield RosterValue(None, 1, f"{client_id} with {len(starts)} {kind} appointment(s)")
        providers = {a.provider for a in held}
        for provider, lit in slots.providers.items():
            if not slots.by_primary:  # a primary kind's literals are the primary's, given above
                yield RosterValue(lit, int(provider in providers), f"{client_id}'s {kind} provider")
        for provider in providers - set(slots.providers):
            yield RosterValue(None, 1, f"{client_id}'s {kind} with {provider}")
        for i, start_var in enumerate(slots.starts):
            at = starts[i] if i < len(starts) else None
            if not slots.required:
                yield RosterValue(
                    slots.present[i], int(at is not None), f"{client_id}'s {kind} {i + 1}"
                )
            if at is not None:
                hintable = at in slots.domain
                yield RosterValue(start_var, at, f"{client_id}'s {kind} {i + 1}", hintable)
            for day, lit in slots.on_day[i].items():
                on_day = at is not None and at // MINUTES_PER_DAY == day
                yield RosterValue(lit, int(on_day), f"{client_id}'s {kind} {i + 1} day")


def _kind_slots(
    model: cp_model.CpModel,
    cf: ClientFacts,
    kf: KindFacts,
    placed: cp_model.IntVar,
    primary: dict[str, cp_model.IntVar],
) -> KindSlots | None:
    """The slots of one kind (see :class:`KindSlots`); None when no provider can offer one
    (a wanted kind that is then always missed; a required one keeps the client unplaced)."""
    client_id, kind, count = cf.client.id, kf.kind.id, kf.count
    if not kf.starts:
        return None
    if kf.primary:
        providers = {t: primary[t] for t in kf.starts if t in primary}
    else:
        providers = {t: model.new_bool_var(f"provider[{client_id},{kind},{t}]") for t in kf.starts}
    if not providers:
        return None
    domain = sorted({s for starts in kf.starts.values() for s in starts})
    days = sorted({s // MINUTES_PER_DAY for s in domain})
    required = kf.required
    if required:
        present = [placed] * count
    else:
        present = [model.new_bool_var(f"present[{client_id},{kind},{i}]") for i in range(count)]
        model.add_implication(present[0], placed)
        for i in range(count - 1):
            model.add_implication(present[i + 1], present[i])
    if not kf.primary:
        # R12: one provider, chosen exactly when the client has an appointment of the kind.
        model.add(sum(providers.values()) == present[0])
    elif not required:
        model.add(sum(providers.values()) >= present[0])
    for t, lit in providers.items():
        # A provider with fewer days than slots cannot hold the later ones.
        offered = len({s // MINUTES_PER_DAY for s in kf.starts[t]})
        if offered < count:
            model.add_implication(present[offered], ~lit)
    starts, on_day = [], []
    for i in range(count):
        # Slot i has i slots on earlier days and, when required, count - 1 - i on later ones.
        usable = days[i : len(days) - (count - 1 - i)] if required else days[i:]
        values = [s for s in domain if s // MINUTES_PER_DAY in usable]
        if not values:
            model.add(present[i] == 0)
            values = domain
            usable = days
        name = "session" if kind == "individual" else kind
        start = model.new_int_var_from_domain(
            cp_model.Domain.from_values(values), f"{name}_start[{client_id},{i}]"
        )
        by_day = {d: model.new_bool_var(f"{name}_day[{client_id},{i},{d}]") for d in usable}
        model.add(sum(by_day.values()) == present[i])
        for d, lit in by_day.items():
            lo = d * MINUTES_PER_DAY
            model.add_linear_constraint(start, lo, lo + MINUTES_PER_DAY - 1).only_enforce_if(lit)
        starts.append(start)
        on_day.append(by_day)
    for i in range(count - 1):
        # Later slots on later days. A required kind's slots are all scheduled or none (the
        # client is placed or not); a wanted kind's later slot may be empty, and then says
        # nothing about the earlier one.
        later, earlier = (sum(d * lit for d, lit in on_day[j].items()) for j in (i + 1, i))
        if required:
            model.add(later >= earlier + present[i + 1])
        else:
            model.add(later >= earlier + 1).only_enforce_if(present[i + 1])
    return KindSlots(
        client_id,
        kind,
        required,
        kf.primary,
        kf.kind.counts_toward_hours,
        kf.minutes,
        tuple(domain),
        tuple(starts),
        tuple(on_day),
        tuple(present),
        providers,
    )
