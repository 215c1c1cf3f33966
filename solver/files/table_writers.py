"""Tables written as a workbook sheet or a CSV file, shared by the instance workbook
(:mod:`solver.files.workbook_write`) and the roster tables (:mod:`solver.files.roster_tables`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from solver.files.columns import column_letter

__all__ = ["add_table_sheet", "write_csv_table"]


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
        sheet.column_dimensions[column_letter(j)].width = min(max(width + 2, 8), max_width)


def write_csv_table(path: Path, rows: Iterable[Sequence[Any]]) -> None:
    """Write rows as CSV (None as empty), with a byte order mark so that Excel reads
    non-ASCII text correctly."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(["" if v is None else v for v in row] for row in rows)
