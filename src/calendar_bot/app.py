"""The composition root: builds the adapters, services and jobs from Settings, starts them
together and stops them in order. No logic of its own lives here: the jobs are in `jobs/`,
the HTTP endpoints in `mattermost/web.py`, the stored replay guard and the health write in
`storage/`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from aiohttp import web

from calendar_bot.caldav.addresses import AddressPolicy
from calendar_bot.caldav.gateway import CalDAVGateway
from calendar_bot.clock import Clock, SystemClock
from calendar_bot.config import ConfigError, Settings
from calendar_bot.dispatcher import BotDispatcher
from calendar_bot.inbound_claims import ClaimedPosts
from calendar_bot.jobs.housekeeping import housekeeping_job
from calendar_bot.jobs.notices import digest_job, reminder_job
from calendar_bot.jobs.poll import poll_forever
from calendar_bot.jobs.presence import presence_job
from calendar_bot.mattermost.chat import MattermostChat
from calendar_bot.mattermost.presence import MattermostPresence
from calendar_bot.mattermost.ratelimit import TokenBucket
from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.rest import MattermostClient
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.mattermost.slash_command import slash_command_token
from calendar_bot.mattermost.trigger_key import fetch_trigger_key
from calendar_bot.mattermost.web import create_app
from calendar_bot.mattermost.websocket import WebSocketListener
from calendar_bot.scheduler import MinuteScheduler
from calendar_bot.services.context import Context
from calendar_bot.services.delivery import DeliveryService
from calendar_bot.services.digest import DigestService
from calendar_bot.services.presence import PresenceService
from calendar_bot.services.reminders import ReminderService
from calendar_bot.services.sync import SyncService
from calendar_bot.storage.db import create_engine, is_sqlite, migrate, session_factory
from calendar_bot.storage.health import takes_a_write
from calendar_bot.storage.replay_guard import StoredReplayGuard
from calendar_bot.storage.repositories import unit_of_work
from calendar_bot.storage.rotation import KEY_MISMATCH, some_secret_decrypts
from calendar_bot.vault import Vault

log = logging.getLogger(__name__)


class BotApp:
    """The whole bot in one process. `start()` returns once everything is up."""

    def __init__(self, settings: Settings, vault: Vault, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.vault = vault
        self.clock: Clock = clock or SystemClock()
        self._tasks: list[asyncio.Task[Any]] = []
        self._runner: web.AppRunner | None = None
        self.http_port = 0
        self.slash_token = settings.MM_SLASH_COMMAND_TOKEN.get_secret_value()

    async def start(self) -> None:
        s = self.settings
        self.engine = create_engine(s.database_url)
        await migrate(self.engine)
        self.sessions = session_factory(self.engine)
        if not await some_secret_decrypts(self.sessions, self.vault):
            await self.engine.dispose()
            raise ConfigError(KEY_MISMATCH)
        self.gateway = CalDAVGateway(
            s.CALDAV_WORKERS,
            s.CALDAV_TIMEOUT,
            now=self.clock.now,
            poll_deadline=s.poll_user_deadline,
            addresses=AddressPolicy(s.caldav_allowed_hosts),
        )
        self.client = MattermostClient(
            s.MATTERMOST_BASE_URL,
            s.MATTERMOST_BOT_TOKEN.get_secret_value(),
            limiter=TokenBucket(s.MM_RATE_LIMIT_PER_SEC, s.MM_RATE_LIMIT_BURST),
        )
        first, *older = s.actions_secrets()
        self.renderer = Renderer(
            ContextSigner(first, previous=older, clock=self.clock), s.MM_ACTIONS_URL
        )
        self.chat = MattermostChat(self.client, self.renderer)
        me = await self.client.get_me()
        self.bot_username = str(me.get("username", ""))
        may_delete = await self.chat.may_delete_others_posts()
        log.info(
            "a password typed into the chat %s (the bot %s delete_others_posts)",
            "is deleted at once" if may_delete else "stays in the DM history",
            "has" if may_delete else "lacks",
        )
        self.ctx = Context(
            clock=self.clock,
            vault=self.vault,
            transaction=unit_of_work(self.sessions),
            calendars=self.gateway,
            chat=self.chat,
            caldav_base_url=s.CALDAV_BASE_URL,
            may_delete_posts=may_delete,
            default_tz=s.TZ,
            check_interval=timedelta(seconds=s.CHECK_INTERVAL),
            default_reminder_minutes=s.REMINDER_MINUTES,
            default_digest_hour=s.DAILY_DIGEST_HOUR,
            poll_concurrency=s.POLL_CONCURRENCY,
            video_link_template=s.VIDEO_LINK_TEMPLATE,
        )

        async def bot_username() -> str:
            return self.bot_username

        self.sync = SyncService(self.ctx)
        self.dispatcher = BotDispatcher(self.ctx, self.sync, bot_username=bot_username)
        self.delivery = DeliveryService(self.ctx, lease=timedelta(seconds=s.DELIVERY_LEASE_SECONDS))
        self.reminders = ReminderService(self.ctx)
        self.digest = DigestService(self.ctx)
        self.presence = PresenceService(self.ctx, MattermostPresence(self.client))
        if not await self.presence.refresh_permission(self.clock.now()):
            log.info(
                "presence during meetings is unavailable: the bot lacks edit_other_users"
                " (see docs/operations.md)"
            )
        # Every replica hears every post; the one that claims it in the database answers.
        claimed = ClaimedPosts(
            self.dispatcher, self.sessions, self.clock, hold=not is_sqlite(s.database_url)
        )
        self.listener = WebSocketListener(self.client, claimed)

        if s.MM_SLASH_COMMAND_TEAM_ID and not self.slash_token:
            self.slash_token = await slash_command_token(
                self.client, s.MM_SLASH_COMMAND_TEAM_ID, s.MM_ACTIONS_URL
            )
        app = create_app(
            self.dispatcher,
            self.renderer,
            command_token=lambda: self.slash_token or None,
            replay_guard=StoredReplayGuard(self.sessions, self.clock),
            trigger_key=await fetch_trigger_key(self.client),
            health_checks={
                "database": lambda: takes_a_write(self.sessions, self.clock),
                "websocket": self.listener.is_healthy,
            },
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, s.HTTP_HOST, s.HTTP_PORT)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.http_port = sockets[0].getsockname()[1] if sockets else s.HTTP_PORT

        await self.listener.start()
        wakeup = self.delivery.wakeup
        self.scheduler = MinuteScheduler(
            self.clock,
            [
                reminder_job(self.reminders, wakeup),
                digest_job(self.digest, wakeup),
                presence_job(self.presence),
                housekeeping_job(self.sessions),
            ],
        )
        self.delivery.jobs_idle = self.scheduler.idle
        self._spawn(self.scheduler.run_forever(), "scheduler")
        self._spawn(poll_forever(self.sync, wakeup), "poller")
        self._spawn(self.delivery.run_forever(), "delivery")
        log.info(
            "calendar-bot is up as @%s, listening on %s:%s",
            self.bot_username,
            s.HTTP_HOST,
            self.http_port,
        )

    def _spawn(self, work: Awaitable[None], name: str) -> None:
        async def guarded() -> None:
            await work

        self._tasks.append(asyncio.create_task(guarded(), name=name))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        with contextlib.suppress(Exception):
            await self.listener.stop(drain_timeout=2.0)
        # Work the dispatcher started on its own (the first sync after connecting) must not
        # outlive the engine it uses.
        background = list(getattr(self.dispatcher, "background", ()))
        for task in background:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._runner is not None:
            await self._runner.cleanup()
        await self.client.close()
        await self.gateway.close()
        await self.engine.dispose()


async def run_bot(settings: Settings, vault: Vault) -> int:
    bot = BotApp(settings, vault)
    await bot.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await bot.stop()
    return 0
