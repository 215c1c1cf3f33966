"""Format version 2 in workbooks: the sheets levels and appointment_kinds, a column per kind in
the clients sheet, yes/no cells, problems by sheet, row and column, round trips, and workbooks
of format version 1 still read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_spreadsheet import edited, problems_of, small_data, where

from solver.files.workbook_read import read_workbook
from solver.files.workbook_write import write_workbook
from solver.instance import Instance, parse_instance

openpyxl = pytest.importorskip("openpyxl")

# The clients sheet of small_data(): kinds individual, family, psychiatry.
LEVEL, SITES, FAMILY_FREE = "C", "F", "I"
COUNT = {"individual": "K", "family": "L", "psychiatry": "M"}
MINUTES = {"individual": "N", "family": "O", "psychiatry": "P"}


@pytest.fixture
def small() -> Instance:
    return parse_instance(small_data())


@pytest.fixture
def workbook(tmp_path: Path, small: Instance) -> Path:
    path = tmp_path / "week.xlsx"
    write_workbook(small, path)
    return path


def header(book: Any, sheet: str) -> list[Any]:
    return [cell.value for cell in book[sheet][1]]


def test_the_layout_of_a_version_2_workbook(workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == [
        "README",
        "program",
        "levels",
        "appointment_kinds",
        "groups",
        "therapists",
        "clients",
    ]
    clients = header(book, "clients")
    for kind, letter in COUNT.items():
        assert book["clients"][f"{letter}1"].value == f"appointments.{kind}"
        assert book["clients"][f"{MINUTES[kind]}1"].value == f"appointment_minutes.{kind}"
    assert clients[:10] == [
        "id",
        "population",
        "level",
        "track",
        "audiences",
        "sites",
        "needs",
        "busy",
        "family_availability",
        "shift_preference",
    ]
    row = {k: v.value for k, v in zip(clients, book["clients"][2], strict=True)}
    assert row["appointments.family"] == 1 and row["appointment_minutes.family"] is None
    assert row["sites"] == "North; South" and row["family_availability"] == "Wed 17:00-19:00"
    kinds = list(book["appointment_kinds"].iter_rows(values_only=True))
    assert kinds[0] == (
        "id",
        "name",
        "minutes",
        "provider",
        "provider_specialties",
        "required",
        "with_family",
        "counts_toward_hours",
        "per_week",
    )
    assert kinds[3] == ("psychiatry", None, 30, "specialist", "prescriber", "no", "no", "no", 0)
    groups = {k: v.value for k, v in zip(header(book, "groups"), book["groups"][2], strict=True)}
    assert (groups["levels"], groups["site"], groups["pull_out"]) == ("iop; php", "North", "yes")
    readme = "\n".join(str(c) for r in book["README"].iter_rows(values_only=True) for c in r if c)
    assert "appointments.<kind>" in readme and "appointment_minutes.psychiatry" in readme


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_round_trip(tmp_path: Path, small: Instance, kind: str) -> None:
    target = tmp_path / ("week.xlsx" if kind == "xlsx" else "week")
    write_workbook(small, target)
    back = read_workbook(target)
    assert back == small
    assert back.model_dump() == small.model_dump()
    assert back.client("C1").appointments == {"individual": 2, "family": 1, "psychiatry": 0}
    assert back.client("C1").appointment_minutes == {"individual": 45, "psychiatry": 20}
    assert back.client("C2").appointments == {}  # empty cells: each kind's per_week
    assert back.source_version == 2


def test_a_bad_level(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["clients"][f"{LEVEL}3"] = "php2"
        book["groups"]["F3"] = "iop; day"  # levels

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [
        ("sheet groups, row 3", "column levels"),
        ("sheet clients, row 3", "column level"),
    ]
    assert "unknown level 'day'" in problems[0][3]
    assert "unknown level 'php2' (no row of sheet levels has this id)" in problems[1][3]


def test_a_bad_appointment_count(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["clients"][f"{COUNT['family']}3"] = "two"
        book["clients"][f"{COUNT['psychiatry']}4"] = 9  # more than one a day
        book["clients"][f"{MINUTES['individual']}4"] = 0

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [
        ("sheet clients, row 3", "column appointments.family"),
        ("sheet clients, row 4", "column appointments.psychiatry"),
        ("sheet clients, row 4", "column appointment_minutes.individual"),
    ]
    assert "expected a whole number, got 'two'" in problems[0][3]
    assert "less than or equal to 7" in problems[1][3]
    assert "greater than or equal to 1" in problems[2][3]


def test_a_bad_family_availability(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["clients"][f"{FAMILY_FREE}3"] = "Wed 19:00-17:00"
        book["clients"][f"{FAMILY_FREE}4"] = "Someday 10:00-11:00"

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [
        ("sheet clients, row 3", "column family_availability"),
        ("sheet clients, row 4", "column family_availability"),
    ]
    assert "the start 19:00 must come before the end 17:00" in problems[0][3]


def test_an_unknown_kind_column(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["clients"]["W1"] = "appointments.yoga"
        book["clients"]["W2"] = 1

    [(_, entry, key, message)] = problems_of(edited(workbook, edit))
    assert (entry, key) == ("sheet clients, row 1", "column appointments.yoga")
    assert (
        "unknown appointment kind 'yoga'" in message and "individual, family, psychiatry" in message
    )


def test_bad_levels_and_kinds_point_at_their_sheets(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["levels"]["C3"] = -1  # min_weekly_hours.adult
        book["levels"].append(["iop"])  # a duplicate id, row 4
        book["appointment_kinds"]["D2"] = "doctor"  # provider
        book["appointment_kinds"]["E2"] = "lcdc"  # specialties for a primary kind
        book["appointment_kinds"]["F3"] = "maybe"  # required
        book["appointment_kinds"]["C4"] = 0  # minutes

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [
        ("sheet levels, row 3", "column min_weekly_hours.adult"),
        ("sheet levels, row 4", "column id"),
        ("sheet appointment_kinds, row 2", "column provider"),
        ("sheet appointment_kinds, row 3", "column required"),
        ("sheet appointment_kinds, row 4", "column minutes"),
    ]
    assert "duplicate id 'iop' (also row 2)" in problems[1][3]
    assert "expected yes or no, got 'maybe'" in problems[3][3]

    def fix(book: Any) -> None:
        book["levels"]["C3"] = 20
        book["levels"].delete_rows(4)
        book["appointment_kinds"]["D2"] = "primary"
        book["appointment_kinds"]["F3"] = "no"
        book["appointment_kinds"]["C4"] = 30

    [(_, entry, key, message)] = problems_of(edited(workbook, fix))
    assert (entry, key) == ("sheet appointment_kinds, row 2", "column provider_specialties")
    assert "provider_specialties must be empty" in message


def test_yes_no_cells(workbook: Path, small: Instance) -> None:
    def edit(book: Any) -> None:
        book["groups"]["M2"] = True  # Excel's TRUE
        book["groups"]["M3"] = "N"
        book["appointment_kinds"]["F2"] = "Yes"
        book["appointment_kinds"]["H4"] = False

    assert read_workbook(edited(workbook, edit)) == small


def test_without_levels_and_kinds_the_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "week"
    folder.mkdir()
    (folder / "groups.csv").write_text(
        "id,shift,meetings,population,tracks,site,pull_out\nG,morning,Mon 09:00-12:00,adult,a,,no\n"
    )
    (folder / "therapists.csv").write_text("id,availability\nT,Mon 08:00-17:00\n")
    (folder / "clients.csv").write_text(
        "id,population,track,level,appointments.individual\nC,adult,a,iop,2\nD,adult,a,,\n"
    )
    instance = read_workbook(folder)
    assert [level.id for level in instance.program.levels] == ["iop"]
    assert [(k.id, k.required, k.per_week) for k in instance.kinds] == [("individual", True, 1)]
    assert instance.client("C").appointments == {"individual": 2}
    assert instance.client("D").level_id == "iop" and instance.client("D").appointments == {}
    (folder / "clients.csv").write_text("id,population,track,level\nC,adult,a,php\n")
    [(_, entry, key, message)] = problems_of(folder)
    assert (entry, key) == ("sheet clients, row 2", "column level")
    assert "without a sheet levels, the only level is iop" in message


def test_a_version_1_workbook_still_reads(tmp_path: Path) -> None:
    folder = tmp_path / "week"
    folder.mkdir()
    (folder / "program.csv").write_text(
        "key,value\nindividual_session_minutes,50\nmin_weekly_hours.adult,7.5\n"
    )
    (folder / "groups.csv").write_text(
        "id,shift,meetings,population,tracks\nG,morning,Mon 09:00-12:00,adult,a\n"
    )
    (folder / "therapists.csv").write_text("id,availability\nT,Mon 08:00-17:00\n")
    (folder / "clients.csv").write_text(
        "id,population,track,individual_sessions,session_minutes\nC,adult,a,2,45\n"
    )
    instance = read_workbook(folder)
    version_1 = parse_instance(
        {
            "format_version": 1,
            "program": {"individual_session_minutes": 50, "min_weekly_hours": {"adult": 7.5}},
            "groups": [
                {
                    "id": "G",
                    "shift": "morning",
                    "meetings": [{"day": "mon", "start": "09:00", "end": "12:00"}],
                    "population": "adult",
                    "tracks": ["a"],
                }
            ],
            "therapists": [
                {"id": "T", "availability": [{"day": "mon", "start": "08:00", "end": "17:00"}]}
            ],
            "clients": [
                {
                    "id": "C",
                    "population": "adult",
                    "track": "a",
                    "individual_sessions": 2,
                    "session_minutes": 45,
                }
            ],
        }
    )
    assert instance == version_1.as_version(2)
    # The same columns beside the sheets that replaced them are refused, naming the new column.
    (folder / "appointment_kinds.csv").write_text("id,required,per_week\nindividual,yes,1\n")
    (folder / "levels.csv").write_text("id\niop\n")
    problems = problems_of(folder)
    assert where(problems) == [
        ("sheet program, row 2", "column key"),
        ("sheet program, row 3", "column key"),
        ("sheet clients, row 1", "column individual_sessions"),
        ("sheet clients, row 1", "column session_minutes"),
    ]
    assert "column minutes of sheet appointment_kinds" in problems[0][3]
    assert "column min_weekly_hours.adult of sheet levels" in problems[1][3]
    assert "appointments.individual" in problems[2][3]
    assert "appointment_minutes.individual" in problems[3][3]


def test_a_bad_version_1_program_value_points_at_its_row(tmp_path: Path) -> None:
    folder = tmp_path / "week"
    folder.mkdir()
    (folder / "program.csv").write_text("key,value\nname,x\nindividual_session_minutes,2000\n")
    (folder / "groups.csv").write_text("id,shift,meetings,population,tracks\n")
    (folder / "therapists.csv").write_text("id,availability\n")
    (folder / "clients.csv").write_text("id,population,track\n")
    [(_, entry, key, message)] = problems_of(folder)
    assert (entry, key) == ("sheet program, row 3", "column value")
    assert message.startswith("individual_session_minutes: ")


def test_an_empty_levels_sheet_is_a_problem_of_the_sheet(workbook: Path) -> None:
    problems = problems_of(edited(workbook, lambda book: book["levels"].delete_rows(2, 10)))
    assert ("sheet levels", "") in where(problems)


def test_kinds_whose_columns_would_clash_are_refused(tmp_path: Path) -> None:
    data = small_data()
    data["program"]["appointment_kinds"].append({"id": "Family"})
    with pytest.raises(Exception, match="cannot tell it apart from the kind 'family'"):
        write_workbook(parse_instance(data), tmp_path / "week.xlsx")
