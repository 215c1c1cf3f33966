"""The web pages of program managers and scheduling staff: server-rendered, plain forms.

Every page reads its state from the database (a reload or a second tab shows the same thing);
the grids are the static export's timelines. Slow handlers are plain ``def``: FastAPI runs
them in its threadpool, so pages answer while solves run.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy import select
from starlette.datastructures import UploadFile

from solver.errors import InputError, Problem
from solver.files import events as ev
from solver.files import grid as gr
from solver.files.cells import parse_intervals
from solver.files.export import next_monday
from solver.files.html_timeline import TIMELINE_CSS, html_timeline
from solver.instance import Instance
from solver.intervals import DAYS
from solver.roster import Roster
from solver.web import store
from solver.web.api import roster_out, state, week_out
from solver.web.db import RosterRecord, Week
from solver.web.jobs import FINAL_STATES

__all__ = ["input_error_page", "not_found_page", "router"]

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
"""The pages' routes (HTML, left out of the OpenAPI document, which describes ``/api``)."""

TEMPLATES = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
"""The pages' templates (``solver/web/templates``), every value escaped unless marked safe."""
TEMPLATES.env.globals |= {"kind_word": ev.kind_word, "kind_colour": gr.kind_colour}
TEMPLATES.env.globals |= {"colour_of": gr.colour_of, "room_title": gr.room_title}
TEMPLATES.env.globals["day_title"] = lambda index: ev.DAY_TITLES[index]

_PRINT_MM = 150.0  # the height the program grid's lanes get on a landscape page
_SHEET_ENTRY = re.compile(r"^(groups|therapists|clients)\[\d+\] \(id (.*)\)$")
_EXPLAINED = ("explanation", "penalties", "unassigned", "missed")
_CHANGE_FIELDS = ("kind", "client", "therapist", "day", "hours", "level", "intake")
_AFTER_TIME = re.compile(r"(\d{1,2}:\d{2})\s*,")


def _page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """The template ``name`` rendered with ``context`` (422 when it lists problems)."""
    context.setdefault("problems", [])
    status = 422 if context["problems"] and status == 200 else status
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


def _problems(exc: InputError) -> list[Problem]:
    """The problems to list, logged once (their text names ids only)."""
    log.info("page input refused: %s", exc)
    return list(exc.problems)


def _number(value: str, what: str) -> int:
    """A path's id as a number; anything else is an id the database does not hold."""
    if not value.isdigit():
        raise store.NotFound(what, value)
    return int(value)


def not_found_page(request: Request, message: str) -> Response:
    """The 404 page: what was not found, and the way back."""
    return _page(request, "not_found.html", 404, message=message)


def input_error_page(request: Request, exc: InputError) -> Response:
    """The 422 page: every problem of a request no page handles itself, as a table."""
    return _page(request, "problems.html", 422, problems=_problems(exc))


@router.get("/")
def index(request: Request) -> Response:
    """The weeks, newest first, and the upload form."""
    return _index(request)


def _index(
    request: Request, problems: Sequence[Problem] = (), form: dict[str, str] | None = None
) -> Response:
    with state(request).sessions() as s:
        weeks = list(s.scalars(select(Week).order_by(Week.id.desc())))
        query = select(RosterRecord.week_id, RosterRecord.status).order_by(RosterRecord.id)
        latest = {week_id: status for week_id, status in s.execute(query)}
        rows = [(week_out(w), latest.get(w.id)) for w in weeks]
    return _page(request, "index.html", weeks=rows, problems=problems, form=form or {})


@router.post("/weeks")
async def upload(request: Request) -> Response:
    """Store an uploaded week (multipart: ``file``, ``name``, ``continues_from``), then show
    it; its problems, each against its entry and key, when it cannot be read."""
    async with request.form() as form:  # closes the uploaded file's spool
        file = form.get("file")
        filename, data = "", b""
        if isinstance(file, UploadFile):
            filename, data = file.filename or "", await file.read()
        fields = {key: str(form.get(key) or "") for key in ("name", "continues_from")}
    return await run_in_threadpool(_store_upload, request, filename, data, fields)


def _store_upload(request: Request, filename: str, data: bytes, fields: dict[str, str]) -> Response:
    try:
        if not filename or not data:
            raise InputError([Problem("upload", "file", "choose an instance .json or .xlsx file")])
        continues = fields["continues_from"]
        if continues and not continues.isdigit():
            raise InputError([Problem("upload", "continues_from", "choose a week from the list")])
        _, text = store.parse_upload(filename, data)
        with state(request).sessions() as s:
            name, source = fields["name"].strip() or Path(filename).stem, Path(filename).name
            after = int(continues) if continues else None
            week = store.create_week(s, name, text, source=source, continues_from=after)
            s.commit()
            return RedirectResponse(f"/weeks/{week.id}", 303)
    except InputError as exc:
        return _index(request, _problems(exc), fields)
    except store.NotFound as exc:
        return _index(request, [Problem("upload", "continues_from", str(exc))], fields)


@router.get("/weeks/{week_id}")
def week_page(request: Request, week_id: str, change: str = "") -> Response:
    """The week: its counts and warnings, the Solve form, its rosters, jobs and changes, and
    the form that records a change (``change``: the id of the change just recorded)."""
    done = int(change) if change.isdigit() else None
    return _week(request, _number(week_id, "week"), change=done)


def _week(
    request: Request,
    week_id: int,
    *,
    problems: Sequence[Problem] = (),
    form: dict[str, str] | None = None,
    change: int | None = None,
) -> Response:
    from solver.vocabulary import vocabulary_warnings

    with state(request).sessions() as s:
        week = store.get_week(s, week_id)
        instance = store.week_instance(week)
        weight = store.unassigned_weight(week)
        changes = store.changes_of(s, week)
        return _page(
            request,
            "week.html",
            week=week_out(week),
            instance=instance,
            rosters=[roster_out(r, week) for r in store.rosters_of(s, week)],
            jobs=[store.job_view(j, weight) for j in store.jobs_of(s, week)],
            changes=changes,
            done=next((c for c in changes if c.id == change), None),
            warnings=[_warning(w.problem(week.source)) for w in vocabulary_warnings(instance)],
            problems=problems,
            form=form or {},
            time_limit=state(request).settings.time_limit,
            days=DAYS,
        )


def _warning(problem: Problem) -> Problem:
    """A vocabulary warning; for a workbook, against its sheet, id and column."""
    match = _SHEET_ENTRY.match(problem.entry)
    if not problem.file.lower().endswith(".xlsx") or match is None:
        return problem
    column = problem.key.split("[")[0]
    return replace(problem, entry=f"sheet {match[1]}, id {match[2]}", key=f"column {column}")


@router.post("/weeks/{week_id}/solve")
def solve(request: Request, week_id: str, time_limit: Annotated[str, Form()] = "") -> Response:
    """Start a solve of the week as it stands (from its published roster), then show its
    progress."""
    number = _number(week_id, "week")
    try:
        seconds = _time_limit(time_limit, state(request).settings.time_limit)
        with state(request).sessions() as s:
            week = store.get_week(s, number)
            job = store.start_solve(s, week, time_limit=seconds, label="solve")
            s.commit()
            job_id = job.id
    except InputError as exc:
        return _week(request, number, problems=_problems(exc), form={"time_limit": time_limit})
    state(request).runner.submit(job_id)
    return RedirectResponse(f"/jobs/{job_id}", 303)


def _time_limit(text: str, default: float) -> float:
    if not text.strip():
        return default
    seconds = float(text) if re.fullmatch(r"\s*\d+(\.\d*)?\s*", text) else -1.0
    if not 0 < seconds <= store.MAX_TIME_LIMIT:
        message = f"{text!r} is not a number of seconds above 0, at most {store.MAX_TIME_LIMIT:.0f}"
        raise InputError([Problem("solve", "time_limit", message)])
    return seconds


@router.post("/weeks/{week_id}/changes")
async def record_change(request: Request, week_id: str) -> Response:
    """Record a change on the week (form: ``kind`` and the fields it uses), then show the week
    with the change's sentence."""
    async with request.form() as data:
        form = {key: str(data.get(key) or "") for key in _CHANGE_FIELDS}
    return await run_in_threadpool(_record_change, request, _number(week_id, "week"), form)


def _record_change(request: Request, number: int, form: dict[str, str]) -> Response:
    from solver.web.changes import parse_change

    try:
        change = parse_change(_change_data(form))
        with state(request).sessions() as s:
            entry = store.record_change(s, store.get_week(s, number), change)
            s.commit()
            entry_id = entry.id
    except InputError as exc:
        return _week(request, number, problems=_problems(exc), form=form)
    return RedirectResponse(f"/weeks/{number}?change={entry_id}#change-log", 303)


def _change_data(form: dict[str, str]) -> dict[str, Any]:
    """The change's JSON from the form's fields (the fields its kind uses, when filled in)."""
    kind = form["kind"]
    keys = {
        "discharge": ("client",),
        "therapist_off": ("therapist", "day"),
        "step_down": ("client", "level"),
        "work_hours": ("client",),
    }.get(kind, ())
    data: dict[str, Any] = {"kind": kind} if kind else {}
    data |= {key: form[key].strip() for key in keys if form[key].strip()}
    if kind == "work_hours":
        text = _AFTER_TIME.sub(r"\1;", form["hours"])  # "mon 09:00-17:00, tue ..." as a list
        try:
            if not text.strip():
                raise ValueError("write the new hours, like 'mon 09:00-17:00' (or: none)")
            data["busy"] = parse_intervals(text)
        except ValueError as exc:
            raise InputError([Problem("change", "busy", str(exc))]) from None
    elif kind == "intake":
        try:
            data["client"] = json.loads(form["intake"])
        except ValueError as exc:
            message = f"the client entry is not JSON: {exc}"
            raise InputError([Problem("change", "client", message)]) from None
        if not isinstance(data["client"], dict):
            message = 'a client entry is a JSON object {"id": ..., ...}'
            raise InputError([Problem("change", "client", message)])
    return data


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str) -> Response:
    """A solve's live progress (updated by ``static/app.js`` from the job's events)."""
    with state(request).sessions() as s:
        job = store.get_job(s, job_id)
        week = store.get_week(s, job.week_id)
        view = store.job_view(job, store.unassigned_weight(week))
        used = (view.seconds or 0.0) if view.time_left is None else view.time_limit - view.time_left
        final, used = view.state in FINAL_STATES, min(used, view.time_limit)
        return _page(request, "job.html", job=view, week=week_out(week), used=used, final=final)


@router.post("/jobs/{job_id}/cancel")
def cancel(request: Request, job_id: str) -> Response:
    """Stop a solve (a running one keeps its best roster), then show the job again."""
    with state(request).sessions() as s:
        store.cancel_job(s, store.get_job(s, job_id))
        s.commit()
    return RedirectResponse(f"/jobs/{job_id}", 303)


@router.get("/rosters/{roster_id}")
def roster_page(request: Request, roster_id: str, view: str = "program") -> Response:
    """A roster: status, penalties, one of five views, left-out clients, downloads, Publish."""
    return _roster(request, _number(roster_id, "roster"), view)


def _roster(
    request: Request, roster_id: int, view: str, problems: Sequence[Problem] = ()
) -> Response:
    view = view if view in _PANELS else "program"
    with state(request).sessions() as s:
        record = store.get_roster(s, roster_id)
        week = store.get_week(s, record.week_id)
        instance, roster = store.instance_of(record), store.roster_of(record)
        found = roster.status not in ("infeasible", "unknown")
        events = ev.roster_events(instance, roster) if found else []
        current = store.week_instance(week)
        try:
            explain, trouble = store.explanation_of(s, record), []
        except InputError as exc:  # the roster does not fit its instance: say so, show the rest
            explain, trouble = {key: [] for key in _EXPLAINED}, _problems(exc)
        return _page(
            request,
            "roster.html",
            record=roster_out(record, week),
            week=week_out(week),
            instance=instance,
            roster=roster,
            found=found,
            status_line=gr.status_text(instance, roster),
            explain=explain,
            trouble=trouble,
            keys=gr.kind_keys(instance),
            view=view,
            panel=_PANELS[view](instance, roster, events) if found else {},
            timeline_css=Markup(TIMELINE_CSS),  # the library's own constant
            has_report=store.report_for(s, record) is not None,
            candidates=[c.id for c in current.clients if roster.placement(c.id) is None],
            time_limit=state(request).settings.time_limit,
            problems=problems,
        )


def _grid(instance: Instance, events: Sequence[ev.Event], parts: Any, **options: Any) -> Markup:
    """The export's timeline of ``events`` (its text is escaped by :func:`html_timeline`)."""
    return Markup(html_timeline(instance, events, parts, next_monday(), **options))


def _program(instance: Instance, roster: Roster, events: list[ev.Event]) -> dict[str, Any]:
    cards = gr.group_cards(instance, roster, ev.running_groups(instance, roster))
    grid = _grid(instance, events, gr.program_parts, print_height_mm=_PRINT_MM)
    return {"grid": grid, "cards": cards}


def _groups(instance: Instance, roster: Roster, events: list[ev.Event]) -> dict[str, Any]:
    return {"cards": gr.group_cards(instance, roster, ev.running_groups(instance, roster))}


def _therapists(instance: Instance, roster: Roster, events: list[ev.Event]) -> dict[str, Any]:
    people = []
    for therapist in instance.therapists:
        mine = ev.of_therapist(events, therapist.id)
        caseload = [p.id for p in roster.clients if p.therapist == therapist.id]
        grid = _grid(instance, mine, gr.therapist_parts, share_lanes=True) if mine else None
        people.append({"id": therapist.id, "events": mine, "caseload": caseload, "grid": grid})
    return {"people": people}


def _rooms(instance: Instance, roster: Roster, events: list[ev.Event]) -> dict[str, Any]:
    rooms = []
    for room in ev.used_rooms(instance, roster):
        groups = [g for g in ev.running_groups(instance, roster) if instance.group(g).room == room]
        grid = _grid(instance, ev.of_room(events, room), gr.room_parts)
        rooms.append({"title": gr.room_title(room), "groups": groups, "grid": grid})
    return {"rooms": rooms}


def _clients(instance: Instance, roster: Roster, events: list[ev.Event]) -> dict[str, Any]:
    return {"placements": sorted(roster.clients, key=lambda p: p.id)}


_PANELS: dict[str, Callable[[Instance, Roster, list[ev.Event]], dict[str, Any]]] = {
    "program": _program, "groups": _groups, "therapists": _therapists, "rooms": _rooms,
    "clients": _clients,
}  # fmt: skip


@router.post("/rosters/{roster_id}/publish")
def publish(request: Request, roster_id: str) -> Response:
    """Publish the roster (staff work from it; the week's reruns start from it)."""
    number = _number(roster_id, "roster")
    try:
        with state(request).sessions() as s:
            record = store.get_roster(s, number)
            store.publish(s, store.get_week(s, record.week_id), record)
            s.commit()
    except InputError as exc:
        return _roster(request, number, "program", _problems(exc))
    return RedirectResponse(f"/rosters/{number}", 303)


@router.get("/rosters/{roster_id}/report")
def report_page(request: Request, roster_id: str) -> Response:
    """What changed from the roster this one replaced, grouped by the person to tell."""
    with state(request).sessions() as s:
        record = store.get_roster(s, _number(roster_id, "roster"))
        report = store.report_for(s, record)
        people = report["people"] if report else []  # the template groups them by kind
        out = roster_out(record, store.get_week(s, record.week_id))
        return _page(request, "report.html", record=out, report=report, people=people)


@router.get("/rosters/{roster_id}/recommend")
def recommend_page(request: Request, roster_id: str, client: str = "") -> Response:
    """The ranked places for ``client`` (a new intake, or a client left out), each with an
    Accept button."""
    return _recommend(request, _number(roster_id, "roster"), client.strip())


def _recommend(
    request: Request, roster_id: int, client: str, problems: Sequence[Problem] = ()
) -> Response:
    from solver.web.views import recommendations

    with state(request).sessions() as s:
        record = store.get_roster(s, roster_id)
        week = store.get_week(s, record.week_id)
        instance, roster = store.week_instance(week), store.roster_of(record)
        found: dict[str, Any] | None = None
        problems = list(problems)
        if client and not problems:
            try:
                found = recommendations(instance, roster, client, 5)
            except InputError as exc:
                problems = _problems(exc)
        return _page(
            request,
            "recommend.html",
            record=roster_out(record, week),
            client=client,
            found=found,
            candidates=[c.id for c in instance.clients if roster.placement(c.id) is None],
            problems=problems,
        )


@router.post("/rosters/{roster_id}/recommend/accept")
def accept(
    request: Request,
    roster_id: str,
    client: Annotated[str, Form()] = "",
    rank: Annotated[str, Form()] = "1",
) -> Response:
    """Accept a ranked place: it becomes a pin of the week and a new roster, then show it."""
    from solver.web.views import accept_recommendation

    number = _number(roster_id, "roster")
    try:
        if not rank.isdigit() or not 1 <= int(rank) <= 20:
            raise InputError([Problem("accept", "rank", f"{rank!r} is not a rank from 1 to 20")])
        with state(request).sessions() as s:
            record = store.get_roster(s, number)
            week = store.get_week(s, record.week_id)
            new = accept_recommendation(s, week, record, client.strip(), int(rank))
            s.commit()
            new_id = new.id
    except InputError as exc:
        return _recommend(request, number, client.strip(), _problems(exc))
    return RedirectResponse(f"/rosters/{new_id}", 303)
