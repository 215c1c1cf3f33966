"""A network's week solved part by part on 1, 2, ... local worker processes (issue 17).

    python benchmarks/network.py --tier n3k --workers 1,2 --time-limit 300 [--out DIR]

For each worker count: the decomposition's time, each part's clients, status, objective,
bound and seconds, the merged roster's objective, bound and gap, the checker's verdict, the
wall time and the largest resident memory of a worker process. Then a model of the wall time
for more workers than were measured: the decomposition, plus the parts' measured times
scheduled longest first on ``k`` slots (each part given ``time_limit * k / parts`` seconds,
as :func:`solver.network.solve.solve_network` does), plus the measured overhead; checked
against the measured points. Writes ``network-TIER.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import heapq
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from benchmarks.generate_network import generate_network_tier  # noqa: E402
from solver.checker import check  # noqa: E402
from solver.instance import parse_instance  # noqa: E402
from solver.network.solve import solve_network  # noqa: E402
from solver.options import SolveOptions  # noqa: E402


def lpt(times: list[float], slots: int) -> float:
    """The makespan of ``times`` scheduled longest first on ``slots`` slots."""
    loads = [0.0] * slots
    for t in sorted(times, reverse=True):
        heapq.heapreplace(loads, loads[0] + t)
        heapq.heapify(loads)
    return max(loads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="n3k")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args()
    start = time.perf_counter()
    instance = parse_instance(generate_network_tier(args.tier, args.seed))
    built = time.perf_counter() - start
    runs = []
    for workers in [int(w) for w in args.workers.split(",")]:
        began = time.perf_counter()
        result = solve_network(
            instance, SolveOptions(time_limit=args.time_limit, seed=0), slots=workers
        )
        wall = time.perf_counter() - began
        roster = result.roster
        report = check(instance, roster)
        objective, bound = roster.objective or 0, roster.best_bound or 0
        runs.append(
            {
                "workers": workers,
                "wall": round(wall, 1),
                "decompose": round(result.decompose_seconds, 1),
                "objective": objective,
                "bound": bound,
                "gap_percent": round(100 * (objective - bound) / max(1, objective), 2),
                "status": roster.status,
                "unassigned": len(roster.unassigned),
                "check_ok": report.ok,
                "check_lines": [] if report.ok else report.lines()[:20],
                "parts": [p.__dict__ for p in result.parts],
                "bound_tasks": result.bound_tasks,
                "peak_worker_rss_mib": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 0
                ),
            }
        )
        print(json.dumps({k: v for k, v in runs[-1].items() if k != "parts"}), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"network-{args.tier}.json").write_text(
        json.dumps(
            {"tier": args.tier, "clients": len(instance.clients), "build": built, "runs": runs},
            indent=1,
        )
    )
    print(f"\n{args.tier}: {len(instance.clients)} clients, {len(runs[0]['parts'])} parts")
    print("| workers | wall s | decompose s | objective | bound | gap % | unassigned | check |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for run in runs:
        print(
            f"| {run['workers']} | {run['wall']} | {run['decompose']} | {run['objective']} "
            f"| {run['bound']} | {run['gap_percent']} | {run['unassigned']} "
            f"| {'ok' if run['check_ok'] else 'FAILED'} |"
        )
    print("\nmodel of the wall time: decompose + the parts scheduled longest first on k slots")
    print("(a part that stopped before its budget keeps its time; the others use the budget")
    print("of k slots, time_limit * k / parts, at most the time limit) + the measured overhead")
    print("| workers | modelled wall s | measured wall s |")
    print("|---:|---:|---:|")
    base = runs[0]
    parts = len(base["parts"])
    left = args.time_limit - base["decompose"]
    budget = min(left, max(5.0, left * base["workers"] / parts))
    times = [p["seconds"] for p in base["parts"]]
    overhead = base["wall"] - base["decompose"] - lpt(times, base["workers"])
    measured = {r["workers"]: r["wall"] for r in runs}
    for k in sorted({1, 2, 4, 8, 16, 32, 64} | set(measured)):
        budget_k = min(left, max(5.0, left * k / parts))
        scaled = [t if t < 0.95 * budget else budget_k for t in times]
        model = base["decompose"] + lpt(scaled, k) + overhead
        print(f"| {k} | {model:.0f} | {measured.get(k, '')} |")


if __name__ == "__main__":
    main()
