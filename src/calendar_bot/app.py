"""Assembly: builds the adapters and services from Settings and runs them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.caldav.addresses import AddressPolicy
from calendar_bot.caldav.gateway import CalDAVGateway
from calendar_bot.clock import Clock, SystemClock
from calendar_bot.config import ConfigError, Settings
from calendar_bot.dispatcher import BotDispatcher
from calendar_bot.inbound_claims import ClaimedPosts
from calendar_bot.logging_setup import secrets
from calendar_bot.mattermost.chat import MattermostChat
from calendar_bot.mattermost.ratelimit import TokenBucket
from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.rest import MattermostClient
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.mattermost.slash_command import ensure_slash_command
from calendar_bot.mattermost.trigger_key import fetch_trigger_key
from calendar_bot.mattermost.websocket import WebSocketListener
from calendar_bot.scheduler import MinuteScheduler, NamedJob
from calendar_bot.services.context import Context
from calendar_bot.services.delivery import DeliveryService
from calendar_bot.services.digest import DigestService
from calendar_bot.services.reminders import ReminderService
from calendar_bot.services.sync import SyncService
from calendar_bot.storage.db import create_engine, is_sqlite, migrate, session_factory
from calendar_bot.storage.repositories import transaction, unit_of_work
from calendar_bot.storage.rotation import KEY_MISMATCH, some_secret_decrypts
from calendar_bot.vault import Vault
from calendar_bot.web import create_app

log = logging.getLogger(__name__)

OUTBOX_KEEP = timedelta(days=30)  # sent rows: kept for troubleshooting, then pruned
CALLBACKS_KEEP = timedelta(days=1)  # replays older than this fail the freshness check anyway

HEALTH_WRITE_SECONDS = 10.0  # /healthz answers "not ready" rather than wait longer on a write
POLL_BATCH = 1000  # users claimed per poll_due call
POLL_LOOP_SECONDS = 5.0  # how often due users are looked for (each is polled every CHECK_INTERVAL)


class KnownChannelsClient(MattermostClient):
    """A REST client whose DM channel lookup is answered from the channels stored with the
    users (`Context.dm_channels`, filled by the delivery), so that after a restart a post
    still costs one request, not two: the difference between 500 reminders fitting in their
    minute under Mattermost's rate limit or not."""

    def __init__(self, *args: Any, known: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known = known

    async def create_direct_channel(self, bot_id: str, user_id: str) -> str:
        channel_id = self.known.get(user_id)
        if channel_id:
            return channel_id
        channel_id = await super().create_direct_channel(bot_id, user_id)
        self.known[user_id] = channel_id
        return channel_id


class StoredReplayGuard:
    """Used callbacks in the database, so a replay is refused by every replica."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def use(self, key: str) -> bool:
        async with transaction(self._sessions) as store:
            return await store.callbacks.use(key, now=self._clock.now())

    async def release(self, key: str) -> None:
        async with transaction(self._sessions) as store:
            await store.callbacks.release(key)


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
        dm_channels: dict[str, str] = {}
        self.client = KnownChannelsClient(
            s.MATTERMOST_BASE_URL,
            s.MATTERMOST_BOT_TOKEN.get_secret_value(),
            limiter=TokenBucket(s.MM_RATE_LIMIT_PER_SEC, s.MM_RATE_LIMIT_BURST),
            known=dm_channels,
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
            dm_channels=dm_channels,
        )

        async def bot_username() -> str:
            return self.bot_username

        self.sync = SyncService(self.ctx)
        self.dispatcher = BotDispatcher(self.ctx, self.sync, bot_username=bot_username)
        self.delivery = DeliveryService(self.ctx, lease=timedelta(seconds=s.DELIVERY_LEASE_SECONDS))
        self.reminders = ReminderService(self.ctx)
        self.digest = DigestService(self.ctx)
        # Every replica hears every post; the one that claims it in the database answers.
        claimed = ClaimedPosts(
            self.dispatcher, self.sessions, self.clock, hold=not is_sqlite(s.database_url)
        )
        self.listener = WebSocketListener(self.client, claimed)

        await self._register_slash_command()
        app = create_app(
            self.dispatcher,
            self.renderer,
            command_token=lambda: self.slash_token or None,
            replay_guard=StoredReplayGuard(self.sessions, self.clock),
            trigger_key=await fetch_trigger_key(self.client),
            health_checks={
                "database": self._database_ok,
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
        self.scheduler = MinuteScheduler(
            self.clock,
            [
                NamedJob("reminders", self._reminder_job),
                NamedJob("digest", self._digest_job),
                NamedJob("housekeeping", self._housekeeping_job, every_minutes=60),
            ],
        )
        self.delivery.jobs_idle = self.scheduler.idle
        self._spawn(self.scheduler.run_forever(), "scheduler")
        self._spawn(self._poll_loop(), "poller")
        self._spawn(self.delivery.run_forever(), "delivery")
        log.info(
            "calendar-bot is up as @%s, listening on %s:%s",
            self.bot_username,
            s.HTTP_HOST,
            self.http_port,
        )

    async def _database_ok(self) -> bool:
        """Ready only when the database takes a write: a read-only database (a read-only
        file, a standby after a failover) or a full disk still answers reads, while nothing
        the bot does is stored. One small committed write: the "healthz" mark."""
        try:
            async with asyncio.timeout(HEALTH_WRITE_SECONDS):
                async with transaction(self.sessions) as store:
                    await store.scheduler.set_value("healthz", None, now=self.clock.now())
        except Exception as exc:
            log.warning("health: the database does not take a write (%s)", type(exc).__name__)
            return False
        return True

    async def _register_slash_command(self) -> None:
        s = self.settings
        if not s.MM_SLASH_COMMAND_TEAM_ID or self.slash_token:
            return
        setup = await ensure_slash_command(
            self.client, s.MM_SLASH_COMMAND_TEAM_ID, s.MM_ACTIONS_URL
        )
        if setup.problem:
            # One line, and the bot starts anyway: DMs, buttons and dialogs need no command.
            log.warning("/calendar is off: %s", setup.problem)
            return
        self.slash_token = setup.token
        secrets.add(self.slash_token)
        log.info("/calendar %s", "registered" if setup.created else "found, reusing its token")

    async def _reminder_job(self, _since: datetime, mark: datetime) -> None:
        if await self.reminders.tick(mark):
            self.delivery.wakeup.set()

    async def _digest_job(self, _since: datetime, mark: datetime) -> None:
        if await self.digest.tick(mark):
            self.delivery.wakeup.set()

    async def _housekeeping_job(self, _since: datetime, mark: datetime) -> None:
        """Forget what is of no use any more: old sent messages and used callbacks."""
        async with transaction(self.sessions) as store:
            await store.outbox.prune(mark - OUTBOX_KEEP)
            await store.callbacks.prune(mark - CALLBACKS_KEEP)

    async def _poll_loop(self) -> None:
        while True:
            polled = 0
            try:
                polled = await self.sync.poll_due(limit=POLL_BATCH)
                self.delivery.wakeup.set()
            except Exception:
                log.exception("poll cycle failed")
            if polled < POLL_BATCH:
                # A full batch means more users may be due right now: go on at once, or
                # 10,000 users would wait 5 s per batch of 1,000 and miss their minute.
                await asyncio.sleep(POLL_LOOP_SECONDS)

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
