"""The one way in: every inbound event (DM, button, dialog, slash command) is routed here.

Handlers call services and answer with views; nothing here talks HTTP. Events of one user are
handled one at a time (a per-user lock), so a double click cannot create two meetings. Any
failure becomes a short "something went wrong" for the user and a log line for the admin.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date, timedelta

from calendar_bot.domain import wizard as wz
from calendar_bot.domain.parsing import ParseError, parse_date
from calendar_bot.domain.zones import zone
from calendar_bot.handlers.base import (
    CANCEL_WORDS,
    STATE_CONNECT_EMAIL,
    STATE_CONNECT_PASSWORD,
    STATE_WIZARD,
)
from calendar_bot.handlers.connect import ConnectHandlers
from calendar_bot.handlers.meetings import MeetingHandlers
from calendar_bot.handlers.settings import SettingsHandlers
from calendar_bot.handlers.wizard import WizardHandlers
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
from calendar_bot.services.context import Context
from calendar_bot.services.profiles import Person
from calendar_bot.views import actions, common, onboarding
from calendar_bot.views import settings as settings_views
from calendar_bot.views import wizard as wizard_views

log = logging.getLogger(__name__)

COMMANDS: dict[str, str] = {
    "today": actions.MENU_TODAY,
    "сегодня": actions.MENU_TODAY,
    "now": actions.MENU_NOW,
    "сейчас": actions.MENU_NOW,
    "tomorrow": actions.MENU_TOMORROW,
    "завтра": actions.MENU_TOMORROW,
    "week": actions.MENU_WEEK,
    "неделя": actions.MENU_WEEK,
    "new": actions.MENU_CREATE,
    "создать": actions.MENU_CREATE,
    "help": actions.HELP,
    "помощь": actions.HELP,
    "logout": actions.LOGOUT,
    "выйти": actions.LOGOUT,
    "menu": actions.MENU,
    "меню": actions.MENU,
    "start": actions.MENU,
    "settings": actions.SETTINGS,
    "настройки": actions.SETTINGS,
    "raw": actions.RAW,
}
# The words the wizard's date step takes ("завтра", "today") are also list commands: at that
# step they are the answer. These stay commands even there.
WIZARD_ESCAPES = {actions.MENU_CREATE, actions.HELP, actions.LOGOUT, actions.MENU, actions.SETTINGS}
# A typed connect waits this long for the e-mail or password; later text is not an answer.
TYPED_CONNECT_WAITS = timedelta(minutes=5)
_WORD = re.compile(r"[^\w]+", re.UNICODE)


def command_of(text: str) -> str | None:
    words = _WORD.sub(" ", text.strip().lower().lstrip("/")).split()
    return COMMANDS.get(words[0]) if len(words) == 1 else None


def typed_day(text: str, person: Person, ctx: Context) -> date | None:
    """A date typed on its own ("5 декабря", "в пятницу"): the person asks for that day."""
    today = ctx.clock.now().astimezone(zone(person.timezone, ctx.default_tz)).date()
    try:
        return parse_date(text, today=today)
    except ParseError:
        return None


class BotDispatcher(ConnectHandlers, WizardHandlers, MeetingHandlers, SettingsHandlers):
    """Implements inbound.Dispatcher: entry points, routing and the per-user lock."""

    async def on_message(self, event: IncomingMessage) -> None:
        async with self._lock(event.user_id):
            person = await self._person(event.user_id)
            try:
                if not event.is_dm:
                    if not event.mentions_bot:
                        return
                    if await self._user(event.user_id) is None:
                        # A stranger mentioning the bot gets the greeting where it works.
                        await self._greet(event.user_id, person)
                    else:
                        name = await self._bot_username()
                        await self._say(event.user_id, common.dm_only(person.locale, name))
                    return
                await self._text(event, person)
            except Exception:
                log.exception("message from %s failed", event.user_id)
                await self._say(event.user_id, common.generic_error(person.locale))

    async def on_profile_changed(self, event: ProfileChanged) -> None:
        """A connected user's stored language and zone follow the profile at once, so the
        next reminder and digest use them without the user having to write first."""
        self.profiles.forget(event.user_id)
        user = await self._user(event.user_id)
        if user is None:
            return
        async with self._lock(event.user_id):
            try:
                await self._with_profile(user, await self._person(event.user_id))
            except Exception:
                log.exception("profile update of %s failed", event.user_id)

    async def on_action(self, event: ActionClick | RefusedAction) -> ActionResult:
        if isinstance(event, RefusedAction):
            # No Mattermost lookup for a refusal: it must not spend the bot's request budget.
            locale = await self._known_locale(event.user_id)
            return ActionResult(ephemeral=common.button_expired(locale).text)
        person = await self._person(event.user_id)
        async with self._lock(event.user_id):
            try:
                return await self._action(event, person)
            except Exception:
                log.exception("action %s of %s failed", event.action, event.user_id)
                return ActionResult(ephemeral=common.generic_error(person.locale).text)

    async def on_dialog(self, event: DialogSubmission) -> DialogResult:
        person = await self._person(event.user_id)
        if event.cancelled:
            return DialogResult()
        async with self._lock(event.user_id):
            try:
                if event.action == actions.CONNECT_SUBMIT:
                    return await self._connect_dialog(event, person)
            except Exception:
                log.exception("dialog %s of %s failed", event.action, event.user_id)
                return DialogResult(error=common.generic_error(person.locale).text)
        return DialogResult()

    async def on_command(self, event: SlashCommand) -> CommandResult:
        """`/calendar today` and friends: the answer goes to the DM, like a typed command."""
        person = await self._person(event.user_id)
        text = event.text.strip() or "menu"
        async with self._lock(event.user_id):
            try:
                action = command_of(text)
                user = await self._user(event.user_id)
                if user is None:
                    if action in (None, actions.HELP, actions.MENU):
                        await self._greet(event.user_id, person)
                    else:
                        await self._say(event.user_id, common.not_connected(person.locale))
                elif action is None:
                    await self._say(event.user_id, common.unknown_input(person.locale))
                elif action == actions.MENU_CREATE:
                    await self._start_wizard(user, person)
                else:
                    for message in await self._menu(action, user, person):
                        await self._say(event.user_id, message)
            except Exception:
                log.exception("command of %s failed", event.user_id)
                return CommandResult(text=common.generic_error(person.locale).text)
        if event.channel_id == await self.ctx.chat.dm_channel(event.user_id):
            return CommandResult()  # typed in the DM itself: the answer is right there
        return CommandResult(text=common.sent_to_dm(person.locale).text)

    async def _text(self, event: IncomingMessage, person: Person) -> None:
        user_id = event.user_id
        conversation = await self._conversation(user_id)
        state = conversation.state if conversation else ""
        if state in (STATE_CONNECT_PASSWORD, STATE_CONNECT_EMAIL) and conversation is not None:
            asked_at = conversation.updated_at
            if asked_at is not None and self.ctx.clock.now() - asked_at > TYPED_CONNECT_WAITS:
                await self._clear(user_id)  # asked long ago: this message is not the answer
                state = ""
        if state == STATE_CONNECT_PASSWORD and conversation is not None:
            if command_of(event.text) is None:
                await self._typed_password(event, person, conversation.data)
                return
            # A command word is never taken for a password (an app password is not "today"):
            # the typed connect is left, and the command done.
            await self._clear(user_id)
        if state == STATE_CONNECT_EMAIL:
            await self._typed_email(event, person)
            return
        user = await self._user(user_id)
        if user is None:
            await self._greet(user_id, person)
            return
        action = command_of(event.text)
        wizard_state: wz.WizardState | None = None
        if state == STATE_WIZARD and conversation is not None:
            wizard_state = self._wizard_state(conversation.data)
            if wizard_state is not None and wz.is_stale(wizard_state, self.ctx.clock.now()):
                await self._forget_wizard(user_id, conversation)  # abandoned long ago
                wizard_state = None
            takes_it = action is None or (
                wizard_state is not None
                and wizard_state.step is wz.Step.DATE
                and action not in WIZARD_ESCAPES
            )
            if wizard_state is not None and takes_it:
                words = event.text.strip().lower()
                step_input: wz.WizardInput = (
                    wz.Cancel() if words in CANCEL_WORDS else wz.Text(event.text)
                )
                reply = await self.creation.handle(user, person, wizard_state, step_input)
                await self._wizard_reply(user_id, conversation.message_id, conversation.data, reply)
                return
        day = typed_day(event.text, person, self.ctx) if action is None else None
        if day is not None:
            for message in await self._day(user, person, day):  # "5 декабря": that day's list
                await self._say(user_id, message)
        elif action is None:
            await self._say(user_id, common.unknown_input(person.locale))
        elif action == actions.MENU_CREATE:
            await self._start_wizard(user, person)
        else:
            for message in await self._menu(action, user, person):
                await self._say(user_id, message)
            if wizard_state is not None and action != actions.LOGOUT:
                await self._say(user_id, wizard_views.still_open(wizard_state.step, person.locale))

    async def _action(self, event: ActionClick, person: Person) -> ActionResult:
        name = event.action
        user_id = event.user_id
        if name in (actions.CONNECT, actions.RECONNECT):
            return await self._open_connect(event, person)
        if name == actions.CONNECT_BY_MESSAGE:
            return await self._ask_typed(event, person)
        if name == actions.CONNECT_CANCEL:
            return await self._cancel_connect(user_id, person)
        user = await self._user(user_id)
        if user is None:
            # An old button after logging out: the old post stays as it was (it is history),
            # and a new one says what to do now.
            await self._say(user_id, common.not_connected(person.locale))
            return ActionResult()
        if name.startswith("wizard."):
            return await self._wizard_action(event, user, person)
        if name == actions.MENU_CREATE:
            await self._start_wizard(user, person)
            return ActionResult()
        if name in (
            actions.MENU_TODAY,
            actions.MENU_NOW,
            actions.MENU_TOMORROW,
            actions.MENU_WEEK,
            actions.HELP,
            actions.MENU,
        ):
            for message in await self._menu(name, user, person):
                await self._say(user_id, message)
            return ActionResult()
        if name in (actions.LIST_DAY, actions.LIST_WEEK, actions.LIST_OTHER_DATE):
            return await self._browse(event, user, person)
        if name == actions.OPEN_MEETING:
            return await self._open_meeting(event, user, person)
        if name == actions.RSVP:
            return await self._rsvp(event, user, person)
        if name.startswith("settings"):
            return await self._settings(event, user, person)
        if name == actions.LOGOUT:
            return ActionResult(update=settings_views.logout_confirm(person.locale))
        if name == actions.LOGOUT_CONFIRM:
            await self.accounts.logout(user_id)
            return ActionResult(update=settings_views.logged_out(person.locale))
        if name == actions.LOGOUT_CANCEL:
            return ActionResult(update=settings_views.logout_cancelled(person.locale))
        if name == actions.RAW:
            calendars = await self.meetings.calendars(user)
            await self._say(user_id, settings_views.raw_picker(calendars, person.locale))
            return ActionResult()
        if name == actions.RAW_CALENDAR:
            return await self._raw(event, user, person)
        return ActionResult(ephemeral=common.button_expired(person.locale).text)

    async def _cancel_connect(self, user_id: str, person: Person) -> ActionResult:
        """Cancel on a connect prompt; an old one pressed after connecting cancels nothing."""
        conversation = await self._conversation(user_id)
        connecting = conversation is not None and conversation.state in (
            STATE_CONNECT_EMAIL,
            STATE_CONNECT_PASSWORD,
        )
        if not connecting and await self._user(user_id) is not None:
            return ActionResult(ephemeral=onboarding.already_connected(person.locale).text)
        await self._clear(user_id)
        return ActionResult(update=onboarding.connect_cancelled(person.locale))

    def _lock(self, user_id: str) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = self._locks[user_id] = asyncio.Lock()
        return lock
