"""The command line: ``python -m solver COMMAND ...``.

Exit statuses follow FORMAT.md: 0 success, 1 a roster breaks a rule (check),
2 invalid input (one line per problem, no traceback), 3 infeasible, 4 unknown.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from solver.cli.parser import build_parser
from solver.errors import InputError
from solver.instance import Instance, load_instance
from solver.roster import Roster, load_roster

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_UNKNOWN = 4

log = logging.getLogger("solver")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    command: Callable[[argparse.Namespace], int] = _COMMANDS[args.command]
    try:
        return command(args)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INPUT
    except ImportError as exc:  # an optional extra is missing
        print(exc, file=sys.stderr)
        return EXIT_INPUT


def _load_previous(path: Path | None) -> Roster | None:
    return load_roster(path) if path is not None else None


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n", encoding="utf-8")


def _cmd_schema(args: argparse.Namespace) -> int:
    schema = {
        "instance": Instance.model_json_schema(),
        "roster": Roster.model_json_schema(),
    }
    print(json.dumps(schema, indent=2))
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from solver.checker import check

    instance = load_instance(args.instance)
    roster = load_roster(args.roster)
    previous = _load_previous(args.previous)
    report = check(instance, roster, previous=previous)
    for line in report.lines():
        print(line)
    if roster.status in ("infeasible", "unknown") and report.ok:
        return EXIT_INFEASIBLE
    return EXIT_OK if report.ok else EXIT_VIOLATION


def _cmd_solve(args: argparse.Namespace) -> int:
    from solver.cli.text import ProgressPrinter, summary
    from solver.options import SolveOptions
    from solver.solving import solve

    instance = load_instance(args.instance)
    previous = _load_previous(args.previous)
    printer = None if args.quiet else ProgressPrinter(sys.stderr)
    options = SolveOptions(time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    roster = solve(instance, options, previous=previous, on_progress=printer)
    _write(roster.to_json(), args.out)
    print(summary(instance, roster), file=sys.stderr)
    for line in roster.explanation:
        print(line, file=sys.stderr)
    if roster.status == "infeasible":
        return EXIT_INFEASIBLE
    if roster.status == "unknown":
        return EXIT_UNKNOWN
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from solver.cli.text import explain_lines

    instance = load_instance(args.instance)
    roster = load_roster(args.roster)
    previous = _load_previous(args.previous)
    for line in explain_lines(
        instance, roster, previous=previous, what_if=args.what_if, time_limit=args.time_limit
    ):
        print(line)
    return EXIT_OK


def _cmd_diff(args: argparse.Namespace) -> int:
    from solver.analysis.diff import diff

    previous = load_roster(args.previous)
    new = load_roster(args.new)
    instance = load_instance(args.instance) if args.instance else None
    result = diff(previous, new, instance=instance)
    for sentence in result.sentences:
        print(sentence)
    if args.csv is not None:
        result.frame.to_csv(args.csv, index=False)
    return EXIT_OK


def _cmd_recommend(args: argparse.Namespace) -> int:
    from solver.analysis.recommend import recommend, why_no_option

    instance = load_instance(args.instance)
    roster = load_roster(args.roster)
    options = recommend(instance, roster, args.client_id, k=args.k)
    if not options:
        print(f"no placement found for {args.client_id} with everyone else kept in place:")
        for reason in why_no_option(instance, roster, args.client_id):
            print(f"  - {reason}")
    for rank, option in enumerate(options, start=1):
        print(f"{rank}. {option.describe()}")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from solver.files.workbook_read import read_workbook

    instance = read_workbook(args.source)
    _write(instance.to_json(), args.out)
    print(
        f"wrote {args.out}: {len(instance.groups)} groups, {len(instance.therapists)} "
        f"therapists, {len(instance.clients)} clients",
        file=sys.stderr,
    )
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from solver.files.export import export_roster

    instance = load_instance(args.instance)
    roster = load_roster(args.roster)
    extra = {}
    if args.week_start is not None:
        extra["week_start"] = args.week_start
    if args.weeks is not None:
        extra["weeks"] = args.weeks
    written = export_roster(instance, roster, args.to, args.out, view=args.view, **extra)
    for path in written:
        print(path, file=sys.stderr)
    return EXIT_OK


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "solve": _cmd_solve,
    "check": _cmd_check,
    "explain": _cmd_explain,
    "diff": _cmd_diff,
    "recommend": _cmd_recommend,
    "import": _cmd_import,
    "export": _cmd_export,
    "schema": _cmd_schema,
}
