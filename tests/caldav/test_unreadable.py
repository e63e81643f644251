"""A multiget answer that cannot be read as a whole: its objects are fetched one by one, and
only an object whose own complete body is bad (not UTF-8, over 10 MB) is reported unreadable;
the rest of the calendar is complete. Bad bytes and truncation come from a real proxy in front
of a real server."""

from __future__ import annotations

from urllib.parse import urlsplit

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.domain.model import ExpansionScope
from calendar_bot.ports import Full
from tests.caldav.samples import WINDOW, single
from tests.support.servers import CalDAVServer, Proxy

TZ = "Europe/Moscow"
MARK = "CORRUPT-ME"


async def test_one_bad_object_is_unreadable_the_rest_complete(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    creds = server.new_user()
    calendar = server.make_calendar(creds, "Work")
    server.put_ics(creds, calendar, single("a", "First", "20261201T100000Z"))
    bad = server.put_ics(
        creds, calendar, single("b", "Broken", "20261202T100000Z", f"DESCRIPTION:{MARK}")
    )
    server.put_ics(creds, calendar, single("c", "Third", "20261203T100000Z"))
    _, calendars = await gateway.discover(creds)
    proxy.rewrite = lambda body: body.replace(MARK.encode(), b"\xff\xfe")

    result = await gateway.sync(
        creds, calendars, ExpansionScope(WINDOW, server.email_of(creds), TZ)
    )

    [fetch] = [f for f in result.calendars if f.calendar.href == calendar]
    assert isinstance(fetch, Full)
    assert [o.title for o in fetch.occurrences] == ["First", "Third"]
    assert {urlsplit(h).path: why for h, why in fetch.unreadable.items()} == {
        urlsplit(bad).path: "not_utf8"
    }

    # Known unreadable: not fetched again until it changes, still reported.
    before = len(proxy.hits)
    again = await gateway.sync(
        creds,
        [f.calendar for f in result.calendars],
        ExpansionScope(WINDOW, server.email_of(creds), TZ),
    )
    assert not any(method == "GET" for method, _ in proxy.hits[before:])
    [fetch] = [f for f in again.calendars if f.calendar.href == calendar]
    assert isinstance(fetch, Full) and len(fetch.unreadable) == 1


async def test_a_truncated_multiget_is_no_verdict_on_its_objects(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    creds = server.new_user()
    calendar = server.make_calendar(creds, "Work")
    server.put_ics(creds, calendar, single("a", "First", "20261201T100000Z"))
    server.put_ics(creds, calendar, single("b", "Second", "20261202T100000Z"))
    _, calendars = await gateway.discover(creds)
    # only the multiget answers (the ones carrying calendar data) are cut in half
    proxy.rewrite = lambda body: body[: len(body) // 2] if b"calendar-data>" in body else body

    result = await gateway.sync(
        creds, calendars, ExpansionScope(WINDOW, server.email_of(creds), TZ)
    )

    [fetch] = [f for f in result.calendars if f.calendar.href == calendar]
    assert isinstance(fetch, Full) and not fetch.unreadable
    assert [o.title for o in fetch.occurrences] == ["First", "Second"]
