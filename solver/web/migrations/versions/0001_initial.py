"""weeks, rosters, jobs, changes and change reports

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("instance_json", sa.Text(), nullable=False),
        sa.Column("published_roster_id", sa.Integer(), nullable=True),
        sa.Column("previous_roster_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("instance_before", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["week_id"],
            ["weeks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_changes_week_id"), ["week_id"], unique=False)

    op.create_table(
        "rosters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("instance_json", sa.Text(), nullable=False),
        sa.Column("roster_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("objective", sa.Integer(), nullable=True),
        sa.Column("best_bound", sa.Integer(), nullable=True),
        sa.Column("unassigned", sa.Integer(), nullable=False),
        sa.Column("previous_roster_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["previous_roster_id"],
            ["rosters.id"],
        ),
        sa.ForeignKeyConstraint(
            ["week_id"],
            ["weeks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rosters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rosters_week_id"), ["week_id"], unique=False)

    op.create_table(
        "change_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_id", sa.Integer(), nullable=False),
        sa.Column("from_roster_id", sa.Integer(), nullable=False),
        sa.Column("to_roster_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_roster_id"],
            ["rosters.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_roster_id"],
            ["rosters.id"],
        ),
        sa.ForeignKeyConstraint(
            ["week_id"],
            ["weeks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_reports_to_roster_id"), ["to_roster_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_change_reports_week_id"), ["week_id"], unique=False)

    # weeks and rosters point at each other: the weeks' keys come once both exist.
    with op.batch_alter_table("weeks", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_week_published", "rosters", ["published_roster_id"], ["id"])
        batch_op.create_foreign_key("fk_week_previous", "rosters", ["previous_roster_id"], ["id"])

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("week_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("time_limit", sa.Float(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("previous_roster_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("objective", sa.Integer(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["previous_roster_id"],
            ["rosters.id"],
        ),
        sa.ForeignKeyConstraint(
            ["roster_id"],
            ["rosters.id"],
        ),
        sa.ForeignKeyConstraint(
            ["week_id"],
            ["weeks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_week_id"), ["week_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_week_id"))
        batch_op.drop_index(batch_op.f("ix_jobs_state"))

    op.drop_table("jobs")
    with op.batch_alter_table("change_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_reports_week_id"))
        batch_op.drop_index(batch_op.f("ix_change_reports_to_roster_id"))

    op.drop_table("change_reports")
    with op.batch_alter_table("rosters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rosters_week_id"))

    op.drop_table("rosters")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_week_id"))

    op.drop_table("changes")
    with op.batch_alter_table("weeks", schema=None) as batch_op:
        batch_op.drop_constraint("fk_week_previous", type_="foreignkey")
        batch_op.drop_constraint("fk_week_published", type_="foreignkey")
    op.drop_table("weeks")
