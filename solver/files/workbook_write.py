"""An instance written as a workbook (with a README sheet explaining every column) or as a
folder of CSV files, which :func:`~solver.files.workbook_read.read_workbook` reads back into an
equal instance.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from solver.errors import InputError, Problem
from solver.files.atomic import atomic_path
from solver.files.cells import NONE, format_intervals
from solver.files.columns import (
    LIST_SHEETS,
    PROGRAM_HEADER,
    PROGRAM_KEYS,
    WORKBOOK_SUFFIXES,
    Column,
    SheetName,
    column_letter,
    kind_columns,
    normal_name,
    sheet_columns,
)
from solver.files.extras import require_extra
from solver.files.table_writers import add_table_sheet, unquote_csv_cell, write_csv_table
from solver.instance import Instance

__all__ = ["write_workbook"]

log = logging.getLogger(__name__)


_UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell_value(column: Column, value: Any, where: tuple[str, str], bad: list[Problem]) -> Any:
    """The cell for one value; records values a spreadsheet cannot hold unchanged."""
    entry, key = where

    def unsafe(text: str, item: bool) -> str | None:
        if _UNSAFE_TEXT.search(text):
            return "holds control characters"
        if text != text.strip():
            return "starts or ends with spaces, which reading drops"
        if unquote_csv_cell(text) != text:
            return "starts with ' before a formula character, which reading drops"
        if item and (not text or ";" in text or "\n" in text):
            return "is empty or holds ';' or a line break, which separate list items"
        return None

    if value is None:
        return None
    if column.kind == "bool":
        return "yes" if value else "no"
    if column.kind in ("int", "number"):
        return value
    if column.kind == "intervals":
        return format_intervals(value) if value else (NONE if column.none_when_empty else None)
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


def _value(item: Mapping[str, Any], key: str) -> Any:
    """The value of a column in an entry of the format: ``a.b`` is ``item["a"]["b"]``."""
    head, dot, tail = key.partition(".")
    if not dot:
        return item[key]
    return item[head].get(tail)


def _kind_ids(instance: Instance, bad: list[Problem]) -> list[str]:
    """The appointment kinds' ids; two that make the same column name are a problem."""
    seen: dict[str, str] = {}
    for index, kind in enumerate(instance.kinds):
        other = seen.setdefault(normal_name(kind.id), kind.id)
        if other != kind.id:
            bad.append(
                Problem(
                    f"program.appointment_kinds[{index}] (id {kind.id})",
                    "id",
                    f"a column name cannot tell it apart from the kind {other!r} "
                    "(case, spaces and dashes are not told apart)",
                )
            )
    return [kind.id for kind in instance.kinds]


def _tables(instance: Instance) -> dict[SheetName, list[list[Any]]]:
    """The cells of each sheet, header first.

    Raises:
        InputError: values that would not read back unchanged.
    """
    data = instance.model_dump(mode="json")
    bad: list[Problem] = []
    kinds = _kind_ids(instance, bad)
    program_rows: list[list[Any]] = [[c.key for c in PROGRAM_HEADER]]
    for column in PROGRAM_KEYS:
        value: Any = data["program"]
        for part in column.key.split("."):
            value = value[part]
        cell = _cell_value(column, value, ("program", column.key), bad)
        program_rows.append([column.key, cell, column.meaning])
    tables: dict[SheetName, list[list[Any]]] = {"program": program_rows}
    for name in LIST_SHEETS:
        columns = sheet_columns(name, kinds)
        items = data["program"][name] if name in ("levels", "appointment_kinds") else data[name]
        prefix = "program." if name in ("levels", "appointment_kinds") else ""
        rows: list[list[Any]] = [[c.key for c in columns]]
        for index, item in enumerate(items):
            entry = f"{prefix}{name}[{index}] (id {item['id']})"
            rows.append([_cell_value(c, _value(item, c.key), (entry, c.key), bad) for c in columns])
        tables[name] = rows
    if bad:
        raise InputError(bad)
    return tables


def _readme_rows(kinds: list[str]) -> list[list[str]]:
    rows = [
        [
            "IOP/PHP roster workbook (format version 2). One row per entry; row 1 holds the "
            "column names. An empty cell keeps the default. This README sheet is ignored on "
            "import. The sheets levels and appointment_kinds may be deleted: the program then "
            "has one level iop and one kind individual (required, once a week)."
        ],
        [
            "Times: 09:00 (24-hour). Days: Mon Tue Wed Thu Fri Sat Sun. Lists: 'a; b'. "
            "Intervals: 'Mon 09:00-12:00; Wed 09:00-12:00', also 'Mon-Fri 08:00-17:00' and "
            "'Mon, Wed, Fri 09:00-12:00'; 'none' means no interval. Yes/no cells: yes or no."
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
    for name in LIST_SHEETS:
        for column in sheet_columns(name):
            rows.append(
                [name, column.key, "yes" if column.required else "", column.format, column.meaning]
            )
    for pattern in kind_columns(["<kind>"]):
        meaning = pattern.meaning + "; one column per row of sheet appointment_kinds"
        rows.append(["clients", pattern.key, "", pattern.format, meaning])
    for column in kind_columns(kinds):
        rows.append(["clients", column.key, "", column.format, column.meaning])
    return rows


DROP_DOWN_ROWS = 1000
"""The choice cells of a list sheet get a drop-down down to this row (or the last entry)."""


def _add_drop_downs(workbook: Any, kinds: list[str]) -> None:
    """A drop-down on each choice and yes/no column of the list sheets (``shift``,
    ``population``, ``provider``, ``pull_out`` ...): it offers the words the format allows and
    refuses any other."""
    from openpyxl.worksheet.datavalidation import DataValidation

    for name in LIST_SHEETS:
        sheet = workbook[name]
        last = max(DROP_DOWN_ROWS, sheet.max_row)
        for index, column in enumerate(sheet_columns(name, kinds)):
            if not column.choices:
                continue
            allowed = ", ".join(column.choices) + ("" if column.required else ", or empty")
            rule = DataValidation(
                type="list",
                formula1='"' + ",".join(column.choices) + '"',
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle=column.key,
                error=f"{column.key}: one of {allowed}",
            )
            letter = column_letter(index)
            rule.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(rule)


def _write_xlsx(tables: Mapping[SheetName, list[list[Any]]], kinds: list[str], path: Path) -> None:
    openpyxl = require_extra("openpyxl", "writing .xlsx workbooks")
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    readme = workbook.active
    readme.title = "README"
    for row in _readme_rows(kinds):
        readme.append(row)
    readme.column_dimensions["A"].width = 18
    readme.column_dimensions["B"].width = 34
    readme.column_dimensions["D"].width = 40
    readme.column_dimensions["E"].width = 80
    for cell in readme[5]:
        cell.font = Font(bold=True)
    for name, rows in tables.items():
        add_table_sheet(workbook, name, rows, max_width=60, align_top=True)
    _add_drop_downs(workbook, kinds)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        workbook.save(tmp)


def _write_csv_folder(tables: Mapping[SheetName, list[list[Any]]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        write_csv_table(folder / f"{name}.csv", rows)


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
        path.exists() and not path.is_dir() and path.suffix.lower() not in WORKBOOK_SUFFIXES
    ):
        raise InputError(
            [Problem("", "", "give an .xlsx file or a folder for the CSV files", str(path))]
        )
    tables = _tables(instance)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        _write_xlsx(tables, [kind.id for kind in instance.kinds], path)
    else:
        _write_csv_folder(tables, path)
    log.info("wrote %s", path)
