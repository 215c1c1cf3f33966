"""Does a therapist's calendar hold what the placement relaxation gives them? Cuts when not.

The relaxation of :mod:`solver.search.relaxed_bound` decides who sees whom (primary
therapists, specialist providers, wanted appointments held) and only counts minutes. For
one therapist, :func:`calendar_cuts` checks whether the appointments a solution of it gives
them fit their calendar: the required appointments of the primary kinds of the clients it
gives them, and the wanted appointments it holds with them (family sessions with the
primary therapist, visits to a specialist). Each appointment lies at one of the client's
feasible starts with the therapist, clear of the client's group meetings (unless the group
is a pull-out one) and of the meetings the therapist leads, on different days for one
client and kind, and none overlaps another. A therapist whose appointments do not fit
gives a *cut*: a smallest set of them found by deletion, with the groups whose meetings took
starts away, may not all be chosen again.

A therapist who holds only wanted visits (a prescriber) is left to the capacity cuts of
:mod:`solver.search.visits`, which count what such a calendar holds far sooner: checked here,
the prescriber of v2-m-evening-1 (31 visits) took 0.5 s a check and 8.4 s a round.

The check leaves out other rules (a client's appointments with other providers, their
busy hours beyond the feasible starts), so it only says "does not fit" when no roster
could: every cut is valid, and the relaxation's bound stays a lower bound for every roster.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

from solver.instance import MINUTES_PER_DAY
from solver.options import Deadline
from solver.precompute import Facts, Span, spans_overlap
from solver.search.relaxed_bound import Relaxation

__all__ = ["CHECK_SECONDS", "Placements", "calendar_cuts"]

Placements = tuple[dict[str, str], dict[str, str], dict[str, str]]
"""Where a solution of the relaxation places clients: client -> group, client -> primary
therapist, group -> facilitator."""

CHECK_SECONDS = 0.5
"""The most one calendar check may take (an unfinished check counts as fitting)."""


@dataclass(frozen=True)
class _Item:
    """Appointments of one client and kind that a solution gives one therapist."""

    client: str
    kind: str
    count: int
    literal: cp_model.IntVar  # holds when the solution gives them (a cut negates it)


def calendar_cuts(
    facts: Facts,
    relaxation: Relaxation,
    placements: Placements,
    value: Callable[[cp_model.IntVar], bool],
    deadline: Deadline,
) -> list[list[cp_model.IntVar]]:
    """For each therapist whose calendar cannot hold what the solution (``placements``: client
    -> group, client -> primary therapist, group -> facilitator; ``value``: its literals'
    values) gives them, the literals of a smallest set of those appointments, of the groups
    whose meetings took starts away, and of the groups the therapist leads that did."""
    group_of, therapist_of, facilitator_of = placements
    items_of: dict[str, list[_Item]] = defaultdict(list)
    required: set[str] = set()
    for client_id, therapist_id in therapist_of.items():
        for kf in facts.clients[client_id].kinds.values():
            if kf.primary and kf.required and therapist_id in kf.starts:
                literal = relaxation.primary[client_id, therapist_id]
                items_of[therapist_id].append(_Item(client_id, kf.kind.id, kf.count, literal))
                required.add(therapist_id)
    for (client_id, kind, therapist_id), literals in relaxation.held.items():
        if therapist_id not in required:
            continue  # wanted visits alone: the capacity cuts' business (quicker there)
        held = [lit for lit in literals if value(lit)]
        if held and client_id in group_of:
            items_of[therapist_id].append(_Item(client_id, kind, len(held), held[-1]))
    led: dict[str, list[str]] = defaultdict(list)
    for group_id, therapist_id in facilitator_of.items():
        led[therapist_id].append(group_id)
    out: list[list[cp_model.IntVar]] = []
    for therapist_id, items in items_of.items():
        if deadline.expired():
            break
        check = _Calendar(facts, therapist_id, led.get(therapist_id, []), group_of)
        if check.fits(items):
            continue
        core = list(items)
        for item in list(core):
            rest = [i for i in core if i is not item]
            if not check.fits(rest):
                core = rest
        literals = [item.literal for item in core]
        blocked = {item.client for item in core if check.blocked_by_group(item)}
        literals += [relaxation.assign[c, group_of[c]] for c in sorted(blocked)]
        literals += [relaxation.leads[therapist_id, g] for g in sorted(check.leading_used)]
        out.append(literals)
    return out


class _Calendar:
    """One therapist's calendar: does it hold a set of appointments, each client in their
    group's company?"""

    def __init__(
        self, facts: Facts, therapist_id: str, led: list[str], group_of: dict[str, str]
    ) -> None:
        self.facts = facts
        self.therapist_id = therapist_id
        self.led = [(g, facts.meetings[g]) for g in led]
        self.group_of = group_of
        self.leading_used: set[str] = set()  # led groups whose meetings took a start away
        self._by_group: set[tuple[str, str]] = set()  # (client, kind): their group took one
        self._known: dict[tuple[str, str], list[int]] = {}

    def blocked_by_group(self, item: _Item) -> bool:
        """Whether the client's group's meetings took a start of the item away."""
        return (item.client, item.kind) in self._by_group

    def _starts(self, item: _Item) -> list[int]:
        """The item's starts with the therapist, worked out once (the deletion in
        :func:`calendar_cuts` asks again and again)."""
        key = (item.client, item.kind)
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._work_out(item)
        return known

    def _work_out(self, item: _Item) -> list[int]:
        kf = self.facts.clients[item.client].kinds[item.kind]
        group = self.facts.instance.group(self.group_of[item.client])
        own = [] if group.pull_out else self.facts.meetings[group.id]
        kept = []
        for start in kf.starts.get(self.therapist_id, []):
            span = (start, start + kf.minutes)
            if _hits(span, own):
                self._by_group.add((item.client, item.kind))
                continue
            hit = [g for g, meetings in self.led if _hits(span, meetings)]
            if hit:
                self.leading_used.update(hit)
                continue
            kept.append(start)
        return kept

    def fits(self, items: list[_Item]) -> bool:
        """Whether the therapist's calendar holds every appointment of ``items``."""
        model = cp_model.CpModel()
        intervals = [
            model.new_fixed_size_interval_var(lo, hi - lo, "led")
            for _, meetings in self.led
            for lo, hi in meetings
        ]
        for item in items:
            starts = self._starts(item)
            minutes = self.facts.clients[item.client].kinds[item.kind].minutes
            if len({s // MINUTES_PER_DAY for s in starts}) < item.count:
                return False
            days = []
            for _ in range(item.count):
                start = model.new_int_var_from_domain(Domain.from_values(starts), "start")
                intervals.append(model.new_fixed_size_interval_var(start, minutes, "appt"))
                if item.count > 1:
                    day = model.new_int_var(0, 6, "day")
                    model.add_division_equality(day, start, MINUTES_PER_DAY)
                    days.append(day)
            if days:
                model.add_all_different(days)
        model.add_no_overlap(intervals)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = CHECK_SECONDS
        solver.parameters.catch_sigint_signal = False
        return solver.solve(model) != cp_model.INFEASIBLE


def _hits(span: Span, spans: list[Span]) -> bool:
    return any(spans_overlap(span, other) for other in spans)
