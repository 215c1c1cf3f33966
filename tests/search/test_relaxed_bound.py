"""The relaxed bound of large weeks (issue 15): never above any roster, often above the
static bound, and on time.

Validity is tested two ways: the bound against proved optima (weeks of both generators
and the sample program), and every roster at hand (the solver's, the greedy one) fixed
into the relaxation, which must then be feasible with an objective no larger than the
roster's (the relaxation's defining property, tested without canonical starts, since a
roster may use any start).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from helpers_solve import client, group, hours, iv, make, therapist, weights
from ortools.sat.python import cp_model

from benchmarks.generate import generate
from benchmarks.generate_v2 import generate_v2
from solver import Instance, Roster, SolveOptions, load_instance, parse_instance
from solver.checker import check
from solver.options import Deadline
from solver.precompute import Facts, derive_facts
from solver.search import relaxed_bound as relaxed
from solver.search.greedy import greedy_roster
from solver.search.large import static_bound
from solver.search.phases import stopped_on_request
from solver.solving import solve

INSTANCES = Path(__file__).resolve().parents[2] / "instances"

WEEKS = (
    "tiny",
    "program",
    "s-normal-1",
    "s-overload-2",
    "s-evening-2",
    "v2-s-overload-2",
    "v2-s-overload-3",
    "v2-s-evening-2",
)
"""Weeks that two workers prove optimal in a few seconds: the sample files, then
``benchmarks.generate`` (v1) and ``benchmarks.generate_v2`` weeks (family and psychiatry
kinds, pull-out PHP groups)."""


@functools.cache
def _week(name: str) -> Instance:
    if name in ("tiny", "program"):
        return load_instance(INSTANCES / f"{name}.json")
    v2 = name.startswith("v2-")
    tier, scenario, seed = name.removeprefix("v2-").split("-")
    return parse_instance((generate_v2 if v2 else generate)(tier, scenario, int(seed)))


@functools.cache
def _optimal(name: str) -> Roster:
    instance = _week(name)
    roster = solve(instance, SolveOptions(time_limit=30, workers=2, seed=0))
    assert roster.status == "optimal", (name, roster.status)
    report = check(instance, roster)
    assert report.ok and report.objective == roster.objective, report.lines()
    return roster


def _bound(facts: Facts, seconds: float = 10) -> int:
    return relaxed.relaxed_bound(facts, seconds=seconds, workers=1, seed=0, deadline=Deadline())


@pytest.mark.parametrize("name", WEEKS)
def test_the_bound_lies_between_the_static_bound_and_the_optimum(name: str) -> None:
    instance = _week(name)
    facts = derive_facts(instance, canonical=True)  # as the solver derives them
    roster = _optimal(name)
    assert roster.objective is not None
    bound = _bound(facts)
    assert static_bound(facts) <= bound <= roster.objective


def _objective_with(facts: Facts, roster: Roster) -> int:
    """The relaxation's best objective with the roster's placements, groups and
    facilitators fixed (appointments left free); fails when they are not a solution."""
    relaxation = relaxed._build(facts, Deadline())
    model = relaxation.model
    placements = {p.id: p for p in roster.clients}
    facilitator = {g.id: g.facilitator for g in roster.groups}
    for p in roster.clients:
        assert (p.id, p.group) in relaxation.assign, f"{p.id} in {p.group} is left out"
        assert (p.id, p.therapist) in relaxation.primary, f"{p.id} with {p.therapist}"
    for group_id, t in facilitator.items():
        assert (t, group_id) in relaxation.leads, f"{t} leading {group_id} is left out"
    for client_id, lit in relaxation.placed.items():
        model.add(lit == int(client_id in placements))
    for (client_id, group_id), x in relaxation.assign.items():
        placed = placements.get(client_id)
        model.add(x == int(placed is not None and placed.group == group_id))
    for (client_id, t), y in relaxation.primary.items():
        placed = placements.get(client_id)
        model.add(y == int(placed is not None and placed.therapist == t))
    for group_id, runs in relaxation.runs.items():
        model.add(runs == int(group_id in facilitator))
    for (t, group_id), f in relaxation.leads.items():
        model.add(f == int(facilitator.get(group_id) == t))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    assert solver.solve(model) == cp_model.OPTIMAL, "the roster is no solution of the relaxation"
    return round(solver.objective_value)


@pytest.mark.parametrize("name", WEEKS)
def test_every_roster_is_a_solution_of_the_relaxation_costing_no_more(name: str) -> None:
    instance = _week(name)
    facts = derive_facts(instance)  # every start: any valid roster may use any
    for roster in (_optimal(name), greedy_roster(instance)):
        if roster.objective is None:  # a greedy roster that cannot honour the pins
            continue
        assert check(instance, roster).ok
        assert _objective_with(facts, roster) <= roster.objective


def test_an_overload_week_gets_a_bound_the_static_one_misses() -> None:
    facts = derive_facts(_week("s-overload-2"), canonical=True)
    assert static_bound(facts) == 0
    # 13 clients must stay out for want of places; proved optimal at 13,023.
    assert _bound(facts) >= 13_000


def _therapist_time_week() -> Instance:
    """One therapist, free mon-wed 09:00-12:00 (540 min), leading the only group (mon-wed
    09:00-10:00, 180 min): 6 hours are left for eight 60-minute sessions."""
    return make(
        [group("G", *hours("09:00", "10:00"), max_size=8)],
        [therapist("T1")],
        [client(f"C{i}") for i in range(8)],
        group_max_size=8,
    )


def test_a_therapists_hours_bound_their_sessions() -> None:
    instance = _therapist_time_week()
    facts = derive_facts(instance, canonical=True)
    assert static_bound(facts) == 0
    # Caseloads (12) and seats (8) would place all eight: the minutes place six.
    assert _bound(facts) == 2000 == _optimal_of(instance)


def _trip_week() -> Instance:
    """Open mon-tue 09:00-12:00; a client asking two sessions on different days, who
    prefers the afternoon group A (tue 09:00-12:00, which leaves only monday free for
    sessions) to the morning group M (mon 09:00-10:00): only M can take them, with a trip
    on tuesday."""
    days = ("mon", "tue")
    return make(
        [
            group("M", iv("mon", "09:00", "10:00")),
            group("A", iv("tue", "09:00", "12:00"), shift="afternoon"),
        ],
        [therapist("T1", *hours("09:00", "12:00", days))],
        [client("C1", individual_sessions=2, shift_preference="afternoon")],
        open_hours=hours("09:00", "12:00", days),
        weights=weights(unassigned=1000, shift_mismatch=10, extra_trip=2),
    )


def test_a_group_without_room_for_the_sessions_is_out_and_trips_count() -> None:
    instance = _trip_week()
    facts = derive_facts(instance, canonical=True)
    assert facts.clients["C1"].groups == ["M", "A"]  # precomputation keeps both
    assert _bound(facts) == 12 == _optimal_of(instance)


def _optimal_of(instance: Instance) -> int:
    roster = solve(instance, SolveOptions(time_limit=10, workers=1, seed=0))
    assert roster.status == "optimal" and roster.objective is not None
    assert check(instance, roster).ok
    return roster.objective


def _m_week() -> Facts:
    return derive_facts(parse_instance(generate("m", "overload", 1)), canonical=True)


def test_the_bound_keeps_its_time_limit() -> None:
    facts = _m_week()
    start = time.perf_counter()
    bound = relaxed.relaxed_bound(facts, seconds=0.5, workers=1, seed=0, deadline=Deadline())
    assert time.perf_counter() - start < 1.5
    assert bound >= static_bound(facts)


def test_a_passed_deadline_or_a_stop_gives_the_static_bound_at_once() -> None:
    facts = _m_week()
    stop = threading.Event()
    stop.set()
    for deadline in (Deadline(time.perf_counter() - 1), Deadline(stop=stop)):
        start = time.perf_counter()
        bound = relaxed.relaxed_bound(facts, seconds=30, workers=1, seed=0, deadline=deadline)
        assert time.perf_counter() - start < 0.5
        assert bound == static_bound(facts)
    # With time, the same week's bound is far above: the static one was no accident.
    assert _bound(facts, seconds=20) > static_bound(facts) + 10_000


def test_a_stop_during_the_search_ends_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # A week whose relaxation takes CP-SAT a few seconds; the stop comes as it starts.
    facts = derive_facts(parse_instance(generate_v2("m", "evening", 1)), canonical=True)
    stop = threading.Event()

    @contextmanager
    def stopped_at_once(solver: Any, deadline: Deadline) -> Iterator[None]:
        with stopped_on_request(solver, deadline):
            stop.set()
            yield

    monkeypatch.setattr(relaxed, "stopped_on_request", stopped_at_once)
    start = time.perf_counter()
    bound = relaxed.relaxed_bound(
        facts, seconds=60, workers=1, seed=0, deadline=Deadline(stop=stop)
    )
    assert time.perf_counter() - start < 1.0
    assert bound >= static_bound(facts)
