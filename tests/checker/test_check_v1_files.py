"""Version-1 rosters of the version-1 sample instances still check clean, with ten terms,
and their messages name sessions as a version-1 file does."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from solver.checker import check
from solver.instance import WEIGHT_KEYS_V1, load_instance, parse_instance
from solver.roster import parse_roster

Doc = dict[str, Any]
INSTANCES = Path(__file__).resolve().parents[2] / "instances"


def iv(day: str, start: str, end: str) -> Doc:
    return {"day": day, "start": start, "end": end}


def tiny_roster() -> Doc:
    """AM runs with C003, C004, C006 (facilitator and primary therapist T1); three wait."""
    penalties = dict.fromkeys(WEIGHT_KEYS_V1, 0)
    penalties.update(unassigned=3000, caseload_spread=3)  # T1 3 clients, T2 none
    return {
        "format_version": 1,
        "status": "feasible",
        "objective": 3003,
        "best_bound": None,
        "penalties": penalties,
        "solve_seconds": 0.5,
        "groups": [{"id": "AM", "facilitator": "T1", "clients": ["C003", "C004", "C006"]}],
        "clients": [
            {
                "id": "C003",
                "group": "AM",
                "therapist": "T1",
                "sessions": [iv("mon", "13:00", "14:00")],
            },
            {
                "id": "C004",
                "group": "AM",
                "therapist": "T1",
                "sessions": [iv("wed", "12:00", "13:00")],
            },
            {
                "id": "C006",
                "group": "AM",
                "therapist": "T1",
                "sessions": [iv("fri", "12:00", "13:00")],
            },
        ],
        "unassigned": [{"id": c, "reasons": ["no seat"]} for c in ("C001", "C002", "C005")],
        "explanation": [],
    }


def test_tiny_v1_roster_checks_clean_with_ten_terms() -> None:
    instance = load_instance(INSTANCES / "tiny.json")
    assert instance.source_version == 1
    report = check(instance, parse_roster(tiny_roster()))
    assert report.ok, report.lines()
    assert report.terms() == tiny_roster()["penalties"]
    assert list(report.terms()) == list(WEIGHT_KEYS_V1)
    assert report.penalties.appointment_missed == report.penalties.provider_change == 0


def test_tiny_v1_messages_name_individual_sessions() -> None:
    instance = load_instance(INSTANCES / "tiny.json")
    roster = tiny_roster()
    roster["clients"][0]["sessions"] = [iv("mon", "13:00", "13:45")]
    report = check(instance, parse_roster(roster))
    assert [str(v) for v in report.violations] == [
        "R6 appointments: client C003's individual session mon 13:00-13:45 lasts 45 minutes, not 60"
    ]
    roster["clients"][0]["sessions"] = []
    report = check(instance, parse_roster(roster))
    assert [str(v) for v in report.violations] == [
        "R6 appointments: client C003 has 0 individual sessions, not individual_sessions 1"
    ]


def test_clinic_v1_everyone_unassigned_checks_clean() -> None:
    document = json.loads((INSTANCES / "clinic.json").read_text(encoding="utf-8"))
    for entry in document["clients"]:  # without its pins, nobody placed is a valid roster
        entry.pop("pinned_group", None)
        entry.pop("pinned_therapist", None)
    instance = parse_instance(copy.deepcopy(document))
    priorities = sum(c.get("priority", 1) for c in document["clients"])
    penalties = dict.fromkeys(WEIGHT_KEYS_V1, 0)
    penalties["unassigned"] = 1000 * priorities
    roster = {
        "format_version": 1,
        "status": "feasible",
        "objective": 1000 * priorities,
        "best_bound": 0,
        "penalties": penalties,
        "solve_seconds": 0.0,
        "groups": [],
        "clients": [],
        "unassigned": [{"id": c["id"], "reasons": ["x"]} for c in document["clients"]],
        "explanation": [],
    }
    report = check(instance, parse_roster(roster))
    assert report.ok, report.lines()
    assert report.terms() == penalties
