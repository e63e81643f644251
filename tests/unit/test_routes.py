"""The route table: every action has one route with its declared guard, typed payloads pack
and unpack to the keys already on the wire, command words, and the conversation states."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_bot.dispatcher import command_of
from calendar_bot.domain.model import PartStat
from calendar_bot.domain.wizard import Step
from calendar_bot.handlers.base import Awaiting
from calendar_bot.routes import BY_ACTION, COMMANDS, DIALOGS, ROUTES, WIZARD_ESCAPES, Guard
from calendar_bot.views import actions
from calendar_bot.views.payloads import (
    CalendarChoice,
    Day,
    Empty,
    FoundSlot,
    HourChoice,
    MeetingRef,
    Payload,
    ReminderChoice,
    Rsvp,
    Toggle,
    WizardField,
    WizardMark,
    WizardPick,
    WorkDaysChoice,
)

# A link button opens its URL: it never calls back.
NOT_ROUTED = {actions.JOIN}


def _action_names() -> set[str]:
    return {
        value for name, value in vars(actions).items() if name.isupper() and isinstance(value, str)
    }


def test_every_action_has_exactly_one_route() -> None:
    assert len(BY_ACTION) == len(ROUTES)
    assert not set(BY_ACTION) & set(DIALOGS)
    assert set(BY_ACTION) | set(DIALOGS) == _action_names() - NOT_ROUTED


def test_guards_are_declared_per_action() -> None:
    connecting = {
        actions.CONNECT,
        actions.RECONNECT,
        actions.CONNECT_BY_MESSAGE,
        actions.CONNECT_CANCEL,
    }
    for route in ROUTES:
        if route.action in connecting:
            assert route.guard is Guard.ANYONE, route.action
        elif route.action.startswith("wizard."):
            assert route.guard is Guard.IN_WIZARD, route.action
        else:
            assert route.guard is Guard.CONNECTED, route.action


def test_command_words_name_routes_of_connected_people() -> None:
    for word, action in COMMANDS.items():
        assert BY_ACTION[action].guard is Guard.CONNECTED, word
    assert set(COMMANDS.values()) >= WIZARD_ESCAPES


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("today", actions.MENU_TODAY),
        ("  Сегодня! ", actions.MENU_TODAY),
        ("/calendar", None),
        ("/week", actions.MENU_WEEK),
        ("today please", None),
        ("", None),
        ("завтра", actions.MENU_TOMORROW),
        ("start", actions.MENU),
    ],
)
def test_command_of(text: str, action: str | None) -> None:
    assert command_of(text) == action


# ---- payloads ----------------------------------------------------------------------------

_refs = st.text(alphabet="abcdef0123456789:-_@.", min_size=1, max_size=40)
_payloads: st.SearchStrategy[Payload] = st.one_of(
    st.just(Empty()),
    st.builds(Day, st.dates()),
    st.builds(MeetingRef, _refs),
    st.builds(Rsvp, _refs, st.sampled_from(list(PartStat))),
    st.builds(Toggle, st.booleans()),
    st.builds(WizardPick, st.sampled_from(list(Step)), st.text(max_size=20)),
    st.builds(WizardMark, st.none() | st.sampled_from(list(Step))),
    st.builds(WizardField, st.sampled_from(list(Step))),
    st.builds(
        FoundSlot,
        st.datetimes(
            min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
        ).map(lambda d: d.replace(second=0, microsecond=0)),
        st.integers(1, 1440),
        st.lists(
            st.tuples(
                st.emails(),
                st.text(max_size=20).map(lambda n: " ".join(n.split())),
            ),
            max_size=4,
        ).map(tuple),
    ),
)


@given(_payloads)
def test_buttons_round_trip(payload: Payload) -> None:
    packed = payload.pack()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in packed.items())
    assert type(payload).unpack(packed) == payload


@given(st.none() | st.integers(min_value=1, max_value=1440), st.integers(0, 23), _refs)
def test_menu_choices_come_as_the_selected_option(minutes: int | None, hour: int, ref: str) -> None:
    option = "off" if minutes is None else str(minutes)
    assert ReminderChoice.unpack({}, option) == ReminderChoice(minutes)
    assert HourChoice.unpack({}, str(hour)) == HourChoice(hour)
    assert CalendarChoice.unpack({}, ref) == CalendarChoice(ref)
    assert MeetingRef.unpack({"ref": "other"}, ref) == MeetingRef(ref)  # a menu's choice wins


# What the buttons already in people's DMs carry: written out, not packed, so a change of
# the wire shape fails here.
OLD_BUTTONS: list[tuple[type[Payload], Mapping[str, str], Payload]] = [
    (Day, {"day": "2026-12-04"}, Day(date(2026, 12, 4))),
    (MeetingRef, {"ref": "o:abc"}, MeetingRef("o:abc")),
    (Rsvp, {"ref": "o:abc", "partstat": "ACCEPTED"}, Rsvp("o:abc", PartStat.ACCEPTED)),
    (Toggle, {"on": "1"}, Toggle(True)),
    (Toggle, {"on": "0"}, Toggle(False)),
    (WizardPick, {"step": "date", "value": "2026-12-04"}, WizardPick(Step.DATE, "2026-12-04")),
    (WizardPick, {"step": "duration", "value": "45"}, WizardPick(Step.DURATION, "45")),
    (WizardMark, {"step": "attendees"}, WizardMark(Step.ATTENDEES)),
    (WizardMark, {"step": "confirm"}, WizardMark(Step.CONFIRM)),
    (WizardMark, {}, WizardMark(None)),
    (WizardField, {"field": "location"}, WizardField(Step.LOCATION)),
    (Empty, {"step": "confirm"}, Empty()),  # extra keys of an older button are ignored
]


@pytest.mark.parametrize(("kind", "raw", "expected"), OLD_BUTTONS)
def test_old_buttons_unpack(kind: type[Payload], raw: Mapping[str, str], expected: Payload) -> None:
    assert kind.unpack(raw) == expected
    if kind is not Empty:
        assert expected.pack() == dict(raw)  # and new buttons go out in the same shape


@pytest.mark.parametrize(
    ("kind", "raw", "selected"),
    [
        (Day, {}, None),
        (Day, {"day": "04.12.2026"}, None),
        (Rsvp, {"ref": "o:abc", "partstat": "YES"}, None),
        (WizardPick, {"step": "colour", "value": "red"}, None),
        (WizardField, {"field": ""}, None),
        (ReminderChoice, {}, "-5"),
        (ReminderChoice, {}, "1441"),
        (ReminderChoice, {}, "soon"),
        (HourChoice, {}, "24"),
        (HourChoice, {}, None),
        (FoundSlot, {"start": "2026-12-01T09:00", "minutes": "60"}, None),  # naive
        (FoundSlot, {"start": "2026-12-01T09:00+00:00", "minutes": "0"}, None),
        (WorkDaysChoice, {}, "weekends"),
    ],
)
def test_unreadable_payloads_raise(
    kind: type[Payload], raw: Mapping[str, str], selected: str | None
) -> None:
    with pytest.raises(ValueError):
        kind.unpack(raw, selected)


# ---- conversation states -----------------------------------------------------------------


def test_the_stored_state_strings_are_the_enum_values() -> None:
    # Written by every release so far; a change here strands people mid-conversation.
    assert Awaiting.parse("wizard") is Awaiting.WIZARD_ANSWER
    assert Awaiting.parse("connect.email") is Awaiting.EMAIL
    assert Awaiting.parse("connect.password") is Awaiting.PASSWORD
    assert Awaiting.parse("meeting.edit") is Awaiting.MEETING_EDIT
    assert {a.value for a in Awaiting} == {
        "wizard",
        "connect.email",
        "connect.password",
        "meeting.edit",
    }


@pytest.mark.parametrize("stored", ["", "wizard:title", "connect", "WIZARD"])
def test_an_unknown_stored_state_awaits_nothing(stored: str) -> None:
    assert Awaiting.parse(stored) is None
