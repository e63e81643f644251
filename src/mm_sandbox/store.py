"""The emulator's in-memory state and the JSON shapes the server renders from it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import AppError
from .ids import new_id

JSON = dict[str, Any]

# The server keeps pending post IDs for this long to make post creation idempotent.
PENDING_POST_ID_TTL = 30.0

DEFAULT_TIMEZONE: dict[str, str] = {
    "automaticTimezone": "",
    "manualTimezone": "",
    "useAutomaticTimezone": "true",
}


def timezone_json(timezone: str | dict[str, str] | None) -> dict[str, str]:
    """A `timezone` object with string booleans, as the server stores and returns it."""
    if timezone is None:
        return dict(DEFAULT_TIMEZONE)
    if isinstance(timezone, str):
        return {
            "automaticTimezone": "",
            "manualTimezone": timezone,
            "useAutomaticTimezone": "false",
        }
    return {**DEFAULT_TIMEZONE, **timezone}


# The permissions that matter to the bot, per role, as the server's defaults grant them
# (server/public/model/role.go: system_admin holds every permission, delete_others_posts
# and edit_other_users included; system_user and system_post_all do not).
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "system_user": ("create_direct_channel", "create_post", "delete_post", "edit_post"),
    "system_post_all": ("create_post",),
    "system_admin": (
        "create_direct_channel",
        "create_post",
        "delete_post",
        "delete_others_posts",
        "edit_post",
        "edit_others_posts",
        "manage_system",
        "edit_other_users",
    ),
    # No edit_other_users by default (app/authorization_test.go
    # TestSessionHasPermissionToUser adds it); an admin may grant it.
    "system_user_manager": (),
}


@dataclass
class UserRecord:
    user: JSON
    password: str


@dataclass
class Command:
    data: JSON

    @property
    def token(self) -> str:
        return str(self.data["token"])

    @property
    def team_id(self) -> str:
        return str(self.data["team_id"])


@dataclass
class Store:
    """Everything the server would keep in its database, plus the caches that matter to clients."""

    now: Callable[[], float]
    site_url: str = ""
    users: dict[str, UserRecord] = field(default_factory=dict)
    bots: dict[str, JSON] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # token -> user_id
    access_tokens: dict[str, JSON] = field(default_factory=dict)  # token -> UserAccessToken
    channels: dict[str, JSON] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)  # channel_id -> user ids
    posts: dict[str, JSON] = field(default_factory=dict)  # full posts, integrations included
    post_order: dict[str, list[str]] = field(default_factory=dict)  # channel_id -> ids by creation
    pending_post_ids: dict[str, tuple[str, float]] = field(default_factory=dict)
    commands: dict[str, Command] = field(default_factory=dict)
    ephemeral_posts: dict[str, list[JSON]] = field(default_factory=dict)  # user_id -> posts
    team: JSON = field(default_factory=dict)
    # Whether the `team_user` role holds `manage_own_slash_commands`. A real server's default
    # team_user role lacks it (api4/command_test.go `TestCreateCommandForOtherUser` has to add
    # it); admins may grant it (System Console > Permissions, or the legacy setting
    # `EnableOnlyAdminIntegrations=false`). True here so tests opt into the refusal.
    members_manage_commands: bool = True
    # Each user's status (model.Status) once something set it; others read as offline.
    statuses: dict[str, JSON] = field(default_factory=dict)
    # TeamSettings.EnableCustomUserStatuses (on by default on a real server).
    custom_statuses_enabled: bool = True
    # role name -> the permissions it grants, from api_users.ROLE_PERMISSIONS; a test may
    # grant more, as an admin does in System Console > Permissions.
    role_permissions: dict[str, set[str]] = field(
        default_factory=lambda: {name: set(grants) for name, grants in ROLE_PERMISSIONS.items()}
    )

    def __post_init__(self) -> None:
        millis = self.millis()
        self.team = {
            "id": new_id(),
            "create_at": millis,
            "update_at": millis,
            "delete_at": 0,
            "display_name": "Emulator",
            "name": "emulator",
            "description": "",
            "email": "",
            "type": "O",
            "company_name": "",
            "allowed_domains": "",
            "invite_id": "",
            "allow_open_invite": False,
            "scheme_id": "",
            "group_constrained": False,
            "policy_id": None,
        }

    def millis(self) -> int:
        return int(self.now() * 1000)

    # --- users -------------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        *,
        email: str | None = None,
        password: str = "pw",  # noqa: S107 - a throwaway test credential
        locale: str = "ru",
        timezone: str | dict[str, str] | None = None,
        first_name: str = "",
        last_name: str = "",
        nickname: str = "",
        is_bot: bool = False,
        bot_description: str = "",
    ) -> JSON:
        username = username.lower()
        if self.user_by_username(username) is not None:
            raise AppError(
                "app.user.save.username_exists.app_error",
                "An account with that username already exists.",
                400,
            )
        if email is None:
            email = f"{username}@{'localhost' if is_bot else 'example.com'}"
        if any(r.user["email"] == email.lower() for r in self.users.values()):
            raise AppError(
                "app.user.save.email_exists.app_error",
                "An account with that email already exists.",
                400,
            )
        millis = self.millis()
        user: JSON = {
            "id": new_id(),
            "create_at": millis,
            "update_at": millis,
            "delete_at": 0,
            "username": username,
            "auth_data": "",
            "auth_service": "",
            "email": email.lower(),
            "email_verified": is_bot,
            "nickname": nickname,
            "first_name": first_name,
            "last_name": last_name,
            "position": "",
            "roles": "system_user",
            "props": {},
            "last_password_update": millis,
            "last_picture_update": 0,
            "locale": locale,
            "timezone": timezone_json(timezone),
            "disable_welcome_email": False,
        }
        if is_bot:
            # Missing from the OpenAPI `User` schema, present (omitempty) in the server's model.
            user["is_bot"] = True
            user["bot_description"] = bot_description
        self.users[user["id"]] = UserRecord(user, password)
        return copy.deepcopy(user)

    def user(self, user_id: str) -> JSON | None:
        record = self.users.get(user_id)
        return record.user if record else None

    def is_system_admin(self, user_id: str) -> bool:
        user = self.user(user_id) or {}
        return "system_admin" in str(user.get("roles", "")).split()

    def permissions_of(self, user_id: str) -> set[str]:
        user = self.user(user_id) or {}
        granted: set[str] = set()
        for role in str(user.get("roles", "")).split():
            granted |= self.role_permissions.get(role, set())
        return granted

    def may_edit_user(self, actor_id: str, user_id: str) -> bool:
        """app/authorization.go `SessionHasPermissionToUser`: `manage_system` may; anyone may
        themselves; `edit_other_users` may, except a system admin."""
        granted = self.permissions_of(actor_id)
        if "manage_system" in granted or actor_id == user_id:
            return True
        if "edit_other_users" not in granted:
            return False
        return self.user(user_id) is not None and not self.is_system_admin(user_id)

    def may_manage_commands(self, user_id: str) -> bool:
        """`SessionHasPermissionToTeam(..., PermissionManageOwnSlashCommands)`."""
        return self.members_manage_commands or self.is_system_admin(user_id)

    def user_by_username(self, username: str) -> JSON | None:
        username = username.lower()
        for record in self.users.values():
            if record.user["username"] == username:
                return record.user
        return None

    def patch_user(self, user_id: str, changes: JSON) -> JSON:
        user = self.users[user_id].user
        user.update(copy.deepcopy(changes))
        user["update_at"] = self.millis()
        return user

    def user_view(self, user_id: str, viewer_id: str) -> JSON:
        """The user as `viewer_id` sees it (`Sanitize`/`SanitizeProfile`)."""
        user = copy.deepcopy(self.users[user_id].user)
        user.pop("auth_data", None)
        if viewer_id != user_id:
            user.pop("last_password_update", None)
            user.pop("email_verified", None)
        return user

    def new_session(self, user_id: str) -> str:
        token = new_id()
        self.sessions[token] = user_id
        return token

    def user_for_token(self, token: str) -> str | None:
        if token in self.sessions:
            return self.sessions[token]
        access = self.access_tokens.get(token)
        if access is not None and access["is_active"]:
            return str(access["user_id"])
        return None

    def add_bot(self, username: str, display_name: str, description: str, owner_id: str) -> JSON:
        user = self.add_user(
            username,
            first_name=display_name,
            password="",
            locale="en",
            is_bot=True,
            bot_description=description,
        )
        bot: JSON = {
            "user_id": user["id"],
            "username": user["username"],
            "display_name": display_name,
            "description": description,
            "owner_id": owner_id,
            "create_at": user["create_at"],
            "update_at": user["update_at"],
            "delete_at": 0,
        }
        self.bots[user["id"]] = bot
        return dict(bot)

    def add_access_token(self, user_id: str, description: str) -> JSON:
        token: JSON = {
            "id": new_id(),
            "token": new_id(),
            "user_id": user_id,
            "description": description,
            "is_active": True,
        }
        self.access_tokens[token["token"]] = token
        return dict(token)

    # --- channels ----------------------------------------------------------------------------

    def direct_channel(self, user_a: str, user_b: str) -> JSON:
        """The DM channel of two users, made on first use (`GetOrCreateDirectChannel`)."""
        first, second = sorted((user_a, user_b))
        name = f"{first}__{second}"
        for existing in self.channels.values():
            if existing["name"] == name:
                return existing
        return self._new_channel(
            name, "", "D", user_a, members={first, second}, team_id="", purpose="", header=""
        )

    def add_channel(
        self,
        name: str,
        display_name: str,
        kind: str,
        creator_id: str,
        *,
        purpose: str = "",
        header: str = "",
    ) -> JSON:
        """A team channel (`O` public, `P` private); the creator is its first member."""
        return self._new_channel(
            name,
            display_name,
            kind,
            creator_id,
            members={creator_id},
            team_id=self.team["id"],
            purpose=purpose,
            header=header,
        )

    def _new_channel(
        self,
        name: str,
        display_name: str,
        kind: str,
        creator_id: str,
        *,
        members: set[str],
        team_id: str,
        purpose: str,
        header: str,
    ) -> JSON:
        millis = self.millis()
        channel: JSON = {
            "id": new_id(),
            "create_at": millis,
            "update_at": millis,
            "delete_at": 0,
            "team_id": team_id,
            "type": kind,
            "display_name": display_name,
            "name": name,
            "header": header,
            "purpose": purpose,
            "last_post_at": millis,
            "total_msg_count": 0,
            "extra_update_at": 0,
            "creator_id": creator_id,
            "scheme_id": None,
            "props": None,
            "group_constrained": None,
            "shared": None,
            "total_msg_count_root": 0,
            "policy_id": None,
            "last_root_post_at": millis,
        }
        self.channels[channel["id"]] = channel
        self.members[channel["id"]] = members
        self.post_order[channel["id"]] = []
        return channel

    def channel_by_name(self, name: str) -> JSON | None:
        return next((c for c in self.channels.values() if c["name"] == name), None)

    def is_member(self, channel_id: str, user_id: str) -> bool:
        return user_id in self.members.get(channel_id, set())

    # --- posts -------------------------------------------------------------------------------

    def new_post(self, user_id: str, channel_id: str, message: str, props: JSON | None) -> JSON:
        millis = self.millis()
        return {
            "id": new_id(),
            "create_at": millis,
            "update_at": millis,
            "edit_at": 0,
            "delete_at": 0,
            "is_pinned": False,
            "user_id": user_id,
            "channel_id": channel_id,
            "root_id": "",
            "original_id": "",
            "message": message,
            "type": "",
            "props": props if props is not None else {},
            "hashtags": "",
            "file_ids": [],
            "pending_post_id": "",
            "remote_id": "",
            "reply_count": 0,
            "last_reply_at": 0,
            "participants": None,
            "metadata": {},
        }

    def save_post(self, post: JSON) -> None:
        self.posts[post["id"]] = post
        self.post_order[post["channel_id"]].append(post["id"])
        channel = self.channels[post["channel_id"]]
        channel["last_post_at"] = post["create_at"]
        channel["last_root_post_at"] = post["create_at"]
        channel["total_msg_count"] += 1
        channel["total_msg_count_root"] += 1

    def live_post(self, post_id: str) -> JSON | None:
        post = self.posts.get(post_id)
        if post is None or post["delete_at"]:
            return None
        return post

    def remember_pending(self, pending_post_id: str, post_id: str) -> None:
        self.pending_post_ids[pending_post_id] = (post_id, self.now() + PENDING_POST_ID_TTL)

    def forget_pending(self, pending_post_id: str) -> None:
        self.pending_post_ids.pop(pending_post_id, None)

    def pending(self, pending_post_id: str) -> str | None:
        entry = self.pending_post_ids.get(pending_post_id)
        if entry is None or entry[1] < self.now():
            return None
        return entry[0]


# Props an action's `update` can never change (model/post.go `PostActionRetainPropKeys`).
RETAINED_PROPS = ("from_webhook", "override_username", "override_icon_url")


def retained_props(props: JSON) -> tuple[JSON, list[str]]:
    """The retained keys a post has (kept through an update) and those it lacks (removed)."""
    retain = {k: copy.deepcopy(props[k]) for k in RETAINED_PROPS if k in props}
    return retain, [k for k in RETAINED_PROPS if k not in props]


def stamp_edit(old: JSON, new: JSON, millis: int) -> None:
    """app/post.go `UpdatePost`: `update_at` always moves; `edit_at` (the "Edited" mark) only
    when the message, the files or the attachments change, not for other props or the pin."""
    new["update_at"] = millis
    old_attachments = (old.get("props") or {}).get("attachments")
    new_attachments = (new.get("props") or {}).get("attachments")
    if (
        new["message"] != old["message"]
        or list(new.get("file_ids") or []) != list(old.get("file_ids") or [])
        or new_attachments != old_attachments
    ):
        new["edit_at"] = millis


def generate_action_ids(props: JSON) -> None:
    """`Post.GenerateActionIds`: every attachment action without an ID gets one."""
    attachments = props.get("attachments")
    if not isinstance(attachments, list):
        return
    for attachment in attachments:
        if not isinstance(attachment, dict):
            continue
        for action in attachment.get("actions") or []:
            if isinstance(action, dict) and not action.get("id"):
                action["id"] = new_id()


def client_post(post: JSON) -> JSON:
    """The post as every client sees it: `StripActionIntegrations` drops each action's
    `integration` (URL and context) — only the integration itself ever gets its context back."""
    out = copy.deepcopy(post)
    attachments = out.get("props", {}).get("attachments")
    if isinstance(attachments, list) and attachments:
        # `PreparePostForClient` lists message attachments as embeds.
        out["metadata"] = {**out.get("metadata", {}), "embeds": [{"type": "message_attachment"}]}
    if isinstance(attachments, list):
        for attachment in attachments:
            if isinstance(attachment, dict):
                for action in attachment.get("actions") or []:
                    if isinstance(action, dict):
                        action.pop("integration", None)
    return out


def post_string(post: JSON) -> str:
    """`data.post` in WebSocket events is the JSON-encoded post, not an object."""
    return json.dumps(client_post(post), ensure_ascii=False, separators=(",", ":"))
