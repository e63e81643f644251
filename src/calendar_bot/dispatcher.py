"""The one way in: every inbound event (DM, button, dialog, slash command) is routed here.

Handlers call services and answer with views; nothing here talks HTTP. Events of one user are
handled one at a time (a per-user lock), so a double click cannot create two meetings. Any
failure becomes a short "something went wrong" for the user and a log line for the admin.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from calendar_bot.domain import wizard as wz
from calendar_bot.domain.model import PartStat, UserSettings
from calendar_bot.inbound import (
    ActionClick,
    ActionResult,
    CommandResult,
    DialogResult,
    DialogSubmission,
    IncomingMessage,
    RefusedAction,
    SlashCommand,
)
from calendar_bot.services.accounts import Accounts
from calendar_bot.services.context import Context, zone
from calendar_bot.services.creation import Creation, WizardReply
from calendar_bot.services.meetings import MeetingError, Meetings
from calendar_bot.services.profiles import Person, Profiles
from calendar_bot.services.sync import SyncService
from calendar_bot.storage.repositories import StoredUser, transaction
from calendar_bot.views import actions, common, onboarding
from calendar_bot.views import meetings as meeting_views
from calendar_bot.views import settings as settings_views
from calendar_bot.views.message import OutMessage, message_from_dict, message_to_dict

log = logging.getLogger(__name__)

STATE_WIZARD = "wizard"
STATE_CONNECT_EMAIL = "connect.email"
STATE_CONNECT_PASSWORD = "connect.password"  # noqa: S105 - a state name

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
CANCEL_WORDS = {"cancel", "отмена", "отменить", "stop", "стоп"}
_WORD = re.compile(r"[^\w]+", re.UNICODE)


def command_of(text: str) -> str | None:
    words = _WORD.sub(" ", text.strip().lower().lstrip("/")).split()
    return COMMANDS.get(words[0]) if len(words) == 1 else None


class BotDispatcher:
    """Implements inbound.Dispatcher."""

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

    # ---- entry points ------------------------------------------------------------------

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

    async def on_action(self, event: ActionClick | RefusedAction) -> ActionResult:
        person = await self._person(event.user_id)
        if isinstance(event, RefusedAction):
            return ActionResult(ephemeral=common.button_expired(person.locale).text)
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
        return CommandResult(text=common.sent_to_dm(person.locale).text)

    # ---- typed messages ----------------------------------------------------------------

    async def _text(self, event: IncomingMessage, person: Person) -> None:
        user_id = event.user_id
        conversation = await self._conversation(user_id)
        state = conversation.state if conversation else ""
        if state == STATE_CONNECT_PASSWORD and conversation is not None:
            await self._typed_password(event, person, conversation.data)
            return
        if state == STATE_CONNECT_EMAIL:
            await self._typed_email(event, person)
            return
        user = await self._user(user_id)
        if user is None:
            await self._greet(user_id, person)
            return
        action = command_of(event.text)
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
        if action is None:
            await self._say(user_id, common.unknown_input(person.locale))
        elif action == actions.MENU_CREATE:
            await self._start_wizard(user, person)
        else:
            for message in await self._menu(action, user, person):
                await self._say(user_id, message)

    # ---- buttons and menus -------------------------------------------------------------

    async def _action(self, event: ActionClick, person: Person) -> ActionResult:
        name = event.action
        user_id = event.user_id
        if name in (actions.CONNECT, actions.RECONNECT):
            return await self._open_connect(event, person)
        if name == actions.CONNECT_BY_MESSAGE:
            return await self._ask_typed(event, person)
        if name == actions.CONNECT_CANCEL:
            await self._clear(user_id)
            return ActionResult(update=onboarding.connect_cancelled(person.locale))
        user = await self._user(user_id)
        if user is None:
            return ActionResult(update=onboarding.greeting(person.locale, person.user.display_name))
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

    async def _menu(self, action: str, user: StoredUser, person: Person) -> list[OutMessage]:
        locale = person.locale
        tz = zone(person.timezone, self.ctx.default_tz)
        now = self.ctx.clock.now()
        today = now.astimezone(tz).date()
        user = await self._with_profile(user, person)
        if action == actions.HELP:
            return [common.help_view(locale)]
        if action == actions.MENU:
            return [common.main_menu(locale)]
        if action == actions.SETTINGS:
            return [settings_views.settings_view(user.settings, locale)]
        if action == actions.RAW:
            return [settings_views.raw_picker(await self.meetings.calendars(user), locale)]
        if action == actions.LOGOUT:
            return [settings_views.logout_confirm(locale)]
        if action == actions.MENU_TODAY:
            found = await self.meetings.on_days(user, today, 1)
            return meeting_views.day_view(found, today, locale, tz, now)
        if action == actions.MENU_TOMORROW:
            tomorrow = today + timedelta(days=1)
            found = await self.meetings.on_days(user, tomorrow, 1)
            return meeting_views.day_view(found, tomorrow, locale, tz, now)
        if action == actions.MENU_NOW:
            found = await self.meetings.on_days(user, today, 1)
            return meeting_views.now_and_next_view(found, locale, tz, now)
        if action == actions.MENU_WEEK:
            found = await self.meetings.on_days(user, today, 7)
            return meeting_views.week_view(found, today, locale, tz, now)
        return [common.unknown_input(locale)]

    async def _open_meeting(
        self, event: ActionClick, user: StoredUser, person: Person
    ) -> ActionResult:
        ref = event.selected_option or event.payload.get("ref", "")
        occurrence = await self.meetings.find(user, ref)
        if occurrence is None:
            return ActionResult(ephemeral=meeting_views.meeting_error("gone", person.locale).text)
        tz = zone(person.timezone, self.ctx.default_tz)
        details = meeting_views.meeting_details(occurrence, person.locale, tz, self.ctx.clock.now())
        await self._say(event.user_id, details)
        return ActionResult()

    async def _rsvp(self, event: ActionClick, user: StoredUser, person: Person) -> ActionResult:
        try:
            partstat = PartStat(event.payload.get("partstat", ""))
        except ValueError:
            return ActionResult(ephemeral=common.button_expired(person.locale).text)
        try:
            occurrence = await self.meetings.respond(user, event.payload.get("ref", ""), partstat)
        except MeetingError as exc:
            return ActionResult(ephemeral=meeting_views.meeting_error(exc.code, person.locale).text)
        tz = zone(person.timezone, self.ctx.default_tz)
        done = meeting_views.rsvp_done(
            occurrence, partstat, person.locale, tz, self.ctx.clock.now()
        )
        return ActionResult(update=done)

    async def _raw(self, event: ActionClick, user: StoredUser, person: Person) -> ActionResult:
        tz = zone(person.timezone, self.ctx.default_tz)
        try:
            name, xml = await self.meetings.raw(
                user, event.selected_option or "", self.ctx.clock.now().astimezone(tz).date()
            )
        except MeetingError as exc:
            return ActionResult(ephemeral=meeting_views.meeting_error(exc.code, person.locale).text)
        for part in settings_views.raw_xml(name, xml, person.locale):
            await self._say(event.user_id, part)
        return ActionResult()

    async def _settings(self, event: ActionClick, user: StoredUser, person: Person) -> ActionResult:
        current = user.settings
        chosen = event.selected_option or ""
        on = event.payload.get("on") == "1"
        updated: UserSettings | None = None
        if event.action == actions.SETTINGS:
            return ActionResult(update=settings_views.settings_view(current, person.locale))
        if event.action == actions.SETTINGS_REMINDER:
            at_start = 0 in current.reminder_minutes
            if chosen == "off":
                leads: tuple[int, ...] = (0,) if at_start else ()
            elif chosen.isdigit() and 0 < int(chosen) <= 1440:
                leads = (int(chosen), 0) if at_start else (int(chosen),)
            else:
                return ActionResult(ephemeral=common.button_expired(person.locale).text)
            updated = replace(current, reminder_minutes=leads)
        elif event.action == actions.SETTINGS_AT_START:
            others = tuple(m for m in current.reminder_minutes if m)
            updated = replace(current, reminder_minutes=(*others, 0) if on else others)
        elif event.action == actions.SETTINGS_DIGEST:
            updated = replace(current, digest_enabled=on)
        elif event.action == actions.SETTINGS_DIGEST_EMPTY:
            updated = replace(current, digest_when_empty=on)
        elif event.action == actions.SETTINGS_DIGEST_HOUR:
            if not (chosen.isdigit() and 0 <= int(chosen) <= 23):
                return ActionResult(ephemeral=common.button_expired(person.locale).text)
            updated = replace(current, digest_hour=int(chosen))
        if updated is None:
            return ActionResult(ephemeral=common.button_expired(person.locale).text)
        await self.accounts.update_settings(user.mm_user_id, updated)
        return ActionResult(update=settings_views.settings_view(updated, person.locale, saved=True))

    # ---- connecting --------------------------------------------------------------------

    async def _greet(self, user_id: str, person: Person) -> None:
        await self._say(user_id, onboarding.greeting(person.locale, person.user.display_name))

    async def _open_connect(self, event: ActionClick, person: Person) -> ActionResult:
        user = await self._user(event.user_id)
        email = user.email if user is not None else person.user.email
        dialog = onboarding.connect_dialog(person.locale, email, self.ctx.caldav_base_url)
        if event.trigger_id and await self.ctx.chat.open_dialog(
            event.trigger_id, dialog, event.user_id
        ):
            return ActionResult()
        return await self._ask_typed(event, person)  # no dialog: the seed's typed flow

    async def _ask_typed(self, event: ActionClick, person: Person) -> ActionResult:
        email = person.user.email
        now = self.ctx.clock.now()
        async with transaction(self.ctx.sessions) as store:
            if email:
                await store.conversation.set(
                    event.user_id,
                    STATE_CONNECT_PASSWORD,
                    {"email": email, "server": self.ctx.caldav_base_url},
                    now=now,
                )
            else:
                await store.conversation.set(event.user_id, STATE_CONNECT_EMAIL, {}, now=now)
        if email:
            prompt = onboarding.typed_password_prompt(
                person.locale, email, self.ctx.caldav_base_url
            )
        else:
            prompt = onboarding.typed_email_prompt(person.locale)
        await self._say(event.user_id, prompt)
        return ActionResult()

    async def _typed_email(self, event: IncomingMessage, person: Person) -> None:
        from calendar_bot.domain.parsing import is_valid_email

        email = event.text.strip().lower()
        if event.text.strip().lower() in CANCEL_WORDS:
            await self._clear(event.user_id)
            await self._say(event.user_id, onboarding.connect_cancelled(person.locale))
            return
        if not is_valid_email(email):
            await self._say(event.user_id, onboarding.connect_failed("email", person.locale))
            return
        async with transaction(self.ctx.sessions) as store:
            await store.conversation.set(
                event.user_id,
                STATE_CONNECT_PASSWORD,
                {"email": email, "server": self.ctx.caldav_base_url},
                now=self.ctx.clock.now(),
            )
        await self._say(
            event.user_id,
            onboarding.typed_password_prompt(person.locale, email, self.ctx.caldav_base_url),
        )

    async def _typed_password(
        self, event: IncomingMessage, person: Person, data: dict[str, Any]
    ) -> None:
        """The seed's flow: the password arrives as a message, which we try to delete at once."""
        if event.text.strip().lower() in CANCEL_WORDS:
            await self._clear(event.user_id)
            await self._say(event.user_id, onboarding.connect_cancelled(person.locale))
            return
        deleted = False
        try:
            deleted = await self.ctx.chat.delete_post(event.post_id)
        except Exception as exc:
            # Usually a permission: a bot needs delete_others_posts for this.
            log.info(
                "could not delete the password post of %s: %s", event.user_id, type(exc).__name__
            )
        await self._say(
            event.user_id,
            onboarding.password_message_deleted(person.locale)
            if deleted
            else onboarding.password_message_not_deleted(person.locale),
        )
        result = await self.accounts.connect(
            event.user_id,
            email=str(data.get("email", "")),
            password=event.text,
            server_url=str(data.get("server") or self.ctx.caldav_base_url),
            settings=self._settings_for(person),
        )
        if not result.ok:
            await self._clear(event.user_id)
            await self._say(event.user_id, onboarding.connect_failed(result.error, person.locale))
            return
        await self._connected(event.user_id, person, result.calendars, result.user)

    async def _connect_dialog(self, event: DialogSubmission, person: Person) -> DialogResult:
        s = event.submission
        email = str(s.get(onboarding.FIELD_EMAIL) or "").strip()
        password = str(s.get(onboarding.FIELD_PASSWORD) or "")
        server = str(s.get(onboarding.FIELD_SERVER) or onboarding.SERVER_MAILRU)
        url = str(s.get(onboarding.FIELD_URL) or "").strip()
        if server == onboarding.SERVER_OTHER:
            if not url:
                return DialogResult(
                    errors=onboarding.connect_field_errors("url_required", person.locale)
                )
            if not re.match(r"^https?://[^\s/]+", url):
                return DialogResult(errors=onboarding.connect_field_errors("url", person.locale))
            server_url = url.rstrip("/")
        else:
            server_url = self.ctx.caldav_base_url
        result = await self.accounts.connect(
            event.user_id,
            email=email,
            password=password,
            server_url=server_url,
            settings=self._settings_for(person),
        )
        if not result.ok:
            return DialogResult(errors=onboarding.connect_field_errors(result.error, person.locale))
        await self._connected(event.user_id, person, result.calendars, result.user)
        return DialogResult()

    async def _connected(
        self, user_id: str, person: Person, calendars: Any, user: StoredUser | None
    ) -> None:
        await self._say(
            user_id,
            onboarding.connected(list(calendars), person.locale, user.email if user else ""),
        )
        if user is not None:
            # The silent baseline: the snapshot exists before the first reminder is due.
            task = asyncio.create_task(self._baseline(user_id))
            self.background.add(task)
            task.add_done_callback(self.background.discard)

    async def _baseline(self, user_id: str) -> None:
        user = await self._user(user_id)
        if user is not None:
            try:
                await self.sync.sync_user(user)
            except Exception:
                log.exception("first sync of %s failed", user_id)

    # ---- the wizard --------------------------------------------------------------------

    async def _start_wizard(self, user: StoredUser, person: Person) -> None:
        conversation = await self._conversation(user.mm_user_id)
        reply = await self.creation.begin(user, person)
        previous = (
            conversation.message_id if conversation and conversation.state == STATE_WIZARD else ""
        )
        data = conversation.data if conversation and conversation.state == STATE_WIZARD else {}
        await self._wizard_reply(user.mm_user_id, previous, data, reply)

    async def _wizard_action(
        self, event: ActionClick, user: StoredUser, person: Person
    ) -> ActionResult:
        conversation = await self._conversation(event.user_id)
        state = (
            self._wizard_state(conversation.data)
            if conversation is not None and conversation.state == STATE_WIZARD
            else None
        )
        if state is None or conversation is None or conversation.message_id != event.post_id:
            # A button of a finished or replaced wizard.
            return ActionResult(ephemeral=common.button_expired(person.locale).text)
        name = event.action
        if name == actions.WIZARD_EDIT:
            from calendar_bot.views.wizard import wizard_edit_picker

            return ActionResult(update=wizard_edit_picker(person.locale))
        if name == actions.WIZARD_SUMMARY:
            return ActionResult(update=self.creation.prompt_for(person, state))
        step_input: wz.WizardInput
        if name == actions.WIZARD_CANCEL:
            step_input = wz.Cancel()
        elif name == actions.WIZARD_CREATE:
            step_input = wz.Create()
        elif name == actions.WIZARD_SKIP:
            step_input = wz.Skip()
        elif name == actions.WIZARD_EDIT_FIELD:
            try:
                step_input = wz.Edit(wz.Step(event.payload.get("field", "")))
            except ValueError:
                return ActionResult(ephemeral=common.button_expired(person.locale).text)
        elif name == actions.WIZARD_PICK:
            if event.payload.get("step") != state.step.value:
                return ActionResult(ephemeral=common.button_expired(person.locale).text)
            step_input = wz.Text(event.payload.get("value", ""))
        else:
            return ActionResult(ephemeral=common.button_expired(person.locale).text)
        reply = await self.creation.handle(user, person, state, step_input)
        # The clicked post loses its buttons right in the click's answer.
        await self._wizard_reply(event.user_id, "", conversation.data, reply)
        last = conversation.data.get("prompt")
        frozen = message_from_dict(last).without_actions() if isinstance(last, dict) else None
        return ActionResult(update=frozen)

    async def _wizard_reply(
        self, user_id: str, previous_post: str, data: dict[str, Any], reply: WizardReply
    ) -> None:
        """Post the reply, remember the live prompt, and freeze the previous one's buttons."""
        if previous_post and isinstance(data.get("prompt"), dict):
            try:
                frozen = message_from_dict(data["prompt"]).without_actions()
                await self.ctx.chat.update_post(previous_post, frozen, user_id)
            except Exception:
                log.info("could not remove the previous wizard buttons of %s", user_id)
        post_id = ""
        for message in reply.messages:
            post_id = (await self._say(user_id, message)) or ""
        async with transaction(self.ctx.sessions) as store:
            if reply.state is None:
                await store.conversation.clear(user_id)
            else:
                prompt = reply.prompt
                await store.conversation.set(
                    user_id,
                    STATE_WIZARD,
                    {
                        "wizard": reply.state.to_dict(),
                        "prompt": message_to_dict(prompt) if prompt else None,
                    },
                    now=self.ctx.clock.now(),
                    message_id=post_id,
                )

    async def _forget_wizard(self, user_id: str, conversation: Any) -> None:
        """Drop an abandoned wizard: its buttons go, its state too."""
        await self._wizard_reply(user_id, conversation.message_id, conversation.data, WizardReply())

    @staticmethod
    def _wizard_state(data: dict[str, Any]) -> wz.WizardState | None:
        try:
            return wz.WizardState.from_dict(data.get("wizard") or {})
        except ValueError:
            return None

    # ---- helpers -----------------------------------------------------------------------

    def _lock(self, user_id: str) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = self._locks[user_id] = asyncio.Lock()
        return lock

    async def _person(self, user_id: str) -> Person:
        return await self.profiles.get(user_id)

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
        async with transaction(self.ctx.sessions) as store:
            return await store.users.get(user_id)

    async def _conversation(self, user_id: str) -> Any:
        async with transaction(self.ctx.sessions) as store:
            return await store.conversation.get(user_id)

    async def _clear(self, user_id: str) -> None:
        async with transaction(self.ctx.sessions) as store:
            await store.conversation.clear(user_id)

    async def _say(self, user_id: str, message: OutMessage) -> str:
        ref = await self.ctx.chat.send_dm(user_id, message)
        return ref.post_id
