"""Real CalDAV servers for tests: Radicale and Xandikos as subprocesses on 127.0.0.1.

Radicale runs with htpasswd (plain) users and owner_only rights. Xandikos has no auth of its
own in plain HTTP, so it runs in its documented reverse-proxy mode (`multi-user` trusting
`X-Remote-User` from 127.0.0.1) behind a small aiohttp proxy that checks HTTP Basic auth, as a
production deployment would. The same proxy, put in front of either server, injects faults
(5xx, hang, truncated multistatus, 404) for chosen paths: a real server behind, a real HTTP
fault in front.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

import niquests
import pytest
from aiohttp import ClientSession, ClientTimeout, web
from lxml import etree

from calendar_bot.domain.model import Credentials

_BIN = Path(sys.executable).parent
_users = itertools.count(1)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answers(url: str, process: subprocess.Popen[bytes] | None, deadline: float) -> None:
    """Poll until the server answers any HTTP status, or fail at the deadline."""
    end = time.monotonic() + deadline
    last: Exception | None = None
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited early with {process.returncode}")
        try:
            niquests.get(url, timeout=1, allow_redirects=False)
            return
        except Exception as exc:  # not up yet
            last = exc
            time.sleep(0.02)
    raise TimeoutError(f"{url} did not answer within {deadline}s: {last!r}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# ---- the proxy: auth front and fault injection ----------------------------------------------


class Fault(StrEnum):
    SERVER_ERROR = "5xx"
    HANG = "hang"
    TRUNCATE = "truncate"
    NOT_FOUND = "404"
    TRICKLE = "trickle"  # the real answer, one byte every `trickle_seconds`
    SLOW = "slow"  # the real answer, after `slow_seconds`
    # A well-formed Depth-1 PROPFIND answer that lists only the collection asked about (a
    # calendar home "with no calendars"); other requests pass.
    EMPTY_LISTING = "empty listing"
    FORBIDDEN = "403"


class Proxy:
    """An aiohttp reverse proxy on its own thread and event loop.

    `users` (when given) makes it check Basic auth and pass the user on as X-Remote-User.
    `faults` maps a path prefix to a Fault; it can be changed while running.
    """

    def __init__(
        self,
        upstream: str,
        users: dict[str, str] | None = None,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.users = users
        self.handler = handler
        self.faults: dict[str, Fault] = {}
        # Called (in a worker thread) before a request is forwarded: (method, path). Tests use
        # it to make a real concurrent edit on the server between a client's read and write.
        self.before_forward: Callable[[str, str], None] | None = None
        self.hang_seconds = 30.0
        self.trickle_seconds = 2.0
        self.slow_seconds = 1.0
        # Applied to every answer's body on its way back (a server that serves bad bytes).
        self.rewrite: Callable[[bytes], bytes] | None = None
        self.hits: list[tuple[str, str]] = []  # (method, path) of every request seen
        # Pretend to be a server without RFC 6578 (as Mail.ru may be): no sync-token
        # properties, and sync-collection REPORTs refused.
        self.hide_sync = False
        self.refuse_sync = False  # keep the tokens in listings, but refuse sync-collection
        # Applied to every 207 REPORT answer: tests use it to hand the bot objects the real
        # server would not store (unreadable ones).
        self.rewrite_report: Callable[[bytes], bytes] | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="test-proxy")

    def start(self) -> Proxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise TimeoutError("proxy did not start")
        return self

    def stop(self) -> None:
        if self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def fault(self, path_prefix: str, fault: Fault) -> None:
        self.faults[path_prefix] = fault

    def clear(self) -> None:
        self.faults.clear()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handler or self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port)
        await site.start()
        async with ClientSession(timeout=ClientTimeout(total=60)) as client:
            self._client = client
            self._ready.set()
            await self._stopping.wait()
        await runner.cleanup()

    def _fault_for(self, path: str) -> Fault | None:
        for prefix, fault in self.faults.items():
            if path.startswith(prefix):
                return fault
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append((request.method, request.path))
        headers = {
            k: v
            for k, v in request.headers.items()
            # no Accept-Encoding: faults and filters work on the plain body
            if k.lower()
            not in {
                "host",
                "content-length",
                "x-remote-user",
                "transfer-encoding",
                "accept-encoding",
            }
        }
        if self.users is not None:
            user = _basic_user(request.headers.get("Authorization", ""), self.users)
            if user is None:
                return web.Response(
                    status=401, headers={"WWW-Authenticate": 'Basic realm="test"'}, text="no"
                )
            headers["X-Remote-User"] = user
            headers.pop("Authorization", None)
        fault = self._fault_for(request.path)
        if fault is Fault.SERVER_ERROR:
            return web.Response(status=503, text="Service Unavailable")
        if fault is Fault.NOT_FOUND:
            return web.Response(status=404, text="Not Found")
        if fault is Fault.FORBIDDEN:
            return web.Response(status=403, text="Forbidden")
        if fault is Fault.HANG:
            assert self._stopping is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.hang_seconds)
            return web.Response(status=504, text="too late")
        if fault is Fault.SLOW:
            await asyncio.sleep(self.slow_seconds)
        body = await request.read()
        refuse = self.hide_sync or self.refuse_sync
        if refuse and request.method == "REPORT" and b"sync-collection" in body:
            return web.Response(status=403, text="sync-collection not supported")
        if self.before_forward is not None:
            await asyncio.to_thread(self.before_forward, request.method, request.path)
        async with self._client.request(
            request.method,
            self.upstream + request.path_qs,
            data=body,
            headers=headers,
            allow_redirects=False,
        ) as upstream:
            payload = await upstream.read()
            if self.rewrite is not None:
                payload = self.rewrite(payload)
            out_headers = {
                k: v
                for k, v in upstream.headers.items()
                # the body is passed on decompressed
                if k.lower()
                not in {"content-length", "transfer-encoding", "connection", "content-encoding"}
            }
            if self.hide_sync and request.method == "PROPFIND" and upstream.status == 207:
                payload = _SYNC_TOKEN_PROP.sub(b"", payload)
            if (
                fault is Fault.EMPTY_LISTING
                and request.method == "PROPFIND"
                and request.headers.get("Depth") == "1"
                and upstream.status == 207
            ):
                payload = _only_self(payload, request.path)
            if self.rewrite_report and request.method == "REPORT" and upstream.status == 207:
                payload = self.rewrite_report(payload)
            if fault is Fault.TRUNCATE and upstream.status == 207:
                payload = payload[: max(len(payload) // 2, 1)]
            if "Location" in out_headers and out_headers["Location"].startswith(self.upstream):
                out_headers["Location"] = self.url + out_headers["Location"][len(self.upstream) :]
            if fault is Fault.TRICKLE:
                return await self._trickle(request, upstream.status, payload, out_headers)
            return web.Response(status=upstream.status, body=payload, headers=out_headers)

    async def _trickle(
        self, request: web.Request, status: int, payload: bytes, headers: dict[str, str]
    ) -> web.StreamResponse:
        """A slow server: headers at once, then the body a byte at a time, never idle for
        long enough to trip a client's read timeout."""
        assert self._stopping is not None
        response = web.StreamResponse(status=status, headers=headers)
        response.content_length = len(payload)
        await response.prepare(request)
        for i in range(len(payload)):
            try:
                await response.write(payload[i : i + 1])
            except ConnectionError:
                return response  # the client gave up
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.trickle_seconds)
            if self._stopping.is_set():
                break
        return response


def _only_self(multistatus: bytes, path: str) -> bytes:
    """The multistatus without the responses about anything but `path` itself."""
    root = etree.fromstring(multistatus)
    for response in root.findall("{DAV:}response"):
        href = unquote(urlsplit(response.findtext("{DAV:}href") or "").path)
        if href.rstrip("/") != unquote(path).rstrip("/"):
            root.remove(response)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


_SYNC_TOKEN_PROP = re.compile(
    rb"<(?:[\w-]+:)?sync-token\b[^>]*?(?:/>|>.*?</(?:[\w-]+:)?sync-token>)"
)


def _basic_user(header: str, users: dict[str, str]) -> str | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user if users.get(user) == password else None


# ---- the servers ----------------------------------------------------------------------------


@dataclass
class CalDAVServer:
    """One running CalDAV server and how to provision users and calendars on it."""

    kind: str  # "radicale" | "xandikos"
    base_url: str  # what a user would type as the server
    data_dir: Path
    add_login: Callable[[str, str], None]
    home_path: Callable[[str], str]  # user -> calendar home path
    _passwords: dict[str, str] = field(default_factory=dict)

    def new_user(self, prefix: str = "u") -> Credentials:
        """A fresh user with an empty home; unique per call so tests never share state."""
        name = f"{prefix}{next(_users)}x{uuid.uuid4().hex[:6]}"
        password = f"pw-{uuid.uuid4().hex[:10]}"
        self.add_login(name, password)
        self._passwords[name] = password
        return Credentials(base_url=self.base_url, username=name, password=password)

    def email_of(self, credentials: Credentials) -> str:
        return f"{credentials.username}@example.test"

    def home_url(self, credentials: Credentials) -> str:
        return self.base_url + self.home_path(credentials.username)

    def session(self, credentials: Credentials) -> niquests.Session:
        s = niquests.Session()
        s.auth = (credentials.username, credentials.password)
        return s

    def make_calendar(
        self, credentials: Credentials, name: str = "", color: str = "#3366ffff"
    ) -> str:
        """MKCALENDAR a unique calendar in the user's home; returns its absolute URL."""
        slug = f"cal-{uuid.uuid4().hex[:8]}"
        url = f"{self.home_url(credentials)}{slug}/"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'
            ' xmlns:A="http://apple.com/ns/ical/"><D:set><D:prop>'
            f"<D:displayname>{name or slug}</D:displayname>"
            f"<A:calendar-color>{color}</A:calendar-color>"
            "<C:supported-calendar-component-set><C:comp name='VEVENT'/>"
            "</C:supported-calendar-component-set>"
            "</D:prop></D:set></C:mkcalendar>"
        )
        with self.session(credentials) as s:
            r = s.request("MKCALENDAR", url, data=body, headers={"Content-Type": "application/xml"})
        assert r.status_code in (200, 201), (r.status_code, r.text)
        return url

    def put_ics(
        self,
        credentials: Credentials,
        calendar_url: str,
        ics: str,
        name: str = "",
        *,
        etag: str | None = None,
    ) -> str:
        """PUT raw iCalendar text; returns the resource URL."""
        name = name or uuid.uuid4().hex
        url = calendar_url + (name if name.endswith(".ics") else name + ".ics")
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag is not None:
            headers["If-Match"] = etag
        with self.session(credentials) as s:
            r = s.put(url, data=ics.encode(), headers=headers)
        assert r.status_code in (200, 201, 204), (r.status_code, r.text)
        return url

    def get_ics(self, credentials: Credentials, url: str) -> tuple[str, str]:
        """(body, etag) of a resource."""
        with self.session(credentials) as s:
            r = s.get(url)
        assert r.status_code == 200, (r.status_code, url)
        return r.text or "", r.headers.get("ETag", "")

    def delete(self, credentials: Credentials, url: str) -> None:
        with self.session(credentials) as s:
            r = s.delete(url)
        assert r.status_code in (200, 204), (r.status_code, url)


@contextlib.contextmanager
def run_radicale() -> Iterator[CalDAVServer]:
    tmp = Path(tempfile.mkdtemp(prefix="radicale-"))
    users = tmp / "users"
    users.write_text("")
    port = free_port()
    log = (tmp / "radicale.log").open("wb")
    process = subprocess.Popen(
        [
            str(_BIN / "radicale"),
            "--config",
            "",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(tmp / "collections"),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(users),
            "--auth-htpasswd-encryption",
            "plain",
            "--auth-delay",
            "0",
            "--rights-type",
            "owner_only",
            "--logging-level",
            "warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    lock = threading.Lock()

    def add_login(user: str, password: str) -> None:
        with lock, users.open("a") as f:
            f.write(f"{user}:{password}\n")

    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answers(base + "/", process, 15)
        yield CalDAVServer("radicale", base, tmp, add_login, lambda u: f"/{u}/")
    finally:
        _stop(process)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def run_xandikos() -> Iterator[CalDAVServer]:
    tmp = Path(tempfile.mkdtemp(prefix="xandikos-"))
    port = free_port()
    log = (tmp / "xandikos.log").open("wb")
    process = subprocess.Popen(
        [
            str(_BIN / "xandikos"),
            "multi-user",
            "-d",
            str(tmp / "data"),
            "--state-dir",
            str(tmp / "state"),
            "-l",
            "127.0.0.1",
            "-p",
            str(port),
            "--defaults",
            "--no-detect-systemd",
            "--trust-x-remote-user-from",
            "127.0.0.1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    logins: dict[str, str] = {}
    proxy: Proxy | None = None
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/", process, 20)
        proxy = Proxy(f"http://127.0.0.1:{port}", users=logins).start()
        yield CalDAVServer(
            "xandikos", proxy.url, tmp, logins.__setitem__, lambda u: f"/{u}/calendars/"
        )
    finally:
        if proxy is not None:
            proxy.stop()
        _stop(process)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


# ---- a plain HTTP server that is not CalDAV --------------------------------------------------


async def _plain_page(request: web.Request) -> web.StreamResponse:
    return web.Response(text="<html><body>Hello</body></html>", content_type="text/html")


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def radicale() -> Iterator[CalDAVServer]:
    with run_radicale() as server:
        yield server


@pytest.fixture(scope="session")
def xandikos() -> Iterator[CalDAVServer]:
    with run_xandikos() as server:
        yield server


@pytest.fixture(params=["radicale", "xandikos"])
def caldav_server(request: pytest.FixtureRequest) -> CalDAVServer:
    server: CalDAVServer = request.getfixturevalue(request.param)
    return server


@pytest.fixture
def fault_proxy(caldav_server: CalDAVServer) -> Iterator[tuple[CalDAVServer, Proxy]]:
    """The parametrized server seen through a fault-injecting proxy.

    Yields (a CalDAVServer whose base_url is the proxy, the proxy); provisioning through it
    works as long as no fault matches.
    """
    proxy = Proxy(caldav_server.base_url).start()
    proxy.hang_seconds = 10.0
    fronted = CalDAVServer(
        caldav_server.kind,
        proxy.url,
        caldav_server.data_dir,
        caldav_server.add_login,
        caldav_server.home_path,
    )
    try:
        yield fronted, proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="session")
def plain_http_server() -> Iterator[str]:
    """A web server that answers every request with an HTML page: not CalDAV."""
    server = Proxy("http://127.0.0.1:9", handler=_plain_page).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def unreachable_url() -> str:
    """A 127.0.0.1 URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"
