"""Find a time together: the typed request (`find 1h with @anna @oleg this week`), and a
found slot's button, which opens the create-meeting wizard on its summary, filled in."""

from __future__ import annotations

from calendar_bot.domain import wizard
from calendar_bot.domain.find_request import FindParseError, parse_find_request
from calendar_bot.handlers import wizard as wizard_handlers
from calendar_bot.handlers.base import BotServices, Turn
from calendar_bot.inbound import ActionResult
from calendar_bot.records import StoredUser
from calendar_bot.views import find_time as views
from calendar_bot.views.payloads import FoundSlot


async def find(bot: BotServices, turn: Turn[StoredUser], text: str) -> None:
    tz = bot.zone_of(turn.person)
    today = bot.now().astimezone(tz).date()
    try:
        request = parse_find_request(text, today=today)
    except FindParseError as exc:
        await bot.say(turn.user_id, views.not_a_request(exc, turn.locale))
        return
    found = await bot.find_time.find(turn.user, turn.person, request)
    if not found.invitees:
        await bot.say(turn.user_id, views.nobody_found(turn.locale))
        return
    await bot.say(turn.user_id, views.found_times(found, turn.locale, tz, today))


async def pick(bot: BotServices, turn: Turn[StoredUser], slot: FoundSlot) -> ActionResult:
    """The wizard's summary with the slot, its length and the invitees; the answer with the
    slots stays as it was, so another can still be picked."""
    state = wizard.filled(
        bot.now(),
        title=views.default_title(turn.locale),
        start=slot.start.astimezone(bot.zone_of(turn.person)),
        duration=slot.minutes,
        attendees=slot.invitees,
        handles=slot.handles,
    )
    progress = await bot.wizard.begin_at_summary(turn.user, turn.person, state)
    await wizard_handlers.start_with(bot, turn, progress)
    return ActionResult()
