"""What the pages and the API show of a roster: penalties, reasons, recommendations.

Plain data (dicts and lists), computed with the library's analysis functions; the pages
render it with templates and the API returns it as JSON.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from solver.errors import InputError, Problem
from solver.instance import Instance
from solver.roster import Roster
from solver.web import store
from solver.web.db import RosterRecord, Week

__all__ = ["accept_recommendation", "recommendations"]


def recommendations(instance: Instance, roster: Roster, client: str, k: int) -> dict[str, Any]:
    """The ``k`` best places for ``client`` with everyone else kept, or why there is none."""
    from solver.analysis.recommend import recommend, why_no_option

    options = recommend(instance, roster, client, k=k)
    return {
        "client": client,
        "options": [
            {
                "rank": rank,
                "group": o.group,
                "facilitator": o.facilitator,
                "therapist": o.therapist,
                "opens_group": o.opens_group,
                "objective_change": o.objective_change,
                "costs": list(o.costs),
                "appointments": [a.model_dump(mode="json") for a in o.appointments],
                "missed": [m.model_dump(mode="json") for m in o.missed],
                "text": o.describe(),
            }
            for rank, o in enumerate(options, start=1)
        ],
        "why_none": [] if options else why_no_option(instance, roster, client),
    }


def accept_recommendation(
    session: Session, week: Week, record: RosterRecord, client: str, rank: int
) -> RosterRecord:
    """Place ``client`` as the ``rank``-th recommendation says: the place becomes a pin of
    the week, and the roster with the client added is stored (with its change report)."""
    from solver.analysis.recommend import recommend
    from solver.web.changes import Pin

    instance = store.week_instance(week)
    roster = store.roster_of(record)
    if roster.placement(client) is not None:
        raise InputError(
            [Problem(f"roster {record.id}", "client", f"{client} is already placed in it")]
        )
    options = recommend(instance, roster, client, k=rank)
    if len(options) < rank:
        raise InputError(
            [
                Problem(
                    f"roster {record.id}", "rank", f"there are {len(options)} places for {client}"
                )
            ]
        )
    option = options[rank - 1]
    store.record_change(
        session,
        week,
        Pin(kind="pin", client=client, group=option.group, therapist=option.therapist),
    )
    new = option.apply(roster)
    return store.add_roster(
        session,
        week,
        store.week_instance(week),
        new,
        label=f"{client} placed in {option.group} with {option.therapist} (recommendation {rank})",
        previous_roster_id=record.id,
    )
