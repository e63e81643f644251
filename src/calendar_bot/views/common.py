"""The main menu, help, and the short answers for odd situations."""

from __future__ import annotations

from calendar_bot.i18n import t
from calendar_bot.views import actions
from calendar_bot.views.message import Block, Button, ButtonStyle, OutMessage

_MENU_BUTTONS: tuple[tuple[str, str, ButtonStyle], ...] = (
    ("menu.today", actions.MENU_TODAY, "primary"),
    ("menu.now", actions.MENU_NOW, "default"),
    ("menu.tomorrow", actions.MENU_TOMORROW, "default"),
    ("menu.week", actions.MENU_WEEK, "default"),
    ("menu.create", actions.MENU_CREATE, "success"),
    ("menu.settings", actions.SETTINGS, "default"),
    ("menu.logout", actions.LOGOUT, "danger"),
)


def main_menu_block(locale: str) -> Block:
    return Block(
        buttons=tuple(
            Button(t(locale, key), action, style=style) for key, action, style in _MENU_BUTTONS
        )
    )


def main_menu(locale: str) -> OutMessage:
    return OutMessage(t(locale, "menu.prompt"), (main_menu_block(locale),))


def help_view(locale: str, *, connected: bool = True) -> OutMessage:
    """The text commands and the slash command; the menu too when a calendar is connected."""
    blocks = (main_menu_block(locale),) if connected else ()
    return OutMessage(t(locale, "help.text"), blocks)


def unknown_input(locale: str) -> OutMessage:
    return OutMessage(t(locale, "unknown.text"), (main_menu_block(locale),))


def dm_only(locale: str, bot_username: str) -> OutMessage:
    """The answer to a mention in a channel: talk to me in a direct message."""
    return OutMessage(t(locale, "dm_only.text", bot=bot_username.lstrip("@")))


def button_expired(locale: str) -> OutMessage:
    return OutMessage(t(locale, "stale.text"))


def generic_error(locale: str) -> OutMessage:
    """Something failed; the details are in the log, never in chat."""
    return OutMessage(t(locale, "error.generic"))


def sent_to_dm(locale: str) -> OutMessage:
    """The slash command's own (ephemeral) answer: the real one is in the DM."""
    return OutMessage(t(locale, "command.sent_to_dm"))


def not_connected(locale: str) -> OutMessage:
    """A command that needs a calendar, from a user who has none connected."""
    return OutMessage(
        t(locale, "not_connected.text"),
        (
            Block(
                buttons=(Button(t(locale, "greeting.connect"), actions.CONNECT, style="primary"),)
            ),
        ),
    )
