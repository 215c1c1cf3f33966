"""The command line's arguments: numbers checked before any work, -v anywhere, a full --help.

A bad argument ends with argparse's usage line, a message naming the option, and exit
status 2, before any file is read.
"""

from __future__ import annotations

import argparse
import sys

import pytest

from solver.cli import main
from solver.cli.parser import build_parser

BAD_ARGUMENTS = [
    (["solve", "week.json", "--time-limit", "-5"], "--time-limit", "above 0, not '-5'"),
    (["solve", "week.json", "--time-limit", "0"], "--time-limit", "above 0, not '0'"),
    (["solve", "week.json", "--time-limit", "nan"], "--time-limit", "finite"),
    (["solve", "week.json", "--time-limit", "inf"], "--time-limit", "finite"),
    (["solve", "week.json", "--time-limit", "soon"], "--time-limit", "number of seconds"),
    (["solve", "week.json", "--workers", "0"], "--workers", "from 1 to 1024, not 0"),
    (["solve", "week.json", "--workers", "-1"], "--workers", "from 1 to 1024, not -1"),
    (["solve", "week.json", "--workers", "1025"], "--workers", "from 1 to 1024"),
    (["solve", "week.json", "--seed", str(10**30)], "--seed", "from 0 to 2147483647"),
    (["solve", "week.json", "--seed", str(2**31)], "--seed", "from 0 to 2147483647"),
    (["solve", "week.json", "--seed", "-1"], "--seed", "from 0 to 2147483647, not -1"),
    (["solve", "week.json", "--seed", "1.5"], "--seed", "a whole number, not '1.5'"),
    (["recommend", "w.json", "r.json", "C1", "-k", "0"], "-k", "at least 1, not 0"),
    (["explain", "w.json", "r.json", "--time-limit", "0"], "--time-limit", "above 0"),
    (["explain", "w.json", "r.json", "--time-limit", "nan"], "--time-limit", "finite"),
    (
        ["export", "w.json", "r.json", "--to", "ics", "--out", "cal", "--weeks", "0"],
        "--weeks",
        "at least 1, not 0",
    ),
    (
        ["export", "w.json", "r.json", "--to", "ics", "--out", "c", "--week-start", "mon"],
        "--week-start",
        "a date YYYY-MM-DD, not 'mon'",
    ),
]


@pytest.mark.parametrize(("argv", "option", "message"), BAD_ARGUMENTS)
def test_a_bad_argument_exits_2_before_any_work(
    capsys: pytest.CaptureFixture[str], argv: list[str], option: str, message: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("usage: ")
    assert f"error: argument {option}: expected " in err and message in err, err


def test_the_largest_and_smallest_good_numbers_pass() -> None:
    args = build_parser().parse_args(
        ["solve", "w.json", "--time-limit", "0.5", "--seed", "2147483647", "--workers", "1"]
    )
    assert (args.time_limit, args.seed, args.workers) == (0.5, 2**31 - 1, 1)
    args = build_parser().parse_args(["recommend", "w.json", "r.json", "C1", "-k", "1"])
    assert args.k == 1


@pytest.mark.parametrize(
    ("argv", "verbose"),
    [
        (["solve", "-v", "w.json"], True),
        (["solve", "w.json", "--verbose"], True),
        (["-v", "solve", "w.json"], True),
        (["-v", "check", "w.json", "r.json", "-v"], True),
        (["solve", "w.json"], False),
        (["schema", "-v"], True),
    ],
)
def test_verbose_before_or_after_the_command(argv: list[str], verbose: bool) -> None:
    assert build_parser().parse_args(argv).verbose is verbose


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_top_level_help_lists_the_exit_statuses_and_the_installed_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert "exit statuses:" in out
    for status in range(5):
        assert f"\n  {status}  " in out, status
    assert "iop-roster" in out
    for command in _commands():
        assert f"    {command} " in out, command


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_argument_is_described_with_its_default(command: str) -> None:
    parser = _commands()[command]
    assert parser.description, command
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        name = action.option_strings[-1] if action.option_strings else action.dest
        assert action.help and action.help != argparse.SUPPRESS, (command, name)
        if action.default not in (None, False, argparse.SUPPRESS):
            assert "default" in action.help, (command, name, action.help)


def test_the_installed_command_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/iop-roster"])
    assert build_parser().prog == "iop-roster"
    monkeypatch.setattr(sys, "argv", ["/repo/solver/__main__.py"])
    assert build_parser().prog == "python -m solver"
