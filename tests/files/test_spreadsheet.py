"""Issue 7: instances from Excel workbooks and CSV folders, and back.

Every broken workbook asserts the exact sheet, row (as Excel shows it, header = row 1) and
column of each problem.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from solver.errors import InputError
from solver.files.cells import format_intervals, parse_intervals
from solver.files.columns import COLUMNS, PROGRAM_KEYS, kind_columns, sheet_columns
from solver.files.workbook_read import read_workbook
from solver.files.workbook_write import write_workbook
from solver.instance import Instance, load_instance, parse_instance

openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "instances" / "template.xlsx"
# Instances only: a roster saved beside them has no therapists.
SHIPPED = sorted(
    p
    for p in (ROOT / "instances").glob("*.json")
    if "therapists" in json.loads(p.read_text(encoding="utf-8"))
)


def iv(day: str, start: str, end: str) -> dict[str, str]:
    return {"day": day, "start": start, "end": end}


def small_data() -> dict[str, Any]:
    """An instance of format version 2 that sets every column to something other than its
    default."""
    return {
        "format_version": 2,
        "program": {
            "name": "Clinic Nord",
            "group_max_size": 10,
            "group_min_size": 2,
            "slot_minutes": 30,
            "open_hours": [iv("mon", "08:00", "20:00"), iv("sat", "09:00", "13:00")],
            "levels": [
                {"id": "iop", "min_weekly_hours": {"adult": 7.5, "adolescent": 6}},
                {"id": "php", "name": "Day", "min_weekly_hours": {"adult": 20}},
            ],
            "appointment_kinds": [
                {"id": "individual", "minutes": 50, "required": True, "per_week": 1},
                {"id": "family", "name": "Family therapy", "with_family": True},
                {
                    "id": "psychiatry",
                    "minutes": 30,
                    "provider": "specialist",
                    "provider_specialties": ["prescriber"],
                    "counts_toward_hours": False,
                },
            ],
            "weights": {"unassigned": 900, "open_group": 3, "extra_trip": 0},
        },
        "groups": [
            {
                "id": "G1",
                "name": "=Morning",  # would be a formula if written naively
                "shift": "morning",
                "meetings": [iv("mon", "09:00", "12:00"), iv("wed", "09:00", "12:00")],
                "population": "adult",
                "levels": ["iop", "php"],
                "tracks": ["substance_use", "dual_diagnosis"],
                "audience": "veterans",
                "facilitator_specialties": ["lcdc", "veterans"],
                "max_size": 9,
                "room": "101",
                "site": "North",
                "pull_out": True,
            },
            {
                "id": "7",
                "shift": "evening",
                "meetings": [iv(d, "18:00", "21:00") for d in ("mon", "tue", "wed", "thu")]
                + [iv("thu", "09:00", "10:00")],
                "population": "adolescent",
                "tracks": ["mental_health"],
            },
        ],
        "therapists": [
            {
                "id": "T1",
                "name": "Équipe A",
                "specialties": ["lcdc", "veterans"],
                "availability": [iv("mon", "08:00", "12:00"), iv("mon", "12:00", "17:00")],
                "max_caseload": 8,
                "max_groups": 1,
            },
            {"id": "T2", "specialties": ["prescriber"], "availability": []},
            {"id": "T3", "availability": [iv(d, "17:00", "21:30") for d in ("mon", "wed")]},
        ],
        "clients": [
            {
                "id": "C1",
                "population": "adult",
                "level": "php",
                "track": "substance_use",
                "audiences": ["veterans"],
                "sites": ["North", "South"],
                "needs": ["lcdc"],
                "busy": [iv("tue", "07:00", "19:00"), iv("thu", "07:00", "19:00")],
                "family_availability": [iv("wed", "17:00", "19:00")],
                "shift_preference": "morning",
                "appointments": {"individual": 2, "family": 1, "psychiatry": 0},
                "appointment_minutes": {"individual": 45, "psychiatry": 20},
                "preferred_therapists": ["T1", "T3"],
                "avoid_therapists": ["T2"],
                "keep_apart": ["C2"],
                "priority": 3,
                "pinned_group": "G1",
                "pinned_therapist": "T1",
            },
            {"id": "C2", "population": "adolescent", "track": "mental_health"},
            {
                "id": "C3",
                "population": "adolescent",
                "track": "mental_health",
                "appointments": {"individual": 0},
                "pinned_group": "7",
            },
        ],
    }


@pytest.fixture
def small() -> Instance:
    return parse_instance(small_data())


@pytest.fixture
def workbook(tmp_path: Path, small: Instance) -> Path:
    path = tmp_path / "week.xlsx"
    write_workbook(small, path)
    return path


def problems_of(source: Path) -> list[tuple[str, str, str, str]]:
    """(file, entry, key, message) of every problem read_workbook reports."""
    with pytest.raises(InputError) as caught:
        read_workbook(source)
    return [(p.file, p.entry, p.key, p.message) for p in caught.value.problems]


def edited(path: Path, edit: Callable[[Any], None]) -> Path:
    book = openpyxl.load_workbook(path)
    edit(book)
    book.save(path)
    return path


def where(problems: list[tuple[str, str, str, str]]) -> list[tuple[str, str]]:
    return [(entry, key) for _, entry, key, _ in problems]


# ---------------------------------------------------------------- the template


def test_template_imports_and_explains_itself() -> None:
    instance = read_workbook(TEMPLATE)
    assert instance.groups and instance.therapists and instance.clients
    book = openpyxl.load_workbook(TEMPLATE)
    assert book.sheetnames[0] == "README"
    assert {"program", "groups", "therapists", "clients"} <= set(book.sheetnames)
    readme = "\n".join(
        str(cell) for row in book["README"].iter_rows(values_only=True) for cell in row if cell
    )
    kinds = [kind.id for kind in instance.kinds]
    for name in COLUMNS:
        header = [c.value for c in book[name][1]]
        assert header == [c.key for c in sheet_columns(name, kinds)]
        for column in sheet_columns(name, [*kinds, "<kind>"]):
            assert column.key in readme


def test_template_round_trips(tmp_path: Path) -> None:
    instance = read_workbook(TEMPLATE)
    write_workbook(instance, tmp_path / "again.xlsx")
    assert read_workbook(tmp_path / "again.xlsx") == instance


def test_docs_describe_every_column() -> None:
    docs = (ROOT / "docs" / "spreadsheets.md").read_text(encoding="utf-8")
    for column in PROGRAM_KEYS:
        assert f"`{column.key}`" in docs
    for columns in COLUMNS.values():
        for column in columns:
            assert f"`{column.key}`" in docs
    for column in kind_columns(["<kind>"]):
        assert f"`{column.key}`" in docs


# ---------------------------------------------------------------- round trips


def _shipped_ids() -> list[str]:
    return [p.name for p in SHIPPED]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_round_trip_of_own_instance(tmp_path: Path, small: Instance, kind: str) -> None:
    target = tmp_path / ("week.xlsx" if kind == "xlsx" else "week")
    write_workbook(small, target)
    back = read_workbook(target)
    assert back == small
    assert back.model_dump() == small.model_dump()


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize("source", SHIPPED, ids=_shipped_ids())
def test_round_trip_of_shipped_instances(tmp_path: Path, source: Path, kind: str) -> None:
    instance = load_instance(source)
    target = tmp_path / ("week.xlsx" if kind == "xlsx" else "week")
    write_workbook(instance, target)
    back = read_workbook(target)
    assert back == instance.as_version(2)  # a workbook always reads as format version 2
    assert json.loads(back.to_json()) == json.loads(instance.to_json())


def test_csv_folder_layout(tmp_path: Path, small: Instance) -> None:
    write_workbook(small, tmp_path / "week")
    assert sorted(p.name for p in (tmp_path / "week").iterdir()) == [
        "appointment_kinds.csv",
        "clients.csv",
        "groups.csv",
        "levels.csv",
        "program.csv",
        "therapists.csv",
    ]
    with (tmp_path / "week" / "groups.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["meetings"] == "Mon, Wed 09:00-12:00"
    assert rows[1]["meetings"] == "Mon-Thu 18:00-21:00; Thu 09:00-10:00"
    assert rows[0]["tracks"] == "substance_use; dual_diagnosis"
    with (tmp_path / "week" / "therapists.csv").open(encoding="utf-8-sig", newline="") as handle:
        therapists = list(csv.DictReader(handle))
    assert therapists[1]["availability"] == "none"


def test_csv_with_semicolon_cells_as_saved_by_european_excel(tmp_path: Path) -> None:
    folder = tmp_path / "week"
    folder.mkdir()
    (folder / "groups.csv").write_text(
        'id;shift;meetings;population;tracks\nG;morning;"Mon, Wed 09:00-12:00";adult;"a; b"\n',
        encoding="utf-8",
    )
    (folder / "therapists.csv").write_text("id;availability\nT;Mon-Fri 08:00-17:00\n")
    (folder / "clients.csv").write_text("id;population;track\nC;adult;a\n")
    instance = read_workbook(folder)
    assert instance.groups[0].tracks == ["a", "b"]
    assert [m.day for m in instance.groups[0].meetings] == ["mon", "wed"]
    assert len(instance.therapists[0].availability) == 5
    assert (
        instance.program
        == parse_instance(
            {"format_version": 2, "groups": [], "therapists": [], "clients": []}
        ).program
    )


# ---------------------------------------------------------------- cells and defaults


def test_empty_cells_mean_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "week"
    folder.mkdir()
    (folder / "program.csv").write_text("key,value\nname,\ngroup_max_size,\n\n")
    (folder / "groups.csv").write_text(
        "id,name,shift,meetings,population,tracks,audience,max_size,room\n"
        "G,,morning,Mon 09:00-12:00,adult,a,,,\n"
    )
    (folder / "therapists.csv").write_text("id,availability,max_caseload\nT,Mon 08:00-17:00,\n")
    (folder / "clients.csv").write_text(
        "id,population,track,busy,individual_sessions,pinned_group\nC,adult,a,,,\n,,,,,\n"
    )
    instance = read_workbook(folder)
    defaults = parse_instance(
        {
            "format_version": 2,
            "groups": [
                {
                    "id": "G",
                    "shift": "morning",
                    "meetings": [iv("mon", "09:00", "12:00")],
                    "population": "adult",
                    "tracks": ["a"],
                }
            ],
            "therapists": [{"id": "T", "availability": [iv("mon", "08:00", "17:00")]}],
            "clients": [{"id": "C", "population": "adult", "track": "a"}],
        }
    )
    assert instance == defaults


def test_excel_numbers_times_and_case(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["groups"]["A3"] = 7  # an id typed as a number
        book["groups"]["J2"] = 9.0  # max_size as a float
        book["groups"]["K2"] = 101  # room number
        book["groups"]["C2"] = "Morning"
        book["groups"]["B2"] = dt.time(9, 0)  # a name Excel turned into a time
        book["clients"]["U4"] = 7.0  # pinned_group naming the id 7
        book["clients"]["T2"] = "3"
        book["levels"]["C2"] = "7,5"  # a decimal comma
        book["levels"]["D2"] = 6.0  # min_weekly_hours.adolescent
        book["program"]["B3"] = 10.0  # group_max_size

    instance = read_workbook(edited(workbook, edit))
    assert instance.groups[1].id == "7"
    assert instance.groups[0].max_size == 9
    assert instance.groups[0].room == "101"
    assert instance.groups[0].shift == "morning"
    assert instance.groups[0].name == "09:00"
    assert instance.clients[2].pinned_group == "7"
    assert instance.clients[0].priority == 3
    assert instance.level("iop").min_weekly_hours.adult == 7.5
    assert instance.level("iop").min_weekly_hours.adolescent == 6
    assert instance.program.group_max_size == 10


def test_intervals_text() -> None:
    assert parse_intervals("mon 9:00-12:00; Tuesday 13:00 - 14:30\nSAT 09:00\u201310:00") == [
        iv("mon", "09:00", "12:00"),
        iv("tue", "13:00", "14:30"),
        iv("sat", "09:00", "10:00"),
    ]
    assert parse_intervals("Mon-Wed, Fri 08:00-24:00") == [
        iv(d, "08:00", "24:00") for d in ("mon", "tue", "wed", "fri")
    ]
    assert parse_intervals("none") == []
    for bad in (
        "Mon 09:00",
        "Mon 12:00-09:00",
        "Funday 09:00-10:00",
        "Fri-Mon 09:00-10:00",
        "Mon 24:30-25:00",
        "09:00-10:00",
    ):
        with pytest.raises(ValueError):
            parse_intervals(bad)
    meetings = [
        iv("wed", "09:00", "12:00"),
        iv("mon", "09:00", "12:00"),
        iv("tue", "13:00", "14:00"),
    ]
    assert format_intervals(meetings) == "Wed, Mon 09:00-12:00; Tue 13:00-14:00"
    assert parse_intervals(format_intervals(meetings)) == meetings
    week = [iv(d, "08:00", "17:00") for d in ("mon", "tue", "wed", "thu", "fri")]
    assert format_intervals(week) == "Mon-Fri 08:00-17:00"
    assert parse_intervals(format_intervals(week)) == week


# ---------------------------------------------------------------- broken workbooks


def test_missing_column(workbook: Path) -> None:
    problems = problems_of(edited(workbook, lambda book: book["groups"].delete_cols(3)))
    assert problems == [
        (str(workbook), "sheet groups, row 1", "column shift", "required column is missing")
    ]


def test_bad_time(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["clients"]["H3"] = "Mon 9:00-25:30"

    [(file, entry, key, message)] = problems_of(edited(workbook, edit))
    assert (file, entry, key) == (str(workbook), "sheet clients, row 3", "column busy")
    assert "25:30" in message


def test_unknown_therapist_in_a_client_row(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["clients"]["Q4"] = "T1; T9"
        book["clients"]["V4"] = "T8"

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [
        ("sheet clients, row 4", "column preferred_therapists"),
        ("sheet clients, row 4", "column pinned_therapist"),
    ]
    assert "'T9'" in problems[0][3] and "'T1'" not in problems[0][3]
    assert "'T8'" in problems[1][3]


def test_duplicate_id(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["therapists"].append(["T1", None, None, "Tue 08:00-09:00"])

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [("sheet therapists, row 5", "column id")]
    assert "duplicate id 'T1' (also row 2)" in problems[0][3]


def test_unknown_column(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["clients"]["W1"] = "Notes"
        book["clients"]["W2"] = "anything"
        book["therapists"]["H3"] = "a value under no header"

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [
        ("sheet therapists, row 1", "column H"),
        ("sheet clients, row 1", "column Notes"),
    ]
    assert "unknown column" in problems[1][3]


def test_bad_int(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["therapists"]["E2"] = "twelve"
        book["clients"]["K3"] = 2.5
        book["clients"]["T4"] = True

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [
        ("sheet therapists, row 2", "column max_caseload"),
        ("sheet clients, row 3", "column appointments.individual"),
        ("sheet clients, row 4", "column priority"),
    ]
    assert all("whole number" in p[3] for p in problems)


def test_all_problems_at_once_in_sheet_order(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["groups"].delete_cols(3)
        book["clients"]["H3"] = "Mon 9:00-25:30"
        book["clients"]["Q4"] = "T9"
        book["therapists"].append(["T1", None, None, "Tue 08:00-09:00"])
        book["clients"]["W1"] = "notes"
        book["therapists"]["E2"] = "twelve"
        book["program"]["B3"] = "ten"

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [
        ("sheet program, row 3", "column value"),
        ("sheet groups, row 1", "column shift"),
        ("sheet therapists, row 2", "column max_caseload"),
        ("sheet therapists, row 5", "column id"),
        ("sheet clients, row 1", "column notes"),
        ("sheet clients, row 3", "column busy"),
        ("sheet clients, row 4", "column preferred_therapists"),
    ]
    assert problems[0][3].startswith("group_max_size: ")


def test_problems_found_by_the_instance_model_point_at_cells(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["clients"]["B3"] = "child"  # population
        book["groups"]["J3"] = 99  # max_size above group_max_size
        book["groups"]["D3"] = "Mon 09:00-12:00; Mon 11:00-13:00"  # overlapping meetings
        book["program"]["B7"] = -1  # weights.unassigned
        book["therapists"]["D4"] = ""  # availability left empty

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [
        ("sheet program, row 7", "column value"),
        ("sheet therapists, row 4", "column availability"),
        ("sheet clients, row 3", "column population"),
    ]
    assert problems[0][3].startswith("weights.unassigned: ")
    assert problems[1][3] == "required: the cell is empty"

    # Cross-reference rules run once every cell has a valid value.
    def fix(book: Any) -> None:
        book["clients"]["B3"] = "adolescent"
        book["program"]["B7"] = 1000
        book["therapists"]["D4"] = "none"

    problems = problems_of(edited(workbook, fix))
    assert where(problems) == [
        ("sheet groups, row 3", "column meetings"),
        ("sheet groups, row 3", "column max_size"),
    ]
    assert "overlaps" in problems[0][3]
    assert "max_size 99" in problems[1][3]


def test_program_sheet_problems(workbook: Path) -> None:
    def edit(book: Any) -> None:
        sheet = book["program"]
        sheet["A21"] = "weights.unasigned"
        sheet["B21"] = 3
        sheet["A22"] = "name"
        sheet["B22"] = "again"
        sheet["B23"] = "a value without a key"
        sheet["B4"] = 20  # group_min_size above group_max_size

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [
        ("sheet program", ""),
        ("sheet program, row 21", "column key"),
        ("sheet program, row 22", "column key"),
        ("sheet program, row 23", "column key"),
    ]
    assert "group_min_size 20 exceeds group_max_size 10" in problems[0][3]
    assert "unknown key 'weights.unasigned'" in problems[1][3]
    assert "also given in row 2" in problems[2][3]
    assert problems[3][3] == "the key cell is empty"


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(workbook: Path) -> None:
    def edit(book: Any) -> None:
        book["clients"].insert_rows(3, amount=2)
        book["clients"]["H6"] = "Someday 09:00-10:00"

    problems = problems_of(edited(workbook, edit))
    assert where(problems) == [("sheet clients, row 6", "column busy")]


def test_missing_and_unknown_sheets(workbook: Path) -> None:
    def edit(book: Any) -> None:
        del book["therapists"]
        book.create_sheet("Notes")

    problems = problems_of(edited(workbook, edit))
    assert problems[0][:3] == (str(workbook), "sheet Notes", "")
    assert "unknown sheet" in problems[0][3]
    assert problems[1][3] == "the sheet therapists is missing"


def test_sheet_and_column_names_ignore_case(workbook: Path, small: Instance) -> None:
    def edit(book: Any) -> None:
        sheet = book["clients"]
        sheet.title = "renamed"  # openpyxl refuses a title equal to its own but for case
        sheet.title = "Clients"
        sheet["Q1"] = "Preferred Therapists"

    assert read_workbook(edited(workbook, edit)) == small


def test_csv_problems_name_the_csv_file(tmp_path: Path, small: Instance) -> None:
    folder = tmp_path / "week"
    write_workbook(small, folder)
    path = folder / "clients.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace("adolescent", "teen", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "notes.csv").write_text("x\n1\n")
    problems = problems_of(folder)
    assert problems[0][:3] == (str(folder / "notes.csv"), "", "")
    assert problems[1][:3] == (str(path), "sheet clients, row 3", "column population")


def test_unreadable_sources() -> None:
    for source, message in [
        (Path("nowhere.xlsx"), "no such file"),
        (Path("week.json"), "expected an .xlsx workbook or a folder of CSV files"),
        (Path("clients.csv"), "give the folder that holds the CSV files"),
    ]:
        with pytest.raises(InputError) as caught:
            read_workbook(source)
        assert message in caught.value.problems[0].message


def test_writing_refuses_values_a_cell_cannot_hold(tmp_path: Path) -> None:
    data = small_data()
    data["clients"][1]["needs"] = ["a;b"]
    data["groups"][0]["room"] = ""
    with pytest.raises(InputError) as caught:
        write_workbook(parse_instance(data), tmp_path / "week.xlsx")
    assert [(p.entry, p.key) for p in caught.value.problems] == [
        ("groups[0] (id G1)", "room"),
        ("clients[1] (id C2)", "needs[0]"),
    ]
    assert not (tmp_path / "week.xlsx").exists()
    with pytest.raises(InputError, match="an .xlsx file or a folder"):
        write_workbook(parse_instance(small_data()), tmp_path / "clients.csv")


# ---------------------------------------------------------------- the command line


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solver", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_cli_import(tmp_path: Path) -> None:
    out = tmp_path / "instance.json"
    done = run_cli("import", TEMPLATE, "--out", out)
    assert done.returncode == 0, done.stderr
    assert load_instance(out) == read_workbook(TEMPLATE)


def test_cli_import_reports_every_problem(workbook: Path, tmp_path: Path) -> None:
    def edit(book: Any) -> None:
        book["clients"]["H3"] = "Mon 9:00-25:30"
        book["therapists"]["E2"] = "twelve"

    done = run_cli("import", edited(workbook, edit), "--out", tmp_path / "instance.json")
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"{workbook}: sheet therapists, row 2: column max_caseload: ")
    assert lines[1].startswith(f"{workbook}: sheet clients, row 3: column busy: ")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "instance.json").exists()


def test_a_csv_cell_beyond_the_csv_field_limit_is_one_problem(tmp_path: Path) -> None:
    # The csv module refuses fields over 131,072 characters: a problem naming the file, not
    # a traceback.
    folder = tmp_path / "week"
    folder.mkdir()
    (folder / "clients.csv").write_text("id,population,track\n" + "C" * 200_000 + ",adult,x\n")
    with pytest.raises(InputError) as caught:
        read_workbook(folder)
    assert any(
        p.file.endswith("clients.csv") and "cannot read the file as CSV" in p.message
        for p in caught.value.problems
    )
