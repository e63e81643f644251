"""A person at the sandbox, over its HTTP surface only: the emulator's standard Mattermost
endpoints (login, DM, posts, button clicks, dialog submission, the WebSocket), CalDAV requests
straight to the sandbox's Radicale with the demo login, and `/sandbox/clock`."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp

from tests.e2e.harness import eventually, ics_stamp

__all__ = ["Post", "SandboxPerson", "advance_clock", "clock_now", "eventually", "invitation_ics"]

Post = dict[str, Any]


def invitation_ics(uid: str, title: str, start: datetime, attendee: str) -> str:
    """The issue's meeting: from a vendor, the person invited and not yet answered, 30 min,
    a Telemost link in LOCATION."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//another client//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{ics_stamp(start - timedelta(hours=1))}",
        f"DTSTART:{ics_stamp(start)}",
        f"DTEND:{ics_stamp(start + timedelta(minutes=30))}",
        f"SUMMARY:{title}",
        "ORGANIZER:mailto:vendor@example.org",
        f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{attendee}",
        "LOCATION:https://telemost.yandex.ru/j/5550001234",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


async def clock_now(http: aiohttp.ClientSession, mm_url: str) -> datetime:
    async with http.get(f"{mm_url}/sandbox/clock") as response:
        assert response.status == 200
        return datetime.fromisoformat((await response.json())["now"])


async def advance_clock(http: aiohttp.ClientSession, mm_url: str, minutes: int) -> None:
    async with http.post(f"{mm_url}/sandbox/clock", json={"advance_minutes": minutes}) as r:
        assert r.status == 200, await r.text()


@dataclass
class SandboxPerson:
    http: aiohttp.ClientSession
    mm_url: str
    caldav_url: str
    login: dict[str, str]  # one entry of the sandbox's "users" (demo logins included)
    token: str = ""
    user_id: str = ""
    bot_id: str = ""
    channel_id: str = ""
    dialogs: list[dict[str, Any]] = field(default_factory=list)
    _ws: aiohttp.ClientWebSocketResponse | None = None
    _reader: asyncio.Task[None] | None = None

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.http.request(
            method,
            f"{self.mm_url}/api/v4{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
        ) as response:
            data = await response.json(content_type=None) if response.content_length != 0 else None
            assert response.status < 400, f"{method} {path} -> {response.status}: {data}"
            return data

    async def sign_in(self, bot_username: str) -> None:
        async with self.http.post(
            f"{self.mm_url}/api/v4/users/login",
            json={"login_id": self.login["username"], "password": self.login["password"]},
        ) as response:
            assert response.status == 200, await response.text()
            self.token = response.headers["Token"]
            self.user_id = (await response.json())["id"]
        self.bot_id = (await self.call("GET", f"/users/username/{bot_username}"))["id"]
        channel = await self.call("POST", "/channels/direct", [self.user_id, self.bot_id])
        self.channel_id = channel["id"]
        ws_url = self.mm_url.replace("http", "ws", 1) + "/api/v4/websocket"
        self._ws = await self.http.ws_connect(
            ws_url, headers={"Authorization": f"Bearer {self.token}"}
        )
        self._reader = asyncio.create_task(self._read(self._ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            if frame.get("event") == "open_dialog":
                self.dialogs.append(json.loads(frame["data"]["dialog"]))

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()

    async def bot_posts(self) -> list[Post]:
        data = await self.call("GET", f"/channels/{self.channel_id}/posts?per_page=200")
        posts = [data["posts"][i] for i in reversed(data["order"])]
        return [p for p in posts if p["user_id"] == self.bot_id]

    async def connect_calendar(self, *, within: float = 60.0) -> None:
        """Write to the bot, click Connect, submit the dialog with the demo CalDAV login, and
        wait for the "connected" post (it names the login)."""
        await self.call("POST", "/posts", {"channel_id": self.channel_id, "message": "hi"})
        greeting: Post = await eventually(
            self._first_post_with_button, within=within, what="the greeting"
        )
        action = greeting["props"]["attachments"][0]["actions"][0]
        await self.call("POST", f"/posts/{greeting['id']}/actions/{action['id']}", {})
        dialog = await eventually(
            lambda: self.dialogs[-1] if self.dialogs else None, within=within, what="the dialog"
        )
        await self.call(
            "POST",
            "/actions/dialogs/submit",
            {
                "url": dialog["url"],
                "callback_id": dialog["dialog"].get("callback_id", ""),
                "state": dialog["dialog"].get("state", ""),
                "channel_id": self.channel_id,
                "team_id": "",
                "submission": {
                    "email": self.login["caldav_username"],
                    "password": self.login["caldav_password"],
                    "server": "mailru",
                    "url": "",
                },
                "cancelled": False,
            },
        )

        async def connected() -> bool:
            email = self.login["caldav_username"]
            return any(email in p.get("message", "") for p in await self.bot_posts())

        await eventually(connected, within=within, what="the connected post")

    async def _first_post_with_button(self) -> Post | None:
        for post in await self.bot_posts():
            for attachment in (post.get("props") or {}).get("attachments") or []:
                if attachment.get("actions"):
                    return post
        return None

    async def put_event(self, calendar: str, uid: str, ics: str) -> int:
        """An HTTP PUT straight to Radicale with the demo CalDAV login, as another client."""
        login = self.login["caldav_username"]
        url = f"{self.caldav_url}/{quote(login, safe='')}/{calendar}/{uid}.ics"
        async with self.http.put(
            url,
            data=ics.encode(),
            headers={"Content-Type": "text/calendar; charset=utf-8"},
            auth=aiohttp.BasicAuth(login, self.login["caldav_password"]),
        ) as response:
            return response.status
