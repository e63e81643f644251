"""Users, bots, sessions and access tokens."""

from __future__ import annotations

import re

from aiohttp import web

from .auth import require_user
from .context import ctx, json_response, read_json
from .errors import AppError, invalid_body_param, invalid_param, not_found, permission_error
from .events import publish_user_updated
from .store import timezone_json

_USERNAME = re.compile(r"^[a-z][a-z0-9.\-_]{2,21}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _user_not_found() -> AppError:
    return not_found("app.user.missing_account.const", "user")


async def create_user(request: web.Request) -> web.Response:
    c = ctx(request)
    body = await read_json(request, "user")
    if not isinstance(body, dict):
        raise invalid_body_param("user")
    username = str(body.get("username", "")).lower()
    email = str(body.get("email", ""))
    password = str(body.get("password", ""))
    if not _USERNAME.match(username):
        raise AppError("model.user.is_valid.username.app_error", "Invalid username.", 400)
    if not _EMAIL.match(email):
        raise AppError("model.user.is_valid.email.app_error", "Invalid email.", 400)
    if len(password) < 8:
        raise AppError(
            "model.user.is_valid.pwd_length.app_error",
            "Your password must contain at least 8 characters.",
            400,
        )
    user = c.store.add_user(
        username,
        email=email,
        password=password,
        locale=str(body.get("locale") or "en"),
        timezone=body.get("timezone") if isinstance(body.get("timezone"), dict) else None,
        first_name=str(body.get("first_name", "")),
        last_name=str(body.get("last_name", "")),
        nickname=str(body.get("nickname", "")),
    )
    return json_response(c.store.user_view(user["id"], user["id"]), status=201)


async def login(request: web.Request) -> web.Response:
    c = ctx(request)
    body = await read_json(request, "login")
    if not isinstance(body, dict):
        raise invalid_body_param("login")
    login_id = str(body.get("login_id", "")).lower()
    password = str(body.get("password", ""))
    for record in c.store.users.values():
        user = record.user
        if (
            login_id in (user["username"], user["email"])
            and record.password
            and (record.password == password)
        ):
            token = c.store.new_session(user["id"])
            # The server answers 200 (the spec says 201) and hands the session over in `Token`.
            response = json_response(c.store.user_view(user["id"], user["id"]))
            response.headers["Token"] = token
            response.set_cookie("MMAUTHTOKEN", token, httponly=True)
            return response
    raise AppError(
        "api.user.login.invalid_credentials_email_username",
        "Enter a valid email or username and/or password.",
        401,
    )


async def get_user(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    user_id = request.match_info["user_id"]
    if user_id == "me":
        user_id = me
    if c.store.user(user_id) is None:
        raise _user_not_found()
    return json_response(c.store.user_view(user_id, me))


PATCHABLE = ("username", "email", "first_name", "last_name", "nickname", "position", "locale")


async def patch_user(request: web.Request) -> web.Response:
    """api4/user.go `patchUser` -> app `PatchUser`: self, or `edit_other_users` (admins);
    only the fields sent change; then `sendUpdatedUserEvent` tells every client."""
    c = ctx(request)
    me = require_user(c.store, request)
    user_id = request.match_info["user_id"]
    if user_id == "me":
        user_id = me
    body = await read_json(request, "user")
    if not isinstance(body, dict):
        raise invalid_body_param("user")
    if user_id != me and not c.store.is_system_admin(me):
        raise permission_error("edit_other_users", me)
    if c.store.user(user_id) is None:
        raise _user_not_found()
    changes: dict[str, object] = {}
    for key in PATCHABLE:
        if key in body:
            if not isinstance(body[key], str):
                raise invalid_body_param("user")
            changes[key] = body[key]
    if "timezone" in body:
        if not isinstance(body["timezone"], dict):
            raise invalid_body_param("user")
        changes["timezone"] = timezone_json({str(k): str(v) for k, v in body["timezone"].items()})
    if "props" in body and isinstance(body["props"], dict):
        changes["props"] = body["props"]
    c.store.patch_user(user_id, changes)
    publish_user_updated(c, user_id)
    return json_response(c.store.user_view(user_id, me))


async def get_user_by_username(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    user = c.store.user_by_username(request.match_info["username"])
    if user is None:
        raise _user_not_found()
    return json_response(c.store.user_view(user["id"], me))


async def get_users_by_ids(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    body = await read_json(request, "user_ids")
    if not isinstance(body, list) or not body or not all(isinstance(i, str) for i in body):
        raise invalid_body_param("user_ids")
    since = int(request.query.get("since", "0") or 0)
    out = []
    for user_id in dict.fromkeys(body):
        user = c.store.user(user_id)
        if user is not None and user["update_at"] > since:
            out.append(c.store.user_view(user_id, me))
    return json_response(out)


async def get_user_teams(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    user_id = request.match_info["user_id"]
    if user_id == "me":
        user_id = me
    if user_id != me:
        raise permission_error("edit_other_users", me)
    return json_response([c.store.team])


async def get_roles_by_names(request: web.Request) -> web.Response:
    """`POST /roles/names` (server/channels/api4/role.go getRolesByNames): any session."""
    c = ctx(request)
    require_user(c.store, request)
    names = await read_json(request, "rolenames")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise invalid_body_param("rolenames")
    return json_response(
        [
            {
                "id": f"role{index:022d}",
                "name": name,
                "display_name": name,
                "description": "",
                "permissions": sorted(c.store.role_permissions[name]),
                "scheme_managed": True,
            }
            for index, name in enumerate(names)
            if name in c.store.role_permissions
        ]
    )


async def create_bot(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    body = await read_json(request, "bot")
    if not isinstance(body, dict) or not body.get("username"):
        raise invalid_body_param("bot")
    username = str(body["username"]).lower()
    if not _USERNAME.match(username):
        raise AppError("model.bot.is_valid.username.app_error", "Invalid username.", 400)
    bot = c.store.add_bot(
        username, str(body.get("display_name", "")), str(body.get("description", "")), me
    )
    return json_response(bot, status=201)


async def create_access_token(request: web.Request) -> web.Response:
    c = ctx(request)
    me = require_user(c.store, request)
    user_id = request.match_info["user_id"]
    body = await read_json(request, "user_access_token")
    if not isinstance(body, dict):
        raise invalid_param("user_access_token")
    if not body.get("description"):
        raise invalid_param("description")
    bot = c.store.bots.get(user_id)
    if user_id != me and (bot is None or bot["owner_id"] != me):
        raise permission_error("edit_other_users", me)
    if c.store.user(user_id) is None:
        raise _user_not_found()
    # Like login, the handler writes 200 although the spec documents 201.
    return json_response(c.store.add_access_token(user_id, str(body["description"])))


def register(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/v4/users", create_user)
    r.add_post("/api/v4/users/login", login)
    r.add_post("/api/v4/users/ids", get_users_by_ids)
    r.add_get("/api/v4/users/username/{username}", get_user_by_username)
    r.add_get("/api/v4/users/{user_id}/teams", get_user_teams)
    r.add_post("/api/v4/users/{user_id}/tokens", create_access_token)
    r.add_get("/api/v4/users/{user_id}", get_user)
    r.add_put("/api/v4/users/{user_id}/patch", patch_user)
    r.add_post("/api/v4/bots", create_bot)
    r.add_post("/api/v4/roles/names", get_roles_by_names)
