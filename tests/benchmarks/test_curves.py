"""Time-to-quality curves: reading a curve, the progress file of the runner's child, and
``benchmarks/curves.py`` end to end on the six-client week."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from benchmarks import curves, run
from benchmarks.curves import Curve, Point

TINY = Path(__file__).resolve().parents[2] / "instances" / "tiny.json"

# Out of time order, with a worse roster after a better one (another search phase).
HAND_MADE = [
    Point(40.0, 500, 450.0),
    Point(0.5, 900, 0.0),
    Point(10.0, 650, 300.0),
    Point(4.0, 700, 100.0),
    Point(12.0, 800, 200.0),
    Point(10.5, 600, 300.0),
]


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0.1, None), (0.5, 900), (9.99, 700), (10.0, 650), (11.0, 600), (30.0, 600), (300.0, 500)],
)
def test_objective_at_is_the_best_found_by_then(seconds: float, expected: int | None) -> None:
    assert curves.objective_at(HAND_MADE, seconds) == expected


def test_best_so_far_is_a_step_curve() -> None:
    steps = curves.best_so_far(HAND_MADE)
    assert steps == [
        Point(0.5, 900, 0.0),
        Point(4.0, 700, 100.0),
        Point(10.0, 650, 300.0),
        Point(10.5, 600, 300.0),
        Point(40.0, 500, 450.0),
    ]  # the 12-second roster (800) improves nothing and is gone
    assert curves.final_bound(steps) == 450.0
    for t in (0.1, 5.0, 10.0, 11.0, 100.0):
        assert curves.objective_at(steps, t) == curves.objective_at(HAND_MADE, t)


def test_read_progress_skips_a_line_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    path.write_text("0.100,900,0\n1.500,700,120.5\n2.0,650,12", encoding="utf-8")
    assert curves.read_progress(path) == [Point(0.1, 900, 0.0), Point(1.5, 700, 120.5)]
    assert curves.read_progress(tmp_path / "none.csv") == []


def test_parse_solvers() -> None:
    assert curves.parse_solvers(f"{run.DEFAULT_SOLVER},{run.DEFAULT_BASELINE}") == [
        ("solver", run.DEFAULT_SOLVER),
        ("baseline", run.DEFAULT_BASELINE),
    ]
    greedy = "solver.search.greedy:solve_detailed"
    assert curves.parse_solvers(greedy) == [("greedy", greedy)]
    assert curves.parse_solvers(f"hand={greedy}") == [("hand", greedy)]
    with pytest.raises(ValueError, match="share a label"):
        curves.parse_solvers(f"{greedy},{greedy}")
    with pytest.raises(ValueError, match="MODULE:FUNCTION"):
        curves.parse_solvers("solver.solving")


def test_checkpoints_stop_at_the_limit() -> None:
    assert curves.checkpoints(curves.DEFAULT_AT, 300) == [10, 30, 60, 120, 300]
    assert curves.checkpoints(curves.DEFAULT_AT, 60) == [10, 30, 60]
    assert curves.checkpoints(curves.DEFAULT_AT, 45) == [10, 30, 45]
    assert curves.checkpoints(curves.DEFAULT_AT, 5) == [5]


def test_week_table_reads_each_curve_and_the_ratio() -> None:
    solver = Curve("w", "solver", [Point(1, 400, 0), Point(20, 300, 250)], "feasible")
    baseline = Curve("w", "baseline", [Point(15, 1200, 100), Point(50, 600, 150)], "feasible")
    lines = curves.week_table([solver, baseline], [10, 30, 60]).splitlines()
    assert lines[0] == "| solver | 10 s | 30 s | 60 s | final bound | status |"
    assert lines[2] == "| solver | 400 | 300 | 300 | 250 | feasible |"
    assert lines[3] == "| baseline | - | 1200 | 600 | 150 | feasible |"
    assert lines[4] == "| solver / baseline | - | 0.25 | 0.50 | | |"


def test_the_child_appends_each_improving_roster(tmp_path: Path) -> None:
    progress = tmp_path / "progress.csv"
    progress.write_text("0.001,99999,0\n", encoding="utf-8")  # appended to, not replaced
    argv = [str(TINY), str(tmp_path / "tiny"), "--time-limit", "5", "--workers", "1"]
    argv += ["--seed", "0", "--solver", run.DEFAULT_BASELINE, "--progress", str(progress)]
    assert run.main(["_solve", *argv]) == 0
    points = curves.read_progress(progress)
    assert len(points) >= 2 and points[0] == Point(0.001, 99999, 0.0)
    found = points[1:]
    assert [p.objective for p in found] == sorted((p.objective for p in found), reverse=True)
    assert all(p.bound <= p.objective for p in found)


def _csv_curves(path: Path) -> dict[tuple[str, str], list[Point]]:
    read: dict[tuple[str, str], list[Point]] = defaultdict(list)
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            point = Point(float(row["seconds"]), int(row["objective"]), float(row["bound"]))
            read[row["week"], row["solver"]].append(point)
    return dict(read)


def test_curves_on_the_tiny_week(tmp_path: Path) -> None:
    out = tmp_path / "curves"
    argv = [str(TINY), "--limit", "5", "--workers", "1", "--seed", "0", "--out", str(out)]
    assert curves.main(argv) == 0
    assert (out / curves.PICTURE).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    read = _csv_curves(out / "curves.csv")
    assert set(read) == {("tiny", "solver"), ("tiny", "baseline")}
    md = (out / "curves.md").read_text(encoding="utf-8")
    assert "### tiny" in md and "| solver | 5 s | final bound | status |" in md
    for (_, label), points in read.items():
        seconds = [p.seconds for p in points]
        assert seconds == sorted(seconds) and seconds[-1] <= 5 * 1.1 + 1
        objectives = [p.objective for p in points]
        assert objectives == sorted(objectives, reverse=True)  # never increases
        bounds = [p.bound for p in points]
        assert bounds == sorted(bounds)
        best_by_10 = min(p.objective for p in points if p.seconds <= 10)
        assert curves.objective_at(points, 10) == best_by_10
        at_limit = curves.objective_at(points, 5)
        assert f"| {label} | {at_limit} | {bounds[-1]:.0f} | optimal |" in md
    assert "| solver / baseline |" in md
