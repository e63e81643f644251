"""Scale (issue 19): the calendar home and the snapshot's window per user, a reminder index.

- users.home_url: the calendar home a poll found. With it the first poll after a restart
  lists the home at once (1 request), instead of asking the principal first (2).
- users.window_start: where the horizon of the user's stored snapshot starts. Each user's
  horizon now moves at a time of day of its own (services/context.py), so midnight UTC no
  longer re-reads every calendar at once; the column says which horizon a snapshot covers.
  Empty for rows from before: their snapshot is on the old, midnight-aligned horizon.
- occurrences.remind_at: no reminder of this occurrence fires before it (NULL: none will).
  The minute tick reads only the rows at or past it, through its index, and moves each read
  row on to its next reminder. Existing rows start at the earliest moment any of their
  reminders could fire (38 hours before start: a day's lead plus 14 hours of UTC offset).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from calendar_bot.storage.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("home_url", sa.Text(), server_default="", nullable=False))
    op.add_column("users", sa.Column("window_start", UTCDateTime(), nullable=True))
    op.add_column("occurrences", sa.Column("remind_at", UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE occurrences SET remind_at = start_at - interval '38 hours'"
            " WHERE status != 'cancelled'"
        )
    else:  # SQLite keeps UTC as fixed-width text (storage/types.py)
        op.execute(
            "UPDATE occurrences"
            " SET remind_at = strftime('%Y-%m-%d %H:%M:%f', start_at, '-38 hours') || '000'"
            " WHERE status != 'cancelled'"
        )
    op.create_index("ix_occurrences_remind_at", "occurrences", ["remind_at"])


def downgrade() -> None:
    op.drop_index("ix_occurrences_remind_at", table_name="occurrences")
    with op.batch_alter_table("occurrences") as batch:
        batch.drop_column("remind_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("window_start")
        batch.drop_column("home_url")
