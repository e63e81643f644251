"""Connecting a calendar: the greeting, the connect dialog and its errors, the typed-password
fallback, the result, and the "your password stopped working" message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from calendar_bot.domain.model import CalendarRef
from calendar_bot.i18n import t
from calendar_bot.views import actions
from calendar_bot.views.common import main_menu_block
from calendar_bot.views.dialog import Dialog, DialogElement
from calendar_bot.views.formatting import md_inline
from calendar_bot.views.message import Block, Button, MenuOption, OutMessage

APP_PASSWORD_URL: Final = "https://account.mail.ru/user/2-step-auth/passwords/"  # noqa: S105 (a link)

# Dialog field names (the submission's keys) and the server choices.
FIELD_EMAIL: Final = "email"
FIELD_PASSWORD: Final = "password"  # noqa: S105 (a field name)
FIELD_SERVER: Final = "server"
FIELD_URL: Final = "url"
SERVER_MAILRU: Final = "mailru"
SERVER_OTHER: Final = "other"

TEXT_MAX_LENGTH: Final = 150  # Mattermost's cap for a dialog text element
HELP_MAX_LENGTH: Final = 150  # Mattermost's cap for an element's help text

# Connect error codes -> the dialog field the message belongs under.
CONNECT_ERROR_FIELDS: Final[Mapping[str, str]] = {
    "auth": FIELD_PASSWORD,
    "unreachable": FIELD_URL,
    "not_caldav": FIELD_URL,
    "email": FIELD_EMAIL,
    "url": FIELD_URL,
    "url_required": FIELD_URL,
    "password_required": FIELD_PASSWORD,
    "other_server": FIELD_URL,
    "url_credentials": FIELD_URL,
}


def _fit(text: str, limit: int) -> str:
    """A configured URL can be long; Mattermost refuses a dialog with an over-long help text."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def greeting(locale: str, name: str = "") -> OutMessage:
    """The first answer to someone without a connected calendar."""
    hello = (
        t(locale, "greeting.hello_named", name=md_inline(name, 60))
        if name.strip()
        else t(locale, "greeting.hello")
    )
    text = f"{hello}\n\n{t(locale, 'greeting.text', app_password_url=APP_PASSWORD_URL)}"
    buttons = (Button(t(locale, "greeting.connect"), actions.CONNECT, style="primary"),)
    return OutMessage(text, (Block(buttons=buttons),))


def dialog_unavailable(locale: str, may_delete: bool) -> OutMessage:
    """The form did not open: the password may be sent as a message, with the truth about
    whether that message can be taken out of the chat's history."""
    text = "\n\n".join(
        (
            t(locale, "connect.no_dialog"),
            t(locale, "connect.typed.deleted" if may_delete else "connect.typed.stays"),
        )
    )
    buttons = (
        Button(t(locale, "greeting.by_message"), actions.CONNECT_BY_MESSAGE),
        Button(t(locale, "connect.form_again"), actions.CONNECT, style="primary"),
    )
    return OutMessage(text, (Block(buttons=buttons),))


def connect_dialog(
    locale: str,
    email: str,
    mailru_url: str,
    *,
    server: str = SERVER_MAILRU,
    custom_url: str = "",
    connected: bool = False,
) -> Dialog:
    """The connect form: e-mail (prefilled), app password, server (Mail.ru or other + URL).

    `mailru_url` is the configured default CalDAV base URL; the Mail.ru choice means it.
    `server` / `custom_url` prefill the form again after a failed attempt. `connected`: the
    person has a calendar connected already (an old button): the form says so, and sending
    it replaces the login (a new app password, another server).
    """
    server_options = (
        MenuOption(t(locale, "connect.server.mailru"), SERVER_MAILRU),
        MenuOption(t(locale, "connect.server.other"), SERVER_OTHER),
    )
    elements = (
        DialogElement(
            name=FIELD_EMAIL,
            label=t(locale, "connect.field.email"),
            type="text",
            subtype="email",
            default=email,
            help_text=t(locale, "connect.field.email_help"),
            placeholder="name@mail.ru",
            max_length=TEXT_MAX_LENGTH,
        ),
        DialogElement(
            name=FIELD_PASSWORD,
            label=t(locale, "connect.field.password"),
            type="text",
            subtype="password",
            help_text=t(locale, "connect.field.password_help"),
            max_length=TEXT_MAX_LENGTH,
        ),
        DialogElement(
            name=FIELD_SERVER,
            label=t(locale, "connect.field.server"),
            type="select",
            default=server if server in (SERVER_MAILRU, SERVER_OTHER) else SERVER_MAILRU,
            help_text=_fit(t(locale, "connect.field.server_help", url=mailru_url), HELP_MAX_LENGTH),
            options=server_options,
        ),
        DialogElement(
            name=FIELD_URL,
            label=t(locale, "connect.field.url"),
            type="text",
            subtype="url",
            default=custom_url,
            optional=True,
            help_text=t(locale, "connect.field.url_help"),
            placeholder="https://caldav.example.com",
            max_length=TEXT_MAX_LENGTH,
        ),
    )
    return Dialog(
        title=t(locale, "connect.dialog.title"),
        action=actions.CONNECT_SUBMIT,
        elements=elements,
        submit_label=t(locale, "connect.dialog.submit"),
        introduction_text=(
            t(locale, "connect.dialog.intro_connected", email=email)
            if connected
            else t(locale, "connect.dialog.intro", app_password_url=APP_PASSWORD_URL)
        ),
    )


def connect_error_text(code: str, locale: str) -> str:
    """One sentence for a failed connect: `auth`, `unreachable`, `not_caldav`, `email`, `url`,
    `url_required`, `password_required`, `other_server` (any failure with a typed URL),
    `url_credentials`; anything else is the generic error."""
    if code in CONNECT_ERROR_FIELDS:
        return t(locale, f"connect.error.{code}")
    return t(locale, "error.generic")


def connect_field_errors(code: str, locale: str) -> dict[str, str]:
    """The dialog's per-field errors (`{"errors": ...}` in the reply) for an error code."""
    field = CONNECT_ERROR_FIELDS.get(code, FIELD_PASSWORD)
    return {field: connect_error_text(code, locale)}


def connect_failed(code: str, locale: str) -> OutMessage:
    """A failed connect in chat (the typed-password flow), with a way to try again."""
    text = t(locale, "connect.failed", reason=connect_error_text(code, locale))
    buttons = (Button(t(locale, "connect.retry"), actions.CONNECT, style="primary"),)
    return OutMessage(text, (Block(buttons=buttons),))


def typed_email_prompt(locale: str) -> OutMessage:
    """The fallback flow's first step when the profile has no e-mail."""
    return OutMessage(t(locale, "connect.typed.email_prompt"), (_cancel_block(locale),))


def typed_password_prompt(
    locale: str, email: str, server_url: str, *, may_delete: bool
) -> OutMessage:
    """The fallback flow (as in the original bot): send the app password as a message."""
    text = t(
        locale,
        "connect.typed.password_prompt",
        email=email,
        server=server_url,
        app_password_url=APP_PASSWORD_URL,
    )
    fate = t(locale, "connect.typed.deleted" if may_delete else "connect.typed.stays")
    return OutMessage(f"{text}\n{fate}", (_cancel_block(locale),))


def _cancel_block(locale: str) -> Block:
    return Block(buttons=(Button(t(locale, "common.cancel"), actions.CONNECT_CANCEL),))


def connect_checking(locale: str) -> OutMessage:
    return OutMessage(t(locale, "connect.checking"))


def password_message_deleted(locale: str) -> OutMessage:
    return OutMessage(t(locale, "connect.password_deleted"))


def password_message_not_deleted(locale: str) -> OutMessage:
    return OutMessage(t(locale, "connect.password_not_deleted"))


def already_connected(locale: str) -> OutMessage:
    return OutMessage(t(locale, "connect.already_connected"))


def connect_cancelled(locale: str) -> OutMessage:
    buttons = (Button(t(locale, "greeting.connect"), actions.CONNECT, style="primary"),)
    return OutMessage(t(locale, "connect.cancelled"), (Block(buttons=buttons),))


def connected(calendars: Sequence[CalendarRef], locale: str, email: str = "") -> OutMessage:
    """Success: which calendars were found, and the main menu."""
    lines = [
        t(locale, "connected.title_email", email=email) if email else t(locale, "connected.title")
    ]
    if calendars:
        lines.append("")
        lines.append(t(locale, "connected.calendars", count=len(calendars)))
        for calendar in calendars:
            name = md_inline(calendar.name, 100) or t(locale, "connected.unnamed")
            marker = "" if calendar.writable else f" {t(locale, 'connected.read_only')}"
            lines.append(f"• {name}{marker}")
    else:
        lines.append(t(locale, "connected.none"))
    lines.append("")
    lines.append(t(locale, "connected.hint"))
    return OutMessage("\n".join(lines), (main_menu_block(locale),))


def credentials_rejected(locale: str, email: str = "") -> OutMessage:
    """The stored password stopped working (revoked, changed): ask to reconnect."""
    text = t(locale, "reconnect.text", email=email) if email else t(locale, "reconnect.text_plain")
    text += f"\n\n{t(locale, 'reconnect.hint', app_password_url=APP_PASSWORD_URL)}"
    buttons = (Button(t(locale, "reconnect.button"), actions.RECONNECT, style="primary"),)
    return OutMessage(text, (Block(buttons=buttons),))
