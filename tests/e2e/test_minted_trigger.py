"""A leaked signed context plus a self-made trigger id is not a click: the bot checks the
trigger id's signature with the key Mattermost publishes (AsymmetricSigningPublicKey), so
only a trigger id the server made for that person's click is accepted."""

from __future__ import annotations

import base64
import secrets
import string
import time

import aiohttp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from calendar_bot.views import actions
from tests.e2e.harness import World


def minted_trigger(user_id: str) -> str:
    """Mattermost's format, this user, this moment, a real ECDSA signature: just not the
    server's key."""
    client = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(26))
    head = f"{client}:{user_id}:{int(time.time() * 1000)}:"
    signature = ec.generate_private_key(ec.SECP256R1()).sign(
        head.encode(), ec.ECDSA(hashes.SHA256())
    )
    return base64.b64encode((head + base64.b64encode(signature).decode()).encode()).decode()


async def conversation_state(world: World, user_id: str) -> str:
    async with transaction(world.bot.sessions) as store:
        state = await store.conversation.get(user_id)
    return state.state if state is not None else ""


async def test_a_leaked_context_with_a_minted_trigger_is_refused(world: World) -> None:
    alice, creds, _ = await world.person("alice")
    await world.connect(alice, creds)
    posts_before = len(await alice.bot_posts())
    # What leaked: a "connect by message" button of Alice's, as signed by the bot.
    context = world.bot.renderer.signer.sign(actions.CONNECT_BY_MESSAGE, alice.id)
    url = f"http://127.0.0.1:{world.bot.http_port}/actions"
    body = {"user_id": alice.id, "channel_id": alice.channel_id, "post_id": "", "context": context}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=body | {"trigger_id": minted_trigger(alice.id)}) as forged:
            assert forged.status == 403
        assert await conversation_state(world, alice.id) == ""  # not waiting for a password
        assert len(await alice.bot_posts()) == posts_before
        # The same context with a trigger id the server made for her click goes through.
        genuine = world.emulator.context.triggers.issue(alice.id)[1]
        async with http.post(url, json=body | {"trigger_id": genuine}) as clicked:
            assert clicked.status == 200
    assert await conversation_state(world, alice.id) != ""


async def test_a_command_word_is_never_taken_for_a_typed_password(world: World) -> None:
    """What the minted click was for: in typed-password mode her next "today" went to
    CalDAV as her password. A command word leaves the typed connect and is done."""
    alice, creds, _ = await world.person("alice", locale="en")
    await world.connect(alice, creds)
    context = world.bot.renderer.signer.sign(actions.CONNECT_BY_MESSAGE, alice.id)
    genuine = world.emulator.context.triggers.issue(alice.id)[1]
    url = f"http://127.0.0.1:{world.bot.http_port}/actions"
    body = {"user_id": alice.id, "channel_id": alice.channel_id, "context": context}
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json=body | {"trigger_id": genuine}) as clicked,
    ):
        assert clicked.status == 200
    await alice.next_bot_post(creds.username)  # "send your app password as a message"
    await alice.say("today")
    answer = await alice.next_bot_post()  # today's meetings (none), not a connect attempt
    assert answer["message"] != t("en", "connect.password_not_deleted")
    assert t("en", "connect.failed", reason="")[:10] not in answer["message"]
    assert await conversation_state(world, alice.id) == ""
