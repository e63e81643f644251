"""The ports the services depend on. Adapters implement them; tests may use real adapters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from calendar_bot.domain.edits import ChangedFacts, EventEdit, Scope
from calendar_bot.domain.model import (
    CalendarRef,
    Credentials,
    ExpansionScope,
    NewEvent,
    Occurrence,
    OccurrenceKey,
    PartStat,
    TimeWindow,
    UserSettings,
)
from calendar_bot.domain.presence import CustomStatus, Held, Seen
from calendar_bot.messages import OutMessage
from calendar_bot.records import (
    ConversationState,
    IndexedReminder,
    OutboxItem,
    OutboxRow,
    OwnMarks,
    PollMark,
    ReminderCandidate,
    SchedulerEntry,
    SnapshotWrite,
    StoredUser,
    TokenUpdate,
    TouchedQuery,
)

# ---- calendar -------------------------------------------------------------------------


class CalendarError(Exception):
    """Base of the calendar adapter's typed errors. Messages never hold a secret."""


class AuthFailed(CalendarError):
    """The server refused the login (401/403 on discovery)."""


class ServerUnreachable(CalendarError):
    """DNS, connection, TLS or timeout: the server could not be talked to."""


class NotCalDAV(CalendarError):
    """The server answered but does not speak CalDAV (no principal, no calendar home)."""


class WriteConflict(CalendarError):
    """The event changed on the server between our read and our write (412 twice)."""


class NotFound(CalendarError):
    """The event or calendar is gone."""


class Forbidden(CalendarError):
    """The server refused a write (read-only calendar, not the organizer, ...)."""


class RuleTooComplex(CalendarError):
    """A whole series asked to move whose repeat rule cannot follow the move exactly (a
    year day, an ordinal weekday such as "2TU", several month days). Nothing was written."""


class ChangedMeanwhile(CalendarError):
    """The meeting on the server is no longer the one the person changed: it moved, was
    renamed or cancelled in the meantime. Nothing was written; `facts` say what it is now."""

    def __init__(self, facts: ChangedFacts) -> None:
        super().__init__(f"the meeting changed meanwhile ({facts.why})")
        self.facts = facts


# The result of one poll of one calendar: one of five cases, each carrying only what it
# knows. Every consumer handles all five (mypy checks the `match`es with assert_never).


@dataclass(frozen=True, slots=True)
class Gone:
    """The calendar is no longer in the calendar home (not listed, and its own URL answers
    404 or 410). The caller drops it quietly with its tags: that is not a cancellation of
    every meeting in it."""

    calendar: CalendarRef
    error: str = ""  # a short, secret-free reason


@dataclass(frozen=True, slots=True)
class Failed:
    """Something went wrong for this calendar (5xx, timeout, truncated or malformed
    multistatus, a 404 on one request, left out of one listing): nothing is known, so nothing
    may be inferred, no cancellation above all. `calendar` carries the tags the caller
    passed (this fetch does not vouch for newer ones)."""

    calendar: CalendarRef
    error: str = ""  # a short, secret-free reason


@dataclass(frozen=True, slots=True)
class AtStoredTags:
    """Only with `snapshot_window` equal to the window: the calendar's tags still equal the
    ones passed in `known`, so the caller's stored snapshot is already this calendar over
    this window; nothing was fetched or expanded."""

    calendar: CalendarRef


@dataclass(frozen=True, slots=True)
class Full:
    """The calendar's occurrences over the window, all of them.

    `unchanged`: the change check showed nothing new since the tags passed in `known` (the
    caller's snapshot), never merely since the adapter's own cache; `occurrences` then still
    hold the (cached) expansion over the window.

    `unreadable`: event objects (href -> why: "not_utf8", "too_large") the server holds but
    that cannot be read. Nothing is known about them: not gone, not unchanged; the caller
    keeps what it had for them (and `occurrences` has none of theirs). The rest of the
    calendar is complete.
    `broken`: event hrefs whose object decodes but cannot be parsed or expanded. Unknown is
    not gone: the caller keeps their last known occurrences instead of reading their absence
    as a cancellation.
    """

    calendar: CalendarRef
    occurrences: tuple[Occurrence, ...] = ()
    unchanged: bool = False
    unreadable: Mapping[str, str] = field(default_factory=dict)  # href -> why (see above)
    broken: frozenset[str] = frozenset()  # objects that cannot be read (see above)


@dataclass(frozen=True, slots=True)
class Delta:
    """Only with `snapshot_window` equal to the window: the calendar changed since the tags
    passed in `known`, and only the objects (event hrefs) in `replaced` changed or are gone;
    `occurrences` holds just their occurrences over the window. The calendar now is the
    stored snapshot without occurrences of those objects, plus `occurrences`. `unreadable`
    and `broken` as in `Full`."""

    calendar: CalendarRef
    replaced: frozenset[str]
    occurrences: tuple[Occurrence, ...] = ()
    unreadable: Mapping[str, str] = field(default_factory=dict)
    broken: frozenset[str] = frozenset()


CalendarFetch = Gone | Failed | AtStoredTags | Full | Delta


@dataclass(frozen=True, slots=True)
class SyncResult:
    calendars: tuple[CalendarFetch, ...]
    requests: int = 0  # HTTP requests this poll cost (measured, for metrics and benches)
    # The calendar home, when this poll had to look it up (not the one in the credentials):
    # the caller stores it, so the first poll after a restart lists it at once.
    found_home: str = ""

    @property
    def complete(self) -> bool:
        """No calendar failed or went away."""
        return not any(isinstance(c, Gone | Failed) for c in self.calendars)


class CalendarGateway(Protocol):
    async def discover(self, credentials: Credentials) -> tuple[str, list[CalendarRef]]:
        """Log in and list the calendars: (principal URL, calendars). Raises CalendarError."""
        ...

    async def sync(
        self,
        credentials: Credentials,
        known: Sequence[CalendarRef],
        scope: ExpansionScope,
        *,
        snapshot_window: TimeWindow | None = None,
    ) -> SyncResult:
        """Poll: one cheap change check, fetch only what changed, expand over the scope's
        window (for its user and zone).

        `snapshot_window`: the window the caller's stored snapshot covers, when that snapshot
        matches the tags in `known`; an unchanged calendar is then answered without
        occurrences (`AtStoredTags`), so the gateway need not keep them in memory, and a
        changed one may be answered as a `Delta` of that snapshot."""
        ...

    async def create_event(
        self, credentials: Credentials, calendar_href: str, event: NewEvent, tz: str
    ) -> str:
        """Write a new event; returns its UID."""
        ...

    async def set_partstat(
        self,
        credentials: Credentials,
        occurrence: Occurrence,
        user_email: str,
        partstat: PartStat,
        *,
        whole_series: bool = False,
    ) -> None:
        """Set the user's own PARTSTAT on `occurrence` or, with `whole_series`, on every
        component of its event (If-Match; one re-read and retry on 412)."""
        ...

    async def cancel_event(self, credentials: Credentials, occurrence: Occurrence) -> None:
        """Cancel (STATUS:CANCELLED) an event the user organizes."""
        ...

    async def edit_event(
        self,
        credentials: Credentials,
        occurrence: Occurrence,
        edit: EventEdit,
        scope: Scope,
        tz: str,
        *,
        new_uid: str = "",
    ) -> None:
        """Change an event the user organizes (domain/edits.py): If-Match on the etag read;
        on 412 re-read and apply the same change to the fresh object while it still is the
        occurrence the person saw (else ChangedMeanwhile). `new_uid`: the new series of a
        "this and following" split. `tz` reads floating times."""
        ...

    async def raw_report(
        self, credentials: Credentials, calendar_href: str, window: TimeWindow
    ) -> str:
        """The raw multistatus XML of a time-range REPORT, with no credential in it."""
        ...

    def forget(self, credentials: Credentials) -> None:
        """Drop any per-user client and cache (log out, reconnect)."""
        ...


# ---- chat -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatUser:
    id: str
    username: str
    email: str = ""
    locale: str = ""
    timezone: str = ""  # the effective IANA zone from the profile ("" if none)
    first_name: str = ""
    last_name: str = ""
    is_bot: bool = False

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.username


@dataclass(frozen=True, slots=True)
class PostRef:
    post_id: str
    channel_id: str


class Chat(Protocol):
    """What the services need from the chat side (implemented by the Mattermost adapter)."""

    async def get_user(self, user_id: str) -> ChatUser: ...

    async def get_user_by_username(self, username: str) -> ChatUser | None: ...

    async def dm_channel(self, user_id: str) -> str: ...

    def remember_dm_channel(self, user_id: str, channel_id: str) -> None: ...

    async def send_dm(
        self,
        user_id: str,
        message: OutMessage,
        *,
        idempotency_key: str = "",
        also_keys: Sequence[str] = (),
    ) -> PostRef: ...

    async def find_sent(
        self, user_id: str, idempotency_key: str, since_ms: int
    ) -> PostRef | None: ...

    async def update_post(self, post_id: str, message: OutMessage, user_id: str) -> str:
        """Edit a post of the bot's; the id of the post showing `message` after (a new one
        when the server no longer lets the old one change)."""
        ...

    async def delete_post(self, post_id: str) -> bool: ...

    async def open_dialog(self, trigger_id: str, dialog: object, user_id: str) -> bool: ...


class PresenceRefused(Exception):
    """Mattermost refused to change a person's status (403): the bot lacks `edit_other_users`,
    or has it without `manage_system` and the person is a system admin."""


class PresenceUnavailable(Exception):
    """Custom statuses are off on this server (TeamSettings.EnableCustomUserStatuses: 501), or
    the server could not be reached."""


class PresenceGateway(Protocol):
    """A person's Mattermost status, changed by the bot on their behalf (services/presence)."""

    async def may_set_presence(self) -> bool:
        """Whether the bot's roles let it change other people's status."""
        ...

    async def seen(self, user_id: str) -> Seen:
        """Their custom status (from the user's props) and their status now."""
        ...

    async def set_custom_status(self, user_id: str, status: CustomStatus) -> None: ...

    async def clear_custom_status(self, user_id: str) -> None: ...

    async def set_status(
        self, user_id: str, status: str, dnd_end: datetime | None = None
    ) -> None: ...


# ---- store ----------------------------------------------------------------------------
# What the services and handlers use of the database, one repository each; the SQLAlchemy
# repositories (storage/repositories) implement them. Every repository of a Store works in
# the one transaction its unit of work opened: committed when the block ends, rolled back
# if it raises.


class UserStore(Protocol):
    async def get(self, mm_user_id: str) -> StoredUser | None: ...

    async def get_many(self, mm_user_ids: Sequence[str]) -> dict[str, StoredUser]: ...

    async def upsert(
        self,
        *,
        mm_user_id: str,
        email: str,
        caldav_base_url: str,
        caldav_username: str,
        password_enc: str,
        now: datetime,
        principal_url: str = "",
        settings: UserSettings | None = None,
    ) -> StoredUser: ...

    async def update_settings(
        self, mm_user_id: str, settings: UserSettings, *, now: datetime
    ) -> bool: ...

    async def delete_everything(self, mm_user_id: str) -> None: ...

    async def list_all(self, *, auth_state: str | None = None) -> list[StoredUser]: ...

    async def claim_due_for_poll(
        self, now: datetime, *, until: datetime, limit: int
    ) -> list[StoredUser]: ...

    async def mark_polled(
        self,
        mm_user_id: str,
        *,
        polled_at: datetime,
        next_poll_at: datetime,
        window_start: datetime | None = None,
    ) -> bool: ...

    async def mark_polled_each(self, marks: Sequence[PollMark]) -> None: ...

    async def set_home_urls(self, homes: Mapping[str, str]) -> None: ...

    async def mark_polled_many(
        self,
        mm_user_ids: Sequence[str],
        *,
        polled_at: datetime,
        next_poll_at: datetime,
        claimed: datetime,
    ) -> int: ...

    async def schedule_poll(self, mm_user_id: str, at: datetime) -> bool: ...

    async def mark_baseline_done(self, mm_user_id: str, *, now: datetime) -> bool: ...

    async def mark_needs_reconnect(self, mm_user_id: str, *, now: datetime) -> bool: ...

    async def mark_reconnect_notified(self, mm_user_id: str) -> bool: ...

    async def set_dm_channel(self, mm_user_id: str, channel_id: str) -> bool: ...


class ConversationStore(Protocol):
    async def get(self, mm_user_id: str) -> ConversationState | None: ...

    async def set(
        self,
        mm_user_id: str,
        state: str,
        data: dict[str, Any],
        *,
        now: datetime,
        message_id: str = "",
    ) -> None: ...

    async def clear(self, mm_user_id: str) -> bool: ...


class CalendarStore(Protocol):
    async def list_for(self, mm_user_id: str) -> list[CalendarRef]: ...

    async def list_for_users(self, mm_user_ids: Sequence[str]) -> dict[str, list[CalendarRef]]: ...

    async def replace(self, mm_user_id: str, refs: Sequence[CalendarRef]) -> None: ...

    async def add(self, mm_user_id: str, ref: CalendarRef) -> bool: ...

    async def remove(self, mm_user_id: str, href: str) -> bool: ...

    async def update_tokens_many(self, tokens: Sequence[TokenUpdate]) -> None: ...

    async def set_muted(self, mm_user_id: str, href: str, muted: bool) -> bool: ...


class SnapshotStore(Protocol):
    async def load(self, mm_user_id: str) -> list[Occurrence]: ...

    async def load_touched(self, queries: Sequence[TouchedQuery]) -> list[list[Occurrence]]: ...

    async def write_changes_many(self, writes: Sequence[SnapshotWrite]) -> None: ...

    async def reminders_due(self, now: datetime) -> list[IndexedReminder]: ...

    async def move_reminders(
        self, moves: Iterable[tuple[IndexedReminder, datetime | None]]
    ) -> int: ...

    async def recheck_reminders(self, mm_user_id: str, now: datetime) -> int: ...

    async def load_calendar(self, mm_user_id: str, calendar_href: str) -> list[Occurrence]: ...

    async def get(self, mm_user_id: str, key: OccurrenceKey) -> Occurrence | None: ...

    async def between(
        self, mm_user_id: str, start: datetime, end: datetime
    ) -> list[Occurrence]: ...

    async def replace_calendar(
        self,
        mm_user_id: str,
        calendar_href: str,
        items: Iterable[Occurrence],
        *,
        now: datetime,
    ) -> int: ...

    async def delete_calendar(self, mm_user_id: str, calendar_href: str) -> int: ...

    async def due_reminder_candidates(
        self, window_start: datetime, window_end: datetime, *, fire_by: datetime | None = None
    ) -> list[ReminderCandidate]: ...


class OutboxStore(Protocol):
    async def enqueue(self, items: Sequence[OutboxItem], *, now: datetime) -> int: ...

    async def enqueue_each(
        self, entries: Sequence[tuple[OutboxItem, datetime]]
    ) -> Counter[str]: ...

    async def claim_due(
        self, now: datetime, worker_id: str, lease: timedelta, limit: int
    ) -> list[OutboxRow]: ...

    async def mark_sent(self, sent: Sequence[tuple[int, str]], now: datetime) -> None: ...

    async def release(self, row_ids: Sequence[int]) -> int: ...

    async def mark_retry(self, row_id: int, error: str, next_attempt_at: datetime) -> bool: ...

    async def mark_failed(self, row_id: int, error: str) -> bool: ...

    async def prune(self, before: datetime) -> int: ...


class DigestLogStore(Protocol):
    async def try_mark(self, mm_user_id: str, day: date, *, now: datetime) -> bool: ...


class OwnEventStore(Protocol):
    async def add(self, mm_user_id: str, uid: str, *, now: datetime) -> None: ...

    async def marks(self, at: Mapping[str, datetime]) -> dict[str, OwnMarks]: ...

    async def hold(
        self, mm_user_id: str, uids: Iterable[str], *, until: datetime, now: datetime
    ) -> None: ...

    async def release(self, mm_user_id: str, uids: Iterable[str]) -> None: ...


class SchedulerStore(Protocol):
    async def get(self, name: str) -> SchedulerEntry | None: ...

    async def set_value(self, name: str, value: str | None, *, now: datetime) -> None: ...

    async def set_tick(self, name: str, last_tick_at: datetime, *, now: datetime) -> None: ...


class CallbackStore(Protocol):
    async def use(self, key: str, *, now: datetime) -> bool: ...

    async def release(self, key: str) -> None: ...

    async def prune(self, before: datetime) -> int: ...


class PresenceStore(Protocol):
    async def held(self) -> dict[str, Held]: ...

    async def claim(
        self, mm_user_id: str, *, now: datetime, until: datetime
    ) -> tuple[bool, Held | None]: ...

    async def save(
        self, mm_user_id: str, held: Held, *, now: datetime, keep_claim: bool = False
    ) -> None: ...

    async def release(self, mm_user_id: str, *, now: datetime) -> None: ...

    async def forget(self, mm_user_ids: Sequence[str]) -> int: ...


class Store(Protocol):
    """Every repository over one transaction."""

    @property
    def users(self) -> UserStore: ...

    @property
    def conversation(self) -> ConversationStore: ...

    @property
    def calendars(self) -> CalendarStore: ...

    @property
    def snapshot(self) -> SnapshotStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    @property
    def digest_log(self) -> DigestLogStore: ...

    @property
    def own_events(self) -> OwnEventStore: ...

    @property
    def scheduler(self) -> SchedulerStore: ...

    @property
    def callbacks(self) -> CallbackStore: ...

    @property
    def presence(self) -> PresenceStore: ...


# Opens one transaction: `async with unit_of_work() as store: ...` commits when the block
# ends and rolls back if it raises.
UnitOfWork = Callable[[], AbstractAsyncContextManager[Store]]
