"""What the web pages and the HTTP API do to the database, in one place.

Every function takes an open SQLAlchemy session and leaves committing to the caller unless
it says otherwise. Instances and rosters are stored as the format's JSON and read back with
the library's own parsers, so a stored week is exactly what ``python -m solver`` would read.
"""

from __future__ import annotations

import functools
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from solver.errors import InputError, Problem
from solver.instance import Instance, parse_instance
from solver.roster import Roster, parse_roster
from solver.web.db import ChangeRecord, ChangeReport, Job, RosterRecord, Week, now
from solver.web.jobs import FINAL_STATES, new_job
from solver.web.reports import explanation_json

__all__ = [
    "JobView",
    "NotFound",
    "cancel_job",
    "create_week",
    "get_job",
    "get_roster",
    "get_week",
    "instance_of",
    "job_view",
    "parse_upload",
    "publish",
    "record_change",
    "report_for",
    "roster_of",
    "rosters_of",
    "start_solve",
    "week_instance",
]

MAX_TIME_LIMIT = 3600.0
"""The longest solve the pages and the API accept, in seconds."""


class NotFound(LookupError):
    """A week, roster or job id that the database does not hold."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"no {what} {ident}")
        self.what = what
        self.ident = ident


def parse_upload(filename: str, data: bytes) -> tuple[Instance, str]:
    """Read an uploaded week: an instance JSON file or a workbook (``.xlsx``).

    Returns:
        The instance and the JSON to store: the file itself for JSON (a version-1 file stays
        version 1, so its rosters do too), the instance's JSON for a workbook.

    Raises:
        InputError: the file's problems, each naming the file, the entry (or sheet, row and
            column) and the key; an unknown file type.
    """
    name = Path(filename).name or "upload"
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        from solver.files.workbook_read import read_workbook

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            try:
                instance = read_workbook(path)
            except InputError as exc:  # name the upload, not the temporary copy
                raise InputError(
                    [Problem(p.entry, p.key, p.message, name) for p in exc.problems]
                ) from None
        return instance, instance.to_json()
    if suffix == ".json" or suffix == "":
        instance = parse_instance(data, source=name)
        return instance, data.decode("utf-8-sig")
    raise InputError(
        [
            Problem(
                "",
                "",
                f"cannot read a {suffix} file: upload an instance JSON file or a workbook (.xlsx)",
                name,
            )
        ]
    )


def create_week(
    session: Session,
    name: str,
    instance_json: str,
    *,
    source: str = "",
    continues_from: int | None = None,
) -> Week:
    """Store a new week. ``continues_from`` is a week whose published roster this one
    continues (its first solve then starts from that roster and reports the changes)."""
    previous_roster_id = None
    if continues_from is not None:
        previous_roster_id = get_week(session, continues_from).published_roster_id
    week = Week(
        name=name[:200] or "week",
        source=source[:300],
        instance_json=instance_json,
        previous_roster_id=previous_roster_id,
    )
    session.add(week)
    session.flush()
    return week


def get_week(session: Session, week_id: int) -> Week:
    """The week ``week_id``, or :class:`NotFound`."""
    week = session.get(Week, week_id)
    if week is None:
        raise NotFound("week", week_id)
    return week


def get_roster(session: Session, roster_id: int) -> RosterRecord:
    """The roster ``roster_id``, or :class:`NotFound`."""
    record = session.get(RosterRecord, roster_id)
    if record is None:
        raise NotFound("roster", roster_id)
    return record


def get_job(session: Session, job_id: str) -> Job:
    """The job ``job_id``, or :class:`NotFound`."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("job", job_id)
    return job


def week_instance(week: Week) -> Instance:
    """The week's instance as it stands now (read once per text: treat it as read-only)."""
    return _instance(week.instance_json, f"week {week.id}")


def instance_of(record: RosterRecord) -> Instance:
    """The instance the roster was solved for (read-only, as :func:`week_instance`)."""
    return _instance(record.instance_json, f"roster {record.id}")


def roster_of(record: RosterRecord) -> Roster:
    """The stored roster (read once per text: treat it as read-only)."""
    return _roster(record.roster_json, f"roster {record.id}")


# Pages show the same week and roster again and again while solves run beside them: each
# stored text is parsed once. Stored texts never change (a change stores a new text).
@functools.lru_cache(maxsize=16)
def _instance(text: str, source: str) -> Instance:
    return parse_instance(text, source=source)


@functools.lru_cache(maxsize=32)
def _roster(text: str, source: str) -> Roster:
    return parse_roster(text, source=source)


def rosters_of(session: Session, week: Week) -> list[RosterRecord]:
    """Every roster of the week, newest first."""
    query = (
        select(RosterRecord).where(RosterRecord.week_id == week.id).order_by(RosterRecord.id.desc())
    )
    return list(session.scalars(query))


def jobs_of(session: Session, week: Week) -> list[Job]:
    """Every job of the week, newest first."""
    query = select(Job).where(Job.week_id == week.id).order_by(Job.created_at.desc())
    return list(session.scalars(query))


def changes_of(session: Session, week: Week) -> list[ChangeRecord]:
    """The changes recorded on the week, oldest first."""
    query = select(ChangeRecord).where(ChangeRecord.week_id == week.id).order_by(ChangeRecord.id)
    return list(session.scalars(query))


def base_roster_id(week: Week) -> int | None:
    """The roster a new solve of the week replaces: the published one, else the one the week
    continues from (last week's published roster), else none."""
    return week.published_roster_id or week.previous_roster_id


def start_solve(
    session: Session,
    week: Week,
    *,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    label: str = "",
) -> Job:
    """Queue a solve of the week as it stands, from its published roster when it has one.
    The caller commits, then submits the job's id to the runner."""
    return new_job(
        session,
        week,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        previous_roster_id=base_roster_id(week),
        label=label,
    )


def cancel_job(session: Session, job: Job) -> None:
    """Ask the job to stop; a queued job never starts, a running one keeps its best roster."""
    if job.state not in FINAL_STATES:
        job.cancel_requested = True


def publish(session: Session, week: Week, record: RosterRecord) -> None:
    """Make ``record`` the week's published roster (the one staff work from and reruns
    start from)."""
    if record.week_id != week.id:
        raise InputError(
            [Problem(f"roster {record.id}", "week", f"belongs to week {record.week_id}")]
        )
    if record.status not in ("optimal", "feasible"):
        raise InputError(
            [
                Problem(
                    f"roster {record.id}", "status", f"a {record.status} roster cannot be published"
                )
            ]
        )
    week.published_roster_id = record.id
    record.published_at = now()


def record_change(session: Session, week: Week, change: Any) -> ChangeRecord:
    """Apply a change (see :mod:`solver.web.changes`) to the week's instance and log it,
    keeping the instance as it was before."""
    from solver.web.changes import apply_change

    before = week.instance_json
    instance, sentence = apply_change(week_instance(week), change)
    week.instance_json = instance.to_json()
    entry = ChangeRecord(
        week_id=week.id, kind=str(change.kind), summary=sentence, instance_before=before
    )
    session.add(entry)
    session.flush()
    return entry


def add_roster(
    session: Session,
    week: Week,
    instance: Instance,
    roster: Roster,
    *,
    label: str,
    previous_roster_id: int | None,
) -> RosterRecord:
    """Store a roster made outside a solve (an accepted recommendation), with its change
    report against the roster it replaces."""
    from solver.web.reports import change_report

    record = RosterRecord(
        week_id=week.id,
        instance_json=instance.to_json(),
        roster_json=roster.to_json(),
        status=roster.status,
        objective=roster.objective,
        best_bound=roster.best_bound,
        unassigned=len(roster.unassigned),
        previous_roster_id=previous_roster_id,
        label=label[:300],
    )
    previous = None
    if previous_roster_id is not None:
        previous = roster_of(get_roster(session, previous_roster_id))
    record.explanation_json = explanation_json(instance, roster, previous)
    session.add(record)
    session.flush()
    if previous is not None and previous_roster_id is not None:
        report = change_report(previous, roster, instance)
        session.add(
            ChangeReport(
                week_id=week.id,
                from_roster_id=previous_roster_id,
                to_roster_id=record.id,
                report_json=json.dumps(report),
            )
        )
    return record


def explanation_of(session: Session, record: RosterRecord) -> dict[str, Any]:
    """The roster's explanation: stored with it, or worked out now (older rows).

    Raises:
        InputError: the roster does not fit its instance.
    """
    from solver.web.reports import explanation

    if record.explanation_json is not None:
        data: dict[str, Any] = json.loads(record.explanation_json)
        return data
    previous = None
    if record.previous_roster_id is not None:
        previous = roster_of(get_roster(session, record.previous_roster_id))
    return explanation(instance_of(record), roster_of(record), previous)


def report_for(session: Session, record: RosterRecord) -> dict[str, Any] | None:
    """The change report from the roster ``record`` replaced, if it replaced one."""
    query = select(ChangeReport).where(ChangeReport.to_roster_id == record.id)
    report = session.scalars(query).first()
    if report is None:
        return None
    data: dict[str, Any] = json.loads(report.report_json)
    data["from_roster_id"] = report.from_roster_id
    data["to_roster_id"] = report.to_roster_id
    return data


@dataclass(frozen=True)
class JobView:
    """A job's state as pages and the API show it."""

    id: str
    week_id: int
    state: str
    label: str
    time_limit: float
    seconds: float | None
    objective: int | None
    bound: float | None
    clients: int
    placed_at_least: int | None
    time_left: float | None
    roster_id: int | None
    error: str
    created_at: str
    finished_at: str | None

    def as_dict(self) -> dict[str, Any]:
        """The view as JSON-ready data."""
        return dict(self.__dict__)


def job_view(job: Job, unassigned_weight: int | None = None) -> JobView:
    """The job's state; ``placed_at_least`` counts the clients the best roster so far
    surely places (each client left out costs at least ``unassigned_weight``)."""
    placed = None
    if job.objective is not None and unassigned_weight:
        placed = max(0, job.clients - job.objective // unassigned_weight)
    time_left = None
    if job.state == "running" and job.started_at is not None:
        elapsed = (now() - job.started_at).total_seconds()
        time_left = max(0.0, job.time_limit - elapsed)
    return JobView(
        id=job.id,
        week_id=job.week_id,
        state=job.state,
        label=job.label,
        time_limit=job.time_limit,
        seconds=job.seconds,
        objective=job.objective,
        bound=job.bound,
        clients=job.clients,
        placed_at_least=placed,
        time_left=time_left,
        roster_id=job.roster_id,
        error=job.error,
        created_at=job.created_at.isoformat() + "Z",
        finished_at=job.finished_at.isoformat() + "Z" if job.finished_at else None,
    )


def unassigned_weight(week: Week) -> int:
    """The weight of one unassigned client in the week's instance."""
    return week_instance(week).program.weights.unassigned
