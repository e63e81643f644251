"""Per-calendar change detection and fetch, with a per-user cache of parsed objects.

The cache holds, per calendar, the objects we know (href -> etag, parsed) and the ctag /
sync-token they correspond to. An unchanged calendar costs nothing beyond the one home
listing; a changed one costs a sync-collection REPORT (or an etag listing) plus one multiget
of only the changed hrefs. Parsing happens once per (href, etag); only the expansion is kept
(a parsed iCalendar tree is ten times its size), so when the window moves to a new day the
objects are fetched again in one multiget and parsed anew.

One bad object does not sink its calendar: when a multiget answer cannot be read as a whole
(an object that is not UTF-8, or one over the XML parser's 10 MB limit for a text), the
batch's objects are fetched one by one with GET. An object that then really is unreadable is
kept as such (with its etag, so it is not fetched again until it changes) and reported in
`unreadable`: nothing is known about it, which is neither "gone" nor "unchanged".

Each fast path has a fallback, chosen per server by what it answered (traits.py): a
calendar-query carrying calendar-data where multiget or the etag listing does not work, the
whole calendar where sync-collection does not. A reconciliation (`_reconcile`, a listing
of every member without a time range) catches what a server's shortcut left out.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

from calendar_bot.caldav import davxml
from calendar_bot.caldav.errors import (
    EtagListingUnusable,
    FetchFailed,
    MalformedAnswer,
    MultigetRefused,
    Refused,
    SyncRefused,
    check_listing,
    check_report,
    check_sync,
    object_found,
    raise_if_login_refused,
)
from calendar_bot.caldav.expansion import expand, overlaps
from calendar_bot.caldav.http import DavSession
from calendar_bot.caldav.ical import BrokenObject, ParsedObject, parse_object
from calendar_bot.caldav.traits import ServerTraits
from calendar_bot.domain.model import (
    CalendarRef,
    ExpansionScope,
    Occurrence,
    TimeWindow,
    snapshot_order,
)
from calendar_bot.domain.zones import zone_of

log = logging.getLogger(__name__)

T = TypeVar("T")

MULTIGET_BATCH = 100
# libxml2's limit for one text node (XML_MAX_TEXT_LENGTH): a larger object cannot come in a
# multiget answer, and one this large is no meeting anybody can use.
MAX_OBJECT_BYTES = 10_000_000
UNREADABLE_NOT_UTF8 = "not_utf8"
UNREADABLE_TOO_LARGE = "too_large"
# The etag listing covers more than the window, so a window moving by a day or so does not
# force a new listing when nothing changed on the server.
LISTING_PAD_BEFORE = timedelta(days=1)
LISTING_PAD_AFTER = timedelta(days=14)


# how servers refuse a sync token they do not accept (Radicale 403, Xandikos 412)
_TOKEN_REFUSALS = {403, 412}


@dataclass(slots=True)
class CachedObject:
    etag: str
    parsed: ParsedObject | None  # dropped once expanded: see the module docstring
    # the last expansion, so a change to one object re-expands only that object
    expanded_key: ExpansionScope | None = None
    expanded: tuple[Occurrence, ...] = ()
    unreadable: str = ""  # why this object cannot be read (UNREADABLE_*); then never parsed
    broken: bool = False  # its last expansion failed: unknown, not gone


@dataclass(slots=True)
class CalendarState:
    ctag: str = ""
    sync_token: str = ""
    objects: dict[str, CachedObject] = field(default_factory=dict)  # absolute href -> object
    covered: tuple[datetime, datetime] | None = None  # the range the etag listing covered
    expanded_key: ExpansionScope | None = None
    expanded: tuple[Occurrence, ...] = ()
    sync_refusals: int = 0  # consecutive refused sync-collection REPORTs; 2 and we stop trying
    # a sync answer looked like a full listing without tombstones: reconcile before trusting
    suspicious: bool = False
    found: set[str] = field(default_factory=set)  # hrefs only the reconciliation found
    # href -> etag: objects the reconciliation fetched that have nothing in `covered`
    ignored: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeltaOutcome:
    """A calendar's changes since a sync token: every object in `replaced` changed or is gone;
    `occurrences` are the window's occurrences of those still there."""

    replaced: frozenset[str]  # absolute hrefs
    occurrences: tuple[Occurrence, ...]
    sync_token: str  # the server's token after these changes
    unreadable: dict[str, str] = field(default_factory=dict)  # href -> why; not in `replaced`
    broken: frozenset[str] = frozenset()  # hrefs of replaced objects that cannot be read


@dataclass(slots=True)
class FetchOutcome:
    occurrences: tuple[Occurrence, ...]
    unchanged: bool
    unreadable: dict[str, str] = field(default_factory=dict)  # href -> why (UNREADABLE_*)
    broken: frozenset[str] = frozenset()  # hrefs of objects that cannot be read


def _path(url: str) -> str:
    return urlsplit(url).path


async def _report(
    session: DavSession, url: str, body: bytes, depth: str = "1"
) -> davxml.Multistatus:
    result = await session.request("REPORT", url, body, {"Depth": depth})
    check_report(result.status)
    try:
        return davxml.parse_multistatus(result.body)
    except davxml.MalformedMultistatus as exc:
        raise MalformedAnswer(f"malformed multistatus: {exc}") from None


def unreadable_in(objects: dict[str, CachedObject]) -> dict[str, str]:
    return {href: obj.unreadable for href, obj in objects.items() if obj.unreadable}


class Offload(Protocol):
    """Runs CPU-heavy work somewhere and awaits its result."""

    def __call__(self, work: Callable[[], T], /) -> Awaitable[T]: ...


class CalendarFetcher:
    """Brings one calendar's cache up to date, under the user's lock.

    Requests run in the event loop; parsing and expanding iCalendar (the CPU-heavy part of a
    changed calendar) goes through `offload`, the gateway's worker threads, so a large
    calendar does not hold up everything else the bot is doing."""

    def __init__(
        self,
        session: DavSession,
        state: CalendarState,
        offload: Offload,
        traits: ServerTraits | None = None,
    ) -> None:
        self.session = session
        self.state = state
        self._offload = offload
        self.traits = traits if traits is not None else ServerTraits()
        self.reconciled = False  # whether this fetch listed the calendar without a time range
        # href -> text of objects fetched but not parsed yet (see `delta`): None, parse them
        # as they come in
        self._unparsed: dict[str, str] | None = None

    async def fetch(
        self, listed: CalendarRef, scope: ExpansionScope, *, reconcile: bool = False
    ) -> FetchOutcome:
        """`reconcile`: also list the calendar without a time range (see `_reconcile`); done
        anyway when a sync answer looked suspicious."""
        state = self.state
        window = scope.window
        warm = state.expanded_key is not None or bool(state.objects) or state.covered is not None
        same_tags = bool(listed.ctag or listed.sync_token) and (
            listed.ctag == state.ctag and listed.sync_token == state.sync_token
        )
        covered = state.covered is None or (
            state.covered[0] <= window.start and window.end <= state.covered[1]
        )
        unchanged = warm and same_tags and covered
        if not unchanged:
            await self._refresh(listed, window)
        if (reconcile or state.suspicious) and await self._reconcile(listed, scope):
            unchanged = False
        await self._reload_unexpandable(listed, scope)
        if state.expanded_key != _exact_key(scope):
            await self._offload(partial(_expand, state, listed.href, scope))
        return FetchOutcome(
            state.expanded, unchanged, unreadable_in(state.objects), broken_hrefs(state)
        )

    async def _reload_unexpandable(self, listed: CalendarRef, scope: ExpansionScope) -> None:
        """Fetch again the objects that need a new expansion but whose parse was dropped."""
        state = self.state
        if state.expanded_key == _exact_key(scope):
            return
        key = _coarse_key(scope)
        stale = [
            h
            for h, o in state.objects.items()
            if o.parsed is None and not o.unreadable and o.expanded_key != key
        ]
        if stale:
            fetched, vanished = await self._objects(listed, stale)
            for href in vanished:
                state.objects.pop(href, None)
            state.objects.update(fetched)

    # ---- refresh ----------------------------------------------------------------------------

    async def _refresh(self, listed: CalendarRef, window: TimeWindow) -> None:
        state = self.state
        if (
            state.sync_token
            and state.sync_refusals < 2
            and state.covered is not None
            and listed.sync_token
            and state.covered[0] <= window.start
            and window.end <= state.covered[1]
        ):
            try:
                await self._incremental(listed)
                return
            except SyncRefused as exc:
                # a server error (Yandex's 507 on a large calendar) will not pass by itself:
                # etag listings from now on; a refused token may be a one-off
                state.sync_refusals += 2 if exc.server_error else 1
                log.info("sync-collection refused for a calendar (%s); doing a full listing", exc)
            except MultigetRefused:
                self.traits.multiget = False
                log.info("calendar-multiget refused; reading with calendar-data")
        await self._full(listed, window)

    async def _incremental(self, listed: CalendarRef) -> None:
        """sync-collection from our token: only changed and deleted hrefs."""
        state = self.state
        carried: dict[str, str] = {}
        changed, deleted, token = await self._changes_since(listed.href, state.sync_token, carried)
        wanted = [
            h
            for h, e in changed.items()
            if not e or h not in state.objects or state.objects[h].etag != e
        ]
        if not deleted and (
            len(wanted) < len(changed) or await self.lenient_sync_tokens(listed.href)
        ):
            # Objects we hold, at the etags we hold, sent again and no tombstone, or no
            # tombstone from a server that answers tokens it cannot know (DAViCal): the
            # answer may be a listing from no token, which cannot say what was deleted.
            # The reconciliation finds it.
            state.suspicious = True
        rest = [h for h in wanted if h not in carried]
        if self.traits.multiget is False and rest:
            raise MultigetRefused("calendar-multiget is not available")
        fetched, vanished = await self._multiget(listed.href, rest)
        texts = [(h, changed[h], carried[h]) for h in wanted if h in carried]
        for (href, etag, _), obj in zip(texts, await self._parse(texts), strict=True):
            fetched[href] = CachedObject(etag, obj)
        for href in deleted | vanished:
            state.objects.pop(href, None)
        state.objects.update(fetched)
        state.sync_refusals = 0
        self._mark_tags(listed, token)

    async def delta(
        self,
        listed: CalendarRef,
        since_token: str,
        scope: ExpansionScope,
    ) -> DeltaOutcome:
        """What changed since `since_token` (the caller's stored tags), without the rest of
        the calendar: the changed objects fetched and expanded over the window. Raises
        SyncRefused when the server will not sync from that token."""
        carried: dict[str, str] = {}
        changed, deleted, token = await self._changes_since(listed.href, since_token, carried)
        rest = [h for h in changed if h not in carried]
        if self.traits.multiget is False and rest:
            raise SyncRefused("calendar-multiget is not available")
        # parsed and expanded in one hand-off to the worker threads, not one each
        self._unparsed = {}
        try:
            fetched, vanished = await self._multiget(listed.href, rest)
        except MultigetRefused:
            self.traits.multiget = False
            raise SyncRefused("calendar-multiget refused") from None
        finally:
            texts, self._unparsed = self._unparsed, None
        for href, data in carried.items():
            fetched[href] = CachedObject(changed[href], None)
            texts[href] = data
        objects = CalendarState(objects=fetched)
        occurrences = await self._offload(
            # expanded like a full fetch, so the delta is exactly those objects' share of it
            partial(_parse_then_expand, objects, texts, listed.href, scope)
        )
        unreadable = unreadable_in(fetched)
        replaced = (frozenset(changed) | deleted | vanished) - unreadable.keys()
        return DeltaOutcome(replaced, occurrences, token, unreadable, broken_hrefs(objects))

    async def _changes_since(
        self, calendar_href: str, token: str, carried: dict[str, str] | None = None
    ) -> tuple[dict[str, str], set[str], str]:
        """sync-collection from `token`: (changed href -> etag, deleted hrefs, new token).

        With `carried`, the changed objects' calendar-data is asked for too, and what came
        is put there (href -> data): those need no multiget. A server that refuses that, or
        whose answer with the data cannot be read (an object that is not UTF-8, or too
        large), is asked again for etags only; one that just leaves the data out has its
        objects fetched by multiget as before."""
        if carried is None or self.traits.sync_data is False:
            return await self._sync_pages(calendar_href, token, None)
        try:
            found = await self._sync_pages(calendar_href, token, carried)
        except SyncRefused as exc:
            if exc.status in _TOKEN_REFUSALS or exc.server_error:
                raise  # the token, or the server: asking without the data changes nothing
            carried.clear()
            found = await self._sync_pages(calendar_href, token, None)
            self.traits.sync_data = False
            log.info("sync-collection with calendar-data refused (%s); asking for etags", exc)
            return found
        except FetchFailed as exc:
            carried.clear()
            log.info("sync-collection answer with calendar-data unreadable (%s)", exc)
            return await self._sync_pages(calendar_href, token, None)
        return found

    async def _sync_pages(
        self, calendar_href: str, token: str, carried: dict[str, str] | None
    ) -> tuple[dict[str, str], set[str], str]:
        """sync-collection from `token`: (changed href -> etag, deleted hrefs, new token).
        A member listed without an etag has changed all the same (etag "")."""
        changed: dict[str, str] = {}
        deleted: set[str] = set()
        body_of = partial(davxml.sync_collection, data=carried is not None)
        for _ in range(20):  # servers may page their answer (507 on the truncated part)
            result = await self.session.request(
                "REPORT", calendar_href, body_of(token), {"Depth": "1"}
            )
            check_sync(result.status)
            try:
                ms = davxml.parse_multistatus(result.body)
            except davxml.MalformedMultistatus as exc:
                raise FetchFailed(f"malformed multistatus: {exc}") from None
            more = False
            for item in ms.responses:
                href = urljoin(calendar_href, item.href)
                if item.status == 507:
                    more = True
                    continue
                if _path(href).rstrip("/") == _path(calendar_href).rstrip("/"):
                    continue
                if item.status == 404:
                    deleted.add(href)
                    changed.pop(href, None)
                    if carried is not None:
                        carried.pop(href, None)
                    continue
                changed[href] = item.text(davxml.GETETAG)
                deleted.discard(href)
                if carried is not None:
                    data = davxml.calendar_data(item)
                    if data and davxml.CALENDAR_DATA not in item.missing:
                        carried[href] = data
                    else:
                        carried.pop(href, None)
            if not ms.sync_token:
                raise FetchFailed("sync-collection answer without a sync-token")
            token = ms.sync_token
            if not more:
                break
        return changed, deleted, token

    def _mark_tags(self, listed: CalendarRef, token: str) -> None:
        """Remember the tags the cache now matches; the listing's tags if nothing moved since."""
        state = self.state
        state.ctag = listed.ctag
        state.sync_token = token
        state.expanded_key = None
        if token != listed.sync_token:
            # the calendar moved on between listing and REPORT: the next poll looks again
            state.ctag = ""

    async def _full(self, listed: CalendarRef, window: TimeWindow) -> None:
        """Etag listing over a padded window, then multiget of what we do not have; or, on a
        server without either, one calendar-query carrying the data."""
        state = self.state
        start = window.start - LISTING_PAD_BEFORE
        end = window.end + LISTING_PAD_AFTER
        if self.traits.data_query:
            fetched = await self._with_data(listed.href, start, end)
        else:
            try:
                fetched = await self._listed_then_fetched(listed.href, start, end)
            except MultigetRefused:
                self.traits.multiget = False
                log.info("calendar-multiget refused or incomplete; reading with calendar-data")
                fetched = await self._with_data(listed.href, start, end)
            except EtagListingUnusable as exc:
                self.traits.etag_listing = False
                log.info("etag listing unusable (%s); reading with calendar-data", exc)
                fetched = await self._with_data(listed.href, start, end)
        if state.covered != (start, end):
            state.ignored.clear()  # nothing in the old range says nothing about the new one
        # what only the reconciliation found stays until the next reconciliation
        fetched.update({h: state.objects[h] for h in state.found if h in state.objects})
        state.objects = fetched
        state.covered = (start, end)
        state.ctag = listed.ctag
        state.sync_token = listed.sync_token
        state.expanded_key = None

    async def _listed_then_fetched(
        self, calendar_href: str, start: datetime, end: datetime
    ) -> dict[str, CachedObject]:
        state = self.state
        try:
            ms = await _report(
                self.session, calendar_href, davxml.calendar_query(start, end, data=False)
            )
        except Refused as exc:
            raise EtagListingUnusable(str(exc)) from None
        listing: dict[str, str] = {}
        for item in ms.responses:
            href = urljoin(calendar_href, item.href)
            if _path(href).rstrip("/") == _path(calendar_href).rstrip("/") or item.status == 404:
                continue
            etag = item.text(davxml.GETETAG)
            if not etag:
                raise EtagListingUnusable("etag listing without an etag")
            listing[href] = etag
        self.traits.etag_listing = True
        wanted = [
            h for h, e in listing.items() if h not in state.objects or state.objects[h].etag != e
        ]
        if self.traits.multiget is False and wanted:
            raise MultigetRefused("calendar-multiget is not available")
        fetched, _vanished = await self._multiget(calendar_href, wanted)
        objects = {
            h: state.objects[h]
            for h, etag in listing.items()
            if h not in fetched and h in state.objects and state.objects[h].etag == etag
        }
        objects.update(fetched)
        return objects

    async def _with_data(
        self, calendar_href: str, start: datetime, end: datetime
    ) -> dict[str, CachedObject]:
        """The fallback the original bot proved on Mail.ru: a calendar-query over the range
        that carries every object's data; objects we hold at the same etag are not parsed
        again."""
        try:
            ms = await _report(
                self.session, calendar_href, davxml.calendar_query(start, end, data=True)
            )
        except FetchFailed:
            self.traits.forget_fallbacks()  # look at the fast paths again next time
            raise
        texts: list[tuple[str, str, str]] = []
        objects: dict[str, CachedObject] = {}
        for item in ms.responses:
            href = urljoin(calendar_href, item.href)
            if _path(href).rstrip("/") == _path(calendar_href).rstrip("/") or item.status == 404:
                continue
            data = davxml.calendar_data(item)
            if not data:
                self.traits.forget_fallbacks()
                raise FetchFailed("calendar-query answer without calendar data")
            etag = item.text(davxml.GETETAG) or _content_etag(data)
            held = self.state.objects.get(href)
            if held is not None and held.etag == etag:
                objects[href] = held
            else:
                texts.append((href, etag, data))
        parsed = await self._offload(partial(_parse_all, texts))
        for (href, etag, _), obj in zip(texts, parsed, strict=True):
            objects[href] = CachedObject(etag, obj)
        return objects

    async def _objects(
        self, listed: CalendarRef, hrefs: list[str]
    ) -> tuple[dict[str, CachedObject], set[str]]:
        """Named objects by multiget, or one GET each where multiget is not available."""
        if self.traits.multiget is not False:
            try:
                return await self._multiget(listed.href, hrefs)
            except MultigetRefused:
                self.traits.multiget = False
        out: dict[str, CachedObject] = {}
        vanished: set[str] = set()
        texts: list[tuple[str, str, str]] = []
        for href in hrefs:
            got = await self.session.request("GET", href)
            if not object_found(got.status):
                vanished.add(href)
                continue
            data = got.body.decode("utf-8", errors="replace")
            texts.append((href, got.etag or _content_etag(data), data))
        parsed = await self._parse(texts)
        for (href, etag, _), obj in zip(texts, parsed, strict=True):
            out[href] = CachedObject(etag, obj)
        return out, vanished

    async def _parse(self, texts: list[tuple[str, str, str]]) -> list[ParsedObject | None]:
        """Parse (href, etag, data) in the worker threads; or, while `_unparsed` collects
        them, leave that for later (the objects stay unparsed until then)."""
        if self._unparsed is not None:
            self._unparsed.update((href, data) for href, _, data in texts)
            return [None] * len(texts)
        return list(await self._offload(partial(_parse_all, texts)))

    async def _multiget(
        self, calendar_href: str, hrefs: list[str]
    ) -> tuple[dict[str, CachedObject], set[str]]:
        """(objects fetched, hrefs that vanished since they were listed).

        Each batch goes into the cache as soon as it is in (at its own etag, which is all a
        cached object vouches for): when a poll runs out of time half-way, the next one
        fetches only the rest, so a large calendar on a slow server gets there in steps."""
        out: dict[str, CachedObject] = {}
        vanished: set[str] = set()
        for i in range(0, len(hrefs), MULTIGET_BATCH):
            got, gone = await self._multiget_batch(calendar_href, hrefs[i : i + MULTIGET_BATCH])
            out.update(got)
            vanished |= gone
            self.state.objects.update(got)
            self.state.expanded_key = None
        if hrefs:
            self.traits.multiget = True
        return out, vanished

    async def _multiget_batch(
        self, calendar_href: str, batch: list[str]
    ) -> tuple[dict[str, CachedObject], set[str]]:
        out: dict[str, CachedObject] = {}
        vanished: set[str] = set()
        try:
            ms = await _report(
                self.session,
                calendar_href,
                davxml.calendar_multiget([_path(h) for h in batch]),
            )
        except Refused as exc:
            raise MultigetRefused(str(exc)) from None
        except MalformedAnswer as exc:
            log.info("multiget answer unreadable (%s); fetching its objects one by one", exc)
            return await self._get_each(batch)
        answered: set[str] = set()
        texts: list[tuple[str, str, str]] = []  # (href, etag, calendar data)
        for item in ms.responses:
            href = urljoin(calendar_href, item.href)
            answered.add(_path(href))
            if item.status == 404 or davxml.CALENDAR_DATA in item.missing:
                vanished.add(href)  # deleted between listing and multiget
                continue
            data = davxml.calendar_data(item)
            etag = item.text(davxml.GETETAG)
            if not data:
                raise MultigetRefused("multiget answer without calendar data")
            texts.append((href, etag, data))
        missing = [h for h in batch if _path(h) not in answered]
        if missing:
            raise MultigetRefused(f"multiget left out {len(missing)} object(s)")
        parsed = await self._parse(texts)
        for (href, etag, _), obj in zip(texts, parsed, strict=True):
            out[href] = CachedObject(etag, obj)
        return out, vanished

    async def _get_each(self, hrefs: list[str]) -> tuple[dict[str, CachedObject], set[str]]:
        """GET each object: a transport failure still fails the calendar (a truncated
        answer is no verdict on any object), only a complete body that is not UTF-8 or is
        too large marks its object unreadable."""
        out: dict[str, CachedObject] = {}
        vanished: set[str] = set()
        texts: list[tuple[str, str, str]] = []
        for href in hrefs:
            result = await self.session.request("GET", href)
            if not object_found(result.status, what=" for an object"):
                vanished.add(href)
                continue
            if len(result.body) > MAX_OBJECT_BYTES:
                out[href] = CachedObject(result.etag, None, unreadable=UNREADABLE_TOO_LARGE)
                continue
            try:
                texts.append((href, result.etag, result.body.decode("utf-8")))
            except UnicodeDecodeError:
                out[href] = CachedObject(result.etag, None, unreadable=UNREADABLE_NOT_UTF8)
        parsed = await self._parse(texts)
        for (href, etag, _), obj in zip(texts, parsed, strict=True):
            out[href] = CachedObject(etag, obj)
        for cached in out.values():
            if cached.unreadable:
                log.warning("an event object is unreadable (%s)", cached.unreadable)
        return out, vanished

    # ---- reconciliation ---------------------------------------------------------------------

    async def _reconcile(self, listed: CalendarRef, scope: ExpansionScope) -> bool:
        """List every member's etag without a time range and fetch what the fast path
        missed: objects the time-range filter left out (kept when they have occurrences in
        the covered range), objects changed behind a sync answer, and objects gone without
        a tombstone. True when the cache changed. A failure here changes nothing: the fast
        path's answer stands, and the next poll tries again."""
        state = self.state
        try:
            listing = await self._all_etags(listed.href)
        except FetchFailed as exc:
            log.info("calendar reconciliation failed: %s", exc)
            return False
        changed = False
        for href in [h for h in state.objects if h not in listing]:
            state.objects.pop(href)
            state.found.discard(href)
            changed = True
        state.ignored = {h: e for h, e in state.ignored.items() if listing.get(h) == e}
        stale = [h for h, o in state.objects.items() if o.etag != listing[h]]
        missed = [h for h in listing if h not in state.objects and h not in state.ignored]
        if stale or missed:
            try:
                fetched, vanished = await self._objects(listed, stale + missed)
            except FetchFailed as exc:
                log.info("calendar reconciliation failed: %s", exc)
                return changed
            for href in vanished:
                state.objects.pop(href, None)
                state.found.discard(href)
            for href in stale:
                if href in fetched:
                    state.objects[href] = fetched[href]
            relevant = await self._offload(
                partial(
                    _in_coverage,
                    {h: fetched[h] for h in missed if h in fetched},
                    state.covered,
                    listed.href,
                    scope,
                )
            )
            for href in missed:
                if href not in fetched:
                    continue
                if href in relevant:
                    state.objects[href] = fetched[href]
                    state.found.add(href)
                    log.info("the reconciliation found an object the time-range filter missed")
                else:
                    state.ignored[href] = fetched[href].etag
            if any(h in fetched for h in missed):
                self.traits.filter_checked(missed=bool(relevant))
            changed = changed or bool(stale or relevant or vanished)
        state.suspicious = False
        self.reconciled = True
        if changed:
            state.expanded_key = None
        return changed

    async def _all_etags(self, calendar_href: str) -> dict[str, str]:
        """href -> etag of every member, by a Depth-1 PROPFIND (no time range)."""
        result = await self.session.request(
            "PROPFIND", calendar_href, davxml.propfind_etags(), {"Depth": "1"}
        )
        check_listing(result.status)
        try:
            ms = davxml.parse_multistatus(result.body)
        except davxml.MalformedMultistatus as exc:
            raise FetchFailed(f"malformed multistatus: {exc}") from None
        listing: dict[str, str] = {}
        for item in ms.responses:
            href = urljoin(calendar_href, item.href)
            if _path(href).rstrip("/") == _path(calendar_href).rstrip("/") or item.status == 404:
                continue
            if item.props.get(f"{{{davxml.DAV}}}resourcetype") is not None and len(
                item.props[f"{{{davxml.DAV}}}resourcetype"]
            ):
                continue  # a sub-collection, not an object
            etag = item.text(davxml.GETETAG)
            if not etag:
                raise FetchFailed("member listing without an etag")
            listing[href] = etag
        return listing

    async def lenient_sync_tokens(self, calendar_href: str) -> bool:
        """Whether the server answers a sync-collection from a token it cannot know with
        207 (DAViCal) instead of refusing it: then an answer without tombstones cannot be
        trusted to have none. Asked once per server (one request), then known."""
        traits = self.traits
        if traits.lenient_sync_tokens is None:
            result = await self.session.request(
                "REPORT",
                calendar_href,
                davxml.sync_collection(UNKNOWABLE_TOKEN),
                {"Depth": "1"},
            )
            raise_if_login_refused(result.status)
            traits.lenient_sync_tokens = result.status == 207
            if traits.lenient_sync_tokens:
                log.info("this server answers sync tokens it cannot know; reconciling its answers")
        return traits.lenient_sync_tokens


# a sync token no server can have issued (probing how a server answers tokens it does not know)
UNKNOWABLE_TOKEN = "http://calendar-bot.invalid/sync/never-issued"  # noqa: S105 - not a secret


def _content_etag(data: str) -> str:
    """A stand-in etag for a server that sends none: the content's digest."""
    return "W/calendar-bot-" + hashlib.blake2b(data.encode(), digest_size=12).hexdigest()


def _in_coverage(
    objects: dict[str, CachedObject],
    covered: tuple[datetime, datetime] | None,
    calendar_href: str,
    scope: ExpansionScope,
) -> set[str]:
    """The hrefs whose object has an occurrence in the covered range (for the scope's user
    and zone)."""
    if covered is None:
        return set(objects)
    span = dataclasses.replace(scope, window=TimeWindow(*covered))
    out: set[str] = set()
    for href, obj in objects.items():
        if obj.parsed is None:
            continue
        found = expand(obj.parsed, span, calendar_href=calendar_href, event_href=href)
        if found:
            out.add(href)
    return out


# ---- expansion ------------------------------------------------------------------------------


def _expand(
    state: CalendarState, calendar_href: str, scope: ExpansionScope
) -> tuple[Occurrence, ...]:
    """Expand the state's objects over whole UTC days around the window (cached per object),
    then cut to the window: polls that move the window by minutes reuse the expansion."""
    key = _exact_key(scope)
    if state.expanded_key == key:
        return state.expanded
    coarse_key = _coarse_key(scope)
    zone = zone_of(scope.default_tz)
    out: list[Occurrence] = []
    for href, obj in state.objects.items():
        if obj.unreadable:
            continue  # nothing known: the caller keeps what it had (see `unreadable`)
        if obj.expanded_key != coarse_key:
            if obj.parsed is None:
                raise FetchFailed("an object to expand was not fetched again")
            try:
                obj.expanded = tuple(
                    expand(
                        obj.parsed,
                        coarse_key,
                        calendar_href=calendar_href,
                        event_href=href,
                        strict=True,
                    )
                )
                obj.broken = False
            except BrokenObject:
                obj.expanded, obj.broken = (), True
            obj.expanded_key = coarse_key
            obj.parsed = None
        out.extend(o for o in obj.expanded if overlaps(o, scope.window, zone))
    state.expanded = snapshot_order(out)
    state.expanded_key = key
    return state.expanded


def _parse_then_expand(
    state: CalendarState, texts: dict[str, str], calendar_href: str, scope: ExpansionScope
) -> tuple[Occurrence, ...]:
    """Parse the state's objects fetched unparsed (`texts`, by href), then `_expand`."""
    for href, data in texts.items():
        obj = state.objects.get(href)
        if obj is not None and obj.parsed is None and not obj.unreadable:
            obj.parsed = parse_object(data, _path(href))
    return _expand(state, calendar_href, scope)


def broken_hrefs(state: CalendarState) -> frozenset[str]:
    """The objects in the cache that cannot be read (the caller keeps their last version)."""
    return frozenset(href for href, obj in state.objects.items() if obj.broken)


def _parse_all(texts: list[tuple[str, str, str]]) -> list[ParsedObject]:
    return [parse_object(data, _path(href)) for href, _, data in texts]


def _exact_key(scope: ExpansionScope) -> ExpansionScope:
    """What a calendar's expansion was made for (the e-mail address in any case)."""
    return dataclasses.replace(scope, user_email=scope.user_email.lower())


def _coarse_key(scope: ExpansionScope) -> ExpansionScope:
    """Expansion happens over whole UTC days around the window."""
    window = scope.window
    coarse = TimeWindow(_floor_day(window.start), _floor_day(window.end) + timedelta(days=1))
    return _exact_key(dataclasses.replace(scope, window=coarse))


def _floor_day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
