"""The change report between two rosters (issue 5): one test per kind of change."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from solver.analysis.diff import FRAME_COLUMNS, Change, diff
from solver.errors import InputError
from solver.instance import WEIGHT_KEYS_V1, parse_instance
from solver.roster import Roster, parse_roster

REPO = Path(__file__).resolve().parents[2]


def session(day: str, start: str, end: str) -> dict[str, str]:
    return {"day": day, "start": start, "end": end}


def placed(cid: str, group: str, therapist: str, *sessions: dict[str, str]) -> dict[str, Any]:
    return {"id": cid, "group": group, "therapist": therapist, "sessions": list(sessions)}


def roster_data(
    clients: list[dict[str, Any]],
    unassigned: dict[str, str] | None = None,
    facilitators: dict[str, str] | None = None,
    status: str = "optimal",
) -> dict[str, Any]:
    """A roster document; groups are derived from the clients' groups.

    ``facilitators`` maps group id to facilitator (default T9 for every group).
    """
    facilitators = facilitators or {}
    members: dict[str, list[str]] = {}
    for c in clients:
        members.setdefault(c["group"], []).append(c["id"])
    return {
        "format_version": 1,
        "status": status,
        "objective": 0,
        "best_bound": 0,
        "penalties": dict.fromkeys(WEIGHT_KEYS_V1, 0),
        "solve_seconds": 0.1,
        "groups": [
            {"id": gid, "facilitator": facilitators.get(gid, "T9"), "clients": ids}
            for gid, ids in members.items()
        ],
        "clients": clients,
        "unassigned": [
            {"id": cid, "reasons": [reason]} for cid, reason in (unassigned or {}).items()
        ],
        "explanation": [],
    }


def roster(*args: Any, **kwargs: Any) -> Roster:
    return parse_roster(roster_data(*args, **kwargs))


def facts(changes: list[Change]) -> list[tuple[str, str, str, str | None, str | None]]:
    return [(c.subject, c.subject_kind, c.kind, c.before, c.after) for c in changes]


TUE_13 = session("tue", "13:00", "14:00")
THU_10 = session("thu", "10:00", "11:00")
MON_17 = session("mon", "17:00", "18:00")
WED_09 = session("wed", "09:00", "10:00")


def test_identical_rosters_give_an_empty_diff() -> None:
    data = roster_data(
        [placed("C001", "AM-1", "T1", TUE_13), placed("C002", "AM-1", "T2", MON_17)],
        unassigned={"C003": "no group fits"},
    )
    result = diff(parse_roster(data), parse_roster(data))
    assert result.is_empty
    assert result.changes == []
    assert result.sentences == []
    assert list(result.frame.columns) == list(FRAME_COLUMNS)
    assert result.frame.empty


def test_session_end_alone_is_not_a_change() -> None:
    # Same (day, start): unchanged, as the session_moved penalty counts it.
    before = roster([placed("C001", "AM-1", "T1", TUE_13)])
    after = roster([placed("C001", "AM-1", "T1", session("tue", "13:00", "13:45"))])
    assert diff(before, after).is_empty


def test_group_changed() -> None:
    before = roster([placed("C014", "AM-1", "T1")], facilitators={"AM-1": "T7"})
    after = roster([placed("C014", "PM-2", "T1")], facilitators={"PM-2": "T7"})
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C014", "client", "group_changed", "AM-1", "PM-2"),
        ("T7", "therapist", "stops_facilitating", "AM-1", None),
        ("T7", "therapist", "starts_facilitating", None, "PM-2"),
        ("AM-1", "group", "group_closed", "T7", None),
        ("PM-2", "group", "group_opened", None, "T7"),
    ]
    assert result.sentences == [
        "C014 moves from AM-1 to PM-2",
        "T7: no longer facilitates AM-1 (the group no longer runs)",
        "T7: now facilitates PM-2 (newly running; clients C014)",
        "group AM-1 no longer runs (it was facilitated by T7)",
        "group PM-2 now runs, facilitated by T7",
    ]


def test_therapist_changed_also_moves_the_session_between_therapists() -> None:
    before = roster([placed("C020", "AM-1", "T3", TUE_13)])
    after = roster([placed("C020", "AM-1", "T5", TUE_13)])
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C020", "client", "therapist_changed", "T3", "T5"),
        ("T3", "therapist", "session_removed", "Tue 13:00", None),
        ("T5", "therapist", "session_added", None, "Tue 13:00"),
    ]
    assert result.sentences == [
        "C020: primary therapist T3 -> T5",
        "T3: Tue 13:00 session with C020 is cancelled",
        "T5: new Tue 13:00 session with C020",
    ]


def test_session_moved() -> None:
    before = roster([placed("C020", "AM-1", "T3", TUE_13)])
    after = roster([placed("C020", "AM-1", "T3", THU_10)])
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C020", "client", "session_moved", "Tue 13:00", "Thu 10:00"),
        ("T3", "therapist", "session_moved", "Tue 13:00", "Thu 10:00"),
    ]
    assert result.sentences == [
        "C020: session Tue 13:00 moves to Thu 10:00",
        "T3: Tue 13:00 session with C020 moves to Thu 10:00",
    ]


def test_moved_sessions_pair_in_day_order_and_unchanged_ones_stay_out() -> None:
    fri_15 = session("fri", "15:00", "16:00")
    before = roster([placed("C020", "AM-1", "T3", fri_15, MON_17, WED_09)])
    after = roster([placed("C020", "AM-1", "T3", THU_10, WED_09, TUE_13)])
    result = diff(before, after)
    # Wed 09:00 is unchanged; Mon 17:00 -> Tue 13:00 and Fri 15:00 -> Thu 10:00 (day order).
    assert facts(result.changes) == [
        ("C020", "client", "session_moved", "Mon 17:00", "Tue 13:00"),
        ("C020", "client", "session_moved", "Fri 15:00", "Thu 10:00"),
        ("T3", "therapist", "session_moved", "Mon 17:00", "Tue 13:00"),
        ("T3", "therapist", "session_moved", "Fri 15:00", "Thu 10:00"),
    ]


def test_session_added_and_removed() -> None:
    before = roster(
        [placed("C001", "AM-1", "T1", MON_17), placed("C002", "AM-1", "T2", TUE_13, THU_10)]
    )
    after = roster(
        [placed("C001", "AM-1", "T1", MON_17, WED_09), placed("C002", "AM-1", "T2", THU_10)]
    )
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C001", "client", "session_added", None, "Wed 09:00"),
        ("C002", "client", "session_removed", "Tue 13:00", None),
        ("T1", "therapist", "session_added", None, "Wed 09:00"),
        ("T2", "therapist", "session_removed", "Tue 13:00", None),
    ]
    assert result.sentences == [
        "C001: new session Wed 09:00",
        "C002: session Tue 13:00 is cancelled",
        "T1: new Wed 09:00 session with C001",
        "T2: Tue 13:00 session with C002 is cancelled",
    ]


def test_newly_placed() -> None:
    before = roster([placed("C001", "AM-1", "T1")], unassigned={"C031": "no evening group"})
    after = roster([placed("C001", "AM-1", "T1"), placed("C031", "PM-1", "T2", MON_17)])
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C031", "client", "newly_placed", "unassigned", "PM-1 with T2"),
        ("T2", "therapist", "session_added", None, "Mon 17:00"),
        ("T9", "therapist", "starts_facilitating", None, "PM-1"),
        ("PM-1", "group", "group_opened", None, "T9"),
    ]
    assert result.sentences[0] == "C031 is newly placed in PM-1 with T2 (sessions Mon 17:00)"


def test_newly_placed_without_sessions() -> None:
    before = roster([placed("C001", "AM-1", "T1")], unassigned={"C031": "no evening group"})
    after = roster([placed("C001", "AM-1", "T1"), placed("C031", "AM-1", "T2")])
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C031", "client", "newly_placed", "unassigned", "AM-1 with T2"),
        ("T2", "therapist", "caseload_added", None, "C031"),
        ("T9", "therapist", "client_joined_group", None, "AM-1"),
    ]
    # No session tells T2 of the new client, so a line of its own does.
    assert result.sentences == [
        "C031 is newly placed in AM-1 with T2 (no individual sessions)",
        "T2: now primary therapist of C031 (no individual sessions)",
        "T9: C031 joins AM-1 (newly placed)",
    ]


def test_newly_unassigned_gives_the_first_reason() -> None:
    before = roster([placed("C001", "AM-1", "T1"), placed("C031", "AM-1", "T2", MON_17)])
    after = roster(
        [placed("C001", "AM-1", "T1")],
        unassigned={"C031": "works mon-fri 07:00-19:00; no group meets outside those hours"},
    )
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C031", "client", "newly_unassigned", "AM-1 with T2", "unassigned"),
        ("T2", "therapist", "session_removed", "Mon 17:00", None),
        ("T9", "therapist", "client_left_group", "AM-1", None),
    ]
    assert result.sentences[-1] == "T9: C031 leaves AM-1 (no longer placed)"
    assert result.sentences[0] == (
        "C031 is no longer placed: works mon-fri 07:00-19:00; no group meets outside those hours"
    )


def test_left_roster_placed_and_unassigned() -> None:
    before = roster(
        [placed("C001", "AM-1", "T1"), placed("C009", "AM-1", "T4", WED_09)],
        unassigned={"C010": "no group fits"},
    )
    after = roster([placed("C001", "AM-1", "T1")])
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C009", "client", "left_roster", "AM-1 with T4", None),
        ("C010", "client", "left_roster", "unassigned", None),
        ("T4", "therapist", "session_removed", "Wed 09:00", None),
        ("T9", "therapist", "client_left_group", "AM-1", None),
    ]
    assert result.sentences == [
        "C009 left the roster (discharged)",
        "C010 left the roster (discharged)",
        "T4: Wed 09:00 session with C009 is cancelled",
        "T9: C009 leaves AM-1 (discharged)",
    ]


def test_joined_roster_placed_and_unassigned() -> None:
    before = roster([placed("C001", "AM-1", "T1")])
    after = roster(
        [placed("C001", "AM-1", "T1"), placed("C041", "AM-1", "T2", MON_17, THU_10)],
        unassigned={"C042": "no adolescent group this week"},
    )
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C041", "client", "joined_roster", None, "AM-1 with T2"),
        ("C042", "client", "joined_roster", None, "unassigned"),
        ("T2", "therapist", "session_added", None, "Mon 17:00"),
        ("T2", "therapist", "session_added", None, "Thu 10:00"),
        ("T9", "therapist", "client_joined_group", None, "AM-1"),
    ]
    assert result.sentences == [
        "C041 joined the roster and is placed in AM-1 with T2 (sessions Mon 17:00, Thu 10:00)",
        "C042 joined the roster but is not placed: no adolescent group this week",
        "T2: new Mon 17:00 session with C041",
        "T2: new Thu 10:00 session with C041",
        "T9: C041 joins AM-1 (new to the roster)",
    ]


def test_facilitator_changed() -> None:
    before = roster([placed("C001", "AM-2", "T1")], facilitators={"AM-2": "T1"})
    after = roster([placed("C001", "AM-2", "T1")], facilitators={"AM-2": "T4"})
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C001", "client", "facilitator_changed", "T1", "T4"),
        ("T1", "therapist", "stops_facilitating", "AM-2", None),
        ("T4", "therapist", "starts_facilitating", None, "AM-2"),
        ("AM-2", "group", "facilitator_changed", "T1", "T4"),
    ]
    assert result.sentences == [
        "C001: AM-2 is now facilitated by T4 (was T1)",
        "T1: no longer facilitates AM-2 (T4 takes over)",
        "T4: now facilitates AM-2 (taking over from T1; clients C001)",
        "AM-2: facilitator T1 -> T4",
    ]


def test_group_closed() -> None:
    before = roster([placed("C001", "AM-1", "T1"), placed("C002", "EVE-3", "T1")])
    after = roster([placed("C001", "AM-1", "T1"), placed("C002", "AM-1", "T1")])
    result = diff(before, after)
    assert facts(result.changes) == [
        ("C002", "client", "group_changed", "EVE-3", "AM-1"),
        ("T9", "therapist", "client_joined_group", None, "AM-1"),
        ("T9", "therapist", "stops_facilitating", "EVE-3", None),
        ("EVE-3", "group", "group_closed", "T9", None),
    ]
    assert result.sentences[1:] == [
        "T9: C002 joins AM-1 (from EVE-3)",
        "T9: no longer facilitates EVE-3 (the group no longer runs)",
        "group EVE-3 no longer runs (it was facilitated by T9)",
    ]


def test_order_is_clients_then_therapists_then_groups_in_natural_id_order() -> None:
    before = roster(
        [
            placed("C10", "G2", "T10", TUE_13),
            placed("C9", "G10", "T2", TUE_13),
        ],
        facilitators={"G2": "T1", "G10": "T1"},
    )
    after = roster(
        [
            placed("C10", "G2", "T10", THU_10),
            placed("C9", "G10", "T2", THU_10),
        ],
        facilitators={"G2": "T3", "G10": "T3"},
    )
    result = diff(before, after)
    assert [(c.subject_kind, c.subject) for c in result.changes] == [
        ("client", "C9"),
        ("client", "C9"),
        ("client", "C10"),
        ("client", "C10"),
        ("therapist", "T1"),
        ("therapist", "T1"),
        ("therapist", "T2"),
        ("therapist", "T3"),
        ("therapist", "T3"),
        ("therapist", "T10"),
        ("group", "G2"),
        ("group", "G10"),
    ]
    # Deterministic: the order of the input lists does not matter.
    shuffled = roster_data(
        [placed("C9", "G10", "T2", THU_10), placed("C10", "G2", "T10", THU_10)],
        facilitators={"G2": "T3", "G10": "T3"},
    )
    assert diff(before, parse_roster(shuffled)) == result


def test_a_therapist_sees_their_changes_in_time_order() -> None:
    before = roster([placed("C002", "AM-1", "T3", THU_10), placed("C001", "AM-1", "T3", WED_09)])
    after = roster([placed("C002", "AM-1", "T3", MON_17), placed("C001", "AM-1", "T5", WED_09)])
    therapist_lines = [s for s in diff(before, after).sentences if s.startswith("T3")]
    assert therapist_lines == [
        "T3: Wed 09:00 session with C001 is cancelled",
        "T3: Thu 10:00 session with C002 moves to Mon 17:00",
    ]


def test_instance_adds_shifts() -> None:
    instance = parse_instance(
        {
            "format_version": 1,
            "groups": [
                {
                    "id": gid,
                    "shift": shift,
                    "meetings": [session("mon", start, end)],
                    "population": "adult",
                    "tracks": ["substance_use"],
                }
                for gid, shift, start, end in (
                    ("AM-1", "morning", "09:00", "12:00"),
                    ("AM-2", "morning", "09:00", "12:00"),
                    ("PM-2", "evening", "18:00", "21:00"),
                )
            ],
            "therapists": [],
            "clients": [],
        }
    )
    before = roster([placed("C014", "AM-1", "T1"), placed("C015", "AM-1", "T1")])
    after = roster([placed("C014", "PM-2", "T1"), placed("C015", "AM-2", "T1")])
    result = diff(before, after, instance=instance)
    assert result.sentences == [
        "C014 moves from AM-1 to PM-2 (morning -> evening shift)",
        "C015 moves from AM-1 to AM-2",
        "T9: no longer facilitates AM-1 (the group no longer runs)",
        "T9: now facilitates AM-2 (newly running; clients C015)",
        "T9: now facilitates PM-2 (newly running; clients C014)",
        "group AM-1 no longer runs (it was facilitated by T9)",
        "group AM-2 (morning) now runs, facilitated by T9",
        "group PM-2 (evening) now runs, facilitated by T9",
    ]
    # Without the instance the facts are the same; only the wording is shorter.
    assert facts(diff(before, after).changes) == facts(result.changes)


@pytest.mark.parametrize("side", ["previous", "new"])
@pytest.mark.parametrize("status", ["infeasible", "unknown"])
def test_a_roster_without_placements_cannot_be_compared(side: str, status: str) -> None:
    good = roster([placed("C001", "AM-1", "T1")])
    empty = parse_roster({**roster_data([]), "status": status, "objective": None})
    pair = (empty, good) if side == "previous" else (good, empty)
    with pytest.raises(InputError, match=f"{side} roster: status: {status}: "):
        diff(*pair)


def test_frame_has_one_row_per_change() -> None:
    before = roster([placed("C020", "AM-1", "T3", TUE_13)])
    after = roster([placed("C020", "AM-1", "T3", THU_10)])
    frame = diff(before, after).frame
    assert list(frame.columns) == list(FRAME_COLUMNS)
    assert frame.to_dict("records") == [
        {
            "subject": "C020",
            "subject_kind": "client",
            "kind": "session_moved",
            "before": "Tue 13:00",
            "after": "Thu 10:00",
            "sentence": "C020: session Tue 13:00 moves to Thu 10:00",
        },
        {
            "subject": "T3",
            "subject_kind": "therapist",
            "kind": "session_moved",
            "before": "Tue 13:00",
            "after": "Thu 10:00",
            "sentence": "T3: Tue 13:00 session with C020 moves to Thu 10:00",
        },
    ]


def _run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solver", "diff", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_prints_sentences_and_writes_csv(tmp_path: Path) -> None:
    prev = tmp_path / "last_roster.json"
    new = tmp_path / "new_roster.json"
    out = tmp_path / "changes.csv"
    prev.write_text(
        json.dumps(
            roster_data(
                [placed("C009", "AM-1", "T3", TUE_13), placed("C014", "AM-1", "T1")],
                facilitators={"AM-1": "T1"},
            )
        ),
        encoding="utf-8",
    )
    new.write_text(
        json.dumps(roster_data([placed("C014", "AM-1", "T1")], facilitators={"AM-1": "T4"})),
        encoding="utf-8",
    )
    proc = _run_cli(prev, new, "--csv", out)
    assert proc.returncode == 0, proc.stderr
    expected = [
        "C009 left the roster (discharged)",
        "C014: AM-1 is now facilitated by T4 (was T1)",
        "T1: no longer facilitates AM-1 (T4 takes over)",
        "T3: Tue 13:00 session with C009 is cancelled",
        "T4: now facilitates AM-1 (taking over from T1; clients C014)",
        "AM-1: facilitator T1 -> T4",
    ]
    assert proc.stdout.splitlines() == expected
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["sentence"] for r in rows] == expected
    assert list(rows[0]) == list(FRAME_COLUMNS)
    assert [r["kind"] for r in rows] == [
        "left_roster",
        "facilitator_changed",
        "stops_facilitating",
        "session_removed",
        "starts_facilitating",
        "facilitator_changed",
    ]


def test_cli_identical_rosters_print_nothing(tmp_path: Path) -> None:
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(roster_data([placed("C001", "AM-1", "T1")])), encoding="utf-8")
    out = tmp_path / "changes.csv"
    proc = _run_cli(path, path, "--csv", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert out.read_text(encoding="utf-8").strip() == ",".join(FRAME_COLUMNS)


def test_cli_infeasible_roster_is_an_input_error(tmp_path: Path) -> None:
    good = tmp_path / "last_roster.json"
    good.write_text(json.dumps(roster_data([placed("C001", "AM-1", "T1")])), encoding="utf-8")
    bad = tmp_path / "new_roster.json"
    bad.write_text(
        json.dumps({**roster_data([]), "status": "infeasible", "objective": None}),
        encoding="utf-8",
    )
    proc = _run_cli(good, bad)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "new roster: status: infeasible" in proc.stderr
    assert "Traceback" not in proc.stderr
