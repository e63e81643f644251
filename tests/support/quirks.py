"""Quirk proxies: a real CalDAV server made to behave like one we cannot run here.

Each quirk is a documented behaviour of a real server (see docs/caldav-servers.md):

- `digest`: Digest-only authentication (SabreDAV's stock backend): 401 with
  `WWW-Authenticate: Digest`, Basic never accepted; the login goes on to the server behind
  as Basic.
- `sync_status`: sync-collection answered with this HTTP status (Yandex: 507 on a large
  calendar, i.e. one with more than `large` objects).
- `lenient_tokens` (DAViCal): a sync-collection from a token is answered 207 with every
  current object and no tombstones, as if the token were empty.
- `time_range_omits` (DAViCal): a time-range calendar-query leaves out events with RDATE and
  RANGE=THISANDFUTURE overrides.
- `no_sync_data`: a sync-collection that asks for calendar-data too answered 400 (RFC 6578
  allows any property; a server may still refuse it).
- `mailru`: principal URL form `/principals/<domain>/<local>/`; no current-user-principal
  and no calendar-home-set; a REPORT without a VEVENT comp-filter answers 400; no
  sync-collection (and no sync-token); the uncertain parts too: no calendar-multiget
  (400), no getetag in an etag-only listing.
- `no_listing_etags`: no getetag in a listing that carries no calendar data (a calendar-query
  without calendar-data, a Depth-1 PROPFIND), the uncertain Mail.ru part on its own;
  sync-collection answers keep theirs unless `no_sync_etags`. With `no_sync`, a server
  without RFC 6578 as well (sync-collection refused, no sync-token).
- `partition` (iCloud): discovery at this proxy names a calendar home on another origin
  (`partition.url`), where everything else happens; requests for the home here are
  redirected there.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import niquests
from aiohttp import web
from niquests.auth import HTTPDigestAuth

from calendar_bot.domain.model import Credentials
from tests.support.servers import CalDAVServer, Proxy

_HOP = {"host", "content-length", "x-remote-user", "transfer-encoding", "accept-encoding"}
_OUT_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}
_RESPONSE = re.compile(rb"<(?:[\w-]+:)?response\b.*?</(?:[\w-]+:)?response>", re.DOTALL)
_HREF = re.compile(rb"<(?:[\w-]+:)?href>([^<]*)</(?:[\w-]+:)?href>")
_TOKEN = re.compile(rb"(<(?:[\w-]+:)?sync-token>)([^<]*)(</(?:[\w-]+:)?sync-token>)")


def _prop(name: str) -> re.Pattern[bytes]:
    return re.compile(
        rb"<(?:[\w-]+:)?"
        + name.encode()
        + rb"\b[^>]*?(?:/>|>.*?</(?:[\w-]+:)?"
        + name.encode()
        + rb">)",
        re.DOTALL,
    )


_SYNC_TOKEN = _prop("sync-token")
_GETETAG = _prop("getetag")
_HOME_SET = _prop("calendar-home-set")
_CUP = _prop("current-user-principal")


@dataclass
class Quirks:
    digest: dict[str, str] | None = None  # login -> password, Digest-only front
    sync_status: int | None = None
    large: int = 3
    lenient_tokens: bool = False
    time_range_omits: bool = False
    mailru: bool = False
    no_multiget: bool = False  # calendar-multiget answered 400 (part of `mailru` too)
    no_listing_etags: bool = False  # no getetag in calendar-query / PROPFIND listings
    no_sync_etags: bool = False  # no getetag in sync-collection answers
    no_sync: bool = False  # sync-collection refused (403), no sync-token anywhere
    no_sync_data: bool = False  # a sync-collection asking for calendar-data answered 400
    partition: Proxy | None = None
    hits: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status


class QuirkProxy(Proxy):
    """A reverse proxy in front of a real server that adds `quirks`."""

    def __init__(self, upstream: str, quirks: Quirks) -> None:
        super().__init__(upstream, handler=self._quirky)
        self.quirks = quirks
        self._nonces: set[str] = set()

    async def _quirky(self, request: web.Request) -> web.StreamResponse:
        response = await self._answer(request)
        self.quirks.hits.append((request.method, request.path, response.status))
        return response

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        q = self.quirks
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        path = request.path_qs
        if q.digest is not None:
            user = self._digest_user(request)
            if user is None:
                nonce = secrets.token_hex(16)
                self._nonces.add(nonce)
                challenge = f'Digest realm="quirks", nonce="{nonce}", qop="auth", algorithm=MD5'
                return web.Response(status=401, headers={"WWW-Authenticate": challenge})
            # the server behind checks Basic: the login goes on as Basic
            token = base64.b64encode(f"{user}:{q.digest[user]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        body = await request.read()
        report = request.method == "REPORT"
        sync = report and b"sync-collection" in body
        if q.partition is not None and request.method != "PROPFIND":
            return web.Response(status=301, headers={"Location": q.partition.url + path})
        if q.no_sync_data and sync and b"calendar-data" in body:
            return web.Response(status=400, text="Bad Request")
        if (q.mailru or q.no_multiget) and report and b"calendar-multiget" in body:
            return web.Response(status=400, text="Bad Request")
        if q.no_sync and sync:
            return web.Response(status=403, text="sync-collection not supported")
        if q.mailru:
            path = _mailru_path(path)
            if sync:
                return web.Response(status=400, text="Bad Request")
            if report and b'name="VEVENT"' not in body:
                return web.Response(status=400, text="Bad Request")
        if sync and q.lenient_tokens:
            body = _TOKEN.sub(rb"\1\3", body)
        if self.before_forward is not None:
            await asyncio.to_thread(self.before_forward, request.method, request.path)
        if sync and q.sync_status is not None and await self._members(path, headers) > q.large:
            return web.Response(status=q.sync_status, text="Insufficient Storage")
        status, payload, out = await self._forward(request.method, path, body, headers)
        if status != 207:
            return web.Response(status=status, body=payload, headers=out)
        if sync and q.lenient_tokens:
            payload = _drop(payload, lambda r: b" 404 " in r)
        if report and q.time_range_omits and b"time-range" in body:
            payload = await self._omit_overridden(payload, headers)
        if q.mailru:
            payload = _SYNC_TOKEN.sub(b"", _HOME_SET.sub(b"", _CUP.sub(b"", payload)))
            if report and b"calendar-data" not in body:
                payload = _GETETAG.sub(b"", payload)
        if q.no_sync:
            payload = _SYNC_TOKEN.sub(b"", payload)
        listing = request.method == "PROPFIND" or (report and b"calendar-data" not in body)
        if listing and (q.no_sync_etags if sync else q.no_listing_etags):
            payload = _GETETAG.sub(b"", payload)
        if q.partition is not None:
            there = q.partition.url.encode()
            payload = _HOME_SET.sub(
                lambda m: re.sub(rb">(/[^<]*)<", lambda h: b">" + there + h[1] + b"<", m[0]),
                payload,
            )
        return web.Response(status=status, body=payload, headers=out)

    async def _forward(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        async with self._client.request(
            method, self.upstream + path, data=body, headers=headers, allow_redirects=False
        ) as upstream:
            payload = await upstream.read()
            out = {k: v for k, v in upstream.headers.items() if k.lower() not in _OUT_HOP}
            if "Location" in out and out["Location"].startswith(self.upstream):
                out["Location"] = self.url + out["Location"][len(self.upstream) :]
            return upstream.status, payload, out

    async def _members(self, path: str, headers: dict[str, str]) -> int:
        """How many objects the calendar at `path` holds."""
        listing = {**headers, "Depth": "1", "Content-Type": "application/xml"}
        body = b'<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>'
        status, payload, _ = await self._forward("PROPFIND", path, body, listing)
        return max(len(_RESPONSE.findall(payload)) - 1, 0) if status == 207 else 0

    async def _omit_overridden(self, payload: bytes, headers: dict[str, str]) -> bytes:
        """Drop the responses whose object has RDATE and a THISANDFUTURE override."""
        dropped: set[bytes] = set()
        for response in _RESPONSE.findall(payload):
            href = _HREF.search(response)
            if href is None:
                continue
            status, text, _ = await self._forward("GET", href[1].decode(), b"", headers)
            if status == 200 and b"RDATE" in text and b"RANGE=THISANDFUTURE" in text:
                dropped.add(response)
        return _drop(payload, lambda r: r in dropped)

    def _digest_user(self, request: web.Request) -> str | None:
        assert self.quirks.digest is not None
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("digest "):
            return None
        fields: dict[str, str] = dict(re.findall(r'(\w+)="?([^",]*)"?', header[7:]))
        user: str = fields.get("username", "")
        password = self.quirks.digest.get(user)
        if password is None or fields.get("nonce") not in self._nonces:
            return None

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()  # Digest (RFC 7616) uses MD5

        ha1 = md5(f"{user}:quirks:{password}")
        ha2 = md5(f"{request.method}:{fields.get('uri', '')}")
        expected = md5(
            f"{ha1}:{fields['nonce']}:{fields.get('nc', '')}:{fields.get('cnonce', '')}"
            f":{fields.get('qop', '')}:{ha2}"
        )
        if fields.get("uri") != request.path_qs or fields.get("response") != expected:
            return None
        return user


def _drop(payload: bytes, unwanted: object) -> bytes:
    assert callable(unwanted)
    return _RESPONSE.sub(lambda m: b"" if unwanted(m[0]) else m[0], payload)


def _mailru_path(path: str) -> str:
    """/principals/<domain>/<local>/… is the principal of <local>@<domain> upstream."""
    parts = urlsplit(path).path.split("/")
    if len(parts) >= 4 and parts[1] == "principals":
        rest = "/".join(parts[4:])
        return f"/{parts[3]}@{parts[2]}/{rest}"
    return path


@dataclass
class QuirkServer(CalDAVServer):
    """A real server seen through a QuirkProxy: tests provision and poll through the proxy."""

    quirks: Quirks = field(default_factory=Quirks)
    proxy: Proxy | None = None

    def new_user(self, prefix: str = "u") -> Credentials:
        creds = super().new_user(prefix)
        if self.quirks.mailru:
            # Mail.ru logins are e-mail addresses
            email = f"{creds.username}@example.test"
            self.add_login(email, creds.password)
            creds = Credentials(base_url=self.base_url, username=email, password=creds.password)
        if self.quirks.digest is not None:
            self.quirks.digest[creds.username] = creds.password
        return creds

    def email_of(self, credentials: Credentials) -> str:
        if "@" in credentials.username:
            return credentials.username
        return super().email_of(credentials)

    def home_url(self, credentials: Credentials) -> str:
        # iCloud-like: homes live on the partition host
        where = self.quirks.partition.url if self.quirks.partition is not None else self.base_url
        # as the server writes its hrefs ("@" escaped), so tests can compare them
        return where + quote(self.home_path(credentials.username))

    def session(self, credentials: Credentials) -> niquests.Session:
        s = super().session(credentials)
        if self.quirks.digest is not None:
            s.auth = HTTPDigestAuth(credentials.username, credentials.password)
        return s


@contextmanager
def quirk_server(server: CalDAVServer, quirks: Quirks, kind: str) -> Iterator[QuirkServer]:
    """`server` behind a QuirkProxy (and, with `partition`, its second origin)."""
    partition: Proxy | None = None
    if quirks.partition is not None:
        raise ValueError("quirk_server makes the partition itself")
    if kind == "icloud":
        # the partition host: another origin (localhost, not 127.0.0.1) in front of the same
        # server; the front names homes there
        partition = Proxy(server.base_url).start()
        partition.url = partition.url.replace("127.0.0.1", "localhost")
        quirks.partition = partition
    proxy = QuirkProxy(server.base_url, quirks).start()
    try:
        yield QuirkServer(
            kind,
            proxy.url,
            server.data_dir,
            server.add_login,
            server.home_path,
            quirks=quirks,
            proxy=proxy,
        )
    finally:
        proxy.stop()
        if partition is not None:
            partition.stop()
