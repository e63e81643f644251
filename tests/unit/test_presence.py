"""The pure part of presence (domain/presence.py): which meetings make a person busy, until
when, and what to do at a minute mark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from calendar_bot.domain.model import Attendee, EventStatus, Occurrence, PartStat
from calendar_bot.domain.presence import (
    DND,
    CustomStatus,
    Held,
    PresenceMode,
    Seen,
    Step,
    busy_until,
    counts,
    plan,
    restored,
    status_to_restore,
    still_ours,
)

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
BOSS = Attendee(email="boss@example.test", name="Boss")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def meeting(uid: str, start: int, end: int, **fields: Any) -> Occurrence:
    return Occurrence("/cal/", uid, "", uid.title(), at(start), at(end), **fields)


def ours(until: datetime) -> CustomStatus:
    return CustomStatus("date", "In a meeting until …", "date_and_time", until)


def held(until: datetime, **fields: Any) -> Held:
    values: dict[str, Any] = {
        "ours": ours(until),
        "custom_owned": True,
        "dnd_owned": False,
        "previous": None,
        "previous_status": "",
    }
    return Held(until, **{**values, **fields})


def test_accepted_and_organized_meetings_count_declined_tentative_cancelled_all_day_do_not() -> (
    None
):
    invited = {"organizer": BOSS}
    assert counts(meeting("a", 0, 30, my_partstat=PartStat.ACCEPTED, **invited))
    assert counts(meeting("o", 0, 30, i_am_organizer=True, organizer=BOSS))
    assert counts(meeting("own", 0, 30))  # an event of one's own, nobody invited
    assert not counts(meeting("d", 0, 30, my_partstat=PartStat.DECLINED, **invited))
    assert not counts(meeting("t", 0, 30, my_partstat=PartStat.TENTATIVE, **invited))
    assert not counts(meeting("n", 0, 30, my_partstat=PartStat.NEEDS_ACTION, **invited))
    assert not counts(meeting("x", 0, 30, status=EventStatus.CANCELLED))
    assert not counts(meeting("h", 0, 24 * 60, all_day=True))
    assert not counts(meeting("s", 0, 30, organizer=BOSS))  # someone else's, not invited


def test_busy_only_while_a_meeting_is_on() -> None:
    one = [meeting("a", 0, 30)]
    assert busy_until(one, at(-1)) is None
    assert busy_until(one, at(0)) == at(30)
    assert busy_until(one, at(29)) == at(30)
    assert busy_until(one, at(30)) is None  # the end is exclusive


def test_back_to_back_and_overlapping_meetings_make_one_stretch_to_the_last_end() -> None:
    chain = [
        meeting("a", 0, 30),
        meeting("b", 30, 60),  # back to back
        meeting("c", 50, 90),  # overlaps b
        meeting("d", 95, 120),  # a gap: not part of it
    ]
    assert busy_until(chain, at(0)) == at(90)
    assert busy_until(chain, at(55)) == at(90)
    assert busy_until(chain, at(92)) is None
    assert busy_until(chain, at(95)) == at(120)
    # Overlapping with a longer one that started earlier: its end.
    assert busy_until([meeting("l", 0, 120), meeting("s", 10, 20)], at(15)) == at(120)
    # A declined meeting in between breaks nothing and extends nothing.
    declined = meeting("x", 30, 200, my_partstat=PartStat.DECLINED, organizer=BOSS)
    assert busy_until([meeting("a", 0, 30), declined], at(0)) == at(30)


def test_plan() -> None:
    on = PresenceMode.STATUS
    assert plan(on, None, None) is Step.KEEP
    assert plan(on, at(30), None) is Step.START
    assert plan(PresenceMode.OFF, at(30), None) is Step.KEEP
    assert plan(on, at(30), held(at(30))) is Step.KEEP
    assert plan(on, at(60), held(at(30))) is Step.EXTEND
    assert plan(on, at(20), held(at(30))) is Step.EXTEND  # shortened: the status says so
    assert plan(on, None, held(at(30))) is Step.END
    assert plan(PresenceMode.OFF, at(30), held(at(30))) is Step.END  # turned off mid-meeting
    # The person took both parts over: nothing to move, but nothing set again either.
    taken = held(at(30), custom_owned=False, dnd_owned=False)
    assert plan(on, at(60), taken) is Step.KEEP
    assert plan(on, None, taken) is Step.END


def test_a_status_the_person_changed_is_theirs() -> None:
    mine = held(at(30), dnd_owned=True)
    assert still_ours(mine, Seen(ours(at(30)), DND)) == (True, True)
    theirs = CustomStatus("coffee", "Lunch")
    assert still_ours(mine, Seen(theirs, DND)) == (False, True)
    assert still_ours(mine, Seen(None, "online")) == (False, False)
    # Same text and emoji with another expiry is still the bot's (the server re-encodes it).
    assert still_ours(mine, Seen(CustomStatus("date", "In a meeting until …"), DND))[0]
    # A part already given up stays given up.
    assert still_ours(held(at(30), custom_owned=False), Seen(ours(at(30)), DND)) == (False, False)


def test_what_is_restored() -> None:
    before = CustomStatus("palm_tree", "On leave", "date_and_time", at(60))
    assert restored(held(at(30), previous=before), at(30)) == before
    assert restored(held(at(30), previous=before), at(60)) is None  # expired meanwhile
    assert restored(held(at(30)), at(30)) is None
    forever = CustomStatus("house", "Working from home")
    assert restored(held(at(30), previous=forever), at(30)) == forever
    assert status_to_restore(held(at(30), previous_status="away")) == "away"
    assert status_to_restore(held(at(30), previous_status="")) == "online"
    assert status_to_restore(held(at(30), previous_status=DND)) == "online"


@pytest.mark.parametrize(
    "locale,text", [("en", "In a meeting until 15:30"), ("ru", "На встрече до 15:30")]
)
def test_the_status_text_in_the_persons_language_and_zone(locale: str, text: str) -> None:
    from calendar_bot.views.presence import meeting_status

    until = datetime(2026, 12, 3, 12, 30, tzinfo=UTC)  # 15:30 in Moscow
    status = meeting_status(until, locale, "Europe/Moscow")
    assert (status.emoji, status.text, status.expires_at) == ("date", text, until)
