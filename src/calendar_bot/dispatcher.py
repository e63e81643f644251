"""The one way in: every inbound event (DM, button, dialog, slash command) is routed here.

Buttons, typed command words and `/calendar <word>` are looked up in the route table
(routes.py); a typed line that is no command goes to what the conversation awaits (a typed
e-mail or password, the wizard's answer) or is read as a date. Events of one user are handled
one at a time (a per-user lock), so a double click cannot create two meetings. Any failure
becomes a short "something went wrong" for the user and a log line for the admin: one
wrapper (`_handled`) does that for every kind of event.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from calendar_bot.domain.find_request import is_find_request
from calendar_bot.domain.parsing import ParseError, parse_date
from calendar_bot.handlers import connect, find_time, meetings, own_meetings, sentence
from calendar_bot.handlers import wizard as wizard_handlers
from calendar_bot.handlers.base import TYPED_CONNECT_WAITS, Awaiting, BotServices, Turn, awaiting
from calendar_bot.inbound import (
    ActionClick,
    ActionResult,
    CommandResult,
    DialogResult,
    DialogSubmission,
    IncomingMessage,
    ProfileChanged,
    RefusedAction,
    SlashCommand,
)
from calendar_bot.records import StoredUser
from calendar_bot.routes import (
    BY_ACTION,
    COMMANDS,
    DIALOGS,
    GREETS_STRANGERS,
    WIZARD_ESCAPES,
    Expired,
    NotConnected,
)
from calendar_bot.services.context import Context
from calendar_bot.services.profiles import Person
from calendar_bot.services.sync import SyncService
from calendar_bot.views import actions, common
from calendar_bot.views.message import OutMessage

log = logging.getLogger(__name__)

R = TypeVar("R")
_WORD = re.compile(r"[^\w]+", re.UNICODE)


def command_of(text: str) -> str | None:
    """The action a typed line names ("today", "/calendar", "Сегодня!"), if it is one word."""
    words = _WORD.sub(" ", text.strip().lower().lstrip("/")).split()
    return COMMANDS.get(words[0]) if len(words) == 1 else None


class BotDispatcher:
    """Implements inbound.Dispatcher: entry points, the error wrapper and the per-user lock."""

    def __init__(
        self,
        ctx: Context,
        sync: SyncService,
        *,
        bot_username: Callable[[], Awaitable[str]],
    ) -> None:
        self.bot = BotServices(ctx, sync, bot_username=bot_username)
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def background(self) -> set[asyncio.Task[object]]:
        """Work a handler started and did not wait for (the first sync after connecting)."""
        return self.bot.background

    # ---- entry points -------------------------------------------------------------------

    async def on_message(self, event: IncomingMessage) -> None:
        async def message(person: Person) -> None:
            await self._message(event, person)

        async def failed(person: Person) -> None:
            await self.bot.say(event.user_id, common.generic_error(person.locale))

        await self._handled(event.user_id, "message", message, failed)

    async def on_profile_changed(self, event: ProfileChanged) -> None:
        """A connected user's stored language and zone follow the profile at once, so the
        next reminder and digest use them without the user having to write first."""
        self.bot.profiles.forget(event.user_id)
        user = await self.bot.user(event.user_id)
        if user is None:
            return

        async def follow(person: Person) -> None:
            await self.bot.with_profile(user, person)

        async def failed(person: Person) -> None:
            return None

        await self._handled(event.user_id, "profile update", follow, failed)

    async def on_action(self, event: ActionClick | RefusedAction) -> ActionResult:
        if isinstance(event, RefusedAction):
            # No Mattermost lookup for a refusal: it must not spend the bot's request budget.
            locale = await self.bot.known_locale(event.user_id)
            return ActionResult(ephemeral=common.button_expired(locale).text)

        async def click(person: Person) -> ActionResult:
            return await self._click(event, person)

        async def failed(person: Person) -> ActionResult:
            return ActionResult(ephemeral=common.generic_error(person.locale).text)

        return await self._handled(event.user_id, f"action {event.action}", click, failed)

    async def on_dialog(self, event: DialogSubmission) -> DialogResult:
        if event.cancelled:
            return DialogResult()

        submitted = DIALOGS.get(event.action)
        if submitted is None:
            return DialogResult()

        async def submit(person: Person) -> DialogResult:
            return await submitted(self.bot, event, person)

        async def failed(person: Person) -> DialogResult:
            return DialogResult(error=common.generic_error(person.locale).text)

        return await self._handled(event.user_id, f"dialog {event.action}", submit, failed)

    async def on_command(self, event: SlashCommand) -> CommandResult:
        """`/calendar today` and friends: the answer goes to the DM, like a typed command."""

        async def command(person: Person) -> CommandResult:
            await self._slash(event, person)
            if event.channel_id == await self.bot.ctx.chat.dm_channel(event.user_id):
                return CommandResult()  # typed in the DM itself: the answer is right there
            return CommandResult(text=common.sent_to_dm(person.locale).text)

        async def failed(person: Person) -> CommandResult:
            return CommandResult(text=common.generic_error(person.locale).text)

        return await self._handled(event.user_id, "command", command, failed)

    # ---- the one wrapper ----------------------------------------------------------------

    async def _handled(
        self,
        user_id: str,
        what: str,
        work: Callable[[Person], Awaitable[R]],
        failed: Callable[[Person], Awaitable[R]],
    ) -> R:
        """Look the person up, hold their lock, run `work`; a failure is logged and answered
        with `failed` (a short "something went wrong" where the event can show one)."""
        person = await self.bot.person(user_id)
        async with self._lock(user_id):
            try:
                return await work(person)
            except Exception:
                log.exception("%s of %s failed", what, user_id)
                return await failed(person)

    def _lock(self, user_id: str) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = self._locks[user_id] = asyncio.Lock()
        return lock

    # ---- routing ------------------------------------------------------------------------

    async def _click(self, event: ActionClick, person: Person) -> ActionResult:
        route = BY_ACTION.get(event.action)
        if route is None:
            return ActionResult(ephemeral=common.button_expired(person.locale).text)
        turn = Turn(
            event.user_id,
            person,
            await self.bot.user(event.user_id),
            post_id=event.post_id,
            trigger_id=event.trigger_id,
            payload=event.payload,
            selected=event.selected_option,
        )
        try:
            return await route.run(self.bot, turn)
        except NotConnected:
            # An old button after logging out: the old post stays as it was (it is history),
            # and a new one says what to do now.
            await self.bot.say(event.user_id, common.not_connected(person.locale))
            return ActionResult()
        except Expired:
            return ActionResult(ephemeral=common.button_expired(person.locale).text)

    async def _typed(self, action: str, turn: Turn[StoredUser]) -> None:
        """A command word: its route, as if its button were pressed; what would replace the
        clicked post comes as a new one."""
        result = await BY_ACTION[action].run(self.bot, turn.connected(turn.user))
        if result.update is not None:
            await self.bot.say(turn.user_id, result.update)
        if result.ephemeral:
            await self.bot.say(turn.user_id, OutMessage(result.ephemeral))

    async def _slash(self, event: SlashCommand, person: Person) -> None:
        action = command_of(event.text.strip() or "menu")
        user = await self.bot.user(event.user_id)
        if user is None:
            if action is None or action in GREETS_STRANGERS:
                await self.bot.greet(event.user_id, person)
            else:
                await self.bot.say(event.user_id, common.not_connected(person.locale))
        elif action is None:
            turn = Turn(event.user_id, person, user)
            if is_find_request(event.text):
                await find_time.find(self.bot, turn, event.text)
            elif not await sentence.create(self.bot, turn, event.text):
                await self.bot.say(event.user_id, common.unknown_input(person.locale))
        else:
            await self._typed(action, Turn(event.user_id, person, user))

    async def _message(self, event: IncomingMessage, person: Person) -> None:
        if event.is_dm:
            await self._text(event, person)
        elif event.mentions_bot:
            if await self.bot.user(event.user_id) is None:
                # A stranger mentioning the bot gets the greeting where it works.
                await self.bot.greet(event.user_id, person)
            else:
                name = await self.bot.bot_username()
                await self.bot.say(event.user_id, common.dm_only(person.locale, name))

    async def _text(self, event: IncomingMessage, person: Person) -> None:
        """A line typed in the DM: first what the conversation awaits, then a command word,
        then a date ("5 декабря": that day's list)."""
        user_id = event.user_id
        conversation = await self.bot.conversation(user_id)
        state = awaiting(conversation)
        if state is not None and state.typed_connect and conversation is not None:
            asked_at = conversation.updated_at
            if asked_at is not None and self.bot.now() - asked_at > TYPED_CONNECT_WAITS:
                await self.bot.clear(user_id)  # asked long ago: this message is not the answer
                state = None
        command = command_of(event.text)
        if state is Awaiting.PASSWORD and conversation is not None:
            if command is None:
                await connect.typed_password(self.bot, event, person, conversation.data)
                return
            # A command word is never taken for a password (an app password is not "today"):
            # the typed connect is left, and the command done.
            await self.bot.clear(user_id)
        if state is Awaiting.EMAIL:
            await connect.typed_email(self.bot, event, person)
            return
        user = await self.bot.user(user_id)
        if user is None:
            await self.bot.greet(user_id, person)
            return
        turn = Turn(user_id, person, user)
        if (
            command is None
            and conversation is not None
            and own_meetings.pending(conversation, self.bot.now())
        ):
            await own_meetings.answer_text(self.bot, turn, conversation, event.text)
            return
        draft = await wizard_handlers.live_draft(self.bot, turn, conversation)
        if draft is not None and wizard_handlers.takes_text(draft, command, WIZARD_ESCAPES):
            await wizard_handlers.answer_text(self.bot, turn, draft, event.text)
            return
        if command is None and is_find_request(event.text):
            await find_time.find(self.bot, turn, event.text)
            return
        day = self._typed_day(event.text, person) if command is None else None
        if day is not None:
            await self.bot.say_all(user_id, await meetings.day_list(self.bot, turn, day))
        elif command is None:
            if not await sentence.create(self.bot, turn, event.text):
                await self.bot.say(user_id, common.unknown_input(person.locale))
        else:
            await self._typed(command, turn)
            if draft is not None and command != actions.LOGOUT and command != actions.MENU_CREATE:
                await self.bot.say(user_id, wizard_handlers.still_open(draft, person.locale))

    def _typed_day(self, text: str, person: Person) -> date | None:
        """A date typed on its own ("5 декабря", "в пятницу"): the person asks for that day."""
        today = self.bot.now().astimezone(self.bot.zone_of(person)).date()
        try:
            return parse_date(text, today=today)
        except ParseError:
            return None
