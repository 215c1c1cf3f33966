"""Rosters for people: a workbook, CSV tables, calendars, a web page and pictures.

:func:`export_roster` writes one roster in one of :data:`FORMATS`:

- ``xlsx``: one workbook, ``csv``: a folder of CSV files, with the same tables: ``summary``,
  ``group_lists``, ``therapist_weeks``, ``client_weeks``, ``unassigned`` and ``penalties``;
- ``ics``: a folder with one iCalendar file per therapist and per placed client, each meeting and
  session a weekly recurring event starting in a given week;
- ``html``: one self-contained page (no external resources) with a weekly grid per therapist,
  per room and per group, readable on screen and on paper;
- ``png``: one weekly grid as a picture: the whole program, one therapist or one room.

Everything names people by their ids only: the format holds no personal data.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from solver.errors import InputError, Problem
from solver.files.extras import require_extra
from solver.files.spreadsheet import add_table_sheet, format_intervals, write_csv_table
from solver.instance import DAYS, Instance
from solver.roster import Roster

__all__ = ["FORMATS", "export_roster", "next_monday"]

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("xlsx", "csv", "ics", "html", "png")
"""The formats :func:`export_roster` writes."""

_DAY_TITLES = tuple(day.title() for day in DAYS)
# A fixed namespace keeps calendar UIDs stable from one export to the next.
_UID_NAMESPACE = uuid.UUID("6f1c2f57-3d0e-4f55-9a43-6d2b8f7c9e10")
_PALETTE = (
    "#cfe2ff",
    "#d1f0d8",
    "#ffe5b4",
    "#f8d7da",
    "#e2d9f3",
    "#d2f4ea",
    "#fff3cd",
    "#dbe4f0",
    "#f3d9e9",
    "#e6f0c8",
)
_SESSION_COLOUR = "#eeeeee"

_Table = tuple[list[str], list[list[Any]]]


@dataclass(frozen=True, slots=True)
class _Event:
    """One weekly meeting or individual session."""

    day: int
    start: int
    end: int
    kind: Literal["group", "session"]
    group: str | None
    therapist: str
    client: str | None
    room: str | None
    members: tuple[str, ...] = ()

    @property
    def times(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def next_monday(today: dt.date | None = None) -> dt.date:
    """The first Monday strictly after ``today`` (default: the current date)."""
    today = today or dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def export_roster(
    instance: Instance,
    roster: Roster,
    to: str,
    out: str | Path,
    *,
    view: str | None = None,
    week_start: dt.date | None = None,
    weeks: int | None = None,
) -> list[Path]:
    """Write a roster for people to read; return the paths written.

    Args:
        instance: the instance the roster answers.
        roster: the roster.
        to: one of :data:`FORMATS`. ``xlsx``, ``html`` and ``png`` write the file ``out``;
            ``csv`` and ``ics`` write files into the folder ``out``.
        out: the file or folder to write (parent folders are created).
        view: ``png`` only: ``"program"`` (the default: every running group), a therapist id,
            or a room.
        week_start: ``ics`` only: the Monday of the first week (default: :func:`next_monday`).
            Given, the output is the same on every run.
        weeks: ``ics`` only: how many weeks the events repeat (default: without end).

    Raises:
        InputError: an unknown format or view, an option the format does not take, or a roster
            that names groups, therapists or clients the instance does not have.
        ImportError: the format needs an optional package that is not installed.
    """
    if to not in FORMATS:
        raise InputError(
            [
                Problem(
                    "", "to", f"unknown export format {to!r}; the formats are {', '.join(FORMATS)}"
                )
            ]
        )
    if view is not None and to != "png":
        raise InputError([Problem("", "view", f"a view applies to png only, not to {to}")])
    if to != "ics" and (week_start is not None or weeks is not None):
        raise InputError(
            [Problem("", "week_start", f"week_start and weeks apply to ics only, not to {to}")]
        )
    _check_matches(instance, roster)
    path = Path(out)
    written: list[Path]
    if to in ("xlsx", "csv"):
        tables = _tables(instance, roster)
        written = _write_xlsx(tables, path) if to == "xlsx" else _write_csv(tables, path)
    elif to == "ics":
        written = _write_ics(instance, roster, path, week_start or next_monday(), weeks)
    elif to == "html":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_html_page(instance, roster), encoding="utf-8")
        written = [path]
    else:
        written = [_write_png(instance, roster, view or "program", path)]
    log.info("exported %s: %d file(s)", to, len(written))
    return written


def _check_matches(instance: Instance, roster: Roster) -> None:
    """The roster names only groups, therapists and clients of the instance."""
    problems: list[Problem] = []

    def need(found: bool, entry: str, key: str, what: str, value: str) -> None:
        if not found:
            problems.append(Problem(entry, key, f"the instance has no {what} {value!r}"))

    for i, group in enumerate(roster.groups):
        entry = f"groups[{i}] (id {group.id})"
        need(instance.has_group(group.id), entry, "id", "group", group.id)
        need(
            instance.has_therapist(group.facilitator),
            entry,
            "facilitator",
            "therapist",
            group.facilitator,
        )
        for k, client in enumerate(group.clients):
            need(instance.has_client(client), entry, f"clients[{k}]", "client", client)
    for i, placement in enumerate(roster.clients):
        entry = f"clients[{i}] (id {placement.id})"
        need(instance.has_client(placement.id), entry, "id", "client", placement.id)
        need(instance.has_group(placement.group), entry, "group", "group", placement.group)
        need(
            instance.has_therapist(placement.therapist),
            entry,
            "therapist",
            "therapist",
            placement.therapist,
        )
    for i, item in enumerate(roster.unassigned):
        need(
            instance.has_client(item.id), f"unassigned[{i}] (id {item.id})", "id", "client", item.id
        )
    if problems:
        raise InputError(problems)


# ---------------------------------------------------------------- events


def _events(instance: Instance, roster: Roster) -> list[_Event]:
    """Every group meeting of a running group and every individual session, in week order."""
    events = [
        _Event(
            m.day_index,
            m.start_minute,
            m.end_minute,
            "group",
            group.id,
            group.facilitator,
            None,
            instance.group(group.id).room,
            tuple(group.clients),
        )
        for group in roster.groups
        for m in instance.group(group.id).meetings
    ]
    events += [
        _Event(
            s.day_index,
            s.start_minute,
            s.end_minute,
            "session",
            None,
            placement.therapist,
            placement.id,
            None,
        )
        for placement in roster.clients
        for s in placement.sessions
    ]
    return sorted(events, key=lambda e: (e.day, e.start, e.end, e.group or "", e.client or ""))


def _of_therapist(events: Iterable[_Event], therapist: str) -> list[_Event]:
    return [e for e in events if e.therapist == therapist]


def _of_client(events: Iterable[_Event], roster: Roster, client: str) -> list[_Event]:
    placement = roster.placement(client)
    if placement is None:
        return []
    return [
        e
        for e in events
        if (e.kind == "group" and e.group == placement.group) or e.client == client
    ]


def _of_room(events: Iterable[_Event], room: str) -> list[_Event]:
    return [e for e in events if e.kind == "group" and e.room == room]


def _of_group(events: Iterable[_Event], group: str) -> list[_Event]:
    return [e for e in events if e.kind == "group" and e.group == group]


def _running(instance: Instance, roster: Roster) -> list[str]:
    """Ids of running groups, in the instance's order."""
    running = {g.id for g in roster.groups}
    return [g.id for g in instance.groups if g.id in running]


def _rooms(instance: Instance, roster: Roster) -> list[str]:
    """Rooms of running groups, in the instance's order."""
    rooms: dict[str, None] = {}
    for group_id in _running(instance, roster):
        room = instance.group(group_id).room
        if room is not None:
            rooms.setdefault(room, None)
    return list(rooms)


def _placed(instance: Instance, roster: Roster) -> list[str]:
    """Ids of placed clients, in the instance's order."""
    placed = {p.id for p in roster.clients}
    return [c.id for c in instance.clients if c.id in placed]


# ---------------------------------------------------------------- tables (xlsx, csv)


def _tables(instance: Instance, roster: Roster) -> dict[str, _Table]:
    """The roster as named tables: header and rows."""
    frames = roster.to_frames(instance)
    events = _events(instance, roster)
    weights = instance.program.weights
    summary: list[list[Any]] = [
        ["program", instance.program.name],
        ["status", roster.status],
        ["objective", roster.objective],
        ["best_bound", roster.best_bound],
        ["solve_seconds", roster.solve_seconds],
        ["groups running", len(roster.groups)],
        ["clients placed", len(roster.clients)],
        ["clients unassigned", len(roster.unassigned)],
        *(["explanation", line] for line in roster.explanation),
    ]
    group_rows: list[list[Any]] = []
    for group_id in _running(instance, roster):
        group = instance.group(group_id)
        listed = next(g for g in roster.groups if g.id == group_id)
        group_rows.append(
            [
                group.id,
                group.name,
                group.shift,
                format_intervals(group.meetings),
                group.room,
                listed.facilitator,
                len(listed.clients),
                "; ".join(listed.clients),
            ]
        )
    therapist_rows: list[list[Any]] = [
        [
            t.id,
            _DAY_TITLES[e.day],
            _clock(e.start),
            _clock(e.end),
            f"facilitates {e.group}" if e.kind == "group" else f"session with {e.client}",
            e.group,
            e.client,
            e.room,
        ]
        for t in instance.therapists
        for e in _of_therapist(events, t.id)
    ]
    client_rows: list[list[Any]] = [
        [
            c,
            _DAY_TITLES[e.day],
            _clock(e.start),
            _clock(e.end),
            f"group {e.group}" if e.kind == "group" else f"session with {e.therapist}",
            e.group,
            e.therapist,
            e.room,
        ]
        for c in _placed(instance, roster)
        for e in _of_client(events, roster, c)
    ]
    unassigned = frames["unassigned"]
    penalties = frames["penalties"]
    return {
        "summary": (["item", "value"], summary),
        "group_lists": (
            ["group", "name", "shift", "meetings", "room", "facilitator", "size", "clients"],
            group_rows,
        ),
        "therapist_weeks": (
            ["therapist", "day", "start", "end", "what", "group", "client", "room"],
            therapist_rows,
        ),
        "client_weeks": (
            ["client", "day", "start", "end", "what", "group", "therapist", "room"],
            client_rows,
        ),
        "unassigned": (
            ["client", "reason"],
            [
                [str(c), str(r)]
                for c, r in zip(unassigned["client"], unassigned["reason"], strict=True)
            ],
        ),
        "penalties": (
            ["term", "weight", "amount"],
            [
                [str(t), getattr(weights, str(t)), int(a)]
                for t, a in zip(penalties["term"], penalties["amount"], strict=True)
            ],
        ),
    }


def _write_xlsx(tables: dict[str, _Table], path: Path) -> list[Path]:
    openpyxl = require_extra("openpyxl", "writing .xlsx workbooks")
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, (header, rows) in tables.items():
        add_table_sheet(workbook, name, [header, *rows], max_width=80)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return [path]


def _write_csv(tables: dict[str, _Table], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (header, rows) in tables.items():
        path = folder / f"{name}.csv"
        write_csv_table(path, [header, *rows])
        written.append(path)
    return written


# ---------------------------------------------------------------- calendars (ics)


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


def _write_ics(
    instance: Instance, roster: Roster, folder: Path, week_start: dt.date, weeks: int | None
) -> list[Path]:
    icalendar = require_extra("icalendar", "writing calendars")
    if week_start.weekday() != 0:
        raise InputError(
            [Problem("", "week_start", f"{week_start} is a {week_start:%A}, not a Monday")]
        )
    if weeks is not None and weeks < 1:
        raise InputError([Problem("", "weeks", f"weeks must be at least 1, not {weeks}")])
    events = _events(instance, roster)
    owners: list[tuple[str, str, list[_Event]]] = [
        ("therapist", t.id, _of_therapist(events, t.id)) for t in instance.therapists
    ]
    owners += [("client", c, _of_client(events, roster, c)) for c in _placed(instance, roster)]
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
    event: _Event,
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


# ---------------------------------------------------------------- weekly grids (html, png)


def _window(events: Sequence[_Event]) -> tuple[list[int], int, int]:
    """Days shown (Mon-Fri, plus weekend days in use) and the hours spanned, in minutes."""
    days = sorted(set(range(5)) | {e.day for e in events})
    if not events:
        return days, 8 * 60, 18 * 60
    start = min(e.start for e in events) // 60 * 60
    end = -(-max(e.end for e in events) // 60) * 60
    return days, start, max(end, start + 60)


def _lanes(events: Sequence[_Event]) -> list[tuple[_Event, int, int]]:
    """Each event with its lane and the number of lanes of its cluster of overlapping events."""
    placed: list[tuple[_Event, int, int]] = []
    clusters: list[tuple[list[tuple[_Event, int]], list[int]]] = []
    ordered = sorted(events, key=lambda e: (e.day, e.start, e.end))
    day, cluster_end = -1, -1
    for event in ordered:
        if event.day != day or event.start >= cluster_end:
            clusters.append(([], []))
            day, cluster_end = event.day, event.end
        members, lane_ends = clusters[-1]
        lane = next((i for i, end in enumerate(lane_ends) if end <= event.start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(event.end)
        else:
            lane_ends[lane] = event.end
        members.append((event, lane))
        cluster_end = max(cluster_end, event.end)
    for members, lane_ends in clusters:
        placed.extend((event, lane, len(lane_ends)) for event, lane in members)
    return placed


def _day_widths(placed: Sequence[tuple[_Event, int, int]], days: Sequence[int]) -> dict[int, int]:
    """Width of each day's column: as many units as its most crowded cluster has lanes."""
    widths = dict.fromkeys(days, 1)
    for event, _, lanes in placed:
        widths[event.day] = max(widths[event.day], lanes)
    return widths


def _colour(instance: Instance, event: _Event) -> str:
    if event.kind == "session" or event.group is None:
        return _SESSION_COLOUR
    index = next(i for i, g in enumerate(instance.groups) if g.id == event.group)
    return _PALETTE[index % len(_PALETTE)]


_Label = Callable[[_Event], list[str]]


def _therapist_label(event: _Event) -> list[str]:
    if event.kind == "group":
        room = [_room_text(event.room)] if event.room else []
        return [f"{event.group} (facilitates)", *room]
    return [f"session {event.client}"]


def _room_text(room: str) -> str:
    return room if "room" in room.lower() else f"room {room}"


def _group_label(event: _Event) -> list[str]:
    room = [_room_text(event.room)] if event.room else []
    return [f"{event.group}", f"facilitator {event.therapist}", *room]


def _room_label(event: _Event) -> list[str]:
    return [f"{event.group}", f"facilitator {event.therapist}"]


_CSS = """
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  margin: 1.5rem; color: #1b1b1b; line-height: 1.35; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #444; }
h3 { font-size: 1rem; margin: 1rem 0 .35rem; }
nav a { margin-right: .75rem; }
table.list { border-collapse: collapse; margin: .5rem 0 1rem; }
table.list th, table.list td { border: 1px solid #b8b8b8; padding: .2rem .5rem;
  text-align: left; vertical-align: top; font-size: .85rem; }
table.list th { background: #f0f0f0; }
section.grid { margin-bottom: 1.25rem; }
.week { display: grid; border: 1px solid #888; font-size: .75rem; }
.week .head { background: #f0f0f0; text-align: center; font-weight: 600; padding: .2rem;
  border-left: 1px solid #bbb; border-bottom: 1px solid #888; }
.week .times { position: relative; }
.week .times span { position: absolute; right: .3rem; color: #555; }
.week .col { position: relative; border-left: 1px solid #bbb; }
.week .line { position: absolute; left: 0; right: 0; border-top: 1px dotted #d0d0d0; }
.week .ev { position: absolute; overflow: hidden; border: 1px solid #666; border-radius: 3px;
  padding: 1px 3px; line-height: 1.15; }
.week .ev.session { border-style: dashed; }
.week .ev b { display: block; }
p.meta { color: #444; margin: .1rem 0 .5rem; }
p.none { color: #666; font-style: italic; }
@media print {
  body { margin: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-before: page; }
  section.grid, table.list { break-inside: avoid; page-break-inside: avoid; }
  .week .ev, .week .head, table.list th { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
}
"""


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _anchor(kind: str, item: str) -> str:
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_-]', '_', item)}"


def _html_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _html_grid(
    instance: Instance,
    events: Sequence[_Event],
    label: _Label,
    window: tuple[list[int], int, int],
) -> str:
    days, start, end = window
    scale = 48 / 60  # pixels per minute: an hour is 48 px on screen and on paper
    height = round((end - start) * scale)
    placed = _lanes(events)
    widths = _day_widths(placed, days)
    columns = " ".join(f"{widths[d]}fr" for d in days)
    parts = [
        f'<div class="week" style="grid-template-columns: 3.2rem {columns}">',
        '<div class="head"></div>',
        *(f'<div class="head">{_DAY_TITLES[d]}</div>' for d in days),
        f'<div class="times" style="height:{height}px">',
        *(
            f'<span style="top:{round((m - start) * scale)}px">{_clock(m)}</span>'
            for m in range(start, end, 60)
        ),
        "</div>",
    ]
    by_day: dict[int, list[str]] = {d: [] for d in days}
    for event, lane, lanes in placed:
        top = round((event.start - start) * scale)
        tall = max(round((event.end - event.start) * scale) - 1, 10)
        left, width = 100 * lane / lanes, 100 / lanes
        text = [event.times, *label(event)]
        by_day[event.day].append(
            f'<div class="ev {event.kind}" title="{_esc(" ".join(text))}" '
            f'style="top:{top}px;height:{tall}px;left:{left:.2f}%;width:{width:.2f}%;'
            f'background:{_colour(instance, event)}"><b>{_esc(text[0])}</b>'
            + "<br>".join(_esc(t) for t in text[1:])
            + "</div>"
        )
    for day in days:
        lines = "".join(
            f'<div class="line" style="top:{round((m - start) * scale)}px"></div>'
            for m in range(start + 60, end, 60)
        )
        parts.append(
            f'<div class="col" style="height:{height}px">{lines}' + "".join(by_day[day]) + "</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _html_section(
    instance: Instance,
    kind: str,
    item: str,
    title: str,
    meta: str,
    events: Sequence[_Event],
    label: _Label,
    window: tuple[list[int], int, int],
) -> str:
    body = (
        _html_grid(instance, events, label, window)
        if events
        else '<p class="none">Nothing scheduled this week.</p>'
    )
    return (
        f'<section class="grid" id="{_anchor(kind, item)}"><h3>{_esc(title)}</h3>'
        f'<p class="meta">{_esc(meta)}</p>{body}</section>'
    )


def _html_page(instance: Instance, roster: Roster) -> str:
    events = _events(instance, roster)
    window = _window(events)
    tables = _tables(instance, roster)
    name = instance.program.name or "IOP"
    objective = "none" if roster.objective is None else str(roster.objective)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(name)}: weekly roster</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(name)}: weekly roster</h1>",
        f'<p class="meta">Status {_esc(roster.status)}, objective {_esc(objective)}; '
        f"{len(roster.groups)} groups run, {len(roster.clients)} clients placed, "
        f"{len(roster.unassigned)} unassigned.</p>",
        '<nav><a href="#lists">Group lists</a><a href="#therapists">Therapists</a>'
        '<a href="#rooms">Rooms</a><a href="#groups">Groups</a></nav>',
    ]
    if roster.explanation:
        parts.append(
            "<ul>" + "".join(f"<li>{_esc(line)}</li>" for line in roster.explanation) + "</ul>"
        )
    parts.append('<h2 id="lists">Group lists</h2>')
    parts.append(_html_table(*tables["group_lists"]))
    if roster.unassigned:
        parts.append("<h3>Unassigned</h3>")
        parts.append(_html_table(*tables["unassigned"]))
    parts.append("<h3>Penalties</h3>")
    parts.append(_html_table(*tables["penalties"]))

    parts.append('<h2 id="therapists">Therapists</h2>')
    for therapist in instance.therapists:
        mine = _of_therapist(events, therapist.id)
        groups = sorted({e.group for e in mine if e.group is not None})
        sessions = sum(1 for e in mine if e.kind == "session")
        caseload = sum(1 for p in roster.clients if p.therapist == therapist.id)
        meta = (
            f"Facilitates {', '.join(groups) or 'no group'}; {sessions} individual "
            f"sessions; caseload {caseload}."
        )
        parts.append(
            _html_section(
                instance,
                "therapist",
                therapist.id,
                f"Therapist {therapist.id}",
                meta,
                mine,
                _therapist_label,
                window,
            )
        )

    parts.append('<h2 id="rooms">Rooms</h2>')
    rooms = _rooms(instance, roster)
    if not rooms:
        parts.append('<p class="none">No running group has a room.</p>')
    for room in rooms:
        mine = _of_room(events, room)
        used = sorted({e.group for e in mine if e.group is not None})
        parts.append(
            _html_section(
                instance,
                "room",
                room,
                f"Room {room}",
                f"Groups: {', '.join(used)}.",
                mine,
                _room_label,
                window,
            )
        )

    parts.append('<h2 id="groups">Groups</h2>')
    for group_id in _running(instance, roster):
        group = instance.group(group_id)
        listed = next(g for g in roster.groups if g.id == group_id)
        meta = (
            f"{group.name + '; ' if group.name else ''}{group.shift}, {group.population}; "
            f"facilitator {listed.facilitator}; room {group.room or 'none'}; "
            f"{len(listed.clients)} clients: {', '.join(listed.clients)}."
        )
        parts.append(
            _html_section(
                instance,
                "group",
                group_id,
                f"Group {group_id}",
                meta,
                _of_group(events, group_id),
                _group_label,
                window,
            )
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _write_png(instance: Instance, roster: Roster, view: str, path: Path) -> Path:
    events = _events(instance, roster)
    name = instance.program.name or "IOP"
    label: _Label
    if view == "program":
        shown = [e for e in events if e.kind == "group"]
        title, label = f"{name}: all groups", _group_label
    elif instance.has_therapist(view):
        shown, label = _of_therapist(events, view), _therapist_label
        title = f"{name}: therapist {view}"
    elif view in {g.room for g in instance.groups if g.room is not None}:
        shown, label = _of_room(events, view), _room_label
        title = f"{name}: room {view}"
    else:
        rooms = sorted({g.room for g in instance.groups if g.room is not None})
        raise InputError(
            [
                Problem(
                    "",
                    "view",
                    f"unknown view {view!r}: use 'program', a therapist id "
                    f"({', '.join(t.id for t in instance.therapists) or 'none'}) or a room "
                    f"({', '.join(rooms) or 'none'})",
                )
            ]
        )
    require_extra("matplotlib", "drawing pictures")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    days, start, end = _window(shown)
    placed = _lanes(shown)
    widths = _day_widths(placed, days)
    offsets: dict[int, float] = {}
    total = 0
    for day in days:
        offsets[day] = total
        total += widths[day]
    hours = (end - start) / 60
    figure = Figure(figsize=(1.0 + 1.6 * total, 1.2 + 0.55 * hours), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_xlim(0, total)
    axes.set_ylim(end, start)
    axes.set_xticks(
        [offsets[d] + widths[d] / 2 for d in days], labels=[_DAY_TITLES[d] for d in days]
    )
    axes.xaxis.tick_top()
    axes.tick_params(axis="x", length=0)
    ticks = list(range(start, end + 1, 60))
    axes.set_yticks(ticks, labels=[_clock(m) for m in ticks])
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for day in days[1:]:
        axes.axvline(offsets[day], color="#aaaaaa", linewidth=0.8)
    for event, lane, lanes in placed:
        width = widths[event.day] / lanes
        left = offsets[event.day] + lane * width
        box = Rectangle(
            (left + 0.02, event.start),
            width - 0.04,
            event.end - event.start,
            facecolor=_colour(instance, event),
            edgecolor="#555555",
            linewidth=0.8,
            linestyle="--" if event.kind == "session" else "-",
        )
        axes.add_patch(box)
        text = axes.text(
            left + 0.05,
            event.start + 4,
            "\n".join([event.times, *label(event)]),
            fontsize=7,
            va="top",
            ha="left",
            clip_on=True,
        )
        text.set_clip_path(box)
    if not shown:
        axes.text(
            total / 2,
            (start + end) / 2,
            "Nothing scheduled this week.",
            ha="center",
            va="center",
            color="#666666",
        )
    axes.set_title(title, pad=24)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=110)
    return path
