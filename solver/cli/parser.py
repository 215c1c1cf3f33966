"""The command line's arguments: every command, its arguments and their defaults."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

__all__ = ["build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m solver",
        description="Weekly rosters for Intensive Outpatient Programs (format version 1).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log solver progress")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("solve", help="build the best roster for an instance")
    p.add_argument("instance", type=Path)
    p.add_argument("--previous", type=Path, help="the roster being replaced (rerun terms)")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=None, help="CP-SAT workers (default: cores)")
    p.add_argument("--out", type=Path, help="write the roster here (default: standard output)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on standard error")

    p = sub.add_parser("check", help="check a roster against every rule and recompute its score")
    p.add_argument("instance", type=Path)
    p.add_argument("roster", type=Path)
    p.add_argument("--previous", type=Path)

    p = sub.add_parser("explain", help="list every penalty a roster pays, with a sentence each")
    p.add_argument("instance", type=Path)
    p.add_argument("roster", type=Path)
    p.add_argument("--previous", type=Path)
    p.add_argument(
        "--what-if",
        action="store_true",
        help="also search what it would take to place each unassigned client",
    )
    p.add_argument("--time-limit", type=float, default=30.0)

    p = sub.add_parser("diff", help="what changed between two rosters, in plain sentences")
    p.add_argument("previous", type=Path)
    p.add_argument("new", type=Path)
    p.add_argument("--instance", type=Path, help="the new week's instance (adds detail)")
    p.add_argument("--csv", type=Path, help="also write the change table here")

    p = sub.add_parser("recommend", help="rank the best placements for one client")
    p.add_argument("instance", type=Path)
    p.add_argument("roster", type=Path)
    p.add_argument("client_id")
    p.add_argument("-k", type=int, default=5, help="how many options (default 5)")

    p = sub.add_parser("import", help="build an instance from a workbook or a folder of CSV files")
    p.add_argument("source", type=Path)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("export", help="write a roster as xlsx, csv, ics, html or png")
    p.add_argument("instance", type=Path)
    p.add_argument("roster", type=Path)
    p.add_argument("--to", choices=["xlsx", "csv", "ics", "html", "png"], required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument(
        "--week-start",
        type=_date,
        default=None,
        help="ics only: the Monday the calendar starts (YYYY-MM-DD)",
    )
    p.add_argument("--weeks", type=int, default=None, help="ics only: number of weeks")
    p.add_argument(
        "--view",
        default=None,
        help="png only: 'program', a therapist id or a room (default program)",
    )

    sub.add_parser("schema", help="print the JSON Schema of the instance and the roster")
    return parser


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)
