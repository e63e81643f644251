"""The WebSocket events the server publishes for posts, ephemeral messages and dialogs."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from .context import Context
from .hub import broadcast
from .ids import new_id
from .store import JSON, client_post, generate_action_ids, post_string, retained_props


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
        mentioned = members - {post["user_id"]}
    else:
        # In a team channel, the members named as @username, or all of them for @channel or
        # @all (app/notification.go `SendNotifications`; @here, for the online ones, likewise).
        everyone = bool(re.search(r"(?<![\w@])@(channel|all|here)\b", post["message"], re.I))
        mentioned = {
            m for m in members - {post["user_id"]} if everyone or _mentions(c, post["message"], m)
        }
    for member in mentioned:
        extra[member] = {"mentions": json.dumps([member])}
    c.hub.send(members, "posted", data, broadcast(channel_id=channel["id"]), extra)


def _mentions(c: Context, message: str, user_id: str) -> bool:
    user = c.store.user(user_id) or {}
    name = re.escape(str(user.get("username", "")))
    return bool(name) and re.search(rf"(?<![\w@])@{name}(?![\w.\-])", message, re.I) is not None


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


def _with_action_cookies(c: Context, post: JSON) -> JSON:
    """model/post.go `AddPostActionCookies`: the client copy of an ephemeral post, each action
    carrying a cookie with what a click needs, since the server never stored the post."""
    shown = client_post(post)
    props = post.get("props") or {}
    retain, remove = retained_props(props)
    full = (props.get("attachments") or []) if isinstance(props, dict) else []
    stripped = (shown.get("props") or {}).get("attachments") or []
    for attachment, shown_attachment in zip(full, stripped, strict=False):
        if not isinstance(attachment, dict) or not isinstance(shown_attachment, dict):
            continue
        for action, shown_action in zip(
            attachment.get("actions") or [], shown_attachment.get("actions") or [], strict=False
        ):
            if not isinstance(action, dict) or not isinstance(shown_action, dict):
                continue
            value = new_id() + new_id()
            c.action_cookies[value] = {
                "type": str(action.get("type", "")),
                "post_id": post["id"],
                "root_post_id": post["root_id"] or post["id"],
                "channel_id": post["channel_id"],
                "data_source": str(action.get("data_source", "")),
                "integration": copy.deepcopy(action.get("integration")),
                "retain_props": copy.deepcopy(retain),
                "remove_props": list(remove),
            }
            shown_action["cookie"] = value
    return shown


def _remember_ephemeral(c: Context, user_id: str, shown: JSON) -> None:
    posts = c.store.ephemeral_posts.setdefault(user_id, [])
    for n, existing in enumerate(posts):
        if existing["id"] == shown["id"]:
            posts[n] = shown
            return
    posts.append(shown)


def send_ephemeral(
    c: Context,
    user_id: str,
    channel_id: str,
    sender_id: str,
    message: str,
    props: JSON | None,
    root_id: str = "",
) -> JSON:
    """app/post.go `SendEphemeralPost`: a `system_ephemeral` post only `user_id` sees, never
    stored; its actions get ids and cookies."""
    post = c.store.new_post(sender_id, channel_id, message, props)
    post["id"] = new_id()
    post["type"] = "system_ephemeral"
    post["root_id"] = root_id
    generate_action_ids(post["props"])
    shown = _with_action_cookies(c, post)
    _remember_ephemeral(c, user_id, shown)
    c.hub.send(
        {user_id},
        "ephemeral_message",
        {"post": _encode(shown)},
        broadcast(user_id=user_id, channel_id=channel_id),
    )
    return post


def update_ephemeral(
    c: Context, user_id: str, post_id: str, channel_id: str, update: JSON, props: JSON
) -> JSON:
    """app/post.go `UpdateEphemeralPost`: the new version goes to `user_id` alone as a
    `post_edited` event (with fresh cookies); nothing is stored."""
    previous = next(
        (p for p in c.store.ephemeral_posts.get(user_id, []) if p["id"] == post_id), None
    )
    post = c.store.new_post(
        str(previous["user_id"]) if previous else str(update.get("user_id", "")),
        channel_id,
        str(update.get("message", "")),
        props,
    )
    post.update(id=post_id, type="system_ephemeral")
    if previous is not None:
        post.update(create_at=previous["create_at"], root_id=previous["root_id"])
    generate_action_ids(post["props"])
    shown = _with_action_cookies(c, post)
    _remember_ephemeral(c, user_id, shown)
    c.hub.send(
        {user_id},
        "post_edited",
        {"post": _encode(shown)},
        broadcast(user_id=user_id, channel_id=channel_id),
    )
    return post


def _encode(shown: JSON) -> str:
    return json.dumps(shown, ensure_ascii=False, separators=(",", ":"))


def publish_open_dialog(c: Context, user_id: str, request: dict[str, Any]) -> None:
    c.dialogs.setdefault(user_id, []).append(request)
    c.hub.send(
        {user_id},
        "open_dialog",
        {"dialog": json.dumps(request, ensure_ascii=False, separators=(",", ":"))},
        broadcast(user_id=user_id),
    )


def publish_user_updated(c: Context, user_id: str) -> None:
    """app/user.go `sendUpdatedUserEvent`: `user_updated` with `data.user` an object (not a
    string); the user gets their own full copy, everyone else the sanitized one."""
    everyone = set(c.store.users)
    others = {"user": c.store.user_view(user_id, "")}
    mine = {user_id: {"user": c.store.user_view(user_id, user_id)}}
    c.hub.send(everyone, "user_updated", others, broadcast(), mine)
