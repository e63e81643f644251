"""Presence in Mattermost (issue 18, item 4), end to end through the emulator: the person
chooses it in Settings; during a meeting they accepted or organize the bot sets their custom
status ("📅 In a meeting until 09:30") and, if chosen, Do Not Disturb, and restores what was
there after; one status through back-to-back meetings; never over a status the person set
meanwhile; carried on across a restart; and, without the permission, the settings card says
what the admin must do.

The manual clock is set in the future: the emulator checks a custom status's expiry against
its own (real) clock, as the server does."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from tests.e2e.harness import (
    Person,
    World,
    restart_bot,
    start_world,
    stop_world,
    sync_and_deliver,
    vcalendar,
    vevent,
    wait_baseline,
    wait_tick,
)
from tests.e2e.journeys import refetch
from tests.support.servers import CalDAVServer

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2027, 3, 1, 5, 0, tzinfo=UTC)  # Monday 08:00 in Moscow, after the real now
BOSS = "boss@example.test"
ADMIN = "system_user system_admin"


def msk(hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, 1, hour, minute, tzinfo=MSK)


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    """A bot an admin made a system admin (so it holds edit_other_users)."""
    w = await start_world(
        radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=3600, bot_roles=ADMIN
    )
    yield w
    await stop_world(w)


@pytest.fixture
async def plain_world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    """A bot with a bot's default roles: no edit_other_users."""
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=3600)
    yield w
    await stop_world(w)


async def at_mark(world: World, moment: datetime) -> None:
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    clock.set(moment)
    await wait_tick(world, moment, "presence")


async def custom_status(person: Person) -> dict[str, Any] | None:
    """The person's custom status as their client reads it (the user's props)."""
    me = await person.call("GET", "/users/me")
    raw = (me.get("props") or {}).get("customStatus")
    return json.loads(raw) if raw else None


async def status(person: Person) -> str:
    return str((await person.call("GET", f"/users/{person.id}/status"))["status"])


async def set_own_status(person: Person, emoji: str, text: str) -> None:
    await person.call("PUT", "/users/me/status/custom", {"emoji": emoji, "text": text})


async def choose_presence(person: Person, locale: str, mode: str) -> dict[str, Any]:
    """Settings from the typed word, then the presence menu: the card after the choice."""
    await person.say("settings")
    card = await person.next_bot_post(t(locale, "settings.title"))
    assert t(locale, "settings.presence.needs_permission") not in card["message"]
    await person.click(card, t(locale, "settings.presence.placeholder"), mode)
    fresh: dict[str, Any] = await refetch(person, card)
    return fresh


async def connected(world: World, name: str, locale: str, *events: str) -> Person:
    person, creds, calendar = await world.person(name, locale=locale)
    for event in events:
        world.radicale.put_ics(creds, calendar, vcalendar(event))
    await world.connect(person, creds)
    await wait_baseline(world, person)
    return person


def presence_calls(world: World, person: Person) -> list[tuple[str, str]]:
    return [
        (r.method, r.path)
        for r in world.emulator.requests
        if r.method in ("PUT", "DELETE") and r.path.startswith(f"/api/v4/users/{person.id}/status")
    ]


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_status_and_dnd_during_a_meeting_then_what_was_there_before(
    world: World, locale: str
) -> None:
    pia, creds, calendar = await world.person(f"pia{locale}", locale=locale)
    world.radicale.put_ics(
        creds,
        calendar,
        vcalendar(
            vevent(
                "p",
                "Planning",
                msk(9),
                msk(9, 30),
                organizer=BOSS,
                attendees=[(BOSS, "ACCEPTED"), (creds.username, "ACCEPTED")],
            )
        ),
    )
    declined = vevent(
        "d",
        "Declined",
        msk(10),
        msk(11),
        organizer=BOSS,
        attendees=[(BOSS, "ACCEPTED"), (creds.username, "DECLINED")],
    )
    world.radicale.put_ics(creds, calendar, vcalendar(declined))
    await world.connect(pia, creds)
    await wait_baseline(world, pia)
    await set_own_status(pia, "house", "Working from home")
    await pia.call("PUT", f"/users/{pia.id}/status", {"user_id": pia.id, "status": "away"})

    card = await choose_presence(pia, locale, "status_dnd")
    value = t(locale, "settings.presence.status_dnd")
    assert t(locale, "settings.presence", value=value) in card["message"]

    await at_mark(world, msk(8, 59))
    assert (await custom_status(pia) or {}).get("text") == "Working from home"
    await at_mark(world, msk(9))
    during = await custom_status(pia)
    assert during is not None
    assert during["emoji"] == "date"
    assert during["text"] == t(locale, "presence.status", time="09:30")
    assert during["expires_at"] == "2027-03-01T06:30:00Z"  # the meeting's end
    assert await status(pia) == "dnd"
    got = await pia.call("GET", f"/users/{pia.id}/status")
    assert got["dnd_end_time"] == int(msk(9, 30).timestamp())

    await at_mark(world, msk(9, 15))
    await at_mark(world, msk(9, 30))
    after = await custom_status(pia)
    assert after is not None and (after["emoji"], after["text"]) == ("house", "Working from home")
    assert await status(pia) == "away"
    # The declined meeting at 10:00 changes nothing.
    calls = presence_calls(world, pia)
    await at_mark(world, msk(10))
    assert presence_calls(world, pia) == calls
    async with transaction(world.bot.sessions) as store:
        assert await store.presence.held() == {}


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_back_to_back_meetings_one_status_until_the_last_end(
    world: World, locale: str
) -> None:
    ben = await connected(
        world,
        f"ben{locale}",
        locale,
        vevent("a", "Standup", msk(9), msk(9, 30)),
        vevent("b", "Review", msk(9, 30), msk(10)),
        vevent("c", "Sync", msk(9, 45), msk(10, 15)),  # overlaps Review
    )
    await choose_presence(ben, locale, "status")
    await at_mark(world, msk(9))
    during = await custom_status(ben)
    assert during is not None and during["text"] == t(locale, "presence.status", time="10:15")
    assert await status(ben) == "offline"  # status only: no DND
    for moment in (msk(9, 30), msk(9, 45), msk(10)):
        await at_mark(world, moment)
        assert (await custom_status(ben) or {}).get("text") == during["text"]
    assert presence_calls(world, ben) == [("PUT", f"/api/v4/users/{ben.id}/status/custom")]
    await at_mark(world, msk(10, 15))
    assert await custom_status(ben) is None  # there was none before: cleared
    assert presence_calls(world, ben)[-1] == ("DELETE", f"/api/v4/users/{ben.id}/status/custom")


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_status_the_person_set_meanwhile_is_never_overwritten(
    world: World, locale: str
) -> None:
    """Changed mid-meeting: the bot neither moves its end when the meeting grows nor restores
    anything after; a DND they turned off stays off."""
    kim, creds, calendar = await world.person(f"kim{locale}", locale=locale)
    world.radicale.put_ics(
        creds, calendar, vcalendar(vevent("w", "Workshop", msk(9), msk(10))), "w"
    )
    await world.connect(kim, creds)
    await wait_baseline(world, kim)
    await choose_presence(kim, locale, "status_dnd")
    await at_mark(world, msk(9))
    assert (await custom_status(kim) or {}).get("emoji") == "date"
    assert await status(kim) == "dnd"

    await set_own_status(kim, "hamburger", "Lunch")
    await kim.call("PUT", f"/users/{kim.id}/status", {"user_id": kim.id, "status": "online"})
    # The workshop runs late: the bot learns of it, and still leaves their status alone.
    world.radicale.put_ics(
        creds, calendar, vcalendar(vevent("w", "Workshop", msk(9), msk(11))), "w"
    )
    await sync_and_deliver(world, kim)
    calls = presence_calls(world, kim)
    for moment in (msk(9, 30), msk(10), msk(11), msk(11, 1)):
        await at_mark(world, moment)
        assert (await custom_status(kim) or {}).get("text") == "Lunch"
        assert await status(kim) == "online"
    assert presence_calls(world, kim) == calls
    async with transaction(world.bot.sessions) as store:
        assert await store.presence.held() == {}


async def test_a_restart_mid_meeting_still_restores(world: World) -> None:
    lea = await connected(world, "lea", "en", vevent("m", "Offsite", msk(9), msk(10)))
    await set_own_status(lea, "palm_tree", "Back on Monday")
    await choose_presence(lea, "en", "status")
    await at_mark(world, msk(9))
    assert (await custom_status(lea) or {}).get("text") == "In a meeting until 10:00"

    await restart_bot(world)
    await at_mark(world, msk(9, 30))
    assert (await custom_status(lea) or {}).get("text") == "In a meeting until 10:00"
    await at_mark(world, msk(10))
    after = await custom_status(lea)
    assert after is not None and after["text"] == "Back on Monday"


async def test_turned_off_mid_meeting_restores_at_once(world: World) -> None:
    max_ = await connected(world, "max", "en", vevent("m", "Offsite", msk(9), msk(10)))
    await choose_presence(max_, "en", "status_dnd")
    await at_mark(world, msk(9))
    assert await status(max_) == "dnd"
    await choose_presence(max_, "en", "off")
    await at_mark(world, msk(9, 1))
    assert await custom_status(max_) is None
    assert await status(max_) == "offline"  # what it was before: never set, read as offline


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_without_the_permission_the_card_says_what_the_admin_must_do(
    plain_world: World, locale: str
) -> None:
    world = plain_world
    ned = await connected(world, f"ned{locale}", locale, vevent("m", "Demo", msk(9), msk(10)))
    await ned.say("settings")
    card = await ned.next_bot_post(t(locale, "settings.title"))
    assert t(locale, "settings.presence.needs_permission") in card["message"]
    assert "edit_other_users" in card["message"]
    off = t(locale, "settings.presence", value=t(locale, "settings.presence.off"))
    assert off in card["message"]
    names = [a.get("name") for a in (card["props"]["attachments"][0].get("actions") or [])]
    assert t(locale, "settings.presence.placeholder") not in names
    await at_mark(world, msk(9))
    assert presence_calls(world, ned) == []

    # The admin grants it: the bot notices within a quarter of an hour, without a restart.
    world.emulator.set_user(world.bot_user["id"], roles=ADMIN)
    await at_mark(world, msk(9, 15))
    card = await choose_presence(ned, locale, "status")
    await at_mark(world, msk(9, 16))
    assert (await custom_status(ned) or {}).get("text") == t(
        locale, "presence.status", time="10:00"
    )


async def test_a_person_the_bot_may_not_edit_is_left_alone(world: World) -> None:
    """With edit_other_users but not manage_system, the server refuses a system admin's
    status (403): the bot logs it, changes nothing, and carries on with the others."""
    world.emulator.store.role_permissions["system_user_manager"].add("edit_other_users")
    world.emulator.set_user(world.bot_user["id"], roles="system_user system_user_manager")
    await restart_bot(world)
    boss = await connected(world, "boss", "en", vevent("m", "Board", msk(9), msk(10)))
    world.emulator.set_user(boss.id, roles="system_user system_admin")
    ann = await connected(world, "ann", "en", vevent("m", "Board", msk(9), msk(10)))
    await choose_presence(boss, "en", "status")
    await choose_presence(ann, "en", "status")
    await at_mark(world, msk(9))
    assert await custom_status(boss) is None
    assert (await custom_status(ann) or {}).get("text") == "In a meeting until 10:00"
    refused = [r for r in world.emulator.requests if r.status == 403]
    assert refused and all(boss.id in r.path for r in refused)
