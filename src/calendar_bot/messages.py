"""Transport-neutral messages and dialogs: what the views make and the Chat port sends.

A message is text plus buttons and menus; the Mattermost adapter renders it as a post with
attachments and signs every action. A dialog is a form; the adapter renders it as an
interactive dialog, enforces the platform's length limits and signs `payload` into the
dialog state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ElementType = Literal["text", "textarea", "select", "bool", "radio"]
TextSubtype = Literal["", "text", "email", "number", "tel", "url", "password"]
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


def message_to_dict(message: OutMessage) -> dict[str, object]:
    """A JSON-able form, for messages queued in the outbox."""
    return {
        "text": message.text,
        "blocks": [
            {
                "text": b.text,
                "title": b.title,
                "color": b.color,
                "buttons": [
                    {
                        "label": x.label,
                        "action": x.action,
                        "payload": x.payload,
                        "style": x.style,
                        "url": x.url,
                    }
                    for x in b.buttons
                ],
                "menus": [
                    {
                        "placeholder": m.placeholder,
                        "action": m.action,
                        "options": [[o.text, o.value] for o in m.options],
                        "payload": m.payload,
                    }
                    for m in b.menus
                ],
            }
            for b in message.blocks
        ],
    }


def message_from_dict(data: dict[str, Any]) -> OutMessage:
    blocks = []
    for b in data.get("blocks") or []:
        blocks.append(
            Block(
                text=str(b.get("text", "")),
                title=str(b.get("title", "")),
                color=str(b.get("color", "")),
                buttons=tuple(
                    Button(
                        label=x["label"],
                        action=x["action"],
                        payload=dict(x.get("payload") or {}),
                        style=x.get("style", "default"),
                        url=x.get("url", ""),
                    )
                    for x in b.get("buttons", []) or []
                ),
                menus=tuple(
                    Menu(
                        placeholder=m["placeholder"],
                        action=m["action"],
                        options=tuple(MenuOption(t, v) for t, v in m.get("options", [])),
                        payload=dict(m.get("payload") or {}),
                    )
                    for m in b.get("menus", []) or []
                ),
            )
        )
    return OutMessage(text=str(data.get("text", "")), blocks=tuple(blocks))


@dataclass(frozen=True, slots=True)
class DialogElement:
    name: str
    label: str
    type: ElementType
    subtype: TextSubtype = ""
    default: str = ""
    optional: bool = False
    help_text: str = ""
    placeholder: str = ""
    options: tuple[MenuOption, ...] = ()
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class Dialog:
    title: str
    action: str  # the dispatcher's action name the submission goes to
    elements: tuple[DialogElement, ...]
    submit_label: str
    payload: dict[str, str] = field(default_factory=dict)
    introduction_text: str = ""
