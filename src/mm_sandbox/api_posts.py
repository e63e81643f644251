"""Direct channels and posts."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

from aiohttp import web

from .auth import require_user
from .context import Context, ctx, json_response, read_json, status_ok
from .errors import AppError, invalid_body_param, invalid_param, permission_error
from .events import (
    publish_direct_added,
    publish_post_deleted,
    publish_post_edited,
    publish_posted,
    send_ephemeral,
)
from .store import JSON, client_post, generate_action_ids, stamp_edit

MAX_MESSAGE_RUNES = 16383
MAX_PER_PAGE = 200
MAX_PROPS_RUNES = 800_000  # model.PostPropsMaxRunes
MAX_POSTS_SINCE = 1000  # the LIMIT in the store's `GetPostsSince` query


async def create_direct_channel(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    body = await read_json(request, "user_ids")
    if not isinstance(body, list) or len(body) != 2 or not all(isinstance(i, str) for i in body):
        raise invalid_body_param("user_ids")
    if me not in body:
        raise permission_error("manage_system", me)
    for user_id in body:
        if c.store.user(user_id) is None:
            raise invalid_param("user_id")
    known = len(c.store.channels)
    channel = c.store.direct_channel(body[0], body[1])
    if len(c.store.channels) > known:
        publish_direct_added(c, channel, me)
    # 201 even when the channel already exists: the server gets or creates it.
    return json_response(channel, status=201)


def _require_member(c: Context, channel_id: str, user_id: str, permission: str) -> None:
    if not c.store.is_member(channel_id, user_id):
        raise permission_error(permission, user_id)


def _props(value: Any) -> JSON:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_body_param("props")
    # model/post.go `Post.IsValid`: the props' JSON may hold at most `PostPropsMaxRunes`.
    if len(json.dumps(value, ensure_ascii=False, separators=(",", ":"))) > MAX_PROPS_RUNES:
        raise AppError("model.post.is_valid.props.app_error", "Invalid props.", 400)
    return copy.deepcopy(value)


def _check_message(message: str) -> None:
    if len(message) > MAX_MESSAGE_RUNES:
        raise AppError("model.post.is_valid.message_length.app_error", "Message too long.", 400)


async def create_post(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    body = await read_json(request, "post")
    if not isinstance(body, dict):
        raise invalid_body_param("post")
    channel_id = str(body.get("channel_id", ""))
    message = body.get("message", "")
    if not channel_id or not isinstance(message, str):
        raise invalid_body_param("post")
    _require_member(c, channel_id, me, "create_post")
    _check_message(message)
    props = _props(body.get("props"))
    pending_post_id = str(body.get("pending_post_id", "") or "")
    if pending_post_id:
        # `deduplicateCreatePost`: the server caches pending_post_id -> post id for 30 s and
        # answers a repeat with the first post (201 again, no second `posted` event). The key
        # is the pending_post_id alone; a caller who cannot read that post gets a new one.
        # While the first create is still running the entry is empty and a repeat gets 500
        # `api.post.deduplicate_create_post.pending` (app/post.go).
        existing_id = c.store.pending(pending_post_id)
        if existing_id == "":
            raise AppError(
                "api.post.deduplicate_create_post.pending",
                "Post rejected by server. Please try again.",
                500,
            )
        if existing_id is not None:
            existing = c.store.posts[existing_id]
            if c.store.is_member(existing["channel_id"], me):
                return json_response(client_post(existing), status=201)
        c.store.remember_pending(pending_post_id, "")
    try:
        if c.create_post_delay > 0:
            await asyncio.sleep(c.create_post_delay)  # a slow database or plugin hook
        post = _create(c, me, channel_id, message, props, body)
    except BaseException:
        if pending_post_id:
            c.store.forget_pending(pending_post_id)
        raise
    if pending_post_id:
        c.store.remember_pending(pending_post_id, post["id"])
    publish_posted(c, post)
    return json_response(client_post(post), status=201)


def _create(c: Context, me: str, channel_id: str, message: str, props: JSON, body: JSON) -> JSON:
    if (c.store.user(me) or {}).get("is_bot"):
        props["from_bot"] = "true"  # `CreatePost` marks every bot post
    post = c.store.new_post(me, channel_id, message, props)
    post["root_id"] = str(body.get("root_id", "") or "")
    post["pending_post_id"] = str(body.get("pending_post_id", "") or "")
    file_ids = body.get("file_ids")
    if isinstance(file_ids, list):
        post["file_ids"] = [str(f) for f in file_ids]
    generate_action_ids(post["props"])
    c.store.save_post(post)
    return post


def _existing_post(c: Context, post_id: str, me: str, permission: str) -> JSON:
    post = c.store.live_post(post_id)
    if post is None:
        # The server checks channel permissions by post first, so a missing post is a 403
        # to most callers; a 404 only once the permission check passes.
        if post_id in c.store.posts and c.store.is_member(c.store.posts[post_id]["channel_id"], me):
            raise AppError("app.post.get.app_error", "Unable to get the post.", 404)
        raise permission_error(permission, me)
    _require_member(c, post["channel_id"], me, permission)
    return post


async def get_post(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    post = _existing_post(c, request.match_info["post_id"], me, "read_channel_content")
    return json_response(client_post(post))


def _check_edit_window(c: Context, post: JSON, message: Any) -> None:
    """api4/post.go `updatePost`/`patchPost`: past ServiceSettings.PostEditTimeLimit seconds
    after creation, a new message is refused (other changes still pass)."""
    limit = c.post_edit_time_limit
    if limit == -1 or message is None or message == post["message"]:
        return
    if c.store.millis() > post["create_at"] + limit * 1000:
        raise AppError(
            "api.post.update_post.permissions_time_limit.app_error",
            f"Post edit is only allowed for {limit} seconds. Please ask your System"
            " Administrator for details.",
            400,
        )


def _apply_edit(c: Context, post: JSON, changes: JSON) -> JSON:
    updated = copy.deepcopy(post)
    updated.update(changes)
    generate_action_ids(updated["props"])
    stamp_edit(post, updated, c.store.millis())
    c.store.posts[post["id"]] = updated
    publish_post_edited(c, updated)
    return updated


async def update_post(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    post_id = request.match_info["post_id"]
    body = await read_json(request, "post")
    if not isinstance(body, dict):
        raise invalid_body_param("post")
    if body.get("id") != post_id:
        raise invalid_param("id")
    post = _existing_post(c, post_id, me, "edit_post")
    if post["user_id"] != me:
        raise permission_error("edit_others_posts", me)
    message = body.get("message", "")
    if not isinstance(message, str):
        raise invalid_body_param("message")
    _check_message(message)
    _check_edit_window(c, post, message)
    # `UpdatePost` (not a safe update): message, props, pin state and files are all replaced.
    changes: JSON = {
        "message": message,
        "props": _props(body.get("props")),
        "is_pinned": bool(body.get("is_pinned", False)),
        "file_ids": list(body.get("file_ids") or []),
    }
    return json_response(client_post(_apply_edit(c, post, changes)))


async def patch_post(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    body = await read_json(request, "post")
    if not isinstance(body, dict):
        raise invalid_body_param("post")
    post = _existing_post(c, request.match_info["post_id"], me, "edit_post")
    if post["user_id"] != me:
        raise permission_error("edit_others_posts", me)
    changes: JSON = {}
    if "message" in body:
        if not isinstance(body["message"], str):
            raise invalid_body_param("message")
        _check_message(body["message"])
        _check_edit_window(c, post, body["message"])
        changes["message"] = body["message"]
    if "props" in body:
        changes["props"] = _props(body["props"])
    if "is_pinned" in body:
        changes["is_pinned"] = bool(body["is_pinned"])
    if "file_ids" in body:
        changes["file_ids"] = list(body["file_ids"] or [])
    return json_response(client_post(_apply_edit(c, post, changes)))


async def delete_post(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    post = _existing_post(c, request.match_info["post_id"], me, "delete_post")
    if post["user_id"] != me and not c.store.is_system_admin(me):
        # server/channels/api4/post.go deletePost: another's post needs delete_others_posts,
        # which the default roles give system admins only.
        raise permission_error("delete_others_posts", me)
    millis = c.store.millis()
    post["delete_at"] = millis
    post["update_at"] = millis
    publish_post_deleted(c, post, me)
    return status_ok()


def _int_query(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_param(name) from None
    if value < 0:
        raise invalid_param(name)
    return value


async def channel_posts(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    channel_id = request.match_info["channel_id"]
    if channel_id not in c.store.channels:
        raise permission_error("read_channel_content", me)
    _require_member(c, channel_id, me, "read_channel_content")
    page = _int_query(request, "page", 0)
    per_page = min(_int_query(request, "per_page", 60), MAX_PER_PAGE)
    since = _int_query(request, "since", 0)
    ids = c.store.post_order[channel_id]
    newest_first = [c.store.posts[i] for i in reversed(ids)]
    if since:
        # `GetPostsSince`: everything touched after `since`, deleted posts included so
        # clients can drop them; paging does not apply.
        # At most 1,000 (store `GetPostsSince`: `LIMIT 1000`, picked without an ORDER BY on
        # PostgreSQL); the emulator keeps the least recently touched, so a client that gets
        # 1,000 can go on from the newest `update_at` it saw.
        touched = sorted(
            (p for p in newest_first if p["update_at"] > since), key=lambda p: p["update_at"]
        )[:MAX_POSTS_SINCE]
        position = {post_id: n for n, post_id in enumerate(ids)}
        chosen = sorted(touched, key=lambda p: position[p["id"]], reverse=True)
    else:
        live = [p for p in newest_first if not p["delete_at"]]
        before, after = request.query.get("before", ""), request.query.get("after", "")
        if after:
            # The page of posts right after `after`, oldest edge first, listed newest first.
            cut = next((n for n, p in enumerate(live) if p["id"] == after), 0)
            newer = live[:cut]
            end = max(0, len(newer) - per_page * page)
            chosen = newer[max(0, end - per_page) : end]
        else:
            if before:
                cut = next((n for n, p in enumerate(live) if p["id"] == before), len(live))
                live = live[cut + 1 :]
            chosen = live[page * per_page : (page + 1) * per_page]
    body: JSON = {
        "order": [p["id"] for p in chosen],
        "posts": {p["id"]: client_post(p) for p in chosen},
        "next_post_id": "",
        "prev_post_id": "",
        "has_next": False,
    }
    return json_response(body)


async def create_ephemeral_post(request: web.Request) -> web.Response:
    """Needs the system-wide `create_post_ephemeral` (admins only by default), so a normal bot
    gets a 403 here exactly as on a real server; integrations answer ephemerally instead."""
    c = ctx(request)
    me = require_user(c.store, request)
    body = await read_json(request, "ephemeral_post")
    if not isinstance(body, dict) or not isinstance(body.get("post"), dict):
        raise invalid_body_param("ephemeral_post")
    if not c.store.is_system_admin(me):
        raise permission_error("create_post_ephemeral", me)
    target = str(body.get("user_id", ""))
    post = body["post"]
    channel_id = str(post.get("channel_id", ""))
    if c.store.user(target) is None or not c.store.is_member(channel_id, target):
        raise invalid_param("user_id")
    shown = send_ephemeral(
        c, target, channel_id, me, str(post.get("message", "")), _props(post.get("props"))
    )
    return json_response(client_post(shown), status=201)


def register(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/v4/posts/ephemeral", create_ephemeral_post)
    r.add_post("/api/v4/channels/direct", create_direct_channel)
    r.add_get("/api/v4/channels/{channel_id}/posts", channel_posts)
    r.add_post("/api/v4/posts", create_post)
    r.add_put("/api/v4/posts/{post_id}/patch", patch_post)
    r.add_get("/api/v4/posts/{post_id}", get_post)
    r.add_put("/api/v4/posts/{post_id}", update_post)
    r.add_delete("/api/v4/posts/{post_id}", delete_post)
