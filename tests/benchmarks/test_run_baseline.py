"""The runner's baseline columns: each week solved again by the plain model, and the ratio."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from benchmarks import run
from benchmarks.generate import generate

GREEDY = "solver.search.greedy:solve_detailed"


@pytest.mark.parametrize(
    ("objective", "baseline", "expected"),
    [
        (50, 100, 0.5),  # the solver's roster is better
        (300, 200, 1.5),
        (7, 7, 1.0),
        (0, 0, 1.0),
        (5, 0, math.inf),
        (None, 100, None),
        (100, None, None),
        (None, None, None),
    ],
)
def test_ratio(objective: int | None, baseline: int | None, expected: float | None) -> None:
    assert run.ratio(objective, baseline) == expected


def _row(**baseline: object) -> run.Row:
    row = run.Row(
        name="s-normal-1",
        tier="s",
        scenario="normal",
        clients=40,
        status="optimal",
        objective=30,
        bound=30.0,
        gap_pct=0.0,
        unassigned=0,
        missed=0,
        first_s=0.1,
        final_s=0.2,
        proof_s=0.3,
        wall_per_limit="0.10 ok",
        variables=10,
        constraints=10,
        peak_mib=100.0,
        check="ok",
        greedy_objective=40,
    )
    for key, value in baseline.items():
        setattr(row, key, value)
    return row


def test_markdown_shows_the_baseline_columns_only_when_there_is_a_baseline() -> None:
    plain = run.markdown_table([_row()])
    assert "baseline" not in plain and "ratio" not in plain
    assert plain.splitlines()[0].endswith("| check | greedy_objective |")
    both = run.markdown_table([_row(), _row(baseline_status="feasible", ratio=0.75)])
    header = both.splitlines()[0]
    assert header.endswith("| baseline_unassigned | baseline_check | ratio |")
    assert "| feasible | - | - | - | - | 0.75 |" in both


def _suite(tmp_path: Path) -> Path:
    suite = tmp_path / "suite"
    suite.mkdir()
    week = generate("s", "normal", 1)
    (suite / "s-normal-1.json").write_text(json.dumps(week), encoding="utf-8")
    return suite


def _results(out: Path) -> dict[str, str]:
    with open(out / "results.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    return rows[0]


def test_the_runner_solves_each_week_with_the_baseline_too(tmp_path: Path) -> None:
    # The greedy stands in for the solver (fast, and its objective is known: greedy_objective);
    # the baseline is the default, the plain model.
    out = tmp_path / "out"
    argv = ["--suite", str(_suite(tmp_path)), "--out", str(out), "--solver", GREEDY]
    assert run.main([*argv, "--time-limit", "5", "--workers", "1", "--seed", "0"]) == 0
    row = _results(out)
    assert row["objective"] == row["greedy_objective"]
    assert row["baseline_status"] in ("optimal", "feasible")
    assert row["baseline_check"] == "ok"
    assert int(row["baseline_unassigned"]) >= 0
    solver, baseline = int(row["objective"]), int(row["baseline_objective"])
    assert baseline > 0 and float(row["baseline_bound"]) <= baseline
    assert float(row["ratio"]) == pytest.approx(solver / baseline)
    header, table = (out / "results.md").read_text(encoding="utf-8").split("\n\n", 1)
    assert f"baseline {run.DEFAULT_BASELINE}" in header and "below 1" in header
    assert "| baseline_status |" in table and "| ratio |" in table


def test_baseline_none_leaves_the_columns_empty(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["--suite", str(_suite(tmp_path)), "--out", str(out), "--solver", GREEDY]
    assert run.main([*argv, "--baseline", "none", "--time-limit", "5", "--workers", "1"]) == 0
    row = _results(out)
    assert row["status"] == "feasible"
    assert all(row[key] == "" for key in run.BASELINE_FIELDS)
    text = (out / "results.md").read_text(encoding="utf-8")
    assert "baseline" not in text and "ratio" not in text


def test_a_failing_baseline_is_a_row_not_a_crash(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["--suite", str(_suite(tmp_path)), "--out", str(out), "--solver", GREEDY]
    argv += ["--baseline", "benchmarks.no_such_module:solve", "--time-limit", "5"]
    assert run.main(argv) == 0
    row = _results(out)
    assert row["baseline_status"] == "error"
    assert row["baseline_check"].startswith("error: exit 1")
    assert row["ratio"] == "" and row["objective"] != ""


def test_no_baseline_with_reruns(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        run.main(["--reruns", "--baseline", run.DEFAULT_BASELINE, "--out", str(tmp_path)])
