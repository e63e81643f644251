"""The create-meeting wizard in the chat: its buttons and typed answers as machine inputs,
its persisted draft, and its one post, the card, edited in place from the first question to
the result (issue #16: one post per meeting).

A click answers with the action response's `update` (Mattermost replaces the clicked card);
a typed answer comes as a new post of the person's, so the card is edited through the REST
API. The steps, inputs and transitions are domain.wizard's; WizardService performs the
effects; views.wizard renders the card. The draft is stored as the conversation state
`Awaiting.WIZARD_ANSWER` with `{"wizard": <state>, "prompt": <the card as shown>}` and the
card's post id as `message_id`, in the database, so any replica can take the next answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from calendar_bot.domain import wizard
from calendar_bot.handlers.base import CANCEL_WORDS, Awaiting, BotServices, Turn, awaiting
from calendar_bot.inbound import ActionResult
from calendar_bot.records import ConversationState, StoredUser
from calendar_bot.services.wizard import WizardProgress
from calendar_bot.views import common
from calendar_bot.views import wizard as views
from calendar_bot.views.message import OutMessage, message_from_dict, message_to_dict
from calendar_bot.views.payloads import Empty, WizardField, WizardMark, WizardPick

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Draft:
    """A wizard in progress, as stored."""

    state: wizard.WizardState
    post_id: str  # the card: the wizard's one post
    prompt: OutMessage | None  # the card as shown, to take its buttons away when replaced


def draft_of(conversation: ConversationState | None) -> Draft | None:
    """The stored draft, or None (no wizard, or a state this version cannot read)."""
    if awaiting(conversation) is not Awaiting.WIZARD_ANSWER or conversation is None:
        return None
    data = conversation.data
    try:
        state = wizard.WizardState.from_dict(data.get("wizard") or {})
    except ValueError:
        return None
    prompt = data.get("prompt")
    question = message_from_dict(prompt) if isinstance(prompt, dict) else None
    return Draft(state, conversation.message_id, question)


async def open_draft(bot: BotServices, user_id: str) -> Draft | None:
    return draft_of(await bot.conversation(user_id))


# ---- starting, and answering by text ------------------------------------------------------


async def start(bot: BotServices, turn: Turn[StoredUser], _: Empty) -> ActionResult:
    """A fresh wizard; one already open is replaced (its question loses its buttons)."""
    previous = await open_draft(bot, turn.user_id)
    if previous is not None:
        await _freeze(bot, turn.user_id, previous)
    progress = await bot.wizard.begin(turn.user, turn.person)
    await _show(bot, turn, None, progress)
    return ActionResult()


async def start_with(bot: BotServices, turn: Turn[StoredUser], progress: WizardProgress) -> None:
    """A wizard begun with some answers already given (a found slot, a typed sentence); one
    already open is replaced."""
    previous = await open_draft(bot, turn.user_id)
    if previous is not None:
        await _freeze(bot, turn.user_id, previous)
    await _show(bot, turn, None, progress)


async def set_aside(bot: BotServices, user_id: str) -> None:
    """Another conversation takes the DM's typed answers (a change of one's own meeting): an
    open wizard's card keeps its text and loses its buttons, as when a new wizard replaces it."""
    previous = await open_draft(bot, user_id)
    if previous is not None:
        await _freeze(bot, user_id, previous)


def takes_text(draft: Draft, command: str | None, escapes: frozenset[str]) -> bool:
    """Whether a typed line is the answer: anything but a command, and at the date step the
    date words ("завтра", "today") too, which are also list commands."""
    if command is None:
        return True
    return draft.state.step is wizard.Step.DATE and command not in escapes


async def answer_text(bot: BotServices, turn: Turn[StoredUser], draft: Draft, text: str) -> None:
    answer: wizard.WizardInput = (
        wizard.Cancel() if text.strip().lower() in CANCEL_WORDS else wizard.Text(text)
    )
    progress = await bot.wizard.answer(turn.user, turn.person, draft.state, answer)
    await _show(bot, turn, draft, progress)  # the card, edited through the REST API


async def live_draft(
    bot: BotServices, turn: Turn[StoredUser], conversation: ConversationState | None
) -> Draft | None:
    """The wizard open in `conversation`; one abandoned long ago is dropped (its buttons go,
    its state too) and counts as none."""
    draft = draft_of(conversation)
    if draft is not None and wizard.is_stale(draft.state, bot.now()):
        await _freeze(bot, turn.user_id, draft)
        await bot.clear(turn.user_id)
        return None
    return draft


def still_open(draft: Draft, locale: str) -> OutMessage:
    return views.still_open(draft.state.step, locale)


# ---- its buttons (the route table checks first that the click is on the live question) ---


async def cancel(bot: BotServices, turn: Turn[StoredUser], draft: Draft, _: Empty) -> ActionResult:
    return await _answer_click(bot, turn, draft, wizard.Cancel())


async def create(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, _: WizardMark
) -> ActionResult:
    return await _answer_click(bot, turn, draft, wizard.Create())


async def skip(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, _: WizardMark
) -> ActionResult:
    return await _answer_click(bot, turn, draft, wizard.Skip())


async def pick(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, payload: WizardPick
) -> ActionResult:
    if payload.step is not draft.state.step:
        return ActionResult(ephemeral=common.button_expired(turn.locale).text)
    return await _answer_click(bot, turn, draft, wizard.Text(payload.value))


async def edit_field(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, payload: WizardField
) -> ActionResult:
    return await _answer_click(bot, turn, draft, wizard.Edit(payload.field))


async def edit_picker(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, _: WizardMark
) -> ActionResult:
    calendars = len(await bot.wizard.calendars(turn.user))
    return ActionResult(update=views.wizard_edit_picker(turn.locale, calendars=calendars))


async def find_time(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, _: WizardMark
) -> ActionResult:
    """ "Find a time with them": the best slots for everyone, as picks on the card."""
    return await _answer_click(bot, turn, draft, wizard.FindTime())


async def video(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, _: WizardMark
) -> ActionResult:
    """ "Add video link" (made from VIDEO_LINK_TEMPLATE), or "Remove video link"."""
    if not draft.state.video and not bot.wizard.video_available:
        return ActionResult(ephemeral=common.button_expired(turn.locale).text)
    progress = await bot.wizard.add_video(turn.user, turn.person, draft.state)
    card = await _store(bot, turn, draft.post_id, progress)
    return ActionResult(update=card)


async def back_to_summary(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, _: Empty
) -> ActionResult:
    state = draft.state
    if state.step in wizard.EXTRAS:  # the repeat or calendar question, left as it was
        state = replace(state, step=wizard.Step.CONFIRM, editing=False)
        asked = await bot.wizard.asked(turn.user, turn.person, state, wizard.Prompt(state.step))
        card = await _store(bot, turn, draft.post_id, WizardProgress([asked], state))
        return ActionResult(update=card)
    asked = await bot.wizard.asked(turn.user, turn.person, state, wizard.Prompt(state.step))
    card = views.wizard_asked(asked, turn.locale, bot.zone_of(turn.person), bot.now())
    return ActionResult(update=card)


async def _answer_click(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, answer: wizard.WizardInput
) -> ActionResult:
    progress = await bot.wizard.answer(turn.user, turn.person, draft.state, answer)
    # The clicked card becomes the next question (or the result) in the click's answer.
    card = await _store(bot, turn, draft.post_id, progress)
    return ActionResult(update=card)


# ---- posting and storing ------------------------------------------------------------------


async def _show(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft | None, progress: WizardProgress
) -> None:
    """After a typed answer (or the start): edit the card in place, or post it when there is
    none yet (or it could not be edited), and remember it."""
    user_id = turn.user_id
    card = _card(bot, turn, progress)
    post_id = draft.post_id if draft is not None else ""
    if card is not None:
        if post_id:
            try:
                post_id = await bot.ctx.chat.update_post(post_id, card, user_id)
            except Exception:
                log.info("could not edit the wizard card of %s; posting it anew", user_id)
                post_id = ""
        if not post_id:
            post_id = await bot.say(user_id, card)
    await _remember(bot, user_id, post_id, progress, card)


async def _store(
    bot: BotServices, turn: Turn[StoredUser], post_id: str, progress: WizardProgress
) -> OutMessage | None:
    """After a click on the card: remember the draft; the card goes back in the answer."""
    card = _card(bot, turn, progress)
    await _remember(bot, turn.user_id, post_id, progress, card)
    return card


def _card(bot: BotServices, turn: Turn[StoredUser], progress: WizardProgress) -> OutMessage | None:
    tz = bot.zone_of(turn.person)
    return views.wizard_card(progress.outcomes, turn.locale, tz, bot.now())


async def _remember(
    bot: BotServices,
    user_id: str,
    post_id: str,
    progress: WizardProgress,
    card: OutMessage | None,
) -> None:
    if progress.state is None:
        await bot.clear(user_id)
        return
    data: dict[str, Any] = {
        "wizard": progress.state.to_dict(),
        "prompt": message_to_dict(card) if card else None,
    }
    await bot.await_next(user_id, Awaiting.WIZARD_ANSWER, data, message_id=post_id)


async def _freeze(bot: BotServices, user_id: str, draft: Draft) -> None:
    """A replaced or abandoned wizard's card keeps its text and loses its buttons."""
    if not draft.post_id or draft.prompt is None:
        return
    try:
        await bot.ctx.chat.update_post(draft.post_id, draft.prompt.without_actions(), user_id)
    except Exception:
        log.info("could not remove the previous wizard buttons of %s", user_id)
