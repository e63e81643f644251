"""Find the principal and calendar home, and list the calendars in it (one Depth-1 PROPFIND)."""

from __future__ import annotations

import functools
import logging
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from calendar_bot.caldav import davxml
from calendar_bot.caldav.errors import check_home_listing, raise_if_login_refused
from calendar_bot.caldav.http import DavSession, HttpResult, origin
from calendar_bot.domain.model import CalendarRef
from calendar_bot.ports import CalendarError, NotCalDAV

log = logging.getLogger(__name__)

MAILRU_HOST = "calendar.mail.ru"


@functools.lru_cache(maxsize=1024)  # a handful of servers, asked at every poll
def normalize_base(base_url: str) -> str:
    base = base_url.strip()
    if "://" not in base:
        base = "https://" + base
    parts = urlsplit(base)
    if "@" in parts.netloc:  # never carry a login typed into the URL
        base = urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return base


def candidate_urls(base_url: str, username: str, principal_url: str = "") -> list[str]:
    """Where to look for the principal, best guess first."""
    base = normalize_base(base_url)
    root = origin(base)
    host = (urlsplit(base).hostname or "").lower()
    out: list[str] = []
    if principal_url:
        out.append(principal_url)
    if host == MAILRU_HOST and "@" in username:
        # Mail.ru may lack current-user-principal; its principal URL is well known.
        local, _, domain = username.partition("@")
        out.append(f"{root}/principals/{domain}/{local}/")
    out.append(base if base.endswith("/") else base + "/")
    out.append(f"{root}/.well-known/caldav")
    out.append(f"{root}/")
    if "@" in username:
        # last resort on any host: the Mail.ru principal form (a server reached through
        # another name, or one built the same way), tried only when the others failed
        local, _, domain = username.partition("@")
        out.append(f"{root}/principals/{domain}/{local}/")
    return list(dict.fromkeys(out))


async def _propfind(session: DavSession, url: str, body: bytes, depth: str) -> HttpResult:
    return await session.request("PROPFIND", url, body, {"Depth": depth})


def _where(url: str) -> str:
    parts = urlsplit(url)
    return origin(url) + (parts.path or "/")


async def find_home(
    session: DavSession, base_url: str, username: str, principal_url: str = ""
) -> tuple[str, str]:
    """(principal URL, calendar home URL). Raises AuthFailed / ServerUnreachable / NotCalDAV.

    The home is the calendar-home-set when the server names one; else, as the original bot
    did on Mail.ru, the principal itself when its Depth-1 children include calendars; else
    a pasted calendar URL stands for a home holding just that calendar.
    """
    refused: list[str] = []
    for url in candidate_urls(base_url, username, principal_url):
        # ServerUnreachable propagates: every candidate is on the same server, so trying
        # the others would only multiply the wait.
        result = await _propfind(session, url, davxml.propfind_principal(), "0")
        # a 403 is a place this login may not look (DAViCal's root): the next may answer
        raise_if_login_refused(result.status)
        if result.status != 207:
            refused.append(f"{_where(url)} answered HTTP {result.status}")
            continue
        try:
            ms = davxml.parse_multistatus(result.body)
        except davxml.MalformedMultistatus:
            refused.append(f"{_where(url)} answered something that is not a multistatus")
            continue
        principal, home = _principal_and_home(ms, result.url)
        if not home and principal and principal != result.url:
            follow = await _propfind(session, principal, davxml.propfind_principal(), "0")
            raise_if_login_refused(follow.status)
            if follow.status == 207:
                try:
                    _, home = _principal_and_home(davxml.parse_multistatus(follow.body), follow.url)
                except davxml.MalformedMultistatus:
                    home = ""
        if home:
            return principal or result.url, home
        if _is_calendar_itself(ms, result.url):
            return principal or result.url, result.url
        holder = principal or result.url
        if await _has_calendar_children(session, holder):
            return holder, holder
        refused.append(f"{_where(url)} has no calendar home and no calendars")
    detail = "; ".join(refused) or "no address to try"
    raise NotCalDAV(f"no CalDAV principal or calendar home found ({detail})")


def _is_calendar_itself(ms: davxml.Multistatus, url: str) -> bool:
    own = urlsplit(url).path.rstrip("/")
    return any(
        davxml.is_calendar(item) and urlsplit(urljoin(url, item.href)).path.rstrip("/") == own
        for item in ms.responses
    )


async def _has_calendar_children(session: DavSession, url: str) -> bool:
    """Whether a Depth-1 listing of `url` holds an event calendar (the principal's
    children on a server without calendar-home-set)."""
    result = await _propfind(session, url, davxml.propfind_calendars(), "1")
    raise_if_login_refused(result.status)
    if result.status != 207:
        return False
    try:
        return bool(read_home_listing(result))
    except CalendarError:
        return False


def _principal_and_home(ms: davxml.Multistatus, url: str) -> tuple[str, str]:
    principal = home = ""
    for item in ms.responses:
        if not principal and item.href_in(davxml.CURRENT_USER_PRINCIPAL):
            principal = urljoin(url, item.href_in(davxml.CURRENT_USER_PRINCIPAL))
        if not home and item.href_in(davxml.CALENDAR_HOME_SET):
            home = urljoin(url, item.href_in(davxml.CALENDAR_HOME_SET))
    if home and not principal:
        principal = url
    return principal, home


async def list_calendars(session: DavSession, home_url: str) -> list[CalendarRef]:
    """The event calendars in the home, with ctag and sync-token: one request.

    Raises AuthFailed / ServerUnreachable, or CalendarError for any other failure.
    """
    return read_home_listing(await fetch_home_listing(session, home_url))


async def fetch_home_listing(session: DavSession, home_url: str) -> HttpResult:
    """The home's Depth-1 PROPFIND answer (207), or AuthFailed / ServerUnreachable /
    CalendarError."""
    result = await _propfind(session, home_url, davxml.propfind_calendars(), "1")
    check_home_listing(result.status)
    return result


def read_home_listing(result: HttpResult) -> list[CalendarRef]:
    """The event calendars in a home listing, or CalendarError if it is unreadable."""
    try:
        ms = davxml.parse_multistatus(result.body)
    except davxml.MalformedMultistatus as exc:
        raise CalendarError(f"calendar home listing unreadable: {exc}") from None
    calendars: list[CalendarRef] = []
    for item in ms.responses:
        if not davxml.is_calendar(item) or not davxml.supports_events(item):
            continue
        href = urljoin(result.url, item.href)
        name = item.text(davxml.DISPLAYNAME) or unquote(href.rstrip("/").rsplit("/", 1)[-1])
        calendars.append(
            CalendarRef(
                href=href,
                name=name,
                color=item.text(davxml.COLOR),
                writable=davxml.writable(item),
                ctag=item.text(davxml.GETCTAG),
                sync_token=item.text(davxml.SYNC_TOKEN),
            )
        )
    return calendars
