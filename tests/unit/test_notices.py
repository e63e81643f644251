"""The typed notices: one codec, one key builder, and the rows earlier releases left behind.

tests/data/outbox/rows_before_typed_notices.json holds outbox rows (kind, payload, key) as
the release before typed notices wrote them, for the scenarios built below: after an
upgrade those rows must decode into the same notices, and the same notices must get the
same keys (else a notice computed again after the upgrade would be sent twice).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.domain.changes import Change, ChangeKind
from calendar_bot.domain.model import Attendee, Cut, Occurrence, PartStat, UserSettings
from calendar_bot.domain.notice_codec import NoticeCodecError, decode, encode
from calendar_bot.domain.notice_keys import content_key, idempotency_key, joined_key
from calendar_bot.domain.notices import (
    NOTICE_TYPES,
    Cancelled,
    CutEvent,
    CutEvents,
    Digest,
    Invitation,
    Invited,
    Moved,
    NewMeeting,
    Notice,
    Reconnect,
    Reminder,
    Snoozed,
    Start,
    Unreadable,
    Updated,
    change_notice,
    reminder_notice,
)
from calendar_bot.domain.reminders import due_reminders
from calendar_bot.services.cut_notices import cut_notice
from calendar_bot.views import notices as notice_views

ROWS = Path(__file__).parents[1] / "data" / "outbox" / "rows_before_typed_notices.json"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
USER = "alice0000000000000000000000"
HREF = "/cal/alice/work/"
SINCE = ('"ctag-1"', "token-1", "2026-11-30T07:59:00+00:00")


def occ(uid: str, start: datetime, minutes: int = 30, **fields: Any) -> Occurrence:
    return Occurrence(
        calendar_href=HREF,
        uid=uid,
        recurrence_id=fields.pop("rid", ""),
        title=fields.pop("title", "Standup"),
        start=start,
        end=start + timedelta(minutes=minutes),
        **fields,
    )


def scenario() -> list[Notice]:
    """The notices of the stored rows, in their order, built the way the services build them."""
    standup = occ(
        "standup@x",
        NOW + timedelta(hours=2),
        location="Room 1",
        organizer=Attendee("boss@example.com", "Boss"),
        attendees=(Attendee("alice@example.com", "Alice", PartStat.NEEDS_ACTION),),
        my_partstat=PartStat.NEEDS_ACTION,
        join_url="https://meet.example.com/abc",
    )
    weekly = occ(
        "weekly@x", NOW + timedelta(days=1), rid="20261201T080000Z", recurring=True, title="Weekly"
    )
    moved_to = occ("standup@x", NOW + timedelta(hours=3), location="Room 1")
    renamed = occ("standup@x", NOW + timedelta(hours=2), title="Standup v2", location="Room 2")
    changes = [
        Change(ChangeKind.NEW, occ("new@x", NOW + timedelta(hours=5), title="Review")),
        Change(ChangeKind.NEW, weekly, series=True),
        Change(ChangeKind.INVITATION, standup),
        Change(ChangeKind.CANCELLED, weekly, weekly, series=True),
        Change(ChangeKind.MOVED, moved_to, standup),
        Change(ChangeKind.UPDATED, renamed, standup),
    ]
    out: list[Notice] = [change_notice(c, SINCE) for c in changes]
    settings = UserSettings(locale="en", timezone="Europe/Moscow", reminder_leads=(15, 0))
    soon = occ("soon@x", NOW + timedelta(minutes=15), title="Soon")
    starting = occ("start@x", NOW, title="Starting")
    due = due_reminders(
        [soon, starting], settings, last_tick=NOW - timedelta(minutes=1), now=NOW, user_id=USER
    )
    out += [reminder_notice(r) for r in due]
    out.append(Digest(date(2026, 11, 30), (standup, soon)))
    out.append(Reconnect(NOW))
    out.append(Unreadable("Work", "too_large", object_href=HREF + "huge.ics"))
    cut = [
        occ(
            "spam@x",
            NOW + timedelta(days=d),
            title="Spam",
            cut=Cut.EVERY_MINUTE,
            recurring=True,
            rid=f"2026120{d}T080000Z",
        )
        for d in range(1, 3)
    ]
    notice = cut_notice(HREF, [], cut)
    assert notice is not None
    out.append(notice)
    return out


def stored() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ROWS.read_text(encoding="utf-8"))
    return data


def without_key_material(notice: Notice) -> Notice:
    """What a row of the earlier release could hold: no key-only fields."""
    if isinstance(notice, NewMeeting | Invitation | Cancelled | Moved | Updated):
        return replace(notice, since=())
    if isinstance(notice, Reminder | Start):
        return replace(notice, start=None)
    if isinstance(notice, Unreadable):
        return replace(notice, object_href="")
    if isinstance(notice, CutEvents):
        return replace(
            notice, calendar_href="", events=tuple(replace(e, uid="") for e in notice.events)
        )
    if isinstance(notice, Reconnect):
        return replace(notice, at=None)
    return notice


# Kinds no earlier release wrote: not in the pinned rows; tested on their own below.
NEWER: set[type[Notice]] = {Snoozed, Invited}


def test_the_scenario_covers_every_kind() -> None:
    assert {type(n) for n in scenario()} == set(NOTICE_TYPES) - NEWER
    assert len(stored()["rows"]) == len(scenario())


def test_keys_are_those_the_earlier_release_gave() -> None:
    rows = stored()["rows"]
    assert [idempotency_key(USER, n) for n in scenario()] == [r["key"] for r in rows]
    assert joined_key([r["key"] for r in rows[:3]]) == stored()["joined_key"]


def test_rows_of_the_earlier_release_decode_into_the_same_notices() -> None:
    for row, notice in zip(stored()["rows"], scenario(), strict=True):
        assert decode(row["kind"], row["payload"]) == without_key_material(notice)


def test_the_payload_written_now_still_holds_the_earlier_shape() -> None:
    """A row written now is the earlier shape plus entries: an earlier release reads it too."""
    for row, notice in zip(stored()["rows"], scenario(), strict=True):
        kind, payload = encode(notice)
        assert kind == row["kind"]
        for name, value in row["payload"].items():
            if name == "events":  # cut events now also carry their uid
                assert [{k: e[k] for k in ("title", "cut")} for e in payload[name]] == value
            elif name in ("occurrence", "previous", "occurrences"):
                assert decode(kind, {**row["payload"], name: payload[name]}) == decode(
                    kind, row["payload"]
                )
            else:
                assert payload[name] == value, name


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_every_notice_round_trips_and_renders(locale: str) -> None:
    for notice in scenario():
        kind, payload = encode(notice)
        again = decode(kind, json.loads(json.dumps(payload)))
        assert again == notice
        messages = notice_views.render(
            again, locale=locale, tz=ZoneInfo("Europe/Moscow"), now=NOW, email="a@example.com"
        )
        assert messages and all(m.text for m in messages)


def test_a_start_notice_is_the_lead_zero_reminder() -> None:
    rows = stored()["rows"]
    start_row = next(r for r in rows if r["kind"] == "reminder" and r["payload"]["lead"] == 0)
    soon_row = next(r for r in rows if r["kind"] == "reminder" and r["payload"]["lead"] == 15)
    assert isinstance(decode("reminder", start_row["payload"]), Start)
    reminder = decode("reminder", soon_row["payload"])
    assert isinstance(reminder, Reminder) and reminder.lead == 15


def test_rows_that_hold_no_notice_are_refused() -> None:
    with pytest.raises(NoticeCodecError, match="unknown outbox kind"):
        decode("quiet_hours", {})
    with pytest.raises(NoticeCodecError):
        decode("change", {"change": "new"})  # no occurrence
    with pytest.raises(NoticeCodecError):
        decode("digest", {"day": "not a day"})


def test_a_kind_without_a_key_of_its_own_is_keyed_by_its_content() -> None:
    a = Unreadable("Work", "too_large", object_href="/a.ics")
    assert content_key(USER, a) == content_key(USER, replace(a))
    assert content_key(USER, a) != content_key("bob", a)
    assert content_key(USER, a) != content_key(USER, replace(a, why="not_utf8"))
    assert content_key(USER, a).startswith("unreadable:")


def test_cut_events_decode_their_reason() -> None:
    notice = CutEvents((CutEvent("Spam", Cut.EVERY_SECOND, "u1"),), calendar_href=HREF)
    kind, payload = encode(notice)
    assert payload["events"] == [{"title": "Spam", "cut": "every_second", "uid": "u1"}]
    assert decode(kind, payload) == notice


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_a_snoozed_reminder_round_trips_renders_and_is_keyed_by_meeting_and_moment(
    locale: str,
) -> None:
    meeting = occ("snooze@x", NOW + timedelta(minutes=30), title="Review")
    notice = Snoozed(meeting, NOW + timedelta(minutes=20), meeting.start)
    kind, payload = encode(notice)
    assert kind == "snooze"
    again = decode(kind, json.loads(json.dumps(payload)))
    assert again == notice and again.lead == 10
    (message,) = notice_views.render(
        again, locale=locale, tz=ZoneInfo("Europe/Moscow"), now=notice.fires_at
    )
    assert "Review" in message.text
    key = idempotency_key(USER, notice)
    assert key.startswith("snooze:")
    renamed = replace(notice, occurrence=replace(meeting, title="Review v2"))
    assert idempotency_key(USER, renamed) == key  # the same meeting and moment: one row
    later = replace(notice, fires_at=notice.fires_at + timedelta(minutes=5))
    assert idempotency_key(USER, later) != key
    assert idempotency_key("someone-else", notice) != key


def invited(**fields: Any) -> Invited:
    meeting = Occurrence(
        calendar_href="",
        uid="budget-1@calendar-bot",
        recurrence_id="",
        title="Budget",
        start=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        end=datetime(2026, 12, 1, 12, 45, tzinfo=UTC),
        organizer=Attendee("ivan@example.com", "Ivan Petrov", PartStat.ACCEPTED),
        location="Room 5",
        **fields,
    )
    return Invited(meeting, "ivan_p")


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_an_invitation_round_trips_and_is_told_once_per_person_and_meeting(locale: str) -> None:
    notice = invited()
    kind, payload = encode(notice)
    assert kind == "invited"
    assert decode(kind, json.loads(json.dumps(payload))) == notice
    key = idempotency_key(USER, notice)
    assert key.startswith("invited:")
    moved = replace(notice, occurrence=replace(notice.occurrence, start=NOW, end=NOW))
    assert idempotency_key(USER, moved) == key  # the same meeting: one DM, whatever it says
    assert idempotency_key("someone-else", notice) != key
    other = replace(notice, occurrence=replace(notice.occurrence, uid="other@x"))
    assert idempotency_key(USER, other) != key


@pytest.mark.parametrize(
    ("locale", "when", "who"),
    [
        ("ru", "15:00–15:45", "приглашает вас"),
        ("en", "15:00–15:45", "invites you"),
    ],
)
def test_an_invitation_says_who_what_when_where_in_the_persons_zone(
    locale: str, when: str, who: str
) -> None:
    tz = ZoneInfo("Europe/Moscow")  # 12:00 UTC is 15:00 there
    (connected,) = notice_views.render(invited(), locale=locale, tz=tz, now=NOW)
    assert who in connected.text and "Ivan Petrov" in connected.text
    assert "@\u200bivan\\_p" in connected.text  # shown, mentioning nobody
    assert "Budget" in connected.text and when in connected.text and "Room 5" in connected.text
    buttons = [b for block in connected.blocks for b in block.buttons]
    assert [b.action for b in buttons] == ["invite.rsvp"] * 3
    assert [b.payload["partstat"] for b in buttons] == ["ACCEPTED", "TENTATIVE", "DECLINED"]
    assert {b.payload["uid"] for b in buttons} == {"budget-1@calendar-bot"}

    (stranger,) = notice_views.render(invited(), locale=locale, tz=tz, now=NOW, connected=False)
    assert stranger.text.startswith(connected.text)  # the same facts, then how to answer
    assert [b.action for block in stranger.blocks for b in block.buttons] == ["connect"]


def test_an_invitation_to_a_series_says_how_it_repeats() -> None:
    notice = invited(recurring=True, rrule="FREQ=WEEKLY;BYDAY=TU")
    (message,) = notice_views.render(notice, locale="en", tz=ZoneInfo("UTC"), now=NOW)
    assert "series" in message.text and "every week on Tue" in message.text
