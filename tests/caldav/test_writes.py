"""Writes against real servers: create, RSVP (with real concurrent edits), cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.domain.model import (
    Attendee,
    CalendarRef,
    Credentials,
    EventStatus,
    ExpansionScope,
    NewEvent,
    Occurrence,
    PartStat,
    TimeWindow,
)
from calendar_bot.ports import Forbidden, WriteConflict
from tests.caldav.samples import WINDOW, invite, moscow_daily, single, weekly_series
from tests.support.servers import CalDAVServer, Proxy

TZ = "Europe/Moscow"
SERIES_WINDOW = TimeWindow(datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 12, 28, tzinfo=UTC))


async def poll(
    gateway: CalDAVGateway,
    creds: Credentials,
    email: str,
    calendars: list[CalendarRef],
    window: TimeWindow = WINDOW,
) -> list[Occurrence]:
    result = await gateway.sync(creds, calendars, ExpansionScope(window, email, TZ))
    assert result.complete
    return [o for f in result.calendars for o in f.occurrences]


def server_event(server: CalDAVServer, creds: Credentials, href: str) -> list[Any]:
    text, _ = server.get_ics(creds, href)
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def partstats(event: Any) -> dict[str, str]:
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return {str(a).lower().removeprefix("mailto:"): str(a.params["PARTSTAT"]) for a in attendees}


async def test_create_event_is_really_on_the_server(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    _, calendars = await gateway.discover(creds)
    moscow_start = datetime(2026, 12, 2, 9, 30, tzinfo=UTC) + timedelta(hours=0)
    event = NewEvent(
        title='Planning, Q1; "big"',
        start=moscow_start,
        end=moscow_start + timedelta(minutes=45),
        attendees=(Attendee("Bob@Example.test", "Bob"), Attendee("carol@example.test")),
        description="Line 1\nLine 2",
        location="Room 5",
        organizer_email=me,
        organizer_name="Me",
        reminder_minutes=15,
    )

    uid = await gateway.create_event(creds, cal, event, TZ)

    occ = [o for o in await poll(gateway, creds, me, calendars) if o.uid == uid]
    assert len(occ) == 1
    created = occ[0]
    assert created.title == 'Planning, Q1; "big"'
    assert created.start == moscow_start and created.duration == timedelta(minutes=45)
    assert created.i_am_organizer and created.alarm_minutes == (15,)
    assert created.description == "Line 1\nLine 2" and created.location == "Room 5"
    (vevent,) = server_event(caldav_server, creds, created.event_href)
    assert vevent["DTSTART"].dt == moscow_start and vevent["DTSTART"].dt.tzinfo is not None
    assert "TZID" not in vevent["DTSTART"].params  # UTC, no VTIMEZONE needed
    assert str(vevent["ORGANIZER"]).lower() == f"mailto:{me}"
    assert vevent.get("DTSTAMP") is not None and int(vevent["SEQUENCE"]) == 0
    attendees = {str(a).lower(): a.params for a in vevent["ATTENDEE"]}
    assert attendees["mailto:bob@example.test"]["PARTSTAT"] == "NEEDS-ACTION"
    assert attendees["mailto:bob@example.test"]["RSVP"] == "TRUE"
    assert attendees["mailto:bob@example.test"]["CN"] == "Bob"
    assert "mailto:carol@example.test" in attendees
    (alarm,) = vevent.walk("VALARM")
    assert alarm["TRIGGER"].dt == timedelta(minutes=-15)


async def test_accept_a_foreign_invite_by_partstat(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    href = caldav_server.put_ics(creds, cal, invite("inv-1", me.upper()))
    _, calendars = await gateway.discover(creds)
    (occ,) = await poll(gateway, creds, me, calendars)
    assert occ.my_partstat is PartStat.NEEDS_ACTION and not occ.i_am_organizer
    assert occ.join_url == "https://telemost.yandex.ru/j/12345"

    await gateway.set_partstat(creds, occ, me, PartStat.ACCEPTED)

    (vevent,) = server_event(caldav_server, creds, href)
    assert partstats(vevent) == {me: "ACCEPTED", "other@example.test": "ACCEPTED"}
    assert str(vevent["ORGANIZER"]) == "mailto:boss@example.test"
    (after,) = await poll(gateway, creds, me, calendars)
    assert after.my_partstat is PartStat.ACCEPTED

    await gateway.set_partstat(creds, after, me, PartStat.DECLINED)
    (after,) = await poll(gateway, creds, me, calendars)
    assert after.my_partstat is PartStat.DECLINED


async def test_rsvp_to_one_instance_adds_an_override(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    caldav_server.put_ics(creds, cal, weekly_series("ser-1", me))
    _, calendars = await gateway.discover(creds)
    first, moved, _cancelled = await poll(gateway, creds, me, calendars, SERIES_WINDOW)

    await gateway.set_partstat(creds, first, me, PartStat.TENTATIVE)  # the Nov 30 instance
    await gateway.set_partstat(creds, moved, me, PartStat.DECLINED)  # an existing override

    after = await poll(gateway, creds, me, calendars, SERIES_WINDOW)
    assert [(o.recurrence_id, o.my_partstat, o.start.hour) for o in after] == [
        ("20261130T100000Z", PartStat.TENTATIVE, 10),
        ("20261207T100000Z", PartStat.DECLINED, 15),
        ("20261214T100000Z", PartStat.NEEDS_ACTION, 10),
    ]
    assert after[2].status is EventStatus.CANCELLED

    await gateway.set_partstat(creds, after[2], me, PartStat.ACCEPTED, whole_series=True)
    final = await poll(gateway, creds, me, calendars, SERIES_WINDOW)
    assert {o.my_partstat for o in final} == {PartStat.ACCEPTED}


async def test_rsvp_retries_once_after_a_concurrent_edit(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    creds = server.new_user()
    me = server.email_of(creds)
    cal = server.make_calendar(creds, "Work")
    href = server.put_ics(creds, cal, invite("inv-2", me))
    _, calendars = await gateway.discover(creds)
    (occ,) = await poll(gateway, creds, me, calendars)
    edits: list[str] = []

    def someone_else_edits(method: str, path: str) -> None:
        # Another client renames the event right between our GET and our PUT, once.
        if method == "PUT" and not edits:
            edits.append(path)
            proxy.before_forward = None
            text, etag = server.get_ics(creds, href)
            server.put_ics(
                creds,
                cal,
                text.replace("SUMMARY:Invitation", "SUMMARY:Renamed"),
                href.rsplit("/", 1)[1],
                etag=etag,
            )

    proxy.before_forward = someone_else_edits
    await gateway.set_partstat(creds, occ, me, PartStat.ACCEPTED)

    assert edits  # the conflicting edit really happened
    (vevent,) = server_event(server, creds, href)
    assert str(vevent["SUMMARY"]) == "Renamed"  # their change survived
    assert partstats(vevent)[me] == "ACCEPTED"  # and ours was applied on top
    puts = [h for h in proxy.hits if h[0] == "PUT"]
    assert len(puts) >= 3  # ours (412), theirs, ours again


async def test_persistent_conflict_raises_write_conflict(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    creds = server.new_user()
    me = server.email_of(creds)
    cal = server.make_calendar(creds, "Work")
    href = server.put_ics(creds, cal, invite("inv-3", me))
    _, calendars = await gateway.discover(creds)
    (occ,) = await poll(gateway, creds, me, calendars)
    counter = iter(range(100))

    def always_edits(method: str, path: str) -> None:
        if method == "PUT" and path.endswith(href.rsplit("/", 1)[1]):
            text, etag = server.get_ics(creds, href)
            proxy.before_forward = None  # our own edit must not recurse
            try:
                server.put_ics(
                    creds,
                    cal,
                    text.replace("LOCATION:", f"LOCATION:{next(counter)} "),
                    href.rsplit("/", 1)[1],
                    etag=etag,
                )
            finally:
                proxy.before_forward = always_edits

    proxy.before_forward = always_edits
    with pytest.raises(WriteConflict):
        await gateway.set_partstat(creds, occ, me, PartStat.ACCEPTED)
    proxy.before_forward = None
    (vevent,) = server_event(server, creds, href)
    assert partstats(vevent)[me] == "NEEDS-ACTION"


async def test_cancel_an_event_i_organize(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    start = datetime(2026, 12, 3, 12, tzinfo=UTC)
    uid = await gateway.create_event(
        creds,
        cal,
        NewEvent(
            "Mine",
            start,
            start + timedelta(hours=1),
            (Attendee("bob@example.test"),),
            organizer_email=me,
        ),
        TZ,
    )
    _, calendars = await gateway.discover(creds)
    (occ,) = [o for o in await poll(gateway, creds, me, calendars) if o.uid == uid]

    await gateway.cancel_event(creds, occ)

    (after,) = [o for o in await poll(gateway, creds, me, calendars) if o.uid == uid]
    assert after.status is EventStatus.CANCELLED
    assert after.sequence == occ.sequence + 1


async def test_cannot_cancel_someone_elses_event(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    href = caldav_server.put_ics(creds, cal, invite("inv-4", me))
    _, calendars = await gateway.discover(creds)
    (occ,) = await poll(gateway, creds, me, calendars)
    with pytest.raises(Forbidden):
        await gateway.cancel_event(creds, occ)
    (vevent,) = server_event(caldav_server, creds, href)
    assert "STATUS" not in vevent or str(vevent["STATUS"]) != "CANCELLED"


async def test_cancel_one_instance_of_my_series(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    caldav_server.put_ics(
        creds,
        cal,
        single(
            "mine-series",
            "Daily",
            "20261201T080000Z",
            "RRULE:FREQ=DAILY;COUNT=3",
            f"ORGANIZER:mailto:{me}",
        ),
    )
    _, calendars = await gateway.discover(creds)
    occ = await poll(gateway, creds, me, calendars)
    assert len(occ) == 3 and occ[1].i_am_organizer

    await gateway.cancel_event(creds, occ[1])

    after = await poll(gateway, creds, me, calendars)
    assert [o.status for o in after] == [
        EventStatus.CONFIRMED,
        EventStatus.CANCELLED,
        EventStatus.CONFIRMED,
    ]
    assert after[1].recurrence_id == "20261202T080000Z"


async def test_rsvp_to_one_instance_of_a_zoned_series(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    href = caldav_server.put_ics(creds, cal, moscow_daily("msk-1", me))
    _, calendars = await gateway.discover(creds)
    occ = await poll(gateway, creds, me, calendars)
    assert [o.start.hour for o in occ] == [7, 7, 7]  # 10:00 MSK

    await gateway.set_partstat(creds, occ[1], me, PartStat.ACCEPTED)

    after = await poll(gateway, creds, me, calendars)
    # the override replaces the Dec 2 instance: no duplicate, the others untouched
    assert [(o.recurrence_id, o.my_partstat) for o in after] == [
        ("20261201T070000Z", PartStat.NEEDS_ACTION),
        ("20261202T070000Z", PartStat.ACCEPTED),
        ("20261203T070000Z", PartStat.NEEDS_ACTION),
    ]
    events = server_event(caldav_server, creds, href)
    assert len(events) == 2 and "RRULE" in events[0]
