"""Instances as spreadsheets a person can fill by hand: an Excel workbook or a folder of CSV files.

The layout (``docs/spreadsheets.md`` has the full reference):

- sheets (or CSV files of the same names) ``program``, ``levels``, ``appointment_kinds``,
  ``groups``, ``therapists`` and ``clients``. ``program`` holds one setting per row (columns
  ``key``, ``value`` and an optional ``meaning``); the others hold one entry per row and one
  column per key of the JSON format, with the column names in row 1. ``program``, ``levels`` and
  ``appointment_kinds`` may be left out (the format's defaults: one level ``iop``, one required
  kind ``individual``, once a week);
- the clients sheet has the columns ``appointments.<kind>`` and ``appointment_minutes.<kind>``
  for each appointment kind;
- a sheet named ``README`` is ignored (the template explains the columns there);
- an empty cell means "the default"; times are ``09:00``, days ``Mon``, lists ``a; b``, yes/no
  cells ``yes`` or ``no``, and intervals ``Mon 09:00-12:00; Wed 09:00-12:00`` (also
  ``Mon-Fri 08:00-17:00``, ``Mon, Wed, Fri 09:00-12:00``, and ``none`` for an empty list).

A workbook of format version 1 (no ``levels`` or ``appointment_kinds`` sheet) still reads: its
columns ``individual_sessions`` and ``session_minutes`` and its program keys
``individual_session_minutes`` and ``min_weekly_hours.*`` set the default kind ``individual``
and level ``iop``. In a workbook with the new sheets they are refused, naming the new column.
Reading always gives a version-2 instance.

Every problem is reported at once, as one :class:`~solver.errors.InputError` whose problems
name the sheet, the row as the spreadsheet shows it (the header is row 1) and the column.
:mod:`solver.files.columns` lists the columns, :mod:`solver.files.cells` reads each cell.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.errors import InputError, Problem
from solver.files.cells import CellError, Empty, convert_cell, is_empty
from solver.files.columns import (
    KIND_COLUMN_PREFIXES,
    LEGACY_CLIENT_COLUMNS,
    LEGACY_PROGRAM_KEYS,
    PROGRAM_HEADER,
    PROGRAM_KEYS,
    PROGRAM_LIST_SHEETS,
    SINGULAR,
    WEEK_SHEETS,
    Column,
    SheetName,
    column_letter,
    normal_name,
    sheet_columns,
)
from solver.files.sheets import Problems, Sheet, header_name, read_sheets
from solver.instance import Instance, parse_instance

__all__ = ["read_workbook"]

log = logging.getLogger(__name__)

_DEFAULT_KIND = "individual"
_DEFAULT_LEVEL = "iop"


@dataclass
class _Entries:
    """The entries read from one list sheet: flat values keyed by column key."""

    sheet: Sheet
    columns: tuple[Column, ...]
    rows: list[int] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)

    def column_of(self, key_path: str) -> str:
        """The column a key of an entry came from: the longest column key it starts with."""
        found = [
            c.key
            for c in self.columns
            if key_path == c.key or key_path.startswith((c.key + ".", c.key + "["))
        ]
        return max(found, key=len) if found else key_path.split(".")[0]

    def order(self, column: str) -> int:
        keys = [c.key for c in self.columns]
        return keys.index(column) if column in keys else len(keys)


def _unknown_column(sheet: Sheet, name: str, columns: Sequence[Column]) -> str:
    prefix, dot, kind = name.partition(".")
    if dot and prefix in KIND_COLUMN_PREFIXES:
        kinds = [c.key.partition(".")[2] for c in columns if c.key.startswith(prefix + ".")]
        return (
            f"unknown appointment kind {kind!r} (the kinds are {', '.join(kinds) or 'none'}; "
            "a kind is a row of sheet appointment_kinds)"
        )
    return (
        f"unknown column (the columns of sheet {sheet.name} are "
        f"{', '.join(c.key for c in columns)})"
    )


def _header(
    sheet: Sheet,
    columns: Sequence[Column],
    problems: Problems,
    aliases: Mapping[str, str] | None = None,
    refused: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Map column key -> cell index, reporting unknown, doubled and missing columns.

    ``aliases``: old names read as another column; ``refused``: old names refused with a message.
    """
    header = sheet.rows[0] if sheet.rows else []
    order: dict[str, int] = {}
    for i, column in enumerate(columns):
        order.setdefault(normal_name(column.key), i)
    index: dict[str, int] = {}
    for j, cell in enumerate(header):
        name = header_name(cell)
        if name is None:
            if any(j < len(row) and not is_empty(row[j]) for row in sheet.rows[1:]):
                message = "this column holds values but has no name in row 1"
                problems.cell(sheet, 1, column_letter(j), message, len(order) + j)
            continue
        written = name
        name = normal_name((aliases or {}).get(name, name))
        if refused and written in refused:
            problems.cell(sheet, 1, str(cell).strip(), refused[written], len(order) + j)
        elif name not in order:
            message = _unknown_column(sheet, name, columns)
            problems.cell(sheet, 1, str(cell).strip(), message, len(order) + j)
        elif columns[order[name]].key in index:
            key = columns[order[name]].key
            first = column_letter(index[key])
            message = f"a second column for {key} (also column {first})"
            problems.cell(sheet, 1, written, message, order[name])
        else:
            index[columns[order[name]].key] = j
    for i, column in enumerate(columns):
        if column.required and column.key not in index:
            problems.cell(sheet, 1, column.key, "required column is missing", i)
            problems.missing_columns.add((sheet.name, column.key))
    return index


def _read_entries(
    sheet: Sheet,
    columns: tuple[Column, ...],
    problems: Problems,
    aliases: Mapping[str, str] | None = None,
    refused: Mapping[str, str] | None = None,
) -> _Entries:
    index = _header(sheet, columns, problems, aliases, refused)
    entries = _Entries(sheet, columns)
    for row_number, row in enumerate(sheet.rows[1:], start=2):
        if all(is_empty(cell) for cell in row):
            continue
        values: dict[str, Any] = {}
        for order, column in enumerate(columns):
            j = index.get(column.key)
            if j is None:
                continue
            raw = row[j] if j < len(row) else None
            try:
                value = convert_cell(column, raw)
            except CellError as exc:
                problems.cell(sheet, row_number, column.key, str(exc), order)
                continue
            if isinstance(value, Empty):
                if column.required:
                    problems.cell(
                        sheet, row_number, column.key, "required: the cell is empty", order
                    )
                continue
            values[column.key] = value
        entries.rows.append(row_number)
        entries.values.append(values)
    return entries


@dataclass
class _Program:
    """The program sheet's settings, the row of each key given, and version 1's keys given."""

    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    legacy: dict[str, Any] = field(default_factory=dict)


def _read_program(sheet: Sheet, problems: Problems, has: set[SheetName]) -> _Program:
    """The program object; ``has``: the sheets the workbook holds (version 1's keys are read
    only without the sheet that replaced them)."""
    index = _header(sheet, PROGRAM_HEADER, problems)
    keys = {c.key: c for c in PROGRAM_KEYS}
    program = _Program()
    if "key" not in index or "value" not in index:
        return program
    for row_number, row in enumerate(sheet.rows[1:], start=2):
        cells = {name: (row[j] if j < len(row) else None) for name, j in index.items()}
        if is_empty(cells["key"]) and is_empty(cells["value"]):
            continue
        name = header_name(cells["key"])
        if name is None:
            problems.cell(sheet, row_number, "key", "the key cell is empty", 0)
            continue
        column = keys.get(name)
        if column is None and name in LEGACY_PROGRAM_KEYS:
            column, replacement = LEGACY_PROGRAM_KEYS[name]
            replaced_by = "appointment_kinds" if "minutes" in name else "levels"
            if replaced_by in has:
                message = f"{name} is a format version 1 key: version 2 sets it in {replacement}"
                problems.cell(sheet, row_number, "key", message, 0)
                continue
        if column is None:
            listed = ", ".join(keys)
            message = f"unknown key {name!r} (the keys are {listed})"
            problems.cell(sheet, row_number, "key", message, 0)
            continue
        if name in program.rows:
            message = f"{name} is also given in row {program.rows[name]}"
            problems.cell(sheet, row_number, "key", message, 0)
            continue
        program.rows[name] = row_number
        try:
            value = convert_cell(column, cells["value"])
        except CellError as exc:
            problems.cell(sheet, row_number, "value", f"{name}: {exc}", 1)
            continue
        if isinstance(value, Empty):
            continue
        if name in LEGACY_PROGRAM_KEYS:
            program.legacy[name] = value
            continue
        target = program.values
        *parents, leaf = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return program


def _check_ids(entries: Mapping[SheetName, _Entries], problems: Problems) -> None:
    """Duplicate ids and references to ids no row has, all at once."""
    ids: dict[str, dict[str, int]] = {"levels": {_DEFAULT_LEVEL: 0}}
    for name, sheet_entries in entries.items():
        seen: dict[str, int] = {}
        for row, values in zip(sheet_entries.rows, sheet_entries.values, strict=True):
            entry_id = values.get("id")
            if not isinstance(entry_id, str):
                continue
            if entry_id in seen:
                message = f"duplicate id {entry_id!r} (also row {seen[entry_id]})"
                problems.cell(sheet_entries.sheet, row, "id", message, 0)
            else:
                seen[entry_id] = row
        ids[name] = seen
    for sheet_entries in entries.values():
        for order, column in enumerate(sheet_entries.columns):
            if column.refs is None or column.refs not in ids:
                continue
            known = ids[column.refs]
            for row, values in zip(sheet_entries.rows, sheet_entries.values, strict=True):
                value = values.get(column.key)
                names = value if isinstance(value, list) else [value] if value else []
                unknown = [n for n in names if n not in known]
                if unknown:
                    where = (
                        f"no row of sheet {column.refs} has this id"
                        if column.refs in entries
                        else f"without a sheet {column.refs}, the only level is {_DEFAULT_LEVEL}"
                    )
                    problems.cell(
                        sheet_entries.sheet,
                        row,
                        column.key,
                        f"unknown {SINGULAR[column.refs]} "
                        f"{', '.join(repr(n) for n in unknown)} ({where})",
                        order,
                    )


def _nested(values: Mapping[str, Any]) -> dict[str, Any]:
    """Flat column values as an entry of the format: ``a.b`` becomes ``{"a": {"b": ...}}``."""
    entry: dict[str, Any] = {}
    for key, value in values.items():
        head, dot, tail = key.partition(".")
        if dot:
            entry.setdefault(head, {})[tail] = value
        else:
            entry[key] = value
    return entry


def _program_document(program: _Program, entries: Mapping[SheetName, _Entries]) -> dict[str, Any]:
    document = dict(program.values)
    for name in PROGRAM_LIST_SHEETS:
        if name in entries:
            document[name] = [_nested(v) for v in entries[name].values]
    legacy = program.legacy
    if "individual_session_minutes" in legacy:
        document["appointment_kinds"] = [
            {
                "id": _DEFAULT_KIND,
                "minutes": legacy["individual_session_minutes"],
                "provider": "primary",
                "required": True,
                "per_week": 1,
            }
        ]
    hours = {
        key.split(".")[1]: value
        for key, value in legacy.items()
        if key.startswith("min_weekly_hours.")
    }
    if hours:
        document["levels"] = [{"id": _DEFAULT_LEVEL, "min_weekly_hours": hours}]
    return document


_ENTRY = re.compile(r"(groups|therapists|clients)\[(\d+)\]")
_PROGRAM_LIST = re.compile(r"(levels|appointment_kinds)(?:\[(\d+)\])?\.?(.*)")
# Where a problem of the default kind or level made from version 1's program keys came from.
_LEGACY_ROWS = {
    ("appointment_kinds", "minutes"): "individual_session_minutes",
    ("levels", "min_weekly_hours.adult"): "min_weekly_hours.adult",
    ("levels", "min_weekly_hours.adolescent"): "min_weekly_hours.adolescent",
}


@dataclass
class _Source:
    """What a problem of the instance model is traced back to."""

    path: str
    entries: Mapping[SheetName, _Entries]
    program_sheet: Sheet | None
    program: _Program


def _relocate_entry(
    sheet_entries: _Entries, index: int, key: str, message: str, problems: Problems
) -> None:
    sheet = sheet_entries.sheet
    row = sheet_entries.rows[index]
    if not key:
        problems.row(sheet, row, message)
        return
    column = sheet_entries.column_of(key)
    if not problems.covers(sheet.name, row, column):
        problems.cell(sheet, row, column, message, sheet_entries.order(column))


def _relocate_program(problem: Problem, source: _Source, problems: Problems) -> None:
    key = problem.key
    listed = _PROGRAM_LIST.fullmatch(key)
    if listed:
        name: SheetName = "levels" if listed[1] == "levels" else "appointment_kinds"
        sub = re.sub(r"\[\d+\]", "", listed[3])
        if name in source.entries and listed[2] is not None:
            _relocate_entry(source.entries[name], int(listed[2]), sub, problem.message, problems)
            return
        if name in source.entries:
            problems.sheet(source.entries[name].sheet, problem.message)
            return
        legacy = _LEGACY_ROWS.get((name, sub))
        if legacy is not None and source.program_sheet and legacy in source.program.rows:
            row = source.program.rows[legacy]
            message = f"{legacy}: {problem.message}"
            problems.cell(source.program_sheet, row, "value", message, 1)
            return
    parts = re.sub(r"\[\d+\]", "", key).split(".")
    rows = source.program.rows
    name_ = ".".join(parts[:2]) if ".".join(parts[:2]) in rows else parts[0]
    if source.program_sheet is not None and name_ in rows:
        row = rows[name_]
        if not problems.covers("program", row, "value"):
            problems.cell(source.program_sheet, row, "value", f"{name_}: {problem.message}", 1)
        return
    file = source.program_sheet.file if source.program_sheet is not None else source.path
    message = f"{name_}: {problem.message}" if name_ else problem.message
    problems.add(file, "sheet program", "", message, (0, 0, 0))


def _relocate(problem: Problem, source: _Source, problems: Problems) -> None:
    """Report a problem of the instance model at the sheet, row and column it came from."""
    match = _ENTRY.match(problem.entry)
    if match and match[1] in source.entries:
        sheet_entries = source.entries[match[1]]  # type: ignore[index]
        _relocate_entry(sheet_entries, int(match[2]), problem.key, problem.message, problems)
        return
    if problem.entry == "program":
        _relocate_program(problem, source, problems)
        return
    problems.add(source.path, problem.entry, problem.key, problem.message)


def _client_aliases(has_kinds: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Version 1's client columns: read as the default kind's, or refused naming the new one."""
    if not has_kinds:
        aliases = {old: f"{p}.{kind}" for old, (p, kind) in LEGACY_CLIENT_COLUMNS.items()}
        return aliases, {}
    refused = {
        old: f"column {old} is format version 1's: version 2 has one column {p}.<kind> per "
        f"kind of sheet appointment_kinds (e.g. {p}.{kind})"
        for old, (p, kind) in LEGACY_CLIENT_COLUMNS.items()
    }
    return {}, refused


def _read_sheet_entries(
    sheets: Mapping[SheetName, Sheet], problems: Problems
) -> dict[SheetName, _Entries]:
    entries: dict[SheetName, _Entries] = {}
    for name in PROGRAM_LIST_SHEETS:
        if name in sheets:
            entries[name] = _read_entries(sheets[name], sheet_columns(name), problems)
    kinds = [_DEFAULT_KIND]
    if "appointment_kinds" in entries:
        found = (v.get("id") for v in entries["appointment_kinds"].values)
        kinds = list(dict.fromkeys(k for k in found if isinstance(k, str)))
    aliases, refused = _client_aliases("appointment_kinds" in sheets)
    for name in WEEK_SHEETS:
        if name not in sheets:
            continue
        columns = sheet_columns(name, kinds)
        if name == "clients":
            entries[name] = _read_entries(sheets[name], columns, problems, aliases, refused)
        else:
            entries[name] = _read_entries(sheets[name], columns, problems)
    return entries


def read_workbook(source: str | Path) -> Instance:
    """Read an instance from an Excel workbook (``.xlsx``) or a folder of CSV files.

    The workbook has the sheets ``program``, ``levels`` and ``appointment_kinds`` (each
    optional), ``groups``, ``therapists`` and ``clients``; a folder has one CSV file per sheet
    (``clients.csv`` ...). ``docs/spreadsheets.md`` describes every column. The instance is of
    format version 2, also when the workbook has version 1's columns.

    Raises:
        InputError: every problem found, each naming the file, ``sheet S, row R`` (row 1 is the
            header) and ``column C``.
        ImportError: a workbook was given and openpyxl is not installed.
    """
    path = Path(source)
    problems = Problems()
    sheets = read_sheets(path, problems)
    for name in WEEK_SHEETS:
        if name not in sheets:
            what = f"file {name}.csv" if path.is_dir() else f"sheet {name}"
            problems.add(str(path), "", "", f"the {what} is missing")
    program_sheet = sheets.get("program")
    has = set(sheets)
    program = _read_program(program_sheet, problems, has) if program_sheet else _Program()
    entries = _read_sheet_entries(sheets, problems)
    _check_ids(entries, problems)
    if any(name not in entries for name in WEEK_SHEETS):
        raise problems.error()
    data: dict[str, Any] = {
        "format_version": 2,
        "program": _program_document(program, entries),
        **{name: [_nested(v) for v in entries[name].values] for name in WEEK_SHEETS},
    }
    try:
        instance = parse_instance(data, source=str(path))
    except InputError as exc:
        where = _Source(str(path), entries, program_sheet, program)
        for problem in exc.problems:
            _relocate(problem, where, problems)
        raise problems.error() from None
    if problems.items:
        raise problems.error()
    log.info(
        "read %s: %d groups, %d therapists, %d clients",
        path,
        len(instance.groups),
        len(instance.therapists),
        len(instance.clients),
    )
    return instance
