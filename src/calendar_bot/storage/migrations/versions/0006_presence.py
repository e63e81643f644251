"""Presence (issue 18, item 4): what the bot holds for a person during a meeting.

One row per person while the bot holds their custom status (and maybe Do Not Disturb): until
when, the status it set (to tell whether the person changed it meanwhile), whether each part
is still the bot's, and the person's own status before, to restore. In the database so that a
restart mid-meeting restores what was there; `claimed_until` lets one replica act at a time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from calendar_bot.storage.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("mm_user_id", sa.String(length=64), nullable=False),
        sa.Column("until_at", UTCDateTime(), nullable=True),
        sa.Column("emoji", sa.String(length=64), server_default="", nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("custom_owned", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("dnd_owned", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("previous", sa.JSON(), nullable=True),
        sa.Column("previous_status", sa.String(length=16), server_default="", nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mm_user_id"],
            ["users.mm_user_id"],
            name=op.f("fk_presence_mm_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mm_user_id", name=op.f("pk_presence")),
    )


def downgrade() -> None:
    op.drop_table("presence")
