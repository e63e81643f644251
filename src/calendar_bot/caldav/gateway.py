"""CalDAVGateway: the CalendarGateway port over real CalDAV servers.

Requests run in the event loop (aiohttp), over one connection pool shared by every user
(see http.py) that bounds how many run at once; parsing and expanding iCalendar runs in a
small thread pool. Each user (keyed by server, login and a hash of the password) has one
cached session and cache, guarded by a lock so no two tasks use them at once.

Memory stays small with thousands of users: an unchanged calendar whose snapshot the caller
already holds (`snapshot_window`) is answered from the home listing alone, with nothing kept
here; a changed one outside the cache is read as a delta of that snapshot (sync-collection
from the stored token, then only the changed objects). The per-calendar caches of fetched
objects are kept for the `cached_calendars` most recently fetched calendars only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import quote, unquote, urlsplit

from calendar_bot.caldav import davxml, writes
from calendar_bot.caldav.addresses import AddressPolicy
from calendar_bot.caldav.discovery import (
    fetch_home_listing,
    find_home,
    list_calendars,
    normalize_base,
    read_home_listing,
)
from calendar_bot.caldav.errors import (
    FetchFailed,
    SyncRefused,
    check_read,
    check_write,
    raise_if_login_refused,
)
from calendar_bot.caldav.fetch import CalendarFetcher, CalendarState
from calendar_bot.caldav.http import DavSession, HttpResult, Transport
from calendar_bot.caldav.traits import ServerBook
from calendar_bot.domain.model import (
    CalendarRef,
    Credentials,
    ExpansionScope,
    NewEvent,
    Occurrence,
    PartStat,
    TimeWindow,
    new_event_uid,
)
from calendar_bot.ports import (
    AtStoredTags,
    AuthFailed,
    CalendarError,
    CalendarFetch,
    Delta,
    Failed,
    Forbidden,
    Full,
    Gone,
    NotCalDAV,
    NotFound,
    ServerUnreachable,
    SyncResult,
    WriteConflict,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

ClientKey = tuple[str, str, str]

# Each calendar is listed without a time range at most this often (see
# CalendarFetcher._reconcile), and only when something could have changed since its last
# reconciliation: its tags or the window. A calendar's first one falls at a point of the
# first period fixed by its URL, so a restart does not reconcile every calendar at once.
RECONCILE_EVERY = timedelta(hours=1)

_Reconciled = tuple[str, str, TimeWindow]  # (ctag, sync-token, window) a reconciliation saw


def _path_key(url: str) -> str:
    return unquote(urlsplit(url).path).rstrip("/")


@dataclass(eq=False)
class _UserClient:
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
    reconciled: dict[str, _Reconciled] = field(default_factory=dict)  # path key -> last seen
    # path key -> until when: sync-collection failed with a server error there (Yandex's
    # 507); changed calendars are read by etag listing instead of as a delta meanwhile
    no_delta: dict[str, datetime] = field(default_factory=dict)

    def read_listing(self, result: HttpResult) -> tuple[CalendarRef, ...]:
        key = (result.url, hashlib.blake2b(result.body, digest_size=16).digest())
        if key != self.listing_key:
            self.listing = tuple(read_home_listing(result))
            self.listing_key = key
        return self.listing


class CalDAVGateway:
    """`max_connections` bounds concurrent CalDAV requests; `timeout` bounds each connect
    and read; `poll_deadline` bounds one user's whole poll (every request of a `sync`, to
    the last byte: a server trickling its answer never trips `timeout`); `cached_calendars`
    bounds how many calendars keep their fetched objects in memory; `parse_threads` run the
    iCalendar parsing and expansion; `addresses` says which servers may be reached (None:
    any, for tools and tests; the bot always passes one)."""

    def __init__(
        self,
        max_connections: int = 16,
        timeout: float = 20,
        *,
        now: Callable[[], datetime] | None = None,
        poll_deadline: float | None = None,
        cached_calendars: int = 1000,
        parse_threads: int = 2,
        addresses: AddressPolicy | None = None,
    ) -> None:
        self._transport = Transport(max_connections, timeout, addresses)
        self._cpu = ThreadPoolExecutor(max_workers=parse_threads, thread_name_prefix="ical")
        self._clients: dict[ClientKey, _UserClient] = {}
        self._now = now or (lambda: datetime.now(UTC))
        self._poll_deadline = poll_deadline
        self.servers = ServerBook()  # what each server supports, learnt once
        self._cached_calendars = max(0, cached_calendars)
        # (client key, calendar path key), least recently fetched first
        self._recent: OrderedDict[tuple[ClientKey, str], None] = OrderedDict()

    # ---- plumbing -----------------------------------------------------------------------------

    @staticmethod
    def _key(credentials: Credentials) -> tuple[str, str, str]:
        digest = hashlib.sha256(credentials.password.encode()).hexdigest()
        return (normalize_base(credentials.base_url), credentials.username, digest)

    def _client(self, credentials: Credentials) -> _UserClient:
        key = self._key(credentials)
        client = self._clients.get(key)
        if client is None:
            session = DavSession(credentials.username, credentials.password, self._transport)
            client = _UserClient(
                session,
                key=key,
                principal_url=credentials.principal_url,
                home_url=credentials.home_url,
                home_unconfirmed=bool(credentials.home_url),
            )
            self._clients[key] = client
        return client

    def _state(self, client: _UserClient, path: str) -> CalendarState:
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

    async def _run(
        self, credentials: Credentials, work: Callable[[_UserClient], Awaitable[T]]
    ) -> T:
        client = self._client(credentials)
        async with client.lock:
            return await work(client)

    async def _offload(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._cpu, work)

    def forget(self, credentials: Credentials) -> None:
        base = normalize_base(credentials.base_url)
        gone = [k for k in self._clients if k[0] == base and k[1] == credentials.username]
        for key in gone:
            del self._clients[key]
        for stale in [r for r in self._recent if r[0] in gone]:
            del self._recent[stale]

    async def close(self) -> None:
        self._clients.clear()
        self._recent.clear()
        await self._transport.close()
        self._cpu.shutdown(wait=False, cancel_futures=True)

    async def _ensure_home(self, client: _UserClient, credentials: Credentials) -> str:
        if not client.home_url:
            principal, home = await find_home(
                client.session, credentials.base_url, credentials.username, client.principal_url
            )
            client.principal_url, client.home_url = principal, home
        return client.home_url

    # ---- discovery ----------------------------------------------------------------------------

    async def discover(self, credentials: Credentials) -> tuple[str, list[CalendarRef]]:
        async def work(client: _UserClient) -> tuple[str, list[CalendarRef]]:
            client.home_url = ""  # discovery always looks again (a moved home, a new server)
            client.home_unconfirmed = False
            try:
                home = await self._ensure_home(client, credentials)
                calendars = await list_calendars(client.session, home)
            except (AuthFailed, ServerUnreachable, NotFound):
                raise
            except CalendarError as exc:
                raise NotCalDAV(str(exc)) from None
            return client.principal_url, calendars

        try:
            return await self._run(credentials, work)
        except AuthFailed:
            self.forget(credentials)  # do not keep a session for a refused login
            raise

    # ---- polling ------------------------------------------------------------------------------

    async def sync(
        self,
        credentials: Credentials,
        known: Sequence[CalendarRef],
        scope: ExpansionScope,
        *,
        snapshot_window: TimeWindow | None = None,
    ) -> SyncResult:
        """Poll the `known` calendars and any calendar listed in the home that is not among
        them (a calendar added since connecting)."""
        stored = snapshot_window is not None and snapshot_window == scope.window

        async def work(client: _UserClient) -> SyncResult:
            session = client.session
            if self._poll_deadline is not None:
                # past it, every request fails as a timeout: what is left is incomplete
                session.deadline = asyncio.get_running_loop().time() + self._poll_deadline
            try:
                return await poll(client)
            finally:
                session.deadline = None

        async def poll(client: _UserClient) -> SyncResult:
            session = client.session
            start = session.requests
            try:
                home, listing = await self._home_listing(client, credentials, known)
            except AuthFailed:
                raise
            except CalendarError as exc:
                # the home itself failed: nothing is known, nothing may be inferred
                fetches: tuple[CalendarFetch, ...] = tuple(
                    Failed(ref, error=str(exc)[:200]) for ref in known if ref.enabled
                )
                return SyncResult(fetches, requests=session.requests - start)
            found = home if home != credentials.home_url else ""
            by_key = {_path_key(c.href): c for c in listing}
            known_keys = {_path_key(r.href) for r in known}
            # Calendars the user added since connecting come along, fetched in full (no
            # tags of ours vouch for them); the caller stores them as a silent baseline.
            added = [
                dataclasses.replace(c, ctag="", sync_token="")
                for c in listing
                if _path_key(c.href) not in known_keys
            ]
            targets = [r for r in known if r.enabled] + added
            fetches_out: list[CalendarFetch] = []
            for ref in targets:
                fetches_out.append(await self._fetch_one(client, ref, by_key, scope, stored))
            return SyncResult(
                tuple(fetches_out), requests=session.requests - start, found_home=found
            )

        return await self._run(credentials, work)

    async def _home_listing(
        self, client: _UserClient, credentials: Credentials, known: Sequence[CalendarRef]
    ) -> tuple[str, tuple[CalendarRef, ...]]:
        """The home and its listing. A home the caller stored is listed at once (one
        request after a restart); should it fail, or lack a calendar the caller knows, before
        it ever answered here, the home is looked up again (moved, or another server behind
        the same address) and listed from there."""
        home = await self._ensure_home(client, credentials)
        if client.home_unconfirmed:
            client.home_unconfirmed = False
            try:
                listing = client.read_listing(await fetch_home_listing(client.session, home))
            except AuthFailed:
                raise
            except CalendarError:
                listing = None
            listed = {_path_key(c.href) for c in listing or ()}
            if listing is not None and all(_path_key(r.href) in listed for r in known):
                return home, listing
            client.home_url = ""
            home = await self._ensure_home(client, credentials)
        return home, client.read_listing(await fetch_home_listing(client.session, home))

    async def _fetch_one(
        self,
        client: _UserClient,
        ref: CalendarRef,
        by_key: dict[str, CalendarRef],
        scope: ExpansionScope,
        stored: bool = False,
    ) -> CalendarFetch:
        key = _path_key(ref.href)
        listed = by_key.get(key)
        if listed is None:
            if await _still_there(client.session, ref.href):
                # Left out of one listing (an empty or partial answer) while its own URL
                # still answers: nothing is known, so nothing may be inferred or dropped.
                return Failed(ref, error="the calendar is missing from the home listing")
            client.calendars.pop(key, None)
            return Gone(ref, error="the calendar is no longer in the calendar home")
        listed = dataclasses.replace(listed, href=ref.href, enabled=ref.enabled)
        held = stored and _same_tags(listed, ref)
        reconcile = self._reconcile_due(client, key, listed, scope.window, held)
        if held and not reconcile:
            # The caller's snapshot is this calendar at these tags over this window.
            return AtStoredTags(listed)
        try:
            if (
                stored
                and ref.sync_token
                and key not in client.calendars
                and not reconcile
                and client.no_delta.get(key, datetime.min.replace(tzinfo=UTC)) <= self._now()
                and not await self._lenient_sync_tokens(client, ref.href)
            ):
                # Changed and not in the cache: what changed since the caller's snapshot
                # is enough; the whole calendar only if the server refuses the token.
                try:
                    return await self._delta(client, listed, ref, scope)
                except SyncRefused as exc:
                    if exc.server_error:
                        client.no_delta[key] = self._now() + RECONCILE_EVERY
            fetched = await self._fetch_cached(client, key, listed, scope, reconcile=reconcile)
        except AuthFailed:
            raise
        except (FetchFailed, CalendarError) as exc:
            log.info("calendar fetch incomplete: %s", exc)
            # keep the caller's old tags: this fetch does not vouch for the new ones
            stale = dataclasses.replace(listed, ctag=ref.ctag, sync_token=ref.sync_token)
            return Failed(stale, error=str(exc)[:200])
        if fetched.unchanged and not _same_tags(listed, ref):
            # Unchanged since this cache last read it, but not since the tags the caller's
            # snapshot is at: a fetch whose result the caller never stored (a poll overtaken
            # by the baseline, a failed transaction) left the cache ahead of the snapshot,
            # and "unchanged" would keep that snapshot behind for good (issue 20).
            fetched = dataclasses.replace(fetched, unchanged=False)
        return fetched

    def _reconcile_due(
        self,
        client: _UserClient,
        key: str,
        listed: CalendarRef,
        window: TimeWindow,
        held: bool,
    ) -> bool:
        """Whether to list this calendar without a time range now. `held`: the caller's
        snapshot is this calendar at these tags; one first seen so is taken as reconciled
        (its snapshot is what the earlier reconciliations made), so an unchanged calendar
        costs nothing more than its change check."""
        now = self._now()
        seen = (listed.ctag, listed.sync_token, window)
        if held and client.reconciled.setdefault(key, seen) == seen:
            return False
        due = client.reconcile_at.get(key)
        if due is None:
            spread = int.from_bytes(hashlib.blake2b(listed.href.encode(), digest_size=4).digest())
            client.reconcile_at[key] = now + RECONCILE_EVERY * (spread / 2**32)
            return False
        if due > now:
            return False
        if key not in client.calendars and self.servers.of(listed.href).shortcuts_trusted:
            # Outside the cache a reconciliation means reading the calendar whole; on a
            # server whose shortcuts proved right that buys nothing: next period.
            client.reconcile_at[key] = now + RECONCILE_EVERY
            return False
        return True

    async def _lenient_sync_tokens(self, client: _UserClient, href: str) -> bool:
        """Whether this server answers tokens it cannot know (learnt once per server): a
        delta from it could not name deleted objects, so the calendar is read whole."""
        traits = self.servers.of(href)
        fetcher = CalendarFetcher(client.session, CalendarState(), self._offload, traits)
        return await fetcher.lenient_sync_tokens(href)

    async def _delta(
        self,
        client: _UserClient,
        listed: CalendarRef,
        known: CalendarRef,
        scope: ExpansionScope,
    ) -> CalendarFetch:
        fetcher = CalendarFetcher(
            client.session, CalendarState(), self._offload, self.servers.of(listed.href)
        )
        delta = await fetcher.delta(listed, known.sync_token, scope)
        if delta.sync_token != listed.sync_token:
            # moved on since the listing: keep the token the delta reached, and no ctag, so
            # the next poll looks again
            listed = dataclasses.replace(listed, ctag="", sync_token=delta.sync_token)
        return Delta(
            listed,
            replaced=delta.replaced,
            occurrences=delta.occurrences,
            unreadable=delta.unreadable,
            broken=delta.broken,
        )

    async def _fetch_cached(
        self,
        client: _UserClient,
        key: str,
        listed: CalendarRef,
        scope: ExpansionScope,
        *,
        reconcile: bool = False,
    ) -> Full:
        state = self._state(client, key)
        fetcher = CalendarFetcher(
            client.session, state, self._offload, self.servers.of(listed.href)
        )
        try:
            outcome = await fetcher.fetch(listed, scope, reconcile=reconcile)
        except AuthFailed:
            raise
        except (FetchFailed, CalendarError):
            state.ctag = state.sync_token = ""  # look again next time; keep parsed objects
            state.expanded_key = None
            raise
        if fetcher.state.sync_refusals >= 2 and key not in client.no_delta:
            client.no_delta[key] = self._now() + RECONCILE_EVERY
        if reconcile or fetcher.reconciled:
            # a failed reconciliation (the fetch itself was fine) waits its turn again
            client.reconcile_at[key] = self._now() + RECONCILE_EVERY
        if fetcher.reconciled:
            client.reconciled[key] = (listed.ctag, listed.sync_token, scope.window)
        return Full(
            listed,
            occurrences=outcome.occurrences,
            unchanged=outcome.unchanged,
            unreadable=outcome.unreadable,
            broken=outcome.broken,
        )

    # ---- writes -------------------------------------------------------------------------------

    async def create_event(
        self, credentials: Credentials, calendar_href: str, event: NewEvent, tz: str
    ) -> str:
        """PUT a new event (times in UTC; `tz` is accepted for the port, not written)."""
        uid = event.uid or new_event_uid()
        href = calendar_href.rstrip("/") + "/" + quote(uid.replace("/", "_"), safe="@._-") + ".ics"
        organizer = event.organizer_email or (
            credentials.username if "@" in credentials.username else ""
        )
        body = writes.build_event(event, uid, organizer, self._now()).encode()

        async def work(client: _UserClient) -> str:
            result = await client.session.request(
                "PUT",
                href,
                body,
                {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"},
            )
            check_write(result.status)
            return uid

        return await self._run(credentials, work)

    async def set_partstat(
        self,
        credentials: Credentials,
        occurrence: Occurrence,
        user_email: str,
        partstat: PartStat,
        *,
        whole_series: bool = False,
    ) -> None:
        """The user's own PARTSTAT, for this occurrence (an override is added for an
        instance of a series) or, with whole_series, for every component of the event."""
        now = self._now()
        await self._modify(
            credentials,
            occurrence,
            lambda text: writes.with_partstat(
                text, occurrence, user_email, partstat, now, whole_series=whole_series
            ),
        )

    async def cancel_event(
        self, credentials: Credentials, occurrence: Occurrence, *, whole_series: bool = False
    ) -> None:
        """STATUS:CANCELLED and SEQUENCE+1; only for an event the user organizes (or one
        without an organizer, a personal event)."""
        if occurrence.organizer is not None and not occurrence.i_am_organizer:
            raise Forbidden("only the organizer can cancel this event")
        now = self._now()
        await self._modify(
            credentials,
            occurrence,
            lambda text: writes.with_cancellation(text, occurrence, now, whole_series=whole_series),
        )

    async def _modify(
        self, credentials: Credentials, occurrence: Occurrence, change: Callable[[str], str]
    ) -> None:
        if not occurrence.event_href:
            raise NotFound("the occurrence does not say where its event is stored")

        async def work(client: _UserClient) -> None:
            for attempt in range(2):
                got = await client.session.request("GET", occurrence.event_href)
                check_read(
                    got.status, ok=200, gone="the event is gone", request="reading the event"
                )
                text = got.body.decode("utf-8", errors="replace")
                headers = {"Content-Type": "text/calendar; charset=utf-8"}
                if got.etag:
                    headers["If-Match"] = got.etag
                put = await client.session.request(
                    "PUT", occurrence.event_href, change(text).encode(), headers
                )
                if put.status == 412:
                    log.info("event changed under us (attempt %d); re-reading", attempt + 1)
                    continue
                check_write(put.status)
                return
            raise WriteConflict("the event kept changing on the server; try again")

        await self._run(credentials, work)

    # ---- diagnostics --------------------------------------------------------------------------

    async def raw_report(
        self, credentials: Credentials, calendar_href: str, window: TimeWindow
    ) -> str:
        """The raw multistatus XML of a time-range REPORT (the request carries the login in
        a header only; the answer holds no credential)."""

        async def work(client: _UserClient) -> str:
            result = await client.session.request(
                "REPORT",
                calendar_href,
                davxml.calendar_query(window.start, window.end, data=True),
                {"Depth": "1"},
            )
            check_read(result.status, ok=207, gone="the calendar is gone", request="the REPORT")
            return result.body.decode("utf-8", errors="replace")

        return await self._run(credentials, work)


async def _still_there(session: DavSession, calendar_href: str) -> bool:
    """Whether a calendar missing from the home listing still answers at its own URL: only a
    404 or 410 there says it is gone (issue 22, item 1)."""
    try:
        result = await session.request(
            "PROPFIND", calendar_href, davxml.propfind_calendars(), {"Depth": "0"}
        )
    except AuthFailed:
        raise
    except CalendarError:
        return True  # unreachable now: not a proof of anything
    raise_if_login_refused(result.status)
    if result.status == 207:  # Xandikos answers a gone collection with a 404 inside a 207
        try:
            responses = davxml.parse_multistatus(result.body).responses
        except davxml.MalformedMultistatus:
            return True
        return not responses or any(r.status not in (404, 410) for r in responses)
    return result.status not in (404, 410)


def _same_tags(listed: CalendarRef, known: CalendarRef) -> bool:
    return bool(listed.ctag or listed.sync_token) and (
        listed.ctag == known.ctag and listed.sync_token == known.sync_token
    )
