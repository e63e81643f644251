"""One user's HTTP session to a CalDAV server: Basic auth, verified TLS, counted requests.

Used from one worker thread at a time (the gateway holds a per-user lock). Transport
problems become ServerUnreachable; messages never carry credentials.

The connections may be shared: the gateway gives every user of one server the same
`shared_transport()` (a connection pool sized to its worker threads) and each request carries
its user's Basic auth. Thousands of users then cost a few sockets, not one pool each. Such a
transport keeps no cookies, so nothing a server sets for one user is ever sent for another.
"""

from __future__ import annotations

import http.cookiejar
import logging
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import niquests

from calendar_bot.ports import ServerUnreachable

log = logging.getLogger(__name__)

_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int
    body: bytes
    url: str  # the final URL after redirects
    etag: str = ""


def origin(url: str) -> str:
    """scheme://host[:port], never with userinfo (safe for messages and comparisons)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def shared_transport(pool_size: int) -> niquests.Session:
    """A connection pool for many users of one server: verified TLS, no cookie jar."""
    session = niquests.Session(disable_http3=True, pool_maxsize=pool_size)
    session.verify = True
    session.headers["User-Agent"] = "calendar-bot"
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return session


class DavSession:
    def __init__(
        self,
        username: str,
        password: str,
        timeout: float,
        transport: niquests.Session | None = None,
    ) -> None:
        """`transport`: a shared pool (not closed here); None gives this user its own."""
        self._owned = transport is None
        if transport is None:
            transport = niquests.Session(disable_http3=True, pool_maxsize=4)
            transport.verify = True
            transport.headers["User-Agent"] = "calendar-bot"
        self._session = transport
        self._auth = (username, password)  # always Basic: no unauthenticated probe
        self._timeout = timeout
        self.requests = 0

    def close(self) -> None:
        if self._owned:
            self._session.close()

    def request(
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
        all_headers = dict(headers or {})
        if body is not None and "Content-Type" not in all_headers:
            all_headers["Content-Type"] = "application/xml; charset=utf-8"
        current = url
        for _ in range(follow + 1):
            self.requests += 1
            try:
                resp = self._session.request(
                    method,
                    current,
                    data=body,
                    headers=all_headers,
                    auth=self._auth,
                    timeout=self._timeout,
                    allow_redirects=False,
                )
                content = resp.content or b""
            except niquests.exceptions.Timeout:
                raise ServerUnreachable(f"timeout talking to {origin(current)}") from None
            except niquests.exceptions.SSLError:
                raise ServerUnreachable(f"TLS verification failed for {origin(current)}") from None
            except (niquests.exceptions.RequestException, OSError) as exc:
                raise ServerUnreachable(
                    f"cannot reach {origin(current)} ({type(exc).__name__})"
                ) from None
            status = int(resp.status_code or 0)
            location = resp.headers.get("Location")
            if status in _REDIRECTS and location:
                target = urljoin(current, location)
                if origin(target) != origin(current):
                    log.info("not following a cross-origin redirect to %s", origin(target))
                    return HttpResult(status, content, current)
                current = target
                continue
            return HttpResult(status, content, current, resp.headers.get("ETag", "") or "")
        return HttpResult(599, b"", current)
