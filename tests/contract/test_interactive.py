"""Buttons, menus, dialogs and slash commands: what Mattermost sends the integration and how
it applies the answer. The integration is a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.contract.conftest import World
from tests.contract.harness import Integration, assert_same_shape, fixture

# The emulator's clock for expiry tests: a list so the test can move it.
NOW = [1_800_000_000.0]


def _button_post(url: str) -> dict[str, Any]:
    return {
        "attachments": [
            {
                "text": "Standup at 10:00",
                "actions": [
                    {
                        "id": "accept",
                        "type": "button",
                        "name": "Accept",
                        "integration": {"url": url, "context": {"action": "accept", "sig": "s1"}},
                    },
                    {
                        "id": "pick",
                        "type": "select",
                        "name": "Remind me",
                        "options": [{"text": "5 min", "value": "5"}, {"text": "15", "value": "15"}],
                        "integration": {"url": url, "context": {"action": "remind"}},
                    },
                    {
                        "id": "who",
                        "type": "select",
                        "data_source": "users",
                        "name": "Invite",
                        "integration": {"url": url, "context": {"action": "invite"}},
                    },
                ],
            }
        ],
        "override_username": "Calendar",
        "from_webhook": "true",
    }


async def _post_with_actions(world: World, integration: Integration) -> str:
    created = await world.bot.post(
        "/posts",
        {
            "channel_id": world.dm_id,
            "message": "card",
            "props": _button_post(integration.url + "/a"),
        },
    )
    assert created.status == 201
    return str(created.body["id"])


async def test_button_click_round_trip(world: World, integration: Integration) -> None:
    post_id = await _post_with_actions(world, integration)
    socket = await world.bot.websocket()
    await socket.event("hello")
    integration.answer_json(
        "/a",
        {"update": {"message": "Accepted", "props": None}, "ephemeral_text": "Saved"},
    )
    alice_ws = await world.alice.websocket()
    await alice_ws.event("hello")

    clicked = await world.alice.post(f"/posts/{post_id}/actions/accept", {})
    assert clicked.status == 200
    assert clicked.body["status"] == "OK"
    assert len(clicked.body["trigger_id"]) == 26  # the short client ID

    (request,) = integration.received
    assert request.headers["Content-Type"] == "application/json"
    assert "Authorization" not in request.headers  # Mattermost signs nothing
    # A button's request has a menu's shape: `data_source` is always there (no omitempty).
    assert_same_shape(request.json, fixture("action_request.json"))
    assert request.json is not None
    payload = request.json
    assert payload["data_source"] == ""
    assert payload["context"] == {"action": "accept", "sig": "s1"}
    assert payload["user_id"] == world.alice_id
    assert payload["user_name"] == "alice"
    assert payload["post_id"] == post_id
    assert payload["type"] == "button"
    assert (payload["team_id"], payload["team_domain"]) == ("", "")
    assert payload["trigger_id"] != clicked.body["trigger_id"]

    # `update` with props null: message replaced, props (and integrations) kept.
    edited = await socket.event("post_edited")
    post = json.loads(edited["data"]["post"])
    assert post["message"] == "Accepted"
    assert [a["id"] for a in post["props"]["attachments"][0]["actions"]] == [
        "accept",
        "pick",
        "who",
    ]
    assert "integration" not in edited["data"]["post"]
    assert world.emulator.post(post_id)["props"]["attachments"][0]["actions"][0]["integration"]

    ephemeral = await alice_ws.event("ephemeral_message")
    assert_same_shape(ephemeral, fixture("ws_ephemeral_message.json"))
    shown = json.loads(ephemeral["data"]["post"])
    assert shown["message"] == "Saved"
    assert shown["type"] == "system_ephemeral"
    # `DoPostActionWithCookie`: as the clicking user, with only the clicked post's retained
    # props (no `from_bot`, no attachments).
    assert shown["user_id"] == world.alice_id
    assert shown["props"] == {"override_username": "Calendar", "from_webhook": "true"}
    assert shown["root_id"] == post_id
    assert ephemeral["broadcast"]["user_id"] == world.alice_id
    assert [p["message"] for p in world.emulator.ephemerals(world.alice_id)] == ["Saved"]
    assert world.emulator.ephemerals(world.bot_id) == []
    # The ephemeral message went to Alice only.
    assert all(f.get("event") != "ephemeral_message" for f in await socket.quiet(0.2))
    await socket.close()
    await alice_ws.close()


async def test_update_with_empty_props_clears_all_but_retained(
    world: World, integration: Integration
) -> None:
    post_id = await _post_with_actions(world, integration)
    integration.answer_json("/a", {"update": {"message": "Done", "props": {}}})
    assert (await world.alice.post(f"/posts/{post_id}/actions/accept", {})).status == 200
    stored = world.emulator.post(post_id)
    assert stored["message"] == "Done"
    assert stored["props"] == {"override_username": "Calendar", "from_webhook": "true"}


async def test_select_menus_put_the_choice_in_context(
    world: World, integration: Integration
) -> None:
    post_id = await _post_with_actions(world, integration)
    reply = await world.alice.post(f"/posts/{post_id}/actions/pick", {"selected_option": "15"})
    assert reply.status == 200
    users = await world.alice.post(
        f"/posts/{post_id}/actions/who", {"selected_option": world.bot_id}
    )
    assert users.status == 200
    first, second = (r.json for r in integration.received)
    assert first is not None and second is not None
    assert_same_shape(first, fixture("action_request.json"))
    assert first["type"] == "select"
    assert first["data_source"] == ""
    assert first["context"] == {"action": "remind", "selected_option": "15"}
    assert "selected_option" not in first
    assert second["data_source"] == "users"
    assert second["context"]["selected_option"] == world.bot_id
    # An empty 200 answer changes nothing.
    assert world.emulator.post(post_id)["message"] == "card"


async def test_integration_failures_map_like_the_server(
    world: World, integration: Integration
) -> None:
    post_id = await _post_with_actions(world, integration)
    for upstream, expected in ((404, 400), (500, 502), (503, 503), (429, 429)):
        integration.answer_json("/a", {"error": "no"}, status=upstream)
        reply = await world.alice.post(f"/posts/{post_id}/actions/accept", {})
        assert reply.status == expected, upstream
        assert reply.body["id"] == "api.post.do_action.action_integration.app_error"
    assert (await world.alice.post(f"/posts/{post_id}/actions/nosuch", {})).status == 404
    assert world.emulator.post(post_id)["message"] == "card"


async def test_unreachable_integration_is_a_400(world: World) -> None:
    created = await world.bot.post(
        "/posts",
        {"channel_id": world.dm_id, "message": "x", "props": _button_post("http://127.0.0.1:9/a")},
    )
    reply = await world.alice.post(f"/posts/{created.body['id']}/actions/accept", {})
    assert reply.status == 400


DIALOG: dict[str, Any] = {
    "callback_id": "connect",
    "title": "Connect calendar",
    "introduction_text": "Your CalDAV login",
    "elements": [
        {"display_name": "Email", "name": "email", "type": "text", "subtype": "email"},
        {"display_name": "Password", "name": "pw", "type": "text", "subtype": "password"},
        {
            "display_name": "Server",
            "name": "server",
            "type": "select",
            "options": [{"text": "Mail.ru", "value": "mailru"}],
            "default": "mailru",
        },
        {"display_name": "Remind", "name": "remind", "type": "bool", "default": "true"},
    ],
    "submit_label": "Connect",
    "notify_on_cancel": True,
    "state": "opaque-state",
}


async def _trigger_from_click(world: World, integration: Integration) -> str:
    """A click hands the integration a trigger ID, as it would a real bot."""
    post_id = await _post_with_actions(world, integration)
    await world.alice.post(f"/posts/{post_id}/actions/accept", {})
    payload = integration.received[-1].json
    assert payload is not None
    return str(payload["trigger_id"])


async def test_dialog_open_and_submit_with_errors(world: World, integration: Integration) -> None:
    trigger_id = await _trigger_from_click(world, integration)
    alice_ws = await world.alice.websocket()
    await alice_ws.event("hello")
    url = integration.url + "/dialog"
    opened = await world.bot.post(
        "/actions/dialogs/open", {"trigger_id": trigger_id, "url": url, "dialog": DIALOG}
    )
    assert opened.status == 200
    assert opened.body == {"status": "OK"}
    event = await alice_ws.event("open_dialog")
    request = json.loads(event["data"]["dialog"])
    assert request["dialog"] == DIALOG
    assert request["url"] == url
    assert len(request["trigger_id"]) == 26  # the client ID replaces the signed one
    assert event["broadcast"]["user_id"] == world.alice_id
    assert world.emulator.dialogs(world.alice_id)[0]["dialog"]["callback_id"] == "connect"

    async def reject(_request: web.Request, payload: Any) -> web.StreamResponse:
        if payload["submission"].get("email", "").endswith("@mail.ru"):
            return web.Response(status=200)
        return web.json_response({"errors": {"email": "Not a Mail.ru address"}})

    integration.on("/dialog", reject)
    submission = {"email": "a@example.com", "pw": "x", "server": "mailru", "remind": True}
    body = {
        "url": url,
        "callback_id": "connect",
        "state": "opaque-state",
        "channel_id": world.dm_id,
        "submission": submission,
        "user_id": "forged",
    }
    refused = await world.alice.post("/actions/dialogs/submit", body)
    assert refused.status == 200
    assert refused.body == {"errors": {"email": "Not a Mail.ru address"}}
    sent = integration.received[-1].json
    assert_same_shape(sent, fixture("dialog_submission.json"))
    assert sent is not None
    assert sent["user_id"] == world.alice_id  # from the session, never from the body
    assert sent["team_id"] == ""
    assert sent["state"] == "opaque-state"
    accepted = await world.alice.post(
        "/actions/dialogs/submit", {**body, "submission": {**submission, "email": "a@mail.ru"}}
    )
    assert accepted.status == 200
    assert accepted.body == {}
    cancelled = await world.alice.post(
        "/actions/dialogs/submit", {**body, "submission": {}, "cancelled": True}
    )
    assert cancelled.status == 200
    last = integration.received[-1].json
    assert last is not None and last["cancelled"] is True
    await alice_ws.close()


async def test_dialog_trigger_checks(world: World, integration: Integration) -> None:
    url = integration.url + "/dialog"
    bad = await world.bot.post(
        "/actions/dialogs/open",
        {"trigger_id": "bm90IGEgdHJpZ2dlcg==", "url": url, "dialog": DIALOG},
    )
    assert bad.status == 400
    assert bad.body["id"].startswith("interactive_message.decode_trigger_id.")
    no_url = await world.bot.post("/actions/dialogs/open", {"trigger_id": "x", "dialog": DIALOG})
    assert no_url.status == 400


async def test_dialog_trigger_expires_after_30_seconds(
    make_emulator: Any, integration: Integration, http: Any
) -> None:
    clock = [1_800_000_000.0]
    emulator = await make_emulator(now=lambda: clock[0])
    bot_user, token = emulator.create_bot("calbot")
    alice = emulator.create_user("alice")
    from tests.contract.harness import Client

    bot = Client(http, emulator.base_url, token)
    alice_client = Client(http, emulator.base_url, emulator.login_token(alice["id"]))
    dm = (await bot.post("/channels/direct", [bot_user["id"], alice["id"]])).body["id"]
    world = World(emulator, bot_user["id"], bot, alice["id"], alice_client, dm)
    trigger_id = await _trigger_from_click(world, integration)
    url = integration.url + "/dialog"
    clock[0] += 29
    ok = await bot.post(
        "/actions/dialogs/open", {"trigger_id": trigger_id, "url": url, "dialog": DIALOG}
    )
    assert ok.status == 200
    clock[0] += 2
    late = await bot.post(
        "/actions/dialogs/open", {"trigger_id": trigger_id, "url": url, "dialog": DIALOG}
    )
    assert late.status == 400
    assert late.body["id"] == "interactive_message.decode_trigger_id.expired"
    from tests.support.emulator import assert_contract

    assert_contract(emulator)


async def test_invalid_dialog_opens_but_is_reported(world: World, integration: Integration) -> None:
    """The server only logs an invalid dialog (and the web app shows nothing); the emulator
    lists it in `problems`, which the contract check turns into a failure."""
    trigger_id = await _trigger_from_click(world, integration)
    dialog = {
        **DIALOG,
        "title": "Подключить календарь",  # 20 letters, 39 bytes: over the 24-byte limit
        "elements": [
            {"display_name": "Kind", "name": "k", "type": "select", "default": "zz", "options": []},
            {"display_name": "Bad", "name": "b", "type": "checkbox"},
            {"display_name": "Dup", "name": "b", "type": "text", "subtype": "color"},
        ],
    }
    opened = await world.bot.post(
        "/actions/dialogs/open",
        {"trigger_id": trigger_id, "url": integration.url + "/d", "dialog": dialog},
    )
    assert opened.status == 200
    problems = world.emulator.problems
    assert any("invalid dialog title" in p for p in problems)
    assert any("not in options" in p for p in problems)
    assert any("invalid element type" in p for p in problems)
    assert any("duplicate dialog element" in p for p in problems)
    assert any("invalid subtype" in p for p in problems)
    world.emulator.context.problems.clear()  # seen; let the contract check pass


async def test_slash_command_execute(world: World, integration: Integration) -> None:
    command = await world.bot.post(
        "/commands",
        {
            "team_id": world.emulator.team_id,
            "trigger": "cal",
            "url": integration.url + "/cmd",
            "method": "P",
            "auto_complete": True,
        },
    )
    assert command.status == 201
    token = command.body["token"]
    assert len(token) == 26
    bot_ws = await world.bot.websocket()
    await bot_ws.event("hello")
    integration.answer_json("/cmd", {"text": "Only you see this"})
    alice_ws = await world.alice.websocket()
    await alice_ws.event("hello")
    executed = await world.alice.post(
        "/commands/execute", {"channel_id": world.dm_id, "command": "/cal today  please"}
    )
    assert executed.status == 200
    assert executed.body["response_type"] == "ephemeral"
    assert executed.body["text"] == "Only you see this"
    received = integration.received[-1]
    expected = fixture("slash_command_request.json")
    assert received.headers["Content-Type"] == expected["headers"]["Content-Type"]
    assert received.headers["Authorization"] == f"Token {token}"
    assert set(received.form) == set(expected["fields"])
    form = {k: v[0] for k, v in received.form.items()}
    assert form["token"] == token
    assert form["command"] == "/cal"
    assert form["text"] == "today  please"
    assert form["user_id"] == world.alice_id
    assert form["channel_id"] == world.dm_id
    assert form["response_url"].startswith(world.emulator.base_url + "/hooks/commands/")
    ephemeral = await alice_ws.event("ephemeral_message")
    assert json.loads(ephemeral["data"]["post"])["message"] == "Only you see this"

    integration.answer_json("/cmd", {"response_type": "in_channel", "text": "Everyone sees this"})
    await world.alice.post("/commands/execute", {"channel_id": world.dm_id, "command": "/cal"})
    posted = await bot_ws.event("posted")
    assert json.loads(posted["data"]["post"])["message"] == "Everyone sees this"
    assert world.emulator.posts_in_channel(world.dm_id)[-1]["message"] == "Everyone sees this"

    async def plain(_request: web.Request, _payload: Any) -> web.StreamResponse:
        return web.Response(text="plain words")

    integration.on("/cmd", plain)
    as_text = await world.alice.post(
        "/commands/execute", {"channel_id": world.dm_id, "command": "/cal"}
    )
    assert as_text.body["text"] == "plain words"
    unknown = await world.alice.post(
        "/commands/execute", {"channel_id": world.dm_id, "command": "/nope"}
    )
    assert unknown.status == 404
    await bot_ws.close()
    await alice_ws.close()


async def test_action_ids_with_underscore_or_dash_cannot_be_clicked(
    world: World, integration: Integration
) -> None:
    """The server's route is `/actions/{action_id:[A-Za-z0-9]+}` (api4/integration_action.go
    `InitAction`): a button whose id has `_` or `-` 404s before any handler runs, so the
    integration never hears of the click."""
    props = _button_post(integration.url + "/a")
    actions = props["attachments"][0]["actions"]
    actions[0]["id"], actions[1]["id"] = "go_on", "go-on"
    created = await world.bot.post(
        "/posts", {"channel_id": world.dm_id, "message": "card", "props": props}
    )
    for action_id in ("go_on", "go-on"):
        reply = await world.alice.post(f"/posts/{created.body['id']}/actions/{action_id}", {})
        assert reply.status == 404, action_id
        assert reply.body["id"] == "api.context.404.app_error"
    assert integration.received == []


async def test_ephemeral_post_buttons_carry_cookies_and_update_in_place(
    world: World, integration: Integration
) -> None:
    """app/post.go `SendEphemeralPost` adds action cookies (the server never stores the post);
    a click sends the cookie back (`DoPostActionWithCookie`) and an `update` reaches the
    clicking user alone as `post_edited` (`UpdateEphemeralPost`). Without the cookie the post
    is unknown and the click is refused."""
    command = await world.bot.post(
        "/commands",
        {
            "team_id": world.emulator.team_id,
            "trigger": "cal",
            "url": integration.url + "/cmd",
            "method": "P",
        },
    )
    assert command.status == 201
    card = _button_post(integration.url + "/a")
    integration.answer_json("/cmd", {"text": "Pick one", "attachments": card["attachments"]})
    alice_ws = await world.alice.websocket()
    await alice_ws.event("hello")
    executed = await world.alice.post(
        "/commands/execute", {"channel_id": world.dm_id, "command": "/cal"}
    )
    assert executed.status == 200
    shown = json.loads((await alice_ws.event("ephemeral_message"))["data"]["post"])
    accept = shown["props"]["attachments"][0]["actions"][0]
    assert accept["id"] == "accept"
    assert "integration" not in accept
    assert isinstance(accept["cookie"], str) and accept["cookie"]

    without = await world.alice.post(f"/posts/{shown['id']}/actions/accept", {})
    assert without.status == 403
    forged = await world.alice.post(f"/posts/{shown['id']}/actions/accept", {"cookie": "x"})
    assert forged.status == 400

    integration.answer_json("/a", {"update": {"message": "Accepted", "props": {}}})
    clicked = await world.alice.post(
        f"/posts/{shown['id']}/actions/accept", {"cookie": accept["cookie"]}
    )
    assert clicked.status == 200
    request = integration.received[-1].json
    assert request is not None
    assert (request["post_id"], request["context"]) == (
        shown["id"],
        {"action": "accept", "sig": "s1"},
    )
    edited = await alice_ws.event("post_edited")
    post = json.loads(edited["data"]["post"])
    assert (post["id"], post["message"], post["type"]) == (
        shown["id"],
        "Accepted",
        "system_ephemeral",
    )
    assert edited["broadcast"]["user_id"] == world.alice_id
    assert [p["message"] for p in world.emulator.ephemerals(world.alice_id)] == ["Accepted"]
    assert world.emulator.posts_in_channel(world.dm_id) == []  # still nothing stored
    await alice_ws.close()


async def test_edit_at_moves_only_when_message_files_or_attachments_change(world: World) -> None:
    """app/post.go `UpdatePost`: other props or the pin move `update_at` only."""
    created = await world.bot.post("/posts", {"channel_id": world.dm_id, "message": "m"})
    post_id = created.body["id"]
    patched = await world.bot.put(f"/posts/{post_id}/patch", {"props": {"x": "1"}})
    assert patched.body["edit_at"] == 0
    assert patched.body["update_at"] >= created.body["update_at"]
    patched = await world.bot.put(f"/posts/{post_id}/patch", {"message": "n"})
    assert patched.body["edit_at"] > 0
