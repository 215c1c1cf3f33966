"""``python -m solver serve`` as a real server process: localhost by default, a token to bind
elsewhere, and a job that survives the server being killed in the middle of its solve."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("uvicorn")
import httpx  # noqa: E402

from solver.web.serve import is_loopback  # noqa: E402

PROGRAM = json.loads((Path(__file__).parents[2] / "instances" / "program.json").read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(db: Path, port: int) -> subprocess.Popen[bytes]:
    """The server in its own process group (so that killing it kills nothing else)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "solver", "serve", "--port", str(port), "--db", f"sqlite:///{db}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(process.stderr.read().decode() if process.stderr else "no server")


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def job(port: int, job_id: str) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"http://127.0.0.1:{port}/api/jobs/{job_id}").json()
    return data


def test_a_job_of_a_killed_server_is_resumed_by_the_next_start(
    tmp_path: Path, servers: list[subprocess.Popen[bytes]]
) -> None:
    db = tmp_path / "web.db"
    port = free_port()
    servers.append(start(db, port))
    submitted = httpx.post(
        f"http://127.0.0.1:{port}/api/jobs", json={"instance": PROGRAM, "time_limit": 120}
    ).json()
    end = time.monotonic() + 60
    while job(port, submitted["id"])["state"] != "running" and time.monotonic() < end:
        time.sleep(0.2)
    assert job(port, submitted["id"])["state"] == "running"
    os.kill(servers[0].pid, signal.SIGKILL)  # no shutdown: what a crash leaves behind
    servers[0].wait(timeout=30)
    time.sleep(1.0)  # its solve process notices and stops without writing
    servers.append(start(db, port))
    resumed = job(port, submitted["id"])
    assert resumed["state"] in ("queued", "running"), resumed
    assert "server stopped" in resumed["error"]
    httpx.post(f"http://127.0.0.1:{port}/api/jobs/{submitted['id']}/cancel")
    end = time.monotonic() + 60
    while job(port, submitted["id"])["state"] in ("queued", "running") and time.monotonic() < end:
        time.sleep(0.2)
    ended = job(port, submitted["id"])
    assert ended["state"] == "cancelled", ended
    assert ended["roster_id"] is not None or "before it started" in ended["error"]


def test_serve_refuses_other_computers_without_a_token() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "solver", "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        env={**os.environ, "IOP_ROSTER_TOKEN": ""},
        timeout=60,
    )
    assert result.returncode == 2
    assert "--host" in result.stderr and "--token" in result.stderr
    assert "Traceback" not in result.stderr


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_the_readme_s_serve_command_prints_the_readme_s_line(tmp_path: Path) -> None:
    """The README's one command that starts the page: the line it prints, and the sample
    program stored as a week."""
    from tests.test_readme import block_with, command_line, output_after, tmp_path_with_instances

    index = block_with("solver serve", "sh")
    folder = tmp_path_with_instances(tmp_path)
    process = subprocess.Popen(
        command_line(index, " serve "),
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.strip() == output_after(index).strip()
        end = time.monotonic() + 30
        weeks: list[dict[str, Any]] = []
        while time.monotonic() < end and not weeks:
            try:
                weeks = httpx.get("http://127.0.0.1:8000/api/weeks", timeout=1).json()
            except httpx.HTTPError:
                time.sleep(0.2)
        assert [w["source"] for w in weeks] == ["program.json"]
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert (folder / "iop-roster.db").exists()
