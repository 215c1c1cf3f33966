"""Shared fixtures. The tests mirror the package: ``tests/model/`` for ``solver/model/``,
``tests/analysis/`` for ``solver/analysis/`` and so on; ``helpers_solve`` (beside this file,
which puts this folder on ``sys.path``) builds weeks and solves them with the checker's
agreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver import Instance, Roster, SolveOptions, load_instance
from solver.solving import solve

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


@pytest.fixture(scope="session")
def clinic() -> Instance:
    """The sample clinic of the README (40 clients)."""
    return load_instance(INSTANCES / "clinic.json")


@pytest.fixture(scope="session")
def tiny() -> Instance:
    """The six-client example."""
    return load_instance(INSTANCES / "tiny.json")


@pytest.fixture(scope="session")
def clinic_roster(clinic: Instance) -> Roster:
    """The clinic solved once per session (two workers: proved in about 2 s, where one
    worker takes about 8 s; any optimal roster serves the tests that use it)."""
    return solve(clinic, SolveOptions(time_limit=30, workers=2, seed=0))
