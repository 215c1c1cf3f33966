"""Profile the search on one week: where CP-SAT's rosters come from, and what repair steps do.

Three runs of the same built model, one after the other, each for ``--seconds``:

1. **CP-SAT alone, hinted** with the hand-built roster (the solver's first stage before
   issue 15): each improving roster and the subsolver that found it, read from CP-SAT's
   log (``#12  25.67s best:6122 ... scheduling_resource_windows_lns``);
2. **CP-SAT alone, no hint**: the same, from scratch (what the hint changes);
3. **repair steps alone** (:func:`solver.search.lns.repair`, one thread), from the
   hand-built roster: per kind of neighbourhood, the steps, how many improved the roster,
   their mean time and the share that finished (proved their neighbourhood has nothing
   better).

Usage::

    python benchmarks/profile_search.py ../shared/benchmarks/m-outside-1.json --seconds 40
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ortools.sat.python import cp_model  # noqa: E402

from solver.instance import load_instance  # noqa: E402
from solver.model import RosterModel, build_model  # noqa: E402
from solver.options import Deadline  # noqa: E402
from solver.precompute import derive_facts  # noqa: E402
from solver.roster import Roster  # noqa: E402
from solver.search import completion, phases  # noqa: E402
from solver.search.greedy import greedy_roster  # noqa: E402
from solver.search.lns import Incumbent, Step, repair  # noqa: E402

_IMPROVEMENT = re.compile(r"^#(\d+)\s+([\d.]+)s best:(\d+)\s+next:\S+\s+(\S+)")


def _built(path: Path) -> tuple[RosterModel, Roster]:
    instance = load_instance(path)
    built = build_model(derive_facts(instance, canonical=True))
    return built, greedy_roster(instance)


def cpsat_alone(path: Path, seconds: float, workers: int, hinted: bool) -> list[str]:
    """Markdown lines: each improving roster of CP-SAT's search and its subsolver."""
    built, warm = _built(path)
    if hinted and warm.status == "feasible":
        built.variables.hint(warm)
    lines: list[str] = []
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = seconds
    params.num_workers = workers
    params.log_search_progress = True
    params.log_to_stdout = False
    phases._tune(params)
    found: list[tuple[float, int, str]] = []

    def read(line: str) -> None:
        match = _IMPROVEMENT.match(line)
        if match:
            found.append((float(match[2]), int(match[3]), match[4].split("(")[0]))

    solver.log_callback = read
    solver.solve(built.model)
    by_subsolver: dict[str, int] = defaultdict(int)
    for _, _, name in found:
        by_subsolver[name] += 1
    label = "hinted with the hand-built roster" if hinted else "no hint"
    lines.append(f"CP-SAT alone, {label} (greedy objective {warm.objective}):")
    lines.append("")
    lines.append("| s | objective | found by |")
    lines.append("|---|---|---|")
    lines.extend(f"| {t:.1f} | {objective:,} | {name} |" for t, objective, name in found)
    lines.append("")
    lines.append(
        "rosters by subsolver: "
        + ", ".join(f"{name} {n}" for name, n in sorted(by_subsolver.items(), key=lambda x: -x[1]))
    )
    return lines


def repair_alone(path: Path, seconds: float, seed: int) -> list[str]:
    """Markdown lines: repair steps by kind of neighbourhood."""
    built, warm = _built(path)
    incumbent = Incumbent()
    completion.complete(built, warm, incumbent, Deadline())
    steps: list[tuple[float, Step]] = []
    start = time.perf_counter()
    recorder = phases.Recorder(start, None)
    repair(
        built,
        incumbent,
        recorder,
        Deadline(start + seconds),
        seed,
        on_step=lambda step: steps.append((time.perf_counter() - start, step)),
    )
    best = incumbent.best()
    lines = [
        f"Repair steps alone, one thread, {seconds:g} s, from {warm.objective:,}: "
        f"{best.objective if best else None:,} after {len(steps)} steps.",
        "",
        "| neighbourhood | steps | improved | clients freed (mean) | s per step (mean) "
        "| finished |",
        "|---|---|---|---|---|---|",
    ]
    kinds: dict[str, list[Step]] = defaultdict(list)
    for _, step in steps:
        kinds[step.neighbourhood].append(step)
    for name, group in sorted(kinds.items()):
        improved = sum(s.after is not None for s in group)
        clients = sum(s.clients for s in group) / len(group)
        mean = sum(s.seconds for s in group) / len(group)
        done = sum(s.finished for s in group) / len(group)
        lines.append(
            f"| {name} | {len(group)} | {improved} | {clients:.0f} | {mean:.2f} | {done:.0%} |"
        )
    lines += ["", "| s | neighbourhood | objective |", "|---|---|---|"]
    lines += [f"| {t:.1f} | {s.neighbourhood} | {s.after:,} |" for t, s in steps if s.after]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("week", type=Path)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out: list[str] = [f"## {args.week.name}", ""]
    out += cpsat_alone(args.week, args.seconds, args.workers, hinted=True) + [""]
    out += cpsat_alone(args.week, args.seconds, args.workers, hinted=False) + [""]
    out += repair_alone(args.week, args.seconds, args.seed)
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
