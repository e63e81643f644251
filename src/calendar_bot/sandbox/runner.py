"""The whole bot on one machine with nothing configured: the Mattermost emulator with its web
chat, an embedded Radicale with demo accounts and meetings, and the bot on SQLite, all on
127.0.0.1 and all on the sandbox's clock."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import webbrowser
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from calendar_bot.app import BotApp
from calendar_bot.clock import ManualClock
from calendar_bot.config import load_settings
from calendar_bot.logging_setup import secrets, setup_logging
from calendar_bot.sandbox.calendars import DemoCalendars
from calendar_bot.sandbox.controls import Controls
from calendar_bot.sandbox.demo import DEMO_USERS, DEMO_ZONE, DemoUser, demo_calendars
from calendar_bot.sandbox.radicale_server import EmbeddedRadicale
from calendar_bot.scheduler import floor_minute
from calendar_bot.storage.repositories import transaction
from calendar_bot.vault import Vault

# The one seam between the bot and the emulator: `calendar-bot sandbox` starts it here. No
# other module of calendar_bot imports mm_sandbox (tests/unit/test_import_rules.py).
from mm_sandbox import Emulator

log = logging.getLogger(__name__)

BOT_USERNAME = "calendar-bot"
KEY_FILE = "encryption.key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _encryption_key(data_dir: Path) -> str:
    """The sandbox's own key, made once and kept with its data (never the operator's)."""
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = Vault.generate_key()
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


@dataclass
class Sandbox:
    """Start with `await Sandbox(...).start()`; `stop()` ends everything it started."""

    port: int = 0
    data_dir: Path | None = None
    users: tuple[DemoUser, ...] = DEMO_USERS
    clock: ManualClock = field(default_factory=lambda: ManualClock(running=True))
    # Filled by start():
    emulator: Emulator | None = None
    radicale: EmbeddedRadicale | None = None
    bot: BotApp | None = None
    mm_ids: dict[str, str] = field(default_factory=dict)  # demo username -> Mattermost user ID
    _temp_dir: Path | None = None
    _http: aiohttp.ClientSession | None = None
    _background: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def bot_http_url(self) -> str:
        return f"http://127.0.0.1:{self.bot.http_port}" if self.bot else ""

    def summary(self) -> dict[str, Any]:
        """The one JSON line of `--headless`: everything a script needs to drive the sandbox."""
        assert self.emulator is not None and self.radicale is not None
        return {
            "mattermost_url": self.emulator.base_url,
            "caldav_url": self.radicale.base_url,
            "bot_http_url": self.bot_http_url,
            "bot_username": BOT_USERNAME,
            "users": [u.public() for u in self.users],
        }

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        if self.data_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="calendar-bot-sandbox-"))
            self.data_dir = self._temp_dir
        data_dir = self.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)

        self.radicale = EmbeddedRadicale(data_dir / "radicale")
        caldav_url = self.radicale.start()
        for user in self.users:
            self.radicale.add_login(user.email, user.caldav_password)
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        calendars = DemoCalendars(self._http, caldav_url)
        await self._wait_for_radicale(caldav_url)
        for user in self.users:
            await calendars.seed(user, demo_calendars(user, self.clock.now()))

        self.emulator = Emulator(max_recorded=500, webchat=True)
        for user in self.users:
            created = self.emulator.create_user(
                user.username,
                email=user.email,
                password=user.password,
                locale=user.locale,
                timezone=str(DEMO_ZONE),
                first_name=user.first_name,
                last_name=user.last_name,
            )
            self.mm_ids[user.username] = str(created["id"])
        _, token = self.emulator.create_bot(BOT_USERNAME, "Calendar")
        by_id = {self.mm_ids[u.username]: u for u in self.users}
        store = self.emulator.store
        Controls(
            clock=self.clock,
            calendars=calendars,
            info={
                "bot_username": BOT_USERNAME,
                "users": [
                    {"username": u.username, "password": u.password, "locale": u.locale}
                    | {"caldav_username": u.email, "caldav_password": u.caldav_password}
                    for u in self.users
                ],
            },
            user_for_token=lambda t: by_id.get(store.user_for_token(t) or ""),
            changed=self._changed,
            settle=self._settle,
            tick=self._tick,
        ).register(self.emulator.app)
        mm_url = await self.emulator.start("127.0.0.1", self.port)

        bot_port = _free_port()
        key = _encryption_key(data_dir)
        secrets.add(key)
        secrets.add(token)
        settings = load_settings(
            MATTERMOST_BASE_URL=mm_url,
            MATTERMOST_BOT_TOKEN=token,
            MM_ACTIONS_URL=f"http://127.0.0.1:{bot_port}",
            ENCRYPTION_KEY=key,
            ACTIONS_SECRET="",
            DB_PATH=str(data_dir / "calendar_bot.db"),
            DATABASE_URL="",
            HTTP_HOST="127.0.0.1",
            HTTP_PORT=bot_port,
            CALDAV_BASE_URL=caldav_url,
            # the sandbox's own Radicale, on this machine
            CALDAV_ALLOWED_HOSTS=urlsplit(caldav_url).hostname or "",
            TZ=str(DEMO_ZONE),
            CHECK_INTERVAL=10,
            MM_RATE_LIMIT_PER_SEC=1000,
            MM_RATE_LIMIT_BURST=1000,
            MM_SLASH_COMMAND_TEAM_ID=self.emulator.team_id,
            MM_SLASH_COMMAND_TOKEN="",
        )
        self.bot = BotApp(settings, Vault.from_setting(key), clock=self.clock)
        await self.bot.start()
        await self._wait_until(self.bot.listener.is_healthy, "the bot's WebSocket")

    async def _wait_for_radicale(self, url: str) -> None:
        assert self._http is not None
        http = self._http

        async def answers() -> bool:
            try:
                async with http.get(url + "/.well-known/caldav", allow_redirects=False):
                    return True
            except aiohttp.ClientError:
                return False

        await self._wait_until(answers, "the embedded Radicale")

    @staticmethod
    async def _wait_until(probe: Any, what: str, within: float = 30.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = probe()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            if loop.time() > deadline:
                raise RuntimeError(f"the sandbox could not start: no answer from {what}")
            await asyncio.sleep(0.05)

    async def _sync(self, users: list[DemoUser]) -> None:
        bot = self.bot
        if bot is None:
            return
        for demo in users:
            async with transaction(bot.sessions) as store:
                stored = await store.users.get(self.mm_ids[demo.username])
            if stored is not None:
                try:
                    await bot.sync.sync_user(stored)
                except Exception:
                    log.exception("sandbox sync of %s failed", demo.username)
        bot.delivery.wakeup.set()

    async def _tick(self) -> None:
        """The bot's minute jobs for the clock's minute, then its outbox, in order."""
        if self.bot is not None:
            await self.bot.scheduler.tick(floor_minute(self.clock.now()))
            await self.bot.delivery.run_once()

    async def _settle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._sync(list(self.users)), timeout=30)

    async def _changed(self, user: DemoUser | None) -> None:
        """After a panel change, sync now (in the background) rather than at the next poll."""
        task = asyncio.create_task(self._sync([user] if user is not None else list(self.users)))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def stop(self) -> None:
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self.bot is not None:
            with contextlib.suppress(Exception):
                await self.bot.stop()
            self.bot = None
        if self.emulator is not None:
            await self.emulator.stop()
            self.emulator = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self.radicale is not None:
            await asyncio.to_thread(self.radicale.stop)
            self.radicale = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None


def _has_display() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def _print_welcome(sandbox: Sandbox) -> None:
    info = sandbox.summary()
    lines = [
        "",
        "calendar-bot sandbox is running (Ctrl+C stops it).",
        f"  Web chat:   {info['mattermost_url']}/",
        f"  CalDAV:     {info['caldav_url']}/",
        "  Sign in as:",
    ]
    for user in info["users"]:
        lines.append(
            f"    {user['username']:<6} password {user['password']:<11} locale {user['locale']}"
            f"   calendar login {user['caldav_username']} / {user['caldav_password']}"
        )
    print("\n".join(lines), flush=True)


def clock_starting_at(start_at: str | None) -> ManualClock:
    """The sandbox's clock: real time, or today's `HH:MM` in the demo's zone (so the demo and
    its tests see the same day at any hour: at 22:00 the afternoon's meetings are over)."""
    if not start_at:
        return ManualClock(running=True)
    wall = time.fromisoformat(start_at)
    today = datetime.now(DEMO_ZONE).date()
    return ManualClock(datetime.combine(today, wall, DEMO_ZONE), running=True)


async def serve(
    headless: bool, port: int, data_dir: str | None, start_at: str | None = None
) -> int:
    sandbox = Sandbox(
        port=port,
        data_dir=Path(data_dir) if data_dir else None,
        clock=clock_starting_at(start_at),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(sandbox.start())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():
        starting.cancel()  # start() cleans up what it had started
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        return 130
    stopping.cancel()
    try:
        starting.result()
    except OSError as exc:
        print(f"the sandbox could not start: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        if headless:
            print(json.dumps(sandbox.summary()), flush=True)
        else:
            _print_welcome(sandbox)
            if _has_display():
                with contextlib.suppress(Exception):
                    webbrowser.open(f"{sandbox.summary()['mattermost_url']}/")
        await stop.wait()
    finally:
        await sandbox.stop()
    return 0


def run_sandbox(
    headless: bool, port: int, data_dir: str | None, start_at: str | None = None
) -> int:
    """`calendar-bot sandbox` (and `run` without MATTERMOST_BASE_URL)."""
    setup_logging("WARNING" if headless else "INFO", "text")
    for name in ("aiohttp.access", "alembic", "calendar_bot.mattermost"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # It reports creating its storage folders as warnings; a fresh sandbox always does that.
    logging.getLogger("radicale").setLevel(logging.ERROR)
    try:
        return asyncio.run(serve(headless, port, data_dir, start_at))
    except KeyboardInterrupt:
        return 130
