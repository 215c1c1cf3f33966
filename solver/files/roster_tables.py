"""A roster as tables (``summary``, ``group_lists``, ``therapist_weeks``, ``client_weeks``,
``unassigned``, ``penalties``), written as one workbook (``xlsx``) or a folder of CSV files
(``csv``); the web page shows some of them too.

A roster of format version 2 also has the tables ``appointments`` (one row per appointment,
with its kind and provider) and ``missed`` (one row per reason a client misses appointments of
a kind), and its weeks name each appointment's kind. A version-1 roster's tables are version 1's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from solver.files.atomic import atomic_path
from solver.files.cells import format_intervals
from solver.files.events import (
    DAY_TITLES,
    Event,
    kind_word,
    of_client,
    of_therapist,
    placed_clients,
    roster_events,
    running_groups,
)
from solver.files.extras import require_extra
from solver.files.table_writers import add_table_sheet, write_csv_table
from solver.instance import Instance, minutes_to_time
from solver.roster import Roster

__all__ = ["Table", "roster_tables", "write_csv", "write_xlsx"]

Table = tuple[list[str], list[list[Any]]]


def _what(event: Event, other: str | None, v2: bool) -> str:
    """An appointment in a week's table: ``session with C2``, in version 2 with its kind."""
    kind = f"{kind_word(event.appointment)} " if v2 and event.appointment else ""
    return f"{kind}session with {other}"


def _appointment_tables(instance: Instance, roster: Roster) -> dict[str, Table]:
    """Version 2's tables of appointments (kind and provider) and of missed appointments."""
    order = {c.id: i for i, c in enumerate(instance.clients)}
    placements = sorted(roster.clients, key=lambda p: order.get(p.id, len(order)))
    appointments = [
        [p.id, a.kind, a.provider, DAY_TITLES[a.day_index], a.start, a.end, p.therapist, p.group]
        for p in placements
        for a in sorted(p.appointments, key=lambda a: (a.day_index, a.start, a.kind))
    ]
    missed = [
        [p.id, m.kind, m.count, reason]
        for p in placements
        for m in p.missed
        for reason in m.reasons
    ]
    return {
        "appointments": (
            ["client", "kind", "provider", "day", "start", "end", "primary therapist", "group"],
            appointments,
        ),
        "missed": (["client", "kind", "count", "reason"], missed),
    }


def roster_tables(instance: Instance, roster: Roster) -> dict[str, Table]:
    """The roster as named tables: header and rows."""
    frames = roster.to_frames(instance)
    events = roster_events(instance, roster)
    weights = instance.program.weights
    v2 = roster.format_version == 2
    counts: list[list[Any]] = []
    if v2:
        counts = [
            ["appointments scheduled", sum(len(p.appointments) for p in roster.clients)],
            ["appointments missed", sum(m.count for p in roster.clients for m in p.missed)],
        ]
    summary: list[list[Any]] = [
        ["program", instance.program.name],
        ["status", roster.status],
        ["objective", roster.objective],
        ["best_bound", roster.best_bound],
        ["solve_seconds", roster.solve_seconds],
        ["groups running", len(roster.groups)],
        ["clients placed", len(roster.clients)],
        ["clients unassigned", len(roster.unassigned)],
        *counts,
        *(["explanation", line] for line in roster.explanation),
    ]
    group_rows: list[list[Any]] = []
    for group_id in running_groups(instance, roster):
        group = instance.group(group_id)
        listed = next(g for g in roster.groups if g.id == group_id)
        group_rows.append(
            [
                group.id,
                group.name,
                group.shift,
                format_intervals(group.meetings),
                group.room,
                *([group.site] if v2 else []),
                listed.facilitator,
                len(listed.clients),
                "; ".join(listed.clients),
            ]
        )
    therapist_rows: list[list[Any]] = [
        [
            t.id,
            DAY_TITLES[e.day],
            minutes_to_time(e.start),
            minutes_to_time(e.end),
            f"facilitates {e.group}" if e.kind == "group" else _what(e, e.client, v2),
            e.group,
            e.client,
            e.room,
        ]
        for t in instance.therapists
        for e in of_therapist(events, t.id)
    ]
    client_rows: list[list[Any]] = [
        [
            c,
            DAY_TITLES[e.day],
            minutes_to_time(e.start),
            minutes_to_time(e.end),
            f"group {e.group}" if e.kind == "group" else _what(e, e.therapist, v2),
            e.group,
            e.therapist,
            e.room,
        ]
        for c in placed_clients(instance, roster)
        for e in of_client(events, roster, c)
    ]
    unassigned = frames["unassigned"]
    penalties = frames["penalties"]
    room = ["room", "site"] if v2 else ["room"]
    tables: dict[str, Table] = {
        "summary": (["item", "value"], summary),
        "group_lists": (
            ["group", "name", "shift", "meetings", *room, "facilitator", "size", "clients"],
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
        **(_appointment_tables(instance, roster) if v2 else {}),
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
    return tables


def write_xlsx(tables: dict[str, Table], path: Path) -> list[Path]:
    """Write the tables as one workbook, a sheet each; return the file written."""
    openpyxl = require_extra("openpyxl", "writing .xlsx workbooks")
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, (header, rows) in tables.items():
        add_table_sheet(workbook, name, [header, *rows], max_width=80)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        workbook.save(tmp)
    return [path]


def write_csv(tables: dict[str, Table], folder: Path) -> list[Path]:
    """Write the tables as CSV files in ``folder``, one each; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (header, rows) in tables.items():
        path = folder / f"{name}.csv"
        write_csv_table(path, [header, *rows])
        written.append(path)
    return written
