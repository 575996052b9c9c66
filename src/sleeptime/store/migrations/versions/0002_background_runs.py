"""Background sleep: queued runs with leases, debounce, priorities and supersession.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_ACTIVE = "status IN ('queued', 'running')"  # schema.ACTIVE_SQL at this revision


def upgrade() -> None:
    """Add the queue and lease columns to runs and the job key to artifacts."""
    with op.batch_alter_table("sleep_runs") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(20), nullable=False, server_default="foreground")
        )
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("priority", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(sa.Column("lease_owner", sa.String(200), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("job_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("stop_status", sa.String(20), nullable=True))
        batch.add_column(sa.Column("stop_reason", sa.Text(), nullable=True))
    op.create_index("ix_sleep_runs_status_not_before", "sleep_runs", ["status", "not_before"])
    op.create_index(
        "ix_sleep_runs_active_job_key",
        "sleep_runs",
        ["job_key"],
        unique=True,
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
    )
    with op.batch_alter_table("artifacts") as batch:
        batch.add_column(sa.Column("job_key", sa.String(64), nullable=True))
    op.create_index("ix_artifacts_job_key", "artifacts", ["job_key"], unique=True)


def downgrade() -> None:
    """Drop what ``upgrade`` added."""
    op.drop_index("ix_artifacts_job_key", table_name="artifacts")
    with op.batch_alter_table("artifacts") as batch:
        batch.drop_column("job_key")
    op.drop_index("ix_sleep_runs_active_job_key", table_name="sleep_runs")
    op.drop_index("ix_sleep_runs_status_not_before", table_name="sleep_runs")
    with op.batch_alter_table("sleep_runs") as batch:
        for column in (
            "stop_reason", "stop_status", "job_key", "lease_expires_at", "lease_owner",
            "max_attempts", "attempt", "priority", "not_before", "queued_at", "origin",
        ):  # fmt: skip
            batch.drop_column(column)
