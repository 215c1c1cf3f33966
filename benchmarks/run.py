"""Run the benchmark suite: solve each instance in a fresh process and tabulate the figures.

For every instance the runner records the solver's status, objective, bound and gap, the times
to the first roster, to the final roster and to the proof, the unassigned clients and the missed
appointments (``missed``: the sum of the roster's ``missed[].count``), the wall time over the limit
(``wall_per_limit``; ``OVER`` past limit x 1.1 + 1 s), the model's size, the peak memory of the
solving process, the checker's verdict and the greedy baseline's objective. It writes
``results.csv`` and ``results.md`` to the output folder and prints the table.

``--baseline MODULE:FUNCTION`` (default: the plain CP-SAT model,
``benchmarks.plain_model:solve_detailed``; ``--baseline none`` turns it off) solves each instance
a second time, in its own child process with the same time limit, workers and seed, and adds the
baseline's status, objective, bound, unassigned clients and checker verdict to the row, with
``ratio`` = objective / baseline objective: below 1 the solver found the better roster, above 1
the baseline did. The baseline does not run with ``--reruns``.

``_solve ... --progress FILE`` (the child) appends each improving roster to FILE as a line
``seconds,objective,bound``, flushed at once so that a killed run keeps its points;
``benchmarks/curves.py`` draws the time-to-quality curves from them.

``--reruns`` measures the week after instead: each base instance is solved cold, then each
perturbed week (``benchmarks.generate.CHANGES``) is solved with the base roster as the previous
roster; the table gives the cold / rerun time-to-proof ratio (``reruns.csv``, ``reruns.md``).

``--version 2`` generates format-2 weeks (``benchmarks/generate_v2.py``, ``v2-*.json``) instead;
``--suite`` solves both kinds. Reruns perturb version-1 weeks only.

Each solve runs in a child process (``python benchmarks/run.py _solve ...``) so that its peak
resident memory, which includes CP-SAT's C++ allocations, can be read from the operating system
(``os.wait4``) and does not mix with the runner's own.

Usage::

    python benchmarks/run.py --tiers s,m --time-limit 60 --workers 2 --seed 0
    python benchmarks/run.py --tiers s --baseline none    # the solver alone
    python benchmarks/run.py --suite DIR          # every *.json in DIR instead of generating
    python benchmarks/run.py --version 2 --tiers s,m    # format-2 weeks (generate_v2.py)
    python benchmarks/run.py --reruns --tiers s,m --scenarios normal --instances-per 1
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import CHANGES, SCENARIOS, TIERS, generate, perturb  # noqa: E402
from benchmarks.generate_v2 import PREFIX, generate_v2  # noqa: E402
from solver.instance import Instance, load_instance  # noqa: E402
from solver.options import Progress, SolveOptions, WeekSolver  # noqa: E402
from solver.roster import Roster, load_roster  # noqa: E402
from solver.search.greedy import greedy_roster  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
DEFAULT_SOLVER = "solver.solving:solve_detailed"
DEFAULT_BASELINE = "benchmarks.plain_model:solve_detailed"
NO_BASELINE = "none"


# --- one solve, in a child process ------------------------------------------------------------


@contextmanager
def _progress_writer(path: Path | None) -> Iterator[Callable[[Progress], None] | None]:
    """An ``on_progress`` callback appending ``seconds,objective,bound`` lines to ``path``
    (None when ``path`` is None). Each line is flushed as it is written: a run killed at its
    deadline keeps every point it reported."""
    if path is None:
        yield None
        return
    lock = threading.Lock()  # the search may report from several threads
    with open(path, "a", encoding="utf-8") as handle:

        def write(progress: Progress) -> None:
            with lock:
                bound = float(progress.bound)  # str(): exact, where :g keeps six digits
                handle.write(f"{progress.seconds:.3f},{progress.objective},{bound}\n")
                handle.flush()

        yield write


def _child(argv: Sequence[str]) -> int:
    """``_solve INSTANCE OUT_DIR``: solve, write ``roster.json`` and ``stats.json`` to OUT_DIR
    (and each improving roster to ``--progress FILE``)."""
    parser = argparse.ArgumentParser(prog="run.py _solve")
    parser.add_argument("instance", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--previous", type=Path)
    parser.add_argument("--time-limit", type=float, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--solver", default=DEFAULT_SOLVER)
    parser.add_argument("--progress", type=Path, help="append seconds,objective,bound lines here")
    args = parser.parse_args(argv)
    module, _, name = args.solver.partition(":")
    instance = load_instance(args.instance)
    previous = load_roster(args.previous) if args.previous else None
    options = SolveOptions(time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    solve_detailed: WeekSolver = getattr(importlib.import_module(module), name)
    with _progress_writer(args.progress) as on_progress:
        started = time.perf_counter()  # after the import (OR-Tools loads in seconds): the call
        result = solve_detailed(instance, options, previous=previous, on_progress=on_progress)
        wall = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "roster.json").write_text(result.roster.to_json(), encoding="utf-8")
    keys = ("first_solution_seconds", "final_solution_seconds", "proof_seconds", "variables")
    stats = {key: getattr(result.stats, key, None) for key in (*keys, "constraints")}
    stats["wall_seconds"] = wall
    (args.out / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    return 0


@dataclass
class Solved:
    """What one child solve left behind."""

    roster: Roster | None
    stats: dict[str, Any]
    peak_mib: float | None
    error: str | None


def solve_in_child(
    instance_path: Path,
    work: Path,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    previous: Path | None = None,
    solver: str = DEFAULT_SOLVER,
    progress: Path | None = None,
) -> Solved:
    """Solve one instance in a fresh Python process and collect its roster, figures and memory
    (``progress``: the file the child appends each improving roster to)."""
    work.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "_solve",
        str(instance_path),
        str(work),
        "--time-limit",
        str(time_limit),
        "--workers",
        str(workers),
        "--seed",
        str(seed),
        "--solver",
        solver,
    ]
    if previous is not None:
        command += ["--previous", str(previous)]
    if progress is not None:
        command += ["--progress", str(progress)]
    # The time limit covers the whole call; the margin is for loading and a solver that overruns.
    deadline = time.monotonic() + 2 * time_limit + 120
    with open(work / "child.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        killed = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline and not killed:
                process.kill()
                killed = True
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    peak = usage.ru_maxrss * scale / 2**20
    if killed or process.returncode != 0:
        tail = (work / "child.log").read_text(errors="replace").strip().splitlines()[-3:]
        why = "killed after the deadline" if killed else f"exit {process.returncode}"
        return Solved(None, {}, peak, f"{why}: {' | '.join(tail)}")
    roster = load_roster(work / "roster.json")
    stats = json.loads((work / "stats.json").read_text(encoding="utf-8"))
    return Solved(roster, stats, peak, None)


# --- verdicts ---------------------------------------------------------------------------------


def checker_verdict(instance: Instance, roster: Roster, previous: Roster | None = None) -> str:
    """``ok``, ``FAIL: ...`` or ``n/a`` (no checker yet, or an unverifiable status)."""
    try:
        from solver.checker import check
    except ImportError:
        return "n/a"
    if roster.status in ("infeasible", "unknown"):
        return "n/a"
    report = check(instance, roster, previous=previous)
    if report.ok:
        return "ok"
    return "FAIL: " + "; ".join(str(v) for v in report.violations[:3])


def missed_count(roster: Roster) -> int:
    """Requested appointments of wanted kinds that the roster's placed clients do not get."""
    return sum(m.count for placement in roster.clients for m in placement.missed)


def wall_per_limit(wall: float | None, limit: float) -> str | None:
    """``"1.03 ok"``: the call's wall time over the time limit; ``OVER`` past limit x 1.1 + 1 s."""
    ok = wall is not None and wall <= limit * 1.1 + 1
    return None if wall is None else f"{wall / limit:.2f} {'ok' if ok else 'OVER'}"


def ratio(objective: int | None, baseline_objective: int | None) -> float | None:
    """The solver's objective over the baseline's: below 1 the solver's roster is better,
    above 1 the baseline's. None when either is missing; 1 when both are 0 and infinity when
    only the baseline's is 0."""
    if objective is None or baseline_objective is None:
        return None
    if baseline_objective == 0:
        return 1.0 if objective == 0 else math.inf
    return objective / baseline_objective


def _gap(objective: int | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    return 100.0 * (objective - bound) / max(1, abs(objective))


# --- the suite --------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table."""

    name: str
    tier: str
    scenario: str
    clients: int
    status: str
    objective: int | None
    bound: float | None
    gap_pct: float | None
    unassigned: int | None
    missed: int | None
    first_s: float | None
    final_s: float | None
    proof_s: float | None
    wall_per_limit: str | None
    variables: int | None
    constraints: int | None
    peak_mib: float | None
    check: str
    greedy_objective: int | None
    baseline_status: str | None = None
    baseline_objective: int | None = None
    baseline_bound: float | None = None
    baseline_unassigned: int | None = None
    baseline_check: str | None = None
    ratio: float | None = None


BASELINE_FIELDS = (
    "baseline_status",
    "baseline_objective",
    "baseline_bound",
    "baseline_unassigned",
    "baseline_check",
    "ratio",
)
"""The row's baseline columns, left out of the markdown table when no row has a baseline."""


@dataclass
class RerunRow:
    """One line of the reruns table: a perturbed week solved with the base roster as previous."""

    name: str
    tier: str
    change: str
    clients: int
    cold_status: str
    cold_proof_s: float | None
    rerun_status: str
    rerun_objective: int | None
    rerun_first_s: float | None
    rerun_final_s: float | None
    rerun_proof_s: float | None
    rerun_wall_per_limit: str | None
    proof_ratio: float | None
    perturbed_cold_proof_s: float | None
    check: str
    greedy_objective: int | None


def _name_parts(path: Path) -> tuple[str, str]:
    """Tier and scenario from a file name ``[v2-]{tier}-{scenario}-{seed}[-{change}].json``."""
    parts = path.stem.removeprefix(PREFIX).split("-")
    tier = parts[0] if parts and parts[0] in TIERS else "?"
    scenario = parts[1] if len(parts) > 1 and parts[1] in SCENARIOS else "?"
    return tier, scenario


def _seed_of(path: Path) -> int:
    """The generator seed in ``[v2-]{tier}-{scenario}-{seed}.json`` (1 when the name has none)."""
    parts = path.stem.removeprefix(PREFIX).split("-")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 1


def _generated(
    folder: Path, tiers: Sequence[str], scenarios: Sequence[str], per: int, version: int = 1
) -> list[Path]:
    paths = []
    week, prefix = (generate_v2, PREFIX) if version == 2 else (generate, "")
    for tier in tiers:
        for scenario in scenarios:
            for seed in range(1, per + 1):
                path = folder / f"{prefix}{tier}-{scenario}-{seed}.json"
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    data = week(tier, scenario, seed)
                    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
                paths.append(path)
    return paths


def _with_baseline(row: Row, instance: Instance, baseline: Solved) -> None:
    """Fill ``row``'s baseline columns from the baseline's solve of the same instance."""
    roster = baseline.roster
    if roster is None:
        row.baseline_status = "error"
        row.baseline_check = f"error: {baseline.error}"
        return
    row.baseline_status = roster.status
    row.baseline_objective = roster.objective
    row.baseline_bound = roster.best_bound
    row.baseline_unassigned = len(roster.unassigned) if roster.objective is not None else None
    row.baseline_check = checker_verdict(instance, roster)
    row.ratio = ratio(row.objective, roster.objective)


def run_suite(paths: Sequence[Path], args: argparse.Namespace, work: Path) -> list[Row]:
    """Solve every instance file (and again with the baseline unless it is ``none``) and
    return one row each."""
    rows = []
    for path in paths:
        tier, scenario = _name_parts(path)
        instance = load_instance(path)
        common = {"time_limit": args.time_limit, "workers": args.workers, "seed": args.seed}
        solved = solve_in_child(path, work / path.stem, solver=args.solver, **common)
        greedy = greedy_roster(instance)
        roster, stats = solved.roster, solved.stats
        row = Row(
            name=path.stem,
            tier=tier,
            scenario=scenario,
            clients=len(instance.clients),
            status=roster.status if roster else "error",
            objective=roster.objective if roster else None,
            bound=roster.best_bound if roster else None,
            gap_pct=_gap(roster.objective, roster.best_bound) if roster else None,
            unassigned=len(roster.unassigned) if roster and roster.objective is not None else None,
            missed=missed_count(roster) if roster and roster.objective is not None else None,
            first_s=stats.get("first_solution_seconds"),
            final_s=stats.get("final_solution_seconds"),
            proof_s=stats.get("proof_seconds"),
            wall_per_limit=wall_per_limit(stats.get("wall_seconds"), args.time_limit),
            variables=stats.get("variables"),
            constraints=stats.get("constraints"),
            peak_mib=solved.peak_mib,
            check=checker_verdict(instance, roster) if roster else f"error: {solved.error}",
            greedy_objective=greedy.objective,
        )
        if args.baseline != NO_BASELINE:
            baseline = solve_in_child(
                path, work / f"{path.stem}.baseline", solver=args.baseline, **common
            )
            _with_baseline(row, instance, baseline)
        rows.append(row)
        print(_line(row), flush=True)
    return rows


def run_reruns(paths: Sequence[Path], args: argparse.Namespace, work: Path) -> list[RerunRow]:
    """Solve each base week cold, then each week after it with the base roster as previous."""
    rows = []
    for path in paths:
        tier, _ = _name_parts(path)
        base = json.loads(path.read_text(encoding="utf-8"))
        common = {
            "time_limit": args.time_limit,
            "workers": args.workers,
            "seed": args.seed,
            "solver": args.solver,
        }
        cold = solve_in_child(path, work / path.stem / "cold", **common)
        if cold.roster is None or cold.roster.objective is None:
            print(
                f"{path.stem}: no base roster ({cold.error or cold.roster and cold.roster.status})"
            )
            continue
        base_roster = work / path.stem / "cold" / "roster.json"
        for change in CHANGES:
            after_path = work / path.stem / f"{change}.json"
            after = perturb(base, change, _seed_of(path))
            after_path.write_text(json.dumps(after, indent=1) + "\n", encoding="utf-8")
            instance = load_instance(after_path)
            rerun = solve_in_child(
                after_path, work / path.stem / change, previous=base_roster, **common
            )
            perturbed_cold: Solved | None = None
            if args.cold_perturbed:
                perturbed_cold = solve_in_child(
                    after_path, work / path.stem / f"{change}-cold", **common
                )
            cold_proof = cold.stats.get("proof_seconds")
            rerun_proof = rerun.stats.get("proof_seconds")
            r = rerun.roster
            rerun_wall = wall_per_limit(rerun.stats.get("wall_seconds"), args.time_limit)
            row = RerunRow(
                name=f"{path.stem}+{change}",
                tier=tier,
                change=change,
                clients=len(instance.clients),
                cold_status=cold.roster.status,
                cold_proof_s=cold_proof,
                rerun_status=r.status if r else "error",
                rerun_objective=r.objective if r else None,
                rerun_first_s=rerun.stats.get("first_solution_seconds"),
                rerun_final_s=rerun.stats.get("final_solution_seconds"),
                rerun_proof_s=rerun_proof,
                rerun_wall_per_limit=rerun_wall,
                proof_ratio=cold_proof / rerun_proof if cold_proof and rerun_proof else None,
                perturbed_cold_proof_s=(
                    perturbed_cold.stats.get("proof_seconds") if perturbed_cold else None
                ),
                check=(
                    checker_verdict(instance, r, previous=cold.roster)
                    if r
                    else f"error: {rerun.error}"
                ),
                greedy_objective=greedy_roster(instance, previous=cold.roster).objective,
            )
            rows.append(row)
            print(_line(row), flush=True)
    return rows


# --- tables -----------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value).replace("|", "\\|")


def _line(row: Row | RerunRow) -> str:
    return "  ".join(f"{f.name}={_cell(getattr(row, f.name))}" for f in fields(row))


def markdown_table(rows: Sequence[Row | RerunRow]) -> str:
    """The rows as a GitHub markdown table (without the baseline columns when every row's
    are empty, as with ``--baseline none``)."""
    if not rows:
        return "(no rows)\n"
    names = [f.name for f in fields(rows[0])]
    if all(getattr(r, n, None) is None for r in rows for n in BASELINE_FIELDS):
        names = [n for n in names if n not in BASELINE_FIELDS]
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(_cell(getattr(r, n)) for n in names) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def machine() -> str:
    """One line on the machine: cores, CPU model, Python and OR-Tools versions."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    try:
        from importlib.metadata import version

        ortools_version = version("ortools")
    except ImportError:
        ortools_version = "?"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    return (
        f"{usable} cores ({model}), Python {platform.python_version()}, OR-Tools {ortools_version}"
    )


def _write(rows: Sequence[Row | RerunRow], out: Path, stem: str, header: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if rows:
        with open(out / f"{stem}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(rows[0])])
            writer.writeheader()
            writer.writerows(asdict(r) for r in rows)
    table = markdown_table(rows)
    (out / f"{stem}.md").write_text(header + "\n\n" + table, encoding="utf-8")
    print()
    print(header)
    print()
    print(table, end="")


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; see the module docstring."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_solve"]:
        return _child(argv[1:])
    parser = argparse.ArgumentParser(description="Run the roster benchmarks.")
    parser.add_argument("--tiers", default="s,m", help="comma-separated tiers (default s,m)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument(
        "--instances-per", type=int, default=3, help="seeds 1..N per tier and scenario (default 3)"
    )
    parser.add_argument("--suite", type=Path, metavar="DIR", help="solve DIR/*.json instead")
    parser.add_argument("--version", type=int, choices=(1, 2), default=1, help="format (default 1)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="CP-SAT random seed (default 0)")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default benchmarks/out)"
    )
    parser.add_argument("--reruns", action="store_true", help="measure reruns (the week after)")
    parser.add_argument("--cold-perturbed", action="store_true", help="reruns: also solve cold")
    parser.add_argument("--solver", default=DEFAULT_SOLVER, help="MODULE:FUNCTION to benchmark")
    parser.add_argument(
        "--baseline",
        help=f"MODULE:FUNCTION solved beside it on each instance, or '{NO_BASELINE}' "
        f"(default {DEFAULT_BASELINE}; not with --reruns)",
    )
    args = parser.parse_args(argv)
    tiers = [t for t in args.tiers.split(",") if t]
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = [t for t in tiers if t not in TIERS] + [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown tier or scenario: {', '.join(unknown)}")
    if args.reruns and args.version == 2:
        parser.error("--reruns perturbs version-1 weeks only")
    if args.reruns and args.baseline not in (None, NO_BASELINE):
        parser.error("--baseline does not apply to --reruns")
    if args.baseline is None:
        args.baseline = NO_BASELINE if args.reruns else DEFAULT_BASELINE
    if args.suite is not None:
        paths = sorted(args.suite.glob("*.json"))
        if args.reruns:
            # The weeks after are made here; the suite's own perturbed files are not bases.
            paths = [p for p in paths if not p.stem.endswith(CHANGES) and p.stem[:3] != PREFIX]
    else:
        per = args.instances_per
        paths = _generated(args.out / "instances", tiers, scenarios, per, args.version)
    header = (
        f"time limit {args.time_limit:g} s, {args.workers} workers, seed {args.seed}; "
        f"{machine()}; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    if args.baseline != NO_BASELINE:
        header += (
            f"; baseline {args.baseline}; ratio = objective / baseline_objective "
            "(below 1: the solver's roster is better)"
        )
    with tempfile.TemporaryDirectory(prefix="iop-bench-") as tmp:
        work = Path(tmp)
        if args.reruns:
            _write(run_reruns(paths, args, work), args.out, "reruns", header)
        else:
            _write(run_suite(paths, args, work), args.out, "results", header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
