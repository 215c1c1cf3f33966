"""The command line: ``python -m solver COMMAND ...``.

Exit statuses follow docs/format.md: 0 success, 1 a roster breaks a rule (check),
2 invalid input (one line per problem, no traceback), 3 infeasible, 4 unknown,
5 interrupted (``solve``: the first Ctrl-C or SIGTERM stops the search and the best
roster so far is written; a second exits at once with 130, or 143 for SIGTERM, see
:mod:`solver.cli.interrupt`), 70 internal error (CP-SAT rejected the model; one line).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from solver.cli.notices import (
    load_matching_roster,
    print_vocabulary_warnings,
    vocabulary_log_muted,
    warn_foreign_previous,
)
from solver.cli.parser import build_parser
from solver.documents import looks_like_workbook
from solver.errors import InputError, Problem
from solver.instance import Instance
from solver.instance import load_instance as load_json_instance
from solver.roster import Roster, load_roster

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_UNKNOWN = 4
EXIT_INTERRUPTED = 5
EXIT_INTERNAL = 70  # EX_SOFTWARE of sysexits.h

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


def load_instance(path: Path) -> Instance:
    """The INSTANCE argument of every command: a JSON instance, or a workbook (``.xlsx``) or a
    folder of CSV files, read as ``import`` reads them (needs the ``files`` extra)."""
    if looks_like_workbook(path):
        from solver.files.workbook_read import read_workbook

        return read_workbook(path)
    return load_json_instance(path)


def _load_previous(path: Path | None, instance: Instance, instance_path: Path) -> Roster | None:
    if path is None:
        return None
    previous = load_roster(path)
    warn_foreign_previous(path, instance_path, instance, previous)
    return previous


def _prepare_out(path: Path | None, option: str, inputs: list[tuple[str, Path | None]]) -> None:
    """Check an output path before the work: create its folders, refuse the command's inputs."""
    if path is not None:
        from solver.files.outputs import prepare_file

        prepare_file(path, option, inputs)


@contextlib.contextmanager
def _writing(option: str, path: Path) -> Iterator[None]:
    """A failed write (full disk, size limit) as one line naming the option and the path."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError([Problem("", option, f"cannot write {path}: {reason}")]) from None


def _write(text: str, out: Path | None, option: str = "--out") -> None:
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        from solver.files.atomic import write_text

        with _writing(option, out):
            write_text(out, text + "\n")


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
    print_vocabulary_warnings(args.instance, instance)
    roster = load_roster(args.roster)
    previous = _load_previous(args.previous, instance, args.instance)
    report = check(instance, roster, previous=previous)
    for line in report.lines():
        print(line)
    if roster.status in ("infeasible", "unknown") and report.ok:
        return EXIT_INFEASIBLE
    return EXIT_OK if report.ok else EXIT_VIOLATION


def _cmd_solve(args: argparse.Namespace) -> int:
    from solver.cli.interrupt import stop_on_signals

    # From here on, Ctrl-C or SIGTERM asks the solve to stop (see solver.cli.interrupt).
    with stop_on_signals() as stop:
        return _solve_until_stopped(args, stop)


def _solve_until_stopped(args: argparse.Namespace, stop: threading.Event) -> int:
    from solver.cli.interrupt import in_worker
    from solver.cli.text import ProgressPrinter, summary
    from solver.options import SolveOptions
    from solver.solving import ModelRejected, solve_detailed

    instance = load_instance(args.instance)
    print_vocabulary_warnings(args.instance, instance)
    previous = _load_previous(args.previous, instance, args.instance)
    inputs = [("instance", args.instance), ("--previous roster", args.previous)]
    _prepare_out(args.out, "--out", inputs)
    printer = None if args.quiet else ProgressPrinter(sys.stderr)
    options = SolveOptions(time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    if args.parts or args.cluster:
        return _solve_parts(args, instance, options)
    try:
        with vocabulary_log_muted():  # printed above, with the file name
            result = in_worker(
                lambda: solve_detailed(
                    instance, options, previous=previous, on_progress=printer, stop=stop
                )
            )
    except ModelRejected as exc:  # a bug, not the user's: one line, no roster
        print(f"internal error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    roster = result.roster
    try:
        _write(roster.to_json(), args.out)
    except InputError as exc:  # the write failed after all: keep the roster if we can
        try:
            _write(roster.to_json(), None)
            sys.stdout.flush()
        except OSError:
            raise exc from None
        kept = Problem("", "--out", "the roster was written to standard output instead")
        raise InputError([*exc.problems, kept]) from None
    print(summary(instance, roster), file=sys.stderr)
    for line in roster.explanation:
        print(line, file=sys.stderr)
    if result.stats.interrupted:
        return EXIT_INTERRUPTED
    if roster.status == "infeasible":
        return EXIT_INFEASIBLE
    if roster.status == "unknown":
        return EXIT_UNKNOWN
    return EXIT_OK


def _cluster(address: str) -> Any:
    """A Dask client of the scheduler at ``address`` (the cluster extra)."""
    from solver.files.extras import require_extra

    distributed = require_extra("distributed", "--cluster", extra="cluster")
    try:
        return distributed.Client(address, timeout="20s")
    except OSError as exc:
        raise InputError([Problem("", "--cluster", f"cannot reach {address}: {exc}")]) from None


def _solve_parts(args: argparse.Namespace, instance: Instance, options: Any) -> int:
    """``solve --parts`` / ``--cluster``: the network's week part by part, merged."""
    from solver.cli.text import summary
    from solver.network.solve import solve_network

    def progress(part: Any) -> None:
        if not args.quiet:
            print(
                f"part {part.name}: {part.clients} clients, {part.status} {part.objective} "
                f"(bound {part.bound}) in {part.seconds:.1f} s",
                file=sys.stderr,
            )

    client = _cluster(args.cluster) if args.cluster else None
    try:
        result = solve_network(instance, options, executor=client, on_part=progress)
    finally:
        if client is not None:
            client.close()
    roster = result.roster
    _write(roster.to_json(), args.out)
    print(summary(instance, roster), file=sys.stderr)
    for line in roster.explanation:
        print(line, file=sys.stderr)
    if roster.status == "infeasible":
        return EXIT_INFEASIBLE
    if roster.status == "unknown":
        return EXIT_UNKNOWN
    return EXIT_OK


def _cmd_solve_many(args: argparse.Namespace) -> int:
    from solver.network.many import solve_many

    def progress(row: Any, done: int, total: int) -> None:
        print(
            f"[{done}/{total}] {row.week}: {row.status} {row.objective} "
            f"({row.unassigned} unassigned) in {row.seconds:.1f} s",
            file=sys.stderr,
        )

    if not args.folder.is_dir():
        raise InputError([Problem("", "FOLDER", f"{args.folder} is not a folder")])
    client = _cluster(args.cluster) if args.cluster else None
    try:
        rows = solve_many(
            args.folder,
            args.out,
            time_limit=args.time_limit,
            seed=args.seed,
            executor=client,
            processes=args.processes,
            on_week=progress,
        )
    finally:
        if client is not None:
            client.close()
    print(f"{'week':<28} {'clients':>7} {'status':<10} {'objective':>10} {'unassigned':>10}")
    for row in rows:
        objective = "" if row.objective is None else str(row.objective)
        print(
            f"{row.week:<28} {row.clients:>7} {row.status:<10} {objective:>10} {row.unassigned:>10}"
        )
        if row.problem:
            print(f"  {row.problem}")
    print(f"wrote {len(rows)} week(s) and summary.csv to {args.out}", file=sys.stderr)
    if any(r.status == "invalid" for r in rows):
        return EXIT_INPUT
    return EXIT_UNKNOWN if any(r.status == "failed" for r in rows) else EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from solver.cli.text import explain_lines

    instance = load_instance(args.instance)
    roster = load_matching_roster(args.roster, instance)
    previous = _load_previous(args.previous, instance, args.instance)
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
    inputs = [("previous roster", args.previous), ("new roster", args.new)]
    _prepare_out(args.csv, "--csv", [*inputs, ("--instance", args.instance)])
    result = diff(previous, new, instance=instance)
    for sentence in result.sentences:
        print(sentence)
    if args.csv is not None:
        from solver.files.table_writers import write_csv_table

        rows = [list(result.frame.columns), *result.frame.itertuples(index=False)]
        with _writing("--csv", args.csv):
            write_csv_table(args.csv, rows, bom=False)
    return EXIT_OK


def _cmd_recommend(args: argparse.Namespace) -> int:
    from solver.analysis.recommend import recommend, why_no_option

    instance = load_instance(args.instance)
    roster = load_matching_roster(args.roster, instance)
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

    _prepare_out(args.out, "--out", [("source", args.source)])
    instance = read_workbook(args.source)
    _write(instance.to_json(), args.out)
    print(
        f"wrote {args.out}: {len(instance.groups)} groups, {len(instance.therapists)} "
        f"therapists, {len(instance.clients)} clients",
        file=sys.stderr,
    )
    print_vocabulary_warnings(args.source, instance)
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from solver.files.export import export_roster

    instance = load_instance(args.instance)
    roster = load_matching_roster(args.roster, instance)
    inputs = [("instance", args.instance), ("roster", args.roster)]
    extra = {}
    if args.week_start is not None:
        extra["week_start"] = args.week_start
    if args.weeks is not None:
        extra["weeks"] = args.weeks
    with _writing("--out", args.out):
        written = export_roster(
            instance,
            roster,
            args.to,
            args.out,
            view=args.view,
            force=args.force,
            inputs=inputs,
            option="--out",
            **extra,
        )
    for path in written:
        print(path, file=sys.stderr)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    import os

    from solver.files.extras import require_extra

    for module in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "jinja2", "multipart"):
        require_extra(module, "the web page (serve)", extra="web")
    from solver.web.serve import serve

    token = args.token or os.environ.get("IOP_ROSTER_TOKEN") or None
    return serve(
        host=args.host,
        port=args.port,
        db_url=args.db,
        token=token,
        processes=args.processes,
        open_instance=args.open,
        announce=lambda line: print(line, file=sys.stderr),
    )


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "solve": _cmd_solve,
    "check": _cmd_check,
    "explain": _cmd_explain,
    "diff": _cmd_diff,
    "recommend": _cmd_recommend,
    "import": _cmd_import,
    "export": _cmd_export,
    "schema": _cmd_schema,
    "serve": _cmd_serve,
    "solve-many": _cmd_solve_many,
}
