"""Transport-neutral messages: text plus buttons and menus. The Mattermost adapter renders
them as posts with attachments and signs every action."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ButtonStyle = Literal["default", "primary", "success", "good", "warning", "danger"]


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str  # the dispatcher's action name, e.g. "menu.today"
    payload: dict[str, str] = field(default_factory=dict)
    style: ButtonStyle = "default"
    url: str = ""  # a link button (Join): opens the URL instead of calling back


@dataclass(frozen=True, slots=True)
class MenuOption:
    text: str
    value: str


@dataclass(frozen=True, slots=True)
class Menu:
    placeholder: str
    action: str
    options: tuple[MenuOption, ...]
    payload: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Block:
    """One attachment: optional text, then a row of buttons and menus."""

    text: str = ""
    title: str = ""
    color: str = ""
    buttons: tuple[Button, ...] = ()
    menus: tuple[Menu, ...] = ()


@dataclass(frozen=True, slots=True)
class OutMessage:
    text: str
    blocks: tuple[Block, ...] = ()

    def without_actions(self) -> OutMessage:
        """The same message with its buttons and menus removed (a finished wizard step)."""
        return OutMessage(
            self.text,
            tuple(Block(b.text, b.title, b.color) for b in self.blocks if b.text or b.title),
        )
