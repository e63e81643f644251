"""What every handler shares: the services, the person talking, their stored state, replies."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from calendar_bot.domain.model import UserSettings
from calendar_bot.i18n import DEFAULT_LOCALE
from calendar_bot.inbound import next_reply_key
from calendar_bot.records import ConversationState, StoredUser
from calendar_bot.services.accounts import Accounts
from calendar_bot.services.context import Context
from calendar_bot.services.creation import Creation
from calendar_bot.services.meetings import Meetings
from calendar_bot.services.profiles import Person, Profiles
from calendar_bot.services.sync import SyncService
from calendar_bot.views import onboarding
from calendar_bot.views.message import OutMessage

STATE_WIZARD = "wizard"
STATE_CONNECT_EMAIL = "connect.email"
STATE_CONNECT_PASSWORD = "connect.password"  # noqa: S105 - a state name
CANCEL_WORDS = {"cancel", "отмена", "отменить", "stop", "стоп"}


class Handlers:
    """The services and small helpers every group of handlers uses."""

    def __init__(self, ctx: Context, *, bot_username: Callable[[], Awaitable[str]]) -> None:
        self.ctx = ctx
        self.profiles = Profiles(ctx.chat, ctx.default_tz)
        self.sync = SyncService(ctx)
        self.accounts = Accounts(ctx)
        self.meetings = Meetings(ctx, self.sync)
        self.creation = Creation(ctx)
        self._bot_username = bot_username
        self._locks: dict[str, asyncio.Lock] = {}
        self.background: set[asyncio.Task[Any]] = set()

    async def _person(self, user_id: str) -> Person:
        return await self.profiles.get(user_id)

    async def _known_locale(self, user_id: str) -> str:
        """The person's language from what the bot already knows (its cache, the stored
        settings), never from Mattermost; the default language otherwise."""
        cached = self.profiles.cached(user_id)
        if cached is not None:
            return cached.locale
        user = await self._user(user_id)
        return user.settings.locale if user is not None else DEFAULT_LOCALE

    def _settings_for(self, person: Person) -> UserSettings:
        return self.ctx.default_settings(person.locale, person.timezone)

    async def _with_profile(self, user: StoredUser, person: Person) -> StoredUser:
        """Keep the stored language and zone in step with the Mattermost profile."""
        settings = user.settings
        if settings.locale == person.locale and settings.timezone == person.timezone:
            return user
        updated = replace(settings, locale=person.locale, timezone=person.timezone)
        await self.accounts.update_settings(user.mm_user_id, updated)
        return replace(user, settings=updated)

    async def _user(self, user_id: str) -> StoredUser | None:
        async with self.ctx.transaction() as store:
            return await store.users.get(user_id)

    async def _conversation(self, user_id: str) -> ConversationState | None:
        async with self.ctx.transaction() as store:
            return await store.conversation.get(user_id)

    async def _clear(self, user_id: str) -> None:
        async with self.ctx.transaction() as store:
            await store.conversation.clear(user_id)

    async def _say(self, user_id: str, message: OutMessage) -> str:
        ref = await self.ctx.chat.send_dm(user_id, message, idempotency_key=next_reply_key())
        return ref.post_id

    async def _greet(self, user_id: str, person: Person) -> None:
        await self._say(user_id, onboarding.greeting(person.locale, person.user.display_name))
