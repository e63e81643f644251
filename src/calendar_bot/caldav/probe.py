"""`calendar-bot probe`: what a live CalDAV account's server supports, read-only.

Runs the steps the adapter takes (discovery, the home listing, an etag listing, a
multiget, a calendar-query with data, sync-collection, a token the server cannot know, a
listing without a time range) against one account, with PROPFIND and REPORT only, and
reports each step's answer and request count, and the path the bot will take there. An
admin can run it against Mail.ru, Yandex or iCloud and paste the table into a bug report;
it prints no secret (URLs carry no login; the password is never shown).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

from calendar_bot.caldav import davxml
from calendar_bot.caldav.discovery import fetch_home_listing, find_home, read_home_listing
from calendar_bot.caldav.expansion import expand
from calendar_bot.caldav.fetch import UNKNOWABLE_TOKEN
from calendar_bot.caldav.http import DavSession, Transport, origin
from calendar_bot.caldav.ical import parse_object
from calendar_bot.domain.model import CalendarRef, ExpansionScope, TimeWindow
from calendar_bot.ports import CalendarError

PROBE_DAYS = 30
PROBE_OBJECTS = 50  # at most this many objects outside the window are read to check the filter


StepLog = Callable[[str, str], None]


@dataclass(slots=True)
class Step:
    name: str
    result: str
    requests: int


@dataclass(slots=True)
class ProbeReport:
    steps: list[Step] = field(default_factory=list)
    path: list[str] = field(default_factory=list)  # what the bot will do on this server
    ok: bool = True

    def table(self) -> str:
        width = max((len(s.name) for s in self.steps), default=10)
        rows = [f"{'step':<{width}}  requests  result", f"{'-' * width}  --------  ------"]
        rows += [f"{s.name:<{width}}  {s.requests:>8}  {s.result}" for s in self.steps]
        rows.append("")
        rows.append("the bot's path on this server:")
        rows += [f"  - {line}" for line in self.path]
        return "\n".join(rows)


class _Counter:
    def __init__(self, session: DavSession) -> None:
        self._session = session
        self._mark = session.requests

    def take(self) -> int:
        spent = self._session.requests - self._mark
        self._mark = self._session.requests
        return spent


async def probe(
    base_url: str, username: str, password: str, *, now: datetime | None = None
) -> ProbeReport:
    transport = Transport(limit=2, timeout=30)
    try:
        return await _probe(DavSession(username, password, transport), base_url, username, now)
    finally:
        await transport.close()


async def _probe(
    session: DavSession, base_url: str, username: str, now: datetime | None
) -> ProbeReport:
    report = ProbeReport()
    count = _Counter(session)
    moment = now or datetime.now(UTC)
    window = TimeWindow(moment - timedelta(days=1), moment + timedelta(days=PROBE_DAYS))

    def step(name: str, result: str) -> None:
        report.steps.append(Step(name, result, count.take()))

    try:
        principal, home = await find_home(session, base_url, username)
    except CalendarError as exc:
        step("discovery", f"FAILED: {type(exc).__name__}: {exc}")
        report.ok = False
        return report
    step("discovery", f"principal {_short(principal)}, home {_short(home)}")
    home_set = await _has_home_set(session, principal)
    step(
        "calendar-home-set",
        "yes" if home_set else "no (the principal's children, or a pasted calendar, are used)",
    )
    report.path.append(
        "home: calendar-home-set"
        if home_set
        else "home: the principal's Depth-1 children (as the original bot on Mail.ru)"
    )
    try:
        calendars = read_home_listing(await fetch_home_listing(session, home))
    except CalendarError as exc:
        step("home listing", f"FAILED: {exc}")
        report.ok = False
        return report
    step("home listing", f"{len(calendars)} event calendar(s)")
    if not calendars:
        report.ok = False
        report.path.append("no event calendar to read")
        return report
    step("ctag", _share(calendars, lambda c: bool(c.ctag)))
    step("sync-token", _share(calendars, lambda c: bool(c.sync_token)))
    report.path.append(
        "change check: one Depth-1 PROPFIND of the home per poll"
        + (" (ctag/sync-token)" if any(c.ctag or c.sync_token for c in calendars) else "")
        + (
            ""
            if all(c.ctag or c.sync_token for c in calendars)
            else "; a calendar without tags is read whole every poll"
        )
    )
    calendar = calendars[0]
    await _probe_calendar(session, calendar, window, username, report, step)
    report.steps.append(Step("authentication", session.scheme.capitalize(), 0))
    return report


async def _probe_calendar(
    session: DavSession,
    calendar: CalendarRef,
    window: TimeWindow,
    username: str,
    report: ProbeReport,
    step: StepLog,
) -> None:
    href = calendar.href
    listing: dict[str, str] = {}
    etags = False
    result = await _report(
        session, href, davxml.calendar_query(window.start, window.end, data=False)
    )
    if result is None:
        step("etag listing", "refused")
    else:
        for item in result.responses:
            member = urljoin(href, item.href)
            if _same(member, href) or item.status == 404:
                continue
            listing[member] = item.text(davxml.GETETAG)
        etags = bool(listing) and all(listing.values())
        step(
            "etag listing",
            f"{len(listing)} object(s) in {PROBE_DAYS} days, "
            + ("with etags" if etags else "WITHOUT etags" if listing else "none to check"),
        )
    multiget = False
    if listing:
        some = list(listing)[:5]
        answer = await _report(session, href, davxml.calendar_multiget([_path(h) for h in some]))
        got = {
            _path(urljoin(href, i.href))
            for i in (answer.responses if answer is not None else [])
            if davxml.calendar_data(i)
        }
        multiget = {_path(h) for h in some} <= got
        step("calendar-multiget", "yes" if multiget else "refused or incomplete")
    else:
        step("calendar-multiget", "not checked (no object in the window)")
    with_data = await _report(
        session, href, davxml.calendar_query(window.start, window.end, data=True)
    )
    step(
        "calendar-query with data",
        "refused" if with_data is None else f"{len(with_data.responses)} response(s)",
    )
    if etags and multiget:
        report.path.append("objects: etag listing, then calendar-multiget of what changed")
    else:
        report.path.append("objects: calendar-query carrying calendar-data (the fallback)")
    sync = await _report(session, href, davxml.sync_collection(""))
    step("sync-collection", "yes" if sync is not None and sync.sync_token else "no")
    lenient = await session.request(
        "REPORT", href, davxml.sync_collection(UNKNOWABLE_TOKEN), {"Depth": "1"}
    )
    step(
        "unknown sync token",
        f"HTTP {lenient.status}"
        + (" (answers it: deletions are checked by listing)" if lenient.status == 207 else ""),
    )
    if sync is not None and sync.sync_token:
        report.path.append(
            "changed calendar: sync-collection from the stored token"
            + (", then a listing without time range" if lenient.status == 207 else "")
        )
    else:
        report.path.append("changed calendar: the window's listing again")
    await _probe_filter(session, href, window, username, listing, step)
    report.path.append("reconciliation: a listing without time range, hourly per calendar")


async def _probe_filter(
    session: DavSession,
    href: str,
    window: TimeWindow,
    username: str,
    listing: dict[str, str],
    step: StepLog,
) -> None:
    everything = await session.request("PROPFIND", href, davxml.propfind_etags(), {"Depth": "1"})
    if everything.status != 207:
        step("listing without time range", f"HTTP {everything.status}")
        step("time-range filter", "not checked")
        return
    try:
        members = davxml.parse_multistatus(everything.body)
    except davxml.MalformedMultistatus:
        step("listing without time range", "unreadable answer")
        step("time-range filter", "not checked")
        return
    hrefs = [
        urljoin(href, m.href)
        for m in members.responses
        if not _same(urljoin(href, m.href), href) and m.text(davxml.GETETAG)
    ]
    step("listing without time range", f"{len(hrefs)} object(s) in the calendar")
    outside = [h for h in hrefs if h not in listing][:PROBE_OBJECTS]
    missed = 0
    for member in outside:
        got = await session.request("GET", member)
        if got.status != 200:
            continue
        parsed = parse_object(got.body.decode("utf-8", errors="replace"), _path(member))
        if expand(
            parsed, ExpansionScope(window, username, "UTC"), calendar_href=href, event_href=member
        ):
            missed += 1
    step(
        "time-range filter",
        f"left out {missed} of {len(outside)} object(s) checked"
        if missed
        else f"trusted ({len(outside)} object(s) outside the window checked)",
    )


async def _has_home_set(session: DavSession, principal: str) -> bool:
    result = await session.request(
        "PROPFIND", principal, davxml.propfind_principal(), {"Depth": "0"}
    )
    if result.status != 207:
        return False
    try:
        ms = davxml.parse_multistatus(result.body)
    except davxml.MalformedMultistatus:
        return False
    return any(item.href_in(davxml.CALENDAR_HOME_SET) for item in ms.responses)


async def _report(session: DavSession, href: str, body: bytes) -> davxml.Multistatus | None:
    result = await session.request("REPORT", href, body, {"Depth": "1"})
    if result.status != 207:
        return None
    try:
        return davxml.parse_multistatus(result.body)
    except davxml.MalformedMultistatus:
        return None


def _share(calendars: list[CalendarRef], has: Callable[[CalendarRef], bool]) -> str:
    n = sum(1 for c in calendars if has(c))
    return f"{n} of {len(calendars)} calendar(s)"


def _path(url: str) -> str:
    return urlsplit(url).path


def _same(a: str, b: str) -> bool:
    return _path(a).rstrip("/") == _path(b).rstrip("/")


def _short(url: str) -> str:
    """The URL without a login or query (safe to paste into a bug report)."""
    return origin(url) + (_path(url) or "/")
