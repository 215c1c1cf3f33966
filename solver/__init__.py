"""Weekly rosters for Intensive Outpatient Programs, solved with OR-Tools CP-SAT.

The basic loop::

    from solver import check, load_instance, solve

    instance = load_instance("instances/clinic.json")
    roster = solve(instance)
    assert check(instance, roster).ok

The data flows one way: files -> instance -> precompute -> model -> search -> roster ->
check / analysis / files. ``import solver`` loads neither OR-Tools nor pandas: ``solve``
and ``check`` are imported on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from solver.errors import InputError, Problem
from solver.instance import Instance, load_instance, parse_instance
from solver.options import SolveOptions
from solver.roster import Roster, load_roster, parse_roster

if TYPE_CHECKING:
    from solver.checker import check
    from solver.entry import solve

__all__ = [
    "InputError",
    "Instance",
    "Problem",
    "Roster",
    "SolveOptions",
    "check",
    "load_instance",
    "load_roster",
    "parse_instance",
    "parse_roster",
    "solve",
]

_LAZY = {"solve": "solver.entry", "check": "solver.checker"}


def __getattr__(name: str) -> Any:
    """Import ``solve`` (OR-Tools) and ``check`` on first use."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'solver' has no attribute {name!r}")
