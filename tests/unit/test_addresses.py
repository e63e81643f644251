"""Which CalDAV addresses may be reached: public ones, and what the operator allows."""

from __future__ import annotations

import pytest

from calendar_bot.caldav.addresses import (
    AddressNotAllowed,
    AddressPolicy,
    GuardedResolver,
    parse_allowed_hosts,
)
from calendar_bot.config import ConfigError, load_settings


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5232/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/",
        "http://10.0.0.5/",
        "http://172.16.1.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
    ],
)
def test_addresses_that_are_not_public_are_refused(url: str) -> None:
    with pytest.raises(AddressNotAllowed):
        AddressPolicy().check_url(url)


def test_public_addresses_and_allowed_ones_pass() -> None:
    AddressPolicy().check_url("https://93.184.216.34/dav/")
    AddressPolicy().check_url("https://caldav.example.com/")  # a name: checked on resolving
    allowed = AddressPolicy(parse_allowed_hosts("10.0.0.0/8, 127.0.0.1"))
    allowed.check_url("http://10.1.2.3/")
    allowed.check_url("http://127.0.0.1:5232/")
    with pytest.raises(AddressNotAllowed):
        allowed.check_url("http://192.168.0.1/")


async def test_a_name_is_judged_by_every_address_it_resolves_to() -> None:
    with pytest.raises(OSError, match="not allowed"):
        await GuardedResolver(AddressPolicy()).resolve("localhost", 80)
    by_name = await GuardedResolver(AddressPolicy(["localhost"])).resolve("localhost", 80)
    by_network = await GuardedResolver(AddressPolicy(["127.0.0.0/8"])).resolve("localhost", 80)
    assert by_name and by_network


def test_the_setting_is_checked_at_start() -> None:
    settings = load_settings(CALDAV_ALLOWED_HOSTS=" Radicale.internal, 10.0.0.0/8 ,[::1]")
    assert settings.caldav_allowed_hosts == ("radicale.internal", "10.0.0.0/8", "[::1]")
    with pytest.raises(ConfigError, match="CALDAV_ALLOWED_HOSTS"):
        load_settings(CALDAV_ALLOWED_HOSTS="http://radicale.internal/")
