"""The command line's arguments: every command, its arguments and their defaults.

Numbers are checked here, before any work, so that ``--time-limit nan`` or ``-k 0`` ends
with argparse's usage line and exit status 2 rather than a traceback or a wrong answer.
"""

from __future__ import annotations

import argparse
import datetime
import math
import sys
from pathlib import Path

from solver.options import MAX_SEED

__all__ = ["build_parser"]

MAX_WORKERS = 1024

EXIT_STATUSES = """\
exit statuses:
  0  success: solve wrote an optimal or feasible roster, check found nothing wrong
  1  check: the roster breaks a rule, or its numbers do not add up
  2  invalid input or arguments: one line per problem, naming the file, entry and key
  3  infeasible: the pins cannot all be honoured (check: an infeasible or unknown
     roster, well formed, whose claim a check cannot confirm)
  4  unknown: the time limit ran out before a roster honouring the pins was found
  5  solve was interrupted (Ctrl-C, SIGTERM) and wrote the best roster found so far;
     a second Ctrl-C exits at once with 130, without a roster
 70  internal error: CP-SAT rejected the model (one line; please report it)

Installed with pip, the same commands run as `iop-roster COMMAND ...`.
Run `%(prog)s COMMAND --help` for a command's arguments and defaults.
"""

INSTANCE = (
    "the week: an instance JSON file, or a workbook (.xlsx) or a folder of CSV files, "
    "read as `import` reads them"
)
ROSTER = "a roster JSON file, as `solve` writes it"
VERBOSE = "log more detail on standard error (before or after the command)"
PREVIOUS = (
    "the roster being replaced: moving a client, a session or a facilitator away from it "
    "costs the rerun penalties"
)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m solver`` (also installed as ``iop-roster``)."""
    parser = argparse.ArgumentParser(
        prog="iop-roster" if Path(sys.argv[0]).name == "iop-roster" else "python -m solver",
        description=(
            "Weekly rosters for Intensive Outpatient and partial-hospitalisation programs\n"
            "(format versions 1 and 2)."
        ),
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: without -v after the command, the -v given before it (if any) stands.
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE
    )
    _add_solve(sub, common)
    _add_check_explain(sub, common)
    _add_diff_recommend(sub, common)
    p = _command(
        sub, common, "import", "build an instance from a workbook or a folder of CSV files"
    )
    p.add_argument(
        "source", type=Path, metavar="SOURCE", help="a workbook (.xlsx) or a folder of CSV files"
    )
    p.add_argument(
        "--out", type=Path, metavar="FILE", required=True, help="the instance JSON file to write"
    )

    p = _command(sub, common, "export", "write a roster as xlsx, csv, ics, html or png")
    p.add_argument("instance", type=Path, metavar="INSTANCE", help=INSTANCE)
    p.add_argument("roster", type=Path, metavar="ROSTER", help=ROSTER)
    p.add_argument(
        "--to", choices=["xlsx", "csv", "ics", "html", "png"], required=True, help="the format"
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="PATH",
        required=True,
        help="the file to write (xlsx, html, png), or the folder (csv, ics)",
    )
    p.add_argument(
        "--week-start",
        type=_date,
        default=None,
        help="ics, html and png: the Monday of the week, printed as its date "
        "(YYYY-MM-DD; default: next Monday)",
    )
    p.add_argument(
        "--weeks",
        type=_positive_int,
        default=None,
        help="ics only: how many weeks the events repeat, weekly "
        "(default 1: only the week of --week-start, no repetition)",
    )
    p.add_argument(
        "--view",
        default=None,
        help="png only: 'program', a therapist id or a room (default program)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="csv and ics: write into a non-empty folder that holds no earlier export "
        "(its other files are left in place)",
    )

    _command(sub, common, "schema", "print the JSON Schema of the instance and the roster")
    _add_serve(sub, common)
    _add_solve_many(sub, common)
    return parser


def _add_solve_many(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = _command(sub, common, "solve-many", "solve every week of a folder as independent jobs")
    p.add_argument(
        "folder", type=Path, metavar="FOLDER", help="a folder of instance JSON files (*.json)"
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="FOLDER",
        required=True,
        help="where each roster is written (NAME.roster.json) with summary.csv",
    )
    p.add_argument(
        "--time-limit",
        type=_seconds,
        metavar="SECONDS",
        default=60.0,
        help="seconds for each week (default 60)",
    )
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        default=None,
        help="a Dask scheduler's address (default: a pool of local processes)",
    )
    p.add_argument(
        "--processes",
        type=_positive_int,
        default=None,
        help="local processes when no --cluster is given (default: every core)",
    )
    p.add_argument("--seed", type=_seed, metavar="N", default=0, help="random seed (default 0)")


def _add_serve(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = _command(sub, common, "serve", "start the web page and the HTTP API (the web extra)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1: this computer only; any other "
        "address needs --token)",
    )
    p.add_argument("--port", type=_port, default=8000, help="the port (default 8000)")
    p.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="the database, a SQLAlchemy URL (default sqlite:///iop-roster.db in the current "
        "folder; postgresql+psycopg://... for PostgreSQL)",
    )
    p.add_argument(
        "--token",
        default=None,
        help="a secret every request must carry (default: the IOP_ROSTER_TOKEN environment "
        "variable; none on 127.0.0.1)",
    )
    p.add_argument(
        "--processes",
        type=_positive_int,
        default=2,
        help="solves that run at once, each in its own process (default 2)",
    )
    p.add_argument(
        "--open",
        type=Path,
        default=None,
        metavar="INSTANCE",
        help="store this week (an instance JSON file or a workbook) on start, if the database "
        "does not hold a week of that file yet",
    )


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, not {value}")
    return value


def _add_solve(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = _command(sub, common, "solve", "build the best roster for an instance")
    p.add_argument("instance", type=Path, metavar="INSTANCE", help=INSTANCE)
    p.add_argument("--previous", type=Path, metavar="ROSTER", help=PREVIOUS)
    p.add_argument(
        "--time-limit",
        type=_seconds,
        metavar="SECONDS",
        default=60.0,
        help="seconds for the whole solve, model building included (default 60)",
    )
    p.add_argument(
        "--seed",
        type=_seed,
        metavar="N",
        default=0,
        help=f"random seed of the search, 0 to {MAX_SEED} (default 0); with --workers 1 "
        "the same seed gives the same roster",
    )
    p.add_argument(
        "--workers",
        type=_workers,
        metavar="N",
        default=None,
        help=f"CP-SAT search workers, 1 to {MAX_WORKERS} (default: every core)",
    )
    p.add_argument(
        "--out", type=Path, metavar="FILE", help="write the roster here (default: standard output)"
    )
    p.add_argument(
        "--quiet", action="store_true", help="no progress lines on standard error (default: off)"
    )
    p.add_argument(
        "--parts",
        action="store_true",
        help="solve a network's week part by part (its independent components, large ones "
        "by site) on a pool of local processes, and merge (default: off)",
    )
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        default=None,
        help="solve the parts on a Dask cluster, e.g. tcp://10.0.0.5:8786 (implies --parts; "
        "the cluster extra)",
    )


def _add_check_explain(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = _command(sub, common, "check", "check a roster against every rule and recompute its score")
    p.add_argument("instance", type=Path, metavar="INSTANCE", help=INSTANCE)
    p.add_argument("roster", type=Path, metavar="ROSTER", help=ROSTER)
    p.add_argument(
        "--previous",
        type=Path,
        metavar="ROSTER",
        help="the roster being replaced, for the rerun penalties",
    )

    p = _command(sub, common, "explain", "list every penalty a roster pays, with a sentence each")
    p.add_argument("instance", type=Path, metavar="INSTANCE", help=INSTANCE)
    p.add_argument("roster", type=Path, metavar="ROSTER", help=ROSTER)
    p.add_argument("--previous", type=Path, metavar="ROSTER", help=PREVIOUS)
    p.add_argument(
        "--what-if",
        action="store_true",
        help="also search what it would take to place each unassigned client (default: off)",
    )
    p.add_argument(
        "--time-limit",
        type=_seconds,
        metavar="SECONDS",
        default=30.0,
        help="seconds for the --what-if search (default 30)",
    )


def _add_diff_recommend(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = _command(sub, common, "diff", "what changed between two rosters, in plain sentences")
    p.add_argument(
        "previous", type=Path, metavar="PREVIOUS", help="the roster in use (" + ROSTER + ")"
    )
    p.add_argument("new", type=Path, metavar="NEW", help="the roster replacing it")
    p.add_argument(
        "--instance", type=Path, help="the new week (adds detail); " + INSTANCE.split(": ")[1]
    )
    p.add_argument(
        "--csv", type=Path, metavar="FILE", help="also write the change table here (a CSV file)"
    )

    p = _command(sub, common, "recommend", "rank the best placements for one client")
    p.add_argument(
        "instance", type=Path, metavar="INSTANCE", help=INSTANCE + "; it lists the client"
    )
    p.add_argument(
        "roster", type=Path, metavar="ROSTER", help="the roster in use; everyone in it stays put"
    )
    p.add_argument(
        "client_id", metavar="CLIENT_ID", help="the id of the client to place (for example C041)"
    )
    p.add_argument(
        "-k",
        type=_positive_int,
        default=5,
        metavar="N",
        help="how many options, at least 1 (default 5)",
    )


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    name: str,
    summary: str,
) -> argparse.ArgumentParser:
    """A command's parser: its summary is the line in the list of commands and, as a
    sentence, the first line of its own --help."""
    description = summary[0].upper() + summary[1:] + "."
    return sub.add_parser(name, help=summary, description=description, parents=[common])


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a finite number of seconds above 0, not {text!r}"
        )
    return value


def _whole(text: str, low: int, high: int | None = None) -> int:
    shown = text if len(text) <= 30 else text[:27] + "..."
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {shown!r}") from None
    if value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise argparse.ArgumentTypeError(f"expected a whole number {span}, not {shown}")
    return value


def _positive_int(text: str) -> int:
    return _whole(text, 1)


def _workers(text: str) -> int:
    return _whole(text, 1, MAX_WORKERS)


def _seed(text: str) -> int:
    return _whole(text, 0, MAX_SEED)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, not {text!r}") from None
