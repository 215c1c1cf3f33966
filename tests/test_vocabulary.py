"""Words that match nothing: a track no group serves, a need no therapist holds, a facilitator
specialty nobody has ... reported with a "did you mean", the clients they leave out, in the
roster's reasons, in solve()'s log and on the command line's standard error."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_solve import solve_and_check

from solver import Instance, parse_instance
from solver.cli import main
from solver.files.workbook_write import write_workbook
from solver.precompute import derive_facts
from solver.vocabulary import normal_key, suggest, vocabulary_warnings

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny.json"

Edit = Callable[[dict[str, Any]], None]


def tiny_with(edit: Edit) -> dict[str, Any]:
    """instances/tiny.json, edited. Its clients: C001 and C002 busy in the day, C003 free,
    C004 busy Tue/Thu 09:00-15:00, C005 busy until 15:30, C006 busy from 14:00 (so only the
    morning group AM fits C006). AM needs an lcdc facilitator (T1), EV and EV-W an lpc one
    (T2); T2 also holds trauma."""
    data: dict[str, Any] = json.loads(TINY.read_text(encoding="utf-8"))
    edit(data)
    return data


def instance_with(edit: Edit) -> Instance:
    return parse_instance(tiny_with(edit))


def client_track(data: dict[str, Any]) -> None:
    data["clients"][3]["track"] = "Substance Use"


def client_need(data: dict[str, Any]) -> None:
    data["clients"][1]["needs"] = ["Trauma"]


def facilitator_specialty(data: dict[str, Any]) -> None:
    data["groups"][0]["facilitator_specialties"] = ["LCDC"]


# ------------------------------------------------------------------ the words


def test_the_key_ignores_case_spaces_hyphens_and_underscores() -> None:
    assert normal_key("Substance Use") == normal_key("substance-use") == "substanceuse"
    assert suggest("Substance Use", ["mental_health", "substance_use"]) == "substance_use"
    assert suggest("traumma", ["trauma", "lcdc"]) == "trauma"  # a close key
    assert suggest("emdr", ["trauma", "lcdc"]) is None
    # Several spellings of one key: the most used one.
    assert suggest("LPC", ["lpc", "Lpc", "lpc"]) == "lpc"


@pytest.mark.parametrize("name", ["tiny", "clinic"])
def test_the_sample_instances_have_no_warnings(name: str, request: pytest.FixtureRequest) -> None:
    assert vocabulary_warnings(request.getfixturevalue(name)) == []


def test_a_client_track_no_group_serves_leaves_the_client_out() -> None:
    [warning] = vocabulary_warnings(instance_with(client_track))
    assert (warning.entry, warning.key, warning.word) == (
        "clients[3] (id C004)",
        "track",
        "Substance Use",
    )
    assert warning.suggestion == "substance_use"
    assert warning.left_out == ("C004",)
    assert str(warning) == (
        "clients[3] (id C004): track: 'Substance Use' matches no group's tracks; "
        "did you mean 'substance_use'? (C004 cannot be placed because of it)"
    )


def test_a_need_no_therapist_holds_leaves_the_client_out() -> None:
    warnings = vocabulary_warnings(instance_with(client_need))
    need = next(w for w in warnings if w.entry == "clients[1] (id C002)")
    assert (need.key, need.suggestion, need.left_out) == ("needs[0]", "trauma", ("C002",))
    # The therapist's spelling is reported too: fixing either side places C002.
    specialty = next(w for w in warnings if w.entry == "therapists[1] (id T2)")
    assert (specialty.key, specialty.suggestion, specialty.left_out) == (
        "specialties[0]",
        "Trauma",
        ("C002",),
    )


def test_a_facilitator_specialty_nobody_holds_names_who_it_leaves_out() -> None:
    warnings = {w.entry: w for w in vocabulary_warnings(instance_with(facilitator_specialty))}
    group = warnings["groups[0] (id AM)"]
    assert (group.key, group.suggestion) == ("facilitator_specialties[0]", "lcdc")
    # AM cannot run; C006, busy from 14:00, fits no other group. C003 can go to EV.
    assert group.left_out == ("C006",)
    assert warnings["therapists[0] (id T1)"].left_out == ("C006",)


def test_two_misspelt_groups_either_of_which_would_do_are_both_blamed() -> None:
    def edit(data: dict[str, Any]) -> None:
        for g in data["groups"]:
            g["facilitator_specialties"] = [s.upper() for s in g["facilitator_specialties"]]

    warnings = {w.entry: w for w in vocabulary_warnings(instance_with(edit))}
    # C003 is free all week: fixing AM's word or EV's would place C003.
    assert "C003" in warnings["groups[0] (id AM)"].left_out
    assert "C003" in warnings["groups[1] (id EV)"].left_out


def test_a_word_that_breaks_nothing_is_a_plain_warning() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["clients"][4]["audiences"] = ["Women"]  # C005 still fits the mixed group EV

    [warning] = vocabulary_warnings(instance_with(edit))
    assert (warning.entry, warning.key, warning.suggestion) == (
        "clients[4] (id C005)",
        "audiences[0]",
        "women",
    )
    assert warning.left_out == ()
    assert "cannot be placed" not in warning.message


def test_a_wanted_word_without_a_suggestion_is_reported_an_offered_one_is_not() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["clients"][2]["needs"] = ["emdr"]  # nobody holds it, nothing like it
        data["therapists"][0]["specialties"].append("dbt")  # nobody asks for it: normal

    [warning] = vocabulary_warnings(instance_with(edit))
    assert (warning.entry, warning.suggestion, warning.left_out) == (
        "clients[2] (id C003)",
        None,
        ("C003",),
    )
    assert warning.message == (
        "'emdr' matches no therapist's specialties (C003 cannot be placed because of it)"
    )


PROGRAM = TINY.parent / "program.json"


def program_with(edit: Edit) -> Instance:
    """instances/program.json (version 2), edited. C001 and C004 are PHP clients who reach only
    north (the PHP day programme meets there; C001 would also be free for the video group, which
    serves IOP only); C007 an IOP client who reaches only north, but may also join the video
    group, which has no site."""
    data: dict[str, Any] = json.loads(PROGRAM.read_text(encoding="utf-8"))
    edit(data)
    return parse_instance(data)


def test_the_version_2_program_has_no_warnings() -> None:
    assert vocabulary_warnings(program_with(lambda data: None)) == []


def test_a_misspelt_client_site_names_the_client_it_leaves_out() -> None:
    def edit(data: dict[str, Any]) -> None:
        for index in (0, 3, 6):
            data["clients"][index]["sites"] = ["North"]

    instance = program_with(edit)
    warnings = {w.entry: w for w in vocabulary_warnings(instance)}
    php = warnings["clients[3] (id C004)"]
    assert (php.key, php.word, php.suggestion, php.left_out) == (
        "sites[0]",
        "North",
        "north",
        ("C004",),
    )
    assert str(php) == (
        "clients[3] (id C004): sites[0]: 'North' matches no group's site; "
        "did you mean 'north'? (C004 cannot be placed because of it)"
    )
    # The video group (no site) is open to C007: reported, but it leaves nobody out. It
    # serves IOP only, so it is no way out for C001.
    assert warnings["clients[6] (id C007)"].left_out == ()
    assert warnings["clients[0] (id C001)"].left_out == ("C001",)
    [reason] = derive_facts(instance).clients["C004"].reasons
    assert reason.endswith("; site 'North' matches no group's site; did you mean 'north'?")


def test_one_site_of_a_client_is_enough() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["clients"][3]["sites"] = ["north", "Soth"]  # north still reaches PHP-N

    [warning] = vocabulary_warnings(program_with(edit))
    assert (warning.key, warning.suggestion, warning.left_out) == ("sites[1]", "south", ())


def test_a_misspelt_group_site_is_reported_with_the_clients_it_leaves_out() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["groups"][0]["site"] = "North"  # PHP-N, the PHP clients' one group

    warnings = vocabulary_warnings(program_with(edit))
    [group] = [w for w in warnings if w.entry == "groups[0] (id PHP-N)"]
    assert (group.key, group.suggestion) == ("site", "north")
    assert "C004" in group.left_out
    assert "C007" not in group.left_out  # IOP: PHP-N was never theirs


# ------------------------------------------------------------------ reasons and solve()


def test_the_unassigned_reasons_say_did_you_mean() -> None:
    facts = derive_facts(instance_with(lambda d: (client_track(d), client_need(d))))
    assert facts.clients["C004"].reasons == [
        "no adult Substance Use group is offered this week; 'Substance Use' matches no adult "
        "group's tracks; did you mean 'substance_use'?"
    ]
    assert facts.clients["C002"].reasons == [
        "no therapist holds all of Trauma; 'Trauma' matches no therapist's specialties; "
        "did you mean 'trauma'?"
    ]
    facts = derive_facts(instance_with(facilitator_specialty))
    [reason] = facts.clients["C006"].reasons
    assert reason.endswith(
        "AM's facilitator specialty 'LCDC' matches no therapist's specialties; did you mean 'lcdc'?"
    )


def test_solve_logs_the_warnings_and_the_roster_gives_the_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="solver.vocabulary"):
        roster = solve_and_check(instance_with(client_track), time_limit=5)
    assert [r.getMessage() for r in caplog.records if r.name == "solver.vocabulary"] == [
        "clients[3] (id C004): track: 'Substance Use' matches no group's tracks; "
        "did you mean 'substance_use'? (C004 cannot be placed because of it)"
    ]
    [reason] = next(u.reasons for u in roster.unassigned if u.id == "C004")
    assert "did you mean 'substance_use'?" in reason


def test_a_misspelt_group_audience_is_named_in_warnings_and_reasons() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["groups"][1]["tracks"] = ["substance_use"]  # EV: no mental_health any more
        data["groups"][2]["audience"] = "Women"  # EV-W, the mental_health clients' last group

    instance = instance_with(edit)
    warnings = {(w.entry, w.key): w for w in vocabulary_warnings(instance)}
    group = warnings["groups[2] (id EV-W)", "audience"]
    assert (group.suggestion, group.left_out) == ("women", ("C002", "C005"))
    assert warnings["clients[4] (id C005)", "audiences[0]"].left_out == ("C005",)
    [reason] = derive_facts(instance).clients["C005"].reasons
    assert reason.endswith("; EV-W is for audience 'Women', and C005's audiences say 'women'")


# ------------------------------------------------------------------ the command line

TRACK_LINE = (
    "clients[3] (id C004): track: 'Substance Use' matches no group's tracks; "
    "did you mean 'substance_use'? (C004 cannot be placed because of it)"
)


def write(tmp_path: Path, edit: Edit) -> Path:
    path = tmp_path / "week.json"
    path.write_text(json.dumps(tiny_with(edit)), encoding="utf-8")
    return path


def test_solve_prints_each_warning_once_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    week = write(tmp_path, client_track)
    out = tmp_path / "roster.json"
    args = ["solve", str(week), "--out", str(out), "--workers", "1", "--time-limit", "5"]
    with caplog.at_level(logging.WARNING, logger="solver.vocabulary"):
        assert main([*args, "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.count("matches no") == 1
    assert f"{week}: {TRACK_LINE}\n" in err
    # solve() logs the same warning; the command mutes that log, having printed it.
    assert not [r for r in caplog.records if r.name == "solver.vocabulary"]

    assert main(["check", str(week), str(out)]) == 0
    assert f"{week}: {TRACK_LINE}\n" in capsys.readouterr().err


def test_a_consistent_week_prints_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "roster.json"
    assert main(["solve", str(TINY), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "matches no" not in capsys.readouterr().err


def test_import_names_the_sheet_the_id_and_the_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "week"
    write_workbook(instance_with(client_track), folder)
    assert main(["import", str(folder), "--out", str(tmp_path / "week.json")]) == 0
    err = capsys.readouterr().err
    assert (
        f"{folder}: sheet clients, id C004: column track: 'Substance Use' matches no group's "
        "tracks; did you mean 'substance_use'? (C004 cannot be placed because of it)\n"
    ) in err


def test_muted_warnings_are_not_worked_out_again(
    monkeypatch: pytest.MonkeyPatch, tiny: Instance
) -> None:
    # The solve command prints the warnings itself; inside the solve they are silenced, and
    # then not computed a second time (they can take seconds on a week full of typos).
    import solver.vocabulary as vocabulary
    from solver.cli.notices import vocabulary_log_muted

    calls: list[int] = []
    monkeypatch.setattr(vocabulary, "vocabulary_warnings", lambda inst: calls.append(1) or [])
    with vocabulary_log_muted():
        vocabulary.log_vocabulary_warnings(tiny)
    assert calls == []
    vocabulary.log_vocabulary_warnings(tiny)
    assert calls == [1]
