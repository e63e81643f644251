"""Polling a user's calendars: the home listing as the one change check, then each
calendar that changed fetched (fetch.py), as a delta of the caller's snapshot when that is
enough.

Memory stays small with thousands of users: an unchanged calendar whose snapshot the caller
already holds (`snapshot_window`) is answered from the home listing alone, with nothing kept
here (`AtStoredTags`); a changed one outside the cache is read as a `Delta` of that snapshot
(sync-collection from the stored token, then only the changed objects).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from calendar_bot.caldav import davxml
from calendar_bot.caldav.clients import ClientCache, UserClient, path_key
from calendar_bot.caldav.discovery import fetch_home_listing
from calendar_bot.caldav.errors import FetchFailed, SyncRefused, raise_if_login_refused
from calendar_bot.caldav.fetch import CalendarFetcher, CalendarState, Offload
from calendar_bot.caldav.http import DavSession
from calendar_bot.caldav.traits import ServerBook
from calendar_bot.domain.model import CalendarRef, Credentials, ExpansionScope, TimeWindow
from calendar_bot.ports import (
    AtStoredTags,
    AuthFailed,
    CalendarError,
    CalendarFetch,
    Delta,
    Failed,
    Full,
    Gone,
    SyncResult,
)

log = logging.getLogger(__name__)

# Each calendar is listed without a time range at most this often (see
# CalendarFetcher._reconcile), and only when something could have changed since its last
# reconciliation: its tags or the window. A calendar's first one falls at a point of the
# first period fixed by its URL, so a restart does not reconcile every calendar at once.
RECONCILE_EVERY = timedelta(hours=1)


class Poller:
    """`poll_deadline` bounds one user's whole poll (every request of a `sync`, to the last
    byte: a server trickling its answer never trips the transport's timeout); `offload` runs
    the iCalendar parsing and expansion; `servers` is what each server supports."""

    def __init__(
        self,
        clients: ClientCache,
        offload: Offload,
        servers: ServerBook,
        now: Callable[[], datetime],
        poll_deadline: float | None = None,
    ) -> None:
        self._clients = clients
        self._offload = offload
        self.servers = servers
        self._now = now
        self._poll_deadline = poll_deadline

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

        async def work(client: UserClient) -> SyncResult:
            session = client.session
            if self._poll_deadline is not None:
                # past it, every request fails as a timeout: what is left is incomplete
                session.deadline = asyncio.get_running_loop().time() + self._poll_deadline
            try:
                return await poll(client)
            finally:
                session.deadline = None

        async def poll(client: UserClient) -> SyncResult:
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
            by_key = {path_key(c.href): c for c in listing}
            known_keys = {path_key(r.href) for r in known}
            # Calendars the user added since connecting come along, fetched in full (no
            # tags of ours vouch for them); the caller stores them as a silent baseline.
            added = [
                dataclasses.replace(c, ctag="", sync_token="")
                for c in listing
                if path_key(c.href) not in known_keys
            ]
            targets = [r for r in known if r.enabled] + added
            fetches_out: list[CalendarFetch] = []
            for ref in targets:
                fetches_out.append(await self._fetch_one(client, ref, by_key, scope, stored))
            return SyncResult(
                tuple(fetches_out), requests=session.requests - start, found_home=found
            )

        return await self._clients.run(credentials, work)

    async def _home_listing(
        self, client: UserClient, credentials: Credentials, known: Sequence[CalendarRef]
    ) -> tuple[str, tuple[CalendarRef, ...]]:
        """The home and its listing. A home the caller stored is listed at once (one
        request after a restart); should it fail, or lack a calendar the caller knows, before
        it ever answered here, the home is looked up again (moved, or another server behind
        the same address) and listed from there."""
        home = await client.ensure_home(credentials)
        if client.home_unconfirmed:
            client.home_unconfirmed = False
            try:
                listing = client.read_listing(await fetch_home_listing(client.session, home))
            except AuthFailed:
                raise
            except CalendarError:
                listing = None
            listed = {path_key(c.href) for c in listing or ()}
            if listing is not None and all(path_key(r.href) in listed for r in known):
                return home, listing
            client.home_url = ""
            home = await client.ensure_home(credentials)
        return home, client.read_listing(await fetch_home_listing(client.session, home))

    async def _fetch_one(
        self,
        client: UserClient,
        ref: CalendarRef,
        by_key: dict[str, CalendarRef],
        scope: ExpansionScope,
        stored: bool = False,
    ) -> CalendarFetch:
        key = path_key(ref.href)
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
        client: UserClient,
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

    async def _lenient_sync_tokens(self, client: UserClient, href: str) -> bool:
        """Whether this server answers tokens it cannot know (learnt once per server): a
        delta from it could not name deleted objects, so the calendar is read whole."""
        traits = self.servers.of(href)
        fetcher = CalendarFetcher(client.session, CalendarState(), self._offload, traits)
        return await fetcher.lenient_sync_tokens(href)

    async def _delta(
        self,
        client: UserClient,
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
        client: UserClient,
        key: str,
        listed: CalendarRef,
        scope: ExpansionScope,
        *,
        reconcile: bool = False,
    ) -> Full:
        state = self._clients.state(client, key)
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
