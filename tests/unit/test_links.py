"""Join-link detection."""

from __future__ import annotations

import pytest

from calendar_bot.domain.links import find_join_link, find_urls, provider_of


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://us02web.zoom.us/j/8123456789?pwd=abc", "zoom"),
        ("https://zoom.us/my/someone", "zoom"),
        ("https://meet.google.com/abc-defg-hij", "google_meet"),
        ("https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0", "teams"),
        ("https://teams.live.com/meet/9400000000", "teams"),
        ("https://meet.jit.si/MyRoom", "jitsi"),
        ("https://jitsi.example.org/room42", "jitsi"),
        ("https://telemost.yandex.ru/j/12345678901234", "telemost"),
        ("https://telemost.360.yandex.ru/j/1234", "telemost"),
        ("https://calls.vk.com/call/join/abcdef", "vk_teams"),
        ("https://vk.com/call/join/abcdef", "vk_teams"),
        ("https://company.vkteams.ru/call/abc", "vk_teams"),
        ("https://myteam.mail.ru/call/abc", "vk_teams"),
        ("https://company.webex.com/meet/jdoe", "webex"),
        ("https://example.com/doc", None),
        ("https://vk.com/durov", None),  # a profile, not a call
        ("https://zoom.us/pricing", None),  # the site, not a meeting
    ],
)
def test_provider_of(url: str, provider: str | None) -> None:
    assert provider_of(url) == provider


def test_find_urls_strips_trailing_punctuation_and_brackets() -> None:
    text = "Join (https://meet.google.com/abc-defg-hij). Or <https://zoom.us/j/1>, thanks!"
    assert find_urls(text) == ["https://meet.google.com/abc-defg-hij", "https://zoom.us/j/1"]


def test_known_provider_beats_an_earlier_plain_link() -> None:
    assert (
        find_join_link(
            "https://intranet.example.com/agenda",  # URL property: a plain page
            "Room 5",
            "Agenda: https://docs.example.com/x\nJoin: https://telemost.yandex.ru/j/777",
        )
        == "https://telemost.yandex.ru/j/777"
    )


def test_earlier_field_wins_among_providers() -> None:
    assert (
        find_join_link("", "https://meet.google.com/aaa-bbbb-ccc", "", "https://zoom.us/j/1")
        == "https://meet.google.com/aaa-bbbb-ccc"
    )


def test_a_plain_link_is_a_join_link_only_in_the_conference_properties() -> None:
    # Anyone who can invite can put any link in a description: it is not the meeting's.
    assert find_join_link(None, "Room 5", "see https://a.example/room") is None
    assert find_join_link("https://tickets.example/x", "", "") is None
    assert find_join_link("", "", "", conference="https://corp.example/call/1") == (
        "https://corp.example/call/1"
    )
    assert find_join_link("", "", "", conference="http://corp.example/call/1") is None
    assert find_join_link("", "", "no links here") is None


def test_a_provider_link_in_the_conference_properties_comes_first() -> None:
    assert (
        find_join_link("https://zoom.us/j/1", conference="https://meet.google.com/aaa-bbbb-ccc")
        == "https://meet.google.com/aaa-bbbb-ccc"
    )
