"""The HTTP JSON API under ``/api`` (its OpenAPI document is at ``/openapi.json``).

A portal backend submits a week, starts a solve (an asynchronous job), polls or streams its
progress, cancels it, and fetches the roster, its explanation, the change report, the diff
against another roster and the ranked places for a client. Every instance and roster is
the format's JSON (``docs/format.md``); every validation problem is a 422 response whose
``detail`` lists ``file``, ``entry``, ``key`` and ``message``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from solver.errors import InputError
from solver.web import store
from solver.web.db import RosterRecord, Week

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

EXPORTS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "png": "image/png",
    "csv": "application/zip",
    "ics": "application/zip",
    "json": "application/json",
}


def state(request: Request) -> Any:
    """The application's shared state (settings, database, job runner)."""
    return request.app.state.roster


def session(request: Request) -> Iterator[Session]:
    """A database session for one request, committed by the handler that writes."""
    with state(request).sessions() as s:
        yield s


Db = Annotated[Session, Depends(session)]


class WeekIn(BaseModel):
    """A week submitted as JSON."""

    name: str = Field(default="week", max_length=200)
    instance: dict[str, Any] = Field(description="an instance of the format (version 2 or 1)")
    continues_from: int | None = Field(
        default=None, description="a week whose published roster this one continues"
    )


class WeekOut(BaseModel):
    """A stored week."""

    id: int
    name: str
    source: str
    created_at: str
    clients: int
    groups: int
    therapists: int
    published_roster_id: int | None
    previous_roster_id: int | None


class SolveIn(BaseModel):
    """How to solve a week."""

    time_limit: float = Field(default=60.0, gt=0, le=store.MAX_TIME_LIMIT)
    workers: int = Field(default=1, ge=1, le=64)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    label: str = Field(default="", max_length=300)


class SubmitIn(WeekIn, SolveIn):
    """A week and how to solve it, in one request."""


class RosterOut(BaseModel):
    """A stored roster's summary (the roster itself is at ``/api/rosters/{id}/roster``)."""

    id: int
    week_id: int
    job_id: str | None
    created_at: str
    status: str
    objective: int | None
    best_bound: int | None
    unassigned: int
    previous_roster_id: int | None
    label: str
    published: bool


def week_out(week: Week) -> WeekOut:
    """A week's summary."""
    data = json.loads(week.instance_json)
    return WeekOut(
        id=week.id,
        name=week.name,
        source=week.source,
        created_at=week.created_at.isoformat() + "Z",
        clients=len(data.get("clients", [])),
        groups=len(data.get("groups", [])),
        therapists=len(data.get("therapists", [])),
        published_roster_id=week.published_roster_id,
        previous_roster_id=week.previous_roster_id,
    )


def roster_out(record: RosterRecord, week: Week | None = None) -> RosterOut:
    """A roster's summary."""
    published = week is not None and week.published_roster_id == record.id
    return RosterOut(
        id=record.id,
        week_id=record.week_id,
        job_id=record.job_id,
        created_at=record.created_at.isoformat() + "Z",
        status=record.status,
        objective=record.objective,
        best_bound=record.best_bound,
        unassigned=record.unassigned,
        previous_roster_id=record.previous_roster_id,
        label=record.label,
        published=published,
    )


def job_json(s: Session, job: Any) -> dict[str, Any]:
    """A job's state as JSON."""
    week = store.get_week(s, job.week_id)
    return store.job_view(job, store.unassigned_weight(week)).as_dict()


@router.get("/health")
def health() -> dict[str, str]:
    """The server is up."""
    return {"status": "ok"}


@router.get("/weeks")
def list_weeks(s: Db) -> list[WeekOut]:
    """Every stored week, newest first."""
    return [week_out(w) for w in s.query(Week).order_by(Week.id.desc()).all()]


@router.post("/weeks", status_code=201)
def create_week(s: Db, body: WeekIn) -> WeekOut:
    """Store a week given as JSON (422 with every problem when it is not valid)."""
    text = json.dumps(body.instance)
    store.parse_upload("instance.json", text.encode())
    week = store.create_week(s, body.name, text, source="api", continues_from=body.continues_from)
    s.commit()
    return week_out(week)


@router.post("/weeks/upload", status_code=201)
async def upload_week(
    s: Db,
    file: Annotated[UploadFile, File(description="an instance JSON file or a workbook (.xlsx)")],
    name: Annotated[str, Query(max_length=200)] = "",
    continues_from: int | None = None,
) -> WeekOut:
    """Store a week uploaded as a file (multipart form, field ``file``)."""
    data = await file.read()
    filename = file.filename or "upload.json"
    _, text = await asyncio.to_thread(store.parse_upload, filename, data)
    week = store.create_week(
        s, name or Path(filename).stem, text, source=filename, continues_from=continues_from
    )
    s.commit()
    return week_out(week)


@router.get("/weeks/{week_id}")
def get_week(s: Db, week_id: int) -> WeekOut:
    """One week's summary."""
    return week_out(store.get_week(s, week_id))


@router.get("/weeks/{week_id}/instance")
def get_instance(s: Db, week_id: int) -> Response:
    """The week's instance as it stands now (after the changes recorded on it)."""
    return Response(store.get_week(s, week_id).instance_json, media_type="application/json")


@router.get("/weeks/{week_id}/rosters")
def list_rosters(s: Db, week_id: int) -> list[RosterOut]:
    """Every roster of the week, newest first."""
    week = store.get_week(s, week_id)
    return [roster_out(r, week) for r in store.rosters_of(s, week)]


@router.get("/weeks/{week_id}/jobs")
def list_jobs(s: Db, week_id: int) -> list[dict[str, Any]]:
    """Every solve of the week, newest first."""
    week = store.get_week(s, week_id)
    return [job_json(s, j) for j in store.jobs_of(s, week)]


@router.post("/weeks/{week_id}/jobs", status_code=202)
def solve_week(request: Request, s: Db, week_id: int, body: SolveIn | None = None) -> Any:
    """Start a solve of the week (from its published roster, when it has one)."""
    return _start(request, s, store.get_week(s, week_id), body or SolveIn())


def _start(request: Request, s: Session, week: Week, body: SolveIn) -> dict[str, Any]:
    """Queue the week's solve, commit, hand it to the runner; the job's state."""
    job = store.start_solve(
        s,
        week,
        time_limit=body.time_limit,
        workers=body.workers,
        seed=body.seed,
        label=body.label or "solve",
    )
    s.commit()
    state(request).runner.submit(job.id)
    return job_json(s, job)


@router.post("/jobs", status_code=202)
def submit(request: Request, s: Db, body: SubmitIn) -> Any:
    """Store a week and start its solve in one request."""
    text = json.dumps(body.instance)
    store.parse_upload("instance.json", text.encode())
    week = store.create_week(s, body.name, text, source="api", continues_from=body.continues_from)
    return _start(request, s, week, body)


@router.get("/jobs/{job_id}")
def get_job(s: Db, job_id: str) -> Any:
    """A solve's state: queued, running (with the best objective, bound and time left),
    done (with its roster), failed (with the reason) or cancelled (with its best roster)."""
    return job_json(s, store.get_job(s, job_id))


@router.post("/jobs/{job_id}/cancel", status_code=202)
def cancel_job(s: Db, job_id: str) -> Any:
    """Stop a solve; a running one keeps the best roster found so far."""
    job = store.get_job(s, job_id)
    store.cancel_job(s, job)
    s.commit()
    return job_json(s, job)


@router.get("/jobs/{job_id}/events")
async def job_events(request: Request, job_id: str) -> StreamingResponse:
    """The job's state as server-sent events (``data: {...}``), until it ends."""
    sessions = state(request).sessions
    with sessions() as s:
        store.get_job(s, job_id)  # 404 before the stream starts

    async def events() -> AsyncIterator[str]:
        last = None
        while True:
            with sessions() as s:
                data = job_json(s, store.get_job(s, job_id))
            text = json.dumps(data)
            if text != last:
                yield f"data: {text}\n\n"
                last = text
            if data["state"] in ("done", "failed", "cancelled"):
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.5)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.get("/rosters/{roster_id}")
def get_roster(s: Db, roster_id: int) -> RosterOut:
    """A roster's summary."""
    record = store.get_roster(s, roster_id)
    return roster_out(record, store.get_week(s, record.week_id))


@router.get("/rosters/{roster_id}/roster")
def roster_document(s: Db, roster_id: int) -> Response:
    """The roster, as the format's JSON (what ``python -m solver solve`` writes)."""
    return Response(store.get_roster(s, roster_id).roster_json, media_type="application/json")


@router.get("/rosters/{roster_id}/check")
def check_roster(s: Db, roster_id: int) -> dict[str, Any]:
    """The project's checker on the roster: ``ok`` and its lines."""
    from solver.checker import check

    record = store.get_roster(s, roster_id)
    previous = _previous(s, record)
    report = check(store.instance_of(record), store.roster_of(record), previous=previous)
    return {"ok": report.ok, "lines": report.lines()}


@router.get("/rosters/{roster_id}/explain")
def explain(s: Db, roster_id: int) -> dict[str, Any]:
    """Every penalty the roster pays with a sentence each, the clients left out and the
    missed appointments with their reasons."""
    return store.explanation_of(s, store.get_roster(s, roster_id))


@router.get("/rosters/{roster_id}/report")
def change_report(s: Db, roster_id: int) -> dict[str, Any]:
    """What changed from the roster this one replaced, grouped by the person to tell
    (404 when it replaced none)."""
    record = store.get_roster(s, roster_id)
    report = store.report_for(s, record)
    if report is None:
        return JSONResponse(  # type: ignore[return-value]
            status_code=404, content={"detail": f"roster {roster_id} replaced no roster"}
        )
    return report


@router.get("/rosters/{roster_id}/diff")
def diff_rosters(s: Db, roster_id: int, against: int) -> dict[str, Any]:
    """What changed from roster ``against`` to this one, grouped by the person to tell."""
    from solver.web.reports import change_report as report

    record = store.get_roster(s, roster_id)
    other = store.get_roster(s, against)
    return report(store.roster_of(other), store.roster_of(record), store.instance_of(record))


@router.get("/rosters/{roster_id}/recommend")
def recommend(
    s: Db, roster_id: int, client: str, k: Annotated[int, Query(ge=1, le=20)] = 5
) -> dict[str, Any]:
    """The ranked places for a client (a new intake in the week, or one left out), everyone
    else kept in place."""
    from solver.web.views import recommendations

    record = store.get_roster(s, roster_id)
    week = store.get_week(s, record.week_id)
    return recommendations(store.week_instance(week), store.roster_of(record), client, k)


@router.post("/rosters/{roster_id}/recommend/accept", status_code=201)
def accept(
    s: Db,
    roster_id: int,
    client: Annotated[str, Body(embed=True)],
    rank: Annotated[int, Body(embed=True, ge=1, le=20)] = 1,
) -> RosterOut:
    """Accept the ``rank``-th place for ``client``: it becomes a pin of the week and a new
    roster (the current one with the client added), with its change report."""
    from solver.web.views import accept_recommendation

    record = store.get_roster(s, roster_id)
    week = store.get_week(s, record.week_id)
    new = accept_recommendation(s, week, record, client, rank)
    s.commit()
    return roster_out(new, week)


@router.post("/rosters/{roster_id}/publish")
def publish(s: Db, roster_id: int) -> RosterOut:
    """Publish the roster: staff work from it, and the week's next solve starts from it."""
    record = store.get_roster(s, roster_id)
    week = store.get_week(s, record.week_id)
    store.publish(s, week, record)
    s.commit()
    return roster_out(record, week)


@router.get("/rosters/{roster_id}/export/{fmt}")
def export(
    s: Db,
    roster_id: int,
    fmt: Literal["xlsx", "html", "png", "csv", "ics", "json"],
    week_start: dt.date | None = None,
) -> Response:
    """The roster as a file: a workbook, a web page, a picture, CSV or calendar files (a
    zip), or JSON."""
    record = store.get_roster(s, roster_id)
    name = f"roster-{roster_id}"
    if fmt == "json":
        data = record.roster_json.encode()
    else:
        data = export_bytes(store.instance_of(record), store.roster_of(record), fmt, week_start)
    suffix = "zip" if fmt in ("csv", "ics") else fmt
    disposition = f'attachment; filename="{name}-{fmt}.{suffix}"'
    if fmt in ("html", "png"):
        disposition = f'inline; filename="{name}.{fmt}"'
    return Response(data, media_type=EXPORTS[fmt], headers={"Content-Disposition": disposition})


def export_bytes(instance: Any, roster: Any, fmt: str, week_start: dt.date | None) -> bytes:
    """Write an export into a temporary folder and return its bytes (a zip for folders)."""
    from solver.files.export import export_roster

    extra: dict[str, Any] = {}
    if week_start is not None and fmt in ("html", "png", "ics"):
        extra["week_start"] = week_start
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / ("export" if fmt in ("csv", "ics") else f"roster.{fmt}")
        written = export_roster(instance, roster, fmt, out, **extra)
        if fmt not in ("csv", "ics"):
            return out.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                if path.is_file():
                    archive.write(path, path.relative_to(out).as_posix())
            for path in sorted(out.rglob("*")):
                if path.is_file() and path.relative_to(out).as_posix() not in archive.namelist():
                    archive.write(path, path.relative_to(out).as_posix())
        return buffer.getvalue()


@router.get("/weeks/{week_id}/changes")
def list_changes(s: Db, week_id: int) -> list[dict[str, Any]]:
    """The changes recorded on the week, oldest first."""
    week = store.get_week(s, week_id)
    return [
        {"id": c.id, "kind": c.kind, "summary": c.summary, "created_at": c.created_at.isoformat()}
        for c in store.changes_of(s, week)
    ]


@router.post("/weeks/{week_id}/changes", status_code=201)
def record_change(s: Db, week_id: int, change: Annotated[dict[str, Any], Body()]) -> Any:
    """Record a change on the week (``kind``: discharge, intake, therapist_off, work_hours,
    step_down, pin); the next solve reruns from the published roster."""
    from solver.web.changes import parse_change

    week = store.get_week(s, week_id)
    entry = store.record_change(s, week, parse_change(change))
    s.commit()
    return {"id": entry.id, "kind": entry.kind, "summary": entry.summary}


def _previous(s: Session, record: RosterRecord) -> Any:
    if record.previous_roster_id is None:
        return None
    try:
        return store.roster_of(store.get_roster(s, record.previous_roster_id))
    except (store.NotFound, InputError):
        return None
