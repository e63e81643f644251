"""The whole bot against the Mattermost emulator and a real Radicale, driven the way a
person's client would: posting in the DM, clicking buttons, submitting dialogs, reading posts.
Everything a Person does goes through standard Mattermost endpoints only."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet

from calendar_bot.app import BotApp
from calendar_bot.clock import Clock
from calendar_bot.config import load_settings
from calendar_bot.domain.model import Credentials
from calendar_bot.vault import Vault
from mm_sandbox import Emulator
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
        return post

    async def posts(self) -> list[Post]:
        data = await self.call("GET", f"/channels/{self.channel_id}/posts?per_page=200")
        posts = [data["posts"][i] for i in data["order"]]
        return sorted(posts, key=lambda p: (p["create_at"], p["id"]))

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

    async def skip_to_end(self) -> None:
        self.seen = len(await self.bot_posts())

    async def click(self, post: Post, name: str, option: str | None = None) -> Any:
        """Click the button (or pick `option` in the menu) whose label contains `name`."""
        fresh = await self.call("GET", f"/posts/{post['id']}")
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
    radicale: CalDAVServer, tmp: Path, clock: Clock | None = None, **env: Any
) -> World:
    emulator = Emulator()
    await emulator.start()
    bot_user, token = emulator.create_bot("calendar-bot")
    port = free_port()
    settings = load_settings(
        MATTERMOST_BASE_URL=emulator.base_url,
        MATTERMOST_BOT_TOKEN=token,
        MM_ACTIONS_URL=f"http://127.0.0.1:{port}",
        ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DB_PATH=str(tmp / "bot.db"),
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=port,
        CALDAV_BASE_URL=radicale.base_url,
        MM_RATE_LIMIT_PER_SEC=1000,
        MM_RATE_LIMIT_BURST=1000,
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
