from __future__ import annotations

import re

from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.replay import DIALOG_NONCE
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.views.dialog import Dialog, DialogElement
from calendar_bot.views.message import Block, Button, Menu, MenuOption, OutMessage
from calendar_bot.views.split import POST_LIMIT, split_message

USER = "u" * 26


def renderer() -> Renderer:
    return Renderer(ContextSigner("k"), "https://bot.example/mm/")


def test_buttons_menus_and_links_render_as_attachments() -> None:
    r = renderer()
    message = OutMessage(
        "Today",
        (
            Block(
                text="Standup",
                title="10:00",
                buttons=(
                    Button("Open", "event.open", {"id": "1"}, style="primary"),
                    Button("Join", "join", url="https://meet.example/x"),
                ),
                menus=(Menu("Pick", "event.pick", (MenuOption("A", "a"),)),),
            ),
        ),
    )
    text, props = r.post(message, USER)
    assert text == "Today"
    [attachment] = props["attachments"]
    assert "[Join](https://meet.example/x)" in attachment["text"]
    button, menu = attachment["actions"]
    assert all(re.fullmatch(r"[A-Za-z0-9]+", a["id"]) for a in (button, menu))
    assert button["integration"]["url"] == "https://bot.example/mm/actions"
    assert r.signer.verify(button["integration"]["context"], USER).payload == {"id": "1"}
    assert menu["type"] == "select" and menu["options"] == [{"text": "A", "value": "a"}]
    assert r.signer.verify(menu["integration"]["context"], USER).action == "event.pick"


def test_link_labels_and_urls_are_escaped() -> None:
    block = Block(buttons=(Button("Join [Zoom]", "join", url="https://x.example/a b(1)"),))
    _, props = renderer().post(OutMessage("", (block,)), USER)
    [attachment] = props["attachments"]
    assert attachment["text"] == r"[Join \[Zoom\]](https://x.example/a%20b%281%29)"
    assert "actions" not in attachment


def test_message_without_blocks_has_empty_props() -> None:
    assert renderer().post(OutMessage("hi"), USER) == ("hi", {})


def test_dialog_respects_mattermost_limits() -> None:
    r = renderer()
    dialog = Dialog(
        title="A title that is far longer than allowed",
        action="connect.submit",
        elements=(
            DialogElement("email", "E-mail address of the calendar account", "text", "email"),
            DialogElement("password", "App password", "text", "password", help_text="h" * 300),
            DialogElement("notes", "Notes", "textarea", max_length=10000),
            DialogElement("remind", "Remind", "bool", default="true"),
            DialogElement("srv", "Server", "select", options=(MenuOption("Mail.ru", "mailru"),)),
        ),
        submit_label="Connect",
        payload={"k": "v"},
    )
    out = r.dialog(dialog, USER)
    assert len(out["title"]) <= 24 and out["callback_id"] == "connect.submit"
    assert all(len(e["display_name"]) <= 24 for e in out["elements"])
    email, password, notes, remind, srv = out["elements"]
    assert email["subtype"] == "email" and email["max_length"] == 150
    assert len(password["help_text"]) <= 150
    assert notes["max_length"] == 3000
    assert remind["default"] == "true"
    assert srv["options"] == [{"text": "Mail.ru", "value": "mailru"}]
    state = r.signer.verify_state(out["state"], USER).payload
    assert state.pop(DIALOG_NONCE)  # a one-time nonce against replays
    assert state == {"k": "v"}
    assert r.dialogs_url == "https://bot.example/mm/dialogs"


def test_an_edited_post_keeps_to_one_post() -> None:
    r = renderer()
    long = "\n".join(f"line {i:05}" for i in range(3000))
    text, props = r.edited_post(OutMessage(long, (Block(buttons=(Button("OK", "a"),)),)), USER)
    assert text == split_message(long)[0] and len(text) <= POST_LIMIT < len(long)
    assert props["attachments"][0]["actions"][0]["name"] == "OK"
    assert r.edited_post(OutMessage("short"), USER) == ("short", {})
