"""Transport-neutral views rendered as Mattermost posts and dialogs, with every action signed
for the user who will see it."""

from __future__ import annotations

import secrets
from typing import Any

from calendar_bot.mattermost.replay import DIALOG_NONCE
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.views.dialog import Dialog, DialogElement
from calendar_bot.views.message import Block, OutMessage
from calendar_bot.views.split import first_part

DIALOG_TITLE_LIMIT = 24
DIALOG_LABEL_LIMIT = 24
DIALOG_HELP_LIMIT = 150
DIALOG_NAME_LIMIT = 300
TEXT_MAX_LENGTH = 150
TEXTAREA_MAX_LENGTH = 3000


def _clip(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes: the server checks dialog limits with Go's `len` (model
    `OpenDialogRequest.IsValid`), so 24 means 12 Cyrillic letters."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - len("…".encode())].decode("utf-8", errors="ignore") + "…"


def _markdown_link(label: str, url: str) -> str:
    # Brackets in the label and spaces or parentheses in the URL would end the link early.
    text = label.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    target = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{text}]({target})"


class Renderer:
    """Renders OutMessage and Dialog for one Mattermost installation.

    `actions_base_url` is MM_ACTIONS_URL: buttons call `<base>/actions`, dialogs submit to
    `<base>/dialogs`.
    """

    def __init__(self, signer: ContextSigner, actions_base_url: str) -> None:
        self.signer = signer
        base = actions_base_url.rstrip("/")
        self.actions_url = f"{base}/actions"
        self.dialogs_url = f"{base}/dialogs"

    def attachments(self, message: OutMessage, user_id: str) -> list[dict[str, Any]]:
        return [self._attachment(i, block, user_id) for i, block in enumerate(message.blocks)]

    def post(self, message: OutMessage, user_id: str) -> tuple[str, dict[str, Any]]:
        """(message text, props) for a post shown to `user_id`."""
        attachments = self.attachments(message, user_id)
        props: dict[str, Any] = {"attachments": attachments} if attachments else {}
        return message.text, props

    def edited_post(self, message: OutMessage, user_id: str) -> tuple[str, dict[str, Any]]:
        """(message text, props) that replace a post's: an edit cannot add posts, so text
        past the post limit is cut where `split_message` would end the first part."""
        text, props = self.post(message, user_id)
        return first_part(text), props

    def _attachment(self, index: int, block: Block, user_id: str) -> dict[str, Any]:
        text = block.text
        # Mattermost buttons always call back and cannot open a URL, so a link button
        # becomes a Markdown link in the attachment's text: one click, as with a button.
        links = [_markdown_link(b.label, b.url) for b in block.buttons if b.url]
        if links:
            text = "\n\n".join(p for p in (text, " · ".join(links)) if p)
        attachment: dict[str, Any] = {"fallback": block.title or block.text or " "}
        if block.title:
            attachment["title"] = block.title
        if text:
            attachment["text"] = text
        if block.color:
            attachment["color"] = block.color
        actions: list[dict[str, Any]] = []
        for j, button in enumerate(b for b in block.buttons if not b.url):
            actions.append(
                {
                    # Alphanumeric and unique within the post: the click route only
                    # matches [A-Za-z0-9]+ on older servers.
                    "id": f"b{index}x{j}",
                    "type": "button",
                    "name": button.label,
                    "style": button.style,
                    "integration": {
                        "url": self.actions_url,
                        "context": self.signer.sign(button.action, user_id, button.payload),
                    },
                }
            )
        for j, menu in enumerate(block.menus):
            actions.append(
                {
                    "id": f"m{index}x{j}",
                    "type": "select",
                    "name": menu.placeholder,
                    "options": [{"text": o.text, "value": o.value} for o in menu.options],
                    "integration": {
                        "url": self.actions_url,
                        "context": self.signer.sign(menu.action, user_id, menu.payload),
                    },
                }
            )
        if actions:
            attachment["actions"] = actions
        return attachment

    def dialog(self, dialog: Dialog, user_id: str) -> dict[str, Any]:
        """The `dialog` object of POST /actions/dialogs/open, within Mattermost's limits."""
        rendered: dict[str, Any] = {
            "callback_id": dialog.action,
            "title": _clip(dialog.title, DIALOG_TITLE_LIMIT),
            "elements": [_element(e) for e in dialog.elements],
            "submit_label": dialog.submit_label,
            "notify_on_cancel": True,
            # A one-time nonce: a replayed submission of a completed dialog is refused.
            "state": self.signer.sign_state(
                dialog.action, user_id, {**dialog.payload, DIALOG_NONCE: secrets.token_hex(8)}
            ),
        }
        if dialog.introduction_text:
            rendered["introduction_text"] = dialog.introduction_text
        return rendered


def _element(element: DialogElement) -> dict[str, Any]:
    out: dict[str, Any] = {
        "display_name": _clip(element.label, DIALOG_LABEL_LIMIT),
        "name": element.name[:DIALOG_NAME_LIMIT],
        "type": element.type,
        "optional": element.optional,
    }
    if element.type in ("text", "textarea"):
        ceiling = TEXT_MAX_LENGTH if element.type == "text" else TEXTAREA_MAX_LENGTH
        out["max_length"] = min(element.max_length or ceiling, ceiling)
        if element.subtype:
            out["subtype"] = element.subtype
    if element.type == "bool":
        out["default"] = "true" if element.default.lower() in ("true", "1", "yes") else "false"
    elif element.default:
        out["default"] = element.default
    if element.help_text:
        out["help_text"] = _clip(element.help_text, DIALOG_HELP_LIMIT)
    if element.placeholder:
        out["placeholder"] = element.placeholder
    if element.type in ("select", "radio"):
        out["options"] = [{"text": o.text, "value": o.value} for o in element.options]
    return out
