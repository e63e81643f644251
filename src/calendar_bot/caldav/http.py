"""HTTP for CalDAV: Basic auth over a lean HTTP/1.1 client (`wire`), Digest over aiohttp;
verified TLS, counted requests, no cookies.

All users share one `Transport`, whose connection pool bounds how many CalDAV requests run
at once; each user's `DavSession` adds its own auth to every request. Thousands of users
then cost a few sockets and no thread each, and nothing a server sets for one user (no
cookie is ever kept) is sent for another.

The split: a Basic-auth request (nearly all of them: an unchanged poll of 10,000 users is
10,000 PROPFINDs a minute) goes through `wire.Client`, which costs a small fraction of
aiohttp's general request path. A session whose server asks for Digest with a
`401 WWW-Authenticate: Digest` (SabreDAV's stock backend offers nothing else) switches to
aiohttp and its own `DigestAuthMiddleware`; that aiohttp session is made only then, so a
bot that never meets Digest never makes one. Each of the two has its own pool of `limit`.
Both are held to the same `AddressPolicy`, timeouts, redirect rule and request count.

Transport problems become ServerUnreachable; messages never carry credentials.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp import (
    ClientHandlerType,
    ClientMiddlewareType,
    ClientRequest,
    ClientResponse,
    DigestAuthMiddleware,
)

from calendar_bot.caldav import wire
from calendar_bot.caldav.addresses import AddressPolicy, GuardedResolver
from calendar_bot.ports import ServerUnreachable

log = logging.getLogger(__name__)

_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int
    body: bytes
    url: str  # the final URL after redirects
    etag: str = ""
    challenge: str = ""  # WWW-Authenticate of a 401


def origin(url: str) -> str:
    """scheme://host[:port], never with userinfo (safe for messages and comparisons)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


class Transport:
    """The connections of every user: at most `limit` requests at once, each socket
    operation bounded by `timeout` seconds (waiting for a free connection is not)."""

    def __init__(self, limit: int, timeout: float, policy: AddressPolicy | None = None) -> None:
        self._limit = limit
        self._seconds = timeout
        self.policy = policy  # None: any address (tools and tests); the bot always has one
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        self._session: aiohttp.ClientSession | None = None  # Digest sessions only
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: wire.Client | None = None  # Basic sessions

    @property
    def timeout(self) -> aiohttp.ClientTimeout:
        return self._timeout

    def client(self) -> wire.Client:
        """The shared lean client, made in the running loop on first use."""
        client = self._client
        if client is None or client.closed or client.loop is not asyncio.get_running_loop():
            client = self._client = wire.Client(
                self._limit,
                connect_timeout=self._seconds,
                read_timeout=self._seconds,
                policy=self.policy,
            )
        return client

    def session(self) -> aiohttp.ClientSession:
        """The shared aiohttp session (for Digest), made in the running loop on first use."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._limit,
                    limit_per_host=0,
                    resolver=GuardedResolver(self.policy) if self.policy else None,
                ),
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": "calendar-bot"},
                timeout=self._timeout,
            )
            self._loop = loop
        return self._session

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and not client.closed:
            await client.close()
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


def basic_auth(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def asks_for_digest(status: int, challenge: str) -> bool:
    """A 401 whose challenges include Digest and not Basic: Basic can never succeed there."""
    if status != 401:
        return False
    schemes = {part.strip().split(" ", 1)[0].lower() for part in _SCHEME.findall(challenge)}
    return "digest" in schemes and "basic" not in schemes


_SCHEME = re.compile(r"(?:^|,)\s*(Basic|Digest|Bearer|Negotiate|NTLM)\b", re.IGNORECASE)


class DavSession:
    """One user's requests: their Basic (or Digest) auth on the shared transport, and a
    request count that includes the extra round trips Digest takes.

    Used by one task at a time (the gateway holds a per-user lock)."""

    def __init__(
        self, username: str, password: str, transport: Transport, *, digest: bool = False
    ) -> None:
        self._transport = transport
        self._username = username
        self._password = password
        self._authorization = basic_auth(username, password)  # always: no unauthenticated probe
        self._digest: DigestAuthMiddleware | None = None
        if digest:
            self._use_digest()
        self.requests = 0
        # The event loop's time by which every request must have its whole answer (a poll's
        # deadline); None: only the transport's per-socket-operation timeout. A server that
        # trickles a byte now and then never trips a socket timeout, only this.
        self.deadline: float | None = None

    def _timeout(self) -> aiohttp.ClientTimeout:
        default = self._transport.timeout
        if self.deadline is None:
            return default
        left = max(self.deadline - asyncio.get_running_loop().time(), 0.001)
        return aiohttp.ClientTimeout(
            total=left, sock_connect=default.sock_connect, sock_read=default.sock_read
        )

    @property
    def scheme(self) -> str:
        return "digest" if self._digest is not None else "basic"

    def _use_digest(self) -> None:
        # a login with ":" cannot be sent by Digest (RFC 1945 11.1); Basic then stays
        if ":" not in self._username:
            self._digest = DigestAuthMiddleware(self._username, self._password)

    async def _count(self, request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        self.requests += 1
        return await handler(request)

    async def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        follow: int = 3,
    ) -> HttpResult:
        """One request; redirects are followed on the same origin only, keeping the method
        (so PROPFIND stays PROPFIND and credentials never leave the server)."""
        result = await self._request(method, url, body, headers, follow)
        if self._digest is None and asks_for_digest(result.status, result.challenge):
            self._use_digest()
            if self._digest is not None:
                log.info("%s asks for Digest authentication; using it", origin(url))
                result = await self._request(method, url, body, headers, follow)
        return result

    async def _request(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str] | None,
        follow: int,
    ) -> HttpResult:
        all_headers = dict(headers or {})
        # Basic needs no middleware (each costs a little per request, and an unchanged poll
        # of thousands of users is made of these); Digest's retries are counted inside it
        middlewares: tuple[ClientMiddlewareType, ...] = ()
        if self._digest is None:
            all_headers["Authorization"] = self._authorization
        else:
            middlewares = (self._digest, self._count)
        if body is not None and "Content-Type" not in all_headers:
            all_headers["Content-Type"] = "application/xml; charset=utf-8"
        current = url
        for _ in range(follow + 1):
            if self._transport.policy is not None:
                self._transport.policy.check_url(current)
            try:
                if middlewares:
                    status, content, header = await self._via_aiohttp(
                        method, current, body, all_headers, middlewares
                    )
                else:
                    self.requests += 1
                    answer = await self._transport.client().request(
                        method, current, all_headers, body, self.deadline
                    )
                    status, content, header = answer.status, answer.body, answer.header_all
            except TimeoutError:
                raise ServerUnreachable(f"timeout talking to {origin(current)}") from None
            except (aiohttp.ClientSSLError, ssl.SSLError):
                raise ServerUnreachable(f"TLS verification failed for {origin(current)}") from None
            except wire.BadResponse as exc:
                raise ServerUnreachable(f"{exc} from {origin(current)}") from None
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                raise ServerUnreachable(
                    f"cannot reach {origin(current)} ({type(exc).__name__})"
                ) from None
            locations = header("location")
            if status in _REDIRECTS and locations:
                target = urljoin(current, locations[0])
                if origin(target) != origin(current):
                    log.info("not following a cross-origin redirect to %s", origin(target))
                    return HttpResult(status, content, current)
                current = target
                continue
            etags = header("etag")
            challenge = ", ".join(header("www-authenticate")) if status == 401 else ""
            return HttpResult(status, content, current, etags[0] if etags else "", challenge)
        return HttpResult(599, b"", current)

    async def _via_aiohttp(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        middlewares: tuple[ClientMiddlewareType, ...],
    ) -> tuple[int, bytes, Callable[[str], list[str]]]:
        """One request of a Digest session, as aiohttp answers it."""
        async with self._transport.session().request(
            method,
            url,
            data=body,
            headers=headers,
            allow_redirects=False,
            timeout=self._timeout(),
            middlewares=middlewares,
        ) as resp:
            content = await resp.read()
            answer = resp.headers
            return resp.status, content, lambda name: answer.getall(name, [])
