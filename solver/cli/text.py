"""What the command line prints: the solve summary, progress lines and explain's text."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import TextIO

from solver.analysis.breakdown import penalty_breakdown
from solver.analysis.whatif import what_would_fit_missed, what_would_it_take
from solver.instance import Instance
from solver.options import Progress
from solver.roster import Roster

__all__ = ["ProgressPrinter", "explain_lines", "summary"]


def summary(instance: Instance, roster: Roster) -> str:
    """A short human summary of a roster, for standard error."""
    lines = [f"status {roster.status} in {roster.solve_seconds:.2f} s"]
    if roster.objective is not None:
        bound = "none" if roster.best_bound is None else f"{roster.best_bound:g}"
        gap = ""
        if roster.best_bound is not None and roster.objective > 0:
            gap = f", gap {_gap_percent(roster.objective, roster.best_bound):.1f} %"
        lines.append(f"objective {roster.objective} (bound {bound}{gap})")
        lines.append(
            f"placed {len(roster.clients)} of {len(instance.clients)} clients, "
            f"{len(roster.unassigned)} unassigned; "
            f"{len(roster.groups)} of {len(instance.groups)} groups running"
        )
        paid = ", ".join(f"{k} {v}" for k, v in roster.penalties.as_dict().items() if v)
        lines.append(f"penalties: {paid or 'none'}")
    return "\n".join(lines)


def _gap_percent(objective: int, bound: float) -> float:
    """How far the roster may be from the best, in % of its objective (objective > 0)."""
    return 100 * (objective - bound) / objective


class ProgressPrinter:
    """An ``on_progress`` callback writing one line per improving roster.

    Each line shows elapsed time, objective, bound and gap, e.g.
    ``  3.2 s  objective 1045  bound 1040  gap 0.48 %``.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def __call__(self, progress: Progress) -> None:
        gap = ""
        if progress.objective > 0:
            gap = f"  gap {_gap_percent(progress.objective, progress.bound):.2f} %"
        self._stream.write(
            f"{progress.seconds:7.1f} s  objective {progress.objective}"
            f"  bound {progress.bound:g}{gap}\n"
        )
        self._stream.flush()


def explain_lines(
    instance: Instance,
    roster: Roster,
    *,
    previous: Roster | None = None,
    what_if: bool = False,
    time_limit: float = 30.0,
) -> list[str]:
    """The lines ``python -m solver explain`` prints."""
    if roster.status in ("infeasible", "unknown"):
        return [f"status {roster.status}", *roster.explanation]
    items = penalty_breakdown(instance, roster, previous=previous)
    lines = [f"{i.term:<24} {i.amount:>6}  {i.sentence}" for i in items]
    totals: dict[str, int] = defaultdict(int)
    for i in items:
        totals[i.term] += i.amount
    lines.append("")
    summed = ", ".join(f"{t} {a}" for t, a in totals.items()) or "no penalties"
    lines.append(f"totals: {summed}; objective {sum(totals.values())}")
    if what_if and roster.unassigned:
        deadline = time.perf_counter() + time_limit
        share = time_limit / len(roster.unassigned)
        for u in roster.unassigned:
            left = deadline - time.perf_counter()
            if left <= 0:
                lines.append(f"{u.id}: not searched (time limit reached)")
                continue
            options, finished = what_would_it_take(
                instance, roster, u.id, time_limit=min(share, left)
            )
            lines.append("")
            lines.append(f"what would it take to place {u.id}:")
            for w in options[:5]:
                lines.append(f"  {w.change}: objective {w.objective_change:+d} ({w.placement})")
            if not options:
                lines.append("  no single change found")
            if not finished:
                lines.append("  (search cut short by the time limit)")
    if what_if and any(p.missed for p in roster.clients):
        lines.append("")
        lines.append("what would fit the missed appointments:")
        lines.extend(f"  {fix.sentence}" for fix in what_would_fit_missed(instance, roster))
    return lines
