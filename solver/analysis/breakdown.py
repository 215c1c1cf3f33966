"""Every penalty a roster pays, one item per term and client / group / therapist.

The items come from the model's own named penalty list, evaluated on the roster
(its decision variables fixed to the roster's values), so they add up to the
roster's ``penalties`` by construction, and a roster that breaks a rule is refused.
Each item carries a sentence a program manager can read: a missed appointment with the
reasons it does not fit (:mod:`solver.analysis.missed`), an extra trip with the day and the
appointments that bring the client in, a changed specialist provider and moved appointments
by kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.analysis.missed import kind_noun, missed_reasons
from solver.analysis.reasons import RosterContext
from solver.errors import InputError, Problem
from solver.instance import DAYS, Instance, Interval
from solver.model import RosterModel, build_model
from solver.model.variables import RosterNotInModel
from solver.precompute import Facts, derive_facts
from solver.roster import Roster, ensure_roster_matches

__all__ = ["PenaltyItem", "penalty_breakdown"]


@dataclass(frozen=True)
class PenaltyItem:
    """One penalty the roster pays: ``amount = weight * count``."""

    term: str
    subject: str
    weight: int
    count: int
    amount: int
    sentence: str


def penalty_breakdown(
    instance: Instance, roster: Roster, *, previous: Roster | None = None
) -> list[PenaltyItem]:
    """Every penalty ``roster`` pays, with a sentence each; amounts sum to its penalties.

    Raises:
        InputError: the roster is infeasible/unknown, names a group, therapist or client
            the instance lacks, or breaks a rule of the instance (run ``check`` to see which).
    """
    if roster.status in ("infeasible", "unknown"):
        raise InputError([Problem("", "status", f"the roster is {roster.status}: no penalties")])
    ensure_roster_matches(instance, roster)
    facts = derive_facts(instance)
    built = build_model(facts, previous)
    try:
        built.variables.fix(roster)
    except RosterNotInModel as error:
        raise InputError([Problem("", "", f"{error}; run 'check'")]) from None
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30
    if solver.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InputError(
            [Problem("", "", "the roster breaks a rule of the instance; run 'check' to see which")]
        )
    context = _Sentences(facts, roster, previous)
    kinds = _ItemKinds(built, previous)
    items = []
    for p in built.penalties:
        kind = kinds.next_kind(p.term, p.subject)
        count = int(solver.value(p.count))
        if count:
            items.append(
                PenaltyItem(
                    p.term,
                    p.subject,
                    p.weight,
                    count,
                    p.weight * count,
                    context.sentence(p.term, p.subject, p.day, count, kind),
                )
            )
    return items


class _ItemKinds:
    """The appointment kind of each per-kind penalty item (appointment_missed,
    provider_change, session_moved), in the order :mod:`solver.model.objective` makes them:
    one item per client and kind, in the program's kind order."""

    def __init__(self, built: RosterModel, previous: Roster | None) -> None:
        self.built = built
        self.previous = {p.id: p for p in previous.first_entries().clients} if previous else {}
        self.seen: dict[tuple[str, str], int] = {}

    def next_kind(self, term: str, subject: str) -> str | None:
        kinds = self._kinds(term, subject)
        if kinds is None:
            return None
        index = self.seen.get((term, subject), 0)
        self.seen[term, subject] = index + 1
        return kinds[index] if index < len(kinds) else None

    def _kinds(self, term: str, client_id: str) -> list[str] | None:
        facts = self.built.facts
        slots = self.built.variables.slots(client_id)
        if term == "appointment_missed" and client_id in facts.clients:
            return [k for k, kf in facts.clients[client_id].kinds.items() if not kf.required]
        if term == "session_moved":
            return [s.kind for s in slots]
        if term == "provider_change":
            before = self.previous.get(client_id)
            if before is None:
                return []
            return [
                s.kind
                for s in slots
                if not s.by_primary
                and before.of_kind(s.kind)
                and facts.instance.has_therapist(before.of_kind(s.kind)[0].provider)
            ]
        return None


class _Sentences:
    """Sentences for penalty items, with the roster as context."""

    def __init__(self, facts: Facts, roster: Roster, previous: Roster | None) -> None:
        self.facts = facts
        self.instance = facts.instance
        self.roster = roster
        self.context = RosterContext(facts, roster)
        self.placement = {p.id: p for p in roster.clients}
        self.reasons = {u.id: u.reasons for u in roster.unassigned}
        self.previous = {p.id: p for p in previous.clients} if previous else {}
        self.previous_groups = {g.id: g for g in previous.groups} if previous else {}
        worked_out = missed_reasons(facts.instance, roster, facts)
        self.missed = {(p.id, m.kind): m.reasons for p in worked_out.clients for m in p.missed}

    def sentence(
        self, term: str, subject: str, day: int | None, count: int, kind: str | None = None
    ) -> str:
        if term in ("appointment_missed", "provider_change", "session_moved"):
            return getattr(self, f"_{term}")(subject, kind, count)  # type: ignore[no-any-return]
        return getattr(self, f"_{term}")(subject, day, count)  # type: ignore[no-any-return]

    def _appointment_missed(self, client_id: str, kind: str | None, count: int) -> str:
        p = self.placement[client_id]
        entry = next((m for m in p.missed if m.kind == kind), None)
        what = kind_noun(kind) if kind is not None else "appointment"
        why = self.missed.get((client_id, kind or "")) or (entry.reasons if entry else [])
        because = f": {'; '.join(why)}" if why else ""
        return f"{client_id} misses {count} {what}(s){because}"

    def _provider_change(self, client_id: str, kind: str | None, count: int) -> str:
        before = self.previous[client_id]
        after = self.placement[client_id]
        kinds = [kind] if kind is not None else sorted({a.kind for a in before.appointments})
        for k in kinds:
            old, new = before.of_kind(k), after.of_kind(k)
            if old and new and old[0].provider != new[0].provider:
                return (
                    f"{client_id}'s {k} provider changes from {old[0].provider} to "
                    f"{new[0].provider}"
                )
        return f"{client_id}'s {kind or 'specialist'} provider changes"

    def _unassigned(self, client_id: str, day: int | None, count: int) -> str:
        client = self.instance.client(client_id)
        why = self.reasons.get(client_id, ["no reason recorded"])
        return f"{client_id} is unassigned (priority {client.priority}): {why[0]}"

    def _shift_mismatch(self, client_id: str, day: int | None, count: int) -> str:
        client = self.instance.client(client_id)
        p = self.placement[client_id]
        group = self.instance.group(p.group)
        cf = self.facts.clients[client_id]
        wanted = [g for g in self.instance.groups if g.shift == client.shift_preference]
        obstacles = [
            why for g in wanted if (why := self.context.group_obstacle(cf, g.id)) is not None
        ]
        because = "; ".join(obstacles) if obstacles else "a place there would cost more overall"
        if not wanted:
            because = f"no {client.shift_preference} group is offered"
        return (
            f"{client_id} prefers {client.shift_preference}; placed in {p.group} "
            f"({group.shift}) because {because}"
        )

    def _not_preferred_therapist(self, client_id: str, day: int | None, count: int) -> str:
        client = self.instance.client(client_id)
        p = self.placement[client_id]
        cf = self.facts.clients[client_id]
        obstacles = [
            why
            for t in client.preferred_therapists
            if (why := self.context.therapist_obstacle(cf, t)) is not None
        ]
        because = "; ".join(obstacles) if obstacles else "that would cost more overall"
        return (
            f"{client_id} prefers {', '.join(client.preferred_therapists)}; primary therapist "
            f"is {p.therapist} because {because}"
        )

    def _extra_trip(self, client_id: str, day: int | None, count: int) -> str:
        p = self.placement[client_id]
        group = self.instance.group(p.group)
        meets = ", ".join(sorted({m.day for m in group.meetings}, key=DAYS.index))
        today = sorted(
            (a for a in p.appointments if day is not None and a.day_index == day),
            key=lambda a: a.start,
        )
        day_name = DAYS[day] if day is not None else "another day"
        visits = [f"the {kind_noun(a.kind)} with {a.provider} at {a.start}" for a in today]
        if not visits:
            visits = [f"the individual session with {p.therapist}"]
        return (
            f"{client_id} comes in on {day_name} for {' and '.join(visits)}; "
            f"{p.group} meets {meets}"
        )

    def _caseload_spread(self, subject: str, day: int | None, count: int) -> str:
        loads = {
            t.id: self.context.caseload[t.id]
            for t in self.instance.therapists
            if t.max_caseload > 0
        }
        low, high = min(loads.values()), max(loads.values())
        lows = ", ".join(t for t, n in loads.items() if n == low)
        highs = ", ".join(t for t, n in loads.items() if n == high)
        return f"caseloads range from {low} ({lows}) to {high} ({highs})"

    def _open_group(self, group_id: str, day: int | None, count: int) -> str:
        members = self.context.members.get(group_id, [])
        return (
            f"{group_id} runs with {len(members)} clients, facilitated by "
            f"{self.context.facilitator.get(group_id)}"
        )

    def _group_change(self, client_id: str, day: int | None, count: int) -> str:
        before = self.previous[client_id].group
        return f"{client_id} moves from {before} to {self.placement[client_id].group}"

    def _therapist_change(self, client_id: str, day: int | None, count: int) -> str:
        before = self.previous[client_id].therapist
        after = self.placement[client_id].therapist
        return f"{client_id}'s primary therapist changes from {before} to {after}"

    def _session_moved(self, client_id: str, kind: str | None, count: int) -> str:
        before_p, after_p = self.previous[client_id], self.placement[client_id]
        if kind is None or kind == "individual":
            label = "session(s)"
            before_a = [a for a in before_p.appointments if kind is None or a.kind == kind]
            after_a = [a for a in after_p.appointments if kind is None or a.kind == kind]
        else:
            label = f"{kind} appointment(s)"
            before_a, after_a = before_p.of_kind(kind), after_p.of_kind(kind)
        before = ", ".join(_when(a) for a in before_a) or "none"
        after = ", ".join(_when(a) for a in after_a)
        return f"{client_id}: {count} {label} moved (now {after}; before {before})"

    def _facilitator_change(self, group_id: str, day: int | None, count: int) -> str:
        before = self.previous_groups[group_id].facilitator
        return (
            f"{group_id}: facilitator changes from {before} to "
            f"{self.context.facilitator.get(group_id)}"
        )


def _when(s: Interval) -> str:
    return f"{s.day} {s.start}"
