from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from calendar_bot.clock import ManualClock
from calendar_bot.inbound import ActionClick, RefusedAction
from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.mattermost.web import create_app
from tests.mattermost.echo_dispatcher import EchoDispatcher

Client = TestClient[web.Request, web.Application]

ALICE = "a" * 26
BOB = "b" * 26


class Health:
    def __init__(self) -> None:
        self.db = True

    async def check_db(self) -> bool:
        return self.db


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))


@pytest.fixture
def renderer(clock: ManualClock) -> Renderer:
    return Renderer(ContextSigner("s3cret", clock=clock), "http://127.0.0.1:1/")


@pytest.fixture
def dispatcher() -> EchoDispatcher:
    return EchoDispatcher()


@pytest.fixture
def health() -> Health:
    return Health()


@pytest.fixture
async def client(
    dispatcher: EchoDispatcher, renderer: Renderer, health: Health
) -> AsyncIterator[Client]:
    app = create_app(
        dispatcher,
        renderer,
        command_token=lambda: "cmdtoken",
        health_checks={"db": health.check_db, "websocket": lambda: True},
        max_body_bytes=4096,
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


def action_body(context: object, user_id: str = ALICE) -> dict[str, object]:
    return {
        "user_id": user_id,
        "user_name": "alice",
        "channel_id": "c" * 26,
        "channel_name": f"{ALICE}__{BOB}",
        "team_id": "",
        "team_domain": "",
        "post_id": "p" * 26,
        "trigger_id": "trig",
        "type": "",
        "data_source": "",
        "context": context,
    }


async def test_signed_click_reaches_dispatcher_and_updates_post(
    client: Client, dispatcher: EchoDispatcher, renderer: Renderer
) -> None:
    context = renderer.signer.sign("event.open", ALICE, {"n": "7"})
    response = await client.post("/actions", json=action_body(context))
    assert response.status == 200
    body = await response.json()
    [click] = dispatcher.actions
    assert isinstance(click, ActionClick)
    assert (click.action, click.payload, click.trigger_id) == ("event.open", {"n": "7"}, "trig")
    assert body["update"]["message"] == "clicked event.open 7"
    [attachment] = body["update"]["props"]["attachments"]
    again = attachment["actions"][0]["integration"]["context"]
    assert renderer.signer.verify(again, ALICE).action == "again"
    assert body["ephemeral_text"] == "done"


async def test_menu_choice_comes_from_context(
    client: Client, dispatcher: EchoDispatcher, renderer: Renderer
) -> None:
    context = renderer.signer.sign("event.pick", ALICE) | {"selected_option": "e42"}
    response = await client.post("/mattermost/actions", json=action_body(context))
    assert response.status == 200
    [click] = dispatcher.actions
    assert isinstance(click, ActionClick) and click.selected_option == "e42"


@pytest.mark.parametrize("case", ["forged", "tampered", "cross_user", "expired"])
async def test_refused_click_changes_nothing(
    case: str,
    client: Client,
    dispatcher: EchoDispatcher,
    renderer: Renderer,
    clock: ManualClock,
) -> None:
    context = renderer.signer.sign("logout", ALICE, {"n": "1"})
    user = ALICE
    if case == "forged":
        context = ContextSigner("guessed", clock=clock).sign("logout", ALICE, {"n": "1"})
    elif case == "tampered":
        context["p"] = {"n": "2"}
    elif case == "cross_user":
        user = BOB
    else:
        clock.advance(timedelta(days=8))
    response = await client.post("/actions", json=action_body(context, user))
    body = await response.json()
    assert "update" not in body
    assert not any(isinstance(a, ActionClick) for a in dispatcher.actions)
    if case == "expired":
        # Signed by the bot for this very user: told, in their language, that it is stale.
        assert response.status == 200
        assert body == {"ephemeral_text": "refused:expired"}
        assert dispatcher.actions == [RefusedAction(user, "expired")]
    else:
        # Not the bot's context, or not this user's: refused at the door, nobody looked up.
        assert response.status == 403
        assert dispatcher.actions == []


async def test_dialog_submission_and_cancel(
    client: Client, dispatcher: EchoDispatcher, renderer: Renderer
) -> None:
    state = renderer.signer.sign_state("connect.submit", ALICE, {"step": "1"})
    base = {
        "type": "dialog_submission",
        "callback_id": "connect.submit",
        "state": state,
        "user_id": ALICE,
        "channel_id": "c" * 26,
        "team_id": "",
    }
    ok = await client.post(
        "/dialogs", json=base | {"submission": {"title": "x"}, "cancelled": False}
    )
    assert ok.status == 200 and (await ok.read()) == b""
    bad = await client.post(
        "/dialogs", json=base | {"submission": {"title": ""}, "cancelled": False}
    )
    assert (await bad.json()) == {"errors": {"title": "required"}}
    cancel = await client.post("/dialogs", json=base | {"submission": {}, "cancelled": True})
    assert cancel.status == 200
    assert [d.cancelled for d in dispatcher.dialogs] == [False, False, True]
    assert dispatcher.dialogs[0].payload == {"step": "1"}
    assert dispatcher.dialogs[0].submission == {"title": "x"}


async def test_dialog_with_bad_state_is_refused(
    client: Client, dispatcher: EchoDispatcher, renderer: Renderer
) -> None:
    state = renderer.signer.sign_state("connect.submit", BOB)
    response = await client.post(
        "/dialogs",
        json={"callback_id": "connect.submit", "state": state, "user_id": ALICE, "submission": {}},
    )
    assert response.status == 403
    assert dispatcher.dialogs == [] and dispatcher.actions == []


async def test_slash_command_checks_token(client: Client, dispatcher: EchoDispatcher) -> None:
    form = {
        "token": "cmdtoken",
        "user_id": ALICE,
        "channel_id": "c" * 26,
        "command": "/calendar",
        "text": "today",
        "trigger_id": "t1",
    }
    ok = await client.post("/commands", data=form)
    body = await ok.json()
    assert body["response_type"] == "ephemeral" and body["text"] == "echo today"
    assert body["attachments"][0]["actions"][0]["name"] == "Go"
    header = await client.post(
        "/commands", data=form | {"token": ""}, headers={"Authorization": "Token cmdtoken"}
    )
    assert header.status == 200
    wrong = await client.post("/commands", data=form | {"token": "nope"})
    assert wrong.status == 401
    assert [c.text for c in dispatcher.commands] == ["today", "today"]


async def test_healthz_reports_readiness(client: Client, health: Health) -> None:
    ok = await client.get("/healthz")
    assert ok.status == 200 and (await ok.json())["checks"] == {"db": True, "websocket": True}
    health.db = False
    down = await client.get("/healthz")
    assert down.status == 503 and (await down.json())["ready"] is False


async def test_metrics_exposition(client: Client, renderer: Renderer) -> None:
    await client.post("/actions", json=action_body(renderer.signer.sign("x", ALICE)))
    response = await client.get("/metrics")
    assert response.status == 200
    assert "calendar_bot_mattermost_callbacks_total" in await response.text()


async def test_malformed_and_oversized_bodies(client: Client, dispatcher: EchoDispatcher) -> None:
    assert (await client.post("/actions", data=b"{not json")).status == 400
    big = await client.post("/actions", json={"user_id": ALICE, "context": {"x": "y" * 10000}})
    assert big.status == 413
    assert dispatcher.actions == []


async def test_handler_crash_leaks_no_stack_trace(
    client: Client, dispatcher: EchoDispatcher, renderer: Renderer
) -> None:
    async def boom(event: object) -> object:
        raise RuntimeError("secret internals")

    dispatcher.on_action = boom  # type: ignore[method-assign,assignment]
    response = await client.post("/actions", json=action_body(renderer.signer.sign("x", ALICE)))
    text = await response.text()
    assert response.status == 500
    assert "secret internals" not in text and "Traceback" not in text


class MemoryGuard:
    def __init__(self) -> None:
        self.keys: set[str] = set()

    async def use(self, key: str) -> bool:
        first = key not in self.keys
        self.keys.add(key)
        return first

    async def release(self, key: str) -> None:
        self.keys.discard(key)


SERVER_KEY = ec.generate_private_key(ec.SECP256R1())  # Mattermost's AsymmetricSigningKey


def trigger(
    user_id: str, millis: int, key: ec.EllipticCurvePrivateKey = SERVER_KEY, client: str = ""
) -> str:
    """A trigger id as the server makes it, signed with `key`."""
    head = f"{client or 'k' * 26}:{user_id}:{millis}:"
    signature = key.sign(head.encode(), ec.ECDSA(hashes.SHA256()))
    return base64.b64encode((head + base64.b64encode(signature).decode()).encode()).decode()


NOW_S = 1_800_000_000.0


@pytest.fixture
async def guarded(
    dispatcher: EchoDispatcher, renderer: Renderer
) -> AsyncIterator[tuple[Client, MemoryGuard]]:
    guard = MemoryGuard()
    app = create_app(
        dispatcher,
        renderer,
        replay_guard=guard,
        wall_clock=lambda: NOW_S,
        trigger_key=SERVER_KEY.public_key(),
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c, guard


async def test_replayed_click_is_refused_and_changes_nothing(
    guarded: tuple[Client, MemoryGuard], dispatcher: EchoDispatcher, renderer: Renderer
) -> None:
    client, _ = guarded
    body = action_body(renderer.signer.sign("logout", ALICE)) | {
        "trigger_id": trigger(ALICE, int(NOW_S * 1000))
    }
    first = await client.post("/actions", json=body)
    assert "update" in await first.json()
    replay = await client.post("/actions", json=body)
    assert await replay.json() == {"ephemeral_text": "refused:replayed"}
    clicks = [a for a in dispatcher.actions if isinstance(a, ActionClick)]
    assert len(clicks) == 1  # the replay never reached a handler
    assert dispatcher.actions[-1] == RefusedAction(ALICE, "replayed")


@pytest.mark.parametrize(
    ("trigger_id", "reason"),
    [
        ("", "forged"),
        ("not base64!", "forged"),
        # right format, user and age, but made by somebody else than the server
        (trigger(ALICE, int(NOW_S * 1000), ec.generate_private_key(ec.SECP256R1())), "forged"),
        (
            base64.b64encode(f"{'k' * 26}:{ALICE}:{int(NOW_S * 1000)}:c2ln".encode()).decode(),
            "forged",
        ),
        (trigger(ALICE, int(NOW_S * 1000), client="client1"), "forged"),
        (trigger(BOB, int(NOW_S * 1000)), "cross_user"),
        (trigger(ALICE, int(NOW_S * 1000) - 11 * 60 * 1000), "expired"),
    ],
)
async def test_click_needs_a_fresh_trigger_of_the_acting_user(
    guarded: tuple[Client, MemoryGuard],
    dispatcher: EchoDispatcher,
    renderer: Renderer,
    trigger_id: str,
    reason: str,
) -> None:
    client, _ = guarded
    body = action_body(renderer.signer.sign("logout", ALICE)) | {"trigger_id": trigger_id}
    response = await client.post("/actions", json=body)
    if reason == "expired":
        assert await response.json() == {"ephemeral_text": f"refused:{reason}"}
    else:  # a trigger id Mattermost could not have sent for this click
        assert response.status == 403
    assert not any(isinstance(a, ActionClick) for a in dispatcher.actions)


async def test_completed_dialog_cannot_be_submitted_again(
    guarded: tuple[Client, MemoryGuard], dispatcher: EchoDispatcher, renderer: Renderer
) -> None:
    from calendar_bot.views.dialog import Dialog

    client, _ = guarded
    rendered = renderer.dialog(Dialog("Connect", "connect.submit", (), "OK"), ALICE)
    base = {"callback_id": "connect.submit", "state": rendered["state"], "user_id": ALICE}
    # A submission with field errors keeps the form usable...
    bad = await client.post("/dialogs", json=base | {"submission": {"title": ""}})
    assert await bad.json() == {"errors": {"title": "required"}}
    ok = await client.post("/dialogs", json=base | {"submission": {"title": "x"}})
    assert ok.status == 200 and await ok.read() == b""
    # ...but once it went through, the same submission again is a replay.
    replay = await client.post("/dialogs", json=base | {"submission": {"title": "x"}})
    assert await replay.json() == {"error": "refused:replayed"}
    assert len(dispatcher.dialogs) == 2
    assert dispatcher.dialogs[-1].payload == {}  # the nonce is not the handler's business
