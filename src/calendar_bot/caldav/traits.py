"""What each CalDAV server was seen to support, learnt once per server and kept.

Every fast path the adapter takes (calendar-multiget, an etag-only listing, sync-collection
from a token) has a fallback that the original bot proved on Mail.ru (a calendar-query
carrying calendar-data). Which one a server gets is decided by what it answered, once per
server (its origin), not probed again every poll; a failure of the fallback itself makes it
unknown again, so the next poll checks the fast path anew.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from calendar_bot.caldav.http import origin

FILTER_TRUSTED_AFTER = 20


@dataclass(slots=True)
class ServerTraits:
    """None: not seen yet; True/False: what the server answered."""

    multiget: bool | None = None  # calendar-multiget answered completely
    etag_listing: bool | None = None  # an etag-only calendar-query carried the etags
    # a sync-collection from a token the server cannot know answered 207 (DAViCal) instead
    # of 403/412: its answers cannot say what was deleted
    lenient_sync_tokens: bool | None = None
    # False: the time-range filter left out an object that has occurrences in the range
    # (found by the reconciliation); True: FILTER_TRUSTED_AFTER reconciliations read objects
    # outside the range and none had occurrences in it
    time_range_filter: bool | None = None
    filter_checks: int = 0
    # False: a sync-collection asking for calendar-data too was refused or unreadable, and
    # one asking for etags only was answered (then changed objects come by multiget)
    sync_data: bool | None = None

    @property
    def data_query(self) -> bool:
        """Read objects with a calendar-query carrying calendar-data (the fallback)."""
        return self.multiget is False or self.etag_listing is False

    def filter_checked(self, missed: bool) -> None:
        """One reconciliation read objects the time-range listing left out."""
        if missed:
            self.time_range_filter = False
        elif self.time_range_filter is None:
            self.filter_checks += 1
            if self.filter_checks >= FILTER_TRUSTED_AFTER:
                self.time_range_filter = True

    @property
    def shortcuts_trusted(self) -> bool:
        """Its time-range filter proved right and it refuses tokens it cannot know: a
        calendar outside the cache need not be read whole for its hourly reconciliation."""
        return self.time_range_filter is True and self.lenient_sync_tokens is not True

    def forget_fallbacks(self) -> None:
        """The fallback failed too: look at the fast paths again next time."""
        self.multiget = None
        self.etag_listing = None

    def as_dict(self) -> dict[str, bool | None]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("filter_checks", "sync_data")
        }


@dataclass(slots=True)
class ServerBook:
    """The traits of every server seen, by origin."""

    servers: dict[str, ServerTraits] = field(default_factory=dict)

    def of(self, url: str) -> ServerTraits:
        return self.servers.setdefault(origin(url), ServerTraits())
