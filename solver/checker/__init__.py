"""The independent checker: does a roster obey every rule, and are its numbers right?

The checker is how we know the solver is right, so it shares no code with the model
building (``solver/model``, ``solver/precompute.py``, ``solver/solving.py``). It reads the
instance and the roster through their pydantic models only and does its own time
arithmetic: parsing ``"HH:MM"``, overlaps, and "inside the union of intervals", so that
a mistake in the model cannot hide itself here.

The package's modules:

- ``report``: :class:`Violation` and :class:`CheckReport`;
- ``week``: the checker's own time arithmetic and its indexed view of the instance and roster;
- ``roster_form``: the roster's own consistency (every client once, known ids, the group
  list, the ``missed`` entries, the status);
- ``rules``: each rule of the format as one function named after its id
  (``r1_eligibility`` ... ``r12_specialist_providers``), those about appointments in
  ``appointments``;
- ``penalties``: the penalty terms recomputed, and the roster's objective checked.
"""

from __future__ import annotations

import logging

from solver.checker.penalties import objective_violations, recompute_penalties
from solver.checker.report import UNVERIFIABLE, CheckReport, Violation
from solver.checker.roster_form import roster_consistency, unverifiable_form
from solver.checker.rules import RULES
from solver.checker.week import Week
from solver.instance import Instance
from solver.roster import Penalties, Roster

__all__ = ["CheckReport", "Violation", "check"]

log = logging.getLogger(__name__)


def check(instance: Instance, roster: Roster, *, previous: Roster | None = None) -> CheckReport:
    """Check a roster against every rule of the format and recompute its objective.

    A version-1 roster is checked the same way against its (converted) instance; its two
    version-2 penalty terms are zero by construction.

    Args:
        instance: the week the roster is for.
        roster: the roster to check.
        previous: the roster being replaced, for the rerun terms of the objective.

    Returns:
        The report: every violation, the recomputed penalties and objective. A roster
        with status ``infeasible`` or ``unknown`` is only checked for being well formed
        (empty lists, null objective, an explanation); its claim cannot be verified,
        except that ``infeasible`` is wrong for a week without pins (everyone unassigned
        is then a valid roster).
    """
    if roster.status in UNVERIFIABLE:
        violations = list(unverifiable_form(instance, roster))
        return CheckReport(
            violations,
            Penalties.zero(),
            0,
            roster.status,
            roster.objective,
            roster.format_version,
        )

    week = Week(instance, roster)
    violations = list(roster_consistency(week))
    for rule in RULES:
        violations.extend(rule(week))
    penalties = recompute_penalties(week, previous)
    violations.extend(objective_violations(roster, penalties))
    log.debug("checked roster: %d violations", len(violations))
    return CheckReport(
        violations,
        penalties,
        penalties.total(),
        roster.status,
        roster.objective,
        roster.format_version,
    )
