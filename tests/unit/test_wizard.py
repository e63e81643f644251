"""The create-meeting wizard, walked through step by step with every error on the way."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_bot.domain.availability import Busy
from calendar_bot.domain.model import Attendee, PartStat
from calendar_bot.domain.wizard import (
    EDITABLE,
    FLOW,
    QUICK_DURATIONS,
    Cancel,
    Cancelled,
    Create,
    CreateEvent,
    Edit,
    Effect,
    Prompt,
    ResolvedUser,
    ResolveUsernames,
    Skip,
    Step,
    Text,
    UsernamesResolved,
    WizardError,
    WizardInput,
    WizardState,
    date_picks,
    is_stale,
    start,
    step,
    time_picks,
)

TZ = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 30, 7, 20, tzinfo=UTC)  # 10:20 in Moscow, a Monday
TODAY = date(2026, 11, 30)


class Walk:
    """Feeds inputs and keeps the latest state and effects."""

    def __init__(self, now: datetime = NOW, tz: ZoneInfo | str = TZ) -> None:
        self.now = now
        self.tz = tz
        self.state, self.effects = start(now)

    def send(self, event: WizardInput) -> list[Effect]:
        self.state, self.effects = step(self.state, event, now=self.now, tz=self.tz)
        # Persisted between messages: every state must survive a JSON round trip.
        restored = WizardState.from_dict(json.loads(json.dumps(self.state.to_dict())))
        assert restored == self.state
        return self.effects

    def text(self, value: str) -> list[Effect]:
        return self.send(Text(value))

    def expect_error(self, event: WizardInput, error: WizardError) -> None:
        before = self.state
        effects = self.send(event)
        assert effects == [Prompt(before.step, error)] or (
            len(effects) == 1
            and isinstance(effects[0], Prompt)
            and effects[0].step is before.step
            and effects[0].error is error
        ), effects
        assert self.state.step is before.step


def fill_until(walk: Walk, target: Step) -> None:
    inputs: dict[Step, WizardInput] = {
        Step.TITLE: Text("Planning"),
        Step.DATE: Text("завтра"),
        Step.TIME: Text("14:30"),
        Step.DURATION: Text("45"),
        Step.ATTENDEES: Text("bob@example.com"),
        Step.DESCRIPTION: Text("Agenda"),
        Step.LOCATION: Text("Room 5"),
    }
    while walk.state.step is not target:
        walk.send(inputs[walk.state.step])


def test_start_prompts_for_the_title() -> None:
    state, effects = start(NOW)
    assert state.step is Step.TITLE
    assert state.started_at == NOW
    assert effects == [Prompt(Step.TITLE)]
    assert state.active


def test_full_walk_through_with_every_validation_error() -> None:
    walk = Walk()
    # TITLE
    walk.expect_error(Text("   "), WizardError.EMPTY)
    walk.expect_error(Text("x" * 201), WizardError.TITLE_TOO_LONG)
    walk.expect_error(Create(), WizardError.UNEXPECTED_INPUT)
    assert walk.text("  Quarterly   planning ") == [Prompt(Step.DATE)]
    assert walk.state.title == "Quarterly planning"
    # DATE
    walk.expect_error(Text(""), WizardError.EMPTY)
    walk.expect_error(Text("someday"), WizardError.DATE_FORMAT)
    walk.expect_error(Text("31.02.2027"), WizardError.DATE_INVALID)
    walk.expect_error(Text("29.11.2026"), WizardError.DATE_IN_PAST)
    walk.expect_error(Skip(), WizardError.UNEXPECTED_INPUT)
    assert walk.text("01.12.2026") == [Prompt(Step.TIME)]
    assert walk.state.date == date(2026, 12, 1)
    # TIME
    walk.expect_error(Text("25:00"), WizardError.TIME_OUT_OF_RANGE)
    walk.expect_error(Text("9:75"), WizardError.TIME_OUT_OF_RANGE)
    walk.expect_error(Text("lunch"), WizardError.TIME_FORMAT)
    walk.expect_error(Skip(), WizardError.UNEXPECTED_INPUT)
    assert walk.text("930") == [Prompt(Step.DURATION)]
    assert walk.state.time == time(9, 30)
    # DURATION
    walk.expect_error(Text("0"), WizardError.DURATION_OUT_OF_RANGE)
    walk.expect_error(Text("2000"), WizardError.DURATION_OUT_OF_RANGE)
    walk.expect_error(Text("long"), WizardError.DURATION_FORMAT)
    assert walk.text("1ч30") == [Prompt(Step.ATTENDEES)]
    assert walk.state.duration == 90
    # ATTENDEES
    walk.expect_error(Text(" , ; "), WizardError.EMPTY)
    walk.expect_error(Text("@alice, bob@"), WizardError.ATTENDEES_INVALID)
    assert walk.effects[0] == Prompt(Step.ATTENDEES, WizardError.ATTENDEES_INVALID, ("bob@",))
    walk.expect_error(Create(), WizardError.UNEXPECTED_INPUT)
    assert walk.text("@alice @ghost carol@example.com") == [ResolveUsernames(("alice", "ghost"))]
    assert walk.state.step is Step.ATTENDEES
    assert walk.state.awaiting_resolution
    walk.send(
        UsernamesResolved(
            found=(ResolvedUser("alice", "Alice@Example.com", "Alice A."),), unknown=("ghost",)
        )
    )
    assert walk.effects == [Prompt(Step.ATTENDEES, WizardError.ATTENDEES_UNKNOWN, ("ghost",))]
    assert walk.state.attendees == ()
    assert not walk.state.awaiting_resolution
    assert walk.text("@alice carol@example.com") == [ResolveUsernames(("alice",))]
    walk.send(UsernamesResolved(found=(ResolvedUser("alice", "Alice@Example.com", "Alice A."),)))
    assert walk.effects == [Prompt(Step.DESCRIPTION)]
    assert walk.state.attendees == (("carol@example.com", ""), ("alice@example.com", "Alice A."))
    # DESCRIPTION
    walk.expect_error(Text("d" * 4001), WizardError.DESCRIPTION_TOO_LONG)
    walk.expect_error(Create(), WizardError.UNEXPECTED_INPUT)
    assert walk.text("Line one\nLine two") == [Prompt(Step.LOCATION)]
    assert walk.state.description == "Line one\nLine two"
    # LOCATION
    walk.expect_error(Text("l" * 501), WizardError.LOCATION_TOO_LONG)
    assert walk.text("Room\n 5") == [Prompt(Step.CONFIRM)]
    assert walk.state.location == "Room 5"
    # CONFIRM
    walk.expect_error(Text("yes"), WizardError.UNEXPECTED_INPUT)
    walk.expect_error(Edit(Step.CONFIRM), WizardError.UNEXPECTED_INPUT)
    effects = walk.send(Create())
    assert walk.state.step is Step.DONE
    assert not walk.state.active
    assert len(effects) == 1 and isinstance(effects[0], CreateEvent)
    event = effects[0].event
    assert event.title == "Quarterly planning"
    assert event.start == datetime(2026, 12, 1, 9, 30, tzinfo=TZ)
    assert event.end == datetime(2026, 12, 1, 11, 0, tzinfo=TZ)
    assert event.attendees == (
        Attendee("carol@example.com", "", PartStat.NEEDS_ACTION, "REQ-PARTICIPANT"),
        Attendee("alice@example.com", "Alice A.", PartStat.NEEDS_ACTION, "REQ-PARTICIPANT"),
    )
    assert event.description == "Line one\nLine two"
    assert event.location == "Room 5"
    # A finished wizard ignores further input.
    assert walk.send(Create()) == []
    assert walk.send(Cancel()) == []
    assert walk.state.step is Step.DONE


def test_quick_picks_and_skips() -> None:
    """A quick-pick button sends its value in the typed form: the machine's own picks walk
    the whole way."""
    walk = Walk()
    walk.text("Sync")
    assert walk.text(date_picks(NOW, TZ)[0].isoformat()) == [Prompt(Step.TIME)]
    assert walk.state.date == TODAY
    first_time = time_picks(NOW, TZ, walk.state.date)[0]
    assert walk.text(f"{first_time:%H:%M}") == [Prompt(Step.DURATION)]
    assert walk.state.time == time(10, 30)
    assert walk.text(str(QUICK_DURATIONS[1])) == [Prompt(Step.ATTENDEES)]
    assert walk.state.duration == 30
    assert walk.send(Skip()) == [Prompt(Step.DESCRIPTION)]
    assert walk.send(Skip()) == [Prompt(Step.LOCATION)]
    assert walk.send(Skip()) == [Prompt(Step.CONFIRM)]
    effects = walk.send(Create())
    assert isinstance(effects[0], CreateEvent)
    assert effects[0].event.start == datetime(2026, 11, 30, 10, 30, tzinfo=TZ)
    assert effects[0].event.attendees == ()
    assert effects[0].event.description == effects[0].event.location == ""


@pytest.mark.parametrize("word", ["-", "нет", "никого", "skip"])
def test_skip_words_work_like_the_skip_button(word: str) -> None:
    walk = Walk()
    fill_until(walk, Step.ATTENDEES)
    assert walk.text(word) == [Prompt(Step.DESCRIPTION)]
    assert walk.text(word) == [Prompt(Step.LOCATION)]
    assert walk.text(word) == [Prompt(Step.CONFIRM)]
    assert walk.state.attendees == ()
    assert walk.state.description == walk.state.location == ""


def test_quick_dates_tomorrow_and_day_after() -> None:
    assert date_picks(NOW, TZ) == (TODAY, date(2026, 12, 1), date(2026, 12, 2))
    for picked in date_picks(NOW, TZ)[1:]:
        walk = Walk()
        walk.text("T")
        walk.text(picked.isoformat())
        assert walk.state.date == picked


def test_quick_times_are_the_next_free_half_hours_in_working_hours() -> None:
    # 10:20 on a Monday: the next half-hours from 10:30, none in the past.
    assert time_picks(NOW, TZ) == [time(10, 30), time(11, 0), time(11, 30), time(12, 0)]
    assert time_picks(NOW, TZ, TODAY) == time_picks(NOW, TZ)
    # Another working day: from 09:00.
    assert time_picks(NOW, TZ, date(2026, 12, 1)) == [time(9), time(9, 30), time(10), time(10, 30)]
    # Saturday and Sunday: none (the step then asks to type a time).
    assert time_picks(NOW, TZ, date(2026, 12, 5)) == []
    assert time_picks(NOW, TZ, date(2026, 12, 6)) == []
    # 18:40: nothing is left of today's working hours; tomorrow still gets its picks.
    late = datetime(2026, 11, 30, 15, 40, tzinfo=UTC)
    assert time_picks(late, TZ, TODAY) == []
    assert time_picks(late, TZ, date(2026, 12, 1))[0] == time(9)
    # 18:20: the last half-hour still fits, a 45-minute one does not.
    evening = datetime(2026, 11, 30, 15, 20, tzinfo=UTC)
    assert time_picks(evening, TZ, TODAY) == [time(18, 30)]
    assert time_picks(evening, TZ, TODAY, duration=45) == []


def test_quick_times_skip_busy_half_hours() -> None:
    tomorrow = date(2026, 12, 1)
    busy = (
        Busy(datetime(2026, 12, 1, 9, 0, tzinfo=TZ), datetime(2026, 12, 1, 10, 15, tzinfo=TZ)),
        Busy(datetime(2026, 12, 1, 11, 0, tzinfo=TZ), datetime(2026, 12, 1, 11, 30, tzinfo=TZ)),
    )
    assert time_picks(NOW, TZ, tomorrow, busy=busy) == [
        time(10, 30),
        time(11, 30),
        time(12, 0),
        time(12, 30),
    ]
    # A one-hour meeting must fit before the next busy interval: 10:30 does not.
    assert time_picks(NOW, TZ, tomorrow, busy=busy, duration=60)[:2] == [time(11, 30), time(12)]
    # A night meeting from the evening before blocks the morning too.
    night = (
        Busy(datetime(2026, 11, 30, 23, 0, tzinfo=TZ), datetime(2026, 12, 1, 9, 30, tzinfo=TZ)),
    )
    assert time_picks(NOW, TZ, tomorrow, busy=night)[0] == time(9, 30)


def test_start_in_the_past_is_refused_at_time() -> None:
    walk = Walk()
    walk.text("Past")
    walk.text(TODAY.isoformat())
    walk.expect_error(Text("10:20"), WizardError.START_IN_PAST)  # exactly now
    walk.expect_error(Text("9"), WizardError.START_IN_PAST)
    assert walk.text("10:21") == [Prompt(Step.DURATION)]


def test_start_is_rechecked_at_confirm() -> None:
    walk = Walk()
    walk.text("Soon")
    walk.text(TODAY.isoformat())
    walk.text("10:30")
    fill_until(walk, Step.CONFIRM)
    walk.now = NOW + timedelta(minutes=15)  # the user read the summary for a while
    assert walk.send(Create()) == [Prompt(Step.TIME, WizardError.START_IN_PAST)]
    assert walk.state.step is Step.TIME
    assert walk.text("11:00") == [Prompt(Step.CONFIRM)]  # back to the summary, not onwards
    effects = walk.send(Create())
    assert isinstance(effects[0], CreateEvent)
    assert effects[0].event.start == datetime(2026, 11, 30, 11, 0, tzinfo=TZ)


@pytest.mark.parametrize("at", [s for s in FLOW])
def test_cancel_on_every_step(at: Step) -> None:
    walk = Walk()
    fill_until(walk, at)
    assert walk.send(Cancel()) == [Cancelled()]
    assert walk.state.step is Step.CANCELLED
    assert not walk.state.active
    assert walk.text("anything") == []


def test_cancel_while_usernames_are_being_resolved() -> None:
    walk = Walk()
    fill_until(walk, Step.ATTENDEES)
    walk.text("@alice")
    assert walk.send(Cancel()) == [Cancelled()]
    assert not walk.state.awaiting_resolution


@pytest.mark.parametrize("field", EDITABLE)
def test_edit_any_field_then_return_to_the_summary(field: Step) -> None:
    walk = Walk()
    fill_until(walk, Step.CONFIRM)
    assert walk.send(Edit(field)) == [Prompt(field)]
    assert walk.state.step is field
    assert walk.state.editing
    new_value: dict[Step, WizardInput] = {
        Step.TITLE: Text("Renamed"),
        Step.DATE: Text("02.12.2026"),
        Step.TIME: Text("16:00"),
        Step.DURATION: Text("90"),
        Step.ATTENDEES: Text("dan@example.com"),
        Step.DESCRIPTION: Text("New agenda"),
        Step.LOCATION: Skip(),
    }
    assert walk.send(new_value[field]) == [Prompt(Step.CONFIRM)]
    assert not walk.state.editing
    effects = walk.send(Create())
    assert isinstance(effects[0], CreateEvent)
    event = effects[0].event
    expected = {
        Step.TITLE: event.title == "Renamed",
        Step.DATE: event.start == datetime(2026, 12, 2, 14, 30, tzinfo=TZ),
        Step.TIME: event.start == datetime(2026, 12, 1, 16, 0, tzinfo=TZ),
        Step.DURATION: event.end - event.start == timedelta(minutes=90),
        Step.ATTENDEES: [a.email for a in event.attendees] == ["dan@example.com"],
        Step.DESCRIPTION: event.description == "New agenda",
        Step.LOCATION: event.location == "",
    }
    assert expected[field]


def test_edit_only_from_the_summary() -> None:
    walk = Walk()
    walk.expect_error(Edit(Step.DATE), WizardError.UNEXPECTED_INPUT)


def test_editing_the_date_to_today_when_the_time_is_over_asks_for_a_time() -> None:
    walk = Walk()
    fill_until(walk, Step.CONFIRM)  # tomorrow 14:30
    walk.send(Edit(Step.DATE))
    walk.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 15:00 in Moscow
    assert walk.text(TODAY.isoformat()) == [Prompt(Step.TIME, WizardError.START_IN_PAST)]
    assert walk.state.step is Step.TIME
    assert walk.text("18:00") == [Prompt(Step.CONFIRM)]
    assert (walk.state.date, walk.state.time) == (TODAY, time(18, 0))


def test_emails_only_need_no_resolution() -> None:
    walk = Walk()
    fill_until(walk, Step.ATTENDEES)
    assert walk.text("A@Example.com; b@example.com, a@example.com") == [Prompt(Step.DESCRIPTION)]
    assert walk.state.attendees == (("a@example.com", ""), ("b@example.com", ""))


def test_resolution_answer_without_a_question_is_ignored() -> None:
    walk = Walk()
    fill_until(walk, Step.ATTENDEES)
    before = walk.state
    answer = UsernamesResolved(found=(ResolvedUser("x", "x@example.com"),))
    assert walk.send(answer) == []
    assert walk.state == before
    walk.text("@x")
    walk.text("c@example.com")  # the user moved on before the answer came
    assert walk.send(answer) == []
    assert walk.state.step is Step.DESCRIPTION


def test_stale_resolution_answer_is_ignored() -> None:
    walk = Walk()
    fill_until(walk, Step.ATTENDEES)
    walk.text("@alice")
    walk.text("@bob")  # the user retyped before the answer came
    assert walk.send(UsernamesResolved(found=(ResolvedUser("alice", "a@example.com"),))) == []
    assert walk.state.pending_usernames == ("bob",)
    walk.send(UsernamesResolved(found=(ResolvedUser("bob", "b@example.com"),)))
    assert walk.state.attendees == (("b@example.com", ""),)


def test_resolved_user_without_email_counts_as_unknown() -> None:
    walk = Walk()
    fill_until(walk, Step.ATTENDEES)
    walk.text("@bot")
    walk.send(UsernamesResolved(found=(ResolvedUser("bot", ""),)))
    assert walk.effects == [Prompt(Step.ATTENDEES, WizardError.ATTENDEES_UNKNOWN, ("bot",))]


def test_time_zone_by_name_and_dst() -> None:
    spring = datetime(2027, 3, 13, 12, 0, tzinfo=UTC)
    walk = Walk(now=spring, tz="America/New_York")
    walk.text("DST")
    walk.text("14.03.2027")
    walk.text("2:30")  # does not exist that night in New York
    walk.text("30")
    walk.send(Skip())
    walk.send(Skip())
    walk.send(Skip())
    effects = walk.send(Create())
    assert isinstance(effects[0], CreateEvent)
    start_at = effects[0].event.start
    assert start_at.utcoffset() == timedelta(hours=-4)
    assert effects[0].event.end - start_at == timedelta(minutes=30)


def test_stale_wizards() -> None:
    state, _ = start(NOW)
    assert not is_stale(state, NOW + timedelta(hours=23))
    assert is_stale(state, NOW + timedelta(hours=25))


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"v": 2, "step": "title", "started_at": NOW.isoformat()},
        {"v": 1, "step": "nope", "started_at": NOW.isoformat()},
        {"v": 1, "step": "title", "started_at": "2026-11-30T10:00:00"},
        {"v": 1, "step": "title", "started_at": NOW.isoformat(), "duration": -5},
        {"v": 1, "step": "title", "started_at": NOW.isoformat(), "date": "30.11.2026"},
        {"v": 1, "step": "title", "started_at": NOW.isoformat(), "attendees": [1]},
    ],
)
def test_from_dict_rejects_garbage(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        WizardState.from_dict(data)


_texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)


@given(
    st.builds(
        WizardState,
        step=st.sampled_from(list(Step)),
        started_at=st.datetimes(timezones=st.just(UTC)),
        title=_texts,
        date=st.none() | st.dates(),
        time=st.none() | st.times().map(lambda t: t.replace(second=0, microsecond=0)),
        duration=st.none() | st.integers(min_value=1, max_value=1440),
        attendees=st.lists(st.tuples(st.emails(), _texts), max_size=3).map(tuple),
        description=_texts,
        location=_texts,
        editing=st.booleans(),
        pending_usernames=st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), max_size=3).map(
            tuple
        ),
        pending_emails=st.lists(st.emails(), max_size=2).map(tuple),
    )
)
def test_state_round_trips_through_json(state: WizardState) -> None:
    assert WizardState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


_inputs: st.SearchStrategy[WizardInput] = st.one_of(
    st.builds(
        Text,
        st.sampled_from(
            ["", "x", "завтра", "15:00", "45", "@a", "a@b.co", "-", "??", "0", "2000", "11:00"]
        ),
    ),
    st.builds(Text, st.sampled_from([d.isoformat() for d in date_picks(NOW, TZ)])),
    st.just(Skip()),
    st.just(Create()),
    st.builds(Edit, st.sampled_from(list(Step))),
    st.builds(
        UsernamesResolved,
        st.just((ResolvedUser("a", "a@example.com"),)),
        st.sampled_from([(), ("a",)]),
    ),
)


@given(st.lists(_inputs, max_size=40))
def test_random_inputs_never_break_the_machine(events: list[WizardInput]) -> None:
    walk = Walk()
    for event in events:
        before = walk.state
        effects = walk.send(event)
        if not before.active:
            assert effects == [] and walk.state == before
            continue
        if isinstance(event, UsernamesResolved) and not effects:
            assert walk.state == before  # an answer nobody asked for changes nothing
            continue
        assert effects, "an active wizard always answers"
        for effect in effects:
            if isinstance(effect, CreateEvent):
                assert effect.event.start > walk.now
                assert effect.event.end > effect.event.start
                assert effect.event.title
                assert walk.state.step is Step.DONE
            if isinstance(effect, Prompt):
                assert effect.step is walk.state.step
