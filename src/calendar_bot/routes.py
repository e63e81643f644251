"""The route table: every action (a button, a menu, a typed command word, `/calendar <word>`)
to its handler, with its guard and the typed payload it carries.

A route's guard is declared here and checked in one place (`Route.run`):
- `Guard.ANYONE`: anybody, connected or not (connecting itself);
- `Guard.CONNECTED`: a person with a stored account; the handler gets `Turn[StoredUser]`;
- `Guard.IN_WIZARD`: connected, with a wizard open whose live question is the clicked post;
  the handler gets the `Draft` too.
A guard that does not pass raises `NotConnected` or `Expired`; a payload that does not unpack
raises `Expired`. The dispatcher answers each the way its channel needs.

A new button: an action name in views/actions.py, a payload in views/payloads.py if it
carries one, a handler, and one line below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from calendar_bot.handlers import connect, find_time, meetings, own_meetings, settings
from calendar_bot.handlers import wizard as wizard_handlers
from calendar_bot.handlers.base import BotServices, Turn
from calendar_bot.handlers.wizard import Draft
from calendar_bot.inbound import ActionResult, DialogResult, DialogSubmission
from calendar_bot.records import StoredUser
from calendar_bot.services.profiles import Person
from calendar_bot.views import actions
from calendar_bot.views.payloads import (
    CalendarChoice,
    Day,
    Empty,
    FoundSlot,
    HourChoice,
    InviteAnswer,
    MeetingRef,
    OwnEdit,
    Payload,
    PresenceChoice,
    QuietChoice,
    ReminderChoice,
    Rsvp,
    SnoozePick,
    Toggle,
    WizardField,
    WizardMark,
    WizardPick,
    WorkDaysChoice,
)

P = TypeVar("P", bound=Payload)


class Guard(StrEnum):
    ANYONE = "anyone"
    CONNECTED = "connected"
    IN_WIZARD = "in_wizard"


class Refused(Exception):
    """A route's guard did not pass."""


class NotConnected(Refused):
    """The route needs a connected person; this one has no stored account."""


class Expired(Refused):
    """An old button: of a finished or replaced wizard, or with a payload no longer read."""


Run = Callable[[BotServices, Turn[StoredUser | None]], Awaitable[ActionResult]]


@dataclass(frozen=True, slots=True)
class Route:
    action: str
    guard: Guard
    payload: type[Payload]
    run: Run  # checks the guard, unpacks the payload, calls the handler


def _unpack(payload: type[P], turn: Turn[StoredUser | None]) -> P:
    try:
        return payload.unpack(turn.payload, turn.selected)
    except ValueError as exc:
        raise Expired(str(exc)) from exc


def anyone(
    action: str,
    handler: Callable[[BotServices, Turn[StoredUser | None], P], Awaitable[ActionResult]],
    payload: type[P],
) -> Route:
    async def run(bot: BotServices, turn: Turn[StoredUser | None]) -> ActionResult:
        return await handler(bot, turn, _unpack(payload, turn))

    return Route(action, Guard.ANYONE, payload, run)


def connected(
    action: str,
    handler: Callable[[BotServices, Turn[StoredUser], P], Awaitable[ActionResult]],
    payload: type[P],
) -> Route:
    async def run(bot: BotServices, turn: Turn[StoredUser | None]) -> ActionResult:
        if turn.user is None:
            raise NotConnected(action)
        data = _unpack(payload, turn)
        user = await bot.with_profile(turn.user, turn.person)
        return await handler(bot, turn.connected(user), data)

    return Route(action, Guard.CONNECTED, payload, run)


def in_wizard(
    action: str,
    handler: Callable[[BotServices, Turn[StoredUser], Draft, P], Awaitable[ActionResult]],
    payload: type[P],
) -> Route:
    async def run(bot: BotServices, turn: Turn[StoredUser | None]) -> ActionResult:
        if turn.user is None:
            raise NotConnected(action)
        draft = await wizard_handlers.open_draft(bot, turn.user_id)
        if draft is None or draft.post_id != turn.post_id:
            raise Expired(action)  # a button of a finished or replaced wizard
        data = _unpack(payload, turn)
        return await handler(bot, turn.connected(turn.user), draft, data)

    return Route(action, Guard.IN_WIZARD, payload, run)


ROUTES: tuple[Route, ...] = (
    # Connecting
    anyone(actions.CONNECT, connect.open_form, Empty),
    anyone(actions.RECONNECT, connect.open_form, Empty),
    anyone(actions.CONNECT_BY_MESSAGE, connect.ask_typed, Empty),
    anyone(actions.CONNECT_CANCEL, connect.cancel, Empty),
    # The main menu
    connected(actions.MENU, meetings.main_menu, Empty),
    connected(actions.HELP, meetings.help_text, Empty),
    connected(actions.MENU_TODAY, meetings.today, Empty),
    connected(actions.MENU_NOW, meetings.now_and_next, Empty),
    connected(actions.MENU_TOMORROW, meetings.tomorrow, Empty),
    connected(actions.MENU_WEEK, meetings.week, Empty),
    connected(actions.MENU_CREATE, wizard_handlers.start, Empty),
    # Lists and meetings
    connected(actions.LIST_DAY, meetings.list_day, Day),
    connected(actions.LIST_WEEK, meetings.list_week, Day),
    connected(actions.LIST_OTHER_DATE, meetings.other_date, Empty),
    connected(actions.OPEN_MEETING, meetings.open_meeting, MeetingRef),
    connected(actions.RSVP, meetings.rsvp, Rsvp),
    connected(actions.INVITE_RSVP, meetings.answer_invitation, InviteAnswer),
    connected(actions.SNOOZE, meetings.snooze, SnoozePick),
    # Changing one's own meeting
    connected(actions.OWN_EDIT, own_meetings.start, OwnEdit),
    connected(actions.OWN_SCOPE, own_meetings.scope, OwnEdit),
    connected(actions.OWN_APPLY, own_meetings.apply, OwnEdit),
    connected(actions.OWN_BACK, own_meetings.back, OwnEdit),
    # The wizard
    in_wizard(actions.WIZARD_PICK, wizard_handlers.pick, WizardPick),
    in_wizard(actions.WIZARD_SKIP, wizard_handlers.skip, WizardMark),
    in_wizard(actions.WIZARD_CANCEL, wizard_handlers.cancel, Empty),
    in_wizard(actions.WIZARD_CREATE, wizard_handlers.create, WizardMark),
    in_wizard(actions.WIZARD_EDIT, wizard_handlers.edit_picker, WizardMark),
    in_wizard(actions.WIZARD_EDIT_FIELD, wizard_handlers.edit_field, WizardField),
    in_wizard(actions.WIZARD_SUMMARY, wizard_handlers.back_to_summary, Empty),
    in_wizard(actions.WIZARD_FIND, wizard_handlers.find_time, WizardMark),
    in_wizard(actions.WIZARD_VIDEO, wizard_handlers.video, WizardMark),
    # Find a time together
    connected(actions.FIND_PICK, find_time.pick, FoundSlot),
    # Settings
    connected(actions.SETTINGS, settings.show, Empty),
    connected(actions.SETTINGS_REMINDER, settings.reminder, ReminderChoice),
    connected(actions.SETTINGS_AT_START, settings.at_start, Toggle),
    connected(actions.SETTINGS_QUIET, settings.quiet, QuietChoice),
    connected(actions.SETTINGS_QUIET_REMINDERS, settings.quiet_reminders, Toggle),
    connected(actions.SETTINGS_DIGEST_WORK_DAYS, settings.digest_work_days, Toggle),
    connected(actions.SETTINGS_MUTE, settings.mute, CalendarChoice),
    connected(actions.SETTINGS_DIGEST, settings.digest, Toggle),
    connected(actions.SETTINGS_DIGEST_EMPTY, settings.digest_when_empty, Toggle),
    connected(actions.SETTINGS_DIGEST_HOUR, settings.digest_hour, HourChoice),
    connected(actions.SETTINGS_WORK_START, settings.work_start, HourChoice),
    connected(actions.SETTINGS_WORK_END, settings.work_end, HourChoice),
    connected(actions.SETTINGS_WORK_DAYS, settings.work_days, WorkDaysChoice),
    connected(actions.SETTINGS_PRESENCE, settings.presence, PresenceChoice),
    connected(actions.LOGOUT, settings.logout, Empty),
    connected(actions.LOGOUT_CONFIRM, settings.logout_confirmed, Empty),
    connected(actions.LOGOUT_CANCEL, settings.logout_cancelled, Empty),
    # Diagnostics
    connected(actions.RAW, meetings.raw_picker, Empty),
    connected(actions.RAW_CALENDAR, meetings.raw, CalendarChoice),
)
BY_ACTION: Mapping[str, Route] = {route.action: route for route in ROUTES}

# Dialog submissions, by the action signed into the dialog's state.
DialogHandler = Callable[[BotServices, DialogSubmission, Person], Awaitable[DialogResult]]
DIALOGS: Mapping[str, DialogHandler] = {actions.CONNECT_SUBMIT: connect.submit_form}

# Typed words (in the DM, or after `/calendar`) and the action each stands for.
COMMANDS: Mapping[str, str] = {
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
WIZARD_ESCAPES: frozenset[str] = frozenset(
    {actions.MENU_CREATE, actions.HELP, actions.LOGOUT, actions.MENU, actions.SETTINGS}
)
# Without an account, these typed after `/calendar` greet; other words say "not connected".
GREETS_STRANGERS: frozenset[str] = frozenset({actions.HELP, actions.MENU})
