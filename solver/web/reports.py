"""The change report of a rerun, grouped by the person to tell (JSON-ready)."""

from __future__ import annotations

from typing import Any

from solver.analysis.diff import diff
from solver.instance import Instance
from solver.roster import Roster

__all__ = ["change_report"]


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
