"""Settings (reminder leads, quiet hours, the daily digest, working hours, muted calendars,
presence) and logging out. Every choice answers with the card updated in place."""

from __future__ import annotations

from dataclasses import replace

from calendar_bot.domain.model import CalendarRef, UserSettings
from calendar_bot.handlers.base import BotServices, Turn
from calendar_bot.inbound import ActionResult
from calendar_bot.records import StoredUser
from calendar_bot.views import settings as settings_views
from calendar_bot.views.payloads import (
    CalendarChoice,
    Empty,
    HourChoice,
    PresenceChoice,
    QuietChoice,
    ReminderChoice,
    Toggle,
    WorkDaysChoice,
)


async def _card(
    bot: BotServices,
    turn: Turn[StoredUser],
    settings: UserSettings,
    *,
    saved: bool = False,
    calendars: list[CalendarRef] | None = None,
) -> ActionResult:
    if calendars is None:
        calendars = await bot.meetings.calendars(turn.user)
    view = settings_views.settings_view(
        settings,
        turn.locale,
        bot.now(),
        saved=saved,
        may_set_presence=bot.ctx.may_set_presence,
        calendars=calendars,
    )
    return ActionResult(update=view)


async def show(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    return await _card(bot, turn, turn.user.settings)


async def _save(bot: BotServices, turn: Turn[StoredUser], updated: UserSettings) -> ActionResult:
    await bot.accounts.update_settings(turn.user_id, updated)
    return await _card(bot, turn, updated, saved=True)


def _with_lead(settings: UserSettings, minutes: int, on: bool) -> UserSettings:
    leads = set(settings.leads)
    leads = leads | {minutes} if on else leads - {minutes}
    return replace(settings, reminder_leads=tuple(sorted(leads, reverse=True)))


async def reminder(
    bot: BotServices, turn: Turn[StoredUser], choice: ReminderChoice
) -> ActionResult:
    """A lead from the menu switches on if it was off and off if it was on; "no reminders"
    clears them all."""
    settings = turn.user.settings
    if choice.minutes is None:
        return await _save(bot, turn, replace(settings, reminder_leads=()))
    on = choice.minutes not in settings.leads
    return await _save(bot, turn, _with_lead(settings, choice.minutes, on))


async def at_start(bot: BotServices, turn: Turn[StoredUser], switch: Toggle) -> ActionResult:
    """The at-start switch of cards posted before several leads: the lead 0."""
    return await _save(bot, turn, _with_lead(turn.user.settings, 0, switch.on))


async def quiet(bot: BotServices, turn: Turn[StoredUser], choice: QuietChoice) -> ActionResult:
    return await _save(bot, turn, replace(turn.user.settings, quiet_hours=choice.hours))


async def quiet_reminders(bot: BotServices, turn: Turn[StoredUser], switch: Toggle) -> ActionResult:
    return await _save(bot, turn, replace(turn.user.settings, quiet_reminders=switch.on))


async def digest_work_days(
    bot: BotServices, turn: Turn[StoredUser], switch: Toggle
) -> ActionResult:
    return await _save(bot, turn, replace(turn.user.settings, digest_work_days_only=switch.on))


async def mute(bot: BotServices, turn: Turn[StoredUser], choice: CalendarChoice) -> ActionResult:
    """Mute or unmute one calendar: it stays in every list."""
    calendars = await bot.meetings.toggle_mute(turn.user, choice.ref)
    return await _card(bot, turn, turn.user.settings, saved=True, calendars=calendars)


async def digest(bot: BotServices, turn: Turn[StoredUser], switch: Toggle) -> ActionResult:
    return await _save(bot, turn, replace(turn.user.settings, digest_enabled=switch.on))


async def digest_when_empty(
    bot: BotServices, turn: Turn[StoredUser], switch: Toggle
) -> ActionResult:
    return await _save(bot, turn, replace(turn.user.settings, digest_when_empty=switch.on))


async def digest_hour(bot: BotServices, turn: Turn[StoredUser], choice: HourChoice) -> ActionResult:
    return await _save(bot, turn, replace(turn.user.settings, digest_hour=choice.hour))


async def work_start(bot: BotServices, turn: Turn[StoredUser], choice: HourChoice) -> ActionResult:
    return await _save_hours(bot, turn, choice.hour, turn.user.settings.work_end)


async def work_end(bot: BotServices, turn: Turn[StoredUser], choice: HourChoice) -> ActionResult:
    return await _save_hours(bot, turn, turn.user.settings.work_start, choice.hour)


async def _save_hours(
    bot: BotServices, turn: Turn[StoredUser], start: int, end: int
) -> ActionResult:
    if not start < end:  # nothing changes: the card says why
        shown = await _card(bot, turn, turn.user.settings)
        return ActionResult(
            update=shown.update, ephemeral=settings_views.bad_work_hours(turn.locale)
        )
    return await _save(bot, turn, replace(turn.user.settings, work_start=start, work_end=end))


async def work_days(
    bot: BotServices, turn: Turn[StoredUser], choice: WorkDaysChoice
) -> ActionResult:
    return await _save(bot, turn, replace(turn.user.settings, work_days=choice.days))


async def presence(
    bot: BotServices, turn: Turn[StoredUser], choice: PresenceChoice
) -> ActionResult:
    """Presence during meetings; the presence job acts on it from the next minute mark (and
    restores a status it holds when it is turned off)."""
    return await _save(bot, turn, replace(turn.user.settings, presence=choice.mode))


async def logout(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    return ActionResult(update=settings_views.logout_confirm(turn.locale))


async def logout_confirmed(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    await bot.accounts.logout(turn.user_id)
    return ActionResult(update=settings_views.logged_out(turn.locale))


async def logout_cancelled(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    return ActionResult(update=settings_views.logout_cancelled(turn.locale))
