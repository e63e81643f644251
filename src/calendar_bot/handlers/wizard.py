"""The create-meeting wizard in the chat: its buttons, its prompts, its persisted state."""

from __future__ import annotations

import logging
from typing import Any

from calendar_bot.domain import wizard as wz
from calendar_bot.handlers.base import STATE_WIZARD, Handlers
from calendar_bot.inbound import ActionClick, ActionResult
from calendar_bot.records import ConversationState, StoredUser
from calendar_bot.services.creation import WizardReply
from calendar_bot.services.profiles import Person
from calendar_bot.views import actions, common
from calendar_bot.views.message import message_from_dict, message_to_dict

log = logging.getLogger(__name__)


class WizardHandlers(Handlers):
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
        async with self.ctx.transaction() as store:
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

    async def _forget_wizard(self, user_id: str, conversation: ConversationState) -> None:
        """Drop an abandoned wizard: its buttons go, its state too."""
        await self._wizard_reply(user_id, conversation.message_id, conversation.data, WizardReply())

    @staticmethod
    def _wizard_state(data: dict[str, Any]) -> wz.WizardState | None:
        try:
            return wz.WizardState.from_dict(data.get("wizard") or {})
        except ValueError:
            return None
