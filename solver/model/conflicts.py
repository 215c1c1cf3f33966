"""Naming the pins and rules that make every roster impossible.

The model is built in explain mode (each rule's constraints and each pin
enforced by a literal), all literals are assumed true, and CP-SAT's
sufficient assumptions for infeasibility give a conflict set, which is then
shrunk to a minimal one by deletion: dropping any pin or rule of the set makes
a roster possible.
"""

from __future__ import annotations

import logging
import time

from ortools.sat.python import cp_model

from solver.model import RULES, build_model
from solver.precompute import Facts

log = logging.getLogger(__name__)


def explain_infeasibility(facts: Facts, time_limit: float = 30.0) -> list[str]:
    """Plain sentences naming a minimal set of conflicting pins and rules."""
    deadline = time.perf_counter() + time_limit
    built = build_model(facts, explain=True)
    literals = {
        **{f"rule {r}": lit for r, lit in built.rule_literals.items()},
        **{f"pin {k}": lit for k, lit in built.pin_literals.items()},
    }

    def feasible(names: list[str]) -> bool | None:
        built.model.clear_assumptions()
        built.model.add_assumptions([literals[n] for n in names])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.catch_sigint_signal = False  # Ctrl-C is the caller's (search/phases)
        solver.parameters.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
        code = solver.solve(built.model)
        if code == cp_model.INFEASIBLE:
            by_index = {lit.index: name for name, lit in literals.items()}
            core = [
                by_index[i]
                for i in solver.sufficient_assumptions_for_infeasibility()
                if i in by_index
            ]
            names[:] = [n for n in names if n in core] or names
            return False
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return True
        return None

    conflict = list(literals)
    if feasible(conflict) is not False:
        return ["No roster honours every pin, but the conflict could not be isolated in time."]
    # Deletion: drop each member in turn; keep it only if the rest becomes feasible.
    complete = True
    for name in list(conflict):
        if name not in conflict:
            continue
        trial = [n for n in conflict if n != name]
        verdict = feasible(trial)
        if verdict is False:
            conflict = trial
        elif verdict is None:
            complete = False
            break
    return _sentences(facts, conflict, complete)


def _sentences(facts: Facts, conflict: list[str], complete: bool) -> list[str]:
    pins = [n.removeprefix("pin ") for n in conflict if n.startswith("pin ")]
    rules = [n.removeprefix("rule ") for n in conflict if n.startswith("rule ")]
    lines = ["No roster honours every pin: these pins conflict (R11 pins)."]
    for pin in pins:
        client_id, kind = pin.split(" ")
        client = facts.clients[client_id].client
        target = client.pinned_group if kind == "group" else client.pinned_therapist
        lines.append(f"{client_id} is pinned to {kind} {target}.")
    if rules:
        named = ", ".join(f"{r} {RULES[r]}" for r in rules)
        lines.append(f"Together they break rule(s) {named}.")
    else:
        lines.append("They contradict each other or the client's own data (R2, R6, R10).")
    if not complete:
        lines.append(
            "The search for the smallest conflicting set was cut short by the time "
            "limit; the set above may hold more than is needed."
        )
    lines.append("Remove or change one of these pins and solve again.")
    return lines
