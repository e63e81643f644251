"""What every handler shares: the services (`BotServices`), the turn being handled (`Turn`:
who, their stored account, the clicked post), and the conversation-state names (`Awaiting`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from calendar_bot.domain.model import UserSettings
from calendar_bot.domain.zones import zone
from calendar_bot.i18n import DEFAULT_LOCALE
from calendar_bot.inbound import ActionResult, next_reply_key
from calendar_bot.records import ConversationState, StoredUser
from calendar_bot.services.accounts import AccountService
from calendar_bot.services.context import Context
from calendar_bot.services.find_time import FindTimeService
from calendar_bot.services.meetings import Meetings
from calendar_bot.services.profiles import Person, Profiles
from calendar_bot.services.sync import SyncService
from calendar_bot.services.wizard import WizardService
from calendar_bot.views import onboarding
from calendar_bot.views.message import OutMessage

CANCEL_WORDS = frozenset({"cancel", "отмена", "отменить", "stop", "стоп"})
# A typed connect waits this long for the e-mail or password; later text is not an answer.
TYPED_CONNECT_WAITS = timedelta(minutes=5)


class Awaiting(StrEnum):
    """What the bot waits for in a person's DM: the stored conversation state. The values are
    the strings stored since the first release; a stored value this enum does not know reads
    as nothing awaited (`parse`)."""

    WIZARD_ANSWER = "wizard"
    MEETING_EDIT = "meeting.edit"  # a typed value for a change of one's own meeting
    EMAIL = "connect.email"
    PASSWORD = "connect.password"  # noqa: S105 - a state name

    @classmethod
    def parse(cls, stored: str) -> Awaiting | None:
        try:
            return cls(stored)
        except ValueError:
            return None

    @property
    def typed_connect(self) -> bool:
        return self in (Awaiting.EMAIL, Awaiting.PASSWORD)


def awaiting(conversation: ConversationState | None) -> Awaiting | None:
    return Awaiting.parse(conversation.state) if conversation is not None else None


U = TypeVar("U", bound=StoredUser | None, covariant=True)


@dataclass(frozen=True, slots=True)
class Turn(Generic[U]):
    """One inbound event being handled: the person, their stored account (`StoredUser` once a
    route's "connected" guard passed), and for a click the post and its raw payload."""

    user_id: str
    person: Person
    user: U
    post_id: str = ""  # the clicked post; "" for a typed command
    trigger_id: str = ""  # a click's, to open a dialog with
    payload: Mapping[str, str] = field(default_factory=dict)
    selected: str | None = None  # a menu's chosen value

    @property
    def locale(self) -> str:
        return self.person.locale

    def connected(self, user: StoredUser) -> Turn[StoredUser]:
        return Turn(
            self.user_id,
            self.person,
            user,
            self.post_id,
            self.trigger_id,
            self.payload,
            self.selected,
        )


class BotServices:
    """The services the handlers call, and the small helpers they share."""

    def __init__(
        self,
        ctx: Context,
        sync: SyncService,
        *,
        bot_username: Callable[[], Awaitable[str]],
    ) -> None:
        self.ctx = ctx
        self.sync = sync
        self.profiles = Profiles(ctx.chat, ctx.default_tz)
        self.accounts = AccountService(ctx)
        self.meetings = Meetings(ctx, sync)
        self.wizard = WizardService(ctx)
        self.find_time = FindTimeService(ctx)
        self.bot_username = bot_username
        # Work a handler starts and does not wait for (the first sync after connecting).
        self.background: set[asyncio.Task[Any]] = set()

    def now(self) -> datetime:
        return self.ctx.clock.now()

    def zone_of(self, person: Person) -> ZoneInfo:
        return zone(person.timezone, self.ctx.default_tz)

    def in_background(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def person(self, user_id: str) -> Person:
        return await self.profiles.get(user_id)

    async def known_locale(self, user_id: str) -> str:
        """The person's language from what the bot already knows (its cache, the stored
        settings), never from Mattermost; the default language otherwise."""
        cached = self.profiles.cached(user_id)
        if cached is not None:
            return cached.locale
        user = await self.user(user_id)
        return user.settings.locale if user is not None else DEFAULT_LOCALE

    def settings_for(self, person: Person) -> UserSettings:
        return self.ctx.default_settings(person.locale, person.timezone)

    async def with_profile(self, user: StoredUser, person: Person) -> StoredUser:
        """Keep the stored language and zone in step with the Mattermost profile."""
        settings = user.settings
        if settings.locale == person.locale and settings.timezone == person.timezone:
            return user
        updated = replace(settings, locale=person.locale, timezone=person.timezone)
        await self.accounts.update_settings(user.mm_user_id, updated)
        return replace(user, settings=updated)

    async def user(self, user_id: str) -> StoredUser | None:
        async with self.ctx.transaction() as store:
            return await store.users.get(user_id)

    async def conversation(self, user_id: str) -> ConversationState | None:
        async with self.ctx.transaction() as store:
            return await store.conversation.get(user_id)

    async def await_next(
        self, user_id: str, what: Awaiting, data: dict[str, Any], *, message_id: str = ""
    ) -> None:
        async with self.ctx.transaction() as store:
            await store.conversation.set(
                user_id, what.value, data, now=self.now(), message_id=message_id
            )

    async def clear(self, user_id: str) -> None:
        async with self.ctx.transaction() as store:
            await store.conversation.clear(user_id)

    async def say(self, user_id: str, message: OutMessage) -> str:
        ref = await self.ctx.chat.send_dm(user_id, message, idempotency_key=next_reply_key())
        return ref.post_id

    async def say_all(self, user_id: str, messages: list[OutMessage]) -> ActionResult:
        for message in messages:
            await self.say(user_id, message)
        return ActionResult()

    async def greet(self, user_id: str, person: Person) -> None:
        await self.say(user_id, onboarding.greeting(person.locale, person.user.display_name))
