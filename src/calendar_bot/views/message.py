"""Re-exported from calendar_bot.messages, their neutral home (ports and inbound import no view)."""

from calendar_bot.messages import (
    Block,
    Button,
    ButtonStyle,
    Menu,
    MenuOption,
    OutMessage,
    message_from_dict,
    message_to_dict,
)

__all__ = [
    "Block",
    "Button",
    "ButtonStyle",
    "Menu",
    "MenuOption",
    "OutMessage",
    "message_from_dict",
    "message_to_dict",
]
