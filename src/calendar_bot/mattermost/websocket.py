"""The Mattermost WebSocket listener.

It authenticates with the header on the upgrade (so the server honours a resume), resumes
with connection_id + sequence_number after a drop, pings on its own to notice a dead link,
and when events may have been lost (a sequence gap, or a fresh `hello` where a resume was
asked for) it fetches the missed DM posts over REST. Events are handed to the dispatcher
through bounded per-user queues, so a slow handler never stalls the socket and each user's
messages are handled in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import time
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from calendar_bot.inbound import Dispatcher, IncomingMessage, ProfileChanged
from calendar_bot.mattermost.errors import MattermostError
from calendar_bot.mattermost.metrics import WEBSOCKET_EVENTS
from calendar_bot.mattermost.rest import MattermostClient

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ListenerState:
    connected: bool
    last_event_at: float | None  # Unix seconds of the last frame from the server
    reconnects: int
    resyncs: int


class _SeenPosts:
    """A bounded memory of handled post ids, to de-duplicate WS events against REST resync."""

    def __init__(self, size: int = 10000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def add(self, post_id: str) -> bool:
        """True when the id is new."""
        if post_id in self._ids:
            return False
        self._ids[post_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


class WebSocketListener:
    def __init__(
        self,
        client: MattermostClient,
        dispatcher: Dispatcher,
        *,
        workers: int = 4,
        queue_size: int = 100,
        ping_interval: float = 30.0,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
    ) -> None:
        self._client = client
        self._dispatcher = dispatcher
        self._queues: list[asyncio.Queue[IncomingMessage | ProfileChanged]] = [
            asyncio.Queue(maxsize=queue_size) for _ in range(max(1, workers))
        ]
        self._ping_interval = ping_interval
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._bot_id = ""
        self._bot_mention = re.compile(r"(?!)")  # matches nothing until start() knows the name
        self._connection_id = ""
        self._next_seq = 0
        self._connected = False
        self._last_event_at: float | None = None
        self._reconnects = 0
        self._resyncs = 0
        self._seen = _SeenPosts()
        # DM channel id -> create_at (ms) of the newest post seen there.
        self._dm_channels: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._session: aiohttp.ClientSession | None = None
        self.connected_event = asyncio.Event()

    # ---- public ---------------------------------------------------------------------

    @property
    def state(self) -> ListenerState:
        return ListenerState(self._connected, self._last_event_at, self._reconnects, self._resyncs)

    def is_healthy(self) -> bool:
        return self._connected

    def watch_dm_channel(self, channel_id: str, since_ms: int) -> None:
        """Resync this DM channel from `since_ms` on if events are ever lost (e.g. known
        channels loaded from storage at start)."""
        self._dm_channels[channel_id] = max(self._dm_channels.get(channel_id, 0), since_ms)

    async def start(self) -> None:
        me = await self._client.get_me()
        self._bot_id = str(me["id"])
        self._bot_mention = re.compile(
            rf"(?<![\w@])@{re.escape(str(me.get('username') or ''))}(?![\w.\-])", re.I
        )
        self._stopping.clear()
        self._tasks = [
            asyncio.create_task(self._worker(q), name=f"mm-ws-worker-{i}")
            for i, q in enumerate(self._queues)
        ]
        self._tasks.append(asyncio.create_task(self._run(), name="mm-ws-listener"))

    async def stop(self, drain_timeout: float = 5.0) -> None:
        """Stop reading, give queued events `drain_timeout` seconds to be handled, then stop
        the workers."""
        self._stopping.set()
        reader, workers = self._tasks[-1:], self._tasks[:-1]
        if self._ws is not None:
            await self._ws.close()
        for task in reader:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(drain_timeout):
                await self.drain()
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._connected = False

    async def drain(self) -> None:
        """Wait until every queued event has been handled (tests, graceful shutdown)."""
        for queue in self._queues:
            await queue.join()

    # ---- connection loop ------------------------------------------------------------

    def _url(self) -> str:
        base = self._client.base_url
        scheme = "wss" if base.startswith("https://") else "ws"
        url = f"{scheme}://{base.split('://', 1)[1]}/api/v4/websocket"
        if self._connection_id:
            query = {"connection_id": self._connection_id, "sequence_number": self._next_seq}
            url += "?" + urlencode(query)
        return url

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            started = time.monotonic()
            healthy = False
            try:
                healthy = await self._connect_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Mattermost WebSocket error: %s", type(exc).__name__)
            self._connected = False
            self.connected_event.clear()
            if self._stopping.is_set():
                return
            # A connection that worked (events, or simply stayed up) resets the backoff;
            # one that keeps failing backs off exponentially, with jitter against herds.
            if healthy or time.monotonic() - started > self._ping_interval:
                failures = 0
            delay = min(self._backoff_max, self._backoff_base * (2**failures))
            delay = random.uniform(delay / 2, delay)
            failures = min(failures + 1, 16)
            self._reconnects += 1
            WEBSOCKET_EVENTS.labels("reconnect").inc()
            await asyncio.sleep(delay)

    async def _connect_once(self) -> bool:
        """One connection until it closes; True when it got as far as receiving events."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        resuming = bool(self._connection_id)
        got_events = False
        async with self._session.ws_connect(
            self._url(),
            # The header (not the challenge) so the server honours connection_id on resume.
            headers=self._client.auth_header,
            # aiohttp pings on its own and closes the socket when no pong comes back in
            # half the interval: a half-open link is noticed instead of waited on forever.
            heartbeat=self._ping_interval,
            timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0),
        ) as ws:
            self._ws = ws
            if resuming:
                # A successful resume sends no hello: the upgrade itself is the sign.
                self._connected = True
                self.connected_event.set()
            async for frame in ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                self._last_event_at = time.time()
                try:
                    message = json.loads(frame.data)
                except ValueError:
                    continue
                if not isinstance(message, dict) or "event" not in message:
                    continue  # a reply to something we sent
                got_events = True
                await self._on_event(message)
        self._ws = None
        return got_events

    async def _on_event(self, message: Mapping[str, Any]) -> None:
        event = message.get("event")
        seq = message.get("seq")
        if event == "hello":
            data = message.get("data") or {}
            new_id = str(data.get("connection_id") or "")
            # A hello where a resume was asked for means the server lost our queue; on the
            # first connection, channels known from storage may have missed posts too.
            lost = bool(self._connection_id) or bool(self._dm_channels)
            self._connection_id = new_id
            self._next_seq = 1
            self._connected = True
            self.connected_event.set()
            WEBSOCKET_EVENTS.labels("connected").inc()
            if lost:
                await self._resync("fresh hello after reconnect")
            return
        if isinstance(seq, int) and not isinstance(seq, bool):
            gap = self._next_seq > 0 and seq > self._next_seq
            self._next_seq = max(self._next_seq, seq + 1)
            if gap:
                WEBSOCKET_EVENTS.labels("gap").inc()
                await self._resync(f"sequence gap (got {seq})")
        if event == "posted":
            await self._on_posted(message.get("data") or {})
        elif event == "user_updated":
            # `data.user` is an object here (app/user.go `sendUpdatedUserEvent`).
            user = (message.get("data") or {}).get("user")
            user_id = str(user.get("id") or "") if isinstance(user, dict) else ""
            if user_id and user_id != self._bot_id:
                await self._enqueue(ProfileChanged(user_id))

    async def _on_posted(self, data: Mapping[str, Any]) -> None:
        raw = data.get("post")
        try:
            post = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return
        if not isinstance(post, dict):
            return
        mentions: list[str] = []
        raw_mentions = data.get("mentions")
        if isinstance(raw_mentions, str):
            with contextlib.suppress(ValueError):
                decoded = json.loads(raw_mentions)
                if isinstance(decoded, list):
                    mentions = [str(m) for m in decoded]
        is_dm = data.get("channel_type") == "D"
        # `mentions` also lists everyone for @channel, @all or @here; only a post that names
        # the bot asks it something.
        named = bool(self._bot_mention.search(str(post.get("message") or "")))
        await self._accept(post, is_dm=is_dm, mentions_bot=self._bot_id in mentions and named)

    async def _accept(self, post: Mapping[str, Any], *, is_dm: bool, mentions_bot: bool) -> None:
        post_id = str(post.get("id") or "")
        user_id = str(post.get("user_id") or "")
        channel_id = str(post.get("channel_id") or "")
        if not post_id or not channel_id:
            return
        if is_dm:
            created = int(post.get("create_at") or 0)
            self._dm_channels[channel_id] = max(self._dm_channels.get(channel_id, 0), created)
        if user_id == self._bot_id or str(post.get("type") or "").startswith("system_"):
            return
        if int(post.get("delete_at") or 0):
            return
        if not self._seen.add(post_id):
            return
        event = IncomingMessage(
            user_id=user_id,
            channel_id=channel_id,
            post_id=post_id,
            text=str(post.get("message") or ""),
            is_dm=is_dm,
            mentions_bot=mentions_bot,
            root_id=str(post.get("root_id") or ""),
        )
        WEBSOCKET_EVENTS.labels("post").inc()
        await self._enqueue(event)

    async def _enqueue(self, event: IncomingMessage | ProfileChanged) -> None:
        """Each user's events go to one queue, so they are handled in order."""
        queue = self._queues[zlib.crc32(event.user_id.encode()) % len(self._queues)]
        await queue.put(event)

    async def _resync(self, why: str) -> None:
        """Fetch DM posts we may have missed; handled ids are skipped."""
        self._resyncs += 1
        WEBSOCKET_EVENTS.labels("resync").inc()
        log.info(
            "Mattermost events may be lost (%s): resyncing %d DM channels",
            why,
            len(self._dm_channels),
        )
        for channel_id, since in list(self._dm_channels.items()):
            try:
                # `since` selects posts modified after it; one ms earlier also catches a
                # post created in the same millisecond as the last one seen.
                posts = await self._client.get_channel_posts(channel_id, since=max(since - 1, 1))
            except MattermostError as exc:
                log.warning("resync of a DM channel failed: %s", exc)
                continue
            for post in posts:
                if int(post.get("create_at") or 0) < since:
                    continue  # an older post that was edited, not a new one
                await self._accept(post, is_dm=True, mentions_bot=False)

    # ---- workers --------------------------------------------------------------------

    async def _worker(self, queue: asyncio.Queue[IncomingMessage | ProfileChanged]) -> None:
        while True:
            event = await queue.get()
            try:
                if isinstance(event, ProfileChanged):
                    await self._dispatcher.on_profile_changed(event)
                else:
                    await self._dispatcher.on_message(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("handling a Mattermost message failed")
            finally:
                queue.task_done()
