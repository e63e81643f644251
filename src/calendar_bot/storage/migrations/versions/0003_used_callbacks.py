"""Remember callbacks already acted on, so a replayed button click or dialog is refused.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 22:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_callbacks",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_used_callbacks_used_at", "used_callbacks", ["used_at"])


def downgrade() -> None:
    op.drop_index("ix_used_callbacks_used_at", table_name="used_callbacks")
    op.drop_table("used_callbacks")
