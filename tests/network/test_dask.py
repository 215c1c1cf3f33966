"""The network solve on real Dask clusters (issue 17).

- a ``LocalCluster`` of two worker processes solves a three-site week part by part: the
  merged roster checks clean, the parts ran on both workers, and with ``caseload_spread``
  weighing 0 the merged objective is the sum of the parts';
- a scheduler and two workers started from the command line on localhost serve
  ``python -m solver solve-many --cluster`` and ``python -m solver solve --cluster``;
- a worker killed mid-solve: its part runs again on another worker, and the week still comes
  back complete and valid.

Every process started here runs in its own process group, killed as a group at the end.
"""

from __future__ import annotations

import concurrent.futures
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

distributed: Any = pytest.importorskip("distributed")  # untyped: every use is Any

from benchmarks.generate_network import generate_network  # noqa: E402
from solver import Instance, load_instance  # noqa: E402
from solver.checker import check  # noqa: E402
from solver.instance import parse_instance  # noqa: E402
from solver.network.solve import NetworkResult, PartResult, solve_network  # noqa: E402
from solver.options import SolveOptions  # noqa: E402
from solver.roster import Roster, parse_roster  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
INSTANCES = ROOT / "instances"
START_SECONDS = 90.0
"""How long a cluster may take to start (the suite runs beside it on two cores)."""


# --- the weeks --------------------------------------------------------------------------------


def network_week(clients_per_site: int) -> Instance:
    """Three independent sites (seed 1) with ``caseload_spread`` weighing 0, so that the
    merged objective is the sum of the parts'."""
    data = generate_network(3, clients_per_site, 1)
    data["program"].setdefault("weights", {})["caseload_spread"] = 0
    return parse_instance(data, source=f"network 3x{clients_per_site}")


@pytest.fixture(scope="module")
def small_sites() -> Instance:
    """Three sites of 20 clients: each solved to optimality in about a second."""
    return network_week(20)


@pytest.fixture(scope="module")
def sites() -> Instance:
    """Three sites of 40 clients: each takes a few seconds (long enough to kill a worker)."""
    return network_week(40)


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of three small weeks: the tiny example, the sample clinic and a network of
    three sites of 20 clients (one part: solved whole within a few seconds)."""
    folder = tmp_path_factory.mktemp("weeks")
    shutil.copy(INSTANCES / "tiny.json", folder / "tiny.json")
    shutil.copy(INSTANCES / "clinic.json", folder / "clinic.json")
    text = json.dumps(generate_network(3, 20, 1), indent=1)
    (folder / "network.json").write_text(text + "\n", encoding="utf-8")
    return folder


def assert_complete_and_valid(instance: Instance, roster: Roster, what: str) -> None:
    """Every client placed or unassigned (once), and the checker finds nothing wrong."""
    assert roster.status in ("optimal", "feasible"), (what, roster.status, roster.explanation)
    seen = [p.id for p in roster.clients] + [u.id for u in roster.unassigned]
    assert sorted(seen) == sorted(c.id for c in instance.clients), what
    report = check(instance, roster)
    assert report.ok, (what, report)


def pid_of(part: PartResult) -> int:
    """The process a part ran in (its ``worker`` is ``host:pid``)."""
    return int(part.worker.rsplit(":", 1)[1])


# --- a scheduler and two workers from the command line ----------------------------------------


def free_port() -> int:
    """A TCP port of localhost that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class CommandLineCluster:
    """A ``dask scheduler`` and two ``dask worker`` processes, and a client of them."""

    address: str
    client: Any
    """A ``distributed.Client`` of the scheduler."""
    logs: Path

    def log_text(self) -> str:
        """The processes' output so far (for a failing assertion's message)."""
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.logs.glob("*.log"))
        )


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    """A process in its own process group (so that it and its children can be killed
    together), its output in ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process group: politely first, then SIGKILL for whatever is left."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    if process.poll() is None:  # pragma: no cover - the SIGKILL above did not take
        process.kill()
        process.wait(timeout=10)


def _wait_for_port(port: int, scheduler: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert scheduler.poll() is None, (logs / "scheduler.log").read_text(errors="replace")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the scheduler did not listen on {port} in {START_SECONDS} s")


@pytest.fixture(scope="module")
def cli_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandLineCluster]:
    """``dask scheduler --host 127.0.0.1 --port P --no-dashboard`` and two
    ``dask worker tcp://127.0.0.1:P --nworkers 1 --nthreads 1 --no-dashboard``."""
    logs = tmp_path_factory.mktemp("dask-cli")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    processes: list[subprocess.Popen[bytes]] = []
    client: Any = None
    try:
        scheduler = _start(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            logs / "scheduler.log",
        )
        processes.append(scheduler)
        _wait_for_port(port, scheduler, logs)
        for i in range(2):
            command = [
                *dask,
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-dashboard",
                "--name",
                f"cli-{i}",
                "--local-directory",
                str(logs / f"worker-{i}"),
            ]
            processes.append(_start(command, logs / f"worker-{i}.log"))
        client = distributed.Client(address, timeout="30s")
        client.wait_for_workers(2, timeout=START_SECONDS)
        yield CommandLineCluster(address, client, logs)
    finally:
        if client is not None:
            client.close()
        for process in reversed(processes):
            _stop(process)


def worker_pids(client: Any) -> dict[str, int]:
    """Each worker's address and OS process id."""
    pids: dict[str, int] = client.run(os.getpid)
    return pids


# --- the tests --------------------------------------------------------------------------------


def test_local_cluster_solves_the_sites_on_both_workers(small_sites: Instance) -> None:
    """A LocalCluster of two processes: three parts (one per site), spread over both workers;
    the merged roster is valid and, without caseload_spread, the parts' objectives add up."""
    finished: list[str] = []
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(2, timeout=START_SECONDS)
        pids = set(worker_pids(client).values())
        # Components of up to 40 clients are parts of their own: one part per site.
        result: NetworkResult = solve_network(
            small_sites,
            SolveOptions(time_limit=10, seed=0),
            executor=client,
            max_clients=40,
            on_part=lambda part: finished.append(part.name),
        )
    assert sorted(p.name for p in result.parts) == ["S01", "S02", "S03"]
    assert sorted(finished) == ["S01", "S02", "S03"]
    assert all(p.exact for p in result.parts)
    assert result.bound_tasks == 0  # whole components only: no relaxation task
    assert_complete_and_valid(small_sites, result.roster, "merged roster")
    assert {pid_of(p) for p in result.parts} == pids, [p.worker for p in result.parts]
    objectives = [p.objective for p in result.parts]
    assert None not in objectives
    assert result.roster.penalties.caseload_spread == 0
    assert result.roster.objective == sum(o for o in objectives if o is not None)


def solver_command(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m solver ARGS`` from the project's root, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "solver", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_solve_many_on_a_command_line_cluster(
    cli_cluster: CommandLineCluster, weeks: Path, tmp_path: Path
) -> None:
    """``solve-many --cluster``: three rosters and summary.csv, each roster valid for its
    week, each week solved by one of the cluster's workers."""
    out = tmp_path / "rosters"
    done = solver_command(
        "solve-many",
        str(weeks),
        "--out",
        str(out),
        "--cluster",
        cli_cluster.address,
        "--time-limit",
        "5",
    )
    assert done.returncode == 0, (done.stdout, done.stderr, cli_cluster.log_text())
    names = ["clinic", "network", "tiny"]
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted([*(f"{n}.roster.json" for n in names), "summary.csv"])
    for name in names:
        instance = load_instance(weeks / f"{name}.json")
        text = (out / f"{name}.roster.json").read_text(encoding="utf-8")
        assert_complete_and_valid(instance, parse_roster(text, source=name), name)
    with (out / "summary.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["week"] for r in rows) == names
    pids = set(worker_pids(cli_cluster.client).values())
    for row in rows:
        assert row["status"] in ("optimal", "feasible"), row
        assert int(row["worker"].rsplit(":", 1)[1]) in pids, (row, pids)
    assert "[3/3]" in done.stderr


def test_solve_on_a_command_line_cluster(
    cli_cluster: CommandLineCluster, weeks: Path, tmp_path: Path
) -> None:
    """``solve NETWORK --cluster ADDRESS --out R``: the network's week, merged, valid."""
    out = tmp_path / "network.roster.json"
    done = solver_command(
        "solve",
        str(weeks / "network.json"),
        "--cluster",
        cli_cluster.address,
        "--out",
        str(out),
        "--time-limit",
        "5",
    )
    assert done.returncode == 0, (done.stdout, done.stderr, cli_cluster.log_text())
    assert "part " in done.stderr  # progress per part
    instance = load_instance(weeks / "network.json")
    roster = parse_roster(out.read_text(encoding="utf-8"), source="network roster")
    assert_complete_and_valid(instance, roster, "network roster")


def _busy_worker(client: Any, running: concurrent.futures.Future[NetworkResult]) -> str:
    """A worker executing a part of the solve running in the background, one second into
    that part: the first worker the scheduler shows processing a task, once it runs one."""

    def executing() -> list[str]:
        # A lambda travels by value (the workers cannot import this test module).
        keys = client.run(
            lambda dask_worker: sorted(str(t.key) for t in dask_worker.state.executing),
            workers=[victim],
        )
        return list(keys.get(victim, []))

    deadline = time.monotonic() + START_SECONDS
    victim = ""
    while time.monotonic() < deadline:
        assert not running.done(), "the solve ended before any worker was seen busy"
        if not victim:
            processing: dict[str, list[Any]] = client.processing()
            busy = sorted(address for address, keys in processing.items() if keys)
            victim = busy[0] if busy else ""
        elif started := executing():
            time.sleep(1.0)  # into the part's solve (each takes a few seconds)
            if executing() == started:  # the same part still running
                return victim
        time.sleep(0.02)
    raise AssertionError(f"no worker was seen executing a part within {START_SECONDS} s")


def test_a_worker_killed_mid_solve(cli_cluster: CommandLineCluster, sites: Instance) -> None:
    """SIGKILL a busy worker's process: Dask runs its part again elsewhere (the nanny starts
    a new worker process), and the week still comes back complete and valid."""
    client = cli_cluster.client
    client.wait_for_workers(2, timeout=START_SECONDS)
    pids = worker_pids(client)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        running = pool.submit(
            solve_network,
            sites,
            SolveOptions(time_limit=10, seed=0),
            executor=client,
            max_clients=40,
        )
        victim = _busy_worker(client, running)
        os.kill(pids[victim], signal.SIGKILL)
        result = running.result(timeout=180)
    assert sorted(p.name for p in result.parts) == ["S01", "S02", "S03"]
    assert_complete_and_valid(sites, result.roster, "roster after a worker was killed")
    # The killed process returned nothing: its part was solved again by another.
    assert pids[victim] not in {pid_of(p) for p in result.parts}, cli_cluster.log_text()
    assert victim not in client.scheduler_info()["workers"]
    # The nanny replaced the worker: the cluster is whole again for whoever comes next.
    client.wait_for_workers(2, timeout=START_SECONDS)
