"""The occurrence codec round-trips exactly (property-based)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_bot.domain.model import Attendee, EventStatus, Occurrence, PartStat, UserSettings
from calendar_bot.storage.codec import (
    CodecError,
    occurrence_from_json,
    occurrence_to_json,
    settings_from_json,
    settings_to_json,
)

# Fixed offsets only: PEP 495 makes an ambiguous wall time in a ZoneInfo zone compare unequal
# to every other zone's datetime, which would make `==` meaningless here (see the test below).
zones = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=3)),
        timezone(timedelta(hours=-9, minutes=-30)),
        timezone(timedelta(hours=14)),
    ]
)
aware = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    zones,
)
text = st.text(max_size=40)
attendees = st.builds(
    Attendee,
    email=text,
    name=text,
    partstat=st.sampled_from(PartStat),
    role=st.sampled_from(["", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "CHAIR"]),
)
occurrences = st.builds(
    Occurrence,
    calendar_href=text,
    uid=text,
    recurrence_id=st.sampled_from(["", "20261130T060000Z", "20261130"]),
    title=text,
    start=aware,
    end=aware,
    all_day=st.booleans(),
    status=st.sampled_from(EventStatus),
    organizer=st.none() | attendees,
    attendees=st.lists(attendees, max_size=4).map(tuple),
    my_partstat=st.none() | st.sampled_from(PartStat),
    location=text,
    description=st.text(max_size=200),
    join_url=st.none() | text,
    alarm_minutes=st.lists(st.integers(0, 10080), max_size=3).map(tuple),
    recurring=st.booleans(),
    sequence=st.integers(0, 2**31 - 1),
    event_href=text,
    i_am_organizer=st.booleans(),
)


@given(occurrences)
def test_occurrence_round_trips_through_json_text(o: Occurrence) -> None:
    encoded = json.loads(json.dumps(occurrence_to_json(o)))
    decoded = occurrence_from_json(encoded)
    assert decoded == o
    assert decoded.start.tzinfo is UTC and decoded.end.tzinfo is UTC
    assert decoded.status is o.status
    assert all(type(a.partstat) is PartStat for a in decoded.attendees)


def test_named_zones_keep_the_instant() -> None:
    start = datetime(2026, 3, 29, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    o = Occurrence("/c/", "u", "", "t", start, start + timedelta(hours=1))
    decoded = occurrence_from_json(occurrence_to_json(o))
    assert decoded.start.timestamp() == start.timestamp()
    assert decoded.start == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_missing_optional_fields_fall_back_to_defaults() -> None:
    decoded = occurrence_from_json(
        {
            "calendar_href": "/c/",
            "uid": "u1",
            "start": "2026-11-30T06:00:00+00:00",
            "end": "2026-11-30T07:00:00+00:00",
        }
    )
    assert decoded == Occurrence(
        calendar_href="/c/",
        uid="u1",
        recurrence_id="",
        title="",
        start=datetime(2026, 11, 30, 6, tzinfo=UTC),
        end=datetime(2026, 11, 30, 7, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"calendar_href": "/c/", "uid": "u", "start": "2026-11-30T06:00:00", "end": "x"},
        {"calendar_href": "/c/", "uid": "u", "start": 5, "end": 6},
        {
            "calendar_href": "/c/",
            "uid": "u",
            "start": "2026-11-30T06:00:00+00:00",
            "end": "2026-11-30T07:00:00+00:00",
            "status": "BOGUS",
        },
    ],
)
def test_malformed_payloads_raise_codec_error(payload: dict[str, object]) -> None:
    with pytest.raises(CodecError):
        occurrence_from_json(payload)


def test_naive_datetimes_are_refused() -> None:
    naive = Occurrence("/c/", "u", "", "t", datetime(2026, 1, 1), datetime(2026, 1, 1, 1))
    with pytest.raises(CodecError):
        occurrence_to_json(naive)


@given(
    st.builds(
        UserSettings,
        locale=st.sampled_from(["ru", "en"]),
        timezone=st.sampled_from(["Europe/Moscow", "UTC"]),
        reminder_leads=st.sets(st.integers(0, 1440), max_size=5).map(
            lambda leads: tuple(sorted(leads, reverse=True))
        ),
        digest_enabled=st.booleans(),
        digest_hour=st.integers(0, 23),
        digest_when_empty=st.booleans(),
        remind_all_day=st.booleans(),
        work_start=st.integers(0, 11),
        work_end=st.integers(12, 23),
        work_days=st.sets(st.integers(0, 6), min_size=1).map(lambda d: tuple(sorted(d))),
        quiet_hours=st.none() | st.tuples(st.integers(0, 11), st.integers(12, 23)),
        quiet_reminders=st.booleans(),
        digest_work_days_only=st.booleans(),
    )
)
def test_settings_round_trip(settings: UserSettings) -> None:
    data = json.loads(json.dumps(settings_to_json(settings)))
    assert settings_from_json(data, locale=settings.locale, timezone=settings.timezone) == settings


@pytest.mark.parametrize(
    ("stored", "lead", "at_start"),
    [
        ([15, 0], 15, True),
        ([0, 30], 30, True),
        ([30], 30, False),
        ([0], None, True),
        ([], None, False),
        ([30, 5, 0], 30, True),  # several leads: all kept, the largest is the "lead"
    ],
)
def test_settings_stored_as_a_list_of_leads_read_as_lead_and_start(
    stored: list[int], lead: int | None, at_start: bool
) -> None:
    """Rows keep the list of leads (0: at the start) every release wrote and read."""
    settings = settings_from_json({"reminder_minutes": stored}, locale="en", timezone="UTC")
    assert (settings.reminder_lead, settings.remind_at_start) == (lead, at_start)
    assert settings.leads == tuple(sorted(set(stored), reverse=True))
    assert settings_from_json({}, locale="en", timezone="UTC") == UserSettings("en", "UTC")


def test_settings_are_written_in_the_shape_earlier_releases_read() -> None:
    assert settings_to_json(UserSettings())["reminder_minutes"] == [15, 0]
    assert settings_to_json(UserSettings(reminder_leads=(0,)))["reminder_minutes"] == [0]
    only_lead = UserSettings(reminder_leads=(30,))
    assert settings_to_json(only_lead)["reminder_minutes"] == [30]
    several = UserSettings(reminder_leads=(1440, 60, 10, 0))
    assert settings_to_json(several)["reminder_minutes"] == [1440, 60, 10, 0]
    assert settings_from_json(
        settings_to_json(several), locale="ru", timezone="Europe/Moscow"
    ).leads == (1440, 60, 10, 0)
    assert settings_to_json(UserSettings())["quiet_hours"] is None


@pytest.mark.parametrize(
    "stored",
    [
        {},  # a row from before working hours
        {"work_hours": [19, 9], "work_days": []},  # nonsense is never trusted
        {"work_hours": [9, 24], "work_days": [7]},
        {"work_hours": "9-19", "work_days": "mon-fri"},
    ],
)
def test_working_hours_fall_back_to_the_defaults(stored: dict[str, object]) -> None:
    settings = settings_from_json(stored, locale="ru", timezone="UTC")
    assert (settings.work_start, settings.work_end, settings.work_days) == (9, 19, (0, 1, 2, 3, 4))
