"""Remember each user's DM channel with the bot.

Without it the first post to every user after a restart costs an extra request
(POST /channels/direct), which at the minute mark of many reminders halves the throughput
the Mattermost rate limit allows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 22:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("dm_channel_id", sa.String(length=64), server_default="", nullable=False),
    )


def downgrade() -> None:
    # SQLite cannot drop a column in place: batch mode rebuilds the table.
    with op.batch_alter_table("users") as batch:
        batch.drop_column("dm_channel_id")
