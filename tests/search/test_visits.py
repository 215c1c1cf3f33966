"""Wanted appointments in the placement relaxation (:mod:`solver.search.visits`): the group
clauses and the capacity cuts raise its bound to what no roster can avoid, and never above
a roster.

Each hand-made week has its optimum proved by the solver and checked by the checker; the
relaxation's bound must reach it (it did not before: the relaxation held every wanted visit
for which a start existed) and the target's rounds must too. The capacity check itself is
tested against every roster at hand: what a roster holds with a provider always fits.

The search side: completing a hand-built roster may fit a visit the greedy missed (first
come, first served), and a repair step built around a missed visit moves the visits in its
way.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from typing import Any

import pytest

from benchmarks.generate_v2 import generate_v2
from solver import Instance, Roster, SolveOptions, parse_instance
from solver.checker import check
from solver.instance import WEIGHT_KEYS
from solver.model import build_model
from solver.model.extract import roster_from_solution
from solver.options import Deadline
from solver.precompute import derive_facts
from solver.search import calendars, completion, lns, neighbourhoods
from solver.search import relaxed_bound as relaxed
from solver.search import target as target_module
from solver.search.greedy import Guide, greedy_roster
from solver.search.lns import Incumbent
from solver.search.neighbourhoods import Decisions
from solver.search.phases import Recorder
from solver.search.target import relaxed_target
from solver.search.visits import CHECK_SECONDS, HeldKey, most_held
from solver.solving import solve

Doc = dict[str, Any]

PSY = {"id": "psy", "minutes": 30, "provider": "specialist", "provider_specialties": ["rx"]}
FAM = {"id": "fam", "with_family": True}
INDIVIDUAL = {"id": "individual", "minutes": 60, "provider": "primary", "required": True}


def _iv(day: str, start: str, end: str) -> Doc:
    return {"day": day, "start": start, "end": end}


def _week(groups: list[Doc], therapists: list[Doc], clients: list[Doc], **keys: Any) -> Instance:
    """Open mon-tue 09:00-12:00 on a 30-minute grid, groups of 1-3, no weekly minimum, only
    ``unassigned``, ``appointment_missed`` and the weights given."""
    weights = dict.fromkeys(WEIGHT_KEYS, 0) | {"unassigned": 1000, "appointment_missed": 100}
    weights |= keys.pop("weights", {})
    program: Doc = {
        "group_min_size": 1,
        "group_max_size": 3,
        "slot_minutes": 30,
        "open_hours": [_iv(d, "09:00", "12:00") for d in ("mon", "tue")],
        "levels": [{"id": "iop", "min_weekly_hours": {"adult": 0, "adolescent": 0}}],
        "weights": weights,
        **keys,
    }
    return parse_instance(
        {
            "format_version": 2,
            "program": program,
            "groups": groups,
            "therapists": therapists,
            "clients": clients,
        }
    )


def _group(gid: str, *meetings: Doc, **keys: Any) -> Doc:
    doc = {"id": gid, "shift": "morning", "population": "adult", "tracks": ["a"]}
    return doc | {"meetings": list(meetings)} | keys


def _person(cid: str, **keys: Any) -> Doc:
    return {"id": cid, "population": "adult", "track": "a"} | keys


def _counsellor(tid: str) -> Doc:
    return {"id": tid, "availability": [_iv(d, "09:00", "12:00") for d in ("mon", "tue")]}


def _prescriber(tid: str, *hours: Doc) -> Doc:
    """A prescriber (specialty rx) with no caseload and no groups."""
    return {
        "id": tid,
        "availability": list(hours),
        "specialties": ["rx"],
        "max_caseload": 0,
        "max_groups": 0,
    }


def _prescriber_week() -> Instance:
    """T9 prescribes mon 10:00-12:00. C1 and C2 are free for a visit only at 10:00, C3 at
    11:00 or 11:30: the minutes (90 of 120) fit, the calendar holds two visits of three."""
    busy_late = [_iv("mon", "10:30", "12:00")]
    return _week(
        [_group("G1", _iv("tue", "09:00", "10:00"))],
        [_counsellor("T1"), _prescriber("T9", _iv("mon", "10:00", "12:00"))],
        [
            _person("C1", appointments={"psy": 1}, busy=busy_late),
            _person("C2", appointments={"psy": 1}, busy=busy_late),
            _person("C3", appointments={"psy": 1}, busy=[_iv("mon", "10:00", "11:00")]),
        ],
        appointment_kinds=[PSY],
    )


def _family_week() -> Instance:
    """C1's family is free only mon 09:00-10:00, when the morning group G1 meets; the
    afternoon group G2 (tue) leaves that hour free but costs a shift mismatch (10)."""
    return _week(
        [
            _group("G1", _iv("mon", "09:00", "10:00")),
            _group("G2", _iv("tue", "09:00", "10:00"), shift="afternoon"),
        ],
        [_counsellor("T1")],
        [
            _person(
                "C1",
                appointments={"fam": 1},
                shift_preference="morning",
                family_availability=[_iv("mon", "09:00", "10:00")],
            )
        ],
        appointment_kinds=[FAM],
        weights={"shift_mismatch": 10},
    )


def _shared_hour_week() -> Instance:
    """T1 is the only therapist. C1 is free for an individual session only mon 10:00-11:00,
    and C2's family only then: one of the two is missed, C2's family session (wanted). Each
    alone fits T1's calendar, so only a check of both together sees it."""
    busy = [
        _iv("mon", "09:00", "10:00"),
        _iv("mon", "11:00", "12:00"),
        _iv("tue", "10:00", "12:00"),
    ]
    return _week(
        [_group("G1", _iv("tue", "09:00", "10:00"))],
        [_counsellor("T1")],
        [
            _person("C1", appointments={"individual": 1}, busy=busy),
            _person(
                "C2",
                appointments={"individual": 1, "fam": 1},
                family_availability=[_iv("mon", "10:00", "11:00")],
            ),
        ],
        appointment_kinds=[INDIVIDUAL, FAM],
    )


def _optimum(instance: Instance) -> int:
    roster = solve(instance, SolveOptions(time_limit=10, workers=1, seed=0))
    assert roster.status == "optimal" and roster.objective is not None
    report = check(instance, roster)
    assert report.ok and report.objective == roster.objective, report.lines()
    return roster.objective


@pytest.mark.parametrize(
    ("week", "optimum"),
    [(_prescriber_week, 100), (_family_week, 10)],
    ids=["prescriber", "family"],
)
def test_the_bound_and_the_target_reach_what_no_roster_avoids(week: Any, optimum: int) -> None:
    instance = week()
    assert _optimum(instance) == optimum
    facts = derive_facts(instance, canonical=True)
    bound = relaxed.relaxed_bound(facts, seconds=10, workers=1, seed=0, deadline=Deadline())
    assert bound == optimum
    target = relaxed_target(facts, seconds=10, workers=1, seed=0, deadline=Deadline())
    assert target is not None and target.bound == optimum == target.objective


def test_the_targets_calendar_cuts_see_a_wanted_and_a_required_appointment_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The shared hour: the target's rounds reach the optimum; without the calendar cuts
    (the wanted appointments' minutes and the required ones' calendar checked apart, as
    before) its bound stays at 0."""
    instance = _shared_hour_week()
    assert _optimum(instance) == 100
    facts = derive_facts(instance, canonical=True)
    found = relaxed_target(facts, seconds=10, workers=1, seed=0, deadline=Deadline())
    assert found is not None and found.bound == 100 == found.objective and found.fits
    assert ("C2", "fam") not in found.held
    monkeypatch.setattr(target_module, "calendar_cuts", _required_only)
    found = relaxed_target(facts, seconds=10, workers=1, seed=0, deadline=Deadline())
    assert found is not None and found.bound == 0 and found.held == {("C2", "fam"): "T1"}


def _required_only(facts: Any, relaxation: Any, placements: Any, value: Any, deadline: Any) -> Any:
    """The calendar cuts of the required appointments alone (the check before this one)."""
    return calendars.calendar_cuts(facts, relaxation, placements, lambda lit: False, deadline)


def test_without_the_cuts_the_prescribers_minutes_hide_the_missed_visit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(relaxed, "capacity_cuts", lambda *args: 0)
    facts = derive_facts(_prescriber_week(), canonical=True)
    assert relaxed.relaxed_bound(facts, seconds=10, workers=1, seed=0, deadline=Deadline()) == 0


def test_most_held_counts_what_fits() -> None:
    facts = derive_facts(_prescriber_week())
    keys: list[HeldKey] = [(c, "psy", "T9") for c in ("C1", "C2", "C3")]
    assert most_held(facts, "T9", keys, CHECK_SECONDS) == 2
    assert most_held(facts, "T9", keys[1:], CHECK_SECONDS) == 2


def _held(roster: Roster) -> dict[str, list[HeldKey]]:
    """Provider -> one (client, kind, provider) per appointment the roster holds of a
    wanted kind."""
    out: dict[str, list[HeldKey]] = defaultdict(list)
    for placed in roster.clients:
        for appointment in placed.appointments:
            out[appointment.provider].append((placed.id, appointment.kind, appointment.provider))
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_what_a_roster_holds_with_a_provider_always_fits(seed: int) -> None:
    instance = parse_instance(generate_v2("s", "normal", seed))
    roster = solve(instance, SolveOptions(time_limit=10, workers=2, seed=0))
    assert check(instance, roster).ok
    facts = derive_facts(instance)  # every start: a roster may use any
    wanted = {k.id for k in instance.program.appointment_kinds if not k.required}
    checked = 0
    for provider, held in _held(roster).items():
        held = [key for key in held if key[1] in wanted]
        if held:
            keys = sorted(set(held))
            assert most_held(facts, provider, keys, CHECK_SECONDS) >= len(held)
            checked += 1
    assert checked


def _first_come_week() -> Instance:
    """T9 prescribes mon 10:00-11:00 (two 30-minute visits). C1 is free all morning, C2 only
    at 10:00: booking C1 first at the earliest start leaves C2 without a visit."""
    return _week(
        [_group("G1", _iv("tue", "09:00", "10:00"))],
        [_counsellor("T1"), _prescriber("T9", _iv("mon", "10:00", "11:00"))],
        [
            _person("C1", appointments={"psy": 1}),
            _person("C2", appointments={"psy": 1}, busy=[_iv("mon", "10:30", "12:00")]),
        ],
        appointment_kinds=[PSY],
    )


@pytest.mark.parametrize("unheld", [True, False], ids=["providers-free", "providers-fixed"])
def test_completing_a_roster_fits_the_visit_it_missed(
    monkeypatch: pytest.MonkeyPatch, unheld: bool
) -> None:
    instance = _first_come_week()
    warm = greedy_roster(instance)
    assert [p.id for p in warm.clients if not p.of_kind("psy")] == ["C2"]  # first come
    if not unheld:
        monkeypatch.setattr(completion, "unheld_providers", lambda *args: set())
    built = build_model(derive_facts(instance, canonical=True))
    incumbent = Incumbent()
    assert completion.complete(built, warm, incumbent, Deadline())
    best = incumbent.best()
    assert best is not None and best.solver is not None
    assert best.objective == (0 if unheld else 100)  # C2's visit held, or missed (100)
    roster = roster_from_solution(built, best.solver, "feasible", 0.0)
    report = check(instance, roster)
    assert report.ok and report.objective == best.objective, report.lines()


def test_a_step_around_a_missed_visit_moves_the_visits_in_its_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # From the roster completed with C2's providers held (C2's visit missed), a neighbourhood
    # built around the missed visit frees C2 and T9's calendar, and its step fits the visit.
    instance = _first_come_week()
    built = build_model(derive_facts(instance, canonical=True))
    monkeypatch.setattr(completion, "unheld_providers", lambda *args: set())
    incumbent = Incumbent()
    assert completion.complete(built, greedy_roster(instance), incumbent, Deadline())
    best = incumbent.best()
    assert best is not None and best.objective == 100
    decisions = Decisions(built)
    shape = decisions.shape(best.values)
    assert shape.missed == [neighbourhoods.Missed("C2", "psy", ("T9",))]
    monkeypatch.setattr(neighbourhoods, "MISSED_SHARE", 1.0)
    free = neighbourhoods.choose(decisions, shape, 10, random.Random(0))
    assert free.name == "missed" and "C2" in free.clients and "T9" in free.providers
    fixings = decisions.fixings(best.values, shape, free)
    solver, _ = lns._step(built, fixings, best, 10.0, random.Random(0), Deadline(), [])
    assert solver is not None and round(solver.objective_value) == 0
    assert solver.parameters.cp_model_probing_level == 0  # a step's presolve probes nothing
    report = check(instance, roster_from_solution(built, solver, "feasible", 0.0))
    assert report.ok and report.objective == 0, report.lines()


def test_a_missed_appointment_the_target_holds_comes_first_with_the_targets_provider() -> None:
    """Of two missed appointments, the one the target holds seeds every neighbourhood built
    around a missed one, and the provider the target gives it is among those freed (C1 now
    sees T1; T3, whom the target chose, is one of three who could hold it)."""
    missed = [
        neighbourhoods.Missed("C1", "fam", ("T1", "T2", "T3", "T4", "T5")),
        neighbourhoods.Missed("C2", "psy", ("T9",)),
    ]
    shape = neighbourhoods.Shape(missed=missed)
    shape.providers_of["C1"] = {"T1"}
    shape.providers_of["C2"] = {"T9"}
    held = {("C1", "fam"): "T3"}
    for seed in range(20):
        clients, providers = neighbourhoods._around_missed(shape, 4, random.Random(seed), held)
        assert "C1" in clients and {"T1", "T3"} <= providers and "T9" not in providers
    seeds = {
        frozenset(neighbourhoods._around_missed(shape, 4, random.Random(seed), {})[1])
        for seed in range(20)
    }
    assert frozenset({"T9"}) in seeds  # without a target either may come first


def _two_prescribers_week() -> Instance:
    """T8 prescribes mon 10:00-10:30, T9 tue 10:00-10:30: one visit each. C1 is free for
    either; C2 only for T8's (busy all tuesday morning after the group)."""
    return _week(
        [_group("G1", _iv("mon", "09:00", "10:00"))],
        [
            _counsellor("T1"),
            _prescriber("T8", _iv("mon", "10:00", "10:30")),
            _prescriber("T9", _iv("tue", "10:00", "10:30")),
        ],
        [
            _person("C1", appointments={"psy": 1}),
            _person("C2", appointments={"psy": 1}, busy=[_iv("tue", "09:00", "12:00")]),
        ],
        appointment_kinds=[PSY],
    )


def _visits(instance: Instance, roster: Roster) -> dict[str, str]:
    """Client -> the provider of their visit (a checked roster)."""
    assert check(instance, roster).ok
    return {p.id: a.provider for p in roster.clients for a in p.appointments}


@pytest.mark.parametrize(
    "held",
    [{("C1", "psy"): "T9", ("C2", "psy"): "T8"}, {("C2", "psy"): "T8"}],
    ids=["both-held", "one-held"],
)
def test_the_guided_greedy_books_visits_where_the_target_holds_them(
    held: dict[tuple[str, str], str],
) -> None:
    """First come, first served, C1 takes T8's only visit and C2's is missed. Guided, a visit
    goes to the provider the target holds it with first, and a visit the target does not
    hold is booked last: both fit."""
    instance = _two_prescribers_week()
    assert _visits(instance, greedy_roster(instance)) == {"C1": "T8"}
    places = ({"C1": "G1", "C2": "G1"}, {"C1": "T1", "C2": "T1"}, {"G1": "T1"})
    guided = greedy_roster(instance, guide=Guide(*places, held=held))
    assert _visits(instance, guided) == {"C1": "T9", "C2": "T8"}
    assert guided.objective == 0


def test_polishing_a_roster_moves_its_visits_and_keeps_its_placements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The greedy roster of the two prescribers' week, completed with its providers held,
    misses C2's visit (C1 holds T8's only one). Polished, C1's visit moves to T9 and C2's
    fits; every group and therapist stays as it was."""
    instance = _two_prescribers_week()
    built = build_model(derive_facts(instance, canonical=True))
    monkeypatch.setattr(completion, "unheld_providers", lambda *args: set())
    incumbent = Incumbent()
    warm = greedy_roster(instance)
    assert completion.complete(built, warm, incumbent, Deadline())
    before = incumbent.best()
    assert before is not None and before.objective == 100
    recorder = Recorder(time.perf_counter(), None)
    assert completion.polish(built, incumbent, recorder, Deadline(), workers=1)
    after = incumbent.best()
    assert after is not None and after.objective == 0 and after.solver is not None
    roster = roster_from_solution(built, after.solver, "feasible", 0.0)
    assert _visits(instance, roster) == {"C1": "T9", "C2": "T8"}
    places = {p.id: (p.group, p.therapist) for p in warm.clients}
    assert {p.id: (p.group, p.therapist) for p in roster.clients} == places
    # Nothing better is left: a second polish offers nothing.
    assert not completion.polish(built, incumbent, recorder, Deadline(), workers=1)


def test_the_polish_stops_once_it_finds_nothing_better(monkeypatch: pytest.MonkeyPatch) -> None:
    """The polish gives its time back to the repair steps once it has found no roster for
    :data:`~solver.search.completion.POLISH_STALL_SECONDS`, and not before."""

    class Solver:
        stops = 0

        def stop_search(self) -> None:
            self.stops += 1

    monkeypatch.setattr(completion, "POLISH_STALL_SECONDS", 1.0)
    solver = Solver()
    with completion._stopped_when_stalled(solver) as callback:  # type: ignore[arg-type]
        time.sleep(0.3)
        assert solver.stops == 0
        callback.last = time.perf_counter()  # a roster found: the clock starts again
        time.sleep(0.5)
        assert solver.stops == 0
        end = time.perf_counter() + 5.0
        while not solver.stops and time.perf_counter() < end:
            time.sleep(0.05)
    assert solver.stops >= 1


def _long_visits_week(start: str, end: str) -> Instance:
    """Three clients free all week, each wanting a 60-minute visit with T9, who prescribes
    mon from ``start`` to ``end``."""
    return _week(
        [_group("G1", _iv("tue", "09:00", "10:00"))],
        [_counsellor("T1"), _prescriber("T9", _iv("mon", start, end))],
        [_person(f"C{i}", appointments={"psy": 1}) for i in (1, 2, 3)],
        appointment_kinds=[PSY | {"minutes": 60}],
    )


@pytest.mark.parametrize(
    ("start", "end", "held", "cuts"), [("10:00", "11:30", 1, 1), ("09:00", "12:00", 3, 0)]
)
def test_kind_cuts_hold_a_kind_to_the_most_the_relaxation_can_hold(
    start: str, end: str, held: int, cuts: int
) -> None:
    """90 minutes hold one 60-minute visit, not the 1.5 the minutes allow: the cut says at most
    one, as many as the optimum holds. Three hours hold all three: no cut."""
    instance = _long_visits_week(start, end)
    assert _optimum(instance) == 100 * (3 - held)
    facts = derive_facts(instance, canonical=True)
    relaxation = relaxed.build_relaxation(facts, Deadline())
    assert target_module.kind_cuts(relaxation, Deadline(), 1, 0) == cuts
    if cuts:
        constraints = relaxation.model.proto.constraints
        cut = constraints[len(constraints) - 1].linear
        lits = [lit.index for lits in relaxation.held.values() for lit in lits]
        assert sorted(cut.vars) == sorted(lits) and cut.domain[len(cut.domain) - 1] == held
