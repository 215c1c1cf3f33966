"""Hostile input: numbers without sense, JSON that Python reads but JSON does not have, the
wrong file in the wrong place, ids that break exports. Each is refused with exit status 2 and
one line naming the file (and the entry and key where there is one), never a traceback.

The command line runs in-process here (``solver.cli.main``), so these tests stay fast;
``tests/test_bad_input.py`` runs the same kind of check through a real subprocess.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers_solve import client, document, group, iv, therapist, weights

from solver.cli import main
from solver.documents import MAX_OBJECTIVE, looks_like_workbook
from solver.errors import InputError
from solver.instance import load_instance, parse_instance
from solver.roster import load_roster, parse_roster

Doc = dict[str, Any]
REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "instances" / "tiny.json"


def week() -> Doc:
    """A valid one-group, one-therapist, one-client week."""
    return document([group("G1")], [therapist("T1")], [client("C1")])


def roster_doc() -> Doc:
    """A valid roster of :func:`week` that leaves the client out."""
    return {
        "format_version": 1,
        "status": "feasible",
        "objective": 1000,
        "best_bound": 0,
        "penalties": {**weights(), "unassigned": 1000},
        "solve_seconds": 0.1,
        "groups": [],
        "clients": [],
        "unassigned": [{"id": "C1", "reasons": ["left out for this test"]}],
        "explanation": [],
    }


def edited(doc: Doc, path: tuple[str | int, ...], value: Any) -> Doc:
    """A copy of ``doc`` with the key at ``path`` set to ``value``."""
    out = copy.deepcopy(doc)
    here: Any = out
    for step in path[:-1]:
        here = here.setdefault(step, {}) if isinstance(step, str) else here[step]
    here[path[-1]] = value
    return out


def refused(data: Any, **kw: Any) -> list[str]:
    """The problem lines of an instance that must be refused."""
    with pytest.raises(InputError) as caught:
        parse_instance(data, **kw)
    return [str(p) for p in caught.value.problems]


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Exit status and standard-error lines of ``python -m solver ARGS``, in-process."""
    status = main([str(a) for a in args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err.splitlines()


# --- 1. numbers have upper bounds -------------------------------------------------------------

C1, G1, T1 = "clients[0] (id C1)", "groups[0] (id G1)", "therapists[0] (id T1)"

TOO_LARGE = [
    pytest.param(("program", "group_max_size"), 10**30, "program: group_max_size", id="max-size"),
    pytest.param(("program", "group_min_size"), 1001, "program: group_min_size", id="min-size"),
    pytest.param(("groups", 0, "max_size"), 10**30, f"{G1}: max_size", id="group-max-size"),
    pytest.param(
        ("therapists", 0, "max_caseload"), 10**30, f"{T1}: max_caseload", id="max-caseload"
    ),
    pytest.param(("therapists", 0, "max_groups"), 1001, f"{T1}: max_groups", id="max-groups"),
    pytest.param(
        ("clients", 0, "session_minutes"), 10**30, f"{C1}: session_minutes", id="session-10**30"
    ),
    pytest.param(
        ("clients", 0, "session_minutes"), 10**8, f"{C1}: session_minutes", id="session-10**8"
    ),
    pytest.param(
        ("clients", 0, "session_minutes"), 1441, f"{C1}: session_minutes", id="session-over-a-day"
    ),
    pytest.param(
        ("program", "individual_session_minutes"),
        1441,
        "program: individual_session_minutes",
        id="default-session-over-a-day",
    ),
    pytest.param(
        ("clients", 0, "individual_sessions"), 8, f"{C1}: individual_sessions", id="8-sessions"
    ),
    pytest.param(("clients", 0, "priority"), 10**6 + 1, f"{C1}: priority", id="priority"),
    pytest.param(
        ("program", "weights", "unassigned"),
        10**30,
        "program: weights.unassigned",
        id="weight-10**30",
    ),
    pytest.param(
        ("program", "weights", "open_group"),
        10**6 + 1,
        "program: weights.open_group",
        id="weight-over-a-million",
    ),
    pytest.param(
        ("program", "min_weekly_hours", "adult"),
        169,
        "program: min_weekly_hours.adult",
        id="hours-over-a-week",
    ),
    pytest.param(
        ("program", "min_weekly_hours", "adult"),
        math.inf,
        "program: min_weekly_hours.adult",
        id="hours-infinite",
    ),
    pytest.param(
        ("program", "min_weekly_hours", "adolescent"),
        math.nan,
        "program: min_weekly_hours.adolescent",
        id="hours-nan",
    ),
]


@pytest.mark.parametrize(("path", "value", "place"), TOO_LARGE)
def test_a_number_out_of_bounds_is_refused(
    path: tuple[str | int, ...], value: Any, place: str
) -> None:
    lines = refused(edited(week(), path, value), source="week.json")
    assert any(line.startswith(f"week.json: {place}: ") for line in lines), lines


def test_the_largest_numbers_are_accepted() -> None:
    doc = week()
    doc["program"].update(
        group_max_size=1000,
        individual_session_minutes=1440,
        min_weekly_hours={"adult": 168, "adolescent": 0},
        weights=dict.fromkeys(weights(), 10**6),
    )
    doc["therapists"][0].update(max_caseload=1000, max_groups=1000)
    doc["groups"][0]["max_size"] = 1000
    doc["clients"][0].update(individual_sessions=7, session_minutes=1440, priority=10**6)
    parse_instance(doc)


def _crowd(clients: int) -> Doc:
    """``clients`` clients of the largest priority, the largest unassigned weight, no other."""
    doc = week()
    doc["clients"] = [client(f"C{i}", priority=10**6) for i in range(clients)]
    doc["program"]["weights"] = weights(unassigned=10**6)
    return doc


def test_an_objective_that_could_pass_2_to_the_53_is_refused() -> None:
    # 9,007 x 10**12 fits under 2**53 = 9,007,199,254,740,992; 9,008 x 10**12 does not.
    parse_instance(_crowd(9007))
    lines = refused(_crowd(9008), source="week.json")
    assert len(lines) == 1
    assert lines[0].startswith("week.json: program: weights.unassigned: the objective could reach")
    assert "2**53" in lines[0] and "priorities" in lines[0]


def test_the_schema_shows_the_bounds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    defs = schema["instance"]["$defs"]
    assert defs["Therapist"]["properties"]["max_caseload"]["maximum"] == 1000
    assert defs["Weights"]["properties"]["unassigned"]["maximum"] == 10**6
    assert defs["Client"]["properties"]["id"]["maxLength"] == 64
    assert schema["instance"]["properties"]["clients"]["maxItems"] == 100_000
    bound = schema["roster"]["properties"]["best_bound"]["anyOf"][0]
    assert bound == {"maximum": MAX_OBJECTIVE, "minimum": 0, "type": "integer"}


def test_cli_refuses_a_huge_caseload_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "week.json"
    bad.write_text(json.dumps(edited(week(), ("therapists", 0, "max_caseload"), 10**30)))
    status, lines = cli(["solve", bad, "--workers", "1"], capsys)
    assert status == 2
    assert lines == [
        f"{bad}: {T1}: max_caseload: Input should be less than or equal to 1000",
    ]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("penalties", "extra_trip"), -1),
        (("penalties", "unassigned"), MAX_OBJECTIVE + 1),
        (("objective",), MAX_OBJECTIVE + 1),
        (("best_bound",), -1),
        (("solve_seconds",), math.nan),
        (("solve_seconds",), math.inf),
    ],
)
def test_roster_numbers_are_bounded(path: tuple[str, ...], value: Any) -> None:
    with pytest.raises(InputError) as caught:
        parse_roster(edited(roster_doc(), path, value))
    assert any(".".join(path) in p.key for p in caught.value.problems), caught.value


def test_a_fractional_best_bound_is_read_rounded_up() -> None:
    roster = parse_roster(edited(roster_doc(), ("best_bound",), 999.5))
    assert roster.best_bound == 1000 and isinstance(roster.best_bound, int)
    assert '"best_bound": 1000,' in roster.to_json()


# --- 2. JSON that Python reads but JSON does not have -----------------------------------------

_VALID = json.dumps(week())

BAD_JSON = [
    pytest.param(_VALID.replace('"adult": 0', '"adult": NaN'), "NaN is not a number", id="nan"),
    pytest.param(
        _VALID.replace('"adult": 0', '"adult": Infinity'), "Infinity is not a number", id="inf"
    ),
    pytest.param(
        _VALID.replace('"adult": 0', '"adult": -Infinity'), "-Infinity is not a", id="minus-inf"
    ),
    pytest.param(_VALID.replace('"adult": 0', '"adult": 1e400'), "too large", id="1e400"),
    pytest.param(_VALID.replace('"adult": 0', '"adult": ' + "9" * 5000), "too large", id="digits"),
    pytest.param("[" * 100_000, "nested too deeply", id="deep"),
    pytest.param(
        '{"format_version": 1, "groups": ' + "[" * 100_000, "nested too deeply", id="deep-inside"
    ),
    pytest.param(json.dumps(_VALID), "holds a string", id="json-in-a-string"),
    pytest.param("null", "holds null", id="null"),
]


@pytest.mark.parametrize(("text", "message"), BAD_JSON)
def test_hostile_json_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    assert '"adult": 0' in _VALID
    path = tmp_path / "week.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_instance(path)
    assert [p.file for p in caught.value.problems] == [str(path)]
    assert message in str(caught.value)
    if text != json.dumps(_VALID):  # the string is JSON text, which parse_instance reads
        assert message in "\n".join(refused(text, source="week.json"))
    status, lines = cli(["solve", path], capsys)
    assert status == 2 and len(lines) == 1 and lines[0].startswith(f"{path}: "), lines


def test_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "week.json"
    path.write_bytes(_VALID.replace('"su"', '"s\u2013u"').encode("cp1252"))
    with pytest.raises(InputError) as caught:
        load_instance(path)
    assert str(caught.value).startswith(f"{path}: not a UTF-8 text file (byte 0x96 at position")


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "week.json"
    path.write_bytes(b"\xef\xbb\xbf" + _VALID.encode())
    assert load_instance(path).clients[0].id == "C1"


# --- 3. the wrong file in the wrong place -----------------------------------------------------


def test_check_with_the_files_swapped_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance, roster = tmp_path / "week.json", tmp_path / "roster.json"
    instance.write_text(json.dumps(week()))
    roster.write_text(json.dumps(roster_doc()))
    assert cli(["check", instance, roster], capsys)[0] == 0
    status, lines = cli(["check", roster, instance], capsys)
    assert status == 2
    assert lines == [
        f"{roster}: this looks like a roster (it has best_bound, objective, penalties, "
        "solve_seconds, status), not an instance: were the files given in the wrong order?"
    ]
    status, lines = cli(["check", instance, instance], capsys)
    assert (status, len(lines)) == (2, 1)
    assert lines[0].startswith(f"{instance}: this looks like an instance (it has program, ther")


def test_a_workbook_or_folder_where_json_belongs(tmp_path: Path) -> None:
    workbook = tmp_path / "week.xlsx"
    shutil.copy(REPO / "instances" / "template.xlsx", workbook)
    disguised = tmp_path / "week.json"
    shutil.copy(workbook, disguised)
    assert looks_like_workbook(workbook) and looks_like_workbook(disguised)
    assert looks_like_workbook(tmp_path) and not looks_like_workbook(TINY)
    for path in (workbook, disguised):
        with pytest.raises(InputError) as caught:
            load_instance(path)
        assert str(caught.value) == (
            f"{path}: this is a workbook, not a JSON instance; "
            f"run `python -m solver import {path} --out week.json` first"
        )
    with pytest.raises(InputError) as caught:
        load_roster(tmp_path)
    assert str(caught.value) == f"{tmp_path}: this is a folder, not a JSON roster"


def test_commands_read_a_workbook_instance_directly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("openpyxl")
    workbook = tmp_path / "week.xlsx"
    shutil.copy(REPO / "instances" / "template.xlsx", workbook)
    roster = tmp_path / "roster.json"
    args = ["solve", workbook, "--out", roster, "--workers", "1", "--time-limit", "10", "--quiet"]
    status, _ = cli(args, capsys)
    assert status == 0
    assert cli(["check", workbook, roster], capsys)[0] == 0
    status, lines = cli(["check", TINY, workbook], capsys)
    assert (status, lines) == (2, [f"{workbook}: this is a workbook, not a JSON roster"])


# --- 7. ids and texts ---------------------------------------------------------------------------

BAD_IDS = [
    pytest.param("C0\n01", "U+000A (line feed) at character 3", id="newline"),
    pytest.param("C\t1", "U+0009 (tab)", id="tab"),
    pytest.param("C\x071", "U+0007", id="bell"),
    pytest.param("C\u200b1", "U+200B (ZERO WIDTH SPACE)", id="zero-width-space"),
    pytest.param("C\u20281", "U+2028 (LINE SEPARATOR)", id="line-separator"),
    pytest.param("C\ud8001", "valid string", id="lone-surrogate"),
    pytest.param("C" * 65, "at most 64 characters", id="65-characters"),
    pytest.param("C" * 1_000_000, "at most 64 characters", id="a-megabyte"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_IDS)
def test_an_unprintable_or_absurd_id_is_refused(bad: str, message: str) -> None:
    for path, place in (
        (("clients", 0, "id"), "clients[0]"),
        (("groups", 0, "id"), "groups[0]"),
        (("clients", 0, "preferred_therapists"), "clients[0] (id C1): preferred_therapists[0]"),
        (("clients", 0, "pinned_group"), "clients[0] (id C1): pinned_group"),
    ):
        value = [bad] if path[-1] == "preferred_therapists" else bad
        lines = refused(edited(week(), path, value), source="week.json")
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"week.json: {place}") and message in lines[0], lines
        # The problem line stays one short line, whatever the id holds.
        assert "\n" not in lines[0] and len(lines[0]) < 300


def test_a_roster_id_is_checked_too() -> None:
    with pytest.raises(InputError) as caught:
        parse_roster(edited(roster_doc(), ("unassigned", 0, "id"), "C\n1"))
    assert caught.value.problems[0].key == "id"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("groups", 0, "room"), "Room\nA"),
        (("groups", 0, "name"), "x" * 201),
        (("clients", 0, "track"), "su\r"),
        (("therapists", 0, "specialties"), ["trauma\x00"]),
        (("program", "name"), "IOP\u2029"),
    ],
)
def test_a_text_with_control_characters_or_absurd_length_is_refused(
    path: tuple[str | int, ...], value: Any
) -> None:
    lines = refused(edited(week(), path, value))
    assert len(lines) == 1, lines


def test_printable_ids_and_texts_of_any_script_are_accepted() -> None:
    doc = week()
    doc["clients"][0]["id"] = "Cé-客户-" + "x" * 58  # 64 characters
    doc["groups"][0].update(room="Salle \u00e9t\u00e9 \u200f", name="n" * 200)
    assert len(parse_instance(doc).clients[0].id) == 64


def test_absurd_list_lengths_are_refused() -> None:
    lines = refused(edited(week(), ("clients", 0, "busy"), [iv("mon", "09:00", "10:00")] * 1001))
    assert lines == [
        "clients[0] (id C1): busy: List should have at most 1000 items after validation, not 1001"
    ]
