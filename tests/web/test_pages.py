"""The web pages (``solver/web/pages.py``): each page renders with its stable ids, the forms
post and redirect, bad input comes back as a 422 page with a problem table (never JSON), and
unknown ids get the 404 page. Solves use the six-client ``tiny.json`` with a 5-second limit
(each is proved optimal in well under a second once the worker process is up)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from solver.errors import InputError, Problem
from solver.roster import Penalties, parse_roster
from solver.web import store
from solver.web.app import Settings, create_app
from solver.web.pages import input_error_page

INSTANCES = Path(__file__).resolve().parents[2] / "instances"
VIEWS = ("program", "groups", "therapists", "rooms", "clients")
FINAL = ("done", "failed", "cancelled")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One application over a fresh database for the module (its runner starts once)."""
    folder = tmp_path_factory.mktemp("pages")
    app = create_app(Settings(db_url=f"sqlite:///{folder}/t.db", processes=1, time_limit=5))
    with TestClient(app) as test_client:
        yield test_client


def upload(client: TestClient, name: str = "tiny.json", week: str = "w") -> int:
    """Upload an instance through the page's form; the id of the new week."""
    data = (INSTANCES / name).read_bytes()
    files = {"file": (name, data, "application/json")}
    response = client.post("/weeks", files=files, data={"name": week}, follow_redirects=False)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/weeks/(\d+)", response.headers["location"])
    assert match is not None
    return int(match[1])


def solve(client: TestClient, week_id: int, time_limit: str = "5") -> tuple[str, int]:
    """Solve through the week page's form and wait for the job; its id and its roster's."""
    response = client.post(
        f"/weeks/{week_id}/solve", data={"time_limit": time_limit}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    job_id = response.headers["location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 30
    while True:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in FINAL or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    return job_id, int(job["roster_id"])


@pytest.fixture(scope="module")
def solved(client: TestClient) -> dict[str, int | str]:
    """A week of tiny.json, solved once."""
    week_id = upload(client, week="solved")
    job_id, roster_id = solve(client, week_id)
    return {"week": week_id, "job": job_id, "roster": roster_id}


def has_ids(html: str, *ids: str) -> None:
    for ident in ids:
        assert f'id="{ident}"' in html, ident


def test_the_index_lists_the_weeks_and_offers_the_upload(
    client: TestClient, solved: dict[str, int | str]
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="en">' in html
    has_ids(html, "upload-form", "upload-file", "upload-submit", "upload-name", "weeks")
    assert 'name="file"' in html and 'enctype="multipart/form-data"' in html
    assert f'href="/weeks/{solved["week"]}"' in html
    assert '<label for="upload-file">' in html


def test_uploading_the_clinic_shows_the_week(client: TestClient) -> None:
    week_id = upload(client, "clinic.json", "clinic week")
    html = client.get(f"/weeks/{week_id}").text
    assert "clinic week" in html and "40 clients" in html
    has_ids(html, "solve-form", "time-limit", "solve-submit", "change-form", "change-kind")
    has_ids(html, "change-client", "change-submit", "change-log")
    assert 'value="5"' in html  # the settings' time limit is the default
    assert '<option value="C040"' in html


def test_a_bad_upload_shows_every_problem_with_its_entry_and_key(client: TestClient) -> None:
    bad = b'{"format_version": 2, "groups": [], "therapists": [], "clients": [{"id": "C001"}]}'
    response = client.post("/weeks", files={"file": ("bad.json", bad, "application/json")})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    has_ids(html, "problems", "upload-form")
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>", html)
    assert ("bad.json", "clients[0] (id C001)", "track") in rows
    assert ("bad.json", "clients[0] (id C001)", "population") in rows


def test_the_week_shows_the_words_that_match_nothing(client: TestClient) -> None:
    data = json.loads((INSTANCES / "tiny.json").read_text())
    data["clients"][2]["track"] = "substance-use"
    files = {"file": ("typo.json", json.dumps(data).encode(), "application/json")}
    response = client.post("/weeks", files=files)
    assert response.status_code == 200  # the week, after the redirect
    html = response.text
    has_ids(html, "warnings")
    assert "<td>clients[2] (id C003)</td><td>track</td>" in html
    assert "did you mean &#39;substance_use&#39;?" in html


def test_an_upload_without_a_file_or_of_another_type_is_refused(client: TestClient) -> None:
    response = client.post("/weeks", data={"name": "nothing"})
    assert response.status_code == 422
    assert "<td>upload</td><td>file</td>" in response.text
    odd = client.post("/weeks", files={"file": ("week.txt", b"hello", "text/plain")})
    assert odd.status_code == 422
    assert "cannot read a .txt file" in odd.text


def test_the_job_page_shows_the_same_job_on_every_load(
    client: TestClient, solved: dict[str, int | str]
) -> None:
    html = client.get(f"/jobs/{solved['job']}").text
    has_ids(html, "job-state", "job-objective", "job-bound", "job-placed", "job-progress")
    has_ids(html, "stop-button", "job-live")
    assert 'aria-live="polite"' in html
    assert f'data-events-url="/api/jobs/{solved["job"]}/events"' in html
    assert f'href="/rosters/{solved["roster"]}"' in html
    assert '<strong id="job-state">done</strong>' in html
    assert "at least 6 of 6" in html
    assert client.get(f"/jobs/{solved['job']}").text == html


def test_a_queued_job_can_be_stopped_from_its_page(
    client: TestClient, solved: dict[str, int | str]
) -> None:
    shared = client.app.state.roster  # type: ignore[attr-defined]
    with shared.sessions() as s:  # a job no worker runs: it stays queued
        job = store.start_solve(s, store.get_week(s, int(solved["week"])), time_limit=5)
        s.commit()
        job_id = job.id
    html = client.get(f"/jobs/{job_id}").text
    assert '<strong id="job-state">queued</strong>' in html
    assert 'data-final="false"' in html and 'id="stop-form" method="post"' in html
    assert 'id="stop-form" method="post" action="/jobs/' + job_id + '/cancel" data-api' in html
    assert 'data-api="/api/jobs/' + job_id + '/cancel">' in html  # shown: not hidden
    response = client.post(f"/jobs/{job_id}/cancel", follow_redirects=False)
    assert response.status_code == 303
    with shared.sessions() as s:
        assert store.get_job(s, job_id).cancel_requested


def test_stopping_a_finished_job_goes_back_to_it(
    client: TestClient, solved: dict[str, int | str]
) -> None:
    response = client.post(f"/jobs/{solved['job']}/cancel", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/jobs/{solved['job']}"
    assert client.get(f"/api/jobs/{solved['job']}").json()["state"] == "done"


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_of_the_roster(
    client: TestClient, solved: dict[str, int | str], view: str
) -> None:
    response = client.get(f"/rosters/{solved['roster']}", params={"view": view})
    assert response.status_code == 200
    html = response.text
    has_ids(html, "roster-status", "view-tabs", "grid", "unassigned", "missed", "penalties")
    has_ids(html, "downloads", "rerun-button", *(f"tab-{v}" for v in VIEWS))
    assert f'id="tab-{view}" href="/rosters/{solved["roster"]}?view={view}" aria-current' in html
    assert "optimal" in html
    for fmt in ("xlsx", "csv", "ics", "png", "html", "json"):
        assert f'id="download-{fmt}" href="/api/rosters/{solved["roster"]}/export/{fmt}"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from elsewhere


def test_the_views_show_the_grid_and_the_kinds(
    client: TestClient, solved: dict[str, int | str]
) -> None:
    url = f"/rosters/{solved['roster']}"
    program = client.get(url).text
    assert 'class="tl"' in program and 'class="ev group"' in program
    assert "individual session: client and therapist" in program  # the legend, in words
    therapists = client.get(url, params={"view": "therapists"}).text
    assert "Therapist T1" in therapists and "Therapist T2" in therapists
    assert "facilitates" in therapists and ">individual</td>" in therapists.replace("\n", "")
    clients = client.get(url, params={"view": "clients"}).text
    assert all(f'data-client="C00{i}"' in clients for i in range(1, 7))
    assert "individual: " in clients
    groups = client.get(url, params={"view": "groups"}).text
    assert "Members: " in groups and "facilitator T" in groups
    assert client.get(url, params={"view": "nonsense"}).status_code == 200  # the program


def test_a_roster_that_was_not_found_shows_why(
    client: TestClient, solved: dict[str, int | str]
) -> None:
    none = {"format_version": 2, "status": "infeasible", "objective": None, "best_bound": None}
    none |= {"penalties": Penalties.zero().as_dict(), "solve_seconds": 0, "groups": []}
    none |= {"clients": [], "unassigned": [], "explanation": ["C001 is pinned to AM, closed"]}
    shared = client.app.state.roster  # type: ignore[attr-defined]
    with shared.sessions() as s:
        week = store.get_week(s, int(solved["week"]))
        instance = store.week_instance(week)
        record = store.add_roster(
            s, week, instance, parse_roster(none), label="pins", previous_roster_id=None
        )
        s.commit()
        roster_id = record.id
    response = client.get(f"/rosters/{roster_id}")
    assert response.status_code == 200
    has_ids(response.text, "roster-status", "no-roster", "rerun-button", "downloads")
    assert "C001 is pinned to AM, closed" in response.text
    assert 'id="publish-button"' not in response.text
    refused = client.post(f"/rosters/{roster_id}/publish")
    assert refused.status_code == 422
    assert "cannot be published" in refused.text


def test_publishing_the_roster(client: TestClient) -> None:
    week_id = upload(client, week="to publish")
    _, roster_id = solve(client, week_id)
    before = client.get(f"/rosters/{roster_id}").text
    has_ids(before, "publish-button")
    assert 'id="published"' not in before
    response = client.post(f"/rosters/{roster_id}/publish", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/rosters/{roster_id}"
    after = client.get(f"/rosters/{roster_id}").text
    has_ids(after, "published")
    assert 'id="publish-button"' not in after
    assert f'id="week-published">roster {roster_id}<' in client.get(f"/weeks/{week_id}").text


def test_a_first_roster_has_no_change_report(
    client: TestClient, solved: dict[str, int | str]
) -> None:
    html = client.get(f"/rosters/{solved['roster']}").text
    assert 'id="report-link"' not in html
    report = client.get(f"/rosters/{solved['roster']}/report")
    assert report.status_code == 200
    has_ids(report.text, "report", "report-none")


def test_recording_a_discharge_then_rerunning_gives_the_change_report(
    client: TestClient,
) -> None:
    week_id = upload(client, week="discharge")
    _, first = solve(client, week_id)
    client.post(f"/rosters/{first}/publish")
    response = client.post(
        f"/weeks/{week_id}/changes",
        data={"kind": "discharge", "client": "C003"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/weeks/{week_id}?change=")
    html = client.get(response.headers["location"]).text
    has_ids(html, "change-done", "change-log")
    assert "Recorded: C003 discharged" in html
    assert '<option value="C003"' not in html  # the week no longer holds them
    _, second = solve(client, week_id)
    roster = client.get(f"/rosters/{second}").text
    has_ids(roster, "report-link")
    report = client.get(f"/rosters/{second}/report").text
    has_ids(report, "report")
    assert '<section class="person" data-person="C003"' in report
    assert "nothing changed" not in report.lower()


def test_new_work_hours_may_be_listed_with_commas(client: TestClient) -> None:
    week_id = upload(client, week="hours")
    data = {"kind": "work_hours", "client": "C003", "hours": "mon 09:00-17:00, tue 09:00-17:00"}
    response = client.post(f"/weeks/{week_id}/changes", data=data)
    assert response.status_code == 200  # the week, after the redirect
    assert "C003 works new hours: mon 09:00-17:00, tue 09:00-17:00" in response.text


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"kind": "discharge", "client": "C999"}, "client"),
        ({"kind": "work_hours", "client": "C001", "hours": "someday"}, "busy"),
        ({"kind": "work_hours", "client": "C001", "hours": " "}, "busy"),
        ({"kind": "intake", "intake": "{not json"}, "client"),
        ({"kind": "intake", "intake": '{"id": "C001", "track": "x"}'}, "client.id"),
        ({"kind": "therapist_off", "therapist": "T1", "day": "sun"}, "day"),
        ({"kind": "step_down", "client": "C001", "level": "nowhere"}, "level"),
        ({"kind": "vacation"}, "kind"),
    ],
)
def test_a_bad_change_comes_back_as_a_problem_table(
    client: TestClient, solved: dict[str, int | str], data: dict[str, str], key: str
) -> None:
    response = client.post(f"/weeks/{solved['week']}/changes", data=data)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    has_ids(response.text, "problems", "change-form")
    assert f"<td>change</td><td>{key}</td>" in response.text


def test_a_bad_time_limit_comes_back_as_a_problem_table(
    client: TestClient, solved: dict[str, int | str]
) -> None:
    response = client.post(f"/weeks/{solved['week']}/solve", data={"time_limit": "soon"})
    assert response.status_code == 422
    assert "<td>solve</td><td>time_limit</td>" in response.text


def test_an_intake_gets_ranked_places_and_one_is_accepted(client: TestClient) -> None:
    week_id = upload(client, week="intake")
    _, roster_id = solve(client, week_id)
    intake = '{"id": "C007", "population": "adult", "track": "substance_use"}'
    client.post(f"/weeks/{week_id}/changes", data={"kind": "intake", "intake": intake})
    roster = client.get(f"/rosters/{roster_id}").text
    has_ids(roster, "recommend-form", "recommend-client")
    assert '<option value="C007">' in roster  # offered: the week holds them, the roster not
    page = client.get(f"/rosters/{roster_id}/recommend", params={"client": "C007"})
    assert page.status_code == 200
    has_ids(page.text, "options")
    assert 'class="accept" data-rank="1"' in page.text
    response = client.post(
        f"/rosters/{roster_id}/recommend/accept",
        data={"client": "C007", "rank": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    new_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert new_id != roster_id
    assert 'data-client="C007"' in client.get(f"/rosters/{new_id}?view=clients").text
    report = client.get(f"/rosters/{new_id}/report").text
    assert '<section class="person" data-person="C007"' in report
    again = client.post(f"/rosters/{new_id}/recommend/accept", data={"client": "C007"})
    assert again.status_code == 422 and "already placed" in again.text


def test_places_for_an_unknown_client_are_a_problem(
    client: TestClient, solved: dict[str, int | str]
) -> None:
    response = client.get(f"/rosters/{solved['roster']}/recommend", params={"client": "C404"})
    assert response.status_code == 422
    has_ids(response.text, "problems", "recommend-form")
    assert "C404" in response.text
    empty = client.get(f"/rosters/{solved['roster']}/recommend")
    assert empty.status_code == 200 and 'id="options"' not in empty.text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/weeks/9999", "no week 9999"),
        ("/weeks/abc", "no week abc"),
        ("/rosters/9999", "no roster 9999"),
        ("/rosters/9999/report", "no roster 9999"),
        ("/rosters/9999/recommend?client=C001", "no roster 9999"),
        ("/jobs/nope", "no job nope"),
    ],
)
def test_unknown_ids_get_the_404_page(client: TestClient, url: str, message: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text and 'href="/"' in response.text


def test_the_static_files_are_served(client: TestClient) -> None:
    script = client.get("/static/app.js")
    assert script.status_code == 200 and "EventSource" in script.text
    style = client.get("/static/app.css")
    assert style.status_code == 200 and "@media print" in style.text
    assert "size: landscape" in style.text and ":focus-visible" in style.text


def test_the_problem_page_lists_every_problem(client: TestClient) -> None:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    error = InputError([Problem("change", "client", "unknown client 'C404'", "week 1")])
    response = input_error_page(Request(scope), error)
    assert response.status_code == 422
    html = bytes(response.body).decode()
    assert 'id="problems"' in html
    assert (
        "<td>week 1</td><td>change</td><td>client</td><td>unknown client &#39;C404&#39;</td>"
        in html
    )
