"""Hostile calendar objects: what anyone who can send an invitation can put into a person's
calendar (the table of issue 21). Each builder returns the text of one calendar object."""

from __future__ import annotations

import base64
import contextlib
import multiprocessing
import re
import resource
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

import psutil
from aiohttp import web

from tests.support.servers import Proxy, free_port


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _wrap(uid: str, start: datetime, *body: str, summary: str = "Hostile") -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//hostile//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261101T000000Z",
        f"SUMMARY:{summary}",
        f"DTSTART:{stamp(start)}",
        f"DTEND:{stamp(start + timedelta(minutes=30))}",
        *body,
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)


def _fold(line: str) -> str:
    """RFC 5545 folding at 75 octets (ASCII content here)."""
    parts = [line[:75]] + [" " + line[i : i + 74] for i in range(75, len(line), 74)]
    return "\r\n".join(parts)


def injection(uid: str, start: datetime) -> str:
    """Markdown/mention injection, RTL and zero-width characters, unknown X- properties,
    a bad TZID, DTEND before DTSTART and broken UTF-8 (as a replacement character)."""
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//hostile//EN",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20261101T000000Z",
            "SUMMARY:@all [click](https://evil.example) | col \u202eevil\u200b **x** \ufffd",
            f"DTSTART;TZID=Mars/Olympus_Mons:{stamp(start)[:-1]}",
            f"DTEND:{stamp(start - timedelta(hours=1))}",
            "LOCATION:<script>alert(1)</script> @channel",
            "DESCRIPTION:# heading\\n```\\n| a | b |\\n@here",
            'X-EVIL-PROP;X-PARAM="a;b:c":value',
            "END:VEVENT",
            "BEGIN:VEVENT",
            f"UID:{uid}-nostart",
            "SUMMARY:no start",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


def attach(uid: str, start: datetime, megabytes: int = 12) -> str:
    """An inline binary ATTACH of `megabytes` (base64)."""
    raw = base64.b64encode(b"\0" * (megabytes * 1024 * 1024 * 3 // 4)).decode()
    line = f"ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=application/octet-stream:{raw}"
    return _wrap(uid, start, _fold(line))


def attendees(uid: str, start: datetime, count: int = 20_000, me: str = "") -> str:
    lines = ["ORGANIZER;CN=Boss:mailto:boss@example.test"]
    lines += [
        f"ATTENDEE;CN=Person {i};PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:p{i}@example.test"
        for i in range(count)
    ]
    if me:  # the person last of all: their answer still counts
        lines.append(f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{me}")
    return _wrap(uid, start, *lines, summary="Town hall")


def many_lines(uid: str, start: datetime, count: int = 100_000) -> str:
    """A 2 MB object of `count` short unknown properties."""
    return _wrap(uid, start, *(f"X-JUNK-{i % 97}:{i:012d}" for i in range(count)))


def rrule(uid: str, start: datetime, rule: str) -> str:
    """A series that began three days before `start`."""
    return _wrap(uid, start - timedelta(days=3), f"RRULE:{rule}", summary="Spam")


@dataclass(frozen=True)
class Row:
    name: str
    build: Callable[[str, datetime], str]
    failed_before: bool = False  # one of the table's two "never finished" rows
    # Radicale itself refuses some objects (several UIDs, COUNT over 10,000) and takes
    # minutes over an inline ATTACH of a few megabytes, seconds over 100,000 lines (vobject):
    # those reach the bot through a proxy that serves them in place of a placeholder stored
    # in Radicale (`substitute`).
    radicale_stores: bool = True


ROWS: tuple[Row, ...] = (
    Row("injection", injection, radicale_stores=False),
    Row("attach-12mb", attach, radicale_stores=False),
    Row("attendees-20000", attendees),
    Row("lines-100000", many_lines, radicale_stores=False),
    Row("minutely", lambda uid, start: rrule(uid, start, "FREQ=MINUTELY")),
    Row(
        "count-1000000",
        lambda uid, start: rrule(uid, start, "FREQ=SECONDLY;COUNT=1000000"),
        failed_before=True,
        radicale_stores=False,
    ),
    Row("secondly", lambda uid, start: rrule(uid, start, "FREQ=SECONDLY"), True),
)


# ---- serving what Radicale will not store ---------------------------------------------------

_CALENDAR_DATA = re.compile(rb"(<[\w:-]*calendar-data\b[^>]*>)(.*?)(</[\w:-]*calendar-data>)", re.S)


class Substitute(Proxy):
    """A proxy that serves, in REPORT answers, the object registered for a marker in place
    of the stored placeholder that holds the marker."""

    def __init__(self, upstream: str, objects: dict[str, str], port: int) -> None:
        super().__init__(upstream)
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        self.objects = {m.encode(): escape(t, {"\r": "&#13;"}).encode() for m, t in objects.items()}

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        response = await super()._handle(request)
        if request.method != "REPORT" or not isinstance(response, web.Response):
            return response
        body = response.body
        if response.status != 207 or not isinstance(body, bytes):
            return response

        def swap(match: re.Match[bytes]) -> bytes:
            for marker, text in self.objects.items():
                if marker in match.group(2):
                    return match.group(1) + text + match.group(3)
            return match.group(0)

        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return web.Response(status=207, body=_CALENDAR_DATA.sub(swap, body), headers=headers)


def _serve(upstream: str, objects: dict[str, str], port: int, ready: Any) -> None:
    Substitute(upstream, objects, port).start()
    ready.set()
    threading.Event().wait()  # until terminated


@contextlib.contextmanager
def substitute(upstream: str, objects: dict[str, str]) -> Iterator[str]:
    """A Substitute in a process of its own (its memory is not the bot's): its URL."""
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    port = free_port()
    process = context.Process(target=_serve, args=(upstream, objects, port, ready), daemon=True)
    process.start()
    try:
        if not ready.wait(30):
            raise TimeoutError("the substituting proxy did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(10)


@contextlib.contextmanager
def address_space_cap(headroom: int) -> Iterator[None]:
    """Allocations beyond the current address space + `headroom` fail (MemoryError).

    When the block fails (a poll that did not finish in time) the cap stays: the expansion
    left running on a worker thread then ends in a MemoryError instead of taking gigabytes
    of a shared machine."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    size = psutil.Process().memory_info().vms + headroom
    if hard != resource.RLIM_INFINITY:
        size = min(size, hard)
    resource.setrlimit(resource.RLIMIT_AS, (size, hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
