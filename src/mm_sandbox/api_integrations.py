"""Interactive messages, dialogs and slash commands: the parts where the server calls out."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from .auth import require_user
from .context import Context, ctx, json_response, read_json, status_ok
from .errors import AppError, invalid_body_param, invalid_param, permission_error
from .events import (
    publish_open_dialog,
    publish_post_edited,
    publish_posted,
    send_ephemeral,
    update_ephemeral,
)
from .ids import new_id
from .store import JSON, Command, generate_action_ids, retained_props, stamp_edit
from .validation import dialog_problems

_TRIGGER = re.compile(r"^[^\s/][^\s]{0,127}$")
# A few of the server's built-in triggers (app/slashcommands): a custom command cannot take them.
BUILT_IN_TRIGGERS = frozenset(
    {"away", "code", "dnd", "echo", "help", "invite", "join", "leave", "logout", "me", "msg"}
    | {"mute", "offline", "online", "remove", "kick", "rename", "search", "settings", "shrug"}
)


def _integration_error(detail: str, status: int = 400) -> AppError:
    return AppError(
        "api.post.do_action.action_integration.app_error",
        "Action integration error.",
        status,
        detail,
    )


async def _call_integration(c: Context, url: str, payload: JSON) -> Any:
    """`DoActionRequest`: POST JSON, demand 200; the newest server passes 429/503 through and
    maps other 5xx to 502. Returns the decoded JSON answer, or None for an empty body."""
    try:
        async with c.client().post(
            url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        ) as resp:
            raw = await resp.read()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise _integration_error(f"err={type(exc).__name__}") from None
    if status != 200:
        if status in (429, 503):
            raise _integration_error(f"status={status}", status)
        if status >= 500:
            raise _integration_error(f"status={status}", 502)
        raise _integration_error(f"status={status}")
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise _integration_error("err=invalid json response") from None


def _find_action(post: JSON, action_id: str) -> JSON | None:
    for attachment in (post.get("props") or {}).get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        for action in attachment.get("actions") or []:
            if isinstance(action, dict) and action.get("id") == action_id:
                return action
    return None


@dataclass
class _Target:
    """What a click acts on: a stored post, or an ephemeral one known only by its cookie."""

    channel_id: str
    root_id: str
    action_type: str
    data_source: str
    integration: JSON
    retain: JSON
    remove: list[str]
    stored: JSON | None = None


def _stored_target(post: JSON, action_id: str) -> _Target:
    action = _find_action(post, action_id)
    integration = action.get("integration") if action else None
    if action is None or not isinstance(integration, dict) or not integration.get("url"):
        raise AppError("api.post.do_action.action_id.app_error", "Unable to find the action.", 404)
    retain, remove = retained_props(post.get("props") or {})
    return _Target(
        channel_id=post["channel_id"],
        root_id=post["root_id"] or post["id"],
        action_type=str(action.get("type", "")),
        data_source=str(action.get("data_source", "")),
        integration=integration,
        retain=retain,
        remove=remove,
        stored=post,
    )


def _cookie_target(c: Context, post_id: str, cookie_value: str, me: str) -> _Target:
    """app/integration_action.go `DoPostActionWithCookie`: a post the server never stored
    (an ephemeral one) is clicked with the cookie `AddPostActionCookies` put on its action."""
    cookie = c.action_cookies.get(cookie_value)
    if cookie is None or not isinstance(cookie.get("integration"), dict):
        raise _integration_error("no Integration in action cookie")
    if cookie["post_id"] != post_id:
        raise _integration_error("postId doesn't match")
    if not c.store.is_member(cookie["channel_id"], me):
        raise permission_error("read_channel", me)
    return _Target(
        channel_id=cookie["channel_id"],
        root_id=cookie["root_post_id"],
        action_type=cookie["type"],
        data_source=cookie["data_source"],
        integration=cookie["integration"],
        retain=dict(cookie["retain_props"]),
        remove=list(cookie["remove_props"]),
    )


def _with_retained(props: JSON, target: _Target) -> JSON:
    out = copy.deepcopy(props)
    out.update(copy.deepcopy(target.retain))
    for key in target.remove:
        out.pop(key, None)
    return out


async def do_post_action(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    post_id = request.match_info["post_id"]
    action_id = request.match_info["action_id"]
    body = await read_json(request, "post_action") or {}
    if not isinstance(body, dict):
        raise invalid_body_param("post_action")
    post = c.store.live_post(post_id)
    cookie = str(body.get("cookie") or "")
    if post is not None:
        # A stored post wins over any cookie.
        if not c.store.is_member(post["channel_id"], me):
            raise permission_error("read_channel_content", me)
        target = _stored_target(post, action_id)
    elif cookie:
        target = _cookie_target(c, post_id, cookie, me)
    else:
        raise permission_error("read_channel_content", me)
    channel = c.store.channels[target.channel_id]
    user = c.store.user(me) or {}
    client_trigger_id, trigger_id = c.triggers.issue(me)
    context = copy.deepcopy(target.integration.get("context") or {})
    selected = str(body.get("selected_option", "") or "")
    # `PostActionIntegrationRequest`: `data_source` is always in the JSON (no omitempty) but
    # filled, like `context.selected_option`, only for a select with a non-empty choice.
    data_source = ""
    if target.action_type == "select" and selected:
        context["selected_option"] = selected
        data_source = target.data_source
    payload: JSON = {
        "user_id": me,
        "user_name": user.get("username", ""),
        "channel_id": channel["id"],
        "channel_name": channel["name"],
        # A DM has no team, so both stay blank.
        "team_id": channel["team_id"],
        "team_domain": c.store.team["name"] if channel["team_id"] else "",
        "post_id": post_id,
        "trigger_id": trigger_id,
        "type": target.action_type,
        "data_source": data_source,
        "context": context,
    }
    answer = await _call_integration(c, str(target.integration["url"]), payload)
    if answer is not None and not isinstance(answer, dict):
        raise _integration_error("err=invalid json response")
    answer = answer or {}
    update = answer.get("update")
    if isinstance(update, dict):
        props = update.get("props")
        if props is not None and not isinstance(props, dict):
            raise _integration_error("err=invalid update props")
        if target.stored is not None:
            _update_stored(c, target, str(update.get("message", "")), props)
        else:
            # `UpdateEphemeralPost`: the clicking user's copy changes, nothing is stored.
            new_props = _with_retained(props or {}, target)
            update_ephemeral(c, me, post_id, target.channel_id, update, new_props)
    ephemeral_text = answer.get("ephemeral_text")
    if isinstance(ephemeral_text, str) and ephemeral_text:
        # Posted as the clicking user, with only the retained props of the clicked post.
        send_ephemeral(
            c,
            me,
            channel["id"],
            me,
            ephemeral_text,
            copy.deepcopy(target.retain),
            root_id=target.root_id,
        )
    return json_response({"status": "OK", "trigger_id": client_trigger_id})


def _update_stored(c: Context, target: _Target, message: str, props: JSON | None) -> None:
    assert target.stored is not None
    current = c.store.posts[target.stored["id"]]
    # `null` keeps the props; an object replaces them, but the retained keys survive.
    new_props = copy.deepcopy(current["props"]) if props is None else _with_retained(props, target)
    generate_action_ids(new_props)
    edited = copy.deepcopy(current)
    edited.update(message=message, props=new_props)
    stamp_edit(current, edited, c.store.millis())
    c.store.posts[current["id"]] = edited
    publish_post_edited(c, edited)


async def open_dialog(request: web.Request) -> web.Response:
    """No session needed: the trigger ID is the credential and names the user."""
    c = ctx(request)
    body = await read_json(request, "dialog")
    if not isinstance(body, dict):
        raise invalid_body_param("dialog")
    if not body.get("url"):
        raise invalid_param("url")
    trigger = c.triggers.decode(str(body.get("trigger_id", "")))
    dialog = body.get("dialog")
    if not isinstance(dialog, dict):
        raise invalid_body_param("dialog")
    # The server only logs an invalid dialog (the web app then fails to show it); the
    # emulator records the problem so a test run fails where a user would see nothing.
    for problem in dialog_problems(dialog):
        c.problems.append(f"invalid dialog {dialog.get('callback_id', '')!r}: {problem}")
    client_request = {**copy.deepcopy(body), "trigger_id": trigger.client_id}
    publish_open_dialog(c, trigger.user_id, client_request)
    return status_ok()


async def submit_dialog(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    body = await read_json(request, "dialog")
    if not isinstance(body, dict):
        raise invalid_param("dialog")
    url = body.get("url")
    if not url:
        raise invalid_param("url")
    channel_id = str(body.get("channel_id", ""))
    if not c.store.is_member(channel_id, me):
        raise permission_error("read_channel", me)
    channel = c.store.channels[channel_id]
    submission = body.get("submission")
    payload: JSON = {
        "type": "dialog_submission",
        "callback_id": str(body.get("callback_id", "")),
        "state": str(body.get("state", "")),
        "user_id": me,
        "channel_id": channel_id,
        # The server derives the team from the channel: blank for a DM.
        "team_id": channel["team_id"],
        "submission": submission if isinstance(submission, dict) else {},
        "cancelled": bool(body.get("cancelled", False)),
    }
    answer = await _call_integration(c, str(url), payload)
    out: JSON = {}
    if isinstance(answer, dict):
        # `SubmitDialogResponse` fields are omitempty.
        for key in ("error", "errors", "type", "form"):
            if answer.get(key):
                out[key] = answer[key]
    return json_response(out)


async def create_command(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    body = await read_json(request, "command")
    if not isinstance(body, dict):
        raise invalid_body_param("command")
    team_id = str(body.get("team_id", ""))
    # api4/command.go `createCommand`: the permission comes first, for an unknown team too.
    if team_id != c.store.team["id"] or not c.store.may_manage_commands(me):
        raise permission_error("manage_own_slash_commands", me)
    method = str(body.get("method", ""))
    # app/command.go `createCommand` lower-cases the trigger before the duplicate check.
    trigger = str(body.get("trigger", "")).lower()
    url = str(body.get("url", ""))
    if method not in ("P", "G"):
        raise AppError("model.command.is_valid.method.app_error", "Invalid method.", 400)
    if not _TRIGGER.match(trigger):
        raise AppError("model.command.is_valid.trigger.app_error", "Invalid trigger.", 400)
    if not url.startswith(("http://", "https://")):
        raise AppError("model.command.is_valid.url.app_error", "Invalid URL.", 400)
    # app/command.go `createCommand`: a trigger already used in the team (or by a built-in
    # command) is refused with 400, so a bot that creates its command on every start fails
    # from the second start on.
    taken = {cmd.data["trigger"] for cmd in c.store.commands.values() if cmd.team_id == team_id}
    if trigger in taken | BUILT_IN_TRIGGERS:
        raise AppError(
            "api.command.duplicate_trigger.app_error", "This trigger word is already in use.", 400
        )
    millis = c.store.millis()
    data: JSON = {
        "id": new_id(),
        "token": new_id(),
        "create_at": millis,
        "update_at": millis,
        "delete_at": 0,
        "creator_id": me,
        "team_id": team_id,
        "trigger": trigger,
        "method": method,
        "username": str(body.get("username", "")),
        "icon_url": str(body.get("icon_url", "")),
        "auto_complete": bool(body.get("auto_complete", False)),
        "auto_complete_desc": str(body.get("auto_complete_desc", "")),
        "auto_complete_hint": str(body.get("auto_complete_hint", "")),
        "display_name": str(body.get("display_name", "")),
        "description": str(body.get("description", "")),
        "url": url,
        "plugin_id": "",
    }
    c.store.commands[data["id"]] = Command(data)
    return json_response(data, status=201)


async def list_commands(request: web.Request) -> web.Response:
    """api4/command.go `listCommands`: `team_id` is required; `custom_only=true` needs
    `manage_own_slash_commands` (403 without) and lists the caller's own commands, tokens
    included (all commands with `manage_others_slash_commands`, i.e. for admins). Without
    `custom_only` a caller lacking the permission sees only the built-in commands."""
    c = ctx(request)
    me = require_user(c.store, request)
    team_id = request.query.get("team_id", "")
    if not team_id:
        raise invalid_param("team_id")
    if team_id != c.store.team["id"]:
        raise permission_error("view_team", me)
    custom_only = request.query.get("custom_only", "").lower() in ("1", "t", "true")
    may_manage = c.store.may_manage_commands(me)
    if custom_only and not may_manage:
        raise permission_error("manage_own_slash_commands", me)
    if not may_manage:
        return json_response([])  # the emulator has no built-in command to autocomplete
    everyone = c.store.is_system_admin(me)
    found = [
        copy.deepcopy(cmd.data)
        for cmd in c.store.commands.values()
        if cmd.team_id == team_id and (everyone or cmd.data["creator_id"] == me)
    ]
    return json_response(found)


async def execute_command(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    body = await read_json(request, "command_args")
    if not isinstance(body, dict):
        raise invalid_body_param("command_args")
    channel_id = str(body.get("channel_id", ""))
    text = str(body.get("command", ""))
    if not text.startswith("/") or len(text) < 2:
        raise invalid_param("command")
    if not c.store.is_member(channel_id, me):
        raise permission_error("use_slash_commands", me)
    trigger, _, args = text[1:].partition(" ")
    command = next(
        (cmd for cmd in c.store.commands.values() if cmd.data["trigger"] == trigger), None
    )
    if command is None:
        raise AppError(
            "api.command.execute_command.not_found.app_error",
            f"Command with a trigger of '{trigger}' not found.",
            404,
        )
    channel = c.store.channels[channel_id]
    user = c.store.user(me) or {}
    client_trigger_id, trigger_id = c.triggers.issue(me)
    team = c.store.team
    fields: list[tuple[str, str]] = [
        ("channel_id", channel_id),
        ("channel_name", channel["name"]),
        ("command", "/" + trigger),
        ("response_url", f"{c.store.site_url}/hooks/commands/{new_id()}"),
        ("team_domain", team["name"]),
        ("team_id", team["id"]),
        ("text", args.strip()),
        ("token", command.token),
        ("trigger_id", trigger_id),
        ("user_id", me),
        ("user_name", str(user.get("username", ""))),
    ]
    headers = {"Accept": "application/json", "Authorization": f"Token {command.token}"}
    url = str(command.data["url"])
    try:
        if command.data["method"] == "G":
            req = c.client().get(url, params=fields, headers=headers)
        else:
            req = c.client().post(url, data=fields, headers=headers)
        async with req as resp:
            raw = await resp.read()
            status = resp.status
            content_type = resp.content_type
    except (aiohttp.ClientError, TimeoutError, ValueError):
        raise AppError(
            "api.command.execute_command.failed.app_error",
            f"Command with a trigger of '{trigger}' failed.",
            500,
        ) from None
    if status != 200:
        raise AppError(
            "api.command.execute_command.failed_resp.app_error",
            f"Command with a trigger of '{trigger}' returned response {status}.",
            500,
        )
    answer: JSON
    if content_type == "application/json":
        try:
            decoded = json.loads(raw) if raw.strip() else {}
        except ValueError:
            decoded = {"text": raw.decode(errors="replace")}
        answer = decoded if isinstance(decoded, dict) else {"text": raw.decode(errors="replace")}
    else:
        answer = {"text": raw.decode(errors="replace")}
    response_type = answer.get("response_type") or "ephemeral"
    message = str(answer.get("text", ""))
    props: JSON = copy.deepcopy(answer.get("props") or {})
    if answer.get("attachments"):
        props["attachments"] = copy.deepcopy(answer["attachments"])
        generate_action_ids(props)
    if response_type == "in_channel":
        props["from_webhook"] = "true"
        post = c.store.new_post(me, channel_id, message, props)
        post["type"] = str(answer.get("type", "") or "")
        c.store.save_post(post)
        publish_posted(c, post)
    elif message or answer.get("attachments"):
        send_ephemeral(c, me, channel_id, me, message, props)
    out: JSON = {"response_type": response_type, "text": message}
    for key in ("username", "icon_url", "goto_location", "type", "attachments", "props"):
        if answer.get(key):
            out[key] = answer[key]
    out["trigger_id"] = client_trigger_id
    out["skip_slack_parsing"] = bool(answer.get("skip_slack_parsing", False))
    return json_response(out)


def register(app: web.Application) -> None:
    r = app.router
    # api4/integration_action.go `InitAction`: `{action_id:[A-Za-z0-9]+}`; an id with `_` or
    # `-` matches no route and 404s, so such a button can never be clicked.
    r.add_post("/api/v4/posts/{post_id}/actions/{action_id:[A-Za-z0-9]+}", do_post_action)
    r.add_post("/api/v4/actions/dialogs/open", open_dialog)
    r.add_post("/api/v4/actions/dialogs/submit", submit_dialog)
    r.add_post("/api/v4/commands", create_command)
    r.add_get("/api/v4/commands", list_commands)
    r.add_post("/api/v4/commands/execute", execute_command)
