"""Directory contexts: ``contexts.source`` holds a folder's root and what to include.

A text context keeps NULL; a directory context's revisions are manifests of the folder's
snapshots, and this column tells sleep and the agent where the files are.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the nullable column (no rewrite of existing rows on either database)."""
    op.add_column("contexts", sa.Column("source", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop the column (SQLite rebuilds the table)."""
    with op.batch_alter_table("contexts") as batch:
        batch.drop_column("source")
