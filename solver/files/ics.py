"""A roster as calendars (``ics``): one iCalendar file per therapist and per placed client,
each meeting and session a weekly recurring event.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from solver.errors import InputError, Problem
from solver.files.events import Event, of_client, of_therapist, placed_clients, roster_events
from solver.files.extras import require_extra
from solver.instance import Instance
from solver.roster import Roster

__all__ = ["write_ics"]

# A fixed namespace keeps calendar UIDs stable from one export to the next.
_UID_NAMESPACE = uuid.UUID("6f1c2f57-3d0e-4f55-9a43-6d2b8f7c9e10")


def _file_names(kind: str, ids: Sequence[str]) -> list[str]:
    """Safe, distinct file names for ids (which may hold any character)."""
    names: list[str] = []
    taken: set[str] = set()
    for item in ids:
        base = f"{kind}-{re.sub(r'[^A-Za-z0-9._-]', '_', item)}"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        names.append(f"{name}.ics")
    return names


def write_ics(
    instance: Instance, roster: Roster, folder: Path, week_start: dt.date, weeks: int | None
) -> list[Path]:
    icalendar = require_extra("icalendar", "writing calendars")
    if week_start.weekday() != 0:
        raise InputError(
            [Problem("", "week_start", f"{week_start} is a {week_start:%A}, not a Monday")]
        )
    if weeks is not None and weeks < 1:
        raise InputError([Problem("", "weeks", f"weeks must be at least 1, not {weeks}")])
    events = roster_events(instance, roster)
    owners: list[tuple[str, str, list[Event]]] = [
        ("therapist", t.id, of_therapist(events, t.id)) for t in instance.therapists
    ]
    owners += [
        ("client", c, of_client(events, roster, c)) for c in placed_clients(instance, roster)
    ]
    # RFC 5545 wants at least one component in a calendar: nobody gets an empty file.
    owners = [owner for owner in owners if owner[2]]
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.combine(week_start, dt.time(0, 0), tzinfo=dt.UTC)
    written = []
    for kind in ("therapist", "client"):
        mine = [owner for owner in owners if owner[0] == kind]
        for (_, owner_id, owned), name in zip(
            mine, _file_names(kind, [o[1] for o in mine]), strict=True
        ):
            calendar = icalendar.Calendar()
            calendar.add("prodid", "-//iop-roster//weekly roster//EN")
            calendar.add("version", "2.0")
            calendar.add("calscale", "GREGORIAN")
            calendar.add("x-wr-calname", f"IOP {kind} {owner_id}")
            for event in owned:
                calendar.add_component(
                    _ics_event(icalendar, kind, owner_id, event, week_start, stamp, weeks)
                )
            path = folder / name
            path.write_bytes(calendar.to_ical())
            written.append(path)
    return written


def _ics_event(
    icalendar: ModuleType,
    kind: str,
    owner: str,
    event: Event,
    week_start: dt.date,
    stamp: dt.datetime,
    weeks: int | None,
) -> Any:
    day = dt.datetime.combine(week_start + dt.timedelta(days=event.day), dt.time(0, 0))
    what = f"group {event.group}" if event.kind == "group" else f"session {event.client}"
    key = f"{week_start.isoformat()}|{kind}|{owner}|{what}|{event.day}|{event.start}"
    if event.kind == "group":
        summary = f"Group {event.group}" + (" (facilitating)" if kind == "therapist" else "")
        description = (
            f"Clients {', '.join(event.members)}"
            if kind == "therapist"
            else f"Facilitator {event.therapist}"
        )
    elif kind == "therapist":
        summary = f"Individual session with {event.client}"
        description = f"Client {event.client}"
    else:
        summary = f"Individual session with {event.therapist}"
        description = f"Primary therapist {event.therapist}"
    item = icalendar.Event()
    item.add("uid", f"{uuid.uuid5(_UID_NAMESPACE, key)}@iop-roster")
    item.add("dtstamp", stamp)
    # Floating local times: the clinic's wall clock, whatever the reader's time zone.
    item.add("dtstart", day + dt.timedelta(minutes=event.start))
    item.add("dtend", day + dt.timedelta(minutes=event.end))
    rule: dict[str, Any] = {"freq": "weekly"}
    if weeks is not None:
        rule["count"] = weeks
    item.add("rrule", rule)
    item.add("summary", summary)
    item.add("description", description)
    if event.room is not None:
        item.add("location", event.room)
    return item
