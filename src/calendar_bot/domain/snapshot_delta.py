"""What a poll changes in one calendar's stored snapshot, so only that is read and written.

A change to one event object touches only the rows of that object, and, through the diff's
notion of a series (calendar, UID), the rows that share its UID. Everything else in the
calendar is the same before and after, so the diff of the touched rows alone equals the diff
of the whole calendar, and the rows to write are only those that differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from calendar_bot.domain.model import Occurrence, OccurrenceKey, object_key


@dataclass(frozen=True, slots=True)
class RowChanges:
    """The stored rows to remove and the rows to write (new, or different from before)."""

    removed: tuple[OccurrenceKey, ...]
    written: tuple[Occurrence, ...]

    def __bool__(self) -> bool:
        return bool(self.removed or self.written)


def row_changes(previous: Iterable[Occurrence], current: Iterable[Occurrence]) -> RowChanges:
    """From the stored `previous` rows to `current` (a duplicate key keeps its last item, as
    the whole-calendar write did)."""
    before = {o.key: o for o in previous}
    after = {o.key: o for o in current}
    removed = tuple(key for key in before if key not in after)
    written = tuple(o for key, o in after.items() if before.get(key) != o)
    return RowChanges(removed, written)


def touched(
    rows: Iterable[tuple[str, str]], objects: Iterable[str], uids: Iterable[str]
) -> set[str]:
    """The UIDs whose rows a delta can change: those of the stored rows (uid, event href) of
    the changed `objects` (hrefs), and the `uids` of the delta's own occurrences. A UID's
    rows are read whole, so a series spread over several objects is diffed as one."""
    keys = {object_key(href) for href in objects}
    out = set(uids)
    out.update(uid for uid, href in rows if object_key(href) in keys)
    return out
