"""The sandbox-only HTTP routes the web chat's side panel calls: the clock and the demo calendar.

They are added to the emulator's app by the sandbox, never by the emulator itself, so a plain
emulator answers them with a 404 and the page hides the panel.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from calendar_bot.clock import ManualClock
from calendar_bot.sandbox.calendars import DemoCalendars, SandboxRequestError
from calendar_bot.sandbox.demo import DEMO_ZONE, DemoUser

MAX_ADVANCE_MINUTES = 60 * 24 * 60  # two months is plenty to see any reminder or digest
# A fast-forward lets the bot live through each minute of the first day it skips, in order,
# as it would have in real time (a reminder comes at its minute, not "late"); beyond a day
# the rest is one jump, which the bot handles as it would a long downtime.
STEPPED_MINUTES = 24 * 60


@dataclass
class Controls:
    clock: ManualClock
    calendars: DemoCalendars
    info: dict[str, Any]  # the public /sandbox/info answer (demo logins included, on purpose)
    user_for_token: Callable[[str], DemoUser | None]
    changed: Callable[[DemoUser | None], Awaitable[None]]  # a calendar or the clock moved
    # Brings every snapshot up to date before time jumps: in real time the bot would have
    # polled many times over the skipped span, and reminders come from the snapshot.
    settle: Callable[[], Awaitable[None]]
    # Runs the bot's minute jobs (reminders, digest) for the clock's current minute.
    tick: Callable[[], Awaitable[None]]

    def register(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/sandbox/info", self.get_info)
        r.add_get("/sandbox/clock", self.get_clock)
        r.add_post("/sandbox/clock", self.post_clock)
        r.add_get("/sandbox/events", self.get_events)
        r.add_post("/sandbox/events", self.add_event)
        r.add_post("/sandbox/events/move", self.move_event)
        r.add_post("/sandbox/events/cancel", self.cancel_event)

    def _clock_body(self) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "now": now.isoformat(),
            "local": now.astimezone(DEMO_ZONE).isoformat(timespec="seconds"),
            "zone": str(DEMO_ZONE),
        }

    async def get_info(self, _request: web.Request) -> web.Response:
        return web.json_response({**self.info, "clock": self._clock_body()})

    async def get_clock(self, _request: web.Request) -> web.Response:
        return web.json_response(self._clock_body())

    async def post_clock(self, request: web.Request) -> web.Response:
        body = await _body(request)
        minutes = body.get("advance_minutes")
        if (
            not isinstance(minutes, int)
            or isinstance(minutes, bool)
            or not 1 <= minutes <= MAX_ADVANCE_MINUTES
        ):
            return _error(f"advance_minutes: a whole number from 1 to {MAX_ADVANCE_MINUTES}")
        await self.settle()
        # Handlers run on the event loop thread, where the clock's waiters live.
        stepped = min(minutes, STEPPED_MINUTES)
        for _ in range(stepped):
            self.clock.advance(timedelta(minutes=1))
            await self.tick()
        if minutes > stepped:
            self.clock.advance(timedelta(minutes=minutes - stepped))
        await self.changed(None)
        return web.json_response(self._clock_body())

    def _user(self, request: web.Request) -> DemoUser:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = self.user_for_token(token.strip()) if scheme.lower() in ("bearer", "token") else None
        if user is None:
            raise web.HTTPUnauthorized(
                text=json.dumps({"error": "sign in first"}), content_type="application/json"
            )
        return user

    async def get_events(self, request: web.Request) -> web.Response:
        user = self._user(request)
        events = await self.calendars.events(user)
        return web.json_response({"events": [e.as_json() for e in events]})

    async def add_event(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _body(request)
        summary = str(body.get("summary") or "").strip()
        minutes = body.get("minutes", 30)
        try:
            start = datetime.fromisoformat(str(body.get("start") or ""))
        except ValueError:
            return _error("start: a date and time such as 2026-11-27T10:00")
        if not summary or len(summary) > 200:
            return _error("summary: required, up to 200 characters")
        if not isinstance(minutes, int) or not 5 <= minutes <= 24 * 60:
            return _error("minutes: from 5 to 1440")
        if start.tzinfo is None:
            start = start.replace(tzinfo=DEMO_ZONE)
        return await self._act(user, self.calendars.add(user, summary, start, minutes))

    async def move_event(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _body(request)
        minutes = body.get("minutes")
        if not isinstance(minutes, int) or minutes == 0 or abs(minutes) > 7 * 24 * 60:
            return _error("minutes: a non-zero shift of up to a week")
        return await self._act(user, self.calendars.move(user, str(body.get("href", "")), minutes))

    async def cancel_event(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _body(request)
        return await self._act(user, self.calendars.cancel(user, str(body.get("href", ""))))

    async def _act(self, user: DemoUser, work: Awaitable[Any]) -> web.Response:
        try:
            await work
        except SandboxRequestError as exc:
            return _error(str(exc))
        await self.changed(user)
        return web.json_response({"status": "OK"})


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)
