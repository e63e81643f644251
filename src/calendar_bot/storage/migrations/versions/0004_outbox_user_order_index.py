"""Index the outbox by user, status and due time for the claim's per-user order check.

The claim skips a row while an earlier pending row of the same user is held back; without
this index SQLite answered that check by scanning every pending row, once per candidate, so
a claim of 500 rows among 1,500 pending took most of a second.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_mm_user_id_status_due_at", "outbox", ["mm_user_id", "status", "due_at"]
    )
    op.drop_index("ix_outbox_mm_user_id", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_mm_user_id", "outbox", ["mm_user_id"])
    op.drop_index("ix_outbox_mm_user_id_status_due_at", table_name="outbox")
