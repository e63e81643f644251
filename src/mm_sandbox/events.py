"""The WebSocket events the server publishes for posts, ephemeral messages and dialogs."""

from __future__ import annotations

import json
from typing import Any

from .context import Context
from .hub import broadcast
from .ids import new_id
from .store import JSON, client_post, post_string


def _channel_members(c: Context, channel_id: str) -> set[str]:
    return set(c.store.members.get(channel_id, set()))


def publish_posted(c: Context, post: JSON) -> None:
    channel = c.store.channels[post["channel_id"]]
    sender = c.store.user(post["user_id"]) or {"username": ""}
    sender_name = "@" + str(sender["username"])
    props = post.get("props") or {}
    if props.get("from_webhook") == "true" and props.get("override_username"):
        sender_name = str(props["override_username"])
    data: JSON = {
        "channel_display_name": "@" + str(sender["username"])
        if channel["type"] == "D"
        else channel["display_name"],
        "channel_name": channel["name"],
        "channel_type": channel["type"],
        "post": post_string(post),
        "sender_name": sender_name,
        "set_online": True,
        "team_id": channel["team_id"],
    }
    members = _channel_members(c, channel["id"])
    extra: dict[str, JSON] = {}
    if channel["type"] == "D":
        # In a DM the other member is always notified, so only they get `mentions`.
        for member in members - {post["user_id"]}:
            extra[member] = {"mentions": json.dumps([member])}
    c.hub.send(members, "posted", data, broadcast(channel_id=channel["id"]), extra)


def publish_direct_added(c: Context, channel: JSON, creator_id: str) -> None:
    """A new DM: both members hear about it (`direct_added`)."""
    members = _channel_members(c, channel["id"])
    for member in members:
        teammate = next(iter(members - {member}), member)
        c.hub.send(
            {member},
            "direct_added",
            {"creator_id": creator_id, "teammate_id": teammate},
            broadcast(channel_id=channel["id"]),
        )


def publish_post_edited(c: Context, post: JSON) -> None:
    c.hub.send(
        _channel_members(c, post["channel_id"]),
        "post_edited",
        {"post": post_string(post)},
        broadcast(channel_id=post["channel_id"]),
    )


def publish_post_deleted(c: Context, post: JSON, deleted_by: str) -> None:
    c.hub.send(
        _channel_members(c, post["channel_id"]),
        "post_deleted",
        {"post": post_string(post), "delete_by": deleted_by},
        broadcast(channel_id=post["channel_id"]),
    )


def send_ephemeral(
    c: Context,
    user_id: str,
    channel_id: str,
    sender_id: str,
    message: str,
    props: JSON | None,
    root_id: str = "",
) -> JSON:
    """`SendEphemeralPost`: a `system_ephemeral` post only `user_id` sees, never stored."""
    post = c.store.new_post(sender_id, channel_id, message, props)
    post["id"] = new_id()
    post["type"] = "system_ephemeral"
    post["root_id"] = root_id
    c.store.ephemeral_posts.setdefault(user_id, []).append(client_post(post))
    c.hub.send(
        {user_id},
        "ephemeral_message",
        {"post": post_string(post)},
        broadcast(user_id=user_id, channel_id=channel_id),
    )
    return post


def publish_open_dialog(c: Context, user_id: str, request: dict[str, Any]) -> None:
    c.dialogs.setdefault(user_id, []).append(request)
    c.hub.send(
        {user_id},
        "open_dialog",
        {"dialog": json.dumps(request, ensure_ascii=False, separators=(",", ":"))},
        broadcast(user_id=user_id),
    )
