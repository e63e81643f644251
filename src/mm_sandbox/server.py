"""The emulator: an aiohttp app that answers like a Mattermost server for the subset a bot uses."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import api_channels, api_integrations, api_posts, api_status, api_system, api_users
from .auth import token_from_request
from .context import CONTEXT, Context
from .errors import AppError
from .events import publish_user_updated
from .hub import SERVER_VERSION, Hub
from .ids import new_id
from .limits import Faults, RateLimit, RateLimiter
from .store import JSON, Store
from .triggers import TRIGGER_ID_LIFETIME, TriggerIds

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# ServiceSettings.MaximumPayloadSizeBytes, default 300000 (model/config.go).
MAX_PAYLOAD_BYTES = 300_000


@dataclass
class RecordedRequest:
    """One HTTP exchange as the emulator saw it, for contract checks in tests."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    response: Any
    route: str = ""
    content_type: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)


def _decode(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    if "json" in content_type:
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(errors="replace")
    return raw.decode(errors="replace")


class Emulator:
    """A local Mattermost for tests and the sandbox. See the package docstring for the scope."""

    def __init__(
        self,
        *,
        site_url: str = "",
        rate_limit: RateLimit | None = None,
        now: Callable[[], float] = time.time,
        ws_ping_interval: float = 60.0,
        ws_auth_timeout: float = 5.0,
        outgoing_timeout: float = 30.0,
        trigger_lifetime: float = TRIGGER_ID_LIFETIME,
        max_recorded: int | None = None,
        webchat: bool = False,
        members_manage_commands: bool = True,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        post_edit_time_limit: int = -1,
    ) -> None:
        """`members_manage_commands=False` is a real server's default permission scheme:
        a user (a bot included) that is not an admin may not create or list slash commands."""
        self._now = now
        self.max_recorded = max_recorded
        self.store = Store(
            now=now,
            site_url=site_url.rstrip("/"),
            members_manage_commands=members_manage_commands,
        )
        self.hub = Hub(self.store, ping_interval=ws_ping_interval, auth_timeout=ws_auth_timeout)
        self.context = Context(
            store=self.store,
            hub=self.hub,
            triggers=TriggerIds(now, trigger_lifetime),
            outgoing_timeout=outgoing_timeout,
            post_edit_time_limit=post_edit_time_limit,
        )
        self._limiter = RateLimiter(rate_limit, now) if rate_limit else None
        self.faults = Faults(
            _drop=self.hub.drop_all,
            _forget=self.hub.forget_all,
            _set_rate_limit=self._set_limit,
            _set_post_delay=self._set_post_delay,
            _freeze=self.hub.freeze_all,
            _thaw=self.hub.thaw_all,
        )
        self.requests: list[RecordedRequest] = []
        self.max_payload_bytes = max_payload_bytes
        self.app = web.Application(
            middlewares=[self._record, self._rate_limit, self._faults, self._errors],
            # Big enough that the emulator, not aiohttp, answers an oversized body.
            client_max_size=max(max_payload_bytes * 4, 1 << 24),
        )
        self.app[CONTEXT] = self.context
        api_users.register(self.app)
        api_status.register(self.app)
        api_posts.register(self.app)
        api_channels.register(self.app)
        api_integrations.register(self.app)
        api_system.register(self.app)
        self.app.router.add_get("/api/v4/websocket", self.hub.handle)
        self.app.router.add_get("/api/v4/websocket/", self.hub.handle)
        if webchat:
            from .webchat import mount_webchat

            mount_webchat(self.app)
        self.app.on_shutdown.append(self._on_shutdown)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        assert sockets
        bound = int(sockets[0].getsockname()[1])
        self.base_url = f"http://{host}:{bound}"
        if not self.store.site_url:
            self.store.site_url = self.base_url
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_shutdown(self, _app: web.Application) -> None:
        await self.hub.close()
        if self.context.http is not None:
            await self.context.http.close()

    # --- admin helpers (no HTTP) -------------------------------------------------------------

    @property
    def team_id(self) -> str:
        return str(self.store.team["id"])

    def create_user(
        self,
        username: str,
        *,
        email: str | None = None,
        password: str = "pw",  # noqa: S107 - a throwaway test credential
        locale: str = "ru",
        timezone: str | dict[str, str] | None = None,
        first_name: str = "",
        last_name: str = "",
    ) -> JSON:
        """A user as the server returns it. `timezone` may be an IANA name (set manually) or
        the full object; the default is the server's (automatic, empty)."""
        return self.store.add_user(
            username,
            email=email,
            password=password,
            locale=locale,
            timezone=timezone,
            first_name=first_name,
            last_name=last_name,
        )

    def create_bot(self, username: str, display_name: str = "") -> tuple[JSON, str]:
        """A bot user (with `is_bot`) and a personal access token for it."""
        bot = self.store.add_bot(username, display_name, "", owner_id="")
        token = self.store.add_access_token(bot["user_id"], "emulator")["token"]
        user = self.store.user(bot["user_id"])
        assert user is not None
        return copy.deepcopy(user), str(token)

    def login_token(self, user_id: str) -> str:
        return self.store.new_session(user_id)

    def user(self, user_id: str) -> JSON:
        user = self.store.user(user_id)
        if user is None:
            raise KeyError(user_id)
        return copy.deepcopy(user)

    def set_user(self, user_id: str, **fields: Any) -> JSON:
        """Change a user's profile (locale, timezone, email...) as an admin would; every
        client hears of it (`user_updated`)."""
        user = self.store.patch_user(user_id, fields)
        publish_user_updated(self.context, user_id)
        return copy.deepcopy(user)

    # --- observation -------------------------------------------------------------------------

    def create_channel(self, name: str, members: list[str], display_name: str = "") -> JSON:
        """A public channel of the team with `members` in it (the first one created it)."""
        channel = self.store.add_channel(name, display_name or name.title(), "O", members[0])
        self.store.members[channel["id"]].update(members)
        return copy.deepcopy(channel)

    def dm_channel_id(self, user_a: str, user_b: str) -> str:
        return str(self.store.direct_channel(user_a, user_b)["id"])

    def posts_in_channel(self, channel_id: str) -> list[JSON]:
        """Live posts, oldest first, as stored (action integrations included)."""
        ids = self.store.post_order.get(channel_id, [])
        return [
            copy.deepcopy(self.store.posts[i]) for i in ids if not self.store.posts[i]["delete_at"]
        ]

    def post(self, post_id: str) -> JSON:
        return copy.deepcopy(self.store.posts[post_id])

    def ephemerals(self, user_id: str) -> list[JSON]:
        """Ephemeral posts shown to `user_id`, oldest first (never stored by a real server)."""
        return copy.deepcopy(self.store.ephemeral_posts.get(user_id, []))

    def dialogs(self, user_id: str) -> list[JSON]:
        """Dialogs opened for `user_id` (the OpenDialogRequest with the client trigger ID)."""
        return copy.deepcopy(self.context.dialogs.get(user_id, []))

    @property
    def problems(self) -> list[str]:
        """What a real server would only log (such as an invalid dialog): tests assert none."""
        return list(self.context.problems)

    def live_websockets(self, user_id: str | None = None) -> int:
        return len(self.hub.live_connections(user_id))

    # --- middlewares -------------------------------------------------------------------------

    def _set_post_delay(self, seconds: float) -> None:
        self.context.create_post_delay = seconds

    def _set_limit(self, settings: RateLimit | None) -> None:
        self._limiter = RateLimiter(settings, self._now) if settings else None

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read() if request.can_read_body else b""
        response = await handler(request)
        if isinstance(response, web.Response):
            body = response.body if isinstance(response.body, bytes) else b""
            decoded = _decode(body, response.content_type)
        else:
            decoded = None
        info = request.match_info.route.resource
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                body=_decode(raw, request.content_type),
                status=response.status,
                response=decoded,
                route=info.canonical if info is not None else "",
                content_type=response.content_type,
                response_headers=dict(response.headers),
            )
        )
        if self.max_recorded is not None and len(self.requests) > self.max_recorded:
            # A long-running sandbox keeps only the latest exchanges.
            del self.requests[: len(self.requests) - self.max_recorded]
        return response

    @web.middleware
    async def _rate_limit(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        limiter = self._limiter
        if limiter is None:
            return await handler(request)
        key = request.remote or "" if limiter.settings.vary_by_remote_addr else ""
        if limiter.settings.vary_by_user:
            key += "|" + (token_from_request(request) or "")
        decision = limiter.check(key)
        if decision.limited:
            return web.Response(
                status=429,
                text="limit exceeded",
                content_type="text/plain",
                headers=decision.headers(),
            )
        response = await handler(request)
        if not response.prepared:
            response.headers.update(decision.headers())
        return response

    @web.middleware
    async def _faults(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.faults.extra_delay > 0:
            await asyncio.sleep(self.faults.extra_delay)
        status = self.faults.take_failure(request.path)
        if status is not None:
            error = AppError("api.emulator.injected_fault.app_error", "Injected fault.", status)
            return error.response(new_id())
        return await handler(request)

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id = new_id()
        try:
            # web/handlers.go `ServeHTTP` reads at most MaximumPayloadSizeBytes + bytes.MinRead.
            if request.body_exists and len(await request.read()) > self.max_payload_bytes + 512:
                raise AppError(
                    "api.context.request_body_too_large.app_error",
                    "The request body is too large.",
                    413,
                )
            response = await handler(request)
        except AppError as exc:
            response = exc.response(request_id)
        except web.HTTPNotFound:
            response = AppError(
                "api.context.404.app_error", "Sorry, we could not find the page.", 404
            ).response(request_id)
        except web.HTTPMethodNotAllowed:
            response = AppError("api.context.405.app_error", "Method not allowed.", 405).response(
                request_id
            )
        if not response.prepared:
            response.headers["X-Request-Id"] = request_id
            response.headers["X-Version-Id"] = SERVER_VERSION
        return response
