"""The gateway under concurrent use: many users at once, and one user polled in parallel."""

from __future__ import annotations

import asyncio

import pytest

from calendar_bot.caldav import CalDAVGateway, discovery, polling
from calendar_bot.caldav.http import DavSession, HttpResult
from calendar_bot.domain.model import ExpansionScope
from tests.caldav.samples import WINDOW, single
from tests.support.servers import CalDAVServer


async def test_many_users_in_parallel_each_get_their_own_calendar(
    radicale: CalDAVServer, gateway: CalDAVGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = []
    for i in range(6):
        creds = radicale.new_user()
        cal = radicale.make_calendar(creds, f"Cal {i}")
        radicale.put_ics(creds, cal, single(f"u{i}", f"Meeting of user {i}"))
        users.append(creds)
    # Watch the per-user critical section: never two tasks in it for the same user.
    inside: dict[str, int] = {}
    overlap: list[str] = []
    most = 0
    real = discovery.fetch_home_listing

    async def watched(session: DavSession, home: str) -> HttpResult:
        nonlocal most
        inside[home] = inside.get(home, 0) + 1
        if inside[home] > 1:
            overlap.append(home)
        most = max(most, sum(inside.values()))
        try:
            return await real(session, home)
        finally:
            inside[home] -= 1

    monkeypatch.setattr(polling, "fetch_home_listing", watched)
    discovered = await asyncio.gather(*(gateway.discover(c) for c in users))
    polls = await asyncio.gather(
        *(
            gateway.sync(creds, cals, ExpansionScope(WINDOW, radicale.email_of(creds), "UTC"))
            for creds, (_, cals) in zip(users * 3, discovered * 3, strict=True)
        )
    )

    assert overlap == []
    assert most > 1  # different users were polled at the same time
    assert all(p.complete for p in polls)
    for i, p in enumerate(polls):
        assert [o.title for f in p.calendars for o in f.occurrences] == [f"Meeting of user {i % 6}"]
    assert len(list(gateway.clients)) == 6  # one cached client per user


async def test_forget_drops_the_users_client(
    radicale: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = radicale.new_user()
    radicale.make_calendar(creds, "Work")
    await gateway.discover(creds)
    assert len(list(gateway.clients)) == 1
    gateway.forget(creds)
    assert list(gateway.clients) == []
