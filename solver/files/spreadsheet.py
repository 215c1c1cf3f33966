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
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from solver.errors import InputError, Problem
from solver.files.extras import require_extra
from solver.instance import DAYS, WEIGHT_KEYS, Instance, Interval, parse_instance

__all__ = [
    "COLUMNS",
    "PROGRAM_KEYS",
    "SHEETS",
    "Column",
    "format_intervals",
    "parse_intervals",
    "read_workbook",
    "write_workbook",
]

log = logging.getLogger(__name__)

Kind = Literal["text", "choice", "int", "number", "list", "intervals"]
SheetName = Literal["program", "groups", "therapists", "clients"]

SHEETS: tuple[SheetName, ...] = ("program", "groups", "therapists", "clients")
"""The sheets of a workbook (the files of a CSV folder, with ``.csv``), in order."""

_LIST_SHEETS: tuple[SheetName, ...] = ("groups", "therapists", "clients")
_IGNORED_SHEETS = frozenset({"readme"})
_WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_NONE = "none"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet (or one key of the ``program`` sheet).

    Attributes:
        key: the column name, equal to the key of the JSON format (dotted for nested program keys).
        kind: how cells are read: ``text``, ``choice`` (text, compared in lower case), ``int``
            (a whole number), ``number``, ``list`` (``a; b``) or ``intervals``.
        required: an empty cell (or a missing column) is an error.
        meaning: one line for people filling the sheet.
        refs: the sheet whose ids the values must name, if any.
        none_when_empty: an empty list is written ``none``, because an empty cell means the
            default (which is not the empty list) or is not allowed.
        choices: the words a ``choice`` cell may hold.
    """

    key: str
    kind: Kind
    required: bool = False
    meaning: str = ""
    refs: SheetName | None = None
    none_when_empty: bool = False
    choices: tuple[str, ...] = ()

    @property
    def format(self) -> str:
        """How a person writes a value of this column."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return _FORMATS[self.kind]


_FORMATS: dict[Kind, str] = {
    "text": "text",
    "choice": "one word of a short list",
    "int": "a whole number, e.g. 8",
    "number": "a number, e.g. 9 or 7.5",
    "list": "items separated by ';', e.g. 'a; b'",
    "intervals": "'Mon 09:00-12:00; Wed 09:00-12:00' ('Mon-Fri ...', 'Mon, Wed ...'; "
    "'none' for no interval)",
}

_WEIGHT_MEANINGS = {
    "unassigned": "each unassigned client, times its priority (default 1000)",
    "shift_mismatch": "each placed client whose group is not on the preferred shift (default 10)",
    "not_preferred_therapist": "each placed client without a preferred therapist (default 5)",
    "extra_trip": "each individual session on a day without the client's group (default 2)",
    "caseload_spread": "largest minus smallest caseload (default 1)",
    "open_group": "each group that runs (default 0)",
    "group_change": "rerun: each client whose group changed (default 50)",
    "therapist_change": "rerun: each client whose primary therapist changed (default 50)",
    "session_moved": "rerun: each individual session moved to another day or time (default 5)",
    "facilitator_change": "rerun: each group whose facilitator changed (default 20)",
}

PROGRAM_KEYS: tuple[Column, ...] = (
    Column("name", "text", meaning="shown in reports"),
    Column("group_max_size", "int", meaning="no group ever holds more clients (default 8)"),
    Column(
        "group_min_size", "int", meaning="a group that runs holds at least this many (default 3)"
    ),
    Column(
        "slot_minutes",
        "int",
        meaning="individual sessions start on multiples of this; divides 60 (default 15)",
    ),
    Column(
        "individual_session_minutes",
        "int",
        meaning="default length of an individual session (default 60)",
    ),
    Column(
        "open_hours",
        "intervals",
        none_when_empty=True,
        meaning="individual sessions take place inside these (default Mon-Fri 08:00-21:00)",
    ),
    Column(
        "min_weekly_hours.adult",
        "number",
        meaning="group plus individual hours a placed adult reaches (default 9)",
    ),
    Column(
        "min_weekly_hours.adolescent",
        "number",
        meaning="group plus individual hours a placed adolescent reaches (default 6)",
    ),
    *(
        Column(f"weights.{key}", "int", meaning=f"objective weight: {_WEIGHT_MEANINGS[key]}")
        for key in WEIGHT_KEYS
    ),
)
"""The rows of the ``program`` sheet, one per setting."""

_PROGRAM_HEADER: tuple[Column, ...] = (
    Column("key", "text", required=True, meaning="the setting, one of the keys listed below"),
    Column("value", "text", required=True, meaning="its value; empty keeps the default"),
    Column("meaning", "text", meaning="free text, ignored when reading"),
)

_SHIFTS = ("morning", "afternoon", "evening")
_POPULATIONS = ("adult", "adolescent")

COLUMNS: dict[SheetName, tuple[Column, ...]] = {
    "groups": (
        Column("id", "text", required=True, meaning="unique id of the group series"),
        Column("name", "text", meaning="shown in reports"),
        Column("shift", "choice", required=True, meaning="when the group meets", choices=_SHIFTS),
        Column(
            "meetings",
            "intervals",
            required=True,
            meaning="the weekly meetings, pairwise not overlapping",
        ),
        Column(
            "population", "choice", required=True, meaning="who it is for", choices=_POPULATIONS
        ),
        Column(
            "tracks",
            "list",
            required=True,
            meaning="client tracks it serves, e.g. 'substance_use; dual_diagnosis'",
        ),
        Column(
            "audience",
            "text",
            meaning="e.g. women; only clients listing it in audiences may join (empty: anyone)",
        ),
        Column("facilitator_specialties", "list", meaning="the facilitator holds all of them"),
        Column(
            "max_size",
            "int",
            meaning="largest size of this group (default: program group_max_size)",
        ),
        Column(
            "room",
            "text",
            meaning="groups in one room cannot run at overlapping times (empty: no room)",
        ),
    ),
    "therapists": (
        Column("id", "text", required=True, meaning="unique id of the therapist"),
        Column("name", "text", meaning="shown in reports"),
        Column("specialties", "list", meaning="e.g. 'adolescent; trauma'"),
        Column(
            "availability",
            "intervals",
            required=True,
            none_when_empty=True,
            meaning="every meeting and session they take lies inside these",
        ),
        Column(
            "max_caseload",
            "int",
            meaning="clients they are primary therapist for, at most (default 12)",
        ),
        Column("max_groups", "int", meaning="groups they facilitate, at most (default 2)"),
    ),
    "clients": (
        Column(
            "id", "text", required=True, meaning="opaque id; no names or other identifying data"
        ),
        Column(
            "population",
            "choice",
            required=True,
            meaning="the client's population",
            choices=_POPULATIONS,
        ),
        Column("track", "text", required=True, meaning="e.g. substance_use"),
        Column("audiences", "list", meaning="audiences whose groups they may join"),
        Column("needs", "list", meaning="the primary therapist holds all of them as specialties"),
        Column(
            "busy", "intervals", meaning="work, school, childcare: nothing is scheduled over these"
        ),
        Column(
            "shift_preference",
            "choice",
            meaning="the shift they prefer (empty: none)",
            choices=_SHIFTS,
        ),
        Column(
            "individual_sessions",
            "int",
            meaning="individual sessions a week, each on its own day (default 1)",
        ),
        Column(
            "session_minutes",
            "int",
            meaning="length of each session (default: program individual_session_minutes)",
        ),
        Column("preferred_therapists", "list", refs="therapists", meaning="therapist ids (soft)"),
        Column(
            "avoid_therapists",
            "list",
            refs="therapists",
            meaning="therapist ids: never their therapist nor their group's facilitator",
        ),
        Column("keep_apart", "list", refs="clients", meaning="client ids never in their group"),
        Column("priority", "int", meaning="weight of placing this client, at least 1 (default 1)"),
        Column(
            "pinned_group",
            "text",
            refs="groups",
            meaning="group id: placed, in this group (empty: free)",
        ),
        Column(
            "pinned_therapist",
            "text",
            refs="therapists",
            meaning="therapist id: placed, with this primary therapist (empty: free)",
        ),
    ),
}
"""The columns of the sheets ``groups``, ``therapists`` and ``clients``, in order."""

_SINGULAR = {"groups": "group", "therapists": "therapist", "clients": "client"}


# ---------------------------------------------------------------- cells -> values


class _CellError(ValueError):
    """A cell that cannot be read as its column's kind."""


class _Empty:
    """The value of an empty cell."""


_EMPTY = _Empty()

_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_INTERVAL = re.compile(
    r"(?P<days>[A-Za-z][A-Za-z ,\-\u2013]*?)\s*(?P<start>\d{1,2}:\d{2})\s*[-\u2013]\s*"
    r"(?P<end>\d{1,2}:\d{2})"
)
_DAY_NAMES: dict[str, str] = {
    **{day: day for day in DAYS},
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_DAY_INDEX: dict[str, int] = {day: i for i, day in enumerate(DAYS)}
_WHOLE = re.compile(r"[+-]?\d+(?:\.0*)?")


def _is_empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _clock(value: dt.time | dt.timedelta) -> str:
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
        if not 0 <= seconds <= 24 * 3600 or seconds % 60:
            raise _CellError(f"the duration {value} is not a time of day like 09:00")
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"
    if value.second or value.microsecond:
        raise _CellError(f"the time {value} has seconds; times are whole minutes like 09:00")
    return f"{value.hour:02d}:{value.minute:02d}"


def _text(raw: object) -> str | _Empty:
    """A cell as text; Excel numbers and times become what they look like."""
    if _is_empty(raw):
        return _EMPTY
    if isinstance(raw, bool):
        raise _CellError(f"expected text, got {str(raw).upper()}")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if raw.is_integer():
            return str(int(raw))
        raise _CellError(f"expected text, got the number {raw}; format the cell as Text")
    if isinstance(raw, dt.datetime):
        # Excel stores a bare time typed into some cells as a time on 1899-12-30.
        if raw.year < 1901:
            return _clock(raw.time())
        raise _CellError(f"expected text, got the date {raw:%Y-%m-%d}; format the cell as Text")
    if isinstance(raw, dt.date):
        raise _CellError(f"expected text, got the date {raw:%Y-%m-%d}; format the cell as Text")
    if isinstance(raw, dt.time | dt.timedelta):
        return _clock(raw)
    return str(raw).strip()


def _int(raw: object) -> int | _Empty:
    if isinstance(raw, bool):
        raise _CellError(f"expected a whole number, got {str(raw).upper()}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise _CellError(f"expected a whole number, got {raw}")
    text = _text(raw)
    if isinstance(text, _Empty):
        return text
    if not _WHOLE.fullmatch(text):
        raise _CellError(f"expected a whole number, got {text!r}")
    return int(text.split(".")[0])


def _number(raw: object) -> int | float | _Empty:
    if isinstance(raw, bool):
        raise _CellError(f"expected a number, got {str(raw).upper()}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise _CellError(f"expected a number, got {raw}")
        return int(raw) if raw.is_integer() else raw
    text = _text(raw)
    if isinstance(text, _Empty):
        return text
    if _WHOLE.fullmatch(text):
        return int(text.split(".")[0])
    if re.fullmatch(r"\d+,\d+", text):  # a decimal comma, as many locales write it
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise _CellError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise _CellError(f"expected a number, got {text!r}")
    return value


def _items(raw: object) -> list[str] | _Empty:
    text = _text(raw)
    if isinstance(text, _Empty):
        return text
    return [item.strip() for item in re.split(r"[;\n]", text) if item.strip()]


def _time(text: str, item: str) -> str:
    match = _TIME.fullmatch(text)
    hours, minutes = (int(match[1]), int(match[2])) if match else (99, 99)
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise _CellError(f"{item!r}: {text!r} is not a time between 00:00 and 24:00")
    return f"{hours:02d}:{minutes:02d}"


def _days(text: str, item: str) -> list[str]:
    days: list[str] = []
    for part in text.split(","):
        bounds = [b.strip().lower() for b in re.split(r"[-\u2013]", part)]
        if len(bounds) > 2 or not all(b in _DAY_NAMES for b in bounds):
            raise _CellError(
                f"{item!r}: {part.strip()!r} is not a day like Mon, a range like Mon-Fri, "
                "or a list like 'Mon, Wed'"
            )
        first, last = _DAY_INDEX[_DAY_NAMES[bounds[0]]], _DAY_INDEX[_DAY_NAMES[bounds[-1]]]
        if last < first:
            raise _CellError(f"{item!r}: the day range {part.strip()!r} runs backwards")
        days.extend(DAYS[first : last + 1])
    return days


def parse_intervals(text: str) -> list[dict[str, str]]:
    """Read ``Mon 09:00-12:00; Tue-Thu 13:00-17:00`` as format intervals, in the written order.

    Items are separated by ``;`` (or line breaks); each holds a day (``Mon`` or ``Monday``, any
    case), a day range (``Mon-Fri``) or a day list (``Mon, Wed, Fri``), then ``start-end``.
    ``none`` is the empty list.

    Raises:
        ValueError: the text is not such a list; the message says which item and why.
    """
    if text.strip().lower() == _NONE:
        return []
    intervals: list[dict[str, str]] = []
    for item in (i.strip() for i in re.split(r"[;\n]", text)):
        if not item:
            continue
        match = _INTERVAL.fullmatch(item)
        if match is None:
            raise _CellError(f"{item!r} is not an interval like 'Mon 09:00-12:00'")
        start, end = _time(match["start"], item), _time(match["end"], item)
        if start >= end:
            raise _CellError(f"{item!r}: the start {start} must come before the end {end}")
        intervals.extend(
            {"day": day, "start": start, "end": end} for day in _days(match["days"], item)
        )
    return intervals


def _intervals(raw: object) -> list[dict[str, str]] | _Empty:
    text = _text(raw)
    if isinstance(text, _Empty):
        return text
    return parse_intervals(text)


def _convert(column: Column, raw: object) -> Any:
    """The JSON value of one cell, or ``_EMPTY``; raises _CellError."""
    if column.kind == "text":
        return _text(raw)
    if column.kind == "choice":
        text = _text(raw)
        return text if isinstance(text, _Empty) else text.lower()
    if column.kind == "int":
        return _int(raw)
    if column.kind == "number":
        return _number(raw)
    if column.kind == "list":
        return _items(raw)
    return _intervals(raw)


# ---------------------------------------------------------------- reading files


@dataclass
class _Sheet:
    """The cells of one sheet (or CSV file); ``rows[0]`` is row 1, the header."""

    name: SheetName
    file: str
    rows: list[list[object]]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _header_name(raw: object) -> str | None:
    try:
        text = _text(raw)
    except _CellError:
        return str(raw)
    if isinstance(text, _Empty):
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
        rows: list[list[object]] = [list(r) for r in reader]
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
            if any(j < len(row) and not _is_empty(row[j]) for row in sheet.rows[1:]):
                problems.cell(
                    sheet,
                    1,
                    _column_letter(j),
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
            first = _column_letter(index[name])
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
        if all(_is_empty(cell) for cell in row):
            continue
        values: dict[str, Any] = {}
        for order, column in enumerate(columns):
            j = index.get(column.key)
            if j is None:
                continue
            raw = row[j] if j < len(row) else None
            try:
                value = _convert(column, raw)
            except _CellError as exc:
                problems.cell(sheet, row_number, column.key, str(exc), order)
                continue
            if isinstance(value, _Empty):
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
    index = _header(sheet, _PROGRAM_HEADER, problems)
    keys = {c.key: c for c in PROGRAM_KEYS}
    program: dict[str, Any] = {}
    rows: dict[str, int] = {}
    if "key" not in index or "value" not in index:
        return program, rows
    for row_number, row in enumerate(sheet.rows[1:], start=2):
        cells = {name: (row[j] if j < len(row) else None) for name, j in index.items()}
        if _is_empty(cells["key"]) and _is_empty(cells["value"]):
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
            value = _convert(column, cells["value"])
        except _CellError as exc:
            problems.cell(sheet, row_number, "value", f"{name}: {exc}", 1)
            continue
        if isinstance(value, _Empty):
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
                        f"unknown {_SINGULAR[column.refs]} "
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
    elif path.suffix.lower() in _WORKBOOK_SUFFIXES:
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
    for name in _LIST_SHEETS:
        if name not in sheets:
            what = f"file {name}.csv" if path.is_dir() else f"sheet {name}"
            problems.add(str(path), "", "", f"the {what} is missing")
    program_sheet = sheets.get("program")
    program, program_rows = (
        _read_program(program_sheet, problems) if program_sheet is not None else ({}, {})
    )
    entries: dict[str, _Entries] = {
        name: _read_entries(sheets[name], problems) for name in _LIST_SHEETS if name in sheets
    }
    _check_ids(entries, problems)
    if len(entries) < len(_LIST_SHEETS):
        raise problems.error()
    data: dict[str, Any] = {
        "format_version": 1,
        "program": program,
        **{name: entries[name].values for name in _LIST_SHEETS},
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


# ---------------------------------------------------------------- instance -> sheets


def format_intervals(intervals: Iterable[Interval | Mapping[str, str]]) -> str:
    """Write intervals as a person reads them: ``Mon, Wed, Fri 09:00-12:00; Tue 13:00-17:00``.

    Neighbouring intervals with the same times share one item; three or more days in a row
    become a range (``Mon-Fri``). :func:`parse_intervals` reads the text back into the same
    list, in the same order.
    """
    runs: list[tuple[str, str, list[str]]] = []
    for interval in intervals:
        day: str
        if isinstance(interval, Interval):
            day, start, end = interval.day, interval.start, interval.end
        else:
            day, start, end = interval["day"], interval["start"], interval["end"]
        if runs and runs[-1][:2] == (start, end):
            runs[-1][2].append(day)
        else:
            runs.append((start, end, [day]))
    items = []
    for start, end, days in runs:
        indices = [_DAY_INDEX[d] for d in days]
        consecutive = all(b == a + 1 for a, b in zip(indices, indices[1:], strict=False))
        if len(days) >= 3 and consecutive:
            names = f"{days[0].title()}-{days[-1].title()}"
        else:
            names = ", ".join(d.title() for d in days)
        items.append(f"{names} {start}-{end}")
    return "; ".join(items)


_UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell_value(column: Column, value: Any, where: tuple[str, str], bad: list[Problem]) -> Any:
    """The cell for one value; records values a spreadsheet cannot hold unchanged."""
    entry, key = where

    def unsafe(text: str, item: bool) -> str | None:
        if _UNSAFE_TEXT.search(text):
            return "holds control characters"
        if text != text.strip():
            return "starts or ends with spaces, which reading drops"
        if item and (not text or ";" in text or "\n" in text):
            return "is empty or holds ';' or a line break, which separate list items"
        return None

    if value is None:
        return None
    if column.kind in ("int", "number"):
        return value
    if column.kind == "intervals":
        return format_intervals(value) if value else (_NONE if column.none_when_empty else None)
    if column.kind == "list":
        for k, item in enumerate(value):
            reason = unsafe(item, item=True)
            if reason:
                bad.append(Problem(entry, f"{key}[{k}]", f"the value {item!r} {reason}"))
        return "; ".join(value) if value else None
    reason = unsafe(value, item=False)
    if reason:
        bad.append(Problem(entry, key, f"the value {value!r} {reason}"))
    if value == "" and column.key != "name":
        bad.append(Problem(entry, key, "an empty text cannot be told apart from no value"))
    return value or None


def _tables(instance: Instance) -> dict[SheetName, list[list[Any]]]:
    """The cells of each sheet, header first.

    Raises:
        InputError: values that would not read back unchanged.
    """
    data = instance.model_dump(mode="json")
    bad: list[Problem] = []
    program_rows: list[list[Any]] = [[c.key for c in _PROGRAM_HEADER]]
    for column in PROGRAM_KEYS:
        value: Any = data["program"]
        for part in column.key.split("."):
            value = value[part]
        cell = _cell_value(column, value, ("program", column.key), bad)
        program_rows.append([column.key, cell, column.meaning])
    tables: dict[SheetName, list[list[Any]]] = {"program": program_rows}
    for name in _LIST_SHEETS:
        columns = COLUMNS[name]
        rows: list[list[Any]] = [[c.key for c in columns]]
        for index, item in enumerate(data[name]):
            entry = f"{name}[{index}] (id {item['id']})"
            rows.append([_cell_value(c, item[c.key], (entry, c.key), bad) for c in columns])
        tables[name] = rows
    if bad:
        raise InputError(bad)
    return tables


def _readme_rows() -> list[list[str]]:
    rows = [
        [
            "IOP roster workbook (format version 1). One row per entry; row 1 holds the column "
            "names. An empty cell keeps the default. This README sheet is ignored on import."
        ],
        [
            "Times: 09:00 (24-hour). Days: Mon Tue Wed Thu Fri Sat Sun. Lists: 'a; b'. "
            "Intervals: 'Mon 09:00-12:00; Wed 09:00-12:00', also 'Mon-Fri 08:00-17:00' and "
            "'Mon, Wed, Fri 09:00-12:00'; 'none' means no interval."
        ],
        [
            "Import: python -m solver import this.xlsx --out instance.json; then "
            "python -m solver solve instance.json --out roster.json. No names or other personal "
            "data: clients are opaque ids."
        ],
        [],
        ["sheet", "column", "required", "format", "meaning"],
    ]
    for column in PROGRAM_KEYS:
        rows.append(["program", f"key {column.key}", "", column.format, column.meaning])
    for name in _LIST_SHEETS:
        for column in COLUMNS[name]:
            rows.append(
                [name, column.key, "yes" if column.required else "", column.format, column.meaning]
            )
    return rows


def _write_xlsx(tables: Mapping[SheetName, list[list[Any]]], path: Path) -> None:
    openpyxl = require_extra("openpyxl", "writing .xlsx workbooks")
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    readme = workbook.active
    readme.title = "README"
    for row in _readme_rows():
        readme.append(row)
    readme.column_dimensions["A"].width = 12
    readme.column_dimensions["B"].width = 34
    readme.column_dimensions["D"].width = 40
    readme.column_dimensions["E"].width = 80
    for cell in readme[5]:
        cell.font = Font(bold=True)
    for name, rows in tables.items():
        add_table_sheet(workbook, name, rows, max_width=60, align_top=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _write_csv_folder(tables: Mapping[SheetName, list[list[Any]]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        write_csv_table(folder / f"{name}.csv", rows)


def add_table_sheet(
    workbook: Any,
    name: str,
    rows: Iterable[Sequence[Any]],
    *,
    max_width: int,
    align_top: bool = False,
) -> None:
    """Append a sheet of ``rows`` to an openpyxl workbook: the first row a bold, frozen
    header, text kept as text (never a formula), columns as wide as their longest value
    up to ``max_width``. Shared by the instance workbook and the roster export."""
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet(name)
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, str):
                # openpyxl would store text starting with '=' as a formula.
                cell.data_type = "s"
                if align_top:
                    cell.alignment = Alignment(vertical="top")
    for j, column_cells in enumerate(sheet.iter_cols()):
        width = max(len(str(c.value)) if c.value is not None else 0 for c in column_cells)
        sheet.column_dimensions[_column_letter(j)].width = min(max(width + 2, 8), max_width)


def write_csv_table(path: Path, rows: Iterable[Sequence[Any]]) -> None:
    """Write rows as CSV (None as empty), with a byte order mark so that Excel reads
    non-ASCII text correctly."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(["" if v is None else v for v in row] for row in rows)


def write_workbook(instance: Instance, target: str | Path) -> None:
    """Write an instance as a workbook (``target`` ends in ``.xlsx``) or a folder of CSV files.

    :func:`read_workbook` reads the result back into an equal instance. A workbook also gets a
    ``README`` sheet that explains every column.

    Raises:
        InputError: a value a spreadsheet cell cannot hold unchanged (a list item with ``;``,
            text with leading spaces ...), each naming the entry and key; or a target that is
            neither an ``.xlsx`` file nor a folder.
        ImportError: a workbook was asked for and openpyxl is not installed.
    """
    path = Path(target)
    if path.suffix.lower() == ".csv" or (
        path.exists() and not path.is_dir() and path.suffix.lower() not in _WORKBOOK_SUFFIXES
    ):
        raise InputError(
            [Problem("", "", "give an .xlsx file or a folder for the CSV files", str(path))]
        )
    tables = _tables(instance)
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        _write_xlsx(tables, path)
    else:
        _write_csv_folder(tables, path)
    log.info("wrote %s", path)
