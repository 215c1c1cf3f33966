"""A roster as calendars (``ics``): one iCalendar file per therapist and per placed client,
each meeting and appointment an event of the week (repeating weekly for ``weeks`` weeks when
asked).

A therapist's calendar holds the groups they facilitate and every appointment they provide
(individual, family, psychiatry ...), whoever the client's primary therapist is. Each
appointment's summary names its kind and the other person: ``Psychiatry session with T9``.

Each event's UID is derived from what the event is: the program's name, the person, the kind
of event, the group (or the appointment's kind), the weekday and the time; never from the date.
Importing next week's export therefore updates the events already in a calendar instead of
doubling them.
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
from solver.files.atomic import write_bytes
from solver.files.events import (
    Event,
    kind_title,
    of_client,
    of_therapist,
    placed_clients,
    roster_events,
)
from solver.files.extras import require_extra
from solver.instance import Instance
from solver.roster import Roster

__all__ = ["check_ics_request", "event_uid", "write_ics"]

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


def check_ics_request(week_start: dt.date | None, weeks: int | None) -> None:
    """A week start that is a Monday and a positive number of weeks, or InputError."""
    if week_start is not None and week_start.weekday() != 0:
        raise InputError(
            [Problem("", "week_start", f"{week_start} is a {week_start:%A}, not a Monday")]
        )
    if weeks is not None and weeks < 1:
        raise InputError([Problem("", "weeks", f"weeks must be at least 1, not {weeks}")])


def write_ics(
    instance: Instance, roster: Roster, folder: Path, week_start: dt.date, weeks: int | None
) -> list[Path]:
    """Write the calendars into ``folder``; return the files written."""
    icalendar = require_extra("icalendar", "writing calendars")
    check_ics_request(week_start, weeks)
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
                item = _ics_event(
                    icalendar, (kind, owner_id), event, instance, week_start, stamp, weeks
                )
                calendar.add_component(item)
            path = folder / name
            write_bytes(path, calendar.to_ical())
            written.append(path)
    return written


def event_uid(program: str, kind: str, owner: str, event: Event) -> str:
    """The UID of one person's weekly event: the same in every export of every week."""
    if event.kind == "group":
        what = f"group|{event.group}"
    elif event.appointment in (None, "individual"):
        what = "session|"  # as before appointment kinds: calendars keep their events
    else:
        what = f"session|{event.appointment}|"
    key = "|".join([program, kind, owner, what, str(event.day), str(event.start)])
    return f"{uuid.uuid5(_UID_NAMESPACE, key)}@iop-roster"


def _ics_event(
    icalendar: ModuleType,
    owner_of: tuple[str, str],
    event: Event,
    instance: Instance,
    week_start: dt.date,
    stamp: dt.datetime,
    weeks: int | None,
) -> Any:
    kind, owner = owner_of
    day = dt.datetime.combine(week_start + dt.timedelta(days=event.day), dt.time(0, 0))
    if event.kind == "group":
        summary = f"Group {event.group}" + (" (facilitating)" if kind == "therapist" else "")
        description = (
            f"Clients {', '.join(event.members)}"
            if kind == "therapist"
            else f"Facilitator {event.therapist}"
        )
    else:
        title = kind_title(instance, event.appointment or "individual")
        if kind == "therapist":
            summary = f"{title} session with {event.client}"
            description = f"Client {event.client}"
        else:
            summary = f"{title} session with {event.therapist}"
            primary = instance.kind(event.appointment or "individual").provider == "primary"
            description = f"{'Primary therapist' if primary else 'Provider'} {event.therapist}"
    item = icalendar.Event()
    item.add("uid", event_uid(instance.program.name, kind, owner, event))
    item.add("dtstamp", stamp)
    # Floating local times: the clinic's wall clock, whatever the reader's time zone.
    item.add("dtstart", day + dt.timedelta(minutes=event.start))
    item.add("dtend", day + dt.timedelta(minutes=event.end))
    if weeks is not None and weeks > 1:
        item.add("rrule", {"freq": "weekly", "count": weeks})
    item.add("summary", summary)
    item.add("description", description)
    if event.room is not None:
        item.add("location", event.room)
    return item
