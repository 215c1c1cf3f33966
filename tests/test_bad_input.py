"""Malformed instances and rosters: every one is refused with a message a person can act on.

Each row of the tables below breaks one valid document in one way and names where the
problem is: the entry (``clients[1] (id C002)``) and the key (``busy[0].start``). Each row is
checked twice: through the library (``parse_instance`` / ``parse_roster`` raise
:class:`~solver.errors.InputError` with a problem at that place), and through the command
line (``python -m solver check`` exits 2 and says file, entry and key on standard error,
without a traceback).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from solver.cli import main
from solver.errors import InputError
from solver.instance import parse_instance
from solver.roster import parse_roster

Doc = dict[str, Any]
Edit = Callable[[Doc], None]
REPO = Path(__file__).resolve().parents[1]
WEIGHT_KEYS = (
    "unassigned",
    "shift_mismatch",
    "not_preferred_therapist",
    "extra_trip",
    "caseload_spread",
    "open_group",
    "group_change",
    "therapist_change",
    "session_moved",
    "facilitator_change",
)


def iv(day: str, start: str, end: str) -> Doc:
    return {"day": day, "start": start, "end": end}


def valid_instance() -> Doc:
    """Three groups, two therapists, three clients; each pin row below breaks one rule only."""
    return {
        "format_version": 1,
        "program": {"name": "Bad-input tests", "group_max_size": 8, "group_min_size": 3},
        "groups": [
            {
                "id": "G1",
                "shift": "morning",
                "population": "adult",
                "tracks": ["substance_use"],
                "facilitator_specialties": ["lcdc"],
                "meetings": [
                    iv("mon", "09:00", "12:00"),
                    iv("wed", "09:00", "12:00"),
                    iv("fri", "09:00", "12:00"),
                ],
            },
            {
                "id": "G2",
                "shift": "evening",
                "population": "adult",
                "tracks": ["substance_use", "mental_health"],
                "audience": "women",
                "meetings": [iv("tue", "18:00", "21:00"), iv("thu", "18:00", "21:00")],
            },
            {
                "id": "G3",
                "shift": "afternoon",
                "population": "adolescent",
                "tracks": ["substance_use"],
                "max_size": 6,
                "meetings": [iv("mon", "15:30", "18:00"), iv("thu", "15:30", "18:00")],
            },
        ],
        "therapists": [
            {"id": "T1", "specialties": ["lcdc"], "availability": [iv("mon", "08:00", "17:00")]},
            {
                "id": "T2",
                "specialties": ["adolescents"],
                "availability": [iv("tue", "12:00", "21:00"), iv("thu", "12:00", "21:00")],
            },
        ],
        "clients": [
            {"id": "C001", "population": "adult", "track": "substance_use"},
            {
                "id": "C002",
                "population": "adult",
                "track": "mental_health",
                "audiences": ["women"],
                "busy": [iv("mon", "08:00", "17:00")],
            },
            {
                "id": "C003",
                "population": "adolescent",
                "track": "substance_use",
                "needs": ["adolescents"],
            },
        ],
    }


def valid_roster() -> Doc:
    """Everyone unassigned: valid for :func:`valid_instance` whatever the checker thinks of it."""
    penalties = dict.fromkeys(WEIGHT_KEYS, 0)
    penalties["unassigned"] = 3000
    return {
        "format_version": 1,
        "status": "feasible",
        "objective": 3000,
        "best_bound": None,
        "penalties": penalties,
        "solve_seconds": 0.5,
        "groups": [],
        "clients": [],
        "unassigned": [
            {"id": c, "reasons": ["left out for this test"]} for c in ("C001", "C002", "C003")
        ],
        "explanation": [],
    }


def placed_roster() -> Doc:
    """One running group and one placed client: the roster that the roster rows break.

    It is well formed, which is all that loading asks; the rules are the checker's business.
    """
    roster = valid_roster()
    roster["groups"] = [{"id": "G1", "facilitator": "T1", "clients": ["C001"]}]
    roster["clients"] = [
        {"id": "C001", "group": "G1", "therapist": "T1", "sessions": [iv("mon", "13:00", "14:00")]}
    ]
    roster["unassigned"] = roster["unassigned"][1:]
    roster["penalties"]["unassigned"] = roster["objective"] = 2000
    return roster


# --- edits: each returns a function that changes a document in place ----------------------

Path_ = tuple[str | int, ...]


def _parent(doc: Any, path: Path_) -> Any:
    for step in path[:-1]:
        doc = doc.setdefault(step, {}) if isinstance(step, str) else doc[step]
    return doc


def set_(path: Path_, value: Any) -> Edit:
    def edit(doc: Doc) -> None:
        _parent(doc, path)[path[-1]] = value

    return edit


def drop(path: Path_) -> Edit:
    def edit(doc: Doc) -> None:
        del _parent(doc, path)[path[-1]]

    return edit


def append(path: Path_, value: Any) -> Edit:
    def edit(doc: Doc) -> None:
        _parent(doc, path)[path[-1]].append(value)

    return edit


def both(*edits: Edit) -> Edit:
    def edit(doc: Doc) -> None:
        for e in edits:
            e(doc)

    return edit


def where(entry: str, key: str) -> str:
    """How a problem line names its place: ``entry: key`` (either may be empty)."""
    return ": ".join(part for part in (entry, key) if part)


# --- the tables: (edit or raw file text, entry, key) ---------------------------------------

C1, C2, C3 = "clients[0] (id C001)", "clients[1] (id C002)", "clients[2] (id C003)"
G1, G2, G3 = "groups[0] (id G1)", "groups[1] (id G2)", "groups[2] (id G3)"
T1, T2 = "therapists[0] (id T1)", "therapists[1] (id T2)"

BAD_INSTANCES = [
    # keys and types
    pytest.param(set_(("clients", 1, "colour"), "red"), C2, "colour", id="unknown-key"),
    pytest.param(set_(("version",), 1), "", "version", id="unknown-top-level-key"),
    pytest.param(
        set_(("program", "weights", "unasigned"), 5),
        "program",
        "weights.unasigned",
        id="misspelt-weight",
    ),
    pytest.param(
        set_(("program", "group_max_size"), 8.0), "program", "group_max_size", id="float-for-int"
    ),
    pytest.param(set_(("clients", 1, "priority"), "2"), C2, "priority", id="string-for-int"),
    pytest.param(
        set_(("therapists", 0, "max_caseload"), True), T1, "max_caseload", id="bool-for-int"
    ),
    pytest.param(
        set_(("program", "min_weekly_hours", "adult"), "9"),
        "program",
        "min_weekly_hours.adult",
        id="string-for-number",
    ),
    pytest.param(set_(("clients", 0, "track"), None), C1, "track", id="null-track"),
    pytest.param(set_(("groups", 2, "max_size"), None), G3, "max_size", id="null-max-size"),
    pytest.param(set_(("program",), None), "", "program", id="null-program"),
    pytest.param(set_(("groups", 0, "shift"), "night"), G1, "shift", id="unknown-shift"),
    pytest.param(
        set_(("clients", 2, "population"), "child"), C3, "population", id="unknown-population"
    ),
    pytest.param(set_(("clients", 1, "priority"), 0), C2, "priority", id="priority-zero"),
    pytest.param(
        set_(("therapists", 1, "max_groups"), -1), T2, "max_groups", id="negative-max-groups"
    ),
    pytest.param(
        set_(("clients", 0, "session_minutes"), 0), C1, "session_minutes", id="zero-session-minutes"
    ),
    pytest.param(
        set_(("program", "weights"), {"extra_trip": -2}),
        "program",
        "weights.extra_trip",
        id="negative-weight",
    ),
    pytest.param(
        set_(("program", "min_weekly_hours", "adolescent"), -1),
        "program",
        "min_weekly_hours.adolescent",
        id="negative-weekly-hours",
    ),
    # times and intervals
    pytest.param(
        set_(("therapists", 1, "availability", 0, "end"), "25:00"),
        T2,
        "availability[0].end",
        id="time-25h",
    ),
    pytest.param(
        set_(("clients", 1, "busy", 0, "start"), "9:00"),
        C2,
        "busy[0].start",
        id="time-one-digit-hour",
    ),
    pytest.param(
        set_(("groups", 0, "meetings", 1, "end"), "12:60"),
        G1,
        "meetings[1].end",
        id="time-60-minutes",
    ),
    pytest.param(
        set_(("groups", 1, "meetings", 0), iv("tue", "21:00", "18:00")),
        G2,
        "meetings[0]",
        id="start-after-end",
    ),
    pytest.param(
        set_(("clients", 1, "busy", 0), iv("mon", "10:00", "10:00")),
        C2,
        "busy[0]",
        id="start-equals-end",
    ),
    pytest.param(
        set_(("program", "open_hours"), [iv("monday", "08:00", "21:00")]),
        "program",
        "open_hours[0].day",
        id="bad-day",
    ),
    pytest.param(
        set_(("therapists", 0, "availability", 0, "start"), 800),
        T1,
        "availability[0].start",
        id="time-as-number",
    ),
    pytest.param(
        append(("groups", 0, "meetings"), iv("wed", "11:00", "13:00")),
        G1,
        "meetings[3]",
        id="overlapping-meetings",
    ),
    pytest.param(set_(("groups", 0, "meetings"), []), G1, "meetings", id="no-meetings"),
    pytest.param(set_(("groups", 1, "tracks"), []), G2, "tracks", id="no-tracks"),
    # program sizes
    pytest.param(set_(("groups", 0, "max_size"), 9), G1, "max_size", id="max-size-above-max"),
    pytest.param(set_(("groups", 2, "max_size"), 2), G3, "max_size", id="max-size-below-min"),
    pytest.param(
        set_(("program", "slot_minutes"), 7), "program", "slot_minutes", id="slot-not-dividing-60"
    ),
    pytest.param(
        set_(("program", "slot_minutes"), 120), "program", "slot_minutes", id="slot-over-60"
    ),
    pytest.param(
        set_(("program", "group_min_size"), 9),
        "program",
        "group_min_size",
        id="min-size-above-max-size",
    ),
    # ids and references
    pytest.param(
        set_(("clients", 2, "id"), "C001"), "clients[2] (id C001)", "id", id="duplicate-client-id"
    ),
    pytest.param(
        set_(("groups", 1, "id"), "G1"), "groups[1] (id G1)", "id", id="duplicate-group-id"
    ),
    pytest.param(
        set_(("therapists", 1, "id"), "T1"),
        "therapists[1] (id T1)",
        "id",
        id="duplicate-therapist-id",
    ),
    pytest.param(set_(("groups", 0, "id"), ""), "groups[0]", "id", id="empty-id"),
    pytest.param(
        set_(("clients", 0, "preferred_therapists"), ["T1", "T9"]),
        C1,
        "preferred_therapists[1]",
        id="dangling-preferred-therapist",
    ),
    pytest.param(
        set_(("clients", 1, "avoid_therapists"), ["T7"]),
        C2,
        "avoid_therapists[0]",
        id="dangling-avoid-therapist",
    ),
    pytest.param(
        set_(("clients", 0, "keep_apart"), ["C999"]), C1, "keep_apart[0]", id="dangling-keep-apart"
    ),
    pytest.param(
        set_(("clients", 0, "pinned_group"), "G9"), C1, "pinned_group", id="dangling-pinned-group"
    ),
    pytest.param(
        set_(("clients", 1, "pinned_therapist"), "T9"),
        C2,
        "pinned_therapist",
        id="dangling-pinned-therapist",
    ),
    pytest.param(
        set_(("clients", 0, "pinned_group"), ""), C1, "pinned_group", id="empty-pinned-group"
    ),
    # pins that no roster can honour
    pytest.param(
        set_(("clients", 2, "pinned_group"), "G1"), C3, "pinned_group", id="pin-other-population"
    ),
    pytest.param(
        set_(("clients", 1, "pinned_group"), "G1"), C2, "pinned_group", id="pin-other-track"
    ),
    pytest.param(
        set_(("clients", 0, "pinned_group"), "G2"), C1, "pinned_group", id="pin-other-audience"
    ),
    pytest.param(
        both(
            set_(("clients", 0, "avoid_therapists"), ["T1"]),
            set_(("clients", 0, "pinned_therapist"), "T1"),
        ),
        C1,
        "pinned_therapist",
        id="pin-avoided-therapist",
    ),
    # the document itself
    pytest.param(
        drop(("therapists", 0, "availability")), T1, "availability", id="missing-availability"
    ),
    pytest.param(drop(("clients", 1, "track")), C2, "track", id="missing-track"),
    pytest.param(drop(("clients",)), "", "clients", id="missing-clients"),
    pytest.param(drop(("format_version",)), "", "format_version", id="missing-format-version"),
    pytest.param(set_(("format_version",), 3), "", "format_version", id="format-version-3"),
    pytest.param(set_(("format_version",), True), "", "format_version", id="format-version-true"),
    pytest.param(set_(("format_version",), "1"), "", "format_version", id="format-version-string"),
    pytest.param(set_(("clients",), {"C001": {}}), "", "clients", id="clients-not-a-list"),
    pytest.param('{"format_version": 1, "groups": [', "", "", id="truncated-json"),
    pytest.param("format_version = 1\n", "", "", id="not-json"),
    pytest.param("[]", "", "", id="top-level-list"),
    pytest.param("1", "", "", id="top-level-number"),
]

BAD_ROSTERS = [
    pytest.param(set_(("status",), "done"), "", "status", id="unknown-status"),
    pytest.param(drop(("penalties",)), "", "penalties", id="missing-penalties"),
    pytest.param(drop(("explanation",)), "", "explanation", id="missing-explanation"),
    pytest.param(
        drop(("penalties", "extra_trip")), "", "penalties.extra_trip", id="missing-penalty-term"
    ),
    pytest.param(
        set_(("penalties", "travel"), 0), "", "penalties.travel", id="unknown-penalty-term"
    ),
    pytest.param(
        set_(("penalties", "unassigned"), 2000.0), "", "penalties.unassigned", id="float-penalty"
    ),
    pytest.param(
        set_(("unassigned", 0, "reasons"), []),
        "unassigned[0] (id C002)",
        "reasons",
        id="unassigned-without-reasons",
    ),
    pytest.param(
        drop(("unassigned", 1, "reasons")),
        "unassigned[1] (id C003)",
        "reasons",
        id="unassigned-missing-reasons",
    ),
    pytest.param(set_(("objective",), 2000.5), "", "objective", id="float-objective"),
    pytest.param(set_(("objective",), "2000"), "", "objective", id="string-objective"),
    pytest.param(set_(("solve_seconds",), -1), "", "solve_seconds", id="negative-seconds"),
    pytest.param(set_(("format_version",), 3), "", "format_version", id="format-version-3"),
    pytest.param(set_(("format_version",), True), "", "format_version", id="format-version-true"),
    pytest.param(set_(("extra",), []), "", "extra", id="unknown-top-level-key"),
    pytest.param(
        set_(("groups", 0, "clients"), []),
        "groups[0] (id G1)",
        "clients",
        id="running-group-without-clients",
    ),
    pytest.param(
        set_(("groups", 0, "facilitator"), ""),
        "groups[0] (id G1)",
        "facilitator",
        id="empty-facilitator",
    ),
    pytest.param(
        set_(("groups", 0, "size"), 1), "groups[0] (id G1)", "size", id="unknown-group-key"
    ),
    pytest.param(
        set_(("clients", 0, "therapist"), None),
        "clients[0] (id C001)",
        "therapist",
        id="null-therapist",
    ),
    pytest.param(
        set_(("clients", 0, "sessions", 0, "start"), "24:30"),
        "clients[0] (id C001)",
        "sessions[0].start",
        id="session-time-24-30",
    ),
    pytest.param(
        set_(("clients", 0, "sessions", 0, "day"), "Mon"),
        "clients[0] (id C001)",
        "sessions[0].day",
        id="session-day-capitalised",
    ),
    pytest.param(
        set_(("clients", 0, "sessions", 0), iv("mon", "14:00", "13:00")),
        "clients[0] (id C001)",
        "sessions[0]",
        id="session-start-after-end",
    ),
    pytest.param('{"status": ', "", "", id="not-json"),
    pytest.param('[{"format_version": 1}]', "", "", id="top-level-list"),
]


def _apply(valid: Doc, bad: Edit | str) -> str:
    """The broken document as file text."""
    if isinstance(bad, str):
        return bad
    doc = copy.deepcopy(valid)
    bad(doc)
    return json.dumps(doc)


def _assert_names_place(error: InputError, source: str, entry: str, key: str) -> None:
    assert error.problems, "an InputError lists at least one problem"
    assert all(p.file == source for p in error.problems)
    lines = [str(p) for p in error.problems]
    expected = f"{source}: {where(entry, key)}" if entry or key else source
    assert any(line.startswith(expected) for line in lines), (expected, lines)


def _run_check(tmp_path: Path, instance_text: str, roster_text: str) -> tuple[Path, Path, Any]:
    instance_file = tmp_path / "week.json"
    roster_file = tmp_path / "roster.json"
    instance_file.write_text(instance_text, encoding="utf-8")
    roster_file.write_text(roster_text, encoding="utf-8")
    # In process (the same ``main`` that ``python -m solver`` runs, a hundred times faster
    # than a new interpreter each); test_cli_end_to_end_in_a_real_process keeps one real run.
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["check", str(instance_file), str(roster_file)])
    result = subprocess.CompletedProcess([], status, out.getvalue(), err.getvalue())
    return instance_file, roster_file, result


def test_cli_end_to_end_in_a_real_process(tmp_path: Path) -> None:
    doc = valid_instance()
    doc["clients"][0]["priority"] = "high"
    instance_file = tmp_path / "week.json"
    instance_file.write_text(json.dumps(doc), encoding="utf-8")
    roster_file = tmp_path / "roster.json"
    roster_file.write_text(json.dumps(valid_roster()), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "solver", "check", str(instance_file), str(roster_file)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    _assert_cli_names_place(result, instance_file, C1, "priority")


def _assert_cli_names_place(result: Any, source: Path, entry: str, key: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    assert str(source) in result.stderr
    if entry or key:
        assert f"{source}: {where(entry, key)}" in result.stderr, result.stderr


def test_valid_documents_are_accepted(tmp_path: Path) -> None:
    """The documents that every row breaks are themselves valid, and check passes them."""
    parse_instance(valid_instance())
    parse_roster(valid_roster())
    parse_roster(placed_roster())
    _, _, result = _run_check(tmp_path, json.dumps(valid_instance()), json.dumps(valid_roster()))
    assert result.returncode != 2, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("bad", "entry", "key"), BAD_INSTANCES)
def test_bad_instance_is_refused(bad: Edit | str, entry: str, key: str) -> None:
    text = _apply(valid_instance(), bad)
    with pytest.raises(InputError) as caught:
        parse_instance(text, source="week.json")
    _assert_names_place(caught.value, "week.json", entry, key)


@pytest.mark.parametrize(("bad", "entry", "key"), BAD_INSTANCES)
def test_bad_instance_exits_2(tmp_path: Path, bad: Edit | str, entry: str, key: str) -> None:
    instance_text = _apply(valid_instance(), bad)
    instance_file, _, result = _run_check(tmp_path, instance_text, json.dumps(valid_roster()))
    _assert_cli_names_place(result, instance_file, entry, key)


@pytest.mark.parametrize(("bad", "entry", "key"), BAD_ROSTERS)
def test_bad_roster_is_refused(bad: Edit | str, entry: str, key: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_roster(_apply(placed_roster(), bad), source="roster.json")
    _assert_names_place(caught.value, "roster.json", entry, key)


@pytest.mark.parametrize(("bad", "entry", "key"), BAD_ROSTERS)
def test_bad_roster_exits_2(tmp_path: Path, bad: Edit | str, entry: str, key: str) -> None:
    roster_text = _apply(placed_roster(), bad)
    _, roster_file, result = _run_check(tmp_path, json.dumps(valid_instance()), roster_text)
    _assert_cli_names_place(result, roster_file, entry, key)


def test_every_problem_is_reported_at_once() -> None:
    """Three unrelated mistakes give three problems, not only the first."""
    doc = valid_instance()
    doc["clients"][0]["priority"] = "high"
    doc["therapists"][1]["availability"][0]["start"] = "7:00"
    doc["groups"][2]["room"] = 3
    with pytest.raises(InputError) as caught:
        parse_instance(doc)
    places = {where(p.entry, p.key) for p in caught.value.problems}
    assert places == {f"{C1}: priority", f"{T2}: availability[0].start", f"{G3}: room"}


def test_every_dangling_reference_is_reported_at_once() -> None:
    """Cross-reference problems are collected, not stopped at the first."""
    doc = valid_instance()
    doc["clients"][0]["keep_apart"] = ["C404"]
    doc["clients"][1]["preferred_therapists"] = ["T404"]
    doc["clients"][2]["pinned_group"] = "G404"
    with pytest.raises(InputError) as caught:
        parse_instance(doc)
    places = {where(p.entry, p.key) for p in caught.value.problems}
    assert places == {
        f"{C1}: keep_apart[0]",
        f"{C2}: preferred_therapists[0]",
        f"{C3}: pinned_group",
    }


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-week.json"
    roster_file = tmp_path / "roster.json"
    roster_file.write_text(json.dumps(valid_roster()), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "solver", "check", str(missing), str(roster_file)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 2
    assert str(missing) in result.stderr
    assert "Traceback" not in result.stderr
