"""The whole bot against the Mattermost emulator and a real Radicale, driven the way a
person's client would: posting in the DM, clicking buttons, submitting dialogs, reading posts.
Everything a Person does goes through standard Mattermost endpoints only."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from calendar_bot.app import BotApp
from calendar_bot.clock import Clock
from calendar_bot.config import load_settings
from calendar_bot.domain.model import Credentials
from calendar_bot.services.sync import SyncOutcome
from calendar_bot.storage.repositories import StoredUser, transaction
from calendar_bot.storage.tables import OUTBOX_PENDING, outbox
from calendar_bot.vault import Vault
from mm_sandbox import Emulator, RateLimit
from tests.support.servers import CalDAVServer

Post = dict[str, Any]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def eventually(
    probe: Callable[[], Any], *, within: float = 10.0, what: str = "condition"
) -> Any:
    """Await `probe()` until it returns something truthy, or fail after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = probe()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def buttons(post: Post) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for attachment in (post.get("props") or {}).get("attachments") or []:
        found.extend(attachment.get("actions") or [])
    return found


def full_text(post: Post) -> str:
    parts = [post.get("message", "")]
    for attachment in (post.get("props") or {}).get("attachments") or []:
        parts += [attachment.get("title") or "", attachment.get("text") or ""]
    return "\n".join(p for p in parts if p)


@dataclass
class Person:
    """One Mattermost user with a client: token, DM channel with the bot, a WebSocket."""

    http: aiohttp.ClientSession
    base_url: str
    user: dict[str, Any]
    token: str
    bot_id: str
    channel_id: str = ""
    dialogs: list[dict[str, Any]] = field(default_factory=list)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    _ws_task: asyncio.Task[None] | None = None
    seen: int = 0
    acted_at: int = 0  # server millis of the person's last message or click

    @property
    def id(self) -> str:
        return str(self.user["id"])

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.http.request(
            method,
            f"{self.base_url}/api/v4{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
        ) as response:
            data = await response.json(content_type=None) if response.content_length != 0 else None
            if response.status >= 400:
                raise AssertionError(f"{method} {path} -> {response.status}: {data}")
            return data

    async def open(self) -> None:
        channel = await self.call("POST", "/channels/direct", [self.id, self.bot_id])
        self.channel_id = channel["id"]
        ws_url = self.base_url.replace("http", "ws", 1) + "/api/v4/websocket"
        ws = await self.http.ws_connect(ws_url, headers={"Authorization": f"Bearer {self.token}"})

        async def read() -> None:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                frame = json.loads(message.data)
                if frame.get("event") == "open_dialog":
                    self.dialogs.append(json.loads(frame["data"]["dialog"]))
                elif frame.get("event") == "ephemeral_message":
                    self.ephemerals.append(json.loads(frame["data"]["post"]))

        self._ws_task = asyncio.create_task(read())

    async def close(self) -> None:
        if self._ws_task:
            self._ws_task.cancel()

    # -- what a person does ----------------------------------------------------------------

    async def say(self, text: str) -> Post:
        post: Post = await self.call(
            "POST", "/posts", {"channel_id": self.channel_id, "message": text}
        )
        self.acted_at = int(post["create_at"])
        return post

    async def posts(self) -> list[Post]:
        data = await self.call("GET", f"/channels/{self.channel_id}/posts?per_page=200")
        # The server's order (newest first), oldest first: two posts of the same millisecond
        # keep the order they were made in, which sorting by create_at cannot tell.
        return [data["posts"][i] for i in reversed(data["order"])]

    async def bot_posts(self) -> list[Post]:
        return [p for p in await self.posts() if p["user_id"] == self.bot_id]

    async def next_bot_post(self, contains: str = "", *, within: float = 15.0) -> Post:
        """The first bot post after the ones already seen (optionally containing a text)."""

        async def probe() -> Post | None:
            fresh = (await self.bot_posts())[self.seen :]
            for index, post in enumerate(fresh):
                if contains in full_text(post):
                    self.seen += index + 1
                    return post
            return None

        post: Post = await eventually(probe, within=within, what=f"a bot post with {contains!r}")
        return post

    async def shown(self, contains: str = "", *, within: float = 15.0) -> Post:
        """The newest bot post, new or edited since the person's last message or click, that
        contains `contains`: how the wizard's card (one post, edited in place) is read."""

        async def probe() -> Post | None:
            for post in reversed(await self.bot_posts()):
                if int(post.get("update_at") or 0) >= self.acted_at and contains in full_text(post):
                    return post
            return None

        post: Post = await eventually(probe, within=within, what=f"a bot post showing {contains!r}")
        return post

    async def skip_to_end(self) -> None:
        self.seen = len(await self.bot_posts())

    async def click(self, post: Post, name: str, option: str | None = None) -> Any:
        """Click the button (or pick `option` in the menu) whose label contains `name`."""
        fresh = await self.call("GET", f"/posts/{post['id']}")
        self.acted_at = int(fresh.get("update_at") or 0) + 1
        for action in buttons(fresh):
            if name in (action.get("name") or ""):
                body = {"selected_option": option} if option is not None else {}
                return await self.call("POST", f"/posts/{fresh['id']}/actions/{action['id']}", body)
        raise AssertionError(f"no button {name!r} in {[a.get('name') for a in buttons(fresh)]}")

    async def submit_dialog(self, values: dict[str, Any], *, within: float = 10.0) -> Any:
        dialog = await eventually(
            lambda: self.dialogs[-1] if self.dialogs else None, within=within, what="a dialog"
        )
        body = {
            "url": dialog["url"],
            "callback_id": dialog["dialog"].get("callback_id", ""),
            "state": dialog["dialog"].get("state", ""),
            "channel_id": self.channel_id,
            "team_id": "",
            "submission": values,
            "cancelled": False,
        }
        return await self.call("POST", "/actions/dialogs/submit", body)


@dataclass
class World:
    emulator: Emulator
    radicale: CalDAVServer
    bot: BotApp
    http: aiohttp.ClientSession
    bot_user: dict[str, Any]
    people: list[Person] = field(default_factory=list)

    async def person(
        self, username: str, *, locale: str = "ru", timezone: str = "Europe/Moscow"
    ) -> tuple[Person, Credentials, str]:
        """A Mattermost user with a Radicale account and calendar (login = e-mail)."""
        email = f"{username}-{uuid.uuid4().hex[:6]}@example.test"
        user = self.emulator.create_user(
            f"{username}{uuid.uuid4().hex[:4]}", email=email, locale=locale, timezone=timezone
        )
        password = f"app-{uuid.uuid4().hex[:12]}"
        self.radicale.add_login(email, password)
        credentials = Credentials(
            base_url=self.radicale.base_url, username=email, password=password
        )
        calendar = self.radicale.make_calendar(credentials, name="Work")
        person = Person(
            self.http,
            self.emulator.base_url,
            user,
            self.emulator.login_token(user["id"]),
            str(self.bot_user["id"]),
        )
        await person.open()
        self.people.append(person)
        return person, credentials, calendar

    async def connect(self, person: Person, credentials: Credentials) -> None:
        """The connect journey, for tests that start from a connected user."""
        await person.say("привет")
        greeting = await person.next_bot_post()
        await person.click(greeting, "")  # the first button: Connect calendar
        await person.submit_dialog(
            {
                "email": credentials.username,
                "password": credentials.password,
                "server": "mailru",
                "url": "",
            }
        )
        await person.next_bot_post(credentials.username)


async def start_world(
    radicale: CalDAVServer,
    tmp: Path,
    clock: Clock | None = None,
    *,
    rate_limit: RateLimit | None = None,
    slash: bool = False,
    members_manage_commands: bool = True,
    bot_roles: str = "",
    **env: Any,
) -> World:
    """The emulator and the real bot. By default Mattermost does not limit and the bot's own
    limiter is wide open; `rate_limit` makes the emulator limit like a server and leaves the
    bot's limiter at its defaults. `slash` makes the bot register /calendar;
    `members_manage_commands=False` is a real server's default: the bot may not."""
    emulator = Emulator(rate_limit=rate_limit, members_manage_commands=members_manage_commands)
    await emulator.start()
    bot_user, token = emulator.create_bot("calendar-bot")
    if bot_roles:  # what an admin granted the bot (e.g. "system_user system_admin")
        emulator.set_user(bot_user["id"], roles=bot_roles)
    port = free_port()
    limits: dict[str, Any] = (
        {} if rate_limit else {"MM_RATE_LIMIT_PER_SEC": 1000, "MM_RATE_LIMIT_BURST": 1000}
    )
    if slash:
        limits["MM_SLASH_COMMAND_TEAM_ID"] = emulator.team_id
    # Radicale, the fault proxies and the test servers all listen on this machine: allowed
    # explicitly, as an operator allows an internal server.
    env.setdefault("CALDAV_ALLOWED_HOSTS", "127.0.0.1")
    settings = load_settings(
        MATTERMOST_BASE_URL=emulator.base_url,
        MATTERMOST_BOT_TOKEN=token,
        MM_ACTIONS_URL=f"http://127.0.0.1:{port}",
        ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DB_PATH=str(tmp / "bot.db"),
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=port,
        CALDAV_BASE_URL=radicale.base_url,
        **limits,
        **env,
    )
    vault = Vault.from_setting(settings.ENCRYPTION_KEY.get_secret_value())
    bot = BotApp(settings, vault, clock=clock)
    await bot.start()
    await eventually(bot.listener.is_healthy, what="the bot's WebSocket")
    http = aiohttp.ClientSession()
    return World(emulator, radicale, bot, http, bot_user)


async def stop_world(world: World) -> None:
    for person in world.people:
        await person.close()
    await world.bot.stop()
    await world.http.close()
    await world.emulator.stop()
    # What a real server would only log (a dialog over its limits, say) fails the test here.
    assert world.emulator.problems == []


# ---- notification tests: clocks, iCalendar, direct service drives -----------------------------


async def start_world_default_limits(
    radicale: CalDAVServer, tmp: Path, clock: Clock | None = None, **env: Any
) -> World:
    """Like start_world, but with the bot's default Mattermost rate limit settings (and the
    emulator limiting like a real server with its defaults, 10/s, burst 100)."""
    return await start_world(radicale, tmp, clock, rate_limit=RateLimit(), **env)


async def connect_to_server(
    person: Person, credentials: Credentials, server_url: str, *, expect: str = ""
) -> None:
    """The connect journey with "another server" chosen and `server_url` typed in."""
    await person.say("hello")
    greeting = await person.next_bot_post()
    await person.click(greeting, "")  # the first button: Connect calendar
    await person.submit_dialog(
        {
            "email": credentials.username,
            "password": credentials.password,
            "server": "other",
            "url": server_url,
        }
    )
    await person.next_bot_post(expect or credentials.username)


def ics_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(
    uid: str,
    summary: str,
    start: datetime | date,
    end: datetime | date,
    *,
    location: str = "",
    status: str = "",
    rrule: str = "",
    exdates: Sequence[datetime] = (),
    recurrence_id: datetime | None = None,
    organizer: str = "",
    attendees: Sequence[tuple[str, str]] = (),  # (email, PARTSTAT)
    alarms: Sequence[int] = (),  # VALARM leads in minutes before the start
    url: str = "",
    sequence: int = 0,
) -> str:
    """One VEVENT block (no VCALENDAR around it): join several for a series with overrides."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", f"SUMMARY:{summary}"]
    if isinstance(start, datetime):
        assert isinstance(end, datetime)
        lines += [f"DTSTART:{ics_stamp(start)}", f"DTEND:{ics_stamp(end)}"]
    else:
        lines += [
            f"DTSTART;VALUE=DATE:{start.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{end.strftime('%Y%m%d')}",
        ]
    if recurrence_id is not None:
        lines.append(f"RECURRENCE-ID:{ics_stamp(recurrence_id)}")
    if sequence:
        lines.append(f"SEQUENCE:{sequence}")
    if rrule:
        lines.append(f"RRULE:{rrule}")
    lines += [f"EXDATE:{ics_stamp(moment)}" for moment in exdates]
    if organizer:
        lines.append(f"ORGANIZER;CN=Organizer:mailto:{organizer}")
    lines += [
        f"ATTENDEE;PARTSTAT={partstat};RSVP=TRUE:mailto:{email}" for email, partstat in attendees
    ]
    if location:
        lines.append(f"LOCATION:{location}")
    if status:
        lines.append(f"STATUS:{status}")
    if url:
        lines.append(f"URL:{url}")
    for lead in alarms:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:Reminder",
            f"TRIGGER:-PT{lead}M",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


def vcalendar(*vevents: str) -> str:
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//calendar-bot tests//EN",
            *vevents,
            "END:VCALENDAR",
            "",
        ]
    )


async def stored_user(world: World, person: Person) -> StoredUser:
    async with transaction(world.bot.sessions) as store:
        user = await store.users.get(person.id)
    assert user is not None, "the person is not connected"
    return user


async def wait_baseline(world: World, person: Person, within: float = 20.0) -> StoredUser:
    """Until the first (silent) sync after connecting has stored its snapshot."""

    async def done() -> StoredUser | None:
        async with transaction(world.bot.sessions) as store:
            user = await store.users.get(person.id)
        return user if user is not None and user.baseline_done else None

    user: StoredUser = await eventually(done, within=within, what="the baseline sync")
    return user


async def sync_and_deliver(world: World, person: Person) -> SyncOutcome:
    """One poll of this person (what the poll loop does when they are due), then the outbox."""
    outcome = await world.bot.sync.sync_user(await stored_user(world, person))
    await drain_outbox(world)
    return outcome


async def drain_outbox(world: World, within: float = 20.0) -> None:
    """Deliver until no row is due now (the worker's loop may deliver some meanwhile)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        await world.bot.delivery.run_once()
        now = world.bot.clock.now()
        async with transaction(world.bot.sessions) as store:
            pending = (
                await store.session.execute(
                    select(func.count())
                    .select_from(outbox)
                    .where(outbox.c.status == OUTBOX_PENDING, outbox.c.next_attempt_at <= now)
                )
            ).scalar_one()
        if not pending:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{pending} outbox rows still pending")
        await asyncio.sleep(0.05)


async def restart_bot(world: World, while_down: Callable[[], object] | None = None) -> BotApp:
    """Stop the bot and start a new one on the same database, settings and clock (the
    emulator and Radicale keep running): what a redeploy looks like. `while_down` runs
    in between (e.g. to move the clock past what the bot should have done meanwhile)."""
    old = world.bot
    await old.stop()
    if while_down is not None:
        while_down()
    bot = BotApp(old.settings, old.vault, clock=old.clock)
    await bot.start()
    await eventually(bot.listener.is_healthy, what="the restarted bot's WebSocket")
    world.bot = bot
    return bot


async def wait_tick(world: World, mark: datetime, name: str = "reminders") -> None:
    """Until the scheduler's job `name` has run for the minute mark `mark` (or later)."""

    async def done() -> bool:
        async with transaction(world.bot.sessions) as store:
            entry = await store.scheduler.get(name)
        return bool(entry and entry.last_tick_at and entry.last_tick_at >= mark)

    await eventually(done, within=20.0, what=f"the {name} tick at {mark:%H:%M}")
