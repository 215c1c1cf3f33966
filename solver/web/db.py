"""The web application's database: weeks, the rosters solved for them, jobs and change reports.

SQLite by default (one file; WAL journal so that the web process reads while a solve
process writes), any SQLAlchemy URL otherwise (PostgreSQL where a portal already runs
one). The tables are created and upgraded by Alembic (:func:`upgrade`), never by
``create_all``, so that a later version of the library migrates an existing database.

Every table keeps JSON as text, written by the library's own models: what is stored is
exactly what ``python -m solver`` reads and writes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

__all__ = [
    "Base",
    "ChangeRecord",
    "ChangeReport",
    "Job",
    "RosterRecord",
    "Week",
    "make_engine",
    "make_sessions",
    "now",
    "upgrade",
]

MIGRATIONS = Path(__file__).parent / "migrations"


def now() -> dt.datetime:
    """The current time in UTC (stored without time zone, read as UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """The tables' common base."""


class Week(Base):
    """One program's week: its instance as it stands now, and the roster published for it."""

    __tablename__ = "weeks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    instance_json: Mapped[str] = mapped_column(Text)
    published_roster_id: Mapped[int | None] = mapped_column(
        ForeignKey("rosters.id", use_alter=True, name="fk_week_published"), nullable=True
    )
    # The roster this week continues from (last week's published roster): reruns of a
    # week with nothing published yet start from it.
    previous_roster_id: Mapped[int | None] = mapped_column(
        ForeignKey("rosters.id", use_alter=True, name="fk_week_previous"), nullable=True
    )


class RosterRecord(Base):
    """A roster solved for a week, with the instance it answers (the week may change later)."""

    __tablename__ = "rosters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_id: Mapped[int] = mapped_column(ForeignKey("weeks.id"), index=True)
    job_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    instance_json: Mapped[str] = mapped_column(Text)
    roster_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    objective: Mapped[int | None] = mapped_column(Integer, nullable=True)
    best_bound: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unassigned: Mapped[int] = mapped_column(Integer, default=0)
    # The roster this one replaces (the published one when it was solved), if any.
    previous_roster_id: Mapped[int | None] = mapped_column(ForeignKey("rosters.id"), nullable=True)
    label: Mapped[str] = mapped_column(String(300), default="")
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # The penalties with their sentences and the reasons, worked out once by the process
    # that made the roster (migration 0002; None for older rows: worked out when shown).
    explanation_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class Job(Base):
    """A solve: queued, running, then done (with a roster), failed or cancelled."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    week_id: Mapped[int] = mapped_column(ForeignKey("weeks.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    time_limit: Mapped[float] = mapped_column(Float)
    workers: Mapped[int] = mapped_column(Integer, default=1)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    previous_roster_id: Mapped[int | None] = mapped_column(ForeignKey("rosters.id"), nullable=True)
    label: Mapped[str] = mapped_column(String(300), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    objective: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bound: Mapped[float | None] = mapped_column(Float, nullable=True)
    clients: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    roster_id: Mapped[int | None] = mapped_column(ForeignKey("rosters.id"), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ChangeRecord(Base):
    """A change recorded on a week (a discharge, an intake, a therapist off...)."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_id: Mapped[int] = mapped_column(ForeignKey("weeks.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    # The week's instance before the change: nothing is lost by recording one.
    instance_before: Mapped[str] = mapped_column(Text)


class ChangeReport(Base):
    """What changed between two rosters of a week, as the sentences ``diff`` prints."""

    __tablename__ = "change_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_id: Mapped[int] = mapped_column(ForeignKey("weeks.id"), index=True)
    from_roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id"))
    to_roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    report_json: Mapped[str] = mapped_column(Text)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys."""
    sqlite = url.startswith("sqlite")
    kwargs: dict[str, Any] = {}
    if sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **kwargs)
    if sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def make_sessions(engine: Engine) -> sessionmaker[Any]:
    """The session factory the application and the solve processes use."""
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the tables to ``revision``, the newest by default (Alembic's
    ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
