"""The HTTP JSON API: every endpoint, bad input, cancelled, concurrent and resumed jobs.

Solves run in real worker processes (the application's job runner) on the small instances,
with time limits of a few seconds.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from solver.checker import check  # noqa: E402
from solver.instance import load_instance  # noqa: E402
from solver.roster import parse_roster  # noqa: E402
from solver.web.app import Settings, create_app  # noqa: E402
from solver.web.db import Job, make_engine, make_sessions, upgrade  # noqa: E402

INSTANCES = Path(__file__).parents[2] / "instances"
TINY = json.loads((INSTANCES / "tiny.json").read_text())
PROGRAM = json.loads((INSTANCES / "program.json").read_text())


def settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(db_url=f"sqlite:///{tmp_path}/web.db", processes=2, **extra)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings(tmp_path))) as c:
        yield c


def wait(client: TestClient, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll the job until it ends."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not end in {timeout} s: {job}")


def solved(client: TestClient, instance: dict[str, Any], time_limit: float = 3) -> dict[str, Any]:
    response = client.post("/api/jobs", json={"instance": instance, "time_limit": time_limit})
    assert response.status_code == 202, response.text
    return wait(client, response.json()["id"])


def test_week_solved_fetched_checked_and_exported(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok"}
    week = client.post("/api/weeks", json={"name": "tiny", "instance": TINY})
    assert week.status_code == 201
    week_id = week.json()["id"]
    assert week.json()["clients"] == 6
    assert [w["id"] for w in client.get("/api/weeks").json()] == [week_id]
    job = client.post(f"/api/weeks/{week_id}/jobs", json={"time_limit": 3}).json()
    assert job["state"] in ("queued", "running", "done")
    job = wait(client, job["id"])
    assert job["state"] == "done", job
    roster_id = job["roster_id"]
    summary = client.get(f"/api/rosters/{roster_id}").json()
    assert summary["status"] == "optimal" and summary["published"] is False
    document = client.get(f"/api/rosters/{roster_id}/roster").json()
    assert document["format_version"] == 1  # a version-1 week gets a version-1 roster
    roster = parse_roster(document)
    assert check(load_instance(INSTANCES / "tiny.json"), roster).ok
    assert client.get(f"/api/rosters/{roster_id}/check").json()["ok"] is True
    explained = client.get(f"/api/rosters/{roster_id}/explain").json()
    assert sum(explained["totals"].values()) == roster.objective
    for fmt, magic in [("xlsx", b"PK"), ("png", b"\x89PNG"), ("html", b"<!DOCTYPE")]:
        got = client.get(f"/api/rosters/{roster_id}/export/{fmt}")
        assert got.status_code == 200 and got.content.startswith(magic), fmt
    calendars = client.get(f"/api/rosters/{roster_id}/export/ics?week_start=2026-11-30")
    names = zipfile.ZipFile(io.BytesIO(calendars.content)).namelist()
    assert any(name.endswith(".ics") for name in names)
    csv = zipfile.ZipFile(io.BytesIO(client.get(f"/api/rosters/{roster_id}/export/csv").content))
    assert any(name.endswith(".csv") for name in csv.namelist())
    assert client.get(f"/api/weeks/{week_id}/rosters").json()[0]["id"] == roster_id
    assert client.get(f"/api/weeks/{week_id}/jobs").json()[0]["id"] == job["id"]


def test_discharge_rerun_report_and_publish(client: TestClient) -> None:
    job = solved(client, PROGRAM, time_limit=4)
    assert job["state"] == "done", job
    first = job["roster_id"]
    week_id = job["week_id"]
    published = client.post(f"/api/rosters/{first}/publish").json()
    assert published["published"] is True
    assert client.get(f"/api/weeks/{week_id}").json()["published_roster_id"] == first
    placed = parse_roster(client.get(f"/api/rosters/{first}/roster").json()).clients[0].id
    change = client.post(
        f"/api/weeks/{week_id}/changes", json={"kind": "discharge", "client": placed}
    )
    assert change.status_code == 201, change.text
    assert placed in change.json()["summary"]
    assert [c["kind"] for c in client.get(f"/api/weeks/{week_id}/changes").json()] == ["discharge"]
    rerun = wait(
        client, client.post(f"/api/weeks/{week_id}/jobs", json={"time_limit": 4}).json()["id"]
    )
    assert rerun["state"] == "done", rerun
    second = rerun["roster_id"]
    assert client.get(f"/api/rosters/{second}").json()["previous_roster_id"] == first
    report = client.get(f"/api/rosters/{second}/report").json()
    people = {p["id"]: p for p in report["people"]}
    assert placed in people  # the discharged client's line, to tell their therapist and group
    assert report["changes"] == sum(len(p["sentences"]) for p in report["people"])
    diffed = client.get(f"/api/rosters/{second}/diff?against={first}").json()
    assert diffed["changes"] == report["changes"]
    assert client.get(f"/api/rosters/{first}/report").status_code == 404  # replaced none


def test_intake_recommend_and_accept(client: TestClient) -> None:
    job = solved(client, PROGRAM, time_limit=4)
    roster_id, week_id = job["roster_id"], job["week_id"]
    client.post(f"/api/rosters/{roster_id}/publish")
    newcomer = dict(next(c for c in PROGRAM["clients"] if c.get("level") != "php"))
    newcomer["id"] = "C900"
    newcomer.pop("keep_apart", None)
    newcomer.pop("pinned_group", None)
    newcomer.pop("pinned_therapist", None)
    intake = client.post(
        f"/api/weeks/{week_id}/changes", json={"kind": "intake", "client": newcomer}
    )
    assert intake.status_code == 201, intake.text
    places = client.get(f"/api/rosters/{roster_id}/recommend?client=C900&k=3").json()
    assert places["options"], places
    accepted = client.post(
        f"/api/rosters/{roster_id}/recommend/accept", json={"client": "C900", "rank": 1}
    )
    assert accepted.status_code == 201, accepted.text
    new_id = accepted.json()["id"]
    new = parse_roster(client.get(f"/api/rosters/{new_id}/roster").json())
    option = places["options"][0]
    assert new.placement("C900") is not None
    assert new.placement("C900").group == option["group"]  # type: ignore[union-attr]
    assert client.get(f"/api/rosters/{new_id}/check").json()["ok"] is True
    instance = client.get(f"/api/weeks/{week_id}/instance").json()
    pinned = next(c for c in instance["clients"] if c["id"] == "C900")
    assert pinned["pinned_group"] == option["group"]  # it became a pin


def test_bad_input_is_a_structured_422(client: TestClient) -> None:
    malformed = client.post(
        "/api/weeks", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    broken = json.loads(json.dumps(TINY))
    broken["clients"][0]["track"] = 7
    invalid = client.post("/api/weeks", json={"instance": broken})
    assert invalid.status_code == 422
    detail = invalid.json()["detail"]
    assert any(p["key"] == "track" and "C" in p["entry"] for p in detail), detail
    upload = client.post(
        "/api/weeks/upload", files={"file": ("week.json", json.dumps(broken).encode())}
    )
    assert upload.status_code == 422
    assert upload.json()["detail"][0]["file"] == "week.json"
    wrong_type = client.post("/api/weeks/upload", files={"file": ("week.pdf", b"%PDF")})
    assert wrong_type.status_code == 422 and "pdf" in wrong_type.json()["detail"][0]["message"]
    change = client.post("/api/weeks/upload", files={"file": ("tiny.json", json.dumps(TINY))})
    week_id = change.json()["id"]
    unknown = client.post(
        f"/api/weeks/{week_id}/changes", json={"kind": "discharge", "client": "Z9"}
    )
    assert unknown.status_code == 422
    bad_limit = client.post(f"/api/weeks/{week_id}/jobs", json={"time_limit": -1})
    assert bad_limit.status_code == 422


def test_a_50_mb_upload_is_refused(client: TestClient) -> None:
    big = b"{" + b" " * (50 * 1024 * 1024) + b"}"
    response = client.post("/api/weeks/upload", files={"file": ("big.json", big)})
    assert response.status_code == 413
    assert client.get("/api/weeks").json() == []


def test_unknown_ids_are_404(client: TestClient) -> None:
    assert client.get("/api/jobs/nope").status_code == 404
    assert client.post("/api/jobs/nope/cancel").status_code == 404
    assert client.get("/api/jobs/nope/events").status_code == 404
    assert client.get("/api/rosters/999").status_code == 404
    assert client.get("/api/weeks/999").status_code == 404
    assert client.post("/api/weeks/999/jobs", json={}).status_code == 404


def test_openapi_lists_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/api/weeks",
        "/api/weeks/upload",
        "/api/jobs",
        "/api/jobs/{job_id}",
        "/api/jobs/{job_id}/events",
        "/api/jobs/{job_id}/cancel",
        "/api/rosters/{roster_id}/roster",
        "/api/rosters/{roster_id}/explain",
        "/api/rosters/{roster_id}/diff",
        "/api/rosters/{roster_id}/recommend",
        "/api/rosters/{roster_id}/publish",
    ]:
        assert path in paths, path


def test_cancel_keeps_the_best_roster_and_two_jobs_run_at_once(client: TestClient) -> None:
    long = [
        client.post("/api/jobs", json={"instance": PROGRAM, "time_limit": 120, "seed": s}).json()
        for s in (1, 2)
    ]
    end = time.monotonic() + 60
    while time.monotonic() < end:
        states = [client.get(f"/api/jobs/{j['id']}").json() for j in long]
        if all(s["state"] == "running" and s["objective"] is not None for s in states):
            break
        time.sleep(0.2)
    assert all(s["state"] == "running" for s in states), states  # both at once
    for job in long:
        assert client.post(f"/api/jobs/{job['id']}/cancel").status_code == 202
    ended = [wait(client, j["id"], timeout=30) for j in long]
    for job in ended:
        assert job["state"] == "cancelled", job
        assert job["roster_id"] is not None  # the best roster found is kept
        assert client.get(f"/api/rosters/{job['roster_id']}/check").json()["ok"] is True


def test_events_stream_until_the_job_ends(client: TestClient) -> None:
    job = client.post("/api/jobs", json={"instance": TINY, "time_limit": 2}).json()
    with client.stream("GET", f"/api/jobs/{job['id']}/events") as stream:
        events = [json.loads(line[6:]) for line in stream.iter_lines() if line.startswith("data:")]
    assert events[-1]["state"] == "done"
    assert events[-1]["roster_id"] is not None


def test_a_job_left_running_by_a_stopped_server_is_resumed(tmp_path: Path) -> None:
    with TestClient(create_app(settings(tmp_path))) as first:
        week_id = first.post("/api/weeks", json={"instance": TINY}).json()["id"]
    # What a server killed mid-solve leaves behind: a row that says running.
    engine = make_engine(f"sqlite:///{tmp_path}/web.db")
    upgrade(engine)
    with make_sessions(engine)() as session:
        session.add(Job(id="crashed", week_id=week_id, state="running", time_limit=2, clients=6))
        session.add(
            Job(id="asked", week_id=week_id, state="queued", time_limit=2, cancel_requested=True)
        )
        session.commit()
    engine.dispose()
    with TestClient(create_app(settings(tmp_path))) as second:
        job = wait(second, "crashed")
        assert job["state"] == "done" and job["roster_id"] is not None
        assert "server stopped" in job["error"]
        assert second.get("/api/jobs/asked").json()["state"] == "cancelled"


def test_token_guards_every_request(tmp_path: Path) -> None:
    with TestClient(create_app(settings(tmp_path, token="s3cret"))) as c:
        assert c.get("/api/health").status_code == 401
        assert c.get("/api/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = c.get("/api/health", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert c.get("/?token=s3cret").status_code == 200
        assert c.get("/api/health").status_code == 200  # the cookie set by ?token=
