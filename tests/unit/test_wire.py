"""The lean HTTP/1.1 client (caldav/wire.py) against small scripted servers on 127.0.0.1:
framing, keep-alive, retries, timeouts, refusals, and the request target yarl would send."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from calendar_bot.caldav import wire
from calendar_bot.caldav.addresses import AddressNotAllowed, AddressPolicy
from calendar_bot.caldav.http import DavSession, Transport
from calendar_bot.ports import ServerUnreachable
from tests.e2e.harness import eventually
from tests.support.servers import free_port

MULTISTATUS = b"<?xml version='1.0'?><d:multistatus xmlns:d='DAV:'/>"


@dataclass
class Seen:
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)  # each request's head
    bodies: list[bytes] = field(default_factory=list)
    open_now: int = 0
    most_open: int = 0
    eofs: int = 0  # connections the client closed


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, Seen, int], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader, seen: Seen) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        seen.eofs += 1
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    seen.requests.append(head)
    seen.bodies.append(await reader.readexactly(length) if length else b"")
    return head


def answer(status: str = "200 OK", body: bytes = MULTISTATUS, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def keep_answering(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen
) -> None:
    while await read_request(reader, seen) is not None:
        writer.write(answer("207 Multi-Status"))
        await writer.drain()


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        seen.open_now += 1
        seen.most_open = max(seen.most_open, seen.open_now)
        try:
            await handler(reader, writer, seen, seen.connections)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            seen.open_now -= 1
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.close()


@asynccontextmanager
async def client(
    limit: int = 10, seconds: float = 5.0, policy: AddressPolicy | None = None
) -> AsyncIterator[wire.Client]:
    made = wire.Client(limit, seconds, seconds, policy)
    try:
        yield made
    finally:
        await made.close()


async def test_a_content_length_answer_and_its_headers() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)
        w.write(answer("207 Multi-Status", MULTISTATUS, 'ETag: "e1"', "X-A: 1", "X-A: 2"))

    async with serve(handler) as (url, seen), client() as http:
        got = await http.request("PROPFIND", url + "/cal/", {"Depth": "1"}, b"<x/>")
    assert (got.status, got.body) == (207, MULTISTATUS)
    assert got.header_all("etag") == ['"e1"']
    assert got.header_all("x-a") == ["1", "2"]
    head = seen.requests[0].decode()
    assert head.startswith("PROPFIND /cal/ HTTP/1.1\r\n")
    assert f"Host: {url.removeprefix('http://')}\r\n" in head
    assert "User-Agent: calendar-bot\r\n" in head
    assert "Depth: 1\r\n" in head and "Content-Length: 4\r\n" in head
    assert "cookie" not in head.lower()
    assert seen.bodies == [b"<x/>"]


async def test_a_chunked_answer() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)
        w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for part in (b"<a>", b"hello", b"</a>"):
            w.write(b"%x\r\n%s\r\n" % (len(part), part))
            await w.drain()
            await asyncio.sleep(0.01)
        w.write(b"0\r\n\r\n")
        await keep_answering(r, w, s)

    async with serve(handler) as (url, seen), client() as http:
        got = await http.request("GET", url + "/a", {})
        again = await http.request("GET", url + "/b", {})
    assert got.body == b"<a>hello</a>"
    assert again.status == 207
    assert seen.connections == 1  # a chunked answer leaves the connection reusable


async def test_an_answer_delimited_by_the_server_closing() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)
        w.write(b"HTTP/1.1 200 OK\r\n\r\nall of ")
        await w.drain()
        w.write(b"it")
        await w.drain()
        w.close()

    async with serve(handler) as (url, seen), client() as http:
        got = await http.request("GET", url + "/", {})
        second = await http.request("GET", url + "/", {})
    assert got.body == second.body == b"all of it"
    assert seen.connections == 2  # never reused: its end was the answer's end


async def test_keep_alive_one_connection_for_many_requests() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await keep_answering(r, w, s)

    async with serve(handler) as (url, seen), client() as http:
        for _ in range(5):
            assert (await http.request("PROPFIND", url + "/x/", {})).status == 207
        assert http.idle_connections() == 1
    assert seen.connections == 1
    assert len(seen.requests) == 5


async def test_a_kept_alive_connection_the_server_dropped_is_retried_once() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        if n == 1:
            await read_request(r, s)
            w.write(answer())
            await w.drain()
            await read_request(r, s)  # the second request: closed unanswered (a keep-alive race)
            return
        await keep_answering(r, w, s)

    async with serve(handler) as (url, seen), client() as http:
        await http.request("PROPFIND", url + "/", {})
        got = await http.request("PROPFIND", url + "/", {})
    assert got.status == 207
    assert seen.connections == 2


async def test_an_idle_connection_the_server_closed_is_not_used() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)
        w.write(answer())
        await w.drain()
        w.close()  # without saying so in a header

    async with serve(handler) as (url, seen), client() as http:
        await http.request("GET", url + "/", {})
        await eventually(lambda: http.idle_connections() == 0, within=2, what="the close")
        # a POST is never retried: it succeeds only if the closed connection was passed over
        assert (await http.request("POST", url + "/", {}, b"x")).status == 200
    assert seen.connections == 2


async def test_a_fresh_connection_closed_unanswered_is_not_retried() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)

    async with serve(handler) as (url, seen), client() as http:
        with pytest.raises(wire.ServerDisconnected):
            await http.request("PROPFIND", url + "/", {})
    assert seen.connections == 1


async def test_nothing_is_retried_once_an_answer_began() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)
        w.write(answer())
        await w.drain()
        await read_request(r, s)
        w.write(b"HTTP/1.1 207 Multi-Status\r\nContent-Length: 100\r\n\r\n<partial")
        await w.drain()

    async with serve(handler) as (url, seen), client() as http:
        await http.request("PROPFIND", url + "/", {})
        with pytest.raises(wire.ServerDisconnected):
            await http.request("PROPFIND", url + "/", {})
    assert seen.connections == 1


async def trickle(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
    await read_request(r, s)
    w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(1000):
        w.write(b"x")
        await w.drain()
        await asyncio.sleep(0.05)


async def test_a_trickling_server_meets_the_deadline_not_the_read_timeout() -> None:
    async with serve(trickle) as (url, _), client(seconds=5.0) as http:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await http.request(
                "GET", url + "/", {}, deadline=asyncio.get_running_loop().time() + 0.5
            )
        assert time.monotonic() - started < 2.0
        assert http.idle_connections() == 0


async def test_the_deadline_becomes_a_timeout_talking_to_the_server() -> None:
    transport = Transport(4, 5.0)
    async with serve(trickle) as (url, _):
        session = DavSession("user", "secret-password", transport)
        session.deadline = asyncio.get_running_loop().time() + 0.3
        with pytest.raises(ServerUnreachable, match=r"timeout talking to http://127\.0\.0\.1"):
            await session.request("PROPFIND", url + "/")
    await transport.close()


async def test_a_silent_server_trips_the_read_timeout() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)
        await asyncio.sleep(10)

    async with serve(handler) as (url, _), client(seconds=0.3) as http:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await http.request("GET", url + "/", {})
        assert time.monotonic() - started < 2.0


async def test_a_refused_connection_is_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    async with client() as http:
        with pytest.raises(ConnectionRefusedError):
            await http.request("GET", url, {})
    transport = Transport(4, 5.0)
    with pytest.raises(ServerUnreachable, match=r"cannot reach http://127.0.0.1:\d+ \("):
        await DavSession("user", "secret-password", transport).request("GET", url)
    await transport.close()


async def test_a_malformed_status_line_is_unreachable_without_credentials() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)
        w.write(b"HTTP/1.1 2x7 Weird\r\nContent-Length: 0\r\n\r\n")

    transport = Transport(4, 5.0)
    async with serve(handler) as (url, _):
        with pytest.raises(ServerUnreachable, match="malformed HTTP answer") as caught:
            await DavSession("user", "secret-password", transport).request("GET", url + "/")
    await transport.close()
    assert "secret" not in str(caught.value) and "dXNlcjpz" not in str(caught.value)


async def test_garbage_instead_of_http_is_unreachable() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)
        w.write(b"SSH-2.0-OpenSSH_9.6\r\n")

    async with serve(handler) as (url, _), client() as http:
        with pytest.raises(wire.BadResponse, match="malformed HTTP answer"):
            await http.request("GET", url + "/", {})


async def test_headers_without_end_are_cut_off() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)
        w.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(10_000):  # ~1 MB of headers, and never a blank line
            w.write(b"X-Filler-%d: %s\r\n" % (i, b"a" * 90))
            await w.drain()

    async with serve(handler) as (url, _), client() as http:
        with pytest.raises(wire.BadResponse, match="headers are too long"):
            await http.request("GET", url + "/", {})


async def test_the_address_policy_refuses_a_host_before_connecting() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await keep_answering(r, w, s)

    async with serve(handler) as (url, seen):
        by_name = url.replace("127.0.0.1", "localhost") + "/"
        async with client(policy=AddressPolicy()) as http:
            with pytest.raises(OSError, match="not allowed"):
                await http.request("GET", by_name, {})
        transport = Transport(4, 5.0, AddressPolicy())
        session = DavSession("user", "pw", transport)
        with pytest.raises(ServerUnreachable, match="cannot reach"):
            await session.request("GET", by_name)
        with pytest.raises(AddressNotAllowed):
            await session.request("GET", url + "/")
        await transport.close()
        assert seen.connections == 0
        async with client(policy=AddressPolicy(["127.0.0.0/8"])) as allowed:
            assert (await allowed.request("GET", by_name, {})).status == 207
        assert seen.connections == 1


async def test_a_401_with_two_challenges_keeps_both() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        while await read_request(r, s) is not None:
            w.write(
                answer(
                    "401 Unauthorized",
                    b"",
                    'WWW-Authenticate: Basic realm="dav"',
                    'WWW-Authenticate: Bearer realm="dav"',
                )
            )

    transport = Transport(4, 5.0)
    async with serve(handler) as (url, seen):
        session = DavSession("user", "pw", transport)
        result = await session.request("PROPFIND", url + "/")
    await transport.close()
    assert result.status == 401
    assert result.challenge == 'Basic realm="dav", Bearer realm="dav"'
    assert session.scheme == "basic" and session.requests == 1
    assert b"Authorization: Basic dXNlcjpwdw==\r\n" in seen.requests[0]


async def test_a_line_break_in_a_header_or_the_url_is_refused() -> None:
    transport = Transport(4, 5.0)
    session = DavSession("user", "pw", transport)
    async with serve(keep_answering_handler) as (url, seen):
        with pytest.raises(ServerUnreachable, match="ValueError"):
            await session.request("GET", url + "/", headers={"If-Match": '"a"\r\nX-Evil: 1'})
        with pytest.raises(ServerUnreachable, match="ValueError"):
            await session.request("GET", url + "/a\r\nX-Evil: 1")
    await transport.close()
    assert seen.requests == []


async def keep_answering_handler(
    r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int
) -> None:
    await keep_answering(r, w, s)


async def test_a_gzip_answer_is_decompressed() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        await read_request(r, s)
        w.write(answer("207 Multi-Status", gzip.compress(MULTISTATUS), "Content-Encoding: gzip"))

    async with serve(handler) as (url, seen), client() as http:
        got = await http.request("PROPFIND", url + "/", {})
    assert got.body == MULTISTATUS
    assert b"Accept-Encoding: gzip, deflate\r\n" in seen.requests[0]


async def test_no_body_for_head_204_and_304() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        while (head := await read_request(r, s)) is not None:
            if head.startswith(b"HEAD"):
                w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n")
            elif head.startswith(b"DELETE"):
                w.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            else:
                w.write(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n")

    async with serve(handler) as (url, seen), client() as http:
        assert (await http.request("HEAD", url + "/", {})).body == b""
        assert (await http.request("DELETE", url + "/", {})).status == 204
        assert (await http.request("GET", url + "/", {})).status == 304
        assert (await http.request("DELETE", url + "/", {})).status == 204
    assert seen.connections == 2  # reused after the 204 and the 304 (not after HEAD)


async def test_a_cancelled_request_never_leaves_its_connection_in_the_pool() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        head = await read_request(r, s)
        if n == 1:
            await asyncio.sleep(10)
        while head is not None:
            w.write(answer())
            head = await read_request(r, s)

    async with serve(handler) as (url, seen), client() as http:
        task = asyncio.create_task(http.request("GET", url + "/", {}))
        await eventually(lambda: seen.requests, within=2, what="the request sent")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert http.idle_connections() == 0
        assert (await http.request("GET", url + "/", {})).status == 200
    assert seen.connections == 2


async def test_the_limit_bounds_requests_at_once_over_all_origins() -> None:
    async def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen, n: int) -> None:
        while await read_request(r, s) is not None:
            await asyncio.sleep(0.05)
            w.write(answer())

    async with (
        serve(handler) as (one, seen_one),
        serve(handler) as (two, seen_two),
        client(limit=2) as http,
    ):
        got = await asyncio.gather(
            *(http.request("GET", (one, two)[i % 2] + "/", {}) for i in range(8))
        )
        assert all(a.status == 200 for a in got)
        assert http.idle_connections() == 2  # idle connections are bounded too
    assert seen_one.most_open + seen_two.most_open <= 2 + 1  # one may be closing


async def test_close_closes_idle_connections() -> None:
    async with serve(keep_answering_handler) as (url, seen):
        async with client() as http:
            await http.request("GET", url + "/", {})
        await eventually(lambda: seen.open_now == 0, within=2, what="the connection closed")
        assert seen.eofs == 1


async def test_idle_connections_are_closed_after_the_keep_alive_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(wire, "IDLE_SECONDS", 0.1)
    async with serve(keep_answering_handler) as (url, seen), client() as http:
        await http.request("GET", url + "/", {})
        assert http.idle_connections() == 1
        await eventually(lambda: seen.open_now == 0, within=2, what="the idle connection closed")
        assert http.idle_connections() == 0


async def test_host_carries_the_port_only_when_it_is_not_the_default() -> None:
    assert wire._split("http://example.com:80/a").host_header == "example.com"
    assert wire._split("https://example.com:8443/a").host_header == "example.com:8443"
    assert wire._split("http://[::1]:8080/").host_header == "[::1]:8080"
    assert wire._split("https://bücher.example/").host == "xn--bcher-kva.example"
    with pytest.raises(ValueError):
        wire._split("ftp://example.com/")


TARGETS = [
    "http://h/cal/",
    "http://h",
    "http://h/a b/ü/",
    "http://h/%41%2f%zz/%7e/%40",
    "http://h/cal@x.com/user%40x.com/",
    "http://h/a%2Fb/c%2bd/e+f",
    'http://h/[x]/{y}/|/^/`/"/<>/\\',
    "http://h/~a!$&'()*+,;=:@/",
    "http://h/q?x=a b&y=ü%20&z=%2B+%26#frag",
    "http://h/a?b=/?:@%",
    "http://h/../a/./b/.",
    "http://h/a/../b/..",
    "http://h/.well-known/caldav",
    "http://h/%",
    "http://h/%4",
    "http://h/calendars/Иван%20Петров/",
    "http://h/events/2026-12-03%2010:00.ics",
    "http://h/a%2e%2E/b",
]


@pytest.mark.parametrize("url", TARGETS)
def test_the_target_is_what_yarl_would_send(url: str) -> None:
    assert wire._split(url).target == URL(url).raw_path_qs


@given(
    st.text(
        alphabet=st.sampled_from(list("aZ09-._~!$&'()*+,;=:@/?#%[]{}|^`\"<> \\AfFé€Иğ2e")),
        max_size=30,
    )
)
def test_any_target_is_what_yarl_would_send(tail: str) -> None:
    url = "http://h/" + tail
    assert wire._split(url).target == URL(url).raw_path_qs


def self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for "localhost" and 127.0.0.1, and its certificate (its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


async def test_tls_is_verified(tmp_path: Path) -> None:
    server_context, cert_file = self_signed(tmp_path)
    seen = Seen()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        try:
            await keep_answering(reader, writer, seen)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=server_context)
    url = f"https://localhost:{server.sockets[0].getsockname()[1]}/dav/"
    transport = Transport(4, 5.0)
    try:
        # not signed by anyone the system trusts: refused, and said so
        with pytest.raises(ServerUnreachable, match="TLS verification failed for https://"):
            await DavSession("user", "pw", transport).request("PROPFIND", url)
        assert seen.requests == []
        async with client() as http:
            trusting = ssl.create_default_context(cafile=cert_file)
            http._tls = trusting  # as if a CA the system trusts had signed it
            got = [await http.request("PROPFIND", url, {}) for _ in range(2)]
            assert [a.status for a in got] == [207, 207]
            assert http.connections_made == 1  # kept alive over TLS too
    finally:
        await transport.close()
        server.close()
