"""changes.diff: what users are told about, and above all what they are not told."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_bot.domain.changes import Change, ChangeKind, diff, is_invitation
from calendar_bot.domain.model import EventStatus, Occurrence, PartStat, TimeWindow, apply_delta

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HREF = "/cal/alice/work/"
WINDOW = TimeWindow(NOW - timedelta(days=1), NOW + timedelta(days=30))


def occ(
    uid: str = "m1",
    start: datetime | None = None,
    minutes: int = 60,
    *,
    rid: str = "",
    title: str = "Standup",
    **fields: object,
) -> Occurrence:
    begin = start if start is not None else NOW + timedelta(hours=2)
    return Occurrence(
        calendar_href=HREF,
        uid=uid,
        recurrence_id=rid,
        title=title,
        start=begin,
        end=begin + timedelta(minutes=minutes),
        **fields,  # type: ignore[arg-type]
    )


def weekly(uid: str, first: datetime, count: int) -> list[Occurrence]:
    result = []
    for week in range(count):
        start = first + timedelta(weeks=week)
        rid = start.strftime("%Y%m%dT%H%M%SZ")
        result.append(occ(uid, start, rid=rid, recurring=True))
    return result


def run(
    previous: list[Occurrence],
    current: list[Occurrence],
    *,
    complete: bool = True,
    now: datetime = NOW,
    previous_window: TimeWindow = WINDOW,
    current_window: TimeWindow = WINDOW,
    own_uids: tuple[str, ...] = (),
) -> list[Change]:
    return diff(
        previous,
        current,
        complete=complete,
        previous_window=previous_window,
        current_window=current_window,
        now=now,
        own_uids=own_uids,
    )


def kinds(changes: list[Change]) -> list[tuple[ChangeKind, str, bool]]:
    return [(c.kind, c.occurrence.uid, c.series) for c in changes]


# ---- new and invitations -----------------------------------------------------------------


def test_new_event_is_announced() -> None:
    meeting = occ("new")
    changes = run([], [meeting])
    assert kinds(changes) == [(ChangeKind.NEW, "new", False)]
    assert changes[0].occurrence == meeting
    assert changes[0].previous is None


def test_invitation_when_my_answer_is_needed() -> None:
    meeting = occ("inv", my_partstat=PartStat.NEEDS_ACTION)
    assert kinds(run([], [meeting])) == [(ChangeKind.INVITATION, "inv", False)]


def test_organizer_is_never_invited_to_own_meeting() -> None:
    meeting = occ("mine", my_partstat=PartStat.NEEDS_ACTION, i_am_organizer=True)
    assert kinds(run([], [meeting])) == [(ChangeKind.NEW, "mine", False)]
    assert not is_invitation(meeting)


def test_accepted_new_meeting_is_plain_new() -> None:
    meeting = occ("acc", my_partstat=PartStat.ACCEPTED)
    assert kinds(run([], [meeting])) == [(ChangeKind.NEW, "acc", False)]


def test_new_series_is_announced_once_with_its_first_upcoming_occurrence() -> None:
    past_one = occ("s", NOW - timedelta(days=7), rid="past", recurring=True)
    series = [past_one, *weekly("s", NOW + timedelta(days=1), 4)]
    changes = run([], series)
    assert kinds(changes) == [(ChangeKind.NEW, "s", True)]
    assert changes[0].occurrence.start == NOW + timedelta(days=1)


def test_new_but_already_over_or_cancelled_or_own_is_silent() -> None:
    over = occ("over", NOW - timedelta(hours=3))
    cancelled = occ("cx", status=EventStatus.CANCELLED)
    own = occ("own")
    assert run([], [over, cancelled, own], own_uids=("own",)) == []


def test_own_meeting_moved_by_someone_else_is_still_reported() -> None:
    before = occ("own")
    after = replace(
        before, start=before.start + timedelta(hours=1), end=before.end + timedelta(hours=1)
    )
    assert kinds(run([before], [after], own_uids=("own",))) == [(ChangeKind.MOVED, "own", False)]


def test_meeting_that_started_already_is_not_new() -> None:
    running = occ("running", NOW - timedelta(minutes=10))
    assert run([], [running]) == []


def test_window_slide_does_not_announce_what_enters_the_horizon() -> None:
    later = NOW + timedelta(hours=1)
    previous_window = WINDOW
    current_window = TimeWindow(later - timedelta(days=1), later + timedelta(days=30))
    entering = occ("far", WINDOW.end + timedelta(minutes=30))
    series = weekly("s", NOW + timedelta(days=2), 5)
    series_plus = [*series, *weekly("s", series[-1].start + timedelta(weeks=1), 1)]
    changes = run(
        series,
        [*series_plus, entering],
        now=later,
        previous_window=previous_window,
        current_window=current_window,
    )
    assert changes == []


def test_new_event_just_inside_the_old_horizon_is_announced() -> None:
    inside = occ("edge", WINDOW.end - timedelta(minutes=1))
    assert kinds(run([], [inside])) == [(ChangeKind.NEW, "edge", False)]


def test_new_instances_of_a_known_series_are_not_news() -> None:
    series = weekly("s", NOW + timedelta(days=1), 3)
    extra = occ("s", NOW + timedelta(days=2), rid="rdate", recurring=True)
    assert run(series, [*series, extra]) == []


def test_uncancelled_meeting_is_announced_again() -> None:
    cancelled = occ("back", status=EventStatus.CANCELLED)
    live = replace(cancelled, status=EventStatus.CONFIRMED)
    assert kinds(run([cancelled], [live])) == [(ChangeKind.NEW, "back", False)]


# ---- cancellations -----------------------------------------------------------------------


def test_status_cancelled_is_reported_even_from_a_partial_fetch() -> None:
    before = occ("x")
    after = replace(before, status=EventStatus.CANCELLED)
    for complete in (True, False):
        changes = run([before], [after], complete=complete)
        assert kinds(changes) == [(ChangeKind.CANCELLED, "x", False)]
        assert changes[0].occurrence == after
        assert changes[0].previous == before


def test_already_cancelled_stays_silent() -> None:
    cancelled = occ("x", status=EventStatus.CANCELLED)
    assert run([cancelled], [cancelled]) == []


def test_vanished_event_is_cancelled_only_after_a_complete_fetch() -> None:
    gone = occ("gone")
    assert run([gone], [], complete=False) == []
    changes = run([gone], [], complete=True)
    assert kinds(changes) == [(ChangeKind.CANCELLED, "gone", False)]
    assert changes[0].occurrence == gone


def test_vanished_but_over_or_out_of_window_is_not_cancelled() -> None:
    later = NOW + timedelta(days=2)
    window = TimeWindow(later - timedelta(days=1), later + timedelta(days=30))
    over = occ("over", NOW + timedelta(hours=1))  # ended before `later`
    slid_out = occ("old", NOW - timedelta(hours=30), minutes=30)
    assert run([over, slid_out], [], now=later, current_window=window) == []


def test_running_meeting_that_vanishes_is_cancelled() -> None:
    running = occ("run", NOW - timedelta(minutes=10))
    assert kinds(run([running], [])) == [(ChangeKind.CANCELLED, "run", False)]


def test_whole_series_vanishing_is_reported_once() -> None:
    series = weekly("s", NOW + timedelta(days=1), 4)
    changes = run(series, [])
    assert kinds(changes) == [(ChangeKind.CANCELLED, "s", True)]
    assert changes[0].occurrence == series[0]


def test_single_vanished_instance_is_reported_on_its_own() -> None:
    series = weekly("s", NOW + timedelta(days=1), 4)
    changes = run(series, [series[0], series[1], series[3]])
    assert kinds(changes) == [(ChangeKind.CANCELLED, "s", False)]
    assert changes[0].occurrence == series[2]


def test_whole_series_set_to_cancelled_is_reported_once() -> None:
    series = weekly("s", NOW + timedelta(days=1), 3)
    cancelled = [replace(o, status=EventStatus.CANCELLED) for o in series]
    changes = run(series, cancelled)
    assert kinds(changes) == [(ChangeKind.CANCELLED, "s", True)]
    assert changes[0].occurrence == cancelled[0]


def test_one_cancelled_instance_of_a_series_is_reported_alone() -> None:
    series = weekly("s", NOW + timedelta(days=1), 3)
    after = [series[0], replace(series[1], status=EventStatus.CANCELLED), series[2]]
    changes = run(series, after)
    assert kinds(changes) == [(ChangeKind.CANCELLED, "s", False)]
    assert changes[0].occurrence.start == series[1].start


# ---- moves and updates -------------------------------------------------------------------


def test_moved_meeting_carries_old_and_new_times() -> None:
    before = occ("m")
    after = replace(
        before, start=before.start + timedelta(days=1), end=before.end + timedelta(days=1)
    )
    changes = run([before], [after])
    assert kinds(changes) == [(ChangeKind.MOVED, "m", False)]
    assert changes[0].previous == before
    assert changes[0].occurrence == after


def test_longer_meeting_is_moved() -> None:
    before = occ("m")
    after = replace(before, end=before.end + timedelta(minutes=30))
    assert kinds(run([before], [after])) == [(ChangeKind.MOVED, "m", False)]


def test_moved_instance_of_a_series_is_a_move_not_new() -> None:
    series = weekly("s", NOW + timedelta(days=1), 3)
    moved = replace(
        series[1],
        start=series[1].start + timedelta(hours=3),
        end=series[1].end + timedelta(hours=3),
    )
    changes = run(series, [series[0], moved, series[2]])
    assert kinds(changes) == [(ChangeKind.MOVED, "s", False)]
    assert changes[0].previous == series[1]


def test_instance_moved_by_exdate_and_rdate_is_a_move() -> None:
    series = weekly("s", NOW + timedelta(days=1), 3)
    replacement = occ("s", series[1].start + timedelta(days=1), rid="rdate", recurring=True)
    changes = run(series, [series[0], replacement, series[2]])
    assert kinds(changes) == [(ChangeKind.MOVED, "s", False)]
    assert changes[0].previous == series[1]
    assert changes[0].occurrence == replacement


def test_changed_rule_is_one_series_move() -> None:
    series = weekly("s", NOW + timedelta(days=1), 4)
    shifted = weekly("s", NOW + timedelta(days=2), 4)
    changes = run(series, shifted)
    assert kinds(changes) == [(ChangeKind.MOVED, "s", True)]
    assert changes[0].previous == series[0]
    assert changes[0].occurrence == shifted[0]


def test_series_pairing_needs_a_complete_fetch() -> None:
    series = weekly("s", NOW + timedelta(days=1), 4)
    shifted = weekly("s", NOW + timedelta(days=2), 4)
    assert run(series, shifted, complete=False) == []


def test_move_into_the_past_is_still_reported() -> None:
    before = occ("m")
    after = replace(
        before, start=NOW - timedelta(days=1), end=NOW - timedelta(days=1) + timedelta(hours=1)
    )
    assert kinds(run([before], [after])) == [(ChangeKind.MOVED, "m", False)]


def test_changes_to_past_meetings_are_silent() -> None:
    before = occ("p", NOW - timedelta(hours=5))
    retitled = replace(before, title="Renamed")
    moved = replace(
        before, start=before.start - timedelta(hours=1), end=before.end - timedelta(hours=1)
    )
    assert run([before], [retitled]) == []
    assert run([before], [moved]) == []
    assert run([before], [replace(before, status=EventStatus.CANCELLED)]) == []


def test_title_or_location_change_is_an_update() -> None:
    before = occ("u", location="Room 1")
    assert kinds(run([before], [replace(before, title="Retro")])) == [
        (ChangeKind.UPDATED, "u", False)
    ]
    assert kinds(run([before], [replace(before, location="Room 2")])) == [
        (ChangeKind.UPDATED, "u", False)
    ]


def test_move_wins_over_update() -> None:
    before = occ("u")
    after = replace(
        before,
        title="Retro",
        start=before.start + timedelta(hours=1),
        end=before.end + timedelta(hours=1),
    )
    assert kinds(run([before], [after])) == [(ChangeKind.MOVED, "u", False)]


def test_other_field_changes_are_silent() -> None:
    before = occ("u")
    after = replace(before, description="new agenda", sequence=3, my_partstat=PartStat.ACCEPTED)
    assert run([before], [after]) == []


def test_order_is_by_start_then_kind() -> None:
    a_before = occ("a", NOW + timedelta(hours=5))
    a_after = replace(a_before, title="A2")
    b_new = occ("b", NOW + timedelta(hours=1))
    c_gone = occ("c", NOW + timedelta(hours=5))
    changes = run([a_before, c_gone], [a_after, b_new])
    assert kinds(changes) == [
        (ChangeKind.NEW, "b", False),
        (ChangeKind.CANCELLED, "c", False),
        (ChangeKind.UPDATED, "a", False),
    ]


# ---- properties --------------------------------------------------------------------------

_offsets = st.integers(min_value=-48, max_value=24 * 40)


@st.composite
def snapshots(draw: st.DrawFn) -> list[Occurrence]:
    count = draw(st.integers(min_value=0, max_value=8))
    result: dict[tuple[str, str], Occurrence] = {}
    for _ in range(count):
        uid = draw(st.sampled_from(["a", "b", "c", "d"]))
        rid = draw(st.sampled_from(["", "r1", "r2", "r3"]))
        start = NOW + timedelta(hours=draw(_offsets))
        result[(uid, rid)] = occ(
            uid,
            start,
            minutes=draw(st.integers(min_value=15, max_value=180)),
            rid=rid,
            title=draw(st.sampled_from(["A", "B"])),
            status=draw(st.sampled_from(list(EventStatus))),
            recurring=bool(rid),
            my_partstat=draw(st.sampled_from([None, *PartStat])),
        )
    return list(result.values())


@given(snapshots(), st.booleans())
def test_identical_snapshots_have_no_changes(snapshot: list[Occurrence], complete: bool) -> None:
    assert run(snapshot, list(reversed(snapshot)), complete=complete) == []


@settings(max_examples=200)
@given(snapshots(), snapshots())
def test_partial_fetch_never_cancels_a_vanished_key(
    previous: list[Occurrence], current: list[Occurrence]
) -> None:
    current_keys = {o.key for o in current}
    for change in run(previous, current, complete=False):
        assert change.key in current_keys or change.kind is not ChangeKind.CANCELLED
        if change.kind is ChangeKind.CANCELLED:
            assert change.occurrence.cancelled


@settings(max_examples=200)
@given(snapshots(), snapshots(), st.booleans(), st.sampled_from([(), ("a",), ("a", "b")]))
def test_diff_invariants(
    previous: list[Occurrence],
    current: list[Occurrence],
    complete: bool,
    own: tuple[str, ...],
) -> None:
    changes = run(previous, current, complete=complete, own_uids=own)
    assert changes == sorted(
        changes, key=lambda c: (c.occurrence.start, list(ChangeKind).index(c.kind))
    )
    assert changes == run(previous, current, complete=complete, own_uids=own)  # deterministic
    previous_uids = {o.uid for o in previous}
    announced: list[str] = []
    for change in changes:
        if change.kind in (ChangeKind.NEW, ChangeKind.INVITATION):
            assert change.occurrence.uid not in own
            assert change.occurrence.start > NOW
            assert not change.occurrence.cancelled
            if change.previous is None:
                assert change.occurrence.uid not in previous_uids
                announced.append(change.occurrence.uid)
        if change.kind is ChangeKind.CANCELLED:
            assert change.occurrence.end > NOW
        if change.kind is ChangeKind.UPDATED:
            assert change.previous is not None
            assert change.occurrence.end > NOW
    assert len(announced) == len(set(announced))  # a series is announced once


def test_a_delta_replaces_only_its_objects_whatever_their_href_encoding() -> None:
    cal = "https://dav.example.test/cals/me%40example.test/work/"
    kept = occ("kept", event_href=cal + "kept.ics")
    moved = occ("moved", event_href=cal + "moved.ics")
    series = [
        occ("series", NOW + timedelta(days=d), rid=f"r{d}", event_href=cal + "series.ics")
        for d in (1, 8)
    ]
    gone = occ("gone", event_href=cal + "gone.ics")
    snapshot = (kept, moved, *series, gone)
    # the server spells the same objects with a decoded "@" this time
    spelled = "https://dav.example.test/cals/me@example.test/work/"
    moved_now = replace(moved, start=moved.start + timedelta(hours=3))
    series_now = replace(series[0], title="Renamed")

    after = apply_delta(
        snapshot,
        [spelled + "moved.ics", spelled + "series.ics", spelled + "gone.ics"],
        [moved_now, series_now],
    )

    assert after == tuple(
        sorted([kept, moved_now, series_now], key=lambda o: (o.start, o.uid, o.recurrence_id))
    )
