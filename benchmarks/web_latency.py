"""How fast the web page answers while solves run beside it.

Starts ``python -m solver serve`` (two solve processes, SQLite), solves a 200-client week (tier
m of ``benchmarks/generate.py``, 20 s), then starts solves of two more 200-client weeks and,
while both run, requests the pages and API answers a manager or a portal would (the index, a
week, a job's progress, the roster's views, its explanation, a change report) in a loop, timing
each from request to last byte. Prints a Markdown table of the timings per page (median, 95th
percentile, maximum) and the two solves' results.

    python benchmarks/web_latency.py [--seconds 60] [--out benchmarks/out/web_latency.md]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parents[1]))

from benchmarks.generate import generate  # noqa: E402

ROOT = Path(__file__).parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait(base: str, job_id: str, timeout: float) -> dict[str, object]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job: dict[str, object] = httpx.get(f"{base}/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.5)
    raise RuntimeError(f"job {job_id} did not end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="each solve's time limit")
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        db = f"sqlite:///{folder}/web.db"
        server = subprocess.Popen(
            [sys.executable, "-m", "solver", "serve", "--port", str(port), "--db", db],
            cwd=ROOT,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            rows = _measure(base, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=60)
    lines = [
        f"Two 200-client solves running ({args.seconds:.0f} s each, 1 worker each, "
        f"{os.cpu_count()} cores), pages requested in a loop meanwhile:",
        "",
        "| request | n | median ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
        *rows,
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


def _measure(base: str, seconds: float) -> list[str]:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            httpx.get(f"{base}/api/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    # A 200-client roster to show while the two solves run.
    shown = {"instance": generate("m", "normal", 2), "time_limit": 20, "name": "m-normal-2"}
    first = httpx.post(f"{base}/api/jobs", json=shown, timeout=30).json()
    roster = _wait(base, str(first["id"]), 120)["roster_id"]
    jobs = []
    for scenario in ("normal", "evening"):
        week = generate("m", scenario, 1)
        body = {"instance": week, "time_limit": seconds, "name": f"m-{scenario}-1"}
        jobs.append(httpx.post(f"{base}/api/jobs", json=body, timeout=30).json())
    week_id = jobs[0]["week_id"]
    pages = {
        "GET / (weeks)": "/",
        "GET /weeks/{id} (200 clients)": f"/weeks/{week_id}",
        "GET /jobs/{id} (progress page)": f"/jobs/{jobs[0]['id']}",
        "GET /api/jobs/{id} (progress JSON)": f"/api/jobs/{jobs[0]['id']}",
        "GET /rosters/{id} (program grid, 200 clients)": f"/rosters/{roster}",
        "GET /rosters/{id}?view=therapists": f"/rosters/{roster}?view=therapists",
        "GET /rosters/{id}?view=clients": f"/rosters/{roster}?view=clients",
        "GET /rosters/{id}/report": f"/rosters/{roster}/report",
        "GET /api/rosters/{id}/explain": f"/api/rosters/{roster}/explain",
    }
    times: dict[str, list[float]] = {name: [] for name in pages}
    with httpx.Client(base_url=base, timeout=30) as client:
        while any(
            client.get(f"/api/jobs/{j['id']}").json()["state"] in ("queued", "running")
            for j in jobs
        ):
            for name, path in pages.items():
                start = time.perf_counter()
                response = client.get(path)
                times[name].append((time.perf_counter() - start) * 1000)
                if response.status_code not in (200, 404):
                    raise RuntimeError(f"{path}: {response.status_code}")
            time.sleep(0.1)
    rows = []
    for name, values in times.items():
        values.sort()
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        rows.append(
            f"| {name} | {len(values)} | {statistics.median(values):.0f} | {p95:.0f} "
            f"| {values[-1]:.0f} |"
        )
    for j in jobs:
        job = httpx.get(f"{base}/api/jobs/{j['id']}").json()
        rows.append(
            f"| (solve of week {job['week_id']}: {job['state']}, objective {job['objective']}, "
            f"bound {job['bound']}) | | | | |"
        )
    return rows


if __name__ == "__main__":
    main()
