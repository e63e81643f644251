"""Connecting a calendar: the dialog, the typed-password fallback, the silent first sync."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from calendar_bot.handlers.base import (
    CANCEL_WORDS,
    STATE_CONNECT_EMAIL,
    STATE_CONNECT_PASSWORD,
    Handlers,
)
from calendar_bot.inbound import (
    ActionClick,
    ActionResult,
    DialogResult,
    DialogSubmission,
    IncomingMessage,
)
from calendar_bot.records import StoredUser
from calendar_bot.services.profiles import Person
from calendar_bot.views import onboarding
from calendar_bot.views.message import OutMessage

log = logging.getLogger(__name__)


class ConnectHandlers(Handlers):
    async def _open_connect(self, event: ActionClick, person: Person) -> ActionResult:
        user = await self._user(event.user_id)
        email = user.email if user is not None else person.user.email
        dialog = onboarding.connect_dialog(
            person.locale, email, self.ctx.caldav_base_url, connected=user is not None
        )
        if event.trigger_id and await self.ctx.chat.open_dialog(
            event.trigger_id, dialog, event.user_id
        ):
            return ActionResult()
        # No form: the seed's typed flow is offered, saying what becomes of the message.
        await self._say(
            event.user_id, onboarding.dialog_unavailable(person.locale, self.ctx.may_delete_posts)
        )
        return ActionResult()

    async def _ask_typed(self, event: ActionClick, person: Person) -> ActionResult:
        email = person.user.email
        now = self.ctx.clock.now()
        async with self.ctx.transaction() as store:
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
                person.locale,
                email,
                self.ctx.caldav_base_url,
                may_delete=self.ctx.may_delete_posts,
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
        async with self.ctx.transaction() as store:
            await store.conversation.set(
                event.user_id,
                STATE_CONNECT_PASSWORD,
                {"email": email, "server": self.ctx.caldav_base_url},
                now=self.ctx.clock.now(),
            )
        await self._say(
            event.user_id,
            onboarding.typed_password_prompt(
                person.locale,
                email,
                self.ctx.caldav_base_url,
                may_delete=self.ctx.may_delete_posts,
            ),
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
            typed_url=server == onboarding.SERVER_OTHER,
        )
        if not result.ok:
            return DialogResult(errors=onboarding.connect_field_errors(result.error, person.locale))
        await self._connected(event.user_id, person, result.calendars, result.user)
        return DialogResult()

    async def _connected(
        self, user_id: str, person: Person, calendars: Any, user: StoredUser | None
    ) -> None:
        message = onboarding.connected(list(calendars), person.locale, user.email if user else "")
        if user is None:
            await self._say(user_id, message)
            return
        # The silent baseline first, then "connected" (in the background: the dialog does not
        # wait for it). The snapshot is then the calendar as it was before the person could
        # know they are connected, so a meeting put in after that post is always news; posting
        # first let one put in right after the post fall into the silent baseline (issue 20).
        task = asyncio.create_task(self._baseline_then_say(user_id, message))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _baseline_then_say(self, user_id: str, message: OutMessage) -> None:
        user = await self._user(user_id)
        if user is not None:
            try:
                await self.sync.sync_user(user)
            except Exception:
                log.exception("first sync of %s failed", user_id)
        try:
            await self._say(user_id, message)
        except Exception:
            log.exception("the connected message to %s failed", user_id)
