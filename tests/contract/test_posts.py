"""Direct channels and posts over REST."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tests.contract.conftest import World
from tests.contract.harness import Client
from tests.support.emulator import EmulatorFactory, assert_contract

ACTION_PROPS = {
    "attachments": [
        {
            "text": "Meeting",
            "actions": [
                {
                    "id": "accept",
                    "type": "button",
                    "name": "Accept",
                    "integration": {
                        "url": "http://127.0.0.1:9/a",
                        "context": {"secret": "TOP-SECRET"},
                    },
                },
                {
                    "type": "button",
                    "name": "No id",
                    "integration": {"url": "http://127.0.0.1:9/a", "context": {"n": 1}},
                },
            ],
        }
    ]
}


async def test_direct_channel_is_named_by_sorted_ids_and_201_when_it_exists(world: World) -> None:
    again = await world.alice.post("/channels/direct", [world.alice_id, world.bot_id])
    assert again.status == 201
    assert again.body["id"] == world.dm_id
    assert again.body["type"] == "D"
    assert again.body["team_id"] == ""
    assert again.body["name"] == "__".join(sorted([world.alice_id, world.bot_id]))
    assert world.emulator.dm_channel_id(world.bot_id, world.alice_id) == world.dm_id


async def test_direct_channel_needs_the_caller_and_real_users(world: World) -> None:
    other = world.emulator.create_user("eve")
    assert (await world.bot.post("/channels/direct", [world.alice_id, other["id"]])).status == 403
    assert (await world.bot.post("/channels/direct", [world.bot_id, "x" * 26])).status == 400
    assert (await world.bot.post("/channels/direct", [world.bot_id])).status == 400


async def test_post_lifecycle(world: World) -> None:
    created = await world.bot.post("/posts", {"channel_id": world.dm_id, "message": "hello"})
    assert created.status == 201
    post = created.body
    assert post["user_id"] == world.bot_id
    assert post["edit_at"] == 0
    assert post["props"] == {"from_bot": "true"}  # the server marks every bot post
    by_alice = await world.alice.post("/posts", {"channel_id": world.dm_id, "message": "hey"})
    assert by_alice.body["props"] == {}
    fetched = await world.alice.get(f"/posts/{post['id']}")
    assert fetched.body["message"] == "hello"

    updated = await world.bot.put(
        f"/posts/{post['id']}", {"id": post["id"], "message": "v2", "props": {"k": "v"}}
    )
    assert updated.status == 200
    assert updated.body["message"] == "v2"
    assert updated.body["props"] == {"k": "v"}  # PUT replaces props wholesale
    assert updated.body["edit_at"] > 0

    patched = await world.bot.put(f"/posts/{post['id']}/patch", {"message": "v3"})
    assert patched.body["message"] == "v3"
    assert patched.body["props"] == {"k": "v"}  # a patch leaves what it does not name

    # Only the author edits; the id in the body must match the path.
    assert (await world.alice.put(f"/posts/{post['id']}/patch", {"message": "x"})).status == 403
    mismatch = await world.bot.put(f"/posts/{post['id']}", {"id": "y" * 26, "message": "x"})
    assert mismatch.status == 400

    deleted = await world.bot.delete(f"/posts/{post['id']}")
    assert deleted.status == 200
    assert deleted.body == {"status": "OK"}
    assert (await world.bot.get(f"/posts/{post['id']}")).status == 404
    assert [p["id"] for p in world.emulator.posts_in_channel(world.dm_id)] == [by_alice.body["id"]]


async def test_channel_posts_pages_and_since(world: World) -> None:
    ids = []
    for n in range(5):
        reply = await world.bot.post("/posts", {"channel_id": world.dm_id, "message": f"m{n}"})
        ids.append(reply.body["id"])
    listing = await world.alice.get(f"/channels/{world.dm_id}/posts", page=0, per_page=2)
    assert listing.status == 200
    assert listing.body["order"] == [ids[4], ids[3]]
    assert set(listing.body["posts"]) == {ids[4], ids[3]}
    second = await world.alice.get(f"/channels/{world.dm_id}/posts", page=1, per_page=2)
    assert second.body["order"] == [ids[2], ids[1]]

    mark = world.emulator.post(ids[2])["update_at"]
    await world.bot.put(f"/posts/{ids[0]}/patch", {"message": "edited"})
    await world.bot.delete(f"/posts/{ids[1]}")
    since = await world.alice.get(f"/channels/{world.dm_id}/posts", since=mark)
    changed = set(since.body["order"])
    # Edited and deleted posts come back (deleted ones with delete_at set) so clients resync.
    assert {ids[0], ids[1]} <= changed
    assert since.body["posts"][ids[1]]["delete_at"] > 0
    before = await world.alice.get(f"/channels/{world.dm_id}/posts", before=ids[3])
    assert before.body["order"] == [ids[2], ids[0]]


async def test_non_member_cannot_read_or_post(world: World) -> None:
    outsider = world.emulator.create_user("mallory")
    client = type(world.bot)(world.bot.session, world.bot.base_url)
    client.token = world.emulator.login_token(outsider["id"])
    assert (await client.post("/posts", {"channel_id": world.dm_id, "message": "x"})).status == 403
    assert (await client.get(f"/channels/{world.dm_id}/posts")).status == 403
    post = await world.bot.post("/posts", {"channel_id": world.dm_id, "message": "secret"})
    assert (await client.get(f"/posts/{post.body['id']}")).status == 403


async def test_pending_post_id_makes_create_idempotent(world: World) -> None:
    body = {"channel_id": world.dm_id, "message": "once", "pending_post_id": f"{world.bot_id}:1"}
    first = await world.bot.post("/posts", body)
    second = await world.bot.post("/posts", body)
    # `deduplicateCreatePost`: the repeat gets the first post back, still with 201.
    assert first.status == second.status == 201
    assert second.body["id"] == first.body["id"]
    assert second.body["pending_post_id"] == f"{world.bot_id}:1"
    assert [p["message"] for p in world.emulator.posts_in_channel(world.dm_id)] == ["once"]
    other = await world.bot.post("/posts", {**body, "pending_post_id": f"{world.bot_id}:2"})
    assert other.body["id"] != first.body["id"]
    # Someone who cannot read the first post does not get it back: a fresh post instead.
    outsider = world.emulator.create_user("oscar")
    own_dm = world.emulator.dm_channel_id(outsider["id"], world.alice_id)
    oscar = Client(world.bot.session, world.bot.base_url)
    oscar.token = world.emulator.login_token(outsider["id"])
    theirs = await oscar.post("/posts", {**body, "channel_id": own_dm})
    assert theirs.status == 201
    assert theirs.body["id"] != first.body["id"]


async def test_pending_post_ids_are_forgotten_after_30_seconds(
    make_emulator: Any, http: aiohttp.ClientSession
) -> None:
    clock = [1_800_000_000.0]
    emulator = await make_emulator(now=lambda: clock[0])
    bot_user, token = emulator.create_bot("calbot")
    alice = emulator.create_user("alice")
    bot = Client(http, emulator.base_url, token)
    dm = emulator.dm_channel_id(bot_user["id"], alice["id"])
    body = {"channel_id": dm, "message": "again", "pending_post_id": "p:1"}
    first = await bot.post("/posts", body)
    clock[0] += 29
    assert (await bot.post("/posts", body)).body["id"] == first.body["id"]
    clock[0] += 2
    assert (await bot.post("/posts", body)).body["id"] != first.body["id"]
    assert len(emulator.posts_in_channel(dm)) == 2
    assert_contract(emulator)


async def test_action_ids_are_assigned_and_integrations_never_reach_clients(world: World) -> None:
    created = await world.bot.post(
        "/posts", {"channel_id": world.dm_id, "message": "", "props": ACTION_PROPS}
    )
    actions = created.body["props"]["attachments"][0]["actions"]
    assert actions[0]["id"] == "accept"
    assert actions[1]["id"]  # generated like model.NewId()
    # `StripActionIntegrations`: URL and context stay on the server, even for the author.
    for reply in (
        created,
        await world.bot.get(f"/posts/{created.body['id']}"),
        await world.alice.get(f"/posts/{created.body['id']}"),
    ):
        serialized = json.dumps(reply.body)
        assert "integration" not in serialized
        assert "TOP-SECRET" not in serialized
    listing = await world.alice.get(f"/channels/{world.dm_id}/posts")
    assert "TOP-SECRET" not in json.dumps(listing.body)
    stored = world.emulator.post(created.body["id"])
    assert stored["props"]["attachments"][0]["actions"][0]["integration"]["context"] == {
        "secret": "TOP-SECRET"
    }


async def test_bad_bodies_are_400(world: World) -> None:
    async with world.bot.session.post(
        world.bot.base_url + "/api/v4/posts",
        data=b"{not json",
        headers={"Authorization": f"Bearer {world.bot.token}"},
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["status_code"] == 400
    missing = await world.bot.post("/posts", {"message": "no channel"})
    assert missing.status == 400


async def test_ephemeral_endpoint_is_for_admins_only(world: World) -> None:
    reply = await world.bot.post(
        "/posts/ephemeral",
        {"user_id": world.alice_id, "post": {"channel_id": world.dm_id, "message": "psst"}},
    )
    assert reply.status == 403  # a normal bot lacks create_post_ephemeral
    assert world.emulator.ephemerals(world.alice_id) == []


async def test_attachments_show_up_as_embeds(world: World) -> None:
    created = await world.bot.post(
        "/posts", {"channel_id": world.dm_id, "message": "", "props": ACTION_PROPS}
    )
    assert created.body["metadata"]["embeds"] == [{"type": "message_attachment"}]
    plain = await world.bot.post("/posts", {"channel_id": world.dm_id, "message": "plain"})
    assert plain.body["metadata"] == {}


async def test_new_direct_channel_announces_itself(world: World) -> None:
    socket = await world.bot.websocket()
    await socket.event("hello")
    bob = world.emulator.create_user("bob")
    created = await world.bot.post("/channels/direct", [world.bot_id, bob["id"]])
    added = await socket.event("direct_added")
    assert added["broadcast"]["channel_id"] == created.body["id"]
    assert added["data"] == {"creator_id": world.bot_id, "teammate_id": bob["id"]}
    await world.bot.post("/channels/direct", [world.bot_id, bob["id"]])  # exists: no event
    assert all(f.get("event") != "direct_added" for f in await socket.quiet(0.2))
    await socket.close()


async def test_system_ping(world: World) -> None:
    ping = await world.bot.get("/system/ping", get_server_status="true")
    assert ping.status == 200
    assert ping.body["status"] == "OK"
    assert ping.body["database_status"] == "OK"


async def test_a_repeat_while_the_first_create_runs_gets_500_pending(world: World) -> None:
    """app/post.go `deduplicateCreatePost`: until the first create has saved its post, the
    pending_post_id's entry is empty and a repeat is refused with 500; afterwards a repeat
    gets the first post."""
    world.emulator.faults.slow_post_creation(0.5)
    body = {"channel_id": world.dm_id, "message": "once", "pending_post_id": "p:slow"}
    first = asyncio.ensure_future(world.bot.post("/posts", body))
    await asyncio.sleep(0.1)
    repeat = await world.bot.post("/posts", body)
    assert (repeat.status, repeat.body["id"]) == (500, "api.post.deduplicate_create_post.pending")
    created = await first
    assert created.status == 201
    world.emulator.faults.clear()
    again = await world.bot.post("/posts", body)
    assert (again.status, again.body["id"]) == (201, created.body["id"])
    assert [p["message"] for p in world.emulator.posts_in_channel(world.dm_id)] == ["once"]


async def test_posts_since_answers_at_most_1000(world: World) -> None:
    """store `GetPostsSince` has `LIMIT 1000`."""
    store = world.emulator.store
    for n in range(1005):
        store.save_post(store.new_post(world.bot_id, world.dm_id, f"m{n}", {}))
    since = await world.alice.get(f"/channels/{world.dm_id}/posts", since=1)
    assert since.status == 200
    assert len(since.body["order"]) == 1000


async def test_props_over_800000_runes_are_refused(make_emulator: EmulatorFactory) -> None:
    """model/post.go `IsValid`: `PostPropsMaxRunes`; reachable only on a server whose
    MaximumPayloadSizeBytes is raised above its default (300,000)."""
    emulator = await make_emulator(max_payload_bytes=8_000_000)
    bot_user, token = emulator.create_bot("calbot")
    alice = emulator.create_user("alice")
    async with aiohttp.ClientSession() as http:
        bot = Client(http, emulator.base_url, token)
        dm = (await bot.post("/channels/direct", [bot_user["id"], alice["id"]])).body["id"]
        big = {"text": "я" * 800_000}
        refused = await bot.post("/posts", {"channel_id": dm, "message": "x", "props": big})
        fits = {"text": "я" * 799_000}
        created = await bot.post("/posts", {"channel_id": dm, "message": "x", "props": fits})
    assert (refused.status, refused.body["id"]) == (400, "model.post.is_valid.props.app_error")
    assert created.status == 201


async def test_a_body_over_the_payload_limit_gets_413(world: World) -> None:
    """web/handlers.go: MaximumPayloadSizeBytes (default 300,000) caps every request body."""
    big = {"text": "x" * 300_600}
    refused = await world.bot.post(
        "/posts", {"channel_id": world.dm_id, "message": "", "props": big}
    )
    assert refused.status == 413
    assert refused.body["id"] == "api.context.request_body_too_large.app_error"
    assert world.emulator.posts_in_channel(world.dm_id) == []


async def test_edits_past_post_edit_time_limit_are_refused(
    make_emulator: Any, http: aiohttp.ClientSession
) -> None:
    """api4/post.go `updatePost`/`patchPost` with ServiceSettings.PostEditTimeLimit: after
    it, a new message is refused with 400; props alone still change."""
    clock = [1_800_000_000.0]
    emulator = await make_emulator(now=lambda: clock[0], post_edit_time_limit=300)
    bot_user, token = emulator.create_bot("calbot")
    alice = emulator.create_user("alice")
    bot = Client(http, emulator.base_url, token)
    dm = emulator.dm_channel_id(bot_user["id"], alice["id"])
    post_id = (await bot.post("/posts", {"channel_id": dm, "message": "v1"})).body["id"]
    clock[0] += 299
    assert (await bot.put(f"/posts/{post_id}/patch", {"message": "v2"})).status == 200
    clock[0] += 2
    for refused in (
        await bot.put(f"/posts/{post_id}/patch", {"message": "v3"}),
        await bot.put(f"/posts/{post_id}", {"id": post_id, "message": "v3"}),
    ):
        assert refused.status == 400
        assert refused.body["id"] == "api.post.update_post.permissions_time_limit.app_error"
    assert (await bot.put(f"/posts/{post_id}/patch", {"props": {"a": "1"}})).status == 200
    assert emulator.post(post_id)["message"] == "v2"
