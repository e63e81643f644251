"""Changing one's own meeting from its card (issue #17, item 3): Move, Rename, Length,
Cancel; for a series first which of its meetings. The card is one post, edited in place: a
click answers with the action response's `update`; a typed value (a title, a date and time,
a length) comes as a post of the person's, so the card is edited through the REST API. The
change under way is stored as the conversation state `Awaiting.MEETING_EDIT` with
`{"ref", "what", "scope"}` and the card's post id as `message_id`, so any replica takes the
typed answer."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from calendar_bot.domain.edits import (
    EventEdit,
    Rename,
    Resize,
    Scope,
    What,
    can_edit,
    can_move,
    edit_of,
    scopes_for,
    typed_move,
)
from calendar_bot.domain.model import Occurrence
from calendar_bot.domain.parsing import ParseError, parse_duration
from calendar_bot.handlers import wizard as wizard_handlers
from calendar_bot.handlers.base import CANCEL_WORDS, Awaiting, BotServices, Turn, awaiting
from calendar_bot.inbound import ActionResult
from calendar_bot.records import ConversationState, StoredUser
from calendar_bot.services.meetings import MeetingError
from calendar_bot.views import common
from calendar_bot.views import meetings as meeting_views
from calendar_bot.views import own_meetings as views
from calendar_bot.views.message import OutMessage
from calendar_bot.views.payloads import OwnEdit
from calendar_bot.views.refs import occurrence_ref

log = logging.getLogger(__name__)

TYPED = (What.MOVE, What.RENAME, What.DURATION)  # the steps that take a typed value
# A typed value is awaited this long; later text is not taken for a title or a time ("5 Dec"
# typed the next day asks for that day's list, it does not rename a meeting).
EDIT_WAITS = timedelta(minutes=30)


def _error(code: str, locale: str) -> ActionResult:
    return ActionResult(ephemeral=meeting_views.meeting_error(code, locale).text)


async def _mine(bot: BotServices, turn: Turn[StoredUser], ref: str) -> Occurrence | str:
    """The meeting as the person saw it, or the error code to answer with."""
    occurrence = await bot.meetings.stored(turn.user, ref)
    if occurrence is None:
        return "gone"
    if not can_edit(occurrence):
        return "forbidden"
    return occurrence


def _details(bot: BotServices, turn: Turn[StoredUser], occurrence: Occurrence) -> OutMessage:
    tz = bot.zone_of(turn.person)
    return meeting_views.meeting_details(occurrence, turn.locale, tz, bot.now())


async def start(bot: BotServices, turn: Turn[StoredUser], payload: OwnEdit) -> ActionResult:
    """Move / Rename / Length / Cancel on the card: a series asks which meetings first."""
    found = await _mine(bot, turn, payload.ref)
    if isinstance(found, str):
        return _error(found, turn.locale)
    if payload.what is None or (payload.what in (What.MOVE, What.DURATION) and not can_move(found)):
        return ActionResult(ephemeral=common.button_expired(turn.locale).text)
    if scopes_for(found):
        tz = bot.zone_of(turn.person)
        return ActionResult(
            update=views.scope_card(found, payload.what, turn.locale, tz, bot.now())
        )
    return await _ask(bot, turn, found, payload.what, Scope.THIS)


async def scope(bot: BotServices, turn: Turn[StoredUser], payload: OwnEdit) -> ActionResult:
    found = await _mine(bot, turn, payload.ref)
    if isinstance(found, str):
        return _error(found, turn.locale)
    if payload.what is None or payload.scope is None:
        return ActionResult(ephemeral=common.button_expired(turn.locale).text)
    return await _ask(bot, turn, found, payload.what, payload.scope)


async def _ask(
    bot: BotServices, turn: Turn[StoredUser], occurrence: Occurrence, what: What, chosen: Scope
) -> ActionResult:
    card = await _value_card(bot, turn, occurrence, what, chosen)
    if what in TYPED:
        await wizard_handlers.set_aside(bot, turn.user_id)
        data = {"ref": occurrence_ref(occurrence), "what": what.value, "scope": chosen.value}
        await bot.await_next(turn.user_id, Awaiting.MEETING_EDIT, data, message_id=turn.post_id)
    return ActionResult(update=card)


async def _value_card(
    bot: BotServices,
    turn: Turn[StoredUser],
    occurrence: Occurrence,
    what: What,
    chosen: Scope,
    error: str = "",
) -> OutMessage:
    tz = bot.zone_of(turn.person)
    picks = await bot.meetings.move_picks(turn.user, occurrence) if what is What.MOVE else ()
    return views.value_card(
        occurrence, what, chosen, turn.locale, tz, bot.now(), picks=picks, error=error
    )


async def apply(bot: BotServices, turn: Turn[StoredUser], payload: OwnEdit) -> ActionResult:
    """A quick pick (a free time, a length) or the confirmed cancellation."""
    if payload.what is None or payload.scope is None:
        return ActionResult(ephemeral=common.button_expired(turn.locale).text)
    tz = bot.zone_of(turn.person)
    try:
        edit = edit_of(payload.what, payload.value, tz, bot.now().astimezone(tz).date())
    except ValueError:
        return ActionResult(ephemeral=common.button_expired(turn.locale).text)
    await _forget(bot, turn.user_id)
    card = await _change(bot, turn, payload.ref, edit, payload.scope)
    if isinstance(card, str):
        return _error(card, turn.locale)
    return ActionResult(update=card)


async def back(bot: BotServices, turn: Turn[StoredUser], payload: OwnEdit) -> ActionResult:
    await _forget(bot, turn.user_id)
    occurrence = await bot.meetings.stored(turn.user, payload.ref)
    if occurrence is None:
        return _error("gone", turn.locale)
    return ActionResult(update=_details(bot, turn, occurrence))


async def _change(
    bot: BotServices, turn: Turn[StoredUser], ref: str, edit: EventEdit, chosen: Scope
) -> OutMessage | str:
    """Make the change; the card that says how it went, or an error code."""
    before = await bot.meetings.stored(turn.user, ref)
    if before is None:
        return "gone"
    try:
        outcome = await bot.meetings.change(turn.user, ref, edit, chosen)
    except MeetingError as exc:
        return exc.code
    tz = bot.zone_of(turn.person)
    now = bot.now()
    current = _details(bot, turn, outcome.occurrence) if outcome.occurrence else None
    if outcome.changed is not None:
        return views.changed(outcome.changed, current, turn.locale, tz, now)
    return views.done(before, current, edit, chosen, turn.locale, tz, now)


# ---- a typed value --------------------------------------------------------------------------


def pending(conversation: ConversationState | None, now: datetime) -> bool:
    """A card waits for a typed value, asked for not long ago."""
    if awaiting(conversation) is not Awaiting.MEETING_EDIT or conversation is None:
        return False
    asked = conversation.updated_at
    return asked is not None and now - asked <= EDIT_WAITS


async def answer_text(
    bot: BotServices, turn: Turn[StoredUser], conversation: ConversationState, text: str
) -> None:
    """The typed title, date and time, or length for the card awaiting it."""
    data = conversation.data
    post_id = conversation.message_id
    try:
        ref, what, chosen = str(data["ref"]), What(data["what"]), Scope(data["scope"])
    except (KeyError, ValueError):
        await bot.clear(turn.user_id)
        await bot.say(turn.user_id, common.unknown_input(turn.locale))
        return
    found = await _mine(bot, turn, ref)
    if isinstance(found, str):
        await bot.clear(turn.user_id)
        await bot.say(turn.user_id, meeting_views.meeting_error(found, turn.locale))
        return
    if text.strip().lower() in CANCEL_WORDS:
        await bot.clear(turn.user_id)
        await _show(bot, turn, post_id, _details(bot, turn, found))
        return
    edit = _typed_edit(bot, turn, found, what, text)
    if isinstance(edit, str):
        card = await _value_card(bot, turn, found, what, chosen, error=edit)
        await _show(bot, turn, post_id, card)
        return
    await bot.clear(turn.user_id)
    result = await _change(bot, turn, ref, edit, chosen)
    if isinstance(result, str):
        result = meeting_views.meeting_error(result, turn.locale)
    await _show(bot, turn, post_id, result)


def _typed_edit(
    bot: BotServices, turn: Turn[StoredUser], occurrence: Occurrence, what: What, text: str
) -> EventEdit | str:
    """The typed value as an edit, or the error key's code."""
    tz = bot.zone_of(turn.person)
    now = bot.now()
    if what is What.RENAME:
        title = " ".join(text.split())
        return Rename(title) if title else "title"
    if what is What.DURATION:
        try:
            return Resize(parse_duration(text))
        except ParseError:
            return "duration"
    try:
        start: datetime = typed_move(
            text, occurrence.start.astimezone(tz).date(), now.astimezone(tz).date(), tz
        )
    except ParseError:
        return "time"
    if start <= now:
        return "past"
    return edit_of(What.MOVE, start.isoformat(), tz, now.astimezone(tz).date())


async def _show(bot: BotServices, turn: Turn[StoredUser], post_id: str, card: OutMessage) -> None:
    """Edit the card in place; post it anew when it cannot be edited."""
    if post_id:
        try:
            await bot.ctx.chat.update_post(post_id, card, turn.user_id)
            return
        except Exception:
            log.info("could not edit the meeting card of %s; posting it anew", turn.user_id)
    await bot.say(turn.user_id, card)


async def _forget(bot: BotServices, user_id: str) -> None:
    """Drop a typed change under way (never a wizard's draft)."""
    if awaiting(await bot.conversation(user_id)) is Awaiting.MEETING_EDIT:
        await bot.clear(user_id)
