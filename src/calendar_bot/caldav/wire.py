"""A lean HTTP/1.1 client for the CalDAV hot path: one request at a time per pooled
keep-alive connection, answers parsed by `httptools` (llhttp).

At 10,000 users a poll is one PROPFIND per user per minute to the same server, and
aiohttp's general-purpose request path (request and response objects, traces, timers, URL
objects) cost about a fifth of the bot's CPU. This client does only what `DavSession` needs:
it writes the request line and headers itself and reads the whole answer into memory.

- Connections are pooled per origin (scheme, host, port); at most `limit` requests run at
  once over all origins (waiting for a slot is bounded only by the caller's deadline, as
  with aiohttp's connector); idle connections close after `IDLE_SECONDS` and at most `limit`
  of them are kept.
- Names are resolved and every address judged by the `AddressPolicy` (`GuardedResolver`)
  before connecting, and only to those addresses.
- `connect_timeout` bounds connecting (TCP and TLS), `read_timeout` the silence between
  received bytes, and the caller's `deadline` (the event loop's time) the whole request.
  On expiry, or when the caller is cancelled, the connection is aborted, never reused.
- A reused connection the server closed meanwhile (EOF or reset before any byte of the
  answer) is retried once on a new connection, for methods that may be repeated.
- `gzip`/`deflate` are accepted (as aiohttp offered them) and answers decompressed.
- No cookies: nothing is kept between requests but the sockets.
"""

from __future__ import annotations

import asyncio
import functools
import re
import socket
import ssl
import zlib
from dataclasses import dataclass
from typing import Final, cast
from urllib.parse import urlsplit

import httptools
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from calendar_bot.caldav.addresses import AddressPolicy, GuardedResolver

IDLE_SECONDS: Final = 15.0  # aiohttp's keepalive_timeout
# Methods a server cannot mind receiving twice: RFC 9110's idempotent ones and WebDAV's
# read-only ones (aiohttp retried only the former; PROPFIND and REPORT are the hot path).
_REPEATABLE: Final = frozenset(
    {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE", "PROPFIND", "REPORT"}
)
_DEFAULT_PORT: Final = {"http": 80, "https": 443}
# An answer with either of these ends where it says; without, where the connection ends.
_FRAMING: Final = frozenset({"content-length", "transfer-encoding"})
# The most header bytes an answer may carry (aiohttp allowed 8,190 per line): a server that
# sends headers without end is cut off, not kept in memory until the deadline.
MAX_HEADER_BYTES: Final = 64 * 1024


class BadResponse(Exception):
    """The server's answer is not HTTP/1.1 we can read (the message names no data)."""


class ServerDisconnected(ConnectionError):
    """The connection ended before the whole answer arrived."""


class _Stale(ServerDisconnected):
    """A reused connection ended before any byte of the answer: safe to try again."""


@dataclass(slots=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]  # names in lower case, in the order received
    body: bytes

    def header_all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]


# ---------------------------------------------------------------------------- targets
# What yarl (so aiohttp) sends as the request target: the path and query requoted, i.e.
# characters outside their safe sets percent-encoded as UTF-8, existing escapes kept in
# upper case (or decoded when they stand for an unreserved character), a stray "%"
# encoded as %25, "." and ".." segments resolved, a space in the query as "+", no
# fragment. See yarl/_quoters.py (PATH_REQUOTER, QUERY_REQUOTER) and yarl/_path.py.
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_ALLOWED = _UNRESERVED + "!$'()*,"
_PATH_SAFE = _ALLOWED + "@:" + "+&=;" + "/+"
_PATH_PROTECTED = "/+"
_QUERY_SAFE = _ALLOWED + "?/:@" + "=+&;"
_QUERY_PROTECTED = "=+&;"
# Targets made only of these (and no "%" and no dot segment) are sent as they are: the
# common case costs one match.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9\-._~!$'()*,@:+&=;/]*")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9\-._~!$'()*,?/:@=+&;]*")
_HEX = frozenset(b"0123456789ABCDEF")


def _requote(value: str, safe: str, protected: str, *, qs: bool) -> str:
    data = value.encode("utf-8", errors="ignore")
    safe_bytes = frozenset(safe.encode("ascii"))
    out = bytearray()
    i = 0
    while i < len(data):
        ch = data[i]
        if ch == 0x25:  # "%"
            pair = data[i + 1 : i + 3].upper()
            if len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX:
                decoded = chr(int(pair, 16))
                if decoded in safe and decoded not in protected:
                    out.append(ord(decoded))
                else:
                    out += b"%" + pair
                i += 3
            else:
                out += b"%25"
                i += 1
            continue
        if qs and ch == 0x20:
            out.append(0x2B)
        elif ch in safe_bytes:
            out.append(ch)
        else:
            out += b"%%%02X" % ch
        i += 1
    return out.decode("ascii")


def _remove_dot_segments(path: str) -> str:
    segments = path[1:].split("/")
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments[-1] in (".", ".."):
        kept.append("")
    return "/" + "/".join(kept)


def request_target(path: str, query: str) -> str:
    """The origin-form target aiohttp would send for a URL with this path and query."""
    if not _PLAIN_PATH.fullmatch(path) or "/." in path:
        path = _requote(path, _PATH_SAFE, _PATH_PROTECTED, qs=False)
        if "." in path:
            path = _remove_dot_segments(path if path.startswith("/") else "/" + path)
    if not path:
        path = "/"
    if not query:
        return path
    if not _PLAIN_QUERY.fullmatch(query):
        query = _requote(query, _QUERY_SAFE, _QUERY_PROTECTED, qs=True)
    return f"{path}?{query}"


@dataclass(frozen=True, slots=True)
class _Url:
    key: tuple[str, str, int]  # the origin: one pool per key
    host: str  # for resolving and TLS (IDNA, no brackets)
    host_header: str
    target: str


@functools.lru_cache(maxsize=32768)  # a poll asks for the same URLs every minute
def _split(url: str) -> _Url:
    if "\r" in url or "\n" in url:
        raise ValueError("the URL contains a line break")  # urlsplit would drop it silently
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORT:
        raise ValueError("only http and https URLs can be requested")
    name = parts.hostname
    if not name:
        raise ValueError("the URL has no host")
    host = name if name.isascii() else name.encode("idna").decode("ascii")
    port = parts.port or _DEFAULT_PORT[scheme]
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == _DEFAULT_PORT[scheme] else f"{shown}:{port}"
    return _Url((scheme, host, port), host, host_header, request_target(parts.path, parts.query))


def _head(method: str, url: _Url, headers: dict[str, str], body: bytes | None) -> bytes:
    lines = [
        f"{method} {url.target} HTTP/1.1",
        f"Host: {url.host_header}",
        "User-Agent: calendar-bot",
        "Accept: */*",
        "Accept-Encoding: gzip, deflate",
    ]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    elif method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
        lines.append("Content-Length: 0")  # as aiohttp: a body-taking method states none
    text = "\r\n".join(lines)
    # A CR or LF in a header would let it write headers (or a second request) of its own:
    # the head must hold exactly the line breaks put there (counting is cheaper than a
    # search per header).
    breaks = len(lines) - 1
    if text.count("\n") != breaks or text.count("\r") != breaks or "\x00" in text:
        raise ValueError("a header contains a line break")
    return (text + "\r\n\r\n").encode("utf-8")


# ----------------------------------------------------------------------- connections
class _Connection(asyncio.Protocol):
    """One keep-alive connection; one exchange at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop, read_timeout: float) -> None:
        self._loop = loop
        self._read_timeout = read_timeout
        self.transport: asyncio.Transport | None = None
        self.reusable = False  # the last answer left the connection clean and open
        self.used = 0  # exchanges started on it
        self.idle_since = 0.0
        self._waiter: asyncio.Future[Answer] | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._no_body = False
        self._got_bytes = False
        self._headers: list[tuple[str, str]] = []
        self._header_bytes = 0
        self._body: list[bytes] = []
        self._framed = False  # Content-Length or chunked: else the body ends with the socket
        self._headers_done = False
        self._last_read = 0.0
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    def itself(self) -> _Connection:
        return self  # the protocol factory for create_connection

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # a stream transport (uvloop's is not a subclass of asyncio.Transport)
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._last_read = self._loop.time()
        if self._parser is None:
            # bytes nobody asked for: the connection is out of step, never reuse it
            self.abort()
            return
        self._got_bytes = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            self._fail(cause if isinstance(cause, BadResponse) else BadResponse(_reason(exc)))
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self._fail(BadResponse(_reason(exc)))

    def eof_received(self) -> bool | None:
        return False  # close our side as well

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        self.transport = None
        if self._waiter is None or self._waiter.done():
            return
        if not self._framed and self._headers_done and exc is None:
            self._finish()  # the body was "until the server closes", and it closed cleanly
        elif not self._got_bytes and self.used > 1:
            self._fail(_Stale("the server closed a kept-alive connection"))
        else:
            self._fail(ServerDisconnected("the connection ended before the whole answer"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > MAX_HEADER_BYTES:
            raise BadResponse("the answer's headers are too long")
        key = name.decode("latin-1").lower()
        if key in _FRAMING:
            self._framed = True
        self._headers.append((key, value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        parser = self._parser
        assert parser is not None
        status = parser.get_status_code()
        if 100 <= status < 200:  # an interim answer: the real one follows
            self._headers = []
            self._framed = False
            return
        self._headers_done = True
        if self._no_body or status in (204, 304):
            self._framed = True
            self._finish()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._headers_done:
            self._finish()

    # exchanges
    def send(
        self, method: str, head: bytes, body: bytes | None, deadline: float | None
    ) -> asyncio.Future[Answer]:
        """Send one request; the future gets its answer. (A plain function, not one more
        coroutine to step through.) The read timeout and the deadline share one timer: a
        timer per request and per chunk would cost more than the parsing."""
        transport = self.transport
        if transport is None or transport.is_closing():
            raise _Stale("the connection closed while idle")
        now = self._loop.time()
        if deadline is not None and now >= deadline:
            raise TimeoutError
        self.used += 1
        self.reusable = False
        self._parser = httptools.HttpResponseParser(self)
        self._no_body = method == "HEAD"
        self._got_bytes = self._headers_done = self._framed = False
        self._headers, self._body, self._header_bytes = [], [], 0
        waiter = self._waiter = self._loop.create_future()
        transport.write(head + body if body else head)
        self._last_read = now
        self._deadline = deadline
        due = now + self._read_timeout
        self._timer = self._loop.call_at(
            due if deadline is None or due < deadline else deadline, self._check_read
        )
        return waiter

    def _check_read(self) -> None:
        now, deadline = self._loop.time(), self._deadline
        due = self._last_read + self._read_timeout
        if now < due and (deadline is None or now < deadline):
            # bytes came meanwhile: wait again, for whichever comes first
            self._timer = self._loop.call_at(
                due if deadline is None or due < deadline else deadline, self._check_read
            )
            return
        self._timer = None
        self._fail(TimeoutError())

    def _finish(self) -> None:
        waiter, parser = self._waiter, self._parser
        if waiter is None or waiter.done() or parser is None:
            return
        try:
            body = _decoded(b"".join(self._body), self._headers)
        except zlib.error:
            self._fail(BadResponse("the compressed body cannot be decompressed"))
            return
        self.reusable = (
            self._framed
            and parser.should_keep_alive()
            and self.transport is not None
            and not self._no_body  # a HEAD's parser would wait for a body: start afresh
        )
        self._parser = None
        self._stop_timer()
        waiter.set_result(Answer(parser.get_status_code(), self._headers, body))

    def _fail(self, exc: Exception) -> None:
        self.abort()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def abort(self) -> None:
        self.reusable = False
        self._stop_timer()
        if self.transport is not None:
            self.transport.abort()


def _reason(exc: Exception) -> str:
    # llhttp's reasons are fixed texts ("Invalid status code"); never echo the data
    return f"malformed HTTP answer: {str(exc) or type(exc).__name__}"[:200]


def _decoded(body: bytes, headers: list[tuple[str, str]]) -> bytes:
    encoding = ""
    for name, value in headers:
        if name == "content-encoding":
            encoding = value.strip().lower()
    if not body or encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:  # some servers send raw deflate without the zlib wrapper
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body  # an encoding we never offered: hand it over as it is, as aiohttp did


# ------------------------------------------------------------------------------ pool
class Client:
    """Pooled keep-alive connections of one event loop."""

    def __init__(
        self,
        limit: int,
        connect_timeout: float,
        read_timeout: float,
        policy: AddressPolicy | None = None,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._slots = asyncio.Semaphore(limit) if limit > 0 else None
        self._max_idle = max(limit, 1) if limit > 0 else 100
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        inner: AbstractResolver = DefaultResolver()
        self._resolver: AbstractResolver = GuardedResolver(policy, inner) if policy else inner
        self._tls: ssl.SSLContext | None = None
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._idle_count = 0
        self._sweeper: asyncio.TimerHandle | None = None
        self._busy: set[_Connection] = set()
        self.connections_made = 0  # for tests and benchmarks
        self.closed = False

    async def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None = None,
        deadline: float | None = None,
    ) -> Answer:
        """One request, the whole answer read. Raises TimeoutError, OSError (including
        ssl.SSLError and ServerDisconnected), BadResponse or ValueError."""
        if self.closed:
            raise ServerDisconnected("the client is closed")
        target = _split(url)
        head = _head(method, target, headers, body)
        slots = self._slots
        if slots is None:
            return await self._send(method, target, head, body, deadline)
        if slots.locked():
            async with asyncio.timeout_at(deadline):
                await slots.acquire()
        else:
            await slots.acquire()  # free: returns at once, no timer needed
        try:
            return await self._send(method, target, head, body, deadline)
        finally:
            slots.release()

    async def _send(
        self, method: str, url: _Url, head: bytes, body: bytes | None, deadline: float | None
    ) -> Answer:
        connection = self._take_idle(url.key)
        retry = method in _REPEATABLE
        while True:
            if connection is None:
                async with asyncio.timeout_at(deadline):
                    connection = await self._connect(url)
                retry = False  # a fresh connection that fails is the server's answer
            self._busy.add(connection)
            try:
                answer = await connection.send(method, head, body, deadline)
            except _Stale as exc:
                self._busy.discard(connection)
                if not retry:
                    raise ServerDisconnected(str(exc)) from None
                retry = False
                connection = None
                continue
            except BaseException:
                self._busy.discard(connection)
                connection.abort()  # timeouts and cancellation: never reuse it
                raise
            self._busy.discard(connection)
            if connection.reusable:
                self._put_idle(url.key, connection)
            else:
                connection.abort()
            return answer

    async def _connect(self, url: _Url) -> _Connection:
        key = url.key
        addresses = await self._resolver.resolve(url.host, key[2], socket.AF_UNSPEC)
        tls = self._tls_context() if key[0] == "https" else None
        error: OSError = OSError(f"no address for {url.host}")
        async with asyncio.timeout(self._connect_timeout):
            for address in addresses:
                connection = _Connection(self._loop, self._read_timeout)
                try:
                    await self._loop.create_connection(
                        connection.itself,
                        host=address["host"],
                        port=address["port"],
                        family=address["family"],
                        ssl=tls,
                        server_hostname=url.host if tls else None,
                    )
                except ssl.SSLError:
                    raise  # the server is there but not who it says: no other address helps
                except OSError as exc:
                    error = exc
                    continue
                self.connections_made += 1
                return connection
        raise error

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def _take_idle(self, key: tuple[str, str, int]) -> _Connection | None:
        stack = self._idle.get(key)
        now = self._loop.time()
        while stack:
            connection = stack.pop()  # the most recently used: the least likely closed
            self._idle_count -= 1
            transport = connection.transport
            fresh = now - connection.idle_since < IDLE_SECONDS
            if transport is not None and not transport.is_closing() and fresh:
                return connection
            connection.abort()
        return None

    def _put_idle(self, key: tuple[str, str, int], connection: _Connection) -> None:
        if self.closed:
            connection.abort()
            return
        if self._idle_count >= self._max_idle:
            self._drop_oldest_idle()
        connection.idle_since = self._loop.time()
        self._idle.setdefault(key, []).append(connection)
        self._idle_count += 1
        if self._sweeper is None:
            self._sweeper = self._loop.call_later(IDLE_SECONDS, self._sweep)

    def _drop_oldest_idle(self) -> None:
        oldest = min((s for s in self._idle.values() if s), key=lambda s: s[0].idle_since)
        oldest.pop(0).abort()
        self._idle_count -= 1

    def _sweep(self) -> None:
        """Close connections idle for IDLE_SECONDS; one timer for the whole pool."""
        self._sweeper = None
        cutoff = self._loop.time() - IDLE_SECONDS
        left = 0
        for key, stack in list(self._idle.items()):
            keep = [c for c in stack if c.idle_since > cutoff and c.transport is not None]
            for connection in stack:
                if connection not in keep:
                    connection.abort()
            if keep:
                self._idle[key] = keep
                left += len(keep)
            else:
                del self._idle[key]
        self._idle_count = left
        if left:
            self._sweeper = self._loop.call_later(IDLE_SECONDS / 2, self._sweep)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop  # the loop whose sockets these are: a new loop needs a new client

    def idle_connections(self) -> int:
        """Idle connections still open (one the server closed waits for the sweep)."""
        return sum(1 for stack in self._idle.values() for c in stack if c.transport is not None)

    async def close(self) -> None:
        self.closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for stack in self._idle.values():
            for connection in stack:
                connection.abort()
        self._idle.clear()
        self._idle_count = 0
        for connection in list(self._busy):
            connection.abort()
        await self._resolver.close()
