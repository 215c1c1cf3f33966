"""The database: Alembic builds it, and a database of an older revision upgrades with its
rows kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("alembic")
import sqlalchemy as sa  # noqa: E402

from solver import load_instance, solve  # noqa: E402
from solver.options import SolveOptions  # noqa: E402
from solver.web import store  # noqa: E402
from solver.web.db import RosterRecord, make_engine, make_sessions, upgrade  # noqa: E402

TINY = Path(__file__).parents[2] / "instances" / "tiny.json"


def test_an_older_database_upgrades_and_keeps_its_rosters(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    upgrade(engine, "0001")  # a database made before rosters kept their explanation
    instance = load_instance(TINY)
    roster = solve(instance, SolveOptions(time_limit=5, workers=1, seed=0))
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO weeks (id, name, source, created_at, instance_json) "
                "VALUES (1, 'tiny', 'tiny.json', '2026-11-29 10:00:00', :text)"
            ),
            {"text": TINY.read_text()},
        )
        connection.execute(
            sa.text(
                "INSERT INTO rosters (id, week_id, created_at, instance_json, roster_json, "
                "status, objective, unassigned, label) VALUES (1, 1, '2026-11-29 10:01:00', "
                ":instance, :roster, :status, :objective, 0, 'solve')"
            ),
            {
                "instance": TINY.read_text(),
                "roster": roster.to_json(),
                "status": roster.status,
                "objective": roster.objective,
            },
        )
    upgrade(engine)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("rosters")}
    assert "explanation_json" in columns
    with make_sessions(engine)() as session:
        record = session.get(RosterRecord, 1)
        assert record is not None and record.explanation_json is None
        explained = store.explanation_of(session, record)  # worked out when shown
        assert sum(explained["totals"].values()) == roster.objective
        assert json.loads(record.roster_json) == json.loads(roster.to_json())
    engine.dispose()


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/twice.db")
    upgrade(engine)
    upgrade(engine)
    with engine.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0002"
    engine.dispose()
