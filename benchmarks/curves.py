"""Time-to-quality curves: the best objective and the best bound against time, per solver.

Each (week, solver) pair is solved once in a fresh child process (``run.py _solve --progress
FILE``, the runner's own child), which appends every improving roster to FILE as it is found;
the last point of a run is the roster the call returned, at the call's wall time. A run
killed at its deadline keeps the points it reported. The pairs run one after the other (each
takes up to ``--limit`` seconds); each child's log, roster and progress file stay in
``--out``/runs/WEEK/LABEL/. The script writes to ``--out``:

- ``curves.csv``: ``week, solver, seconds, objective, bound``. The objective is the best found
  by then (it never increases) and the bound the best proved by then (it never decreases).
- ``curves.md``: for each week, each solver's objective at 10, 30, 60, 120 and 300 s (the best
  found by then; times past ``--limit`` are dropped and the limit itself is added), its final
  bound and status, and the ratio of the first solver's objective over the second's at each
  time (below 1: the first, by default the solver, is ahead).
- ``time-to-quality.png``: one panel per week, seconds 0 to the limit across, the objective on
  a log scale up (values below 1, such as a bound of 0, are drawn at 1); solid lines for
  objectives, dashed for bounds, one colour per solver, a dot where a call proved its roster
  optimal.

The solvers are ``[LABEL=]MODULE:FUNCTION`` entries with the shape of
:class:`solver.options.WeekSolver`; without a label the solver is called ``solver``, the plain
model ``baseline`` and anything else by the last part of its module's name.

Usage::

    python benchmarks/curves.py WEEK.json [WEEK.json ...] --limit 300 --workers 2 --seed 0 \\
        --out DIR [--solvers solver.solving:solve_detailed,benchmarks.plain_model:solve_detailed]
        [--at 10,30,60,120,300]
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import (  # noqa: E402
    DEFAULT_BASELINE,
    DEFAULT_SOLVER,
    machine,
    ratio,
    solve_in_child,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "curves"
DEFAULT_AT = (10.0, 30.0, 60.0, 120.0, 300.0)
KNOWN_LABELS = {DEFAULT_SOLVER: "solver", DEFAULT_BASELINE: "baseline"}
CSV_FIELDS = ("week", "solver", "seconds", "objective", "bound")
PICTURE = "time-to-quality.png"


@dataclass(frozen=True)
class Point:
    """A roster found ``seconds`` into the call, with the bound proved by then."""

    seconds: float
    objective: int
    bound: float


@dataclass(frozen=True)
class Curve:
    """One solver's run on one week: its points (best so far) and how the call ended."""

    week: str
    solver: str
    points: list[Point]
    status: str


# --- reading a curve ---------------------------------------------------------------------------


def objective_at(points: Iterable[Point], seconds: float) -> int | None:
    """The best objective among ``points`` found at or before ``seconds`` (None: none yet)."""
    found = [p.objective for p in points if p.seconds <= seconds]
    return min(found) if found else None


def final_bound(points: Sequence[Point]) -> float | None:
    """The best (highest) bound among ``points``; None when there are none."""
    return max((p.bound for p in points), default=None)


def best_so_far(points: Iterable[Point]) -> list[Point]:
    """``points`` in time order, each carrying the best objective and bound up to it; a point
    that improves neither is dropped, so the result is a step curve."""
    curve: list[Point] = []
    for point in sorted(points, key=lambda p: p.seconds):
        if curve:
            last = curve[-1]
            objective, bound = min(last.objective, point.objective), max(last.bound, point.bound)
            if (objective, bound) == (last.objective, last.bound):
                continue
            point = Point(point.seconds, objective, bound)
        curve.append(point)
    return curve


def read_progress(path: Path) -> list[Point]:
    """The ``seconds,objective,bound`` lines of a progress file; a last line cut short by a
    killed run (no line end) is skipped."""
    if not path.exists():
        return []
    points = []
    for line in path.read_text(encoding="utf-8").split("\n")[:-1]:
        parts = line.split(",")
        try:
            seconds, objective, bound = float(parts[0]), int(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            continue
        points.append(Point(seconds, objective, bound))
    return points


# --- running -----------------------------------------------------------------------------------


def parse_solvers(text: str) -> list[tuple[str, str]]:
    """``(label, MODULE:FUNCTION)`` for each comma-separated ``[LABEL=]MODULE:FUNCTION``.

    Raises:
        ValueError: an entry without ``MODULE:FUNCTION``, or two entries with one label.
    """
    solvers = []
    for entry in (e.strip() for e in text.split(",") if e.strip()):
        label, _, spec = entry.rpartition("=")
        module, _, function = spec.partition(":")
        if not module or not function:
            raise ValueError(f"solver {entry!r} is not [LABEL=]MODULE:FUNCTION")
        solvers.append((label or KNOWN_LABELS.get(spec, module.rsplit(".", 1)[-1]), spec))
    labels = [label for label, _ in solvers]
    if len(set(labels)) != len(labels):
        raise ValueError(f"two solvers share a label: {', '.join(labels)}")
    return solvers


def run_curve(week: Path, label: str, spec: str, args: argparse.Namespace, work: Path) -> Curve:
    """Solve ``week`` with ``spec`` in a child process and return its curve."""
    work.mkdir(parents=True, exist_ok=True)
    progress = work / "progress.csv"
    progress.unlink(missing_ok=True)  # the child appends: start from an empty file
    solved = solve_in_child(
        week,
        work,
        time_limit=args.limit,
        workers=args.workers,
        seed=args.seed,
        solver=spec,
        progress=progress,
    )
    points = best_so_far(read_progress(progress))
    roster, wall = solved.roster, solved.stats.get("wall_seconds")
    if roster is not None and roster.objective is not None and wall is not None:
        # The roster returned, at the end of the call: its bound may be proved after the
        # last improving roster, and the curve runs on to the end of the call.
        bound = float(roster.best_bound) if roster.best_bound is not None else 0.0
        points = best_so_far([*points, Point(float(wall), roster.objective, bound)])
        if points[-1].seconds < wall:
            points.append(replace(points[-1], seconds=float(wall)))
    status = roster.status if roster is not None else f"error: {solved.error}"
    return Curve(week.stem, label, points, status)


# --- writing -----------------------------------------------------------------------------------


def write_csv(curves: Sequence[Curve], path: Path) -> None:
    """Every point of every curve, one line each."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for curve in curves:
            for p in curve.points:
                writer.writerow(
                    [curve.week, curve.solver, f"{p.seconds:.3f}", p.objective, p.bound]
                )


def checkpoints(at: Sequence[float], limit: float) -> list[float]:
    """The reading times up to ``limit``, with ``limit`` itself last."""
    return sorted({t for t in at if t <= limit} | {limit})


def _cell(value: float | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}"  # a fractional bound
    return f"{value:.0f}"


def week_table(curves: Sequence[Curve], times: Sequence[float]) -> str:
    """A markdown table of one week's curves read at ``times``, with the ratio of the first
    curve's objective over the second's."""
    head = [f"{t:g} s" for t in times] + ["final bound", "status"]
    lines = ["| solver | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
    for c in curves:
        cells = [_cell(objective_at(c.points, t)) for t in times]
        cells += [_cell(final_bound(c.points)), c.status.replace("|", "\\|")]
        lines.append(f"| {c.solver} | " + " | ".join(cells) + " |")
    if len(curves) >= 2:
        first, second = curves[0], curves[1]
        ratios = [
            ratio(objective_at(first.points, t), objective_at(second.points, t)) for t in times
        ]
        cells = ["-" if r is None else f"{r:.2f}" for r in ratios]
        lines.append(f"| {first.solver} / {second.solver} | " + " | ".join(cells) + " | | |")
    return "\n".join(lines) + "\n"


def markdown(curves: Sequence[Curve], times: Sequence[float], header: str) -> str:
    """``curves.md``: the header, then one table per week."""
    parts = [
        header,
        "Objective = the best found by then; ratio below 1: the first solver is ahead.",
    ]
    for week in dict.fromkeys(c.week for c in curves):
        table = week_table([c for c in curves if c.week == week], times)
        parts.append(f"### {week}\n\n{table.rstrip()}")
    return "\n\n".join(parts) + "\n"


def _draw(ax: Axes, curve: Curve, colour: str) -> None:
    """One curve on one panel: the objective solid, the bound dashed, a dot at the end of a
    call that proved its roster optimal."""
    seconds = [p.seconds for p in curve.points]
    objectives = [max(1, p.objective) for p in curve.points]
    bounds = [max(1.0, p.bound) for p in curve.points]
    ax.step(seconds, objectives, where="post", color=colour, label=f"{curve.solver} objective")
    ax.step(
        seconds, bounds, where="post", color=colour, linestyle="--", label=f"{curve.solver} bound"
    )
    if curve.status == "optimal":
        ax.plot(seconds[-1:], objectives[-1:], marker="o", color=colour)


def plot(curves: Sequence[Curve], limit: float, path: Path) -> None:
    """``time-to-quality.png``: one panel per week, two panels to a row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weeks = list(dict.fromkeys(c.week for c in curves))
    colours = {label: f"C{i}" for i, label in enumerate(dict.fromkeys(c.solver for c in curves))}
    columns = min(2, max(1, len(weeks)))
    rows = max(1, math.ceil(len(weeks) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(11, 4 * rows), squeeze=False)
    panels = list(axes.flat)
    for ax, week in zip(panels, weeks, strict=False):
        for curve in curves:
            if curve.week == week and curve.points:
                _draw(ax, curve, colours[curve.solver])
        ax.set_yscale("log")
        ax.set_xlim(0, limit)
        ax.set_title(week)
        ax.set_xlabel("seconds")
        ax.set_ylabel("objective (log scale)")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small")
    for ax in panels[len(weeks) :]:
        ax.set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


# --- the command line --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Draw time-to-quality curves.")
    parser.add_argument("weeks", type=Path, nargs="+", metavar="WEEK.json")
    parser.add_argument("--limit", type=float, default=300.0, help="seconds (default 300)")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="CP-SAT random seed (default 0)")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default benchmarks/out/curves)",
    )
    parser.add_argument(
        "--solvers",
        default=f"{DEFAULT_SOLVER},{DEFAULT_BASELINE}",
        help="comma-separated [LABEL=]MODULE:FUNCTION (default: the solver, then the baseline)",
    )
    parser.add_argument(
        "--at",
        default=",".join(f"{t:g}" for t in DEFAULT_AT),
        help="seconds at which curves.md reads the curves (default 10,30,60,120,300)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; see the module docstring."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        solvers = parse_solvers(args.solvers)
        at = [float(t) for t in args.at.split(",") if t.strip()]
    except ValueError as error:
        parser.error(str(error))
    if not args.limit > 0 or not math.isfinite(args.limit):
        parser.error("--limit must be a number of seconds above 0")
    stems = [w.stem for w in args.weeks]
    if len(set(stems)) != len(stems):
        parser.error("two weeks share a file name")
    curves = []
    for week in args.weeks:
        for label, spec in solvers:
            curve = run_curve(week, label, spec, args, args.out / "runs" / week.stem / label)
            last = curve.points[-1] if curve.points else None
            print(f"{week.stem} {label}: {curve.status}, {len(curve.points)} points, last {last}")
            curves.append(curve)
    header = (
        f"time limit {args.limit:g} s, {args.workers} workers, seed {args.seed}; "
        f"{machine()}; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(curves, args.out / "curves.csv")
    text = markdown(curves, checkpoints(at, args.limit), header)
    (args.out / "curves.md").write_text(text, encoding="utf-8")
    plot(curves, args.limit, args.out / PICTURE)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
