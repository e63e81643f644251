"""What changed in one calendar between two snapshots: the notifications users get.

A wrong "cancelled" message is worse than a missing one, so the rules are conservative:
- An occurrence that vanished is reported cancelled only when the current fetch is
  `complete` (successful, untruncated, the calendar still exists), only if it is not over and
  still lies inside the current window (one that slid out of the horizon is not cancelled).
- An occurrence that entered the horizon only because the window slid forward (it starts at
  or after the previous window's end) is not new.
- A recurring series is announced once (its first upcoming occurrence, `series=True`), both
  when it appears and when it vanishes as a whole; a single vanished instance (an EXDATE) is
  reported on its own.
- Within a series that stays, instances are matched by key, so a moved instance (an override
  with the same RECURRENCE-ID) is MOVED. When keys of a known series vanish while others
  appear (EXDATE + RDATE, or a changed RRULE) the two sides are paired into MOVED changes
  instead of cancelling one meeting and announcing another.
- Meetings the user created through the bot (`own_uids`) are never announced back as new;
  what others do to them afterwards (moves, cancellations) is.
- Nothing is reported about meetings that are over (end <= now). A move is reported when
  either the old or the new time is still ahead.

Known limit: a single event moved beyond the horizon looks exactly like a deleted one and is
reported cancelled; telling them apart needs a fetch outside the window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from calendar_bot.domain.model import Occurrence, OccurrenceKey, PartStat, TimeWindow


class ChangeKind(StrEnum):
    NEW = "new"
    INVITATION = "invitation"
    CANCELLED = "cancelled"
    MOVED = "moved"
    UPDATED = "updated"


_KIND_ORDER = {kind: index for index, kind in enumerate(ChangeKind)}


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    occurrence: Occurrence  # the current one; for CANCELLED from a vanished key, the last known
    # The version before: MOVED, UPDATED, CANCELLED, and NEW for a meeting that was
    # cancelled and is on again.
    previous: Occurrence | None = None
    series: bool = False  # stands for a whole recurring series, reported once

    @property
    def key(self) -> OccurrenceKey:
        return self.occurrence.key


_SeriesKey = tuple[str, str]  # (calendar_href, uid)


def _series_key(occurrence: Occurrence) -> _SeriesKey:
    return (occurrence.calendar_href, occurrence.uid)


def _sort_key(change: Change) -> tuple[datetime, int, str, str, str]:
    occurrence = change.occurrence
    return (
        occurrence.start,
        _KIND_ORDER[change.kind],
        occurrence.calendar_href,
        occurrence.uid,
        occurrence.recurrence_id,
    )


def is_invitation(occurrence: Occurrence) -> bool:
    """The user is asked to answer: an attendee who has not responded and is not organizing."""
    return occurrence.my_partstat is PartStat.NEEDS_ACTION and not occurrence.i_am_organizer


def _moved(before: Occurrence, after: Occurrence) -> bool:
    return before.start != after.start or before.end != after.end


def _updated(before: Occurrence, after: Occurrence) -> bool:
    return before.title != after.title or before.location != after.location


def _compare(before: Occurrence, after: Occurrence, now: datetime) -> Change | None:
    """Both versions are live (not cancelled): a move, an edit, or nothing worth saying."""
    if _moved(before, after):
        if after.end <= now and before.end <= now:
            return None
        return Change(ChangeKind.MOVED, after, before)
    if after.end <= now:
        return None
    if _updated(before, after):
        return Change(ChangeKind.UPDATED, after, before)
    return None


def diff(
    previous: Iterable[Occurrence],
    current: Iterable[Occurrence],
    *,
    complete: bool,
    previous_window: TimeWindow,
    current_window: TimeWindow,
    now: datetime,
    own_uids: Iterable[str] = (),
) -> list[Change]:
    """The changes from `previous` to `current`, two snapshots of ONE calendar.

    `previous_window`/`current_window` are the horizons the snapshots were expanded over.
    The result is ordered by start, then kind (then key, for a stable order).
    The very first snapshot of a calendar is a silent baseline: callers do not diff it.
    """
    before = {occurrence.key: occurrence for occurrence in previous}
    after = {occurrence.key: occurrence for occurrence in current}
    own = frozenset(own_uids)
    series_before = {_series_key(o) for o in before.values()}
    series_after = {_series_key(o) for o in after.values()}

    changes: list[Change] = []
    appeared: dict[_SeriesKey, list[Occurrence]] = defaultdict(list)
    vanished: dict[_SeriesKey, list[Occurrence]] = defaultdict(list)
    newly_cancelled: dict[_SeriesKey, list[tuple[Occurrence, Occurrence]]] = defaultdict(list)

    for key, now_version in after.items():
        old_version = before.get(key)
        if old_version is None:
            if _announceable(now_version, previous_window, current_window, now):
                appeared[_series_key(now_version)].append(now_version)
            continue
        if now_version.cancelled:
            if not old_version.cancelled and now_version.end > now:
                newly_cancelled[_series_key(now_version)].append((old_version, now_version))
            continue
        if old_version.cancelled:
            # Un-cancelled: for the user it is a meeting that is on again.
            if now_version.uid not in own and now_version.start > now:
                changes.append(_announcement(now_version, series=False, previous=old_version))
            continue
        change = _compare(old_version, now_version, now)
        if change is not None:
            changes.append(change)

    if complete:
        for key, old_version in before.items():
            if key in after or old_version.cancelled or old_version.end <= now:
                continue
            if not current_window.overlaps(old_version.start, old_version.end):
                continue  # left the horizon because time moved on
            vanished[_series_key(old_version)].append(old_version)

    for series, gone in vanished.items():
        gone.sort(key=lambda o: o.start)
        if series not in series_after:
            first = gone[0]
            whole_series = first.recurring or len(gone) > 1
            changes.append(Change(ChangeKind.CANCELLED, first, first, series=whole_series))
            continue
        came = sorted(appeared.pop(series, []), key=lambda o: o.start)
        changes.extend(_pair(gone, came, now))

    for series, came in appeared.items():
        if series in series_before:
            continue  # more instances of a known series (window slid, RDATE): not news
        if series[1] in own:
            continue
        first = min(came, key=lambda o: o.start)
        changes.append(_announcement(first, series=first.recurring or len(came) > 1))

    live_series = {_series_key(o) for o in after.values() if o.end > now and not o.cancelled}
    for series, pairs in newly_cancelled.items():
        if len(pairs) > 1 and series not in live_series:
            old_version, now_version = min(pairs, key=lambda pair: pair[1].start)
            changes.append(Change(ChangeKind.CANCELLED, now_version, old_version, series=True))
        else:
            changes.extend(
                Change(ChangeKind.CANCELLED, now_version, old_version)
                for old_version, now_version in pairs
            )

    changes.sort(key=_sort_key)
    return changes


def _announceable(
    occurrence: Occurrence, previous_window: TimeWindow, current_window: TimeWindow, now: datetime
) -> bool:
    return (
        not occurrence.cancelled
        and occurrence.start > now
        and current_window.contains(occurrence.start)
        and occurrence.start < previous_window.end
    )


def _announcement(
    occurrence: Occurrence, *, series: bool, previous: Occurrence | None = None
) -> Change:
    kind = ChangeKind.INVITATION if is_invitation(occurrence) else ChangeKind.NEW
    return Change(kind, occurrence, previous, series=series)


def _pair(gone: Sequence[Occurrence], came: Sequence[Occurrence], now: datetime) -> list[Change]:
    """Vanished and appeared instances of one series that stays.

    One for one (in time order) they are moves; vanished ones left over are cancellations
    (EXDATE); appeared ones left over are extra instances, not news. When many instances
    move at once (the RRULE changed) the series is reported once.
    """
    if not came:
        return [Change(ChangeKind.CANCELLED, o, o) for o in gone]
    if len(gone) > 1 and len(came) > 1:
        first_gone, first_came = gone[0], came[0]
        if _moved(first_gone, first_came):
            return [Change(ChangeKind.MOVED, first_came, first_gone, series=True)]
        return []
    changes: list[Change] = []
    for old_version, now_version in zip(gone, came, strict=False):
        change = _compare(old_version, now_version, now)
        if change is not None:
            changes.append(change)
    changes.extend(Change(ChangeKind.CANCELLED, o, o) for o in gone[len(came) :])
    return changes
