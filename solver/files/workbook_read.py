"""Instances as spreadsheets a person can fill by hand: an Excel workbook or a folder of CSV files.

The layout (``docs/spreadsheets.md`` has the full reference):

- four sheets (or ``program.csv``, ``groups.csv``, ``therapists.csv``, ``clients.csv`` in a folder):
  ``program`` holds one setting per row (columns ``key``, ``value`` and an optional ``meaning``);
  ``groups``, ``therapists`` and ``clients`` hold one entry per row and one column per key of the
  JSON format, with the column names in row 1;
- a sheet named ``README`` is ignored (the template explains the columns there);
- an empty cell means "the default"; times are ``09:00``, days ``Mon``, lists ``a; b``, and
  intervals ``Mon 09:00-12:00; Wed 09:00-12:00`` (also ``Mon-Fri 08:00-17:00``,
  ``Mon, Wed, Fri 09:00-12:00``, and ``none`` for an empty list).

Every problem is reported at once, as one :class:`~solver.errors.InputError` whose problems
name the sheet, the row as the spreadsheet shows it (the header is row 1) and the column.
:mod:`solver.files.columns` lists the columns, :mod:`solver.files.cells` reads each cell.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.errors import InputError, Problem
from solver.files.cells import CellError, Empty, cell_text, convert_cell, is_empty
from solver.files.columns import (
    COLUMNS,
    LIST_SHEETS,
    PROGRAM_HEADER,
    PROGRAM_KEYS,
    SHEETS,
    SINGULAR,
    WORKBOOK_SUFFIXES,
    Column,
    SheetName,
    column_letter,
)
from solver.files.extras import require_extra
from solver.files.table_writers import unquote_csv_cell
from solver.instance import Instance, parse_instance

__all__ = ["read_workbook"]

log = logging.getLogger(__name__)

_IGNORED_SHEETS = frozenset({"readme"})


@dataclass
class _Sheet:
    """The cells of one sheet (or CSV file); ``rows[0]`` is row 1, the header."""

    name: SheetName
    file: str
    rows: list[list[object]]


def _header_name(raw: object) -> str | None:
    try:
        text = cell_text(raw)
    except CellError:
        return str(raw)
    if isinstance(text, Empty):
        return None
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _sheet_name(title: str) -> str:
    return title.strip().lower()


def _read_xlsx(path: Path, problems: _Problems) -> dict[SheetName, _Sheet]:
    openpyxl = require_extra("openpyxl", "reading .xlsx workbooks")
    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    # openpyxl raises many different types for unreadable or corrupt files.
    except Exception as exc:
        raise InputError([Problem("", "", f"cannot read the workbook: {exc}", str(path))]) from None
    sheets: dict[SheetName, _Sheet] = {}
    for worksheet in workbook.worksheets:
        name = _sheet_name(worksheet.title)
        if name in _IGNORED_SHEETS:
            continue
        known = _known_sheet(name)
        if known is None:
            problems.add(
                str(path),
                f"sheet {worksheet.title}",
                "",
                f"unknown sheet (the sheets are {', '.join(SHEETS)}, and README which is ignored)",
            )
            continue
        if known in sheets:
            problems.add(str(path), f"sheet {worksheet.title}", "", f"a second sheet named {known}")
            continue
        rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
        sheets[known] = _Sheet(known, str(path), rows)
    workbook.close()
    return sheets


def _known_sheet(name: str) -> SheetName | None:
    for sheet in SHEETS:
        if sheet == name:
            return sheet
    return None


def _read_csv_folder(folder: Path, problems: _Problems) -> dict[SheetName, _Sheet]:
    sheets: dict[SheetName, _Sheet] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() != ".csv":
            continue
        name = _sheet_name(path.stem)
        known = _known_sheet(name)
        if known is None:
            problems.add(
                str(path),
                "",
                "",
                f"unknown CSV file (the files are {', '.join(s + '.csv' for s in SHEETS)})",
            )
            continue
        if known in sheets:
            problems.add(str(path), "", "", f"a second file for sheet {known}")
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.add(str(path), "", "", f"cannot read the file as UTF-8 text: {exc}")
            continue
        first_line = text.split("\n", 1)[0]
        # Excel in many European locales saves CSV with ';' between cells.
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        # Text the CSV writer put behind a ' (it starts like a formula) reads back unchanged.
        try:
            rows: list[list[object]] = [[unquote_csv_cell(c) for c in r] for r in reader]
        except csv.Error as exc:  # a cell beyond the csv module's field limit, a stray NUL
            problems.add(str(path), "", "", f"cannot read the file as CSV: {exc}")
            continue
        sheets[known] = _Sheet(known, str(path), rows)
    return sheets


# ---------------------------------------------------------------- problems


@dataclass
class _Problems:
    """Problems found so far, sortable by sheet, row and column, with the cells they cover."""

    items: list[tuple[tuple[int, int, int], Problem]] = field(default_factory=list)
    cells: set[tuple[str, int, str]] = field(default_factory=set)
    missing_columns: set[tuple[str, str]] = field(default_factory=set)

    def add(
        self,
        file: str,
        entry: str,
        key: str,
        message: str,
        order: tuple[int, int, int] = (-1, 0, 0),
    ) -> None:
        self.items.append((order, Problem(entry, key, message, file)))

    def cell(
        self, sheet: _Sheet, row: int, column: str, message: str, column_index: int = 0
    ) -> None:
        """A problem with one cell; later problems at the same cell are dropped."""
        self.cells.add((sheet.name, row, column))
        self.add(
            sheet.file,
            f"sheet {sheet.name}, row {row}",
            f"column {column}",
            message,
            (SHEETS.index(sheet.name), row, column_index),
        )

    def covers(self, sheet: str, row: int, column: str) -> bool:
        """True when a problem at this cell (or its whole column) is already known."""
        return (sheet, row, column) in self.cells or (sheet, column) in self.missing_columns

    def error(self) -> InputError:
        """All problems, in sheet, row and column order."""
        ordered = sorted(enumerate(self.items), key=lambda item: (item[1][0], item[0]))
        unique: dict[Problem, None] = {}
        for _, (_, problem) in ordered:
            unique.setdefault(problem, None)
        return InputError(list(unique))


# ---------------------------------------------------------------- sheets -> instance


@dataclass
class _Entries:
    """The entries read from one list sheet."""

    sheet: _Sheet
    rows: list[int] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)


def _header(sheet: _Sheet, columns: Sequence[Column], problems: _Problems) -> dict[str, int]:
    """Map column key -> cell index, reporting unknown, doubled and missing columns."""
    header = sheet.rows[0] if sheet.rows else []
    order = {c.key: i for i, c in enumerate(columns)}
    index: dict[str, int] = {}
    for j, cell in enumerate(header):
        name = _header_name(cell)
        if name is None:
            if any(j < len(row) and not is_empty(row[j]) for row in sheet.rows[1:]):
                problems.cell(
                    sheet,
                    1,
                    column_letter(j),
                    "this column holds values but has no name in row 1",
                    len(order) + j,
                )
            continue
        if name not in order:
            problems.cell(
                sheet,
                1,
                str(cell).strip(),
                f"unknown column (the columns of sheet {sheet.name} are "
                f"{', '.join(c.key for c in columns)})",
                len(order) + j,
            )
        elif name in index:
            first = column_letter(index[name])
            problems.cell(
                sheet, 1, name, f"a second column named {name} (also column {first})", order[name]
            )
        else:
            index[name] = j
    for column in columns:
        if column.required and column.key not in index:
            problems.cell(sheet, 1, column.key, "required column is missing", order[column.key])
            problems.missing_columns.add((sheet.name, column.key))
    return index


def _read_entries(sheet: _Sheet, problems: _Problems) -> _Entries:
    columns = COLUMNS[sheet.name]
    index = _header(sheet, columns, problems)
    entries = _Entries(sheet)
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


def _read_program(sheet: _Sheet, problems: _Problems) -> tuple[dict[str, Any], dict[str, int]]:
    """The program object and the row of each key given."""
    index = _header(sheet, PROGRAM_HEADER, problems)
    keys = {c.key: c for c in PROGRAM_KEYS}
    program: dict[str, Any] = {}
    rows: dict[str, int] = {}
    if "key" not in index or "value" not in index:
        return program, rows
    for row_number, row in enumerate(sheet.rows[1:], start=2):
        cells = {name: (row[j] if j < len(row) else None) for name, j in index.items()}
        if is_empty(cells["key"]) and is_empty(cells["value"]):
            continue
        name = _header_name(cells["key"])
        if name is None:
            problems.cell(sheet, row_number, "key", "the key cell is empty", 0)
            continue
        column = keys.get(name)
        if column is None:
            problems.cell(
                sheet,
                row_number,
                "key",
                f"unknown key {name!r} (the keys are {', '.join(keys)})",
                0,
            )
            continue
        if name in rows:
            problems.cell(sheet, row_number, "key", f"{name} is also given in row {rows[name]}", 0)
            continue
        rows[name] = row_number
        try:
            value = convert_cell(column, cells["value"])
        except CellError as exc:
            problems.cell(sheet, row_number, "value", f"{name}: {exc}", 1)
            continue
        if isinstance(value, Empty):
            continue
        target = program
        *parents, leaf = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return program, rows


def _check_ids(entries: Mapping[str, _Entries], problems: _Problems) -> None:
    """Duplicate ids and references to ids no row has, all at once."""
    ids: dict[str, dict[str, int]] = {}
    for name, sheet_entries in entries.items():
        seen: dict[str, int] = {}
        for row, values in zip(sheet_entries.rows, sheet_entries.values, strict=True):
            entry_id = values.get("id")
            if not isinstance(entry_id, str):
                continue
            if entry_id in seen:
                problems.cell(
                    sheet_entries.sheet,
                    row,
                    "id",
                    f"duplicate id {entry_id!r} (also row {seen[entry_id]})",
                    0,
                )
            else:
                seen[entry_id] = row
        ids[name] = seen
    for sheet_entries in entries.values():
        columns = COLUMNS[sheet_entries.sheet.name]
        for order, column in enumerate(columns):
            if column.refs is None or column.refs not in ids:
                continue
            known = ids[column.refs]
            for row, values in zip(sheet_entries.rows, sheet_entries.values, strict=True):
                value = values.get(column.key)
                names = value if isinstance(value, list) else [value] if value else []
                unknown = [n for n in names if n not in known]
                if unknown:
                    problems.cell(
                        sheet_entries.sheet,
                        row,
                        column.key,
                        f"unknown {SINGULAR[column.refs]} "
                        f"{', '.join(repr(n) for n in unknown)} (no row of sheet {column.refs} "
                        "has this id)",
                        order,
                    )


_ENTRY = re.compile(r"(groups|therapists|clients)\[(\d+)\]")


def _relocate(
    problem: Problem,
    entries: Mapping[str, _Entries],
    program_sheet: _Sheet | None,
    program_rows: Mapping[str, int],
    source: str,
    problems: _Problems,
) -> None:
    """Report a problem of the instance model at the sheet, row and column it came from."""
    key_path = re.sub(r"\[\d+\]", "", problem.key)
    match = _ENTRY.match(problem.entry)
    if match and match[1] in entries:
        sheet_entries = entries[match[1]]
        sheet = sheet_entries.sheet
        row = sheet_entries.rows[int(match[2])]
        column = key_path.split(".")[0]
        keys = [c.key for c in COLUMNS[sheet.name]]
        if not column:
            problems.add(
                sheet.file,
                f"sheet {sheet.name}, row {row}",
                "",
                problem.message,
                (SHEETS.index(sheet.name), row, -1),
            )
        elif not problems.covers(sheet.name, row, column):
            order = keys.index(column) if column in keys else len(keys)
            problems.cell(sheet, row, column, problem.message, order)
        return
    if problem.entry == "program":
        parts = key_path.split(".")
        name = ".".join(parts[:2]) if ".".join(parts[:2]) in program_rows else parts[0]
        if program_sheet is not None and name in program_rows:
            row = program_rows[name]
            if not problems.covers("program", row, "value"):
                problems.cell(program_sheet, row, "value", f"{name}: {problem.message}", 1)
            return
        file = program_sheet.file if program_sheet is not None else source
        message = f"{name}: {problem.message}" if name else problem.message
        problems.add(file, "sheet program", "", message, (0, 0, 0))
        return
    problems.add(source, problem.entry, problem.key, problem.message)


def read_workbook(source: str | Path) -> Instance:
    """Read an instance from an Excel workbook (``.xlsx``) or a folder of CSV files.

    The workbook has the sheets ``program`` (optional), ``groups``, ``therapists`` and
    ``clients``; a folder has one CSV file per sheet (``clients.csv`` ...). ``docs/spreadsheets.md``
    describes every column.

    Raises:
        InputError: every problem found, each naming the file, ``sheet S, row R`` (row 1 is the
            header) and ``column C``.
        ImportError: a workbook was given and openpyxl is not installed.
    """
    path = Path(source)
    problems = _Problems()
    if path.is_dir():
        sheets = _read_csv_folder(path, problems)
    elif path.suffix.lower() in WORKBOOK_SUFFIXES:
        if not path.is_file():
            raise InputError([Problem("", "", "no such file", str(path))])
        sheets = _read_xlsx(path, problems)
    elif path.suffix.lower() == ".csv":
        raise InputError(
            [
                Problem(
                    "",
                    "",
                    "give the folder that holds the CSV files "
                    f"({', '.join(s + '.csv' for s in SHEETS)})",
                    str(path),
                )
            ]
        )
    else:
        raise InputError(
            [
                Problem(
                    "",
                    "",
                    "expected an .xlsx workbook or a folder of CSV files (save .xls and .ods "
                    "files as .xlsx)",
                    str(path),
                )
            ]
        )
    for name in LIST_SHEETS:
        if name not in sheets:
            what = f"file {name}.csv" if path.is_dir() else f"sheet {name}"
            problems.add(str(path), "", "", f"the {what} is missing")
    program_sheet = sheets.get("program")
    program, program_rows = (
        _read_program(program_sheet, problems) if program_sheet is not None else ({}, {})
    )
    entries: dict[str, _Entries] = {
        name: _read_entries(sheets[name], problems) for name in LIST_SHEETS if name in sheets
    }
    _check_ids(entries, problems)
    if len(entries) < len(LIST_SHEETS):
        raise problems.error()
    data: dict[str, Any] = {
        "format_version": 1,
        "program": program,
        **{name: entries[name].values for name in LIST_SHEETS},
    }
    try:
        instance = parse_instance(data, source=str(path))
    except InputError as exc:
        for problem in exc.problems:
            _relocate(problem, entries, program_sheet, program_rows, str(path), problems)
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
