"""The create-meeting wizard in the chat: its buttons and typed answers as machine inputs,
its persisted draft, and its posts (the live question keeps its buttons, the ones before
lose them).

The steps, inputs and transitions are domain.wizard's; WizardService performs the effects;
views.wizard renders the outcomes. The draft is stored as the conversation state
`Awaiting.WIZARD_ANSWER` with `{"wizard": <state>, "prompt": <the live question>}` and the
question's post as `message_id`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
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
    post_id: str  # the post of the live question
    prompt: OutMessage | None  # that question, to take its buttons away when the next comes


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
    progress = await bot.wizard.begin(turn.user, turn.person)
    await _show(bot, turn, previous, progress)
    return ActionResult()


async def start_at_summary(
    bot: BotServices, turn: Turn[StoredUser], state: wizard.WizardState
) -> None:
    """A wizard opened on its summary with everything filled in; one already open is
    replaced."""
    previous = await open_draft(bot, turn.user_id)
    await _show(bot, turn, previous, bot.wizard.begin_at_summary(state))


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
    await _show(bot, turn, draft, progress)


async def live_draft(
    bot: BotServices, turn: Turn[StoredUser], conversation: ConversationState | None
) -> Draft | None:
    """The wizard open in `conversation`; one abandoned long ago is dropped (its buttons go,
    its state too) and counts as none."""
    draft = draft_of(conversation)
    if draft is not None and wizard.is_stale(draft.state, bot.now()):
        await _show(bot, turn, draft, WizardProgress())
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
    return ActionResult(update=views.wizard_edit_picker(turn.locale))


async def back_to_summary(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, _: Empty
) -> ActionResult:
    state = draft.state
    question = views.wizard_step(
        state, wizard.Prompt(state.step), turn.locale, bot.zone_of(turn.person), bot.now()
    )
    return ActionResult(update=question)


async def _answer_click(
    bot: BotServices, turn: Turn[StoredUser], draft: Draft, answer: wizard.WizardInput
) -> ActionResult:
    progress = await bot.wizard.answer(turn.user, turn.person, draft.state, answer)
    # The clicked post loses its buttons right in the click's answer.
    await _show(bot, turn, None, progress)
    return ActionResult(update=draft.prompt.without_actions() if draft.prompt else None)


# ---- posting and storing ------------------------------------------------------------------


async def _show(
    bot: BotServices, turn: Turn[StoredUser], previous: Draft | None, progress: WizardProgress
) -> None:
    """Post what the answer led to, remember the live question, and take the buttons off the
    previous one."""
    user_id = turn.user_id
    if previous is not None and previous.post_id and previous.prompt is not None:
        try:
            frozen = previous.prompt.without_actions()
            await bot.ctx.chat.update_post(previous.post_id, frozen, user_id)
        except Exception:
            log.info("could not remove the previous wizard buttons of %s", user_id)
    tz = bot.zone_of(turn.person)
    messages = views.wizard_messages(progress.outcomes, turn.locale, tz, bot.now())
    post_id = ""
    for message in messages:
        post_id = (await bot.say(user_id, message)) or ""
    if progress.state is None:
        await bot.clear(user_id)
        return
    question = messages[-1] if messages else None
    data: dict[str, Any] = {
        "wizard": progress.state.to_dict(),
        "prompt": message_to_dict(question) if question else None,
    }
    await bot.await_next(user_id, Awaiting.WIZARD_ANSWER, data, message_id=post_id)
