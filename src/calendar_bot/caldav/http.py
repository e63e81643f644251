"""HTTP for CalDAV over aiohttp: Basic or Digest auth, verified TLS, counted requests, no
cookies.

All users share one `Transport` (one aiohttp session whose connection pool bounds how many
CalDAV requests run at once); each user's `DavSession` adds its own Basic auth to every
request, or Digest (aiohttp's own `DigestAuthMiddleware`) once the server has asked for it
with a `401 WWW-Authenticate: Digest` (SabreDAV's stock backend offers nothing else).
Thousands of users then cost a few sockets and no thread each. The transport keeps no
cookies, so nothing a server sets for one user is ever sent for another.

Transport problems become ServerUnreachable; messages never carry credentials.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
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
        self.policy = policy  # None: any address (tools and tests); the bot always has one
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def timeout(self) -> aiohttp.ClientTimeout:
        return self._timeout

    def session(self) -> aiohttp.ClientSession:
        """The shared session, made in the running loop on first use."""
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
        session = self._transport.session()
        for _ in range(follow + 1):
            if self._transport.policy is not None:
                self._transport.policy.check_url(current)
            if not middlewares:
                self.requests += 1
            try:
                async with session.request(
                    method,
                    current,
                    data=body,
                    headers=all_headers,
                    allow_redirects=False,
                    timeout=self._timeout(),
                    middlewares=middlewares,
                ) as resp:
                    content = await resp.read()
                    status = resp.status
                    location = resp.headers.get("Location")
                    etag = resp.headers.get("ETag", "")
                    challenge = (
                        ", ".join(resp.headers.getall("WWW-Authenticate", []))
                        if status == 401
                        else ""
                    )
            except TimeoutError:
                raise ServerUnreachable(f"timeout talking to {origin(current)}") from None
            except aiohttp.ClientSSLError:
                raise ServerUnreachable(f"TLS verification failed for {origin(current)}") from None
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                raise ServerUnreachable(
                    f"cannot reach {origin(current)} ({type(exc).__name__})"
                ) from None
            if status in _REDIRECTS and location:
                target = urljoin(current, location)
                if origin(target) != origin(current):
                    log.info("not following a cross-origin redirect to %s", origin(target))
                    return HttpResult(status, content, current)
                current = target
                continue
            return HttpResult(status, content, current, etag, challenge)
        return HttpResult(599, b"", current)
