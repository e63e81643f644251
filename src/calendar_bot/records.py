"""The records the store holds, as the services see them: plain frozen values.

Neutral ground between `services/` (which read and write them through `ports.Store`) and
`storage/` (which maps them to tables). Nothing here does I/O or knows a key: a stored
password stays a Fernet token until a service decrypts it (services/credentials.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calendar_bot.domain.model import Occurrence, UserSettings
from calendar_bot.domain.snapshot_delta import RowChanges

AUTH_ACTIVE = "active"
AUTH_NEEDS_RECONNECT = "needs_reconnect"

OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"


@dataclass(frozen=True, slots=True)
class StoredUser:
    mm_user_id: str
    email: str
    caldav_base_url: str
    principal_url: str
    caldav_username: str
    password_enc: str = field(repr=False)  # a Fernet token; decrypted by a service
    settings: UserSettings = field(default_factory=UserSettings)
    auth_state: str = AUTH_ACTIVE
    reconnect_notified: bool = False
    baseline_done: bool = False
    next_poll_at: datetime | None = None
    last_poll_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    dm_channel_id: str = ""  # the DM channel with the bot, once a post went there
    home_url: str = ""  # the calendar home a poll found (a restart then lists it at once)
    window_start: datetime | None = None  # where the stored snapshot's horizon starts

    @property
    def needs_reconnect(self) -> bool:
        return self.auth_state == AUTH_NEEDS_RECONNECT


@dataclass(frozen=True, slots=True)
class ConversationState:
    mm_user_id: str
    state: str
    data: dict[str, Any] = field(default_factory=dict)
    message_id: str = ""  # the post of the last step, to update or disable its buttons
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A message to enqueue. `idempotency_key` is unique forever: the same key twice is
    one message."""

    mm_user_id: str
    idempotency_key: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    due_at: datetime | None = None  # None: due at once (the `now` given to enqueue)


@dataclass(frozen=True, slots=True)
class TokenUpdate:
    """A calendar's tags, as a poll found them."""

    mm_user_id: str
    href: str
    ctag: str
    sync_token: str


@dataclass(frozen=True, slots=True)
class SnapshotWrite:
    """The rows of one calendar's snapshot that a poll changed, found at `now`."""

    mm_user_id: str
    calendar_href: str
    changes: RowChanges
    now: datetime


@dataclass(frozen=True, slots=True)
class TouchedQuery:
    """The stored rows of one calendar that a delta can change (SnapshotStore.load_touched):
    those of the event objects `objects` (hrefs) and every row sharing a UID with them or
    with `uids`."""

    mm_user_id: str
    calendar_href: str
    objects: frozenset[str]
    uids: frozenset[str]


@dataclass(frozen=True, slots=True)
class OwnMarks:
    """A person's own events, as a poll's diff needs them (OwnEventStore.marks): by UID."""

    made: frozenset[str]  # created through the bot: never announced back to them as new
    held: frozenset[str]  # being changed through the bot now: their changes are not told


@dataclass(frozen=True, slots=True)
class PollMark:
    """A user polled at `polled_at`, due again at `next_poll_at`, their snapshot stored over
    the horizon starting at `window_start`."""

    mm_user_id: str
    polled_at: datetime
    next_poll_at: datetime
    window_start: datetime


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    mm_user_id: str
    idempotency_key: str
    kind: str
    payload: dict[str, Any]
    due_at: datetime
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    status: str
    post_id: str | None
    sent_at: datetime | None
    claimed_by: str | None
    claimed_until: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ReminderCandidate:
    mm_user_id: str
    occurrence: Occurrence
    settings: UserSettings
    auth_active: bool  # False: the user's login needs a reconnect (snapshot may be stale)
    muted: bool = False  # its calendar is muted: listed, never reminded of


@dataclass(frozen=True, slots=True)
class IndexedReminder:
    """A row the reminder index says may fire now, with what the tick read of it (so moving
    it on cannot overwrite a row a poll rewrote meanwhile)."""

    candidate: ReminderCandidate
    remind_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SchedulerEntry:
    name: str
    value: str | None
    last_tick_at: datetime | None
    updated_at: datetime
