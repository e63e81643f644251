"""Time zones by name: strict where a wrong name is a bug, lenient for names from outside."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from calendar_bot.domain.zones import as_zone, known_zone, zone, zone_of

MSK = ZoneInfo("Europe/Moscow")
UNKNOWN = ("Mars/Olympus", "", "../etc/passwd")


def test_a_zone_or_its_name_gives_the_zone() -> None:
    assert as_zone(MSK) is MSK
    assert as_zone("Europe/Moscow") == MSK
    assert known_zone("Asia/Tokyo") == ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("name", UNKNOWN)
def test_an_unknown_name(name: str) -> None:
    with pytest.raises((ZoneInfoNotFoundError, ValueError)):
        as_zone(name)
    assert known_zone(name) is None
    assert zone(name, "Asia/Tokyo") == ZoneInfo("Asia/Tokyo")
    assert zone_of(name) is UTC


def test_a_known_name_wins_over_the_fallback() -> None:
    assert zone("America/New_York", "Asia/Tokyo") == ZoneInfo("America/New_York")
    assert zone_of("Europe/Moscow") == MSK


def test_an_unknown_fallback_is_a_configuration_error() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        zone("Mars/Olympus", "Mars/Olympus")


def test_a_directory_of_the_zone_database_is_no_zone() -> None:
    from calendar_bot.domain.zones import known_zone, zone

    assert known_zone("Europe") is None
    assert zone("Europe", "UTC").key == "UTC"
