"""The ports the services depend on. Adapters implement them; tests may use real adapters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from calendar_bot.domain.model import (
    CalendarRef,
    Credentials,
    NewEvent,
    Occurrence,
    PartStat,
    TimeWindow,
)
from calendar_bot.views.message import OutMessage

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


@dataclass(frozen=True, slots=True)
class CalendarFetch:
    """The result of one poll of one calendar.

    `complete` is False when anything went wrong for that calendar (5xx, timeout, truncated or
    malformed multistatus, 404): then `occurrences` must not be used to infer cancellations.
    `unchanged` is True when the change check showed nothing new since the tags passed in
    `known` (the caller's snapshot), never merely since the adapter's own cache;
    `occurrences` then still holds the (cached) expansion over the window, unless `expanded`
    is False: that happens only when the caller passed `snapshot_window` equal to the window
    and the calendar's tags still equal the ones it passed in `known`, i.e. its stored
    snapshot is already this calendar over this window, so nothing was fetched or expanded
    (and `occurrences` is empty and must not be used).

    `replaced`, also only with `snapshot_window` equal to the window: the calendar changed
    since the tags passed in `known`, and only the objects (event hrefs) named here changed
    or are gone; `occurrences` holds just their occurrences over the window. The calendar
    now is the stored snapshot without occurrences of those objects, plus `occurrences`.

    `unreadable`: event objects (href -> why: "not_utf8", "too_large") the server holds but
    that cannot be read. Nothing is known about them: not gone, not unchanged; the caller
    keeps what it had for them (and `occurrences` has none of theirs). The rest of the
    calendar is complete.
    `broken`: event hrefs whose object decodes but cannot be parsed or expanded. Unknown is
    not gone: the caller keeps their last known occurrences instead of reading their absence
    as a cancellation.
    """

    calendar: CalendarRef
    complete: bool
    unchanged: bool
    occurrences: tuple[Occurrence, ...] = ()
    exists: bool = True  # False when the calendar is gone from the home (404 / not listed)
    error: str = ""  # a short, secret-free reason when not complete
    expanded: bool = True  # False: unchanged and not expanded (see above)
    replaced: frozenset[str] | None = None  # a delta of the stored snapshot (see above)
    unreadable: Mapping[str, str] = field(default_factory=dict)  # href -> why (see above)
    broken: frozenset[str] = frozenset()  # objects that cannot be read (see above)


@dataclass(frozen=True, slots=True)
class SyncResult:
    calendars: tuple[CalendarFetch, ...]
    requests: int = 0  # HTTP requests this poll cost (measured, for metrics and benches)
    # The calendar home, when this poll had to look it up (not the one in the credentials):
    # the caller stores it, so the first poll after a restart lists it at once.
    found_home: str = ""

    @property
    def complete(self) -> bool:
        return all(c.complete for c in self.calendars)


class CalendarGateway(Protocol):
    async def discover(self, credentials: Credentials) -> tuple[str, list[CalendarRef]]:
        """Log in and list the calendars: (principal URL, calendars). Raises CalendarError."""
        ...

    async def sync(
        self,
        credentials: Credentials,
        known: Sequence[CalendarRef],
        window: TimeWindow,
        user_email: str,
        default_tz: str,
        *,
        snapshot_window: TimeWindow | None = None,
    ) -> SyncResult:
        """Poll: one cheap change check, fetch only what changed, expand over the window.

        `snapshot_window`: the window the caller's stored snapshot covers, when that snapshot
        matches the tags in `known`; an unchanged calendar is then answered without
        occurrences (`expanded=False`), so the gateway need not keep them in memory."""
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
    ) -> None:
        """Set the user's own PARTSTAT (If-Match; one re-read and retry on 412)."""
        ...

    async def cancel_event(self, credentials: Credentials, occurrence: Occurrence) -> None:
        """Cancel (STATUS:CANCELLED) an event the user organizes."""
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

    async def update_post(self, post_id: str, message: OutMessage, user_id: str) -> None: ...

    async def delete_post(self, post_id: str) -> bool: ...

    async def open_dialog(self, trigger_id: str, dialog: object, user_id: str) -> bool: ...


@dataclass(slots=True)
class Effects:
    """What a handler asks the adapters to do, in order."""

    messages: list[OutMessage] = field(default_factory=list)
