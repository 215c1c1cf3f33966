"""Tables written as a workbook sheet or a CSV file, shared by the instance workbook
(:mod:`solver.files.workbook_write`), the roster tables (:mod:`solver.files.roster_tables`) and
the change table of ``diff --csv``: every CSV file the package writes goes through
:func:`write_csv_table`.

Ids and other text come from users, so a cell may start like a spreadsheet formula
(``=HYPERLINK(...)``, ``+1``, ``@SUM(...)``). In CSV such text cells are neutralised as OWASP
advises, with a leading ``'`` (:func:`csv_cell`; :func:`unquote_csv_cell` undoes it when an
instance is read back). In a workbook, text cells are stored as text, never as formulas.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from solver.files.atomic import atomic_open
from solver.files.columns import column_letter

__all__ = ["FORMULA_STARTS", "add_table_sheet", "csv_cell", "unquote_csv_cell", "write_csv_table"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a text cell as a formula."""


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: None as empty, text that starts like a formula behind ``'``.
    Numbers stay numbers (``-3`` is not text)."""
    if value is None or (isinstance(value, float) and value != value):  # None, NaN
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unquote_csv_cell(text: str) -> str:
    """Undo :func:`csv_cell` on text read from a CSV file."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


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
    for row_number, row_cells in enumerate(sheet.iter_rows(), start=1):
        for cell in row_cells:
            if isinstance(cell.value, str):
                # openpyxl would store text starting with '=' as a formula.
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True  # and Excel keeps it text when it is edited
                if align_top and row_number > 1:
                    cell.alignment = Alignment(vertical="top")
    for j, column_cells in enumerate(sheet.iter_cols()):
        width = max(len(str(c.value)) if c.value is not None else 0 for c in column_cells)
        sheet.column_dimensions[column_letter(j)].width = min(max(width + 2, 8), max_width)


def write_csv_table(path: Path, rows: Iterable[Sequence[Any]], *, bom: bool = True) -> None:
    """Write rows as CSV, whole or not at all, each cell through :func:`csv_cell`; with a
    byte order mark (unless ``bom`` is false) so that Excel reads non-ASCII text correctly."""
    encoding = "utf-8-sig" if bom else "utf-8"
    with atomic_open(path, encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows([csv_cell(v) for v in row] for row in rows)
