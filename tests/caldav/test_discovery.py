"""Discovery and listing against real Radicale and Xandikos."""

from __future__ import annotations

import dataclasses

import pytest

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.caldav.discovery import candidate_urls
from calendar_bot.domain.model import Credentials
from calendar_bot.ports import AuthFailed, NotCalDAV, ServerUnreachable
from tests.caldav.conftest import opened_gateway
from tests.support.servers import CalDAVServer, Fault, Proxy


async def test_discovery_finds_principal_and_lists_calendars(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    work = caldav_server.make_calendar(creds, "Work", color="#ff0000ff")
    home = caldav_server.make_calendar(creds, "Дом")

    principal, calendars = await gateway.discover(creds)

    assert principal.rstrip("/").endswith(creds.username)
    by_href = {c.href: c for c in calendars}
    assert work in by_href and home in by_href
    assert by_href[work].name == "Work"
    assert by_href[work].color.lower().startswith("#ff0000")
    assert by_href[home].name == "Дом"
    for cal in (by_href[work], by_href[home]):
        assert cal.writable
        assert cal.ctag or cal.sync_token
    # the two calendars are told apart by their change tags as well
    assert by_href[work].ctag != by_href[home].ctag


async def test_discovery_from_the_principal_url_needs_no_guessing(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    cal = caldav_server.make_calendar(creds, "Work")
    principal, _ = await gateway.discover(creds)
    # a stored principal URL is tried first (the Mail.ru seed form works the same way)
    again = dataclasses.replace(creds, base_url=caldav_server.base_url + "/nowhere/")
    again = dataclasses.replace(again, principal_url=principal)
    async with opened_gateway() as fresh:
        principal2, calendars = await fresh.discover(again)
    assert principal2 == principal
    assert cal in {c.href for c in calendars}


async def test_wrong_password_is_auth_failed(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    creds = caldav_server.new_user()
    bad = dataclasses.replace(creds, password=creds.password + "x")
    with pytest.raises(AuthFailed) as info:
        await gateway.discover(bad)
    assert creds.password not in str(info.value)


async def test_unreachable_port_is_server_unreachable(
    gateway: CalDAVGateway, unreachable_url: str
) -> None:
    creds = Credentials(unreachable_url, "someone@example.test", "secret-pw")
    with pytest.raises(ServerUnreachable) as info:
        await gateway.discover(creds)
    assert "secret-pw" not in str(info.value)


async def test_plain_web_server_is_not_caldav(
    gateway: CalDAVGateway, plain_http_server: str
) -> None:
    creds = Credentials(plain_http_server, "someone@example.test", "secret-pw")
    with pytest.raises(NotCalDAV):
        await gateway.discover(creds)


def test_mailru_principal_form_is_tried_first() -> None:
    urls = candidate_urls("https://calendar.mail.ru", "Ivan.Petrov@corp.example")
    assert urls[0] == "https://calendar.mail.ru/principals/corp.example/Ivan.Petrov/"
    assert "https://calendar.mail.ru/.well-known/caldav" in urls
    assert urls.index("https://calendar.mail.ru/.well-known/caldav") > 0


def test_generic_server_candidates_start_with_the_given_url() -> None:
    urls = candidate_urls("caldav.yandex.ru", "user@yandex.ru")
    assert urls[0] == "https://caldav.yandex.ru/"
    assert "https://caldav.yandex.ru/.well-known/caldav" in urls
    assert all(u.startswith("https://") for u in urls)


def test_a_login_typed_into_the_url_is_dropped() -> None:
    urls = candidate_urls("https://bob:hunter2@dav.example.test/dav/", "bob")
    assert urls[0] == "https://dav.example.test/dav/"
    assert not any("hunter2" in u for u in urls)


async def test_a_server_that_hangs_is_unreachable_after_one_timeout(
    fault_proxy: tuple[CalDAVServer, Proxy],
) -> None:
    server, proxy = fault_proxy
    creds = server.new_user()
    proxy.fault("/", Fault.HANG)
    async with opened_gateway(max_connections=1, timeout=0.5) as gw:
        with pytest.raises(ServerUnreachable):
            await gw.discover(creds)
    assert len(proxy.hits) == 1  # not one timeout per discovery candidate
