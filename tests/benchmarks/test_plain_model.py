"""The plain CP-SAT baseline (``benchmarks/plain_model.py``) against the checker, the solver
and the brute force.

Three independent readings of FORMAT.md must agree: every roster of the plain model passes
the checker with the same penalties, its proved optimum equals the solver's on small weeks
of both format versions, and on tiny random weeks (half with a previous roster, so the rerun
terms count) it equals the brute force of ``tests/model/brute_v2.py``.
"""

from __future__ import annotations

import ast
import functools
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate
from benchmarks.generate_v2 import generate_v2
from benchmarks.plain.roster import NOT_PLACED, NOT_SCHEDULED
from benchmarks.plain_model import solve_detailed
from solver.checker import check
from solver.instance import Instance, load_instance, parse_instance
from solver.options import Progress, SolveOptions
from solver.roster import Roster, parse_roster
from solver.solving import solve

ROOT = Path(__file__).resolve().parents[2]
# The brute force lives beside the solver's model tests, as top-level modules; imported by
# name, as module objects (nothing of theirs is collected here).
sys.path.insert(0, str(ROOT / "tests" / "model"))
brute_v2: Any = importlib.import_module("brute_v2")
brute_v2_week: Any = importlib.import_module("brute_v2_week")
brute_weeks: Any = importlib.import_module("test_bruteforce_v2")

TIME_LIMIT = 20.0


def plain(instance: Instance, previous: Roster | None = None, **kw: Any) -> Roster:
    """The plain model's roster (one worker, seed 0), which the checker must accept with
    the roster's own penalties and objective."""
    options = SolveOptions(time_limit=kw.pop("time_limit", TIME_LIMIT), workers=1, seed=0)
    roster = solve_detailed(instance, options, previous=previous, **kw).roster
    report = check(instance, roster, previous=previous)
    assert report.ok, "\n".join(report.lines())
    if roster.objective is not None:
        assert roster.penalties.as_dict() == report.penalties.as_dict()
        assert roster.objective == report.objective == roster.penalties.total()
    return roster


def _file(name: str) -> Instance:
    return load_instance(ROOT / "instances" / name)


WEEKS: dict[str, Callable[[], Instance]] = {
    "tiny.json": lambda: _file("tiny.json"),
    "clinic.json": lambda: _file("clinic.json"),
    "program.json": lambda: _file("program.json"),
    "v1-s-normal-1": lambda: parse_instance(generate("s", "normal", 1)),
    "v2-s-evening-2": lambda: parse_instance(generate_v2("s", "evening", 2)),
}
"""Weeks of both versions that both models prove optimal within seconds."""

KNOWN = {"clinic.json": 3}
"""Optima the solver proved once (README.md), where solving again costs the solver up to
20 s on a loaded two-core machine (the plain model needs about 2 s)."""


@functools.cache
def plain_week(name: str) -> tuple[Instance, Roster]:
    """A week of :data:`WEEKS` and its plain roster, solved once per session."""
    instance = WEEKS[name]()
    return instance, plain(instance)


@pytest.mark.parametrize("name", sorted(WEEKS))
def test_plain_model_agrees_with_the_solver(name: str) -> None:
    instance, mine = plain_week(name)
    assert mine.format_version == instance.source_version
    assert mine.status == "optimal", "these weeks are chosen to be proved within the limit"
    assert mine.objective is not None
    if name in KNOWN:
        assert mine.objective == KNOWN[name]
        return
    theirs = solve(instance, SolveOptions(time_limit=TIME_LIMIT, workers=2, seed=0))
    assert theirs.objective is not None
    if theirs.status == "optimal":
        assert mine.objective == theirs.objective
    else:  # a loaded machine: the solver's roster is valid, and may not beat the optimum
        assert theirs.objective >= mine.objective
        assert theirs.best_bound is None or theirs.best_bound <= mine.objective


@pytest.mark.parametrize("seed", range(60))
def test_plain_model_matches_the_brute_force(seed: int) -> None:
    doc, prev = brute_weeks.draw(seed)
    previous = parse_roster(prev) if prev is not None else None
    best = brute_v2.brute_force(brute_v2_week.Week(doc), prev)
    roster = plain(parse_instance(doc), previous)
    if best.objective is None:
        assert roster.status == "infeasible"
    else:
        assert (roster.status, roster.objective) == ("optimal", best.objective)


def _pull_out_week(therapist_until: str) -> Instance:
    """A PHP client needing 3 hours: a 2-hour pull_out meeting on Monday 09:00-11:00 (led
    by F1, who takes no caseload) and a required 60-minute individual session with T1, the
    only possible primary therapist, free until ``therapist_until``."""
    monday = {"day": "mon", "start": "09:00", "end": "13:00"}
    return parse_instance(
        {
            "format_version": 2,
            "program": {
                "group_min_size": 1,
                "slot_minutes": 60,
                "open_hours": [monday],
                "levels": [{"id": "php", "min_weekly_hours": {"adult": 3, "adolescent": 3}}],
            },
            "groups": [
                {
                    "id": "DAY",
                    "shift": "morning",
                    "meetings": [{"day": "mon", "start": "09:00", "end": "11:00"}],
                    "population": "adult",
                    "tracks": ["su"],
                    "pull_out": True,
                }
            ],
            "therapists": [
                {"id": "F1", "availability": [monday], "max_caseload": 0},
                {"id": "T1", "availability": [monday | {"end": therapist_until}]},
            ],
            "clients": [{"id": "C1", "population": "adult", "track": "su"}],
        }
    )


@pytest.mark.parametrize(("until", "objective"), [("11:00", 1000), ("12:00", 0)])
def test_r10_counts_a_pulled_out_hour_once(until: str, objective: int) -> None:
    # Until 11:00 the session falls inside the meeting: 2 hours in all, so C1 stays out.
    roster = plain(_pull_out_week(until))
    assert (roster.status, roster.objective) == ("optimal", objective)


def test_reasons_of_the_unassigned_and_the_missed() -> None:
    _, program = plain_week("program.json")
    missed = [m for p in program.clients for m in p.missed]
    assert missed and all(m.reasons == [NOT_SCHEDULED] for m in missed)
    _, short = plain_week("v1-s-normal-1")
    assert short.unassigned
    assert all(u.reasons == [NOT_PLACED] for u in short.unassigned)


def test_pins_that_no_roster_honours_are_infeasible() -> None:
    data = json.loads((ROOT / "instances" / "tiny.json").read_text(encoding="utf-8"))
    _, roster = plain_week("tiny.json")
    group = next(g for g in roster.groups if len(g.clients) >= 2)
    first, second = (c for c in data["clients"] if c["id"] in group.clients[:2])
    first["pinned_group"] = second["pinned_group"] = group.id
    first["keep_apart"] = [second["id"]]
    pinned = plain(parse_instance(data))
    assert pinned.status == "infeasible"
    assert pinned.explanation and pinned.objective is None


def test_on_progress_hears_each_better_roster() -> None:
    heard: list[Progress] = []
    roster = plain(parse_instance(generate("s", "overload", 2)), on_progress=heard.append)
    assert heard, "the search found rosters"
    objectives = [p.objective for p in heard]
    assert objectives == sorted(objectives, reverse=True)
    assert objectives[-1] == roster.objective
    assert all(p.bound <= p.objective for p in heard)
    assert [p.seconds for p in heard] == sorted(p.seconds for p in heard)


def test_the_benchmark_runner_runs_it(tmp_path: Path) -> None:
    from benchmarks import run

    out = tmp_path / "tiny"
    argv = [str(ROOT / "instances" / "tiny.json"), str(out), "--time-limit", "10"]
    argv += ["--workers", "1", "--seed", "0", "--solver", "benchmarks.plain_model:solve_detailed"]
    assert run.main(["_solve", *argv]) == 0
    roster = parse_roster((out / "roster.json").read_text(encoding="utf-8"))
    assert roster.format_version == 1 and roster.status == "optimal"
    assert (out / "stats.json").exists()


FORBIDDEN = (
    "solver.model",
    "solver.precompute",
    "solver.starts",
    "solver.search",
    "solver.checker",
)


def _imported(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize(
    "path",
    [ROOT / "benchmarks" / "plain_model.py", *sorted((ROOT / "benchmarks" / "plain").glob("*.py"))],
    ids=lambda p: p.name,
)
def test_the_plain_model_shares_no_code_with_the_solvers_model(path: Path) -> None:
    bad = [n for n in _imported(path) if n.startswith(FORBIDDEN)]
    assert not bad, f"{path.name} imports {bad}"
