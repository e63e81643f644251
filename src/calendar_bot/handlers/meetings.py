"""Looking at meetings: the menu's lists, other days, one meeting's details, RSVP, RAW."""

from __future__ import annotations

from datetime import date, timedelta

from calendar_bot.domain.snooze import fires_at
from calendar_bot.handlers.base import BotServices, Turn
from calendar_bot.inbound import ActionResult
from calendar_bot.records import StoredUser
from calendar_bot.services.meetings import MeetingError
from calendar_bot.views import common
from calendar_bot.views import meetings as meeting_views
from calendar_bot.views import settings as settings_views
from calendar_bot.views.message import OutMessage
from calendar_bot.views.payloads import (
    CalendarChoice,
    Day,
    Empty,
    InviteAnswer,
    MeetingRef,
    Rsvp,
    SnoozePick,
)


def _today(bot: BotServices, turn: Turn[StoredUser]) -> date:
    return bot.now().astimezone(bot.zone_of(turn.person)).date()


async def day_list(bot: BotServices, turn: Turn[StoredUser], day: date) -> list[OutMessage]:
    """One day's meetings, with the way to the day before, the day after, any date."""
    tz = bot.zone_of(turn.person)
    now = bot.now()
    found = await bot.meetings.on_days(turn.user, day, 1)
    messages = meeting_views.day_view(found, day, turn.locale, tz, now)
    nav = meeting_views.day_nav(day, turn.locale, now.astimezone(tz).date())
    return meeting_views.with_nav(messages, nav)


async def week_list(bot: BotServices, turn: Turn[StoredUser], first: date) -> list[OutMessage]:
    tz = bot.zone_of(turn.person)
    found = await bot.meetings.on_days(turn.user, first, 7)
    messages = meeting_views.week_view(found, first, turn.locale, tz, bot.now())
    return meeting_views.with_nav(messages, meeting_views.week_nav(first, turn.locale))


async def today(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    return await bot.say_all(turn.user_id, await day_list(bot, turn, _today(bot, turn)))


async def tomorrow(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    day = _today(bot, turn) + timedelta(days=1)
    return await bot.say_all(turn.user_id, await day_list(bot, turn, day))


async def now_and_next(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    found = await bot.meetings.on_days(turn.user, _today(bot, turn), 1)
    tz = bot.zone_of(turn.person)
    messages = meeting_views.now_and_next_view(found, turn.locale, tz, bot.now())
    return await bot.say_all(turn.user_id, messages)


async def week(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    return await bot.say_all(turn.user_id, await week_list(bot, turn, _today(bot, turn)))


async def help_text(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    return await bot.say_all(turn.user_id, [common.help_view(turn.locale)])


async def main_menu(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    return await bot.say_all(turn.user_id, [common.main_menu(turn.locale)])


async def other_date(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    return ActionResult(ephemeral=meeting_views.other_date_hint(turn.locale).text)


async def _in_place(
    bot: BotServices, turn: Turn[StoredUser], messages: list[OutMessage]
) -> ActionResult:
    """A list's buttons change the list in place; one too long for a post goes below."""
    if len(messages) == 1:
        return ActionResult(update=messages[0])
    return await bot.say_all(turn.user_id, messages)


async def list_day(bot: BotServices, turn: Turn[StoredUser], payload: Day) -> ActionResult:
    return await _in_place(bot, turn, await day_list(bot, turn, payload.day))


async def list_week(bot: BotServices, turn: Turn[StoredUser], payload: Day) -> ActionResult:
    return await _in_place(bot, turn, await week_list(bot, turn, payload.day))


async def open_meeting(
    bot: BotServices, turn: Turn[StoredUser], payload: MeetingRef
) -> ActionResult:
    occurrence = await bot.meetings.find(turn.user, payload.ref)
    if occurrence is None:
        return ActionResult(ephemeral=meeting_views.meeting_error("gone", turn.locale).text)
    tz = bot.zone_of(turn.person)
    details = meeting_views.meeting_details(occurrence, turn.locale, tz, bot.now())
    return await bot.say_all(turn.user_id, [details])


async def snooze(bot: BotServices, turn: Turn[StoredUser], pick: SnoozePick) -> ActionResult:
    """Remind again (the menu under a reminder): one outbox row, dropped at delivery if the
    meeting moved or was cancelled meanwhile."""
    occurrence = await bot.meetings.find(turn.user, pick.ref)
    if occurrence is None or occurrence.cancelled or pick.choice is None:
        return ActionResult(ephemeral=meeting_views.meeting_error("gone", turn.locale).text)
    fires = fires_at(pick.choice, bot.now(), occurrence.start)
    if fires is not None:
        await bot.meetings.snooze(turn.user, occurrence, fires)
    answer = meeting_views.snooze_answer(occurrence, fires, turn.locale, bot.zone_of(turn.person))
    return ActionResult(ephemeral=answer.text)


async def rsvp(bot: BotServices, turn: Turn[StoredUser], payload: Rsvp) -> ActionResult:
    try:
        occurrence = await bot.meetings.respond(turn.user, payload.ref, payload.partstat)
    except MeetingError as exc:
        return ActionResult(ephemeral=meeting_views.meeting_error(exc.code, turn.locale).text)
    tz = bot.zone_of(turn.person)
    done = meeting_views.rsvp_done(occurrence, payload.partstat, turn.locale, tz, bot.now())
    return ActionResult(update=done)


async def answer_invitation(
    bot: BotServices, turn: Turn[StoredUser], payload: InviteAnswer
) -> ActionResult:
    """Accept / Maybe / Decline under an invitation the bot told: written to the person's
    own copy; until their server has delivered it, an ephemeral "not yet" and the buttons
    stay."""
    try:
        occurrence = await bot.meetings.answer_invitation(turn.user, payload.uid, payload.partstat)
    except MeetingError as exc:
        return ActionResult(ephemeral=meeting_views.meeting_error(exc.code, turn.locale).text)
    if occurrence is None:
        return ActionResult(ephemeral=meeting_views.invitation_not_yet(turn.locale).text)
    tz = bot.zone_of(turn.person)
    done = meeting_views.rsvp_done(occurrence, payload.partstat, turn.locale, tz, bot.now())
    return ActionResult(update=done)


async def raw_picker(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    calendars = await bot.meetings.calendars(turn.user)
    return await bot.say_all(turn.user_id, [settings_views.raw_picker(calendars, turn.locale)])


async def raw(bot: BotServices, turn: Turn[StoredUser], payload: CalendarChoice) -> ActionResult:
    try:
        name, xml = await bot.meetings.raw(turn.user, payload.ref, _today(bot, turn))
    except MeetingError as exc:
        return ActionResult(ephemeral=meeting_views.meeting_error(exc.code, turn.locale).text)
    return await bot.say_all(turn.user_id, settings_views.raw_xml(name, xml, turn.locale))
