"""The per-user CalDAV clients: one session and cache per user, kept for the process.

Each user (keyed by server, login and a hash of the password) has one cached session,
guarded by a lock so no two tasks use it at once, over one connection pool shared by every
user (see http.py). The per-calendar caches of fetched objects (fetch.CalendarState) are
kept for the `cached_calendars` most recently fetched calendars only.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from calendar_bot.caldav.discovery import find_home, normalize_base, read_home_listing
from calendar_bot.caldav.fetch import CalendarState
from calendar_bot.caldav.http import DavSession, HttpResult, Transport
from calendar_bot.domain.model import CalendarRef, Credentials, TimeWindow

T = TypeVar("T")

ClientKey = tuple[str, str, str]

Reconciled = tuple[str, str, TimeWindow]  # (ctag, sync-token, window) a reconciliation saw


@functools.lru_cache(maxsize=2**17)  # every calendar's URL, several times a poll
def path_key(url: str) -> str:
    """A calendar's key in a client: its URL's path, unquoted, without the trailing slash."""
    return unquote(urlsplit(url).path).rstrip("/")


@dataclass(eq=False)
class UserClient:
    session: DavSession
    key: ClientKey
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    principal_url: str = ""
    home_url: str = ""
    # the home came from the caller (stored by an earlier process) and no listing of it has
    # answered here yet: if it fails, the home is looked up again before giving up
    home_unconfirmed: bool = False
    calendars: dict[str, CalendarState] = field(default_factory=dict)  # path key -> state
    # the last home listing read, by (URL, digest of the answer): an unchanged home answers
    # with the same bytes, which need not be parsed again
    listing_key: tuple[str, bytes] | None = None
    listing: tuple[CalendarRef, ...] = ()
    reconcile_at: dict[str, datetime] = field(default_factory=dict)  # path key -> when due
    reconciled: dict[str, Reconciled] = field(default_factory=dict)  # path key -> last seen
    # path key -> until when: sync-collection failed with a server error there (Yandex's
    # 507); changed calendars are read by etag listing instead of as a delta meanwhile
    no_delta: dict[str, datetime] = field(default_factory=dict)

    def read_listing(self, result: HttpResult) -> tuple[CalendarRef, ...]:
        key = (result.url, hashlib.blake2b(result.body, digest_size=16).digest())
        if key != self.listing_key:
            self.listing = tuple(read_home_listing(result))
            self.listing_key = key
        return self.listing

    async def ensure_home(self, credentials: Credentials) -> str:
        """The calendar home, looked up (with the principal) when not known yet."""
        if not self.home_url:
            principal, home = await find_home(
                self.session, credentials.base_url, credentials.username, self.principal_url
            )
            self.principal_url, self.home_url = principal, home
        return self.home_url


class ClientCache:
    """The users' clients, and the bound on how many calendars keep their fetched objects."""

    def __init__(self, transport: Transport, cached_calendars: int) -> None:
        self._transport = transport
        self._clients: dict[ClientKey, UserClient] = {}
        self._cached_calendars = max(0, cached_calendars)
        # (client key, calendar path key), least recently fetched first
        self._recent: OrderedDict[tuple[ClientKey, str], None] = OrderedDict()

    def __iter__(self) -> Iterator[UserClient]:
        return iter(list(self._clients.values()))

    @staticmethod
    def _key(credentials: Credentials) -> ClientKey:
        digest = hashlib.sha256(credentials.password.encode()).hexdigest()
        return (normalize_base(credentials.base_url), credentials.username, digest)

    def client(self, credentials: Credentials) -> UserClient:
        key = self._key(credentials)
        client = self._clients.get(key)
        if client is None:
            session = DavSession(credentials.username, credentials.password, self._transport)
            client = UserClient(
                session,
                key=key,
                principal_url=credentials.principal_url,
                home_url=credentials.home_url,
                home_unconfirmed=bool(credentials.home_url),
            )
            self._clients[key] = client
        return client

    def state(self, client: UserClient, path: str) -> CalendarState:
        """This calendar's cache, marked most recent; the least recent beyond the bound are
        dropped (their next change is then read as a delta of the caller's snapshot, or in
        full when the caller has none)."""
        state = client.calendars.setdefault(path, CalendarState())
        self._recent[(client.key, path)] = None
        self._recent.move_to_end((client.key, path))
        while len(self._recent) > self._cached_calendars:
            (old_key, old_path), _ = self._recent.popitem(last=False)
            owner = self._clients.get(old_key)
            if owner is not None and (owner is not client or old_path != path):
                owner.calendars.pop(old_path, None)
        return state

    async def run(self, credentials: Credentials, work: Callable[[UserClient], Awaitable[T]]) -> T:
        """`work` on this user's client, under its lock."""
        client = self.client(credentials)
        async with client.lock:
            return await work(client)

    def forget(self, credentials: Credentials) -> None:
        base = normalize_base(credentials.base_url)
        gone = [k for k in self._clients if k[0] == base and k[1] == credentials.username]
        for key in gone:
            del self._clients[key]
        for stale in [r for r in self._recent if r[0] in gone]:
            del self._recent[stale]

    def clear(self) -> None:
        self._clients.clear()
        self._recent.clear()
