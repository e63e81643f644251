"""Description / location clean-up for chat."""

from __future__ import annotations

from calendar_bot.domain.text import (
    clean_description,
    clean_location,
    html_to_text,
    looks_like_html,
    unescape_ical,
)


def test_leftover_escapes_are_undone() -> None:
    assert unescape_ical(r"Line 1\nLine 2\NLine 3") == "Line 1\nLine 2\nLine 3"
    assert unescape_ical(r"a\, b\; c\\d") == "a, b; c\\d"
    assert unescape_ical("no escapes") == "no escapes"


def test_html_becomes_text_with_links_kept() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>Hello&nbsp;team,</p><p>Join <a href='https://zoom.us/j/1'>here</a><br>"
        "Agenda:</p><ul><li>One</li><li>Two &amp; three</li></ul></body></html>"
    )
    text = clean_description(html)
    assert text == ("Hello team,\n\nJoin here (https://zoom.us/j/1)\nAgenda:\n\nOne\n\nTwo & three")
    assert "color" not in text


def test_anchor_showing_its_own_url_is_not_repeated() -> None:
    assert html_to_text('<a href="https://x.example/a">https://x.example/a</a>') == (
        "https://x.example/a"
    )


def test_plain_text_is_not_taken_for_html() -> None:
    assert not looks_like_html("a < b and c > d")
    assert looks_like_html("<p>x</p>")
    assert clean_description("  a < b\r\n\r\n\r\n\r\nc  ") == "a < b\n\nc"


def test_location_is_one_line() -> None:
    assert clean_location("Room 5\\nBuilding\tA  ") == "Room 5 Building A"
    assert clean_location("") == ""
