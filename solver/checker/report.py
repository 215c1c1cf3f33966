"""What the checker reports: a :class:`Violation` per broken rule, in a :class:`CheckReport`."""

from __future__ import annotations

from dataclasses import dataclass

from solver.roster import Penalties

RULE_TITLES: dict[str, str] = {
    "roster": "roster",
    "R1": "R1 eligibility",
    "R2": "R2 client time",
    "R3": "R3 group size",
    "R4": "R4 facilitator",
    "R5": "R5 primary therapist",
    "R6": "R6 appointments",
    "R7": "R7 no double booking",
    "R8": "R8 rooms",
    "R9": "R9 keep apart",
    "R10": "R10 weekly hours",
    "R11": "R11 pins",
    "R12": "R12 specialist providers",
    "objective": "objective",
}

UNVERIFIABLE = ("infeasible", "unknown")
"""The statuses whose claim checking cannot verify: such a roster is only checked for form."""


@dataclass(frozen=True)
class Violation:
    """One way in which a roster breaks the format's rules.

    Attributes:
        rule: ``"R1"`` ... ``"R12"``; ``"roster"`` for the roster's own consistency
            (every client once, known ids, the group list, the ``missed`` entries, the
            status); ``"objective"``
            for its numbers (objective, best bound, penalty terms).
        message: what is wrong, in plain words naming the entries involved.
    """

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{RULE_TITLES.get(self.rule, self.rule)}: {self.message}"


@dataclass
class CheckReport:
    """What :func:`solver.checker.check` found.

    Attributes:
        violations: every rule the roster breaks, in rule order.
        penalties: the penalty terms recomputed from the instance, the previous roster
            and the roster (all zero for an ``infeasible`` or ``unknown`` roster).
        objective: the sum of the recomputed penalties.
        status: the roster's status.
        claimed_objective: the objective the roster states (None when null).
        format_version: the roster's format version; a version-1 roster has ten
            penalty terms (the other two are zero by construction).
    """

    violations: list[Violation]
    penalties: Penalties
    objective: int
    status: str = "optimal"
    claimed_objective: int | None = None
    format_version: int = 2

    def terms(self) -> dict[str, int]:
        """The recomputed penalty terms of the roster's format version, as a roster states them."""
        return self.penalties.as_dict(self.format_version)

    @property
    def ok(self) -> bool:
        """True when the roster breaks no rule (for infeasible/unknown: it is well formed)."""
        return not self.violations

    def rules(self) -> set[str]:
        """The ids of the rules broken."""
        return {v.rule for v in self.violations}

    def lines(self) -> list[str]:
        """One line per violation, then a last line with the recomputed objective."""
        lines = [str(v) for v in self.violations]
        if self.status in UNVERIFIABLE:
            lines.append(
                f"objective not recomputed: the roster's status is {self.status}, "
                "a claim that checking cannot verify"
            )
        else:
            claimed = "null" if self.claimed_objective is None else str(self.claimed_objective)
            lines.append(f"objective {self.objective} recomputed (roster says {claimed})")
        return lines
