"""Building the CP-SAT roster model: variables, rules R1-R11 and the objective."""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.model import objective, rules
from solver.model.objective import Penalty
from solver.model.variables import Variables
from solver.options import Deadline
from solver.precompute import Facts
from solver.roster import Roster

__all__ = ["RULES", "Penalty", "RosterModel", "Variables", "build_model"]

RULES: dict[str, str] = {
    "R1": "eligibility",
    "R2": "client time",
    "R3": "group size",
    "R4": "facilitator",
    "R5": "primary therapist",
    "R7": "no double booking",
    "R8": "rooms",
    "R9": "keep apart",
    "R10": "weekly hours",
}
"""The rules that can be switched by a literal in explain mode (R6, R12 and R11's
placement are definitions; R11's pins have literals of their own)."""


@dataclass
class RosterModel:
    """A built model: the CP-SAT model, its variables and its penalty items."""

    model: cp_model.CpModel
    variables: Variables
    penalties: list[Penalty]
    facts: Facts
    # Explain mode only: rule id -> literal, "C001 group" -> literal.
    rule_literals: dict[str, cp_model.IntVar] = field(default_factory=dict)
    pin_literals: dict[str, cp_model.IntVar] = field(default_factory=dict)

    def objective(self) -> cp_model.LinearExprT:
        """The objective: the weighted sum of the penalty items."""
        return sum(p.weight * p.count for p in self.penalties)


def build_model(
    facts: Facts,
    previous: Roster | None = None,
    *,
    explain: bool = False,
    deadline: Deadline | None = None,
) -> RosterModel:
    """Build the roster model from precomputed facts.

    With ``explain``, every rule's constraints and every pin are enforced by
    literals (for finding a conflict set); the objective is then left out.
    With ``deadline``, the building checks it between rules (and per client in R2,
    the longest rule on large weeks) and raises :class:`~solver.options.Stopped`
    once it has passed.
    """
    deadline = deadline or Deadline()
    model = cp_model.CpModel()
    v = Variables(model, facts)
    deadline.check()
    rule_literals = {rule: model.new_bool_var(f"rule[{rule}]") for rule in RULES} if explain else {}

    def enforce(rule: str) -> list[cp_model.IntVar]:
        """The rule's enforcement literals; called as each rule starts, so it also checks
        the deadline."""
        deadline.check()
        return [rule_literals[rule]] if explain else []

    rules.placement(model, v)
    rules.r1_eligibility(model, v, facts, enforce("R1"))
    rules.r2_client_time(model, v, facts, enforce("R2"), deadline=deadline)
    rules.r3_group_size(model, v, facts, enforce("R3"))
    rules.r4_facilitator(model, v, facts, enforce("R4"))
    rules.r5_primary_therapist(model, v, facts, enforce("R5"))
    rules.r6_appointments(model, v, facts)
    rules.r7_no_double_booking(model, v, facts, enforce("R7"))
    rules.r8_rooms(model, v, facts, enforce("R8"))
    rules.r9_keep_apart(model, v, facts, enforce("R9"))
    rules.r10_weekly_hours(model, v, facts, enforce("R10"))
    rules.r12_specialist_providers(model, v, facts)
    pin_literals: dict[str, cp_model.IntVar] = {}
    rules.r11_pins(model, v, facts, pin_literals if explain else None)

    built = RosterModel(model, v, [], facts, rule_literals, pin_literals)
    if not explain:
        deadline.check()
        built.penalties = objective.all_penalties(model, v, facts, previous)
        model.minimize(built.objective())
    return built
