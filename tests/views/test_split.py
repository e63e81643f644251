"""Long lists and raw XML are split under the post limit, losing nothing."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_bot.domain.model import Occurrence
from calendar_bot.views.meetings import day_view, week_view
from calendar_bot.views.settings import raw_xml
from calendar_bot.views.split import (
    POST_LIMIT,
    Line,
    first_part,
    split_code_block,
    split_lines,
    split_message,
)
from tests.views.samples import MSK, NOW, TODAY, msk, occurrence


def test_split_lines_repeats_the_context_and_keeps_every_line() -> None:
    header = "| a | b |\n|--|--|"
    lines = [Line("**day**"), Line(header)] + [
        Line(f"| {i:03d} | row |", context=header) for i in range(50)
    ]
    parts = split_lines(lines, limit=120, head="Title")
    assert len(parts) > 1
    assert all(len(p) <= 120 for p in parts)
    assert parts[0].startswith("Title")
    for part in parts[1:]:
        assert part.startswith(header)
    rows = [row for p in parts for row in re.findall(r"\| (\d{3}) \|", p)]
    assert rows == [f"{i:03d}" for i in range(50)]


def test_split_lines_cuts_a_line_longer_than_the_limit() -> None:
    parts = split_lines([Line("x" * 250)], limit=100)
    assert [len(p) for p in parts] == [100, 100, 50]
    assert "".join(parts) == "x" * 250


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(st.text(min_size=0, max_size=60), max_size=40),
    limit=st.integers(min_value=20, max_value=200),
)
def test_split_lines_never_exceeds_the_limit_or_loses_text(texts: list[str], limit: int) -> None:
    texts = [t.replace("\n", " ") for t in texts]
    parts = split_lines([Line(t) for t in texts], limit=limit)
    assert all(len(p) <= limit for p in parts)
    # Without contexts, the parts are exactly the original text re-joined.
    assert "".join(p.replace("\n", "") for p in parts) == "".join(texts)


def _many_meetings(count: int) -> list[Occurrence]:
    base = occurrence("m", "Синк " + "очень длинное название " * 6, msk(27, 0), msk(27, 0, 1))
    return [
        replace(
            base,
            uid=f"m{i}",
            title=f"{i:04d} {base.title}",
            start=base.start + timedelta(minutes=i),
            end=base.end + timedelta(minutes=i),
        )
        for i in range(count)
    ]


def test_a_long_day_is_split_with_the_header_repeated_and_no_row_lost() -> None:
    meetings = _many_meetings(600)
    for locale in ("ru", "en"):
        messages = day_view(meetings, TODAY, locale, MSK, NOW)
        assert len(messages) > 1
        seen: list[str] = []
        for message in messages:
            assert len(message.text) <= POST_LIMIT
            assert message.text.count("|:--|:--|:--|") == 1  # each part is one whole table
            seen += re.findall(r"\| (\d{4}) ", message.text)
            # The menu opens exactly the meetings shown in that part.
            (menu,) = message.blocks[0].menus
            assert [o.text.split(" · ")[1][:4] for o in menu.options] == re.findall(
                r"\| (\d{4}) ", message.text
            )
        assert seen == [f"{i:04d}" for i in range(600)]


@pytest.mark.parametrize(
    ("count", "limit"), [(60, 2500), (61, 3100), (150, 4000), (400, POST_LIMIT)]
)
def test_a_long_week_is_split_under_the_limit(count: int, limit: int) -> None:
    meetings = _many_meetings(count)
    # Spread them over the week so splits land near day boundaries too.
    meetings = [
        replace(m, start=m.start + timedelta(days=i % 5), end=m.end + timedelta(days=i % 5))
        for i, m in enumerate(meetings)
    ]
    messages = week_view(meetings, TODAY, "ru", MSK, NOW, limit=limit)
    assert len(messages) > 1
    assert all(len(m.text) <= limit for m in messages)
    assert "(продолжение)" in messages[1].text
    for message in messages:
        lines = message.text.splitlines()
        # Every table has exactly one header, and no part ends on a dangling day heading.
        assert message.text.count("|:--|:--|:--|") == message.text.count("| Время |")
        assert "|:--|:--|:--|\n**" not in message.text
        assert lines[-1].startswith("|") or lines[-1] == "_свободно_"
    total = sum(len(re.findall(r"\| (\d{4}) ", m.text)) for m in messages)
    assert total == count


def _code_bodies(part: str) -> list[str]:
    match = re.search(r"(`{3,})xml\n(.*)\n\1\Z", part, re.S)
    assert match, part[-200:]
    return [match.group(2)]


def test_code_blocks_are_closed_in_every_part_and_lose_nothing() -> None:
    xml = "\n".join(f"<d:response><d:href>/cal/{i}.ics</d:href></d:response>" for i in range(3000))
    parts = split_code_block(xml, "xml", limit=5000, head="RAW")
    assert len(parts) > 1
    assert parts[0].startswith("RAW\n```xml\n")
    bodies = []
    for part in parts:
        assert len(part) <= 5000
        bodies += _code_bodies(part)
    assert "\n".join(bodies) == xml


def test_code_block_survives_backticks_and_huge_lines() -> None:
    xml = "<a>```</a>\n" + "y" * 12000
    parts = split_code_block(xml, "xml", limit=4000)
    assert all(len(p) <= 4000 for p in parts)
    assert all(p.startswith("````xml") for p in parts)
    assert "".join(b for p in parts for b in _code_bodies(p)).replace("\n", "") == xml.replace(
        "\n", ""
    )


def test_raw_xml_view_numbers_its_parts() -> None:
    xml = "\n".join(f"<prop>{i}</prop>" for i in range(4000))
    messages = raw_xml("Работа", xml, "ru")
    assert len(messages) > 1
    for number, message in enumerate(messages, start=1):
        assert len(message.text) <= POST_LIMIT
        assert message.text.startswith(f"Часть {number} из {len(messages)}")
        assert message.text.rstrip().endswith("```")
    assert "Работа" in messages[0].text
    assert sum(m.text.count("<prop>") for m in messages) == 4000


# ---- any text: the chat adapter's last resort ---------------------------------------------

FENCE = re.compile(r"^\s*```")


def test_short_text_is_one_part() -> None:
    assert split_message("hello\nworld", 100) == ["hello\nworld"]


def test_split_cuts_at_line_boundaries() -> None:
    text = "\n".join(f"line {i:03}" for i in range(100))
    parts = split_message(text, 100)
    assert len(parts) > 1 and all(len(p) <= 100 for p in parts)
    assert "\n".join(parts) == text


def test_split_closes_and_reopens_code_blocks() -> None:
    text = "intro\n```python\n" + "\n".join(f"x = {i}" for i in range(60)) + "\n```\nend"
    parts = split_message(text, 120)
    assert len(parts) > 2
    for part in parts:
        fences = [line for line in part.split("\n") if FENCE.match(line)]
        assert len(fences) % 2 == 0, part
        assert len(part) <= 120
    assert parts[1].startswith("```python\n")


def test_split_cuts_a_huge_line_hard() -> None:
    parts = split_message("y" * 250, 100)
    assert "".join(parts) == "y" * 250 and all(len(p) <= 100 for p in parts)


fence_lines = st.one_of(
    st.just("```"),
    st.just("```sql"),
    st.text(alphabet="abc `", max_size=60).filter(lambda s: not FENCE.match(s)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(fence_lines, max_size=80), st.integers(min_value=64, max_value=400))
def test_split_properties(body: list[str], limit: int) -> None:
    text = "\n".join(body)
    parts = split_message(text, limit)
    assert all(len(p) <= limit for p in parts)
    content = [line for p in parts for line in p.split("\n") if not FENCE.match(line)]
    assert "".join(content) == "".join(line for line in body if not FENCE.match(line))
    if sum(1 for line in body if FENCE.match(line)) % 2 == 0:
        for part in parts:
            assert sum(1 for line in part.split("\n") if FENCE.match(line)) % 2 == 0


def test_first_part_is_what_fits_one_post() -> None:
    assert first_part("short", 100) == "short"
    text = "\n".join(f"line {i:03}" for i in range(100))
    assert first_part(text, 100) == split_message(text, 100)[0]
