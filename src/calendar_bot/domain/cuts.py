"""Which events a new snapshot shows in part only that the previous one did not: the person
is told about each of them once (see caldav/limits.py for why events are cut)."""

from __future__ import annotations

from collections.abc import Iterable

from calendar_bot.domain.model import Occurrence


def newly_cut(previous: Iterable[Occurrence], current: Iterable[Occurrence]) -> list[Occurrence]:
    """One occurrence (the first) of each event cut in `current` and not cut the same way in
    `previous`, in order of start."""
    before = {(o.uid, o.cut) for o in previous if o.cut is not None}
    seen: set[tuple[str, object]] = set()
    out: list[Occurrence] = []
    for occurrence in sorted(current, key=lambda o: o.start):
        mark = (occurrence.uid, occurrence.cut)
        if occurrence.cut is None or mark in before or mark in seen:
            continue
        seen.add(mark)
        out.append(occurrence)
    return out
