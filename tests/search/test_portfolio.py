"""The search's stages: the hand-built roster as a whole vector, repair steps, the best of them.

Every roster a repair step keeps is one of the week's (the checker says so), keeps the
clients outside its neighbourhood where they were, and is better than the one it started
from; a status is ``optimal`` only when the roster reaches a proved bound.
"""

from __future__ import annotations

import dataclasses
import random
import time
from types import SimpleNamespace

import pytest
from helpers_solve import moderate_week

from benchmarks.generate import generate
from solver.checker import check
from solver.instance import Instance, parse_instance
from solver.model import RosterModel, build_model
from solver.model.extract import roster_from_solution
from solver.options import Deadline, SolveOptions
from solver.precompute import derive_facts
from solver.roster import Roster, Unassigned
from solver.search import completion, lns, neighbourhoods, portfolio, target
from solver.search.greedy import Guide, greedy_roster
from solver.search.neighbourhoods import Decisions, Shape, choose
from solver.search.phases import Recorder


def _built(instance: Instance) -> tuple[RosterModel, Roster]:
    built = build_model(derive_facts(instance, canonical=True))
    return built, greedy_roster(instance)


def _started(instance: Instance) -> tuple[RosterModel, lns._Best, Decisions, Shape]:
    """The built model, the hand-built roster completed, and who is where in it."""
    built, warm = _built(instance)
    incumbent = lns.Incumbent()
    completion.complete(built, warm, incumbent, Deadline())
    best = incumbent.best()
    assert best is not None
    decisions = Decisions(built)
    return built, best, decisions, decisions.shape(best.values)


def _roster(built: RosterModel, solver: object) -> Roster:
    """The solver's roster, with everyone it leaves out listed (reasons are not the point)."""
    roster = roster_from_solution(built, solver, "feasible", 0.0)  # type: ignore[arg-type]
    placed = {p.id for p in roster.clients}
    out = [
        Unassigned(id=c.id, reasons=["left out"])
        for c in built.facts.instance.clients
        if c.id not in placed
    ]
    return roster.model_copy(update={"unassigned": out})


def test_the_hand_built_roster_completes_on_a_model_already_hinted() -> None:
    # The solve hints the model with the greedy roster before the search; completing that
    # roster on a copy must not add a second hint for the same variables (MODEL_INVALID).
    instance = parse_instance(generate("s", "normal", 1))
    built, warm = _built(instance)
    built.variables.hint(warm)
    incumbent = lns.Incumbent()
    completion.complete(built, warm, incumbent, Deadline())
    best = incumbent.best()
    assert best is not None and best.solver is not None
    assert warm.objective is not None and best.objective <= warm.objective
    roster = _roster(built, best.solver)
    assert {(p.id, p.group, p.therapist) for p in roster.clients} == {
        (p.id, p.group, p.therapist) for p in warm.clients
    }
    assert check(instance, roster).ok


def test_repair_steps_keep_rosters_valid_and_improve_them() -> None:
    instance = parse_instance(generate("s", "overload", 2))
    built, warm = _built(instance)
    incumbent = lns.Incumbent()
    completion.complete(built, warm, incumbent, Deadline())
    first = incumbent.best()
    assert first is not None
    steps: list[lns.Step] = []
    recorder = Recorder(0.0, None)
    lns.repair(built, incumbent, recorder, Deadline(_seconds_from_now(6)), 0, steps.append)
    assert steps
    best = _checked_best(instance, built, incumbent, steps)
    assert best.objective < first.objective  # the greedy is beaten


def _checked_best(
    instance: Instance, built: RosterModel, incumbent: lns.Incumbent, steps: list[lns.Step]
) -> lns._Best:
    """The best roster after repair steps, each of which improved on its start; the checker
    finds it valid, with the objective the search gave it."""
    for step in steps:
        assert step.after is None or step.after < step.before
    best = incumbent.best()
    assert best is not None
    if best.solver is not None:
        roster = _roster(built, best.solver)
        report = check(instance, roster)
        assert report.ok, report.lines()
        assert roster.objective == report.objective == best.objective
    return best


def test_a_step_holds_every_client_outside_its_neighbourhood() -> None:
    instance = moderate_week(40)
    built, best, decisions, shape = _started(instance)
    free = choose(decisions, shape, 6, random.Random(1))
    fixings = dict(decisions.fixings(best.values, shape, free))
    v = built.variables
    for client_id in decisions.clients:
        placed = v.placed(client_id)
        assert placed is not None
        if client_id in free.clients:
            assert placed.index not in fixings
            for therapist_id, y in v.therapists_of(client_id):
                if therapist_id not in free.providers:
                    assert fixings[y.index] == 0  # only the neighbourhood's providers
        else:
            assert fixings[placed.index] == best.values[placed.index]
            for _, x in v.groups_of(client_id):
                assert fixings[x.index] == best.values[x.index]


def test_a_neighbourhood_around_a_client_left_out_includes_them() -> None:
    instance = parse_instance(generate("s", "overload", 1))
    built, best, decisions, shape = _started(instance)
    left_out = {c for c in shape.unplaced if built.facts.clients[c].placeable}
    assert left_out, "the overload week leaves someone placeable out of the greedy roster"
    rng = random.Random(0)
    kinds = set()
    for _ in range(30):
        free = choose(decisions, shape, 10, rng)
        kinds.add(free.name)
        if free.name in ("unplaced", "open"):
            assert free.clients & left_out
            # Every free client's current providers may change their calendars.
            for client_id in free.clients:
                assert shape.providers_of.get(client_id, set()) <= free.providers
    assert "unplaced" in kinds


def test_the_incumbent_is_proved_only_at_the_bound() -> None:
    incumbent = lns.Incumbent()
    assert not incumbent.proved()
    assert incumbent.offer(120, [0], None)
    assert not incumbent.offer(120, [1], None)  # not better: kept the first
    incumbent.raise_bound(118.5)
    assert not incumbent.proved()
    incumbent.raise_bound(100.0)  # a lower bound never goes down
    assert incumbent.bound == 118.5
    incumbent.raise_bound(119.2)
    assert incumbent.proved()  # objectives are integers: no roster below 120


def _seconds_from_now(seconds: float) -> float:
    return time.perf_counter() + seconds


def test_a_group_opens_for_fewer_clients_left_out_than_its_minimum() -> None:
    # One client left out cannot run a group alone: the neighbourhood brings clients of other
    # groups who could join it, so that a step may open it.
    instance = parse_instance(generate("s", "normal", 2))
    built, best, decisions, shape = _started(instance)
    minimum = instance.program.group_min_size
    tried = 0
    for client_id in shape.unplaced:
        shut = [g for g in built.facts.clients[client_id].groups if g not in shape.members]
        if not shut:
            continue
        alone = dataclasses.replace(shape, unplaced=[client_id])
        opened = neighbourhoods._open_group(
            decisions, alone, [client_id], random.Random(0), frozenset()
        )
        assert opened is not None
        group_id, clients, providers = opened
        assert client_id in clients and group_id in shut
        movers = clients - {client_id}
        placed_eligible = [c for c in decisions.eligible(group_id) if c in shape.group_of]
        assert len(movers) == min(minimum, len(placed_eligible))
        assert all(shape.group_of[m] != group_id for m in movers)
        assert all(group_id in built.facts.clients[m].groups for m in movers)
        assert set(built.facts.facilitators[group_id]) <= providers
        tried += bool(movers)
    assert tried, "some group that does not run could take clients of running groups"


def test_steps_towards_the_target_keep_rosters_valid() -> None:
    instance = parse_instance(generate("s", "overload", 2))
    built, warm = _built(instance)
    found = target.relaxed_target(built.facts, seconds=5, workers=1, seed=0, deadline=Deadline())
    assert found is not None
    incumbent = lns.Incumbent()
    completion.complete(built, warm, incumbent, Deadline())
    first = incumbent.best()
    assert first is not None
    steps: list[lns.Step] = []
    lns.repair(
        built,
        incumbent,
        Recorder(0.0, None),
        Deadline(_seconds_from_now(6)),
        0,
        steps.append,
        target=found,
    )
    assert any(step.neighbourhood == "target" for step in steps)
    assert _checked_best(instance, built, incumbent, steps).objective <= first.objective


def test_a_target_neighbourhood_starts_from_a_client_missing_a_visit() -> None:
    """With nobody left out, a step towards the target starts from a client it moves who
    misses a wanted appointment (another primary therapist may hold a family session the
    present one cannot), not from any client it moves."""
    instance = moderate_week(40)
    _, _, decisions, shape = _started(instance)
    movable = [
        c
        for c in sorted(shape.primary_of)
        if len(decisions.facts.clients[c].therapists) > 1 and c in shape.group_of
    ]
    assert len(movable) >= 2
    therapist_of = dict(shape.primary_of)
    for c in movable[:2]:
        therapist_of[c] = next(
            t for t in decisions.facts.clients[c].therapists if t != shape.primary_of[c]
        )
    guide = target.Target(
        dict(shape.group_of), therapist_of, {}, objective=0, bound=0, fits=True, rounds=1, cuts=0
    )
    missing = dataclasses.replace(shape, missed=[neighbourhoods.Missed(movable[1], "family", ())])
    for seed in range(8):
        free = neighbourhoods.towards_target(decisions, missing, guide, 1, random.Random(seed))
        assert free is not None and free.clients == {movable[1]}


def test_a_target_neighbourhood_frees_who_the_target_moves() -> None:
    instance = moderate_week(40)
    built, best, decisions, shape = _started(instance)
    found = target.relaxed_target(built.facts, seconds=5, workers=1, seed=0, deadline=Deadline())
    assert found is not None
    moved = {
        c
        for c in decisions.clients
        if (found.group_of.get(c), found.therapist_of.get(c))
        != (shape.group_of.get(c), shape.primary_of.get(c))
    }
    free = neighbourhoods.towards_target(decisions, shape, found, 10, random.Random(0))
    if not moved:
        assert free is None
        return
    assert free is not None and free.clients
    # The first client freed is one the target moves; every therapist it gives them is free.
    assert free.clients & moved
    for client_id in free.clients & moved:
        if client_id in found.therapist_of:
            assert found.therapist_of[client_id] in free.providers


def test_the_target_guides_the_greedy_and_the_roster_stays_valid() -> None:
    instance = parse_instance(generate("s", "overload", 2))
    facts = derive_facts(instance, canonical=True)
    found = target.relaxed_target(facts, seconds=5, workers=1, seed=0, deadline=Deadline())
    assert found is not None
    guide = Guide(found.group_of, found.therapist_of, found.facilitator_of)
    for order in ((), tuple(reversed([c.id for c in instance.clients]))):
        roster = greedy_roster(instance, guide=dataclasses.replace(guide, order=order))
        report = check(instance, roster)
        assert report.ok, report.lines()
        followed = sum(
            1
            for p in roster.clients
            if (found.group_of.get(p.id), found.therapist_of.get(p.id)) == (p.group, p.therapist)
        )
        # Where the calendars allow it, the greedy goes where the target says.
        assert followed >= len(roster.clients) // 2


def test_a_target_no_better_than_the_roster_is_not_followed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A target cut short at a poor solution would pull the repair steps away from a better
    roster: the search then goes on without one."""
    instance = parse_instance(generate("s", "overload", 2))
    built, warm = _built(instance)
    incumbent = lns.Incumbent()
    assert completion.complete(built, warm, incumbent, Deadline())
    best = incumbent.best()
    assert best is not None
    found = target.relaxed_target(built.facts, seconds=5, workers=1, seed=0, deadline=Deadline())
    assert found is not None and found.objective < best.objective
    recorder = Recorder(time.perf_counter(), None)
    options = SolveOptions(time_limit=10, workers=1, seed=0)

    def poor(*args: object, **kwargs: object) -> SimpleNamespace:
        return SimpleNamespace(target=dataclasses.replace(found, objective=best.objective), bound=0)

    def good(*args: object, **kwargs: object) -> SimpleNamespace:
        return SimpleNamespace(target=found, bound=0)

    monkeypatch.setattr(portfolio, "target_rounds", poor)
    assert portfolio._target(built, incumbent, recorder, options, Deadline())[0] is None
    monkeypatch.setattr(portfolio, "target_rounds", good)
    assert portfolio._target(built, incumbent, recorder, options, Deadline())[0] is found


@pytest.mark.parametrize("with_target", [True, False])
def test_with_a_target_two_workers_run_two_threads_of_repair_steps(
    monkeypatch: pytest.MonkeyPatch, with_target: bool
) -> None:
    """With a target, every improvement after it came from the repair steps (v2 tier m,
    benchmarks/README.md): on two workers stage 2 is then two threads of repair steps with
    their own seeds instead of one beside CP-SAT's search; the bound phase follows. Without a
    target, one thread beside CP-SAT's search as before."""
    instance = parse_instance(generate("s", "overload", 2))
    built, _ = _built(instance)
    seeds: list[int] = []
    stages: list[str] = []

    def repair(*args: object, **kwargs: object) -> int:
        seeds.append(args[4])  # type: ignore[arg-type]
        return 0

    def restarts(*args: object, **kwargs: object) -> list[object]:
        stages.append(f"cp-sat x{args[2].workers}")  # type: ignore[attr-defined]
        return []

    def bound_phase(*args: object, **kwargs: object) -> list[tuple[object, object]]:
        stages.append(f"bound x{args[2].workers}")  # type: ignore[attr-defined]
        return [(object(), portfolio.cp_model.FEASIBLE)]

    def polish(*args: object, workers: int, **kwargs: object) -> bool:
        stages.append(f"polish x{workers}")
        return False

    def alone(*args: object, **kwargs: object) -> tuple[object, object]:
        stages.append("alone")
        return object(), portfolio.cp_model.FEASIBLE

    monkeypatch.setattr(portfolio, "repair", repair)
    monkeypatch.setattr(portfolio, "_restarts", restarts)
    monkeypatch.setattr(portfolio, "_bound_phase", bound_phase)
    monkeypatch.setattr(portfolio, "polish", polish)
    monkeypatch.setattr(portfolio, "_cpsat_for", alone)
    monkeypatch.setattr(portfolio, "_hint_best", lambda *args: None)
    found = target.Target({}, {}, {}, 0, 0, True, 1, 0) if with_target else None
    options = SolveOptions(time_limit=10, workers=2, seed=7)
    recorder = Recorder(time.perf_counter(), None)
    deadline = Deadline(time.perf_counter() + 5)
    portfolio._side_by_side(built, recorder, options, lns.Incumbent(), deadline, found, None)
    if with_target:
        # Two threads, the polish on both workers, then the two threads again.
        assert sorted(seeds) == [7, 7, 8, 8]
        assert stages == ["polish x2", "bound x1"]
    else:
        assert seeds == [7]
        assert stages == ["alone", "cp-sat x1", "bound x1"]


def _stages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stand-ins for the search's stages that only record themselves, in order."""
    stages: list[str] = []

    def record(name: str, result: object) -> object:
        def stand_in(*args: object, **kwargs: object) -> object:
            stages.append(name)
            return result

        return stand_in

    feasible = (object(), portfolio.cp_model.FEASIBLE)
    monkeypatch.setattr(portfolio, "repair", record("repair", 0))
    monkeypatch.setattr(portfolio, "_restarts", record("cp-sat", []))
    monkeypatch.setattr(portfolio, "_bound_phase", record("bound", [feasible]))
    monkeypatch.setattr(portfolio, "_cpsat_for", record("alone", feasible))
    monkeypatch.setattr(portfolio, "_hint_best", lambda *args: None)
    return stages


@pytest.mark.parametrize("with_target", [True, False])
@pytest.mark.parametrize("bound_phase", [True, False])
def test_one_worker_skips_cpsat_alone_after_a_target_and_the_bound_phase_on_request(
    monkeypatch: pytest.MonkeyPatch, with_target: bool, bound_phase: bool
) -> None:
    """With one worker, a week with a target goes straight to the repair steps (as with two
    workers); ``bound_phase=False`` leaves the bound phase out."""
    built, _ = _built(parse_instance(generate("s", "overload", 2)))
    stages = _stages(monkeypatch)
    found = target.Target({}, {}, {}, 0, 0, True, 1, 0) if with_target else None
    options = SolveOptions(time_limit=10, workers=1, seed=7, bound_phase=bound_phase)
    recorder = Recorder(time.perf_counter(), None)
    deadline = Deadline(time.perf_counter() + 5)
    portfolio._staged(built, recorder, options, lns.Incumbent(), deadline, found, None)
    expected = ([] if with_target else ["alone"]) + ["repair"] + (["bound"] if bound_phase else [])
    assert stages == expected


def test_two_workers_leave_the_bound_phase_out_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    built, _ = _built(parse_instance(generate("s", "overload", 2)))
    stages = _stages(monkeypatch)
    options = SolveOptions(time_limit=10, workers=2, seed=7, bound_phase=False)
    recorder = Recorder(time.perf_counter(), None)
    deadline = Deadline(time.perf_counter() + 5)
    portfolio._side_by_side(built, recorder, options, lns.Incumbent(), deadline, None, None)
    assert sorted(stages) == ["alone", "cp-sat", "repair"]  # the repair steps run on a thread


@pytest.mark.parametrize("with_target", [True, False])
def test_the_starting_roster_is_completed_briefly_when_a_target_follows(
    monkeypatch: pytest.MonkeyPatch, with_target: bool
) -> None:
    """A target's guided rosters usually replace the starting roster, so its completion gets
    :data:`~solver.search.portfolio.START_COMPLETE_SECONDS`, not the usual 5 s."""
    built, warm = _built(parse_instance(generate("s", "overload", 2)))
    clients = len(built.variables.placed_clients())
    monkeypatch.setattr(portfolio, "TARGET_CLIENTS", clients if with_target else clients + 1)
    asked: list[float] = []

    def complete(*args: object, seconds: float, **kwargs: object) -> bool:
        asked.append(seconds)
        return True

    monkeypatch.setattr(portfolio, "complete", complete)
    monkeypatch.setattr(portfolio, "_target", lambda *args: (None, None))
    monkeypatch.setattr(portfolio, "_staged", lambda *args: [])
    options = SolveOptions(time_limit=10, workers=1, seed=0)
    recorder = Recorder(time.perf_counter(), None)
    portfolio.search_week(built, recorder, options, deadline=Deadline(), start_from=[warm])
    short = portfolio.START_COMPLETE_SECONDS
    assert asked == [short if with_target else completion.COMPLETE_SECONDS]
    assert short < completion.COMPLETE_SECONDS
