"""A client written only against standard Mattermost endpoints, plus a tiny integration server.

Nothing here knows it talks to the emulator: the same code would drive a real server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shape(value: Any) -> Any:
    """A value's JSON shape: the keys of every object and the type of every leaf."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


# Free-form bags whose content depends on the client or the bot, not on the server.
OPAQUE_KEYS = frozenset({"props", "metadata", "context", "submission"})


def assert_same_shape(
    actual: Any, expected: Any, *, optional: frozenset[str] = frozenset(), at: str = ""
) -> None:
    """`actual` has every key of `expected` with the same JSON type, and nothing else except
    the keys named in `optional`; the content of `OPAQUE_KEYS` objects is not compared."""
    a, e = shape(actual), shape(expected)
    if isinstance(e, dict):
        assert isinstance(a, dict), f"{at or '<root>'}: expected an object, got {a!r}"
        missing = set(e) - set(a)
        extra = set(a) - set(e) - optional
        assert not missing, f"{at or '<root>'}: missing keys {sorted(missing)}"
        assert not extra, f"{at or '<root>'}: unexpected keys {sorted(extra)}"
        for key in e:
            if e[key] == [] or a[key] == []:
                assert isinstance(actual[key], list), f"{at}/{key}: expected a list"
                continue
            if e[key] == "null" or a[key] == "null":
                continue  # nullable in the real server
            if key in OPAQUE_KEYS:
                assert isinstance(actual[key], dict), f"{at}/{key}: expected an object"
                continue
            assert_same_shape(actual[key], expected[key], optional=optional, at=f"{at}/{key}")
    else:
        assert a == e, f"{at or '<root>'}: expected {e}, got {a}"


@dataclass
class Reply:
    status: int
    body: Any
    headers: CIMultiDict[str]


class Client:
    """REST calls with a bearer token, as any Mattermost client makes them."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str = "") -> None:
        self.session = session
        self.base_url = base_url
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def call(self, method: str, path: str, body: Any = None, **params: Any) -> Reply:
        async with self.session.request(
            method,
            self.base_url + "/api/v4" + path,
            json=body,
            params={k: str(v) for k, v in params.items()} or None,
            headers=self._headers(),
        ) as resp:
            raw = await resp.read()
            data: Any = raw.decode()
            # Decoded only for the exact header, as Client4's `doFetchWithResponse` does.
            if resp.headers.get("Content-Type") == "application/json" and raw:
                data = json.loads(raw)
            return Reply(resp.status, data, CIMultiDict(resp.headers))

    async def get(self, path: str, **params: Any) -> Reply:
        return await self.call("GET", path, **params)

    async def post(self, path: str, body: Any = None) -> Reply:
        return await self.call("POST", path, body)

    async def put(self, path: str, body: Any = None) -> Reply:
        return await self.call("PUT", path, body)

    async def delete(self, path: str) -> Reply:
        return await self.call("DELETE", path)

    async def websocket(self, query: str = "", *, header_auth: bool = True) -> Socket:
        url = self.base_url.replace("http", "ws", 1) + "/api/v4/websocket" + query
        ws = await self.session.ws_connect(
            url, headers=self._headers() if header_auth else None, heartbeat=None
        )
        return Socket(ws)


class Socket:
    """A WebSocket that collects frames and waits for the one a test expects."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._cursor = 0

    async def send(self, payload: Any) -> None:
        await self.ws.send_str(json.dumps(payload))

    async def next(self, within: float = 5.0) -> dict[str, Any]:
        msg = await asyncio.wait_for(self.ws.receive(), within)
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"socket ended: {msg.type}")
        frame: dict[str, Any] = json.loads(msg.data)
        self.frames.append(frame)
        return frame

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], within: float = 5.0
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            frame = await self.next(max(0.01, deadline - loop.time()))
            if predicate(frame):
                return frame

    async def event(self, name: str, within: float = 5.0) -> dict[str, Any]:
        return await self.wait_for(lambda f: f.get("event") == name, within)

    async def closed(self, within: float = 5.0) -> bool:
        """True once the server closes the socket (within `within` seconds)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            try:
                msg = await asyncio.wait_for(self.ws.receive(), deadline - loop.time())
            except TimeoutError:
                return False
            if msg.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.ERROR,
            ):
                return True
            self.frames.append(json.loads(msg.data))
        return False

    async def quiet(self, seconds: float = 0.2) -> list[dict[str, Any]]:
        """Frames that arrive within `seconds` (for asserting that nothing more comes)."""
        got: list[dict[str, Any]] = []
        try:
            while True:
                got.append(await self.next(seconds))
        except TimeoutError:
            return got

    async def close(self) -> None:
        await self.ws.close()


Responder = Callable[[web.Request, Any], Awaitable[web.StreamResponse]]


@dataclass
class Received:
    path: str
    method: str
    headers: dict[str, str]
    json: Any
    form: dict[str, list[str]]
    query: dict[str, str]


@dataclass
class Integration:
    """A bot-side HTTP endpoint on 127.0.0.1 that records what Mattermost sends it."""

    received: list[Received] = field(default_factory=list)
    responders: dict[str, Responder] = field(default_factory=dict)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        assert sockets
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def on(self, path: str, responder: Responder) -> None:
        self.responders[path] = responder

    def answer_json(self, path: str, body: Any, status: int = 200) -> None:
        async def responder(_request: web.Request, _payload: Any) -> web.StreamResponse:
            return web.json_response(body, status=status)

        self.on(path, responder)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        payload: Any = None
        form: dict[str, list[str]] = {}
        if request.content_type == "application/json" and raw:
            payload = json.loads(raw)
        elif request.content_type == "application/x-www-form-urlencoded":
            posted = await request.post()
            for key in posted:
                form[key] = [str(v) for v in posted.getall(key)]
        self.received.append(
            Received(
                request.path,
                request.method,
                dict(request.headers),
                payload,
                form,
                dict(request.query),
            )
        )
        responder = self.responders.get(request.path)
        if responder is None:
            return web.Response(status=200)
        return await responder(request, payload)
