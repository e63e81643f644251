"""Team channels: create a public or private channel, add members, read one.

The emulator has one team and every user is in it. What a bot meets there is a `posted`
event for a mention (`mentions` lists the mentioned members, only to them), with the
channel's type, display name and the team's id (app/notification.go `SendNotifications`).
"""

from __future__ import annotations

import re

from aiohttp import web

from .auth import require_user
from .context import ctx, json_response, read_json
from .errors import AppError, invalid_body_param, invalid_param, permission_error
from .store import JSON

# model/channel.go `IsValidChannelIdentifier`: lower-case letters, digits, `-` and `_`.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _member_json(channel_id: str, user_id: str, millis: int) -> JSON:
    return {
        "channel_id": channel_id,
        "user_id": user_id,
        "roles": "channel_user",
        "last_viewed_at": 0,
        "msg_count": 0,
        "mention_count": 0,
        "notify_props": {
            "desktop": "default",
            "email": "default",
            "mark_unread": "all",
            "push": "default",
            "ignore_channel_mentions": "default",
        },
        "last_update_at": millis,
    }


async def create_channel(request: web.Request) -> web.Response:
    """api4/channel.go `createChannel`: `create_public_channel` / `create_private_channel`
    in the team (every team member has them by default); the creator becomes a member."""
    c = ctx(request)
    me = require_user(c.store, request)
    body = await read_json(request, "channel")
    if not isinstance(body, dict):
        raise invalid_body_param("channel")
    kind = str(body.get("type", ""))
    if str(body.get("team_id", "")) != c.store.team["id"]:
        raise permission_error("create_public_channel", me)
    if kind not in ("O", "P"):
        raise AppError("model.channel.is_valid.type.app_error", "Invalid type.", 400)
    name = str(body.get("name", ""))
    if not _NAME.match(name) or "__" in name:
        raise AppError("model.channel.is_valid.name.app_error", "Invalid channel name.", 400)
    display_name = str(body.get("display_name", ""))
    if not display_name or len(display_name) > 64:
        raise AppError(
            "model.channel.is_valid.display_name.app_error", "Invalid display name.", 400
        )
    if c.store.channel_by_name(name) is not None:
        raise AppError(
            "store.sql_channel.save_channel.exists.app_error",
            "A channel with that name already exists on the same team.",
            400,
        )
    channel = c.store.add_channel(
        name,
        display_name,
        kind,
        me,
        purpose=str(body.get("purpose", "")),
        header=str(body.get("header", "")),
    )
    return json_response(channel, status=201)


async def add_channel_member(request: web.Request) -> web.Response:
    """api4/channel.go `addChannelMember`: joining a public channel needs only team
    membership; adding someone to a private one needs to be in it."""
    c = ctx(request)
    me = require_user(c.store, request)
    channel_id = request.match_info["channel_id"]
    body = await read_json(request, "channel_member")
    if not isinstance(body, dict):
        raise invalid_body_param("channel_member")
    channel = c.store.channels.get(channel_id)
    if channel is None or channel["type"] not in ("O", "P"):
        raise permission_error("manage_public_channel_members", me)
    if channel["type"] == "P" and not c.store.is_member(channel_id, me):
        raise permission_error("manage_private_channel_members", me)
    user_id = str(body.get("user_id", ""))
    if c.store.user(user_id) is None:
        raise invalid_param("user_id")
    c.store.members[channel_id].add(user_id)
    return json_response(_member_json(channel_id, user_id, c.store.millis()), status=201)


async def get_channel(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    channel = c.store.channels.get(request.match_info["channel_id"])
    if channel is None:
        raise permission_error("read_channel", me)
    public = channel["type"] == "O"
    if not public and not c.store.is_member(channel["id"], me):
        raise permission_error("read_channel", me)
    return json_response(channel)


def register(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/v4/channels", create_channel)
    r.add_post("/api/v4/channels/{channel_id}/members", add_channel_member)
    r.add_get("/api/v4/channels/{channel_id}", get_channel)
