"""A muted calendar (issue 18, item 2): still listed, but no change notices and no reminders.

`enabled` already means "polled at all" (a calendar not polled is in no list), so muting is
a column of its own, false for every row there is.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "calendars", sa.Column("muted", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    # SQLite cannot drop a column in place: batch mode rebuilds the table.
    with op.batch_alter_table("calendars") as batch:
        batch.drop_column("muted")
