"""Initial schema: contexts, revisions, sleep runs, artifacts and queries.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create every table of the first schema."""
    op.create_table(
        "contexts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contexts"),
        sa.UniqueConstraint("tenant", "name", name="uq_contexts_tenant_name"),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("n_chars", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_revisions"),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["contexts.id"],
            name="fk_revisions_context_id_contexts",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("context_id", "seq", name="uq_revisions_context_id_seq"),
    )
    op.create_index("ix_revisions_context_id_sha256", "revisions", ["context_id", "sha256"])
    op.create_table(
        "sleep_runs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("recipe", sa.String(200), nullable=False),
        sa.Column("recipe_version", sa.String(50), nullable=False),
        sa.Column("prompt_versions", sa.JSON(), nullable=False),
        sa.Column("backend", sa.String(100), nullable=False),
        sa.Column("model", sa.String(500), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("wall_time_s", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("partial_text", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sleep_runs"),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revisions.id"],
            name="fk_sleep_runs_revision_id_revisions",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_sleep_runs_revision_id", "sleep_runs", ["revision_id"])
    op.create_index("ix_sleep_runs_status_heartbeat_at", "sleep_runs", ["status", "heartbeat_at"])
    op.create_table(
        "artifacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("n_chars", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("anticipated", sa.JSON(), nullable=False),
        sa.Column("format_version", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_artifacts"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["sleep_runs.id"],
            name="fk_artifacts_run_id_sleep_runs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revisions.id"],
            name="fk_artifacts_revision_id_revisions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("run_id", name="uq_artifacts_run_id"),
    )
    op.create_index("ix_artifacts_revision_id", "artifacts", ["revision_id"])
    op.create_table(
        "queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("budget", sa.Integer(), nullable=False),
        sa.Column("layout", sa.String(50), nullable=True),
        sa.Column("max_tokens", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("backend", sa.String(100), nullable=False),
        sa.Column("model", sa.String(500), nullable=False),
        sa.Column("prompt_version", sa.String(50), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_s", sa.Float(), nullable=False),
        sa.Column("first_token_s", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_queries"),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["contexts.id"],
            name="fk_queries_context_id_contexts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revisions.id"],
            name="fk_queries_revision_id_revisions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name="fk_queries_artifact_id_artifacts",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_queries_context_id", "queries", ["context_id"])
    op.create_index("ix_queries_revision_id", "queries", ["revision_id"])
    op.create_index("ix_queries_artifact_id", "queries", ["artifact_id"])


def downgrade() -> None:
    """Drop every table (all stored contexts, runs and answers are lost)."""
    for index, table in (
        ("ix_queries_artifact_id", "queries"),
        ("ix_queries_revision_id", "queries"),
        ("ix_queries_context_id", "queries"),
    ):
        op.drop_index(index, table_name=table)
    op.drop_table("queries")
    op.drop_index("ix_artifacts_revision_id", table_name="artifacts")
    op.drop_table("artifacts")
    op.drop_index("ix_sleep_runs_status_heartbeat_at", table_name="sleep_runs")
    op.drop_index("ix_sleep_runs_revision_id", table_name="sleep_runs")
    op.drop_table("sleep_runs")
    op.drop_index("ix_revisions_context_id_sha256", table_name="revisions")
    op.drop_table("revisions")
    op.drop_table("contexts")
