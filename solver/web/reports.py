"""What a roster says to people, as JSON-ready data: the change report of a rerun grouped by
the person to tell, and the explanation of its penalties and reasons."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from solver.analysis.diff import diff
from solver.instance import Instance
from solver.roster import Roster

__all__ = ["change_report", "explanation"]


def change_report(previous: Roster, new: Roster, instance: Instance | None) -> dict[str, Any]:
    """What changed from ``previous`` to ``new``: every sentence, grouped by whom it concerns.

    Returns:
        ``{"changes": int, "people": [{"id", "kind", "sentences": [...]}, ...]}``, clients
        first, then therapists, then groups, each in the order :func:`diff` gives.
    """
    result = diff(previous, new, instance=instance)
    people: dict[tuple[str, str], list[str]] = {}
    for change in result.changes:
        people.setdefault((change.subject_kind, change.subject), []).append(change.sentence)
    return {
        "changes": len(result.changes),
        "people": [
            {"id": subject, "kind": kind, "sentences": sentences}
            for (kind, subject), sentences in people.items()
        ],
    }


def explanation(instance: Instance, roster: Roster, previous: Roster | None) -> dict[str, Any]:
    """The roster's penalties (a sentence each, with totals per term), the clients left out
    and the missed appointments, with their reasons."""
    from solver.analysis.breakdown import penalty_breakdown

    if roster.status in ("infeasible", "unknown"):
        return {
            "status": roster.status,
            "explanation": list(roster.explanation),
            "penalties": [],
            "totals": {},
            "unassigned": [],
            "missed": [],
        }
    items = penalty_breakdown(instance, roster, previous=previous)
    totals: dict[str, int] = {}
    for item in items:
        totals[item.term] = totals.get(item.term, 0) + item.amount
    return {
        "status": roster.status,
        "objective": roster.objective,
        "best_bound": roster.best_bound,
        "explanation": list(roster.explanation),
        "penalties": [asdict(i) for i in items],
        "totals": totals,
        "unassigned": [{"id": u.id, "reasons": list(u.reasons)} for u in roster.unassigned],
        "missed": [
            {"client": p.id, "kind": m.kind, "count": m.count, "reasons": list(m.reasons)}
            for p in roster.clients
            for m in p.missed
        ],
    }


def explanation_json(instance: Instance, roster: Roster, previous: Roster | None) -> str | None:
    """The roster's explanation as JSON to store, or None when it cannot be worked out (a
    roster that does not fit its instance: the page then says why)."""
    from solver.errors import InputError

    try:
        return json.dumps(explanation(instance, roster, previous))
    except InputError:
        return None
