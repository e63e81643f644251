"""Transport-neutral dialogs (forms). The Mattermost adapter renders them as interactive
dialogs, enforces the platform's length limits and signs `payload` into the dialog state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from calendar_bot.views.message import MenuOption

ElementType = Literal["text", "textarea", "select", "bool", "radio"]
TextSubtype = Literal["", "text", "email", "number", "tel", "url", "password"]


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
