"""The cells of a workbook's sheets (an ``.xlsx`` file or a folder of CSV files), and the
problems found while reading them, kept in sheet, row and column order.

:mod:`solver.files.workbook_read` turns the sheets into an instance.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from solver.errors import InputError, Problem
from solver.files.cells import CellError, Empty, cell_text
from solver.files.columns import SHEETS, WORKBOOK_SUFFIXES, SheetName, normal_name
from solver.files.extras import require_extra
from solver.files.table_writers import unquote_csv_cell

__all__ = ["Problems", "Sheet", "header_name", "read_sheets"]

_IGNORED_SHEETS = frozenset({"readme"})


@dataclass
class Sheet:
    """The cells of one sheet (or CSV file); ``rows[0]`` is row 1, the header."""

    name: SheetName
    file: str
    rows: list[list[object]]


@dataclass
class Problems:
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
        """A problem anywhere (``order``: sheet index, row and column index, for sorting)."""
        self.items.append((order, Problem(entry, key, message, file)))

    def cell(
        self, sheet: Sheet, row: int, column: str, message: str, column_index: int = 0
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

    def row(self, sheet: Sheet, row: int, message: str) -> None:
        """A problem with a whole row."""
        self.add(
            sheet.file,
            f"sheet {sheet.name}, row {row}",
            "",
            message,
            (SHEETS.index(sheet.name), row, -1),
        )

    def sheet(self, sheet: Sheet, message: str) -> None:
        """A problem with a whole sheet."""
        self.add(sheet.file, f"sheet {sheet.name}", "", message, (SHEETS.index(sheet.name), 0, 0))

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


def header_name(raw: object) -> str | None:
    """A header cell as a column name (lower case, spaces as ``_``), or None when empty."""
    try:
        text = cell_text(raw)
    except CellError:
        return str(raw)
    if isinstance(text, Empty):
        return None
    return normal_name(text)


def _known_sheet(name: str) -> SheetName | None:
    for sheet in SHEETS:
        if sheet == name:
            return sheet
    return None


def _read_xlsx(path: Path, problems: Problems) -> dict[SheetName, Sheet]:
    openpyxl = require_extra("openpyxl", "reading .xlsx workbooks")
    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    # openpyxl raises many different types for unreadable or corrupt files.
    except Exception as exc:
        raise InputError([Problem("", "", f"cannot read the workbook: {exc}", str(path))]) from None
    sheets: dict[SheetName, Sheet] = {}
    for worksheet in workbook.worksheets:
        name = normal_name(worksheet.title)
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
        sheets[known] = Sheet(known, str(path), rows)
    workbook.close()
    return sheets


def _read_csv_folder(folder: Path, problems: Problems) -> dict[SheetName, Sheet]:
    sheets: dict[SheetName, Sheet] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() != ".csv":
            continue
        known = _known_sheet(normal_name(path.stem))
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
        sheets[known] = Sheet(known, str(path), rows)
    return sheets


def read_sheets(path: Path, problems: Problems) -> dict[SheetName, Sheet]:
    """The known sheets of a workbook or CSV folder; unknown or doubled ones are problems.

    Raises:
        InputError: ``path`` is neither a workbook nor a folder, or cannot be read at all.
    """
    if path.is_dir():
        return _read_csv_folder(path, problems)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        if not path.is_file():
            raise InputError([Problem("", "", "no such file", str(path))])
        return _read_xlsx(path, problems)
    if path.suffix.lower() == ".csv":
        files = ", ".join(s + ".csv" for s in SHEETS)
        message = f"give the folder that holds the CSV files ({files})"
    else:
        message = (
            "expected an .xlsx workbook or a folder of CSV files (save .xls and .ods files as "
            ".xlsx)"
        )
    raise InputError([Problem("", "", message, str(path))])
