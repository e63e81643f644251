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


@dataclass(slots=True)
class ServerTraits:
    """None: not seen yet; True/False: what the server answered."""

    multiget: bool | None = None  # calendar-multiget answered completely
    etag_listing: bool | None = None  # an etag-only calendar-query carried the etags
    # a sync-collection from a token the server cannot know answered 207 (DAViCal) instead
    # of 403/412: its answers cannot say what was deleted
    lenient_sync_tokens: bool | None = None
    # the time-range filter left out an object that has occurrences in the range (found by
    # the reconciliation)
    time_range_filter: bool | None = None

    @property
    def data_query(self) -> bool:
        """Read objects with a calendar-query carrying calendar-data (the fallback)."""
        return self.multiget is False or self.etag_listing is False

    def forget_fallbacks(self) -> None:
        """The fallback failed too: look at the fast paths again next time."""
        self.multiget = None
        self.etag_listing = None

    def as_dict(self) -> dict[str, bool | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(slots=True)
class ServerBook:
    """The traits of every server seen, by origin."""

    servers: dict[str, ServerTraits] = field(default_factory=dict)

    def of(self, url: str) -> ServerTraits:
        return self.servers.setdefault(origin(url), ServerTraits())
