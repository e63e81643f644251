"""CPU per CalDAV request: aiohttp's request path (as DavSession used it for Basic auth
before caldav/wire.py) against the lean client (DavSession now), side by side.

    .venv/bin/python -m bench.http_client [--requests 3000] [--limit 16] [--rounds 3]

A server in another process (so its CPU is not counted) answers every request on
keep-alive connections with a ~1.5 KB `207 Multi-Status`, like an unchanged PROPFIND of a
calendar. The client process's CPU time is measured over N requests, one at a time, then
200 at once (the pool bounding them to --limit, CALDAV_WORKERS' default 16); the best of
--rounds is printed, in microseconds per request: user + system, and user alone (on
loopback the kernel's send also runs the server side's TCP receive in the client's system
time, the same for both clients; user time is the Python-level cost being replaced).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from calendar_bot.caldav.http import DavSession, Transport, basic_auth

ITEM = (
    "<d:response><d:href>/dav/calendars/user{n}/work/</d:href><d:propstat><d:prop>"
    '<cs:getctag>"ctag-1234567890-{n}"</cs:getctag>'
    "<d:sync-token>http://radicale.org/ns/sync/abcdef0123456789{n}</d:sync-token>"
    "<d:displayname>Work {n}</d:displayname>"
    "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
)
BODY = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<d:multistatus xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">'
    + "".join(ITEM.format(n=n) for n in range(5))
    + "</d:multistatus>"
).encode()
ANSWER = (
    b"HTTP/1.1 207 Multi-Status\r\nContent-Type: text/xml; charset=utf-8\r\n"
    b'ETag: "abc"\r\nContent-Length: %d\r\n\r\n%s' % (len(BODY), BODY)
)
PROPFIND = (
    b"<?xml version='1.0' encoding='utf-8'?>\n"
    b'<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop>'
    b"<cs:getctag/><d:sync-token/><d:displayname/></d:prop></d:propfind>"
)


class _Server(asyncio.Protocol):
    """Answers each request head (bodies are small and arrive with it) with ANSWER."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._buffer = b""

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) != -1:
            head = self._buffer[:end]
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if len(self._buffer) < end + 4 + length:
                return
            self._buffer = self._buffer[end + 4 + length :]
            self._transport.write(ANSWER)


def _serve(port: multiprocessing.Value) -> None:  # type: ignore[valid-type]
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Server, "127.0.0.1", 0)
        port.value = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        await asyncio.Event().wait()

    asyncio.run(main())


class OldPath:
    """DavSession's Basic-auth request as it was: one aiohttp session, a request per call
    with a deadline's ClientTimeout, the whole body read, the headers it looked at."""

    def __init__(self, limit: int) -> None:
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=20, sock_read=20)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=limit, limit_per_host=0),
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": "calendar-bot"},
            timeout=self._timeout,
        )
        self._auth = basic_auth("user", "password")

    async def request(self, url: str) -> int:
        headers = {"Depth": "0", "Authorization": self._auth}
        headers["Content-Type"] = "application/xml; charset=utf-8"
        left = 50.0  # a poll's deadline, as DavSession passed it
        timeout = aiohttp.ClientTimeout(total=left, sock_connect=20, sock_read=20)
        async with self._session.request(
            "PROPFIND", url, data=PROPFIND, headers=headers, allow_redirects=False, timeout=timeout
        ) as resp:
            body = await resp.read()
            resp.headers.get("Location")
            resp.headers.get("ETag", "")
            return resp.status + len(body) * 0

    async def close(self) -> None:
        await self._session.close()


class NewPath:
    def __init__(self, limit: int) -> None:
        self._transport = Transport(limit, 20)
        self._session = DavSession("user", "password", self._transport)

    async def request(self, url: str) -> int:
        self._session.deadline = asyncio.get_running_loop().time() + 50.0
        result = await self._session.request("PROPFIND", url, PROPFIND, {"Depth": "0"})
        return result.status

    async def close(self) -> None:
        await self._transport.close()


def _cpu() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


class _Floor(asyncio.Protocol):
    def __init__(self) -> None:
        self.waiter: asyncio.Future[None] | None = None
        self.got = 0

    def data_received(self, data: bytes) -> None:
        self.got += len(data)
        if self.got >= len(ANSWER) and self.waiter is not None:
            self.got = 0
            self.waiter.set_result(None)


class FloorPath:
    """No HTTP client at all: a fixed request written on one socket and the known answer
    length awaited. What is left (event loop, syscalls) no client can save."""

    def __init__(self, limit: int) -> None:
        self._idle: list[tuple[asyncio.Transport, _Floor]] = []
        self._head = (
            b"PROPFIND /dav/calendars/user/work/ HTTP/1.1\r\nHost: x\r\nContent-Length: %d"
            b"\r\n\r\n%s" % (len(PROPFIND), PROPFIND)
        )

    async def request(self, url: str) -> int:
        loop = asyncio.get_running_loop()
        if self._idle:
            transport, protocol = self._idle.pop()
        else:
            port = int(url.split(":")[2].split("/")[0])
            transport, protocol = await loop.create_connection(_Floor, "127.0.0.1", port)
        protocol.waiter = loop.create_future()
        transport.write(self._head)
        await protocol.waiter
        self._idle.append((transport, protocol))
        return 207

    async def close(self) -> None:
        for transport, _ in self._idle:
            transport.close()


async def _cpu_per_request(
    request: Callable[[str], Awaitable[int]], url: str, n: int, at_once: int
) -> tuple[float, float]:
    """(user, user + system) CPU microseconds per request."""
    for _ in range(50):  # warm up: connections made, code paths hot
        await request(url)
    user, system = _cpu()
    done = 0
    while done < n:
        batch = min(at_once, n - done)
        if batch == 1:
            assert await request(url) == 207
        else:
            statuses = await asyncio.gather(*(request(url) for _ in range(batch)))
            assert all(s == 207 for s in statuses)
        done += batch
    user_after, system_after = _cpu()
    spent_user = (user_after - user) / n * 1e6
    return spent_user, spent_user + (system_after - system) / n * 1e6


Figures = dict[str, dict[int, tuple[float, float]]]


async def measure(url: str, n: int, limit: int, rounds: int) -> Figures:
    figures: Figures = {"aiohttp": {}, "wire": {}, "floor": {}}
    for at_once in (1, 200):
        for _ in range(rounds):
            paths: tuple[tuple[str, type[OldPath | NewPath | FloorPath]], ...] = (
                ("aiohttp", OldPath),
                ("wire", NewPath),
                ("floor", FloorPath),
            )
            for name, kind in paths:
                client = kind(limit)
                try:
                    took = await _cpu_per_request(client.request, url, n, at_once)
                finally:
                    await client.close()
                best = figures[name].get(at_once, took)
                figures[name][at_once] = min(best, took, key=lambda t: t[1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--limit", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=_serve, args=(port,), daemon=True)
    server.start()
    try:
        while port.value == 0:
            time.sleep(0.01)
        url = f"http://127.0.0.1:{port.value}/dav/calendars/user/work/"
        figures = asyncio.run(measure(url, args.requests, args.limit, args.rounds))
    finally:
        server.terminate()
        server.join()
    print(f"answer body {len(BODY)} bytes; {args.requests} requests; limit {args.limit}")
    print(
        f"{'CPU per request (µs)':<30}{'aiohttp':>9}{'wire':>9}{'ratio':>7}"
        f"{'floor':>9}{'aiohttp-floor':>15}{'wire-floor':>12}"
    )
    for at_once in (1, 200):
        label = "one at a time" if at_once == 1 else f"{at_once} at once"
        for part, index in (("user+system", 1), ("user only", 0)):
            old, new, floor = (figures[k][at_once][index] for k in ("aiohttp", "wire", "floor"))
            print(
                f"{label + ', ' + part:<30}{old:>9.1f}{new:>9.1f}{old / new:>6.1f}x"
                f"{floor:>9.1f}{old - floor:>15.1f}{new - floor:>12.1f}"
            )


if __name__ == "__main__":
    main()
