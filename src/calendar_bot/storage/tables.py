"""The schema, as SQLAlchemy Core tables. The migrations create exactly this (a test checks)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

from calendar_bot.records import AUTH_ACTIVE as AUTH_ACTIVE
from calendar_bot.records import AUTH_NEEDS_RECONNECT as AUTH_NEEDS_RECONNECT
from calendar_bot.records import OUTBOX_FAILED as OUTBOX_FAILED
from calendar_bot.records import OUTBOX_PENDING as OUTBOX_PENDING
from calendar_bot.records import OUTBOX_SENT as OUTBOX_SENT
from calendar_bot.storage.types import UTCDateTime

# Fixed names so that migrations and the metadata agree on every dialect.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

USER_ID = 64  # Mattermost ids are 26 characters; room for other chats' ids


users = Table(
    "users",
    metadata,
    Column("mm_user_id", String(USER_ID), primary_key=True),
    Column("email", String(320), nullable=False, server_default=""),
    Column("caldav_base_url", Text, nullable=False),
    Column("principal_url", Text, nullable=False, server_default=""),
    Column("caldav_username", String(320), nullable=False),
    Column("password_enc", Text, nullable=False),  # a Fernet token, never the password
    Column("locale", String(16), nullable=False, server_default="ru"),
    Column("timezone", String(64), nullable=False, server_default="Europe/Moscow"),
    Column("settings", JSON, nullable=False),
    Column("auth_state", String(20), nullable=False, server_default=AUTH_ACTIVE),
    Column("reconnect_notified", Boolean, nullable=False, server_default=false()),
    Column("baseline_done", Boolean, nullable=False, server_default=false()),
    Column("next_poll_at", UTCDateTime, nullable=False),
    Column("last_poll_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The DM channel with the bot, once known: a post then costs one request, not two,
    # even right after a restart (migration 0002).
    Column("dm_channel_id", String(64), nullable=False, server_default=""),
    # The calendar home a poll found: the first poll after a restart lists it at once,
    # without asking the principal first (migration 0005).
    Column("home_url", Text, nullable=False, server_default=""),
    # Where the horizon of the stored snapshot starts (services/context.py, sync_window);
    # NULL: a snapshot from before 0005, on the midnight-aligned horizon of last_poll_at.
    Column("window_start", UTCDateTime, nullable=True),
    CheckConstraint(
        f"auth_state IN ('{AUTH_ACTIVE}', '{AUTH_NEEDS_RECONNECT}')", name="auth_state"
    ),
    # "Who is due for polling": active users by next_poll_at.
    Index(None, "auth_state", "next_poll_at"),
)

# No foreign key: someone who has only started connecting has a state but no user row.
conversation_state = Table(
    "conversation_state",
    metadata,
    Column("mm_user_id", String(USER_ID), primary_key=True),
    Column("state", String(64), nullable=False),
    Column("data", JSON, nullable=False),
    Column("message_id", String(64), nullable=False, server_default=""),
    Column("updated_at", UTCDateTime, nullable=False),
)

calendars = Table(
    "calendars",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "mm_user_id",
        String(USER_ID),
        ForeignKey("users.mm_user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("href", Text, nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    Column("color", String(32), nullable=False, server_default=""),
    Column("ctag", Text, nullable=False, server_default=""),
    Column("sync_token", Text, nullable=False, server_default=""),
    Column("enabled", Boolean, nullable=False, server_default=true()),
    # muted: listed, but no change notices and no reminders (migration 0007)
    Column("muted", Boolean, nullable=False, server_default=false()),
    Column("writable", Boolean, nullable=False, server_default=true()),
    UniqueConstraint("mm_user_id", "href"),
)

occurrences = Table(
    "occurrences",
    metadata,
    Column(
        "mm_user_id",
        String(USER_ID),
        ForeignKey("users.mm_user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("calendar_href", Text, primary_key=True),
    Column("uid", Text, primary_key=True),
    Column("recurrence_id", String(32), primary_key=True),
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime, nullable=False),
    Column("all_day", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("my_partstat", String(16), nullable=True),
    Column("title", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # No reminder of this occurrence fires before it; NULL: none will. The minute tick
    # reads only rows at or past it and moves each on to its next one (migration 0005).
    Column("remind_at", UTCDateTime, nullable=True),
    Index(None, "start_at"),
    Index(None, "remind_at"),
)

# No foreign key: a goodbye message may be queued for someone who just logged out.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mm_user_id", String(USER_ID), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False, server_default=OUTBOX_PENDING),
    Column("post_id", String(64), nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("claimed_by", String(128), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("idempotency_key"),
    CheckConstraint(
        f"status IN ('{OUTBOX_PENDING}', '{OUTBOX_SENT}', '{OUTBOX_FAILED}')", name="status"
    ),
    Index(None, "status", "next_attempt_at"),
    # the claim's check for an earlier held-back row of the same user (see migration 0004)
    Index(None, "mm_user_id", "status", "due_at"),
)

digest_log = Table(
    "digest_log",
    metadata,
    Column(
        "mm_user_id",
        String(USER_ID),
        ForeignKey("users.mm_user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("day", Date, primary_key=True),
    Column("sent_at", UTCDateTime, nullable=False),
)

# Callbacks already acted on (a Mattermost trigger id, a dialog's nonce): a replayed one is
# refused. Kept a day; a replay older than that fails the freshness check anyway.
used_callbacks = Table(
    "used_callbacks",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("used_at", UTCDateTime, nullable=False, index=True),
)

own_events = Table(
    "own_events",
    metadata,
    Column(
        "mm_user_id",
        String(USER_ID),
        ForeignKey("users.mm_user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("uid", Text, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    # Being changed by its organizer through the bot until then: no poll tells its changes
    # (migration 0008); NULL: not being changed.
    Column("quiet_until", UTCDateTime, nullable=True),
)

scheduler_state = Table(
    "scheduler_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=True),
    Column("last_tick_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Presence (domain/presence.py): the custom status and DND the bot holds for a person during
# a meeting, with what to restore after it; a row exists only while the bot holds something.
# `claimed_until`: the replica acting on the row now (its Mattermost calls are outside any
# transaction), so that of several replicas exactly one sets or restores a status.
presence = Table(
    "presence",
    metadata,
    Column(
        "mm_user_id",
        String(USER_ID),
        ForeignKey("users.mm_user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("until_at", UTCDateTime, nullable=True),  # NULL: claimed, nothing set yet
    Column("emoji", String(64), nullable=False, server_default=""),
    Column("text", Text, nullable=False, server_default=""),
    Column("custom_owned", Boolean, nullable=False, server_default=false()),
    Column("dnd_owned", Boolean, nullable=False, server_default=false()),
    Column("previous", JSON, nullable=True),  # the person's custom status before the bot's
    Column("previous_status", String(16), nullable=False, server_default=""),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Every table that holds rows about one user, in a safe deletion order.
PER_USER_TABLES = (
    presence,
    occurrences,
    calendars,
    own_events,
    digest_log,
    outbox,
    conversation_state,
    users,
)
