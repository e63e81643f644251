"""A thin async client for the Mattermost REST API v4 (only the calls the bot makes).

Every call goes through one token bucket, is retried with exponential backoff and jitter on
5xx and network errors, and waits out a 429 for as long as the server asks. Creating a post
carries a `pending_post_id` that is the same for every attempt of one delivery, so the
server's pending-post de-duplication turns a retried create into the same post.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import random
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import aiohttp

from calendar_bot.mattermost.errors import (
    MattermostError,
    MattermostForbidden,
    MattermostNotFound,
    MattermostUnavailable,
    error_for,
)
from calendar_bot.mattermost.metrics import REQUESTS
from calendar_bot.mattermost.ratelimit import TokenBucket
from calendar_bot.ports import ChatUser

log = logging.getLogger(__name__)

JSON = dict[str, Any]

_RETRY_STATUSES = frozenset({500, 502, 503, 504})
_MAX_RETRY_AFTER = 60.0
POSTS_SINCE_LIMIT = 1000  # the most a `since` query answers with


def chat_user_from_profile(profile: Mapping[str, Any]) -> ChatUser:
    """A Mattermost user object as a ChatUser; the effective time zone follows the profile's
    own switch (automatic zone when useAutomaticTimezone is "true", else the manual one)."""
    tz = profile.get("timezone") or {}
    zone = ""
    if isinstance(tz, Mapping):
        automatic = str(tz.get("automaticTimezone") or "")
        manual = str(tz.get("manualTimezone") or "")
        if str(tz.get("useAutomaticTimezone", "true")).lower() == "true":
            zone = automatic or manual
        else:
            zone = manual or automatic
    return ChatUser(
        id=str(profile.get("id", "")),
        username=str(profile.get("username", "")),
        email=str(profile.get("email") or ""),
        locale=str(profile.get("locale") or ""),
        timezone=zone,
        first_name=str(profile.get("first_name") or ""),
        last_name=str(profile.get("last_name") or ""),
        is_bot=bool(profile.get("is_bot", False)),
    )


def pending_post_id(bot_id: str, idempotency_key: str) -> str:
    """Deterministic per delivery: a retried or replayed create maps to the same pending id."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:26]
    return f"{bot_id}:{digest}"


def _retry_after_seconds(headers: Mapping[str, str]) -> float:
    # Mattermost sends both as seconds from now (not an epoch), rounded up.
    for name in ("Retry-After", "X-Ratelimit-Reset"):
        value = headers.get(name)
        if value:
            try:
                seconds = float(value)
            except ValueError:
                continue
            if math.isfinite(seconds):
                return min(max(seconds, 0.05), _MAX_RETRY_AFTER)
    return 1.0


class MattermostClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        limiter: TokenBucket | None = None,
        timeout: float = 30.0,
        max_attempts: int = 5,
        max_rate_limited_waits: int = 50,
        backoff_base: float = 0.25,
        backoff_max: float = 10.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("the Mattermost URL must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.limiter = limiter or TokenBucket()
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_attempts = max(1, max_attempts)
        self._max_rate_limited_waits = max_rate_limited_waits
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._session = session
        self._own_session = session is None
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._me: JSON | None = None

    # ---- lifecycle ------------------------------------------------------------------

    @property
    def auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # TLS verification stays on: the default connector verifies certificates.
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._own_session = True
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None and not self._session.closed:
            await self._session.close()

    async def __aenter__(self) -> MattermostClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---- transport ------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._backoff_max, self._backoff_base * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """One API call with limiter, retries and typed errors; returns the decoded JSON."""
        url = f"{self.base_url}/api/v4{path}"
        failures = 0
        rate_limited = 0
        data = None if body is None else json.dumps(body)
        headers = {**self.auth_header, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        while True:
            await self.limiter.acquire()
            try:
                async with self._get_session().request(
                    method, url, data=data, params=params, headers=headers
                ) as response:
                    status = response.status
                    if status == 429:
                        REQUESTS.labels("rate_limited").inc()
                        rate_limited += 1
                        wait = _retry_after_seconds(response.headers)
                        if rate_limited > self._max_rate_limited_waits:
                            raise MattermostUnavailable(429, "", "still rate limited")
                        log.info("Mattermost rate limit: waiting %.2fs (%s %s)", wait, method, path)
                        self.limiter.pause(wait)
                        continue
                    raw = await response.read()
                    if status < 400:
                        REQUESTS.labels("ok").inc()
                        return json.loads(raw) if raw.strip() else None
                    error_id, message = _parse_app_error(raw)
                    REQUESTS.labels("server_error" if status >= 500 else "client_error").inc()
                    if status not in _RETRY_STATUSES:
                        raise error_for(status, error_id, message)
                    failure: MattermostError = error_for(status, error_id, message)
            except (aiohttp.ClientError, TimeoutError) as exc:
                REQUESTS.labels("network").inc()
                failure = MattermostUnavailable(0, "", type(exc).__name__)
            failures += 1
            if failures >= self._max_attempts:
                raise failure
            delay = self._backoff(failures - 1)
            log.warning(
                "Mattermost %s %s failed (%s); retry in %.2fs", method, path, failure, delay
            )
            await asyncio.sleep(delay)

    # ---- users ----------------------------------------------------------------------

    async def get_me(self) -> JSON:
        if self._me is None:
            self._me = await self.request("GET", "/users/me")
        return self._me

    async def get_client_config(self) -> JSON:
        """The limited client configuration (no session needed)."""
        result: JSON = await self.request("GET", "/config/client", params={"format": "old"})
        return result

    async def get_roles_by_names(self, names: list[str]) -> list[JSON]:
        result: list[JSON] = await self.request("POST", "/roles/names", body=names)
        return result

    async def bot_may(self, permissions: frozenset[str], *, fresh: bool = False) -> bool:
        """Whether the bot's own roles grant any of `permissions`; `fresh`: read its roles
        anew (an admin may have changed them since start). Unreadable roles grant nothing."""
        me = await self.request("GET", "/users/me") if fresh else await self.get_me()
        names = [n for n in str(me.get("roles", "")).split() if n]
        if not names:
            return False
        try:
            roles = await self.get_roles_by_names(names)
        except MattermostError as exc:
            log.info("could not read the bot's roles: %s", exc)
            return False
        return any(
            isinstance(role, dict) and permissions & set(role.get("permissions") or [])
            for role in roles
        )

    async def get_user(self, user_id: str) -> JSON:
        result: JSON = await self.request("GET", f"/users/{quote(user_id, safe='')}")
        return result

    async def get_user_by_username(self, username: str) -> JSON | None:
        try:
            result: JSON = await self.request(
                "GET", f"/users/username/{quote(username.lstrip('@'), safe='')}"
            )
        except MattermostNotFound:
            return None
        return result

    async def get_users_by_ids(self, user_ids: Sequence[str]) -> list[JSON]:
        if not user_ids:
            return []
        result: list[JSON] = await self.request("POST", "/users/ids", body=list(user_ids))
        return result

    # ---- channels -------------------------------------------------------------------

    async def create_direct_channel(self, bot_id: str, user_id: str) -> str:
        """The DM channel's id (201 even when it exists); cached per pair."""
        key = (bot_id, user_id)
        cached = self._dm_channels.get(key)
        if cached:
            return cached
        channel: JSON = await self.request("POST", "/channels/direct", body=[bot_id, user_id])
        channel_id = str(channel["id"])
        self._dm_channels[key] = channel_id
        return channel_id

    # ---- posts ----------------------------------------------------------------------

    async def create_post(
        self,
        channel_id: str,
        message: str,
        *,
        props: Mapping[str, Any] | None = None,
        pending_post_id: str = "",
        root_id: str = "",
    ) -> JSON:
        body: JSON = {"channel_id": channel_id, "message": message}
        if props:
            body["props"] = dict(props)
        if root_id:
            body["root_id"] = root_id
        # One id for every attempt of this call, so a retry after a lost response is
        # recognised by the server instead of posting twice.
        me = await self.get_me()
        body["pending_post_id"] = pending_post_id or f"{me['id']}:{uuid.uuid4().hex[:26]}"
        result: JSON = await self.request("POST", "/posts", body=body)
        return result

    async def get_post(self, post_id: str) -> JSON:
        result: JSON = await self.request("GET", f"/posts/{quote(post_id, safe='')}")
        return result

    async def update_post(
        self, post_id: str, message: str, props: Mapping[str, Any] | None = None
    ) -> JSON:
        """PUT: a full replacement (omitted fields become blank)."""
        body: JSON = {"id": post_id, "message": message, "props": dict(props or {})}
        result: JSON = await self.request("PUT", f"/posts/{quote(post_id, safe='')}", body=body)
        return result

    async def patch_post(
        self,
        post_id: str,
        *,
        message: str | None = None,
        props: Mapping[str, Any] | None = None,
    ) -> JSON:
        body: JSON = {}
        if message is not None:
            body["message"] = message
        if props is not None:
            # The server decodes props as an object (model.PostPatch); the bundled spec's
            # "type: string" for this field is a known documentation slip.
            body["props"] = dict(props)
        result: JSON = await self.request(
            "PUT", f"/posts/{quote(post_id, safe='')}/patch", body=body
        )
        return result

    async def delete_post(self, post_id: str) -> bool:
        """False when the post is gone or not ours to delete (a bot needs
        delete_others_posts to remove a user's post)."""
        try:
            await self.request("DELETE", f"/posts/{quote(post_id, safe='')}")
        except (MattermostNotFound, MattermostForbidden):
            return False
        return True

    async def get_channel_posts(self, channel_id: str, *, since: int = 0) -> list[JSON]:
        """Posts created or changed since `since` (Unix ms), oldest first. The server answers
        a `since` query with at most 1,000 posts (`GetPostsSince`), so a full answer is
        followed by another from the newest change seen, until nothing new comes back."""
        found: dict[str, JSON] = {}
        cursor = since
        while True:
            params = {"since": str(cursor)} if cursor else None
            result: JSON = await self.request(
                "GET", f"/channels/{quote(channel_id, safe='')}/posts", params=params
            )
            posts = result.get("posts") or {}
            batch = [posts[i] for i in result.get("order") or list(posts) if i in posts]
            fresh = [p for p in batch if str(p.get("id", "")) not in found]
            found.update((str(p.get("id", "")), p) for p in batch)
            if not since or len(batch) < POSTS_SINCE_LIMIT or not fresh:
                break
            # One ms back: another post may share the newest `update_at` seen.
            cursor = max(int(p.get("update_at", 0)) for p in batch) - 1
        return sorted(
            found.values(), key=lambda p: (int(p.get("create_at", 0)), str(p.get("id", "")))
        )

    # ---- integrations ---------------------------------------------------------------

    async def open_dialog(self, trigger_id: str, url: str, dialog: Mapping[str, Any]) -> None:
        await self.request(
            "POST",
            "/actions/dialogs/open",
            body={"trigger_id": trigger_id, "url": url, "dialog": dict(dialog)},
        )

    async def register_slash_command(
        self,
        team_id: str,
        trigger: str,
        url: str,
        *,
        display_name: str = "",
        description: str = "",
        auto_complete_hint: str = "",
    ) -> JSON:
        """Create a custom slash command; the answer holds the `token` Mattermost will send."""
        body: JSON = {
            "team_id": team_id,
            "trigger": trigger,
            "url": url,
            "method": "P",
            "auto_complete": True,
        }
        if display_name:
            body["display_name"] = display_name
        if description:
            body["description"] = description
        if auto_complete_hint:
            body["auto_complete_hint"] = auto_complete_hint
        result: JSON = await self.request("POST", "/commands", body=body)
        return result

    async def list_own_commands(self, team_id: str) -> list[JSON]:
        """The custom slash commands of the team this account may manage, tokens included
        (`GET /commands?custom_only=true`; 403 without `manage_own_slash_commands`)."""
        result = await self.request(
            "GET", "/commands", params={"team_id": team_id, "custom_only": "true"}
        )
        return [c for c in result or [] if isinstance(c, dict)]


def _parse_app_error(raw: bytes) -> tuple[str, str]:
    try:
        data = json.loads(raw)
    except ValueError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    message = str(data.get("message") or "")[:200]
    return str(data.get("id") or ""), message
