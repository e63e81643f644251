"""Fuzzing parse -> expand -> diff -> render with hostile objects (issue 21).

The inputs are the issue's hostile table (smaller sizes: the full ones go through the real
pipeline in tests/e2e/test_hostile.py) and the real-world corpus, mutated by hypothesis:
hostile rules, long lines, many attendees, broken zones and bytes, lines dropped, doubled
or cut off. Every object must cost bounded time and memory and come out as occurrences the
views can render under the post limit. Fixed seed (derandomize) and a bounded example count
keep the run deterministic and short.
"""

from __future__ import annotations

import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_bot.caldav.expansion import expand
from calendar_bot.caldav.ical import parse_object
from calendar_bot.caldav.limits import MAX_OCCURRENCES
from calendar_bot.domain.changes import diff
from calendar_bot.domain.model import ExpansionScope
from calendar_bot.domain.notices import change_notice
from calendar_bot.services.context import sync_window
from calendar_bot.views import meetings, notices, notifications
from calendar_bot.views.split import POST_LIMIT
from tests.support import hostile
from tests.support.hostile import address_space_cap
from tests.unit.test_ics_corpus import CORPUS

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SOON = NOW + timedelta(days=1)
MSK = ZoneInfo("Europe/Moscow")
SECONDS_PER_OBJECT = 2.0  # the bound for a poll, per object here
BYTES_PER_OBJECT = 50 * 2**20  # the bound for RSS growth, as traced allocations
EXAMPLES = 100
# code that expanded a hostile rule in full would fail here with a MemoryError, not take GBs
CAP_HEADROOM = 400 * 2**20

_corpus = sorted(CORPUS.glob("*.ics")) if CORPUS.is_dir() else []
SEEDS: list[str] = [p.read_text(encoding="utf-8", errors="replace") for p in _corpus] + [
    hostile.injection("h-inject", SOON),
    hostile.attach("h-attach", SOON, megabytes=2),
    hostile.attendees("h-people", SOON, count=3_000, me="me@example.test"),
    hostile.many_lines("h-lines", SOON, count=20_000),
    hostile.rrule("h-minutely", SOON, "FREQ=MINUTELY"),
    hostile.rrule("h-count", SOON, "FREQ=SECONDLY;COUNT=1000000"),
    hostile.rrule("h-secondly", SOON, "FREQ=SECONDLY"),
]

_freq = st.sampled_from(["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"])
_by = st.sampled_from(
    ["BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS"]
)
_by_value = st.one_of(
    st.integers(-5, 60).map(str), st.sampled_from(["MO", "TU", "1MO", "-1FR", "SU", "XX", ""])
)


@st.composite
def rules(draw: st.DrawFn) -> str:
    parts = [f"FREQ={draw(_freq)}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(-1, 1000))}")
    if draw(st.booleans()):
        parts.append(f"COUNT={draw(st.integers(-1, 10**7))}")
    elif draw(st.booleans()):
        until = NOW + timedelta(days=draw(st.integers(-400, 400)))
        parts.append(f"UNTIL={hostile.stamp(until)}")
    for name in draw(st.lists(_by, max_size=3, unique=True)):
        values = draw(st.lists(_by_value, min_size=1, max_size=30))
        parts.append(f"{name}={','.join(values)}")
    return "RRULE:" + ";".join(parts)


_lines = st.one_of(
    rules(),
    st.builds(
        lambda n: "ATTACH;VALUE=BINARY;ENCODING=BASE64:" + "QUFB" * n, st.integers(0, 60_000)
    ),
    st.builds(lambda n: "DESCRIPTION:" + "@all [x](javascript:1) | " * n, st.integers(0, 3_000)),
    st.builds(
        lambda n, s: "\r\n".join(f"ATTENDEE;PARTSTAT={s}:mailto:p{i}@x.test" for i in range(n)),
        st.integers(0, 2_000),
        st.sampled_from(["ACCEPTED", "NEEDS-ACTION", "BOGUS"]),
    ),
    st.builds(lambda n: "\r\n".join(f"X-JUNK:{i}" for i in range(n)), st.integers(0, 20_000)),
    st.builds(
        lambda n: "\r\n".join(f"RDATE:2026120{i % 9 + 1}T{i % 24:02d}0000Z" for i in range(n)),
        st.integers(0, 3_000),
    ),
    st.sampled_from(
        [
            "DTSTART;TZID=Nowhere/Nothing:20261203T100000",
            "DTEND:20261101T000000Z",
            "DTSTART;VALUE=DATE:20261203",
            "RECURRENCE-ID:20261204T100000Z",
            "EXDATE:20261205T100000Z",
            "STATUS:CANCELLED",
            "BEGIN:VEVENT",
            "END:VEVENT",
            "BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nEND:VALARM",
            "SUMMARY:\u202eevil\u200b\ufffd\x00",
            "UID:",
            " folded continuation",
            "\udcff broken",
        ]
    ),
)


@st.composite
def objects(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(SEEDS)).splitlines()
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(lines)))
        action = draw(st.sampled_from(["insert", "insert", "drop", "double", "cut"]))
        if action == "insert":
            lines.insert(at, draw(_lines))
        elif action == "drop" and at < len(lines):
            del lines[at]
        elif action == "double" and at < len(lines):
            lines[at:at] = [lines[at]] * draw(st.integers(1, 2_000))
        elif action == "cut":
            lines = lines[:at]
    return "\r\n".join(lines)


def _pipeline(text: str) -> None:
    window = sync_window(NOW)
    parsed = parse_object(text, "fuzz")
    current = expand(
        parsed,
        ExpansionScope(window, "me@example.test", "Europe/Moscow"),
        calendar_href="/cal/",
        event_href="/cal/a.ics",
    )
    per_series = Counter(o.uid for o in current)
    assert all(n <= MAX_OCCURRENCES for n in per_series.values())
    for occurrence in current:
        assert occurrence.start.tzinfo is not None and occurrence.start <= occurrence.end
    changes = diff(
        [],
        current,
        complete=True,
        previous_window=window,
        current_window=window,
        now=NOW,
    )
    messages = [
        m
        for c in changes[:50]
        for m in notices.render(change_notice(c), locale="en", tz=MSK, now=NOW)
    ]
    messages += meetings.week_view(current, NOW.date(), "ru", MSK, NOW)
    messages += meetings.daily_digest(current, SOON.date(), "en", MSK, NOW)
    if current:
        messages.append(meetings.meeting_details(current[0], "ru", MSK, NOW))
    cut = [(o.title, o.cut) for o in current if o.cut is not None]
    if cut:
        messages.append(notifications.cut_notice(cut, "en"))
    assert all(len(m.text) <= POST_LIMIT for m in messages)


def _cost(text: str) -> tuple[float, int]:
    """(seconds, peak traced bytes) of the pipeline on one object: timed without tracing
    (tracemalloc slows it several times), traced in a second run."""
    began = time.perf_counter()
    _pipeline(text)
    took = time.perf_counter() - began
    tracemalloc.start()
    try:
        _pipeline(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return took, peak


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(objects())
def test_any_object_costs_bounded_time_and_memory(text: str) -> None:
    with address_space_cap(CAP_HEADROOM):
        took, peak = _cost(text)
    assert took < SECONDS_PER_OBJECT, f"{took:.2f} s"
    assert peak < BYTES_PER_OBJECT, f"{peak / 2**20:.0f} MB"


def test_the_hostile_table_at_full_size_through_parse_expand_render() -> None:
    for row in hostile.ROWS:
        text = row.build(f"h-{row.name}", SOON)
        with address_space_cap(CAP_HEADROOM):
            took, peak = _cost(text)
        assert took < SECONDS_PER_OBJECT, (row.name, took)
        assert peak < BYTES_PER_OBJECT, (row.name, peak / 2**20)


def test_an_event_without_a_uid_and_with_two_starts_is_read() -> None:
    """Its synthetic UID is made of both starts (parse_object raised on the second, found by
    test_ical_reader's generated objects)."""
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Twice\r\n"
        "DTSTART:20261205T100000Z\r\nDTSTART:20261206T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (series,) = parse_object(text).series
    assert series.uid.startswith("nouid-")
    assert series.uid == parse_object(text).series[0].uid  # stable across polls
