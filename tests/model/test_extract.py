"""Reading a roster back from a solved model: the bound is a whole number."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest
from helpers_solve import client, group, make, solve_optimal, therapist

from solver.model.extract import rounded_bound


def _solver(bound: float) -> Any:
    """Stands in for a CpSolver: rounded_bound reads only its best_objective_bound."""
    return SimpleNamespace(best_objective_bound=bound)


@pytest.mark.parametrize(
    ("bound", "proved", "expected"),
    [
        (1012.2, None, 1013),  # rounded up: objectives are whole numbers
        (1013.0000001, None, 1013),  # float noise is not a point more
        (1012.2, 1000.0, 1000),  # a bound proved by the search phases wins
        (5000.0, None, 2019),  # never above the objective
        (-3.5, None, 0),  # never below 0: no penalty is negative
        (-math.inf, None, None),  # no bound at all
    ],
)
def test_rounded_bound_is_a_whole_number(
    bound: float, proved: float | None, expected: int | None
) -> None:
    result = rounded_bound(_solver(bound), 2019, proved)
    assert result == expected
    assert result is None or type(result) is int


def test_a_solved_roster_writes_its_bound_as_an_integer() -> None:
    roster = solve_optimal(make([group("G1")], [therapist("T1")], [client("C1")]))
    assert type(roster.best_bound) is int
    assert f'"best_bound": {roster.objective},' in roster.to_json()
