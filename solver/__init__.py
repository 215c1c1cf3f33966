"""Weekly rosters for Intensive Outpatient Programs, solved with OR-Tools CP-SAT.

The data flows one way: instance -> model -> solve -> roster -> (check, explain, export).
"""

from solver.errors import InputError, Problem
from solver.instance import Instance, load_instance, parse_instance
from solver.roster import Roster, load_roster, parse_roster

__all__ = [
    "InputError",
    "Instance",
    "Problem",
    "Roster",
    "load_instance",
    "load_roster",
    "parse_instance",
    "parse_roster",
]
