"""Issue 22, item 2: an update the bot cannot read is "unknown", never "gone".

The server hands the bot (through a proxy in front of the real Radicale) an event whose
DTSTART it cannot read. Such an update must not be announced as a cancellation, the meeting
keeps its last known version (and its reminders), and when the event is repaired the repair is
compared with that version: a move is a move, no change is no message. A new object that
cannot be read is not announced until it can be. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from tests.e2e.harness import (
    Person,
    World,
    connect_to_server,
    ics_stamp,
    vcalendar,
    vevent,
    wait_baseline,
)
from tests.e2e.test_notify_changes import msk, only, step
from tests.support.servers import Proxy


@pytest.fixture
def world(clocked_world: World) -> World:
    return clocked_world


# The broken versions are stored at this start; the proxy makes their DTSTART unreadable.
BROKEN_AT = msk(3, 7)
UNREADABLE = ics_stamp(BROKEN_AT).encode()


def broken(uid: str, title: str) -> str:
    return vcalendar(vevent(uid, title, BROKEN_AT, BROKEN_AT + timedelta(hours=1)))


async def _meetings(world: World, person: Person) -> list[tuple[str, str]]:
    async with transaction(world.bot.sessions) as store:
        rows = await store.snapshot.load(person.id)
    return sorted((o.title, o.start.isoformat()) for o in rows)


async def test_a_broken_update_is_not_a_cancellation(world: World, proxy: Proxy) -> None:
    proxy.rewrite_report = lambda body: body.replace(b"DTSTART:" + UNREADABLE, b"DTSTART:x")
    alice, creds, calendar = await world.person("alice", locale="en")
    put = world.radicale.put_ics
    put(creds, calendar, vcalendar(vevent("rev", "Review", msk(1, 11), msk(1, 12))), "rev")
    await connect_to_server(alice, creds, proxy.url)
    await wait_baseline(world, alice)
    await alice.skip_to_end()
    known = await _meetings(world, alice)
    assert [title for title, _ in known] == ["Review"]

    put(creds, calendar, broken("rev", "Review"), "rev")
    got = await step(world, alice)
    assert [p["message"] for p in got] == []  # not "cancelled"
    assert await _meetings(world, alice) == known  # the last known version stands

    put(creds, calendar, vcalendar(vevent("rev", "Review", msk(1, 15), msk(1, 16))), "rev")
    post = only(await step(world, alice), t("en", "notify.moved", title="Review"))
    assert "14:00" not in str(post) and "15:00" in str(post)

    put(creds, calendar, broken("rev", "Review"), "rev")
    assert await step(world, alice) == []
    put(creds, calendar, vcalendar(vevent("rev", "Review", msk(1, 15), msk(1, 16))), "rev")
    assert await step(world, alice) == []  # repaired as it was: nothing to say

    put(creds, calendar, broken("new", "Kickoff"), "new")
    assert await step(world, alice) == []  # cannot be read yet: nothing to announce
    put(creds, calendar, vcalendar(vevent("new", "Kickoff", msk(2, 10), msk(2, 11))), "new")
    only(await step(world, alice), t("en", "notify.new", title="Kickoff"))
