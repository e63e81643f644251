"""Initial schema: every table of the first release.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26 21:44:44.212812
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    # The app maps these to UTCDateTime; migrations stay independent of app code.
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversation_state",
        sa.Column("mm_user_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("mm_user_id", name=op.f("pk_conversation_state")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mm_user_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_at", _utc(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=True),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_until", _utc(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_outbox_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_mm_user_id"), "outbox", ["mm_user_id"], unique=False)
    op.create_index(
        op.f("ix_outbox_status_next_attempt_at"),
        "outbox",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_table(
        "scheduler_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("last_tick_at", _utc(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_state")),
    )
    op.create_table(
        "users",
        sa.Column("mm_user_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), server_default="", nullable=False),
        sa.Column("caldav_base_url", sa.Text(), nullable=False),
        sa.Column("principal_url", sa.Text(), server_default="", nullable=False),
        sa.Column("caldav_username", sa.String(length=320), nullable=False),
        sa.Column("password_enc", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=16), server_default="ru", nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="Europe/Moscow", nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("auth_state", sa.String(length=20), server_default="active", nullable=False),
        sa.Column(
            "reconnect_notified", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("baseline_done", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("next_poll_at", _utc(), nullable=False),
        sa.Column("last_poll_at", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.CheckConstraint(
            "auth_state IN ('active', 'needs_reconnect')", name=op.f("ck_users_auth_state")
        ),
        sa.PrimaryKeyConstraint("mm_user_id", name=op.f("pk_users")),
    )
    op.create_index(
        op.f("ix_users_auth_state_next_poll_at"),
        "users",
        ["auth_state", "next_poll_at"],
        unique=False,
    )
    op.create_table(
        "calendars",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mm_user_id", sa.String(length=64), nullable=False),
        sa.Column("href", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column("color", sa.String(length=32), server_default="", nullable=False),
        sa.Column("ctag", sa.Text(), server_default="", nullable=False),
        sa.Column("sync_token", sa.Text(), server_default="", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("writable", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(
            ["mm_user_id"],
            ["users.mm_user_id"],
            name=op.f("fk_calendars_mm_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendars")),
        sa.UniqueConstraint("mm_user_id", "href", name=op.f("uq_calendars_mm_user_id_href")),
    )
    op.create_table(
        "digest_log",
        sa.Column("mm_user_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mm_user_id"],
            ["users.mm_user_id"],
            name=op.f("fk_digest_log_mm_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mm_user_id", "day", name=op.f("pk_digest_log")),
    )
    op.create_table(
        "occurrences",
        sa.Column("mm_user_id", sa.String(length=64), nullable=False),
        sa.Column("calendar_href", sa.Text(), nullable=False),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.Column("recurrence_id", sa.String(length=32), nullable=False),
        sa.Column("start_at", _utc(), nullable=False),
        sa.Column("end_at", _utc(), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("my_partstat", sa.String(length=16), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mm_user_id"],
            ["users.mm_user_id"],
            name=op.f("fk_occurrences_mm_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "mm_user_id", "calendar_href", "uid", "recurrence_id", name=op.f("pk_occurrences")
        ),
    )
    op.create_index(op.f("ix_occurrences_start_at"), "occurrences", ["start_at"], unique=False)
    op.create_table(
        "own_events",
        sa.Column("mm_user_id", sa.String(length=64), nullable=False),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mm_user_id"],
            ["users.mm_user_id"],
            name=op.f("fk_own_events_mm_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mm_user_id", "uid", name=op.f("pk_own_events")),
    )


def downgrade() -> None:
    op.drop_table("own_events")
    op.drop_index(op.f("ix_occurrences_start_at"), table_name="occurrences")
    op.drop_table("occurrences")
    op.drop_table("digest_log")
    op.drop_table("calendars")
    op.drop_index(op.f("ix_users_auth_state_next_poll_at"), table_name="users")
    op.drop_table("users")
    op.drop_table("scheduler_state")
    op.drop_index(op.f("ix_outbox_status_next_attempt_at"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_mm_user_id"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("conversation_state")
