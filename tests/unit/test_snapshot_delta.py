"""The rows a poll changes: only those are read, diffed and written."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_bot.domain.model import Occurrence, OccurrenceKey, object_key
from calendar_bot.domain.snapshot_delta import row_changes, touched

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
HREF = "/cal/work/"


def occ(uid: str, rid: str = "", hours: int = 1, obj: str = "") -> Occurrence:
    return Occurrence(
        calendar_href=HREF,
        uid=uid,
        recurrence_id=rid,
        title=uid,
        start=NOW + timedelta(hours=hours),
        end=NOW + timedelta(hours=hours, minutes=30),
        event_href=f"{HREF}{obj or uid}.ics",
    )


def test_row_changes_name_only_what_differs() -> None:
    a, b, c = occ("a"), occ("b"), occ("c")
    moved = replace(b, start=b.start + timedelta(hours=1))
    changes = row_changes([a, b, c], [a, moved, occ("d")])
    assert changes.removed == (c.key,)
    assert changes.written == (moved, occ("d"))
    assert not row_changes([a, b], [b, a])  # same rows, any order: nothing to write


def test_row_changes_keep_the_last_of_duplicate_keys() -> None:
    first, last = occ("a"), replace(occ("a"), title="last")
    assert row_changes([], [first, last]).written == (last,)
    assert row_changes([last], [first, last]).written == ()


def test_touched_takes_the_uids_of_changed_objects_and_of_the_delta() -> None:
    rows = [("a", f"{HREF}a.ics"), ("b", f"{HREF}b.ics"), ("s", f"{HREF}s%20x.ics")]
    # the object's href may come percent-encoded differently: the same object
    assert touched(rows, [f"{HREF}s x.ics"], ["new"]) == {"s", "new"}
    assert touched(rows, [], []) == set()
    assert OccurrenceKey(HREF, "a", "") == occ("a").key


_HREF_PARTS = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTP://",
        "ftp://",
        "/",
        "//",
        "h",
        "é",
        "%2F",
        "%41",
        "%",
        "?",
        "#",
        ";",
        ":",
        "@",
        "[",
        "]",
        " ",
        "\t",
        "\n",
        "\x01",
        "a",
        "b.ics",
        "host:8080",
        "~",
    ]
)


@given(st.lists(_HREF_PARTS, max_size=8).map("".join))
def test_object_key_fast_path_is_the_decoded_path(href: str) -> None:
    """The plain-href shortcut answers exactly what urlsplit and unquote would."""
    try:
        slow = unquote(urlsplit(href).path)
    except ValueError:  # urlsplit refuses it (a bracketed host): so must object_key
        with pytest.raises(ValueError):
            object_key(href)
        return
    assert object_key(href) == slow


def test_object_key_of_common_hrefs() -> None:
    assert object_key("http://127.0.0.1:18765/u1/work/e0-0.ics") == "/u1/work/e0-0.ics"
    assert object_key("/u1/work/e%200.ics") == "/u1/work/e 0.ics"
    assert object_key("https://cal.example/a/b.ics?x=1#f") == "/a/b.ics"
    assert object_key("//host/a.ics") == "/a.ics"
