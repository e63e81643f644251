"""Settings (reminder leads, the daily digest) and logging out."""

from __future__ import annotations

from dataclasses import replace

from calendar_bot.domain.model import UserSettings
from calendar_bot.handlers.base import BotServices, Turn
from calendar_bot.inbound import ActionResult
from calendar_bot.records import StoredUser
from calendar_bot.views import settings as settings_views
from calendar_bot.views.payloads import (
    Empty,
    HourChoice,
    PresenceChoice,
    ReminderChoice,
    Toggle,
    WorkDaysChoice,
)


async def show(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    view = settings_views.settings_view(
        turn.user.settings, turn.locale, bot.now(), may_set_presence=bot.ctx.may_set_presence
    )
    return ActionResult(update=view)


async def _save(bot: BotServices, turn: Turn[StoredUser], updated: UserSettings) -> ActionResult:
    await bot.accounts.update_settings(turn.user_id, updated)
    view = settings_views.settings_view(
        updated, turn.locale, bot.now(), saved=True, may_set_presence=bot.ctx.may_set_presence
    )
    return ActionResult(update=view)


async def reminder(
    bot: BotServices, turn: Turn[StoredUser], choice: ReminderChoice
) -> ActionResult:
    return await _save(bot, turn, replace(turn.user.settings, reminder_lead=choice.minutes))


async def at_start(bot: BotServices, turn: Turn[StoredUser], switch: Toggle) -> ActionResult:
    return await _save(bot, turn, replace(turn.user.settings, remind_at_start=switch.on))


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
        shown = await show(bot, turn, Empty())
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
