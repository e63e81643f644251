"""Statuses and custom statuses, as server/channels/api4/status.go serves them.

Changing another user's status or custom status passes app/authorization.go
`SessionHasPermissionToUser` (`Store.may_edit_user`): `manage_system`, oneself, or
`edit_other_users` for someone who is not a system admin; otherwise 403 naming
`edit_other_users` (`c.SetPermissionError(model.PermissionEditOtherUsers)`). Reading a status
needs only a session ("No permission check required"). The custom status lives in the user's
props under `customStatus`, a JSON string (model/custom_status.go, app/custom_status.go).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from .auth import require_user
from .context import Context, ctx, json_response, read_json
from .errors import AppError, invalid_param, permission_error
from .events import publish_user_updated

STATUSES = ("online", "offline", "away", "dnd")
DURATIONS = frozenset(
    {"thirty_minutes", "one_hour", "four_hours", "today", "this_week", "date_and_time"}
)
PROPS_KEY = "customStatus"
ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time.Time, as encoding/json writes it
MAX_TEXT_RUNES = 100  # model.CustomStatusTextMaxRunes


def _user_id(request: web.Request, me: str) -> str:
    user_id = request.match_info["user_id"]
    return me if user_id == "me" else user_id


def status_json(c: Context, user_id: str) -> dict[str, Any]:
    """model.Status; a user with none stored reads as offline (app `GetUserStatusesByIds`).
    A timed DND past its end is back to the status before it, as the server's
    `UpdateExpiredDNDStatuses` does."""
    stored = c.store.statuses.get(user_id)
    if stored is not None:
        end = int(stored.get("dnd_end_time") or 0)
        if stored["status"] == "dnd" and end and c.store.now() >= end:
            stored.update(status=stored.get("prev_status") or "online", dnd_end_time=0)
            stored["prev_status"] = ""
        shown = dict(stored)
        shown.pop("prev_status", None)  # `json:"-"` in model.Status
        return shown
    return {
        "user_id": user_id,
        "status": "offline",
        "manual": False,
        "last_activity_at": 0,
        "dnd_end_time": 0,
    }


async def get_user_status(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    return json_response(status_json(c, _user_id(request, me)))


async def update_user_status(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    user_id = _user_id(request, me)
    body = await read_json(request, "status")
    if not isinstance(body, dict):
        raise invalid_param("status")
    if body.get("user_id") != user_id:
        raise invalid_param("user_id")
    if not c.store.may_edit_user(me, user_id):
        raise permission_error("edit_other_users", me)
    status = body.get("status")
    if status not in STATUSES:
        raise invalid_param("status")
    previous = status_json(c, user_id)
    end = body.get("dnd_end_time") if status == "dnd" else 0
    c.store.statuses[user_id] = {
        "user_id": user_id,
        "status": status,
        "manual": True,
        "last_activity_at": c.store.millis(),
        # app/status.go SetStatusDoNotDisturbTimed truncates the end to the minute.
        "dnd_end_time": int(end) // 60 * 60 if isinstance(end, int) and end > 0 else 0,
        "prev_status": previous["status"] if status == "dnd" else "",
    }
    return json_response(status_json(c, user_id))


def _parse_time(raw: Any) -> datetime | None:
    if raw in (None, "", ZERO_TIME):
        return None
    if not isinstance(raw, str):
        raise ValueError(raw)
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(raw)
    return moment


def _valid(duration: str, expires: datetime | None, now: datetime) -> bool:
    """model.CustomStatus.AreDurationAndExpirationTimeValid."""
    if duration == "" and (expires is None or expires >= now):
        return True
    return duration in DURATIONS and expires is not None and expires >= now


def _disabled(where: str) -> AppError:
    return AppError("api.custom_status.disabled", "Custom status is disabled.", 501, where)


async def update_user_custom_status(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    user_id = _user_id(request, me)
    if not c.store.custom_statuses_enabled:
        raise _disabled("updateUserCustomStatus")
    body = await read_json(request, "custom_status")
    now = datetime.fromtimestamp(c.store.now(), UTC)
    try:
        if not isinstance(body, dict):
            raise ValueError(body)
        emoji = str(body.get("emoji") or "")
        text = str(body.get("text") or "")
        duration = str(body.get("duration") or "")
        expires = _parse_time(body.get("expires_at"))
    except ValueError:
        raise invalid_param("custom_status") from None
    if (not emoji and not text) or not _valid(duration, expires, now):
        raise invalid_param("custom_status")
    if not c.store.may_edit_user(me, user_id):
        raise permission_error("edit_other_users", me)
    if c.store.user(user_id) is None:
        raise AppError("app.user.missing_account.const", "Unable to find the user.", 404)
    # CustomStatus.PreSave: a future expiry without a duration is "date_and_time".
    if duration == "" and expires is not None:
        duration = "date_and_time"
    status = {
        "emoji": emoji,
        "text": "".join(list(text)[:MAX_TEXT_RUNES]),
        "duration": duration,
        "expires_at": expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if expires
        else ZERO_TIME,
    }
    _set_prop(c, user_id, json.dumps(status, ensure_ascii=False, separators=(",", ":")))
    return json_response({"status": "OK"})


async def remove_user_custom_status(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    user_id = _user_id(request, me)
    if not c.store.custom_statuses_enabled:
        raise _disabled("removeUserCustomStatus")
    if not c.store.may_edit_user(me, user_id):
        raise permission_error("edit_other_users", me)
    if c.store.user(user_id) is None:
        raise AppError("app.user.missing_account.const", "Unable to find the user.", 404)
    _set_prop(c, user_id, "")  # model.User.ClearCustomStatus
    return json_response({"status": "OK"})


def _set_prop(c: Context, user_id: str, value: str) -> None:
    user = c.store.user(user_id)
    assert user is not None
    props = dict(user.get("props") or {})
    props[PROPS_KEY] = value
    c.store.patch_user(user_id, {"props": props})
    publish_user_updated(c, user_id)  # app.UpdateUser -> sendUpdatedUserEvent


def register(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v4/users/{user_id}/status", get_user_status)
    r.add_put("/api/v4/users/{user_id}/status", update_user_status)
    r.add_put("/api/v4/users/{user_id}/status/custom", update_user_custom_status)
    r.add_delete("/api/v4/users/{user_id}/status/custom", remove_user_custom_status)
