"""WebDAV/CalDAV XML: the request bodies we send and a strict multistatus reader.

Strict on purpose: a body that is not a well-formed multistatus raises MalformedMultistatus,
so a truncated or garbled answer marks the fetch incomplete instead of looking like an
empty calendar.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from lxml import etree  # type: ignore[import-untyped]

from calendar_bot.caldav.limits import shrink_multistatus

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
APPLE = "http://apple.com/ns/ical/"

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "remove_blank_text": True,
}
_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread: an lxml parser must not be shared between threads (the bot
    parses in its event loop's thread; a process may run more than one loop)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(**_PARSER_OPTIONS)
    return parser


class MalformedMultistatus(Exception):
    """The server's answer is not a complete, well-formed multistatus."""


@dataclass(slots=True)
class DavResponse:
    """One <response> of a multistatus."""

    href: str
    status: int = 200  # the response-level status, when given (sync-collection tombstones)
    props: dict[str, etree._Element] = field(default_factory=dict)  # "{ns}name" -> element
    missing: set[str] = field(default_factory=set)  # props answered with a 404 propstat

    def text(self, name: str) -> str:
        el = self.props.get(name)
        return (el.text or "").strip() if el is not None else ""

    def href_in(self, name: str) -> str:
        el = self.props.get(name)
        if el is None:
            return ""
        href = el.find(f"{{{DAV}}}href")
        return (href.text or "").strip() if href is not None else ""


@dataclass(slots=True)
class Multistatus:
    responses: list[DavResponse]
    sync_token: str = ""


def _status_code(text: str | None) -> int:
    parts = (text or "").split()
    if len(parts) >= 2 and parts[1].isdigit():
        return int(parts[1])
    return 0


def parse_multistatus(body: bytes) -> Multistatus:
    if not body or not body.strip():
        raise MalformedMultistatus("empty body")
    try:
        root = etree.fromstring(shrink_multistatus(body), _parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedMultistatus(f"not well-formed XML: {exc.msg}") from None
    if root.tag != f"{{{DAV}}}multistatus":
        raise MalformedMultistatus(f"root element is {root.tag!r}, not multistatus")
    out: list[DavResponse] = []
    for resp in root.findall(f"{{{DAV}}}response"):
        href_el = resp.find(f"{{{DAV}}}href")
        if href_el is None or not (href_el.text or "").strip():
            raise MalformedMultistatus("response without href")
        item = DavResponse(href=(href_el.text or "").strip())
        status_el = resp.find(f"{{{DAV}}}status")
        if status_el is not None:
            item.status = _status_code(status_el.text)
        for propstat in resp.findall(f"{{{DAV}}}propstat"):
            code = _status_code(propstat.findtext(f"{{{DAV}}}status"))
            prop = propstat.find(f"{{{DAV}}}prop")
            if prop is None:
                continue
            for child in prop:
                if not isinstance(child.tag, str):
                    continue
                if 200 <= code < 300:
                    item.props[child.tag] = child
                else:
                    item.missing.add(child.tag)
        out.append(item)
    token = root.findtext(f"{{{DAV}}}sync-token") or ""
    return Multistatus(out, token.strip())


# ---- request bodies -------------------------------------------------------------------------

_XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>'


def propfind_principal() -> bytes:
    return (
        f'{_XML_HEAD}<D:propfind xmlns:D="DAV:" xmlns:C="{CALDAV}"><D:prop>'
        "<D:current-user-principal/><C:calendar-home-set/><D:resourcetype/>"
        "</D:prop></D:propfind>"
    ).encode()


def propfind_calendars() -> bytes:
    return (
        f'{_XML_HEAD}<D:propfind xmlns:D="DAV:" xmlns:C="{CALDAV}" xmlns:CS="{CS}"'
        f' xmlns:A="{APPLE}"><D:prop>'
        "<D:resourcetype/><D:displayname/><A:calendar-color/><CS:getctag/><D:sync-token/>"
        "<D:current-user-privilege-set/><C:supported-calendar-component-set/>"
        "</D:prop></D:propfind>"
    ).encode()


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_query(start: datetime, end: datetime, *, data: bool) -> bytes:
    """A time-range REPORT; etags only unless `data`. Always with a VEVENT comp-filter
    (Mail.ru answers 400 without one)."""
    wanted = "<D:getetag/>" + ("<C:calendar-data/>" if data else "")
    return (
        f'{_XML_HEAD}<C:calendar-query xmlns:D="DAV:" xmlns:C="{CALDAV}">'
        f"<D:prop>{wanted}</D:prop>"
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{_utc(start)}" end="{_utc(end)}"/>'
        "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    ).encode()


def calendar_multiget(hrefs: list[str]) -> bytes:
    refs = "".join(f"<D:href>{escape(h)}</D:href>" for h in hrefs)
    return (
        f'{_XML_HEAD}<C:calendar-multiget xmlns:D="DAV:" xmlns:C="{CALDAV}">'
        f"<D:prop><D:getetag/><C:calendar-data/></D:prop>{refs}</C:calendar-multiget>"
    ).encode()


def propfind_etags() -> bytes:
    """Every member's etag, without a time range: the reconciliation's listing."""
    return (
        f'{_XML_HEAD}<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getetag/>'
        "</D:prop></D:propfind>"
    ).encode()


def sync_collection(token: str, *, data: bool = False) -> bytes:
    """`data`: each changed object's calendar-data too (RFC 6578 allows any property), so
    it needs no multiget of its own."""
    if not data:
        return (
            f'{_XML_HEAD}<D:sync-collection xmlns:D="DAV:">'
            f"<D:sync-token>{escape(token)}</D:sync-token><D:sync-level>1</D:sync-level>"
            "<D:prop><D:getetag/></D:prop></D:sync-collection>"
        ).encode()
    return (
        f'{_XML_HEAD}<D:sync-collection xmlns:D="DAV:" xmlns:C="{CALDAV}">'
        f"<D:sync-token>{escape(token)}</D:sync-token><D:sync-level>1</D:sync-level>"
        "<D:prop><D:getetag/><C:calendar-data/></D:prop></D:sync-collection>"
    ).encode()


# ---- property readers -----------------------------------------------------------------------


def is_calendar(item: DavResponse) -> bool:
    rt = item.props.get(f"{{{DAV}}}resourcetype")
    return rt is not None and rt.find(f"{{{CALDAV}}}calendar") is not None


def supports_events(item: DavResponse) -> bool:
    comps = item.props.get(f"{{{CALDAV}}}supported-calendar-component-set")
    if comps is None or len(comps) == 0:
        return True  # not advertised: assume events
    return any(str(c.get("name", "")).upper() == "VEVENT" for c in comps)


def writable(item: DavResponse) -> bool:
    privs = item.props.get(f"{{{DAV}}}current-user-privilege-set")
    if privs is None:
        return True  # not advertised: let the write itself tell
    names = {
        child.tag
        for priv in privs.findall(f"{{{DAV}}}privilege")
        for child in priv
        if isinstance(child.tag, str)
    }
    return bool(
        names & {f"{{{DAV}}}write", f"{{{DAV}}}write-content", f"{{{DAV}}}all", f"{{{DAV}}}bind"}
    )


def calendar_data(item: DavResponse) -> str:
    el = item.props.get(f"{{{CALDAV}}}calendar-data")
    return (el.text or "") if el is not None else ""


GETETAG = f"{{{DAV}}}getetag"
GETCTAG = f"{{{CS}}}getctag"
SYNC_TOKEN = f"{{{DAV}}}sync-token"
DISPLAYNAME = f"{{{DAV}}}displayname"
COLOR = f"{{{APPLE}}}calendar-color"
CURRENT_USER_PRINCIPAL = f"{{{DAV}}}current-user-principal"
CALENDAR_HOME_SET = f"{{{CALDAV}}}calendar-home-set"
CALENDAR_DATA = f"{{{CALDAV}}}calendar-data"
