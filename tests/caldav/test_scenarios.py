"""The adapter's scenario suite, on every real server we can run and every quirk proxy
(issue 14): discovery from the root and from a pasted principal / home / calendar URL, the
listing, a first fetch with recurring overrides, an unchanged poll, an edit, a delete, a
create with attendees, an RSVP with If-Match and a 412 retry, RAW, a wrong password.

Each scenario server is seen through a proxy that can run code between a client's read and
its write (the 412 case); provisioning goes through the same proxy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.domain.model import Attendee, NewEvent, PartStat
from calendar_bot.ports import AuthFailed
from tests.caldav.conftest import opened_gateway
from tests.caldav.samples import WINDOW, invite, moscow_daily, single, weekly_series
from tests.caldav.test_sync import TZ, Account, titles
from tests.support.quirks import Quirks, quirk_server
from tests.support.servers import CalDAVServer, Proxy

REAL = ["radicale", "xandikos", "sabredav", "cyrus", "davical"]
QUIRKS = {
    "mailru": lambda: Quirks(mailru=True),
    "yandex": lambda: Quirks(sync_status=507, large=3),
    "icloud": Quirks,
    "davical-quirks": lambda: Quirks(lenient_tokens=True, time_range_omits=True),
}


@dataclass
class Scenario:
    server: CalDAVServer
    proxy: Proxy  # where the writes go: its before_forward runs between our GET and PUT


@pytest.fixture(params=REAL + list(QUIRKS))
def scenario(request: pytest.FixtureRequest) -> Iterator[Scenario]:
    kind: str = request.param
    if kind in QUIRKS:
        radicale: CalDAVServer = request.getfixturevalue("radicale")
        with quirk_server(radicale, QUIRKS[kind](), kind) as server:
            partition = server.quirks.partition  # type: ignore[attr-defined]
            front = partition if partition is not None else _proxy_of(server)
            yield Scenario(server, front)
        return
    real: CalDAVServer = request.getfixturevalue(kind)
    proxy = Proxy(real.base_url).start()
    try:
        yield Scenario(dataclasses.replace(real, base_url=proxy.url), proxy)
    finally:
        proxy.stop()


def _proxy_of(server: CalDAVServer) -> Proxy:
    proxy = getattr(server, "proxy", None)
    assert isinstance(proxy, Proxy)
    return proxy


async def test_discovery_from_the_root(scenario: Scenario, gateway: CalDAVGateway) -> None:
    server = scenario.server
    creds = server.new_user()
    cal = server.make_calendar(creds, "Work")

    principal, calendars = await gateway.discover(creds)

    assert principal
    assert cal in [c.href for c in calendars]  # Xandikos adds a default calendar too


@pytest.mark.parametrize("pasted", ["principal", "home", "calendar"])
async def test_discovery_from_a_pasted_url(
    scenario: Scenario, gateway: CalDAVGateway, pasted: str
) -> None:
    server = scenario.server
    creds = server.new_user()
    cal = server.make_calendar(creds, "Work")
    principal, _ = await gateway.discover(creds)
    url = {"principal": principal, "home": server.home_url(creds), "calendar": cal}[pasted]

    async with opened_gateway() as fresh:
        _, calendars = await fresh.discover(dataclasses.replace(creds, base_url=url))

    assert cal in [c.href for c in calendars]


async def test_the_listing_names_every_calendar(scenario: Scenario, gateway: CalDAVGateway) -> None:
    server = scenario.server
    creds = server.new_user()
    work = server.make_calendar(creds, "Work")
    home = server.make_calendar(creds, "Дом")

    _, calendars = await gateway.discover(creds)

    names = {c.href: c.name for c in calendars}
    assert names[work] == "Work" and names[home] == "Дом"
    assert all(c.ctag or c.sync_token for c in calendars)


async def test_first_fetch_with_recurring_overrides(
    scenario: Scenario, gateway: CalDAVGateway
) -> None:
    server = scenario.server
    acct = Account(server, gateway)
    cal = server.make_calendar(acct.creds, "Work")
    server.put_ics(acct.creds, cal, weekly_series("series", acct.email))
    server.put_ics(acct.creds, cal, moscow_daily("daily", acct.email))
    server.put_ics(acct.creds, cal, invite("inv", acct.email))
    await acct.discover()

    result = await acct.poll()

    assert result.complete
    got = [
        (o.title, o.start.astimezone(UTC).strftime("%m-%d %H:%M"))
        for f in result.calendars
        for o in f.occurrences
    ]
    assert sorted(got, key=lambda g: g[1]) == [
        ("Weekly sync", "11-30 10:00"),
        ("Daily MSK", "12-01 07:00"),
        ("Daily MSK", "12-02 07:00"),
        ("Invitation", "12-02 09:00"),
        ("Daily MSK", "12-03 07:00"),
        ("Weekly sync (moved)", "12-07 15:00"),
    ]


async def test_unchanged_edit_delete(scenario: Scenario, gateway: CalDAVGateway) -> None:
    server = scenario.server
    acct = Account(server, gateway)
    cal = server.make_calendar(acct.creds, "Work")
    first = server.put_ics(acct.creds, cal, single("a", "First"))
    second = server.put_ics(acct.creds, cal, single("b", "Second", "20261203T100000Z"))
    await acct.discover()
    assert titles(await acct.poll(), cal) == ["First", "Second"]

    unchanged = await acct.poll()
    assert unchanged.complete and unchanged.requests == 1

    server.put_ics(acct.creds, cal, single("a", "First (edited)"), first.rsplit("/", 1)[1])
    edited = await acct.poll()
    assert edited.complete and titles(edited, cal) == ["First (edited)", "Second"]

    server.delete(acct.creds, second)
    deleted = await acct.poll()
    assert deleted.complete and titles(deleted, cal) == ["First (edited)"]


async def test_create_with_attendees(scenario: Scenario, gateway: CalDAVGateway) -> None:
    server = scenario.server
    acct = Account(server, gateway)
    cal = server.make_calendar(acct.creds, "Work")
    await acct.discover()
    start = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    event = NewEvent(
        title="Planning",
        start=start,
        end=start + timedelta(minutes=45),
        attendees=(Attendee("bob@example.test", "Bob"), Attendee("carol@example.test")),
        organizer_email=acct.email,
        organizer_name="Me",
    )

    uid = await gateway.create_event(acct.creds, cal, event, TZ)

    result = await acct.poll()
    (created,) = [o for f in result.calendars for o in f.occurrences if o.uid == uid]
    assert created.title == "Planning" and created.start == start
    assert {a.email for a in created.attendees} >= {"bob@example.test", "carol@example.test"}


async def test_rsvp_with_if_match_and_a_412_retry(
    scenario: Scenario, gateway: CalDAVGateway
) -> None:
    server, proxy = scenario.server, scenario.proxy
    acct = Account(server, gateway)
    cal = server.make_calendar(acct.creds, "Work")
    href = server.put_ics(acct.creds, cal, invite("inv-412", acct.email))
    await acct.discover()
    (occ,) = [o for f in (await acct.poll()).calendars for o in f.occurrences]
    edits: list[str] = []

    def someone_else_edits(method: str, path: str) -> None:
        if method == "PUT" and not edits:
            edits.append(path)
            proxy.before_forward = None
            text, etag = server.get_ics(acct.creds, href)
            server.put_ics(
                acct.creds,
                cal,
                text.replace("SUMMARY:Invitation", "SUMMARY:Renamed"),
                href.rsplit("/", 1)[1],
                etag=etag,
            )

    proxy.before_forward = someone_else_edits
    await gateway.set_partstat(acct.creds, occ, acct.email, PartStat.ACCEPTED)

    assert edits
    text, _ = server.get_ics(acct.creds, href)
    (vevent,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Renamed"  # their edit survived
    mine = [a for a in vevent["ATTENDEE"] if str(a).lower() == f"mailto:{acct.email}"]
    assert mine and mine[0].params["PARTSTAT"] == "ACCEPTED"  # and ours is on top


async def test_raw_report(scenario: Scenario, gateway: CalDAVGateway) -> None:
    server = scenario.server
    creds = server.new_user()
    cal = server.make_calendar(creds, "Work")
    server.put_ics(creds, cal, single("raw", "Raw view"))
    await gateway.discover(creds)

    raw = await gateway.raw_report(creds, cal, WINDOW)

    assert "multistatus" in raw and "SUMMARY:Raw view" in raw
    assert creds.password not in raw


async def test_a_wrong_password(scenario: Scenario, gateway: CalDAVGateway) -> None:
    server = scenario.server
    creds = server.new_user()
    server.make_calendar(creds, "Work")

    with pytest.raises(AuthFailed):
        await gateway.discover(dataclasses.replace(creds, password=creds.password + "x"))
