"""Changing a meeting I organize, on real servers (issue #17, item 3): one occurrence (an
override), this and following (an UNTIL split into two series), the whole series (the
master), cancelling one occurrence (an EXDATE), and a concurrent change (412)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.domain.edits import CancelMeeting, Move, Rename, Resize, Scope
from calendar_bot.domain.model import Credentials, EventStatus
from calendar_bot.ports import ChangedMeanwhile
from tests.caldav.samples import moscow_daily, single
from tests.caldav.test_writes import TZ, poll, server_event
from tests.support.servers import CalDAVServer, Proxy

MSK = ZoneInfo(TZ)
NEW_UID = "split-2@calendar-bot"


def my_daily(uid: str, me: str, count: int = 4) -> str:
    """Daily 08:00Z from Dec 1, `count` times, organized by me, with Bob invited."""
    return single(
        uid,
        "Daily",
        "20261201T080000Z",
        f"RRULE:FREQ=DAILY;COUNT={count}",
        f"ORGANIZER:mailto:{me}",
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{me}",
        "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.test",
        "SEQUENCE:3",
    )


def exdates(event: Any) -> list[datetime]:
    props = event.get("EXDATE")
    return [d.dt for prop in (props if isinstance(props, list) else [props]) for d in prop.dts]


def sequence(event: Any) -> int:
    return int(str(event.get("SEQUENCE", 0)))


async def test_move_one_occurrence_is_an_override(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    href = caldav_server.put_ics(creds, cal, my_daily("mine-1", me))
    _, calendars = await gateway.discover(creds)
    occ = await poll(gateway, creds, me, calendars)
    assert len(occ) == 4 and occ[1].i_am_organizer

    new_start = datetime(2026, 12, 2, 16, 0, tzinfo=MSK)  # 13:00Z
    await gateway.edit_event(creds, occ[1], Move(new_start), Scope.THIS, TZ)

    after = await poll(gateway, creds, me, calendars)
    assert [(o.recurrence_id, o.start.hour) for o in after] == [
        ("20261201T080000Z", 8),
        ("20261202T080000Z", 13),
        ("20261203T080000Z", 8),
        ("20261204T080000Z", 8),
    ]
    assert after[1].duration == timedelta(hours=1)
    master, override = server_event(caldav_server, creds, href)
    assert sequence(master) == 3  # the rest of the series is untouched
    assert sequence(override) == 4 and override["DTSTAMP"].dt.year == datetime.now(UTC).year


async def test_rename_this_and_following_splits_the_series(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    href = caldav_server.put_ics(creds, cal, my_daily("mine-2", me))
    _, calendars = await gateway.discover(creds)
    occ = await poll(gateway, creds, me, calendars)

    await gateway.edit_event(
        creds, occ[2], Rename("Daily, new era"), Scope.FOLLOWING, TZ, new_uid=NEW_UID
    )

    after = await poll(gateway, creds, me, calendars)
    assert [(o.uid, o.title, o.start.day) for o in after] == [
        ("mine-2", "Daily", 1),
        ("mine-2", "Daily", 2),
        (NEW_UID, "Daily, new era", 3),
        (NEW_UID, "Daily, new era", 4),
    ]
    assert all(o.i_am_organizer for o in after)
    (old,) = server_event(caldav_server, creds, href)
    rule = old["RRULE"]
    assert "COUNT" not in rule and rule["UNTIL"][0] == datetime(2026, 12, 3, 7, 59, 59, tzinfo=UTC)
    assert sequence(old) == 4
    new_href = href.rsplit("/", 1)[0] + "/" + NEW_UID + ".ics"
    (new,) = server_event(caldav_server, creds, new_href)
    assert new["RRULE"]["COUNT"] == [2] and str(new["UID"]) == NEW_UID
    assert len(new["ATTENDEE"]) == 2  # the same people


async def test_move_the_whole_zoned_series_keeps_its_zone(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    ics = moscow_daily("msk-mine", me).replace("boss@example.test", me)
    href = caldav_server.put_ics(creds, cal, ics)
    _, calendars = await gateway.discover(creds)
    occ = await poll(gateway, creds, me, calendars)
    assert [o.start.hour for o in occ] == [7, 7, 7] and occ[0].i_am_organizer

    # the second one to 12:30 Moscow the day after: every instance a day and 2.5 h later
    await gateway.edit_event(
        creds, occ[1], Move(datetime(2026, 12, 3, 12, 30, tzinfo=MSK)), Scope.SERIES, TZ
    )

    after = await poll(gateway, creds, me, calendars)
    assert [(o.start.day, o.start.astimezone(MSK).strftime("%H:%M")) for o in after] == [
        (2, "12:30"),
        (3, "12:30"),
        (4, "12:30"),
    ]
    (master,) = server_event(caldav_server, creds, href)
    assert master["DTSTART"].params.get("TZID") == TZ  # still written in its zone


async def test_resize_the_whole_series_and_its_overrides(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    caldav_server.put_ics(creds, cal, my_daily("mine-3", me, count=3))
    _, calendars = await gateway.discover(creds)
    occ = await poll(gateway, creds, me, calendars)
    await gateway.edit_event(
        creds, occ[1], Move(datetime(2026, 12, 2, 9, tzinfo=UTC)), Scope.THIS, TZ
    )
    occ = await poll(gateway, creds, me, calendars)

    await gateway.edit_event(creds, occ[0], Resize(25), Scope.SERIES, TZ)

    after = await poll(gateway, creds, me, calendars)
    assert [(o.start.hour, o.duration) for o in after] == [
        (8, timedelta(minutes=25)),
        (9, timedelta(minutes=25)),  # the moved one keeps its own time
        (8, timedelta(minutes=25)),
    ]


async def test_cancel_one_occurrence_is_an_exdate(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    href = caldav_server.put_ics(creds, cal, my_daily("mine-4", me, count=3))
    _, calendars = await gateway.discover(creds)
    occ = await poll(gateway, creds, me, calendars)
    await gateway.edit_event(creds, occ[1], Rename("Renamed once"), Scope.THIS, TZ)
    occ = await poll(gateway, creds, me, calendars)
    assert occ[1].title == "Renamed once"

    await gateway.edit_event(creds, occ[1], CancelMeeting(), Scope.THIS, TZ)

    after = await poll(gateway, creds, me, calendars)
    assert [o.recurrence_id for o in after] == ["20261201T080000Z", "20261203T080000Z"]
    (master,) = server_event(caldav_server, creds, href)  # the override went with it
    assert exdates(master) == [datetime(2026, 12, 2, 8, tzinfo=UTC)]
    assert sequence(master) == 4


async def test_cancel_this_and_following_ends_the_series(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    caldav_server.put_ics(creds, cal, my_daily("mine-5", me))
    _, calendars = await gateway.discover(creds)
    occ = await poll(gateway, creds, me, calendars)

    await gateway.edit_event(creds, occ[2], CancelMeeting(), Scope.FOLLOWING, TZ, new_uid=NEW_UID)

    after = await poll(gateway, creds, me, calendars)
    assert [(o.uid, o.start.day) for o in after] == [("mine-5", 1), ("mine-5", 2)]


async def test_cancel_a_single_meeting_and_a_whole_series(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    me = caldav_server.email_of(creds)
    cal = caldav_server.make_calendar(creds, "Work")
    caldav_server.put_ics(creds, cal, single("one", "One", "20261205T100000Z"))  # mine, alone
    caldav_server.put_ics(creds, cal, my_daily("mine-6", me, count=2))
    _, calendars = await gateway.discover(creds)
    occ = {(o.uid, o.recurrence_id): o for o in await poll(gateway, creds, me, calendars)}

    await gateway.edit_event(creds, occ[("one", "")], CancelMeeting(), Scope.THIS, TZ)
    await gateway.edit_event(
        creds, occ[("mine-6", "20261202T080000Z")], CancelMeeting(), Scope.SERIES, TZ
    )

    after = await poll(gateway, creds, me, calendars)
    assert {o.uid for o in after} == {"one", "mine-6"}
    assert all(o.status is EventStatus.CANCELLED for o in after)
    assert {o.sequence for o in after if o.uid == "mine-6"} == {4}


def _edit_between_get_and_put(
    server: CalDAVServer, proxy: Proxy, creds: Credentials, cal: str, href: str, old: str, new: str
) -> list[str]:
    """Another client changes the object once, right between our GET and our PUT."""
    edits: list[str] = []

    def someone_else(method: str, path: str) -> None:
        if method == "PUT" and not edits:
            edits.append(path)
            proxy.before_forward = None
            text, etag = server.get_ics(creds, href)
            assert old in text
            server.put_ics(creds, cal, text.replace(old, new), href.rsplit("/", 1)[1], etag=etag)

    proxy.before_forward = someone_else
    return edits


async def test_a_concurrent_edit_of_something_else_is_kept_and_ours_applied(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    creds = server.new_user()
    me = server.email_of(creds)
    cal = server.make_calendar(creds, "Work")
    href = server.put_ics(creds, cal, my_daily("mine-7", me, count=2))
    _, calendars = await gateway.discover(creds)
    occ = await poll(gateway, creds, me, calendars)
    edits = _edit_between_get_and_put(
        server, proxy, creds, cal, href, "PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED"
    )

    await gateway.edit_event(creds, occ[0], Rename("Renamed"), Scope.SERIES, TZ)

    assert edits  # Bob's answer really came in between
    (master,) = server_event(server, creds, href)
    assert str(master["SUMMARY"]) == "Renamed"  # ours, applied to the fresh object
    assert "NEEDS-ACTION" not in str(master.to_ical())  # and Bob's answer kept
    assert len([h for h in proxy.hits if h[0] == "PUT"]) >= 3  # ours (412), theirs, ours


async def test_a_concurrent_move_stops_our_move_and_says_where_it_is(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    creds = server.new_user()
    me = server.email_of(creds)
    cal = server.make_calendar(creds, "Work")
    href = server.put_ics(creds, cal, single("mine-8", "Review", "20261205T100000Z"))
    _, calendars = await gateway.discover(creds)
    (occ,) = await poll(gateway, creds, me, calendars)
    _edit_between_get_and_put(
        server, proxy, creds, cal, href, "DTSTART:20261205T100000Z", "DTSTART:20261205T093000Z"
    )

    with pytest.raises(ChangedMeanwhile) as caught:
        await gateway.edit_event(
            creds, occ, Move(datetime(2026, 12, 5, 14, tzinfo=UTC)), Scope.THIS, TZ
        )

    assert caught.value.facts.why == "moved"
    assert caught.value.facts.start == datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    (event,) = server_event(server, creds, href)
    assert event["DTSTART"].dt == datetime(2026, 12, 5, 9, 30, tzinfo=UTC)  # theirs stands
