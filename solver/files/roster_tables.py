"""A roster as tables (``summary``, ``group_lists``, ``therapist_weeks``, ``client_weeks``,
``unassigned``, ``penalties``), written as one workbook (``xlsx``) or a folder of CSV files
(``csv``); the web page shows some of them too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from solver.files.atomic import atomic_path
from solver.files.cells import format_intervals
from solver.files.events import (
    DAY_TITLES,
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


def roster_tables(instance: Instance, roster: Roster) -> dict[str, Table]:
    """The roster as named tables: header and rows."""
    frames = roster.to_frames(instance)
    events = roster_events(instance, roster)
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
            f"facilitates {e.group}" if e.kind == "group" else f"session with {e.client}",
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
            f"group {e.group}" if e.kind == "group" else f"session with {e.therapist}",
            e.group,
            e.therapist,
            e.room,
        ]
        for c in placed_clients(instance, roster)
        for e in of_client(events, roster, c)
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


def write_xlsx(tables: dict[str, Table], path: Path) -> list[Path]:
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
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (header, rows) in tables.items():
        path = folder / f"{name}.csv"
        write_csv_table(path, [header, *rows])
        written.append(path)
    return written
