"""A change of one's own meeting held quiet across replicas (issue 17, item 3).

While a person's change of their own meeting is written and its follow-up poll stores it,
another replica's poll may land between the two and would tell the change back to its
author. `own_events.quiet_until` marks the UIDs being changed, read by every replica's poll;
NULL for every row there is (none is being changed).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from calendar_bot.storage.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("own_events", sa.Column("quiet_until", UTCDateTime(), nullable=True))


def downgrade() -> None:
    # SQLite cannot drop a column in place: batch mode rebuilds the table.
    with op.batch_alter_table("own_events") as batch:
        batch.drop_column("quiet_until")
