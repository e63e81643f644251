"""The REST client against limits a real server has and the emulator now shares."""

from __future__ import annotations

from calendar_bot.mattermost.chat import MattermostChat
from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.rest import MattermostClient
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.views.message import OutMessage
from mm_sandbox import Emulator


async def test_posts_since_are_all_read_past_the_1000_a_call_answers(emulator: Emulator) -> None:
    """`GetPostsSince` answers at most 1,000 posts: the client asks again from there."""
    bot, token = emulator.create_bot("calbot")
    alice = emulator.create_user("alice")
    channel_id = emulator.dm_channel_id(bot["id"], alice["id"])
    store = emulator.store
    for n in range(1205):
        store.save_post(store.new_post(alice["id"], channel_id, f"m{n}", {}))
    async with MattermostClient(emulator.base_url, token) as client:
        posts = await client.get_channel_posts(channel_id, since=1)
    assert len(posts) == 1205
    assert {p["message"] for p in posts} == {f"m{n}" for n in range(1205)}


async def test_a_retry_that_meets_the_running_first_create_ends_with_one_post(
    emulator: Emulator,
) -> None:
    """The first attempt times out while the server still creates the post; the retry gets
    500 `deduplicate_create_post.pending`, the next one the first post. One post, no error."""
    bot, token = emulator.create_bot("calbot")
    alice = emulator.create_user("alice")
    channel_id = emulator.dm_channel_id(bot["id"], alice["id"])
    emulator.faults.slow_post_creation(1.0)
    async with MattermostClient(emulator.base_url, token, timeout=0.4) as client:
        post = await client.create_post(channel_id, "once", pending_post_id=f"{bot['id']}:k1")
    statuses = [r.status for r in emulator.requests if r.path == "/api/v4/posts"]
    assert 500 in statuses
    assert [p["message"] for p in emulator.posts_in_channel(channel_id)] == ["once"]
    assert post["id"] == emulator.posts_in_channel(channel_id)[0]["id"]


async def test_an_edit_refused_for_age_is_sent_as_a_new_post() -> None:
    """Past ServiceSettings.PostEditTimeLimit the server refuses a new text for a post; the
    bot then says it anew instead of failing what the user clicked."""
    clock = [1_800_000_000.0]
    emulator = Emulator(now=lambda: clock[0], post_edit_time_limit=300)
    await emulator.start()
    try:
        _, token = emulator.create_bot("calbot")
        alice = emulator.create_user("alice")
        renderer = Renderer(ContextSigner("k"), "http://127.0.0.1:9")
        async with MattermostClient(emulator.base_url, token) as client:
            chat = MattermostChat(client, renderer)
            first = await chat.send_dm(alice["id"], OutMessage("Step 1"))
            clock[0] += 301
            await chat.update_post(first.post_id, OutMessage("Step 2"), alice["id"])
        posts = emulator.posts_in_channel(first.channel_id)
        assert [p["message"] for p in posts] == ["Step 1", "Step 2"]
    finally:
        await emulator.stop()
