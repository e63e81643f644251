"""The "Other server" URL is not a port scanner: an address that is not public (loopback,
link-local, private) is refused unless the operator allows it, before anything is sent
there; every failure of a typed URL gets the same answer; a password typed inside the URL
is refused, never stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp import web

from calendar_bot.i18n import t
from calendar_bot.views.onboarding import APP_PASSWORD_URL
from tests.e2e.harness import Person, World, start_world, stop_world
from tests.e2e.journeys import user_row
from tests.support.servers import CalDAVServer, free_port


@pytest.fixture
async def inside() -> AsyncIterator[tuple[str, list[str]]]:
    """An HTTP service inside the bot's network; what it was sent (Authorization headers)."""
    seen: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.Response(status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


@pytest.fixture
async def strict_world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    """A bot whose operator allows only an unrelated internal host, not this machine."""
    world = await start_world(radicale, tmp_path, CALDAV_ALLOWED_HOSTS="caldav.corp.example")
    yield world
    await stop_world(world)


async def open_connect_dialog(person: Person) -> None:
    await person.say("hi")
    greeting = await person.next_bot_post(APP_PASSWORD_URL)
    await person.click(greeting, t("en", "greeting.connect"))


async def test_addresses_inside_are_refused_alike_and_nothing_is_sent(
    strict_world: World, inside: tuple[str, list[str]]
) -> None:
    world = strict_world
    inside_url, seen = inside
    port = urlsplit(inside_url).port
    mallory, creds, _ = await world.person("mallory", locale="en")
    await open_connect_dialog(mallory)
    targets = [
        world.radicale.base_url,  # a real CalDAV server, with the right login
        inside_url,  # an open port
        f"http://localhost:{port}/",  # a name for loopback
        f"http://[::1]:{free_port()}/",  # a closed port, IPv6 loopback
        f"http://[::ffff:127.0.0.1]:{port}/",
        "http://169.254.169.254/latest/meta-data/",  # link-local: the cloud metadata service
        "http://10.20.30.40:8080/",  # private
    ]
    answers = []
    for url in targets:
        values = {"email": creds.username, "password": creds.password, "server": "other"}
        answers.append(await mallory.submit_dialog(values | {"url": url}))
    assert answers == [{"errors": {"url": t("en", "connect.error.other_server")}}] * len(targets)
    assert seen == []  # not one request, so no password, went inside
    assert await user_row(world, mallory.id) is None


async def test_a_password_inside_the_url_is_refused_and_never_stored(world: World) -> None:
    nick, creds, _ = await world.person("nick", locale="en")
    await open_connect_dialog(nick)
    base = urlsplit(world.radicale.base_url)
    url = f"{base.scheme}://{creds.username.replace('@', '%40')}:typed-secret@{base.netloc}/"
    answer = await nick.submit_dialog(
        {"email": creds.username, "password": creds.password, "server": "other", "url": url}
    )
    assert answer == {"errors": {"url": t("en", "connect.error.url_credentials")}}
    assert await user_row(world, nick.id) is None
    db = Path(world.bot.settings.DB_PATH)
    for stored in (db, db.with_name(db.name + "-wal")):
        assert not stored.exists() or b"typed-secret" not in stored.read_bytes()
