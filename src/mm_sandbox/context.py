"""What every handler reaches: the state, the WebSocket hub, trigger IDs and outgoing HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from .errors import invalid_body_param
from .hub import Hub
from .store import Store
from .triggers import TriggerIds


@dataclass
class Context:
    store: Store
    hub: Hub
    triggers: TriggerIds
    outgoing_timeout: float = 30.0
    create_post_delay: float = 0.0  # a fault: how long each POST /posts takes
    # ServiceSettings.PostEditTimeLimit in seconds; -1 (the default) means no limit.
    post_edit_time_limit: int = -1
    http: aiohttp.ClientSession | None = None
    # Things a real server would only log (an invalid dialog, say); tests assert it stays empty.
    problems: list[str] = field(default_factory=list)
    dialogs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Action cookies of ephemeral posts: the opaque value a client sends back -> its content.
    # The server encrypts the content into the value instead (`AddPostActionCookies`).
    action_cookies: dict[str, dict[str, Any]] = field(default_factory=dict)

    def client(self) -> aiohttp.ClientSession:
        if self.http is None or self.http.closed:
            self.http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.outgoing_timeout)
            )
        return self.http


CONTEXT: web.AppKey[Context] = web.AppKey("mm_sandbox.context", Context)


def ctx(request: web.Request) -> Context:
    return request.app[CONTEXT]


async def read_json(request: web.Request, what: str) -> Any:
    """The request body as JSON, or the server's 400 for a body it cannot decode."""
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        raise invalid_body_param(what) from None


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """`Content-Type: application/json` exactly, no charset: the server sets it for every API
    response (server/channels/web/handlers.go, `Handler.ServeHTTP`: "All api response bodies
    will be JSON formatted by default"), and Client4's `doFetchWithResponse` decodes JSON only
    when the header equals that string; anything else reaches the caller as a plain string."""
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type="application/json",
        headers=headers,
    )


def status_ok() -> web.Response:
    return json_response({"status": "OK"})
