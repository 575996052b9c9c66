"""Room for composed prompt versions: ``queries.prompt_version`` becomes text.

An answer's prompt version names the answer prompt, the layout policy and, for reasoning
requests, more; it outgrew 50 characters, which SQLite ignored and PostgreSQL refused.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Widen the column (SQLite rebuilds the table; PostgreSQL alters it in place)."""
    with op.batch_alter_table("queries") as batch:
        batch.alter_column(
            "prompt_version", existing_type=sa.String(50), type_=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    """Back to 50 characters (longer values would be cut by the database or refused)."""
    with op.batch_alter_table("queries") as batch:
        batch.alter_column(
            "prompt_version", existing_type=sa.Text(), type_=sa.String(50), existing_nullable=False
        )
