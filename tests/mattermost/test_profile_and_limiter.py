from __future__ import annotations

import pytest

from calendar_bot.mattermost.ratelimit import TokenBucket
from calendar_bot.mattermost.rest import chat_user_from_profile, pending_post_id


def profile(**tz: str) -> dict[str, object]:
    return {
        "id": "u1",
        "username": "alice",
        "email": "alice@example.com",
        "locale": "ru",
        "first_name": "Alice",
        "last_name": "Liddell",
        "timezone": tz,
    }


def test_automatic_timezone_wins_when_switched_on() -> None:
    user = chat_user_from_profile(
        profile(
            useAutomaticTimezone="true",
            automaticTimezone="Europe/Moscow",
            manualTimezone="Asia/Tokyo",
        )
    )
    assert user.timezone == "Europe/Moscow"
    assert (user.username, user.email, user.locale) == ("alice", "alice@example.com", "ru")
    assert user.display_name == "Alice Liddell" and not user.is_bot


def test_manual_timezone_when_automatic_is_off() -> None:
    user = chat_user_from_profile(
        profile(
            useAutomaticTimezone="false",
            automaticTimezone="Europe/Moscow",
            manualTimezone="Asia/Tokyo",
        )
    )
    assert user.timezone == "Asia/Tokyo"


def test_missing_timezone_is_empty() -> None:
    assert chat_user_from_profile({"id": "u", "username": "bot", "is_bot": True}).timezone == ""
    assert chat_user_from_profile({"id": "u", "username": "bot", "is_bot": True}).is_bot


def test_pending_post_id_is_deterministic_and_short() -> None:
    first = pending_post_id("b" * 26, "reminder:u1:e1:15")
    assert first == pending_post_id("b" * 26, "reminder:u1:e1:15")
    assert first != pending_post_id("b" * 26, "reminder:u1:e1:5")
    assert first.startswith("b" * 26 + ":") and len(first) <= 64


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    t = FakeTime()
    bucket = TokenBucket(rate=10, burst=3, monotonic=t)
    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]
    assert bucket.delay_needed() == pytest.approx(0.1)
    t.now += 0.1
    assert bucket.try_acquire() and not bucket.try_acquire()


def test_pause_holds_every_caller() -> None:
    t = FakeTime()
    bucket = TokenBucket(rate=10, burst=5, monotonic=t)
    bucket.pause(2.0)
    assert not bucket.try_acquire()
    assert bucket.delay_needed() == pytest.approx(2.0)
    t.now += 2.0
    assert bucket.try_acquire()


async def test_acquire_waits_for_a_token() -> None:
    import time

    bucket = TokenBucket(rate=50, burst=1)
    start = time.monotonic()
    for _ in range(3):
        await bucket.acquire()
    assert time.monotonic() - start >= 0.035  # two refills at 50/s


def test_bad_parameters_are_rejected() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0)
