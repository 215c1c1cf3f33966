"""Where could this client go? Ranked placements for one client against a roster.

Everyone else stays exactly where they are (group, primary therapist, appointment
times, facilitators), so the answer is found by enumeration rather than by
search, in milliseconds: every group the client could join (a running group
with a free seat, or a new group when one client is enough to run it), every
therapist with caseload and time left, and for each pair the client's appointments
of every kind on the best days (:mod:`solver.analysis.recommend_times`), with the
wanted ones that do not fit missed. Each option carries its objective change
against the roster with the client unassigned, term by term.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.analysis.missed import kind_noun
from solver.analysis.reasons import RosterContext
from solver.analysis.recommend_times import choose_appointments
from solver.errors import InputError, Problem
from solver.instance import DAYS, Instance
from solver.precompute import (
    ClientFacts,
    derive_facts,
    spans_overlap,
)
from solver.roster import (
    Appointment,
    Missed,
    Placement,
    Roster,
    RosterGroup,
    ensure_roster_matches,
)

__all__ = ["Option", "recommend", "why_no_option"]


@dataclass(frozen=True)
class Option:
    """One way to place the client, everyone else staying put."""

    client: str
    group: str
    facilitator: str
    therapist: str
    appointments: list[Appointment]
    objective_change: int
    term_changes: dict[str, int] = field(default_factory=dict)
    costs: list[str] = field(default_factory=list)
    opens_group: bool = False
    missed: list[Missed] = field(default_factory=list)

    def describe(self) -> str:
        """One line: where, with whom, when, and what it costs."""
        costs = "; ".join(self.costs) if self.costs else "no extra cost"
        return (
            f"{self.client} in {self.group} with {self.therapist} ({self._when()}): "
            f"objective {self.objective_change:+d} ({costs})"
        )

    def _when(self) -> str:
        """``sessions mon 09:00, tue 10:00``; other kinds by name, with their provider when
        not the primary therapist: ``sessions mon 09:00; psychiatry tue 10:00 with T9``."""
        if not self.appointments:
            return "no individual sessions" if not self.missed else "no appointments"
        parts = []
        for kind in dict.fromkeys(a.kind for a in self.appointments):
            times = ", ".join(
                f"{a.day} {a.start}"
                + ("" if a.provider == self.therapist else f" with {a.provider}")
                for a in self.appointments
                if a.kind == kind
            )
            parts.append(f"sessions {times}" if kind == "individual" else f"{kind} {times}")
        return "; ".join(parts)

    def apply(self, roster: Roster) -> Roster:
        """The roster with this placement added, penalties updated term by term.

        ``roster`` is the one the option was computed against, with the client
        unassigned or absent (a new intake); the status becomes ``feasible``.

        Raises:
            ValueError: the roster already places the client.
        """
        if roster.placement(self.client) is not None:
            raise ValueError(f"{self.client} is already placed in the roster")
        absent = all(u.id != self.client for u in roster.unassigned)
        placement = Placement(
            id=self.client,
            group=self.group,
            therapist=self.therapist,
            appointments=self.appointments,
            missed=self.missed,
        )
        base = roster
        groups = [
            g.model_copy(update={"clients": [*g.clients, self.client]}) if g.id == self.group else g
            for g in base.groups
        ]
        if self.opens_group:
            groups.append(
                RosterGroup(id=self.group, facilitator=self.facilitator, clients=[self.client])
            )
        amounts = base.penalties.as_dict()
        if absent:  # the roster did not count the new client as unassigned yet
            amounts["unassigned"] -= self.term_changes.get("unassigned", 0)
        for term, change in self.term_changes.items():
            amounts[term] += change
        penalties = base.penalties.model_copy(update=amounts)
        return base.model_copy(
            update={
                "status": "feasible",
                "groups": groups,
                "clients": [*base.clients, placement],
                "unassigned": [u for u in base.unassigned if u.id != self.client],
                "penalties": penalties,
                "objective": penalties.total(),
                "best_bound": None,
            }
        )


def recommend(instance: Instance, roster: Roster, client_id: str, k: int = 5) -> list[Option]:
    """The ``k`` best placements for one client, best (lowest objective change) first.

    The client may be new (absent from the roster), unassigned or placed; a
    placed client is first taken out. The roster must be a valid roster of
    ``instance`` apart from that client.

    Raises:
        InputError: the client is not in the instance, the roster is infeasible, or it
            names a group, therapist or client the instance lacks (another week's roster).
    """
    if not instance.has_client(client_id):
        raise InputError([Problem("", "client_id", f"unknown client {client_id!r}")])
    if roster.status in ("infeasible", "unknown"):
        raise InputError(
            [Problem("", "status", f"the roster is {roster.status}: it places no one")]
        )
    ensure_roster_matches(instance, roster)
    facts = derive_facts(instance, [client_id])
    context = _Context(facts, _without_client(roster, client_id))
    cf = facts.clients[client_id]
    if not cf.placeable:
        return []
    options = [
        option
        for group_id in cf.groups
        for facilitator in context.facilitator_for(cf, group_id)
        for therapist_id in cf.therapists
        if (option := context.option(cf, group_id, facilitator, therapist_id)) is not None
    ]
    options.sort(key=lambda o: (o.objective_change, o.group, o.therapist))
    return options[:k]


def why_no_option(instance: Instance, roster: Roster, client_id: str) -> list[str]:
    """Why :func:`recommend` finds no placement for the client, in plain words."""
    facts = derive_facts(instance, [client_id])
    base = _without_client(roster, client_id)
    context = RosterContext(facts, base)
    cf = facts.clients[client_id]
    if not cf.placeable:
        return list(cf.reasons)
    reasons = [why for g in cf.groups if (why := context.group_obstacle(cf, g)) is not None]
    reasons += [
        why for t in cf.therapists if (why := context.therapist_obstacle(cf, t)) is not None
    ]
    return reasons or [
        "the free seats and therapist hours left do not combine into a placement "
        "(the appointments would clash with the group's meetings or the client's busy hours)"
    ]


def _without_client(roster: Roster, client_id: str) -> Roster:
    """The roster with the client unassigned (a group left empty stops running)."""
    placed = roster.placement(client_id)
    if placed is None:
        return roster
    groups = []
    for g in roster.groups:
        members = [c for c in g.clients if c != client_id]
        if members:
            groups.append(g.model_copy(update={"clients": members}))
    return roster.model_copy(
        update={"clients": [p for p in roster.clients if p.id != client_id], "groups": groups}
    )


class _Context(RosterContext):
    """The fixed rest of the roster, and the options it leaves one client."""

    def facilitator_for(self, cf: ClientFacts, group_id: str) -> list[str]:
        """The group's facilitator: its current one, or one who could open it."""
        client = cf.client
        if group_id in self.facilitator:
            seat = self.group_obstacle(cf, group_id) is None
            return [self.facilitator[group_id]] if seat else []
        if self.instance.program.group_min_size > 1:
            return []  # a new group needs more than this one client
        if any(
            other in self.facilitator
            for a, b in self.facts.room_conflicts
            for other in ((b,) if a == group_id else (a,) if b == group_id else ())
        ):
            return []
        meetings = self.facts.meetings[group_id]
        for therapist_id in self.facts.facilitators[group_id]:
            therapist = self.instance.therapist(therapist_id)
            if (
                therapist_id not in client.avoid_therapists
                and self.groups_led[therapist_id] < therapist.max_groups
                and not any(
                    spans_overlap(m, b) for m in meetings for b in self.booked[therapist_id]
                )
            ):
                return [therapist_id]
        return []

    def option(
        self, cf: ClientFacts, group_id: str, facilitator: str, therapist_id: str
    ) -> Option | None:
        client = cf.client
        therapist = self.instance.therapist(therapist_id)
        load = self.caseload[therapist_id]
        if load >= therapist.max_caseload:
            return None
        opens = group_id not in self.facilitator
        taken = dict(self.booked)
        if opens:
            taken[facilitator] = [*taken.get(facilitator, []), *self.facts.meetings[group_id]]
        chosen = choose_appointments(self.facts, cf, group_id, therapist_id, taken)
        if chosen is None:
            return None
        group = self.instance.group(group_id)
        w = self.instance.program.weights
        changes = {"unassigned": -w.unassigned * client.priority}
        costs = []
        if client.shift_preference and group.shift != client.shift_preference:
            changes["shift_mismatch"] = w.shift_mismatch
            costs.append(f"prefers {client.shift_preference}, {group_id} is {group.shift}")
        if client.preferred_therapists and therapist_id not in client.preferred_therapists:
            changes["not_preferred_therapist"] = w.not_preferred_therapist
            costs.append(f"{therapist_id} is not a preferred therapist")
        if chosen.trip_days:
            changes["extra_trip"] = w.extra_trip * len(chosen.trip_days)
            costs.append("extra trip on " + ", ".join(DAYS[d] for d in chosen.trip_days))
        if chosen.missed:
            missing = sum(m.count for m in chosen.missed)
            changes["appointment_missed"] = w.appointment_missed * missing
            costs.append(
                "misses " + ", ".join(f"{m.count} {kind_noun(m.kind)}(s)" for m in chosen.missed)
            )
        spread = self._spread_change(therapist_id)
        if spread:
            changes["caseload_spread"] = w.caseload_spread * spread
            if w.caseload_spread:
                costs.append(f"caseload spread {spread:+d}")
        if load + 1 == therapist.max_caseload:
            costs.append(f"uses {therapist_id}'s last caseload place")
        if opens:
            changes["open_group"] = w.open_group
            costs.append(f"opens group {group_id}, facilitated by {facilitator}")
        changes = {t: c for t, c in changes.items() if c}
        return Option(
            client=client.id,
            group=group_id,
            facilitator=facilitator,
            therapist=therapist_id,
            appointments=chosen.appointments,
            objective_change=sum(changes.values()),
            term_changes=changes,
            costs=costs,
            opens_group=opens,
            missed=chosen.missed,
        )

    def _spread_change(self, therapist_id: str) -> int:
        counted = [t.id for t in self.instance.therapists if t.max_caseload > 0]
        if therapist_id not in counted:
            return 0
        before = [self.caseload[t] for t in counted]
        after = [self.caseload[t] + (t == therapist_id) for t in counted]
        return (max(after) - min(after)) - (max(before) - min(before))
