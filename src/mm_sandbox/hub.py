"""The WebSocket side: connections, per-connection sequence numbers and the replay buffer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .auth import session_user
from .ids import new_id
from .store import JSON, Store

log = logging.getLogger(__name__)

SERVER_VERSION = "10.5.0.0.emulator.false"
# The server keeps this many sent events per connection for a reliable reconnect.
REPLAY_BUFFER_SIZE = 128
# Closed connections kept resumable per user; older ones are forgotten (as if timed out).
DEAD_CONNECTIONS_PER_USER = 8


def broadcast(
    *, user_id: str = "", channel_id: str = "", team_id: str = "", omit_users: Any = None
) -> JSON:
    return {
        "omit_users": omit_users,
        "user_id": user_id,
        "channel_id": channel_id,
        "team_id": team_id,
        "connection_id": "",
        "omit_connection_id": "",
    }


@dataclass
class Connection:
    connection_id: str
    user_id: str
    next_seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER_SIZE))
    socket: web.WebSocketResponse | None = None
    outbox: asyncio.Queue[str | None] | None = None
    frozen: bool = False  # a half-open link: nothing sent, nothing read (no pongs either)

    def enqueue(self, event: str, data: JSON, bcast: JSON) -> None:
        frame = json.dumps(
            {"event": event, "data": data, "broadcast": bcast, "seq": self.next_seq},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        self.buffer.append((self.next_seq, frame))
        self.next_seq += 1
        if self.outbox is not None:
            self.outbox.put_nowait(frame)

    def can_resume_from(self, sequence_number: int) -> bool:
        if sequence_number == self.next_seq:
            return True
        if sequence_number > self.next_seq or not self.buffer:
            return False
        return self.buffer[0][0] <= sequence_number


class Hub:
    """Delivers events to every socket of every addressed user, the sender's own included."""

    def __init__(
        self,
        store: Store,
        *,
        ping_interval: float = 60.0,
        auth_timeout: float = 5.0,
        hostname: str = "emulator",
    ) -> None:
        self.store = store
        self.ping_interval = ping_interval
        self.auth_timeout = auth_timeout
        self.hostname = hostname
        self.connections: dict[str, Connection] = {}
        self._closing: set[asyncio.Task[Any]] = set()
        self._thawed = asyncio.Event()
        self._thawed.set()

    # --- publishing --------------------------------------------------------------------------

    def send(
        self,
        user_ids: set[str] | list[str],
        event: str,
        data: JSON,
        bcast: JSON,
        extra: dict[str, JSON] | None = None,
    ) -> None:
        """Queue `event` on every connection (live, or dead but still resumable) of `user_ids`;
        `extra[user_id]` adds fields only that user gets (such as `mentions`)."""
        targets = set(user_ids)
        for conn in list(self.connections.values()):
            if conn.user_id in targets:
                payload = {**data, **(extra or {}).get(conn.user_id, {})}
                conn.enqueue(event, payload, bcast)

    def live_connections(self, user_id: str | None = None) -> list[Connection]:
        return [
            c
            for c in self.connections.values()
            if c.socket is not None and (user_id is None or c.user_id == user_id)
        ]

    def freeze_all(self) -> None:
        """Every live socket goes silent both ways while the server still counts it active."""
        for conn in self.live_connections():
            conn.frozen = True
        self._thawed.clear()

    def thaw_all(self) -> None:
        for conn in self.connections.values():
            conn.frozen = False
        self._thawed.set()

    def drop_all(self) -> None:
        self.thaw_all()
        for conn in self.connections.values():
            self._detach(conn, close=True)

    def forget_all(self) -> None:
        self.connections.clear()

    async def close(self) -> None:
        self.drop_all()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def _detach(self, conn: Connection, *, close: bool) -> None:
        socket, outbox = conn.socket, conn.outbox
        conn.socket = None
        conn.outbox = None
        if outbox is not None:
            outbox.put_nowait(None)
        if close and socket is not None and not socket.closed:
            task = asyncio.get_running_loop().create_task(socket.close(code=1001))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    # --- the endpoint ------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        user_id = session_user(self.store, request)
        # Pings are answered in `_read`, so a frozen (half-open) link can leave them unanswered.
        ws = web.WebSocketResponse(heartbeat=self.ping_interval, autoping=False)
        await ws.prepare(request)
        conn: Connection | None = None
        if user_id is not None:
            conn_id = request.query.get("connection_id", "")
            seq_text = request.query.get("sequence_number")
            if conn_id and seq_text is None:
                # The server closes a reconnect that names a connection but no sequence.
                await ws.close()
                return ws
            conn = self._resume(conn_id, user_id, seq_text) if conn_id else None
            if conn is None:
                conn = self._open(user_id)
            self._attach(conn, ws)
        writer: asyncio.Task[None] | None = (
            asyncio.get_running_loop().create_task(self._write(conn)) if conn else None
        )
        try:
            conn, writer = await self._read(ws, conn, writer)
        finally:
            if conn is not None and conn.socket is ws:
                self._detach(conn, close=False)
            if writer is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
            if not ws.closed:
                await ws.close()
        return ws

    def _open(self, user_id: str) -> Connection:
        dead = [c for c in self.connections.values() if c.user_id == user_id and c.socket is None]
        for old in dead[: max(0, len(dead) - DEAD_CONNECTIONS_PER_USER + 1)]:
            del self.connections[old.connection_id]
        conn = Connection(connection_id=new_id(), user_id=user_id)
        self.connections[conn.connection_id] = conn
        conn.enqueue(
            "hello",
            {
                "server_version": SERVER_VERSION,
                "connection_id": conn.connection_id,
                "server_hostname": self.hostname,
            },
            broadcast(user_id=user_id),
        )
        return conn

    def _resume(self, conn_id: str, user_id: str, seq_text: str | None) -> Connection | None:
        """platform `PopulateWebConnConfig` -> hub `CheckConn` ->
        `RemoveInactiveByConnectionID`: only an inactive connection is resumed. One the
        server still counts as active (its socket not yet noticed as gone) is left alone, and
        the newcomer gets a new connection id and a `hello`."""
        conn = self.connections.get(conn_id)
        if conn is not None and conn.socket is not None:
            return None
        try:
            wanted = int(seq_text or "")
        except ValueError:
            return None
        if conn is None or conn.user_id != user_id or not conn.can_resume_from(wanted):
            if conn is not None and conn.user_id == user_id:
                self._detach(conn, close=True)
                del self.connections[conn_id]
            return None
        self._detach(conn, close=True)
        conn.outbox = asyncio.Queue()
        # Replay what the client missed, with the original sequence numbers and no hello.
        for seq, frame in conn.buffer:
            if seq >= wanted:
                conn.outbox.put_nowait(frame)
        return conn

    def _attach(self, conn: Connection, ws: web.WebSocketResponse) -> None:
        if conn.outbox is None:
            conn.outbox = asyncio.Queue()
            # A fresh connection: what is buffered (just the hello) has not been sent yet.
            for _, frame in conn.buffer:
                conn.outbox.put_nowait(frame)
        conn.socket = ws

    async def _write(self, conn: Connection) -> None:
        ws, outbox = conn.socket, conn.outbox
        if ws is None or outbox is None:
            return
        while True:
            frame = await outbox.get()
            while conn.frozen:
                await self._thawed.wait()
            if frame is None or ws.closed:
                return
            try:
                await ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return

    async def _read(
        self,
        ws: web.WebSocketResponse,
        conn: Connection | None,
        writer: asyncio.Task[None] | None,
    ) -> tuple[Connection | None, asyncio.Task[None] | None]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.auth_timeout
        while True:
            timeout = None if conn is not None else max(0.0, deadline - loop.time())
            while conn is not None and conn.frozen:
                await self._thawed.wait()
            try:
                msg = await asyncio.wait_for(ws.receive(), timeout)
            except TimeoutError:
                return conn, writer  # an unauthenticated socket is closed after a while
            if msg.type == WSMsgType.PING:
                while conn is not None and conn.frozen:
                    await self._thawed.wait()
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.pong(msg.data)
                continue
            if msg.type != WSMsgType.TEXT:
                if msg.type in (
                    WSMsgType.CLOSE,
                    WSMsgType.CLOSING,
                    WSMsgType.CLOSED,
                    WSMsgType.ERROR,
                ):
                    return conn, writer
                continue
            try:
                request = json.loads(msg.data)
            except ValueError:
                continue
            if not isinstance(request, dict):
                continue
            seq = request.get("seq")
            action = request.get("action")
            if not isinstance(seq, int) or seq <= 0 or not action:
                await self._reply_error(ws, seq if isinstance(seq, int) else 0, "bad_seq")
                continue
            if action == "authentication_challenge":
                if conn is not None:
                    continue  # already authenticated: the server ignores it, no reply at all
                data = request.get("data")
                token = data.get("token") if isinstance(data, dict) else None
                user_id = self.store.user_for_token(token) if isinstance(token, str) else None
                if user_id is None:
                    return conn, writer  # a bad token closes the socket without a reply
                conn = self._open(user_id)
                self._attach(conn, ws)
                writer = loop.create_task(self._write(conn))
                assert conn.outbox is not None
                conn.outbox.put_nowait(json.dumps({"status": "OK", "seq_reply": seq}))
                continue
            if conn is None:
                await self._reply_error(ws, seq, "not_authenticated")
                continue
            if conn.outbox is None:
                return conn, writer
            if action == "ping":
                reply = {
                    "status": "OK",
                    "seq_reply": seq,
                    "data": {
                        "text": "pong",
                        "version": SERVER_VERSION,
                        "server_time": self.store.millis(),
                        "node_id": "",
                    },
                }
            elif action in ("user_typing", "get_statuses", "get_statuses_by_ids"):
                reply = {"status": "OK", "seq_reply": seq}
            else:
                reply = {
                    "status": "FAIL",
                    "seq_reply": seq,
                    "error": {
                        "id": "api.web_socket_router.bad_action.app_error",
                        "message": "Unknown WebSocket action.",
                    },
                }
            conn.outbox.put_nowait(json.dumps(reply))

    async def _reply_error(self, ws: web.WebSocketResponse, seq: int, kind: str) -> None:
        messages = {
            "bad_seq": "Invalid sequence for WebSocket message.",
            "not_authenticated": "You must be authenticated to use the websocket.",
        }
        body = {
            "status": "FAIL",
            "seq_reply": seq,
            "error": {"id": f"api.web_socket_router.{kind}.app_error", "message": messages[kind]},
        }
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(json.dumps(body))
