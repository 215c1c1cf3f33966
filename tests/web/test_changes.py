"""Changes recorded before a rerun (solver/web/changes.py): each kind on the sample instances,
its log sentence, and every error naming the entry ``change`` and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from solver.errors import InputError, Problem
from solver.instance import Instance, load_instance
from solver.web.changes import (
    Change,
    Discharge,
    Intake,
    Pin,
    StepDown,
    TherapistOff,
    WorkHours,
    apply_change,
    parse_change,
)

INSTANCES = Path(__file__).resolve().parents[2] / "instances"


@pytest.fixture(scope="module")
def program() -> Instance:
    """The IOP/PHP week of format version 2 (levels iop and php, 40 clients)."""
    return load_instance(INSTANCES / "program.json")


def interval(day: str, start: str, end: str) -> dict[str, str]:
    return {"day": day, "start": start, "end": end}


def new_client(**keys: Any) -> dict[str, Any]:
    """An intake's client entry: an adult on the substance-use track, plus ``keys``."""
    return {"id": "C041", "population": "adult", "track": "substance_use", **keys}


def problems(instance: Instance, data: dict[str, Any]) -> list[Problem]:
    """The problems that parsing and applying the change ``data`` raise."""
    with pytest.raises(InputError) as caught:
        apply_change(instance, parse_change(data))
    assert all(p.entry == "change" for p in caught.value.problems)
    return list(caught.value.problems)


# --- each kind of change ---------------------------------------------------------------------


def test_a_discharge_removes_the_client_and_every_keep_apart_of_them(program: Instance) -> None:
    assert program.client("C040").keep_apart == ["C010"]
    result, sentence = apply_change(program, parse_change({"kind": "discharge", "client": "C010"}))
    assert sentence == "C010 discharged"
    assert not result.has_client("C010")
    assert len(result.clients) == len(program.clients) - 1
    assert result.client("C040").keep_apart == []


def test_an_intake_adds_the_client_at_the_first_level_by_default(program: Instance) -> None:
    change = parse_change({"kind": "intake", "client": new_client(sites=["north"])})
    result, sentence = apply_change(program, change)
    assert sentence == "C041 admitted (iop, track substance_use)"
    assert result.clients[-1].id == "C041"
    assert result.client("C041").sites == ["north"]
    assert result.client("C041").level_id == "iop"


def test_an_intake_may_name_its_level(program: Instance) -> None:
    change = Intake(client=new_client(level="php", track="mental_health"))
    assert apply_change(program, change)[1] == "C041 admitted (php, track mental_health)"


def test_a_therapist_off_loses_that_day_only(program: Instance) -> None:
    before = [i.day for i in program.therapist("T4").availability]
    result, sentence = apply_change(
        program, parse_change({"kind": "therapist_off", "therapist": "T4", "day": "wed"})
    )
    assert sentence == "T4 off on wed"
    assert before == ["mon", "wed", "fri"]
    assert [i.day for i in result.therapist("T4").availability] == ["mon", "fri"]
    assert result.therapist("T1").availability == program.therapist("T1").availability


def test_new_work_hours_replace_the_busy_times(program: Instance) -> None:
    busy = [interval("mon", "09:00", "17:00"), interval("thu", "13:00", "17:00")]
    data = {"kind": "work_hours", "client": "C012", "busy": busy}
    result, sentence = apply_change(program, parse_change(data))
    assert sentence == "C012 works new hours: mon 09:00-17:00, thu 13:00-17:00"
    assert [str(i) for i in result.client("C012").busy] == ["mon 09:00-17:00", "thu 13:00-17:00"]


def test_no_work_hours_and_many_work_hours_read_shortly(program: Instance) -> None:
    result, sentence = apply_change(program, WorkHours(client="C009", busy=[]))
    assert (sentence, result.client("C009").busy) == ("C009 works new hours: none", [])
    hours = [f"{h:02d}:00" for h in range(8, 19)]
    busy = [interval("mon", start, end) for start, end in zip(hours, hours[1:], strict=False)]
    data = {"kind": "work_hours", "client": "C009", "busy": busy}
    result, sentence = apply_change(program, parse_change(data))
    assert len(result.client("C009").busy) == 10
    assert sentence == (
        "C009 works new hours: mon 08:00-09:00, mon 09:00-10:00, mon 10:00-11:00, "
        "mon 11:00-12:00, mon 12:00-13:00, mon 13:00-14:00, mon 14:00-15:00 and 3 more"
    )


def test_a_step_down_from_php_to_iop(program: Instance) -> None:
    assert program.client("C001").level_id == "php"
    data = {"kind": "step_down", "client": "C001", "level": "iop"}
    result, sentence = apply_change(program, parse_change(data))
    assert sentence == "C001 steps down to level iop"
    assert result.client("C001").level_id == "iop"


def test_a_move_to_a_level_of_more_hours_is_told_as_a_step_up(program: Instance) -> None:
    result, sentence = apply_change(program, StepDown(client="C007", level="php"))
    assert sentence == "C007 steps up to level php"
    assert result.client("C007").level_id == "php"


def test_a_pin_sets_the_group_and_the_therapist(program: Instance) -> None:
    data = {"kind": "pin", "client": "C007", "group": "N-AM-SU", "therapist": "T1"}
    result, sentence = apply_change(program, parse_change(data))
    assert sentence == "C007 pinned to N-AM-SU with T1"
    client = result.client("C007")
    assert (client.pinned_group, client.pinned_therapist) == ("N-AM-SU", "T1")


# --- the input instance, and a version-1 instance ---------------------------------------------

EVERY_KIND: list[Change] = [
    Discharge(client="C010"),
    Intake(client=new_client()),
    TherapistOff(therapist="T4", day="mon"),
    WorkHours(client="C009", busy=[]),
    StepDown(client="C001", level="iop"),
    Pin(client="C007", group="N-AM-SU", therapist="T1"),
]


@pytest.mark.parametrize("change", EVERY_KIND, ids=lambda c: c.kind)
def test_the_input_instance_is_left_as_it_was(program: Instance, change: Change) -> None:
    before = program.model_dump(mode="json")
    result, _ = apply_change(program, change)
    assert result is not program
    assert result.model_dump(mode="json") != before
    assert program.model_dump(mode="json") == before


@pytest.mark.parametrize("change", EVERY_KIND, ids=lambda c: c.kind)
def test_a_change_reads_back_from_its_json(change: Change) -> None:
    assert parse_change(change.model_dump(mode="json")) == change


def test_a_version_1_instance_takes_changes_and_comes_back_as_version_2(clinic: Instance) -> None:
    assert clinic.source_version == 1
    result, sentence = apply_change(clinic, Discharge(client="C003"))
    assert (sentence, result.source_version) == ("C003 discharged", 2)
    result, sentence = apply_change(result, Intake(client=new_client(id="C003")))
    assert sentence == "C003 admitted (iop, track substance_use)"
    therapist = clinic.therapists[0]
    day = therapist.availability[0].day
    result, sentence = apply_change(clinic, TherapistOff(therapist=therapist.id, day=day))
    assert sentence == f"{therapist.id} off on {day}"
    assert day not in {i.day for i in result.therapist(therapist.id).availability}


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "discharge", "client": "C099"},
        {"kind": "work_hours", "client": "C099", "busy": []},
        {"kind": "step_down", "client": "C099", "level": "iop"},
        {"kind": "pin", "client": "C099", "group": "N-AM-SU", "therapist": "T1"},
    ],
    ids=lambda d: d["kind"],
)
def test_an_unknown_client_is_named_with_a_few_ids(program: Instance, data: dict[str, Any]) -> None:
    [problem] = problems(program, data)
    assert problem.key == "client"
    assert problem.message.startswith("unknown client 'C099'")
    assert "(the instance has 40: C001, C002, C003, C004, C005, ...)" in problem.message


def test_an_unknown_therapist_suggests_a_close_id(program: Instance) -> None:
    [problem] = problems(program, {"kind": "therapist_off", "therapist": "T44", "day": "tue"})
    assert problem.key == "therapist"
    assert "unknown therapist 'T44'; did you mean T4?" in problem.message


def test_a_pin_to_unknown_ids_names_both(program: Instance) -> None:
    data = {"kind": "pin", "client": "C007", "group": "G99", "therapist": "T99"}
    found = problems(program, data)
    assert [p.key for p in found] == ["group", "therapist"]
    assert found[0].message.startswith("unknown group 'G99'")


def test_a_pin_that_can_never_hold_is_refused(program: Instance) -> None:
    data = {"kind": "pin", "client": "C007", "group": "TEEN-N", "therapist": "T1"}
    found = problems(program, data)
    assert {p.key for p in found} == {"group"}
    assert "pinned to group 'TEEN-N', which it may not join" in found[0].message


def test_an_unknown_level_lists_the_levels(program: Instance) -> None:
    [problem] = problems(program, {"kind": "step_down", "client": "C001", "level": "IOP"})
    assert (problem.key, problem.message) == (
        "level",
        "unknown level 'IOP' (the program has: iop, php)",
    )


def test_a_step_to_the_current_level_is_refused(program: Instance) -> None:
    [problem] = problems(program, {"kind": "step_down", "client": "C007", "level": "iop"})
    assert (problem.key, problem.message) == ("level", "C007 is already at level iop")


def test_a_day_that_is_not_a_day_is_refused(program: Instance) -> None:
    [problem] = problems(program, {"kind": "therapist_off", "therapist": "T4", "day": "monday"})
    assert problem.key == "day"
    assert "'mon'" in problem.message


def test_a_day_without_hours_is_refused(program: Instance) -> None:
    [problem] = problems(program, {"kind": "therapist_off", "therapist": "T4", "day": "tue"})
    assert str(problem) == (
        "change: day: T4 has no hours on tue to take off (their hours are on mon, wed, fri)"
    )


def test_an_intake_of_a_client_already_there_is_refused(program: Instance) -> None:
    [problem] = problems(program, {"kind": "intake", "client": new_client(id="C040")})
    assert problem.key == "client.id"
    assert "'C040' is already in the instance" in problem.message


def test_an_invalid_intake_names_each_key(program: Instance) -> None:
    client = new_client(trak="x", busy=[interval("mon", "09:00", "25:00")])
    del client["track"]
    found = problems(program, {"kind": "intake", "client": client})
    assert {p.key: p.message for p in found} == {
        "client.track": "required key is missing",
        "client.trak": "unknown key (not part of format version 2)",
        "client.busy[0].end": "'25:00' is not a time \"HH:MM\" from 00:00 to 24:00",
    }


def test_an_intake_naming_unknown_ids_is_refused(program: Instance) -> None:
    client = new_client(level="zzz", keep_apart=["C099"])
    found = problems(program, {"kind": "intake", "client": client})
    assert {p.key: p.message for p in found} == {
        "client.level": "unknown level 'zzz' (the program has: iop, php)",
        "client.keep_apart[0]": "unknown client 'C099'",
    }


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({"client": "C001"}, "kind", "required key is missing (one of: discharge, intake, "),
        ({"kind": "leave"}, "kind", "unknown kind 'leave' (one of: discharge, "),
        ({"kind": "discharge"}, "client", "required key is missing"),
        ({"kind": "discharge", "client": "C001", "why": "x"}, "why", "unknown key (a change"),
        ({"kind": "discharge", "client": ""}, "client", "String should have at least 1"),
        (
            {"kind": "work_hours", "client": "C001", "busy": [interval("mon", "10:00", "09:00")]},
            "busy[0]",
            "start 10:00 must be before end 09:00",
        ),
        ({"kind": "intake", "client": "C041"}, "client", "Input should be a valid dictionary"),
    ],
)
def test_a_malformed_change_names_the_key(data: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_change(data)
    [problem] = caught.value.problems
    assert (problem.entry, problem.key) == ("change", key)
    assert problem.message.startswith(message)


def test_a_change_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InputError, match="change: a change must be a JSON object"):
        parse_change(["discharge", "C001"])  # type: ignore[arg-type]
