"""A network's week solved part by part on 1, 2, ... local worker processes (issue 17).

    python benchmarks/network.py --tier n3k --workers 1,2 --time-limit 300 [--out DIR]

For each worker count: the decomposition's time, each part's clients, status, objective,
bound and seconds, the merged roster's objective, bound and gap, the checker's verdict, the
wall time and the largest resident memory of a worker process. The time limit is a wall-clock
budget the parts use whole, so more workers buy each part more search rather than less wall
time; the table at the end says how many seconds each part gets with k workers. Writes
``network-TIER.json`` and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from benchmarks.generate_network import generate_network_tier  # noqa: E402
from solver.checker import check  # noqa: E402
from solver.instance import parse_instance  # noqa: E402
from solver.network.solve import share_time, solve_network  # noqa: E402
from solver.options import SolveOptions  # noqa: E402


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
    # The time limit is a wall-clock budget that the parts use whole: more workers do not
    # shorten the wall time, they give each part more search. The model: the seconds of
    # search each part gets with k slots, from the measured decomposition.
    base = runs[0]
    parts = len(base["parts"])
    left = args.time_limit - base["decompose"]
    print("\nsearch seconds per part with k worker processes (same time limit):")
    print("| workers | rounds | seconds per part |")
    print("|---:|---:|---:|")
    split = base["bound_tasks"]
    for k in (1, 2, 4, 8, 16, 32, 64, 128):
        rounds = -(-parts // k)
        print(f"| {k} | {rounds} | {share_time(left, parts, split, k)[0]:.0f} |")


if __name__ == "__main__":
    main()
