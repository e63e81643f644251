"""Connecting a calendar: the dialog, the typed-password fallback, the silent first sync."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from calendar_bot.domain.model import CalendarRef
from calendar_bot.domain.parsing import is_valid_email
from calendar_bot.handlers.base import CANCEL_WORDS, Awaiting, BotServices, Turn, awaiting
from calendar_bot.inbound import ActionResult, DialogResult, DialogSubmission, IncomingMessage
from calendar_bot.records import StoredUser
from calendar_bot.services.profiles import Person
from calendar_bot.views import onboarding
from calendar_bot.views.message import OutMessage
from calendar_bot.views.payloads import Empty

log = logging.getLogger(__name__)


async def open_form(bot: BotServices, turn: Turn[StoredUser | None], _: Empty) -> ActionResult:
    """ "Connect calendar" / "Reconnect": the dialog, or the typed flow when it cannot open."""
    user, person = turn.user, turn.person
    email = user.email if user is not None else person.user.email
    dialog = onboarding.connect_dialog(
        person.locale, email, bot.ctx.caldav_base_url, connected=user is not None
    )
    if turn.trigger_id and await bot.ctx.chat.open_dialog(turn.trigger_id, dialog, turn.user_id):
        return ActionResult()
    # No form: the seed's typed flow is offered, saying what becomes of the message.
    await bot.say(
        turn.user_id, onboarding.dialog_unavailable(person.locale, bot.ctx.may_delete_posts)
    )
    return ActionResult()


def _password_prompt(bot: BotServices, person: Person, email: str) -> OutMessage:
    return onboarding.typed_password_prompt(
        person.locale, email, bot.ctx.caldav_base_url, may_delete=bot.ctx.may_delete_posts
    )


async def ask_typed(bot: BotServices, turn: Turn[StoredUser | None], _: Empty) -> ActionResult:
    """The typed fallback: ask for the password (the e-mail first if the profile has none)."""
    email = turn.person.user.email
    if email:
        data = {"email": email, "server": bot.ctx.caldav_base_url}
        await bot.await_next(turn.user_id, Awaiting.PASSWORD, data)
        await bot.say(turn.user_id, _password_prompt(bot, turn.person, email))
    else:
        await bot.await_next(turn.user_id, Awaiting.EMAIL, {})
        await bot.say(turn.user_id, onboarding.typed_email_prompt(turn.locale))
    return ActionResult()


async def cancel(bot: BotServices, turn: Turn[StoredUser | None], _: Empty) -> ActionResult:
    """Cancel on a connect prompt; an old one pressed after connecting cancels nothing."""
    state = awaiting(await bot.conversation(turn.user_id))
    connecting = state is not None and state.typed_connect
    if not connecting and turn.user is not None:
        return ActionResult(ephemeral=onboarding.already_connected(turn.locale).text)
    await bot.clear(turn.user_id)
    return ActionResult(update=onboarding.connect_cancelled(turn.locale))


async def typed_email(bot: BotServices, event: IncomingMessage, person: Person) -> None:
    email = event.text.strip().lower()
    if email in CANCEL_WORDS:
        await bot.clear(event.user_id)
        await bot.say(event.user_id, onboarding.connect_cancelled(person.locale))
        return
    if not is_valid_email(email):
        await bot.say(event.user_id, onboarding.connect_failed("email", person.locale))
        return
    data = {"email": email, "server": bot.ctx.caldav_base_url}
    await bot.await_next(event.user_id, Awaiting.PASSWORD, data)
    await bot.say(event.user_id, _password_prompt(bot, person, email))


async def typed_password(
    bot: BotServices, event: IncomingMessage, person: Person, data: dict[str, object]
) -> None:
    """The seed's flow: the password arrives as a message, which we try to delete at once."""
    if event.text.strip().lower() in CANCEL_WORDS:
        await bot.clear(event.user_id)
        await bot.say(event.user_id, onboarding.connect_cancelled(person.locale))
        return
    deleted = False
    try:
        deleted = await bot.ctx.chat.delete_post(event.post_id)
    except Exception as exc:
        # Usually a permission: a bot needs delete_others_posts for this.
        log.info("could not delete the password post of %s: %s", event.user_id, type(exc).__name__)
    await bot.say(
        event.user_id,
        onboarding.password_message_deleted(person.locale)
        if deleted
        else onboarding.password_message_not_deleted(person.locale),
    )
    result = await bot.accounts.connect(
        event.user_id,
        email=str(data.get("email", "")),
        password=event.text,
        server_url=str(data.get("server") or bot.ctx.caldav_base_url),
        settings=bot.settings_for(person),
    )
    if not result.ok:
        await bot.clear(event.user_id)
        await bot.say(event.user_id, onboarding.connect_failed(result.error, person.locale))
        return
    await _connected(bot, event.user_id, person, result.calendars, result.user)


async def submit_form(bot: BotServices, event: DialogSubmission, person: Person) -> DialogResult:
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
        server_url = bot.ctx.caldav_base_url
    result = await bot.accounts.connect(
        event.user_id,
        email=email,
        password=password,
        server_url=server_url,
        settings=bot.settings_for(person),
        typed_url=server == onboarding.SERVER_OTHER,
    )
    if not result.ok:
        return DialogResult(errors=onboarding.connect_field_errors(result.error, person.locale))
    await _connected(bot, event.user_id, person, result.calendars, result.user)
    return DialogResult()


async def _connected(
    bot: BotServices,
    user_id: str,
    person: Person,
    calendars: Sequence[CalendarRef],
    user: StoredUser | None,
) -> None:
    message = onboarding.connected(list(calendars), person.locale, user.email if user else "")
    if user is None:
        await bot.say(user_id, message)
        return
    # The silent baseline first, then "connected" (in the background: the dialog does not
    # wait for it). The snapshot is then the calendar as it was before the person could
    # know they are connected, so a meeting put in after that post is always news; posting
    # first let one put in right after the post fall into the silent baseline (issue 20).
    bot.in_background(_baseline_then_say(bot, user_id, message))


async def _baseline_then_say(bot: BotServices, user_id: str, message: OutMessage) -> None:
    user = await bot.user(user_id)
    if user is not None:
        try:
            await bot.sync.sync_user(user)
        except Exception:
            log.exception("first sync of %s failed", user_id)
    try:
        await bot.say(user_id, message)
    except Exception:
        log.exception("the connected message to %s failed", user_id)
