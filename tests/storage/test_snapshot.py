"""The snapshot and the reminder query on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.domain.model import EventStatus, Occurrence, PartStat, UserSettings
from calendar_bot.records import SnapshotWrite
from calendar_bot.storage.repositories import OutboxItem, transaction
from calendar_bot.vault import Vault
from tests.storage.helpers import HREF, NOW, add_user, occurrence

Factory = async_sessionmaker[AsyncSession]
OTHER = "/calendars/alice/home/"


async def test_replace_calendar_round_trips_and_replaces(
    session_factory: Factory, vault: Vault
) -> None:
    await add_user(session_factory, vault)
    first = [
        occurrence("u2", NOW + timedelta(hours=2)),
        occurrence("u1", NOW + timedelta(hours=1)),
        occurrence("s", NOW + timedelta(days=1), recurrence_id="20261201T060000Z"),
        occurrence("s", NOW + timedelta(days=2), recurrence_id="20261202T060000Z"),
    ]
    home = [occurrence("h1", NOW + timedelta(hours=3), href=OTHER)]
    async with transaction(session_factory) as store:
        assert await store.snapshot.replace_calendar("alice", HREF, first, now=NOW) == 4
        await store.snapshot.replace_calendar("alice", OTHER, home, now=NOW)
    async with transaction(session_factory) as store:
        loaded = await store.snapshot.load("alice")
        assert loaded == sorted(first + home, key=lambda o: o.start)
        assert await store.snapshot.load_calendar("alice", OTHER) == home
        assert await store.snapshot.get("alice", first[2].key) == first[2]
        assert await store.snapshot.get("bob", first[2].key) is None

    moved = occurrence("u1", NOW + timedelta(hours=5), title="Moved")
    async with transaction(session_factory) as store:
        # Duplicate keys: the last one wins.
        stored = await store.snapshot.replace_calendar(
            "alice", HREF, [occurrence("u1"), moved], now=NOW
        )
        assert stored == 1
    async with transaction(session_factory) as store:
        assert await store.snapshot.load_calendar("alice", HREF) == [moved]
        assert await store.snapshot.load_calendar("alice", OTHER) == home  # untouched
        assert await store.snapshot.replace_calendar("alice", HREF, [], now=NOW) == 0
        assert await store.snapshot.delete_calendar("alice", OTHER) == 1
        assert await store.snapshot.load("alice") == []


async def test_replace_refuses_an_occurrence_of_another_calendar(
    session_factory: Factory, vault: Vault
) -> None:
    await add_user(session_factory, vault)
    async with transaction(session_factory) as store:
        with pytest.raises(ValueError, match="another calendar"):
            await store.snapshot.replace_calendar("alice", HREF, [occurrence(href=OTHER)], now=NOW)


async def test_between_returns_overlapping_occurrences(
    session_factory: Factory, vault: Vault
) -> None:
    await add_user(session_factory, vault)
    before = occurrence("before", NOW - timedelta(hours=2))  # ends 1.5 h before NOW
    spanning = occurrence("span", NOW - timedelta(minutes=10))  # ends 20 min after NOW
    inside = occurrence("in", NOW + timedelta(hours=1))
    after = occurrence("after", NOW + timedelta(days=1))
    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar(
            "alice", HREF, [before, spanning, inside, after], now=NOW
        )
        found = await store.snapshot.between("alice", NOW, NOW + timedelta(hours=12))
    assert [o.uid for o in found] == ["span", "in"]


async def test_due_reminder_candidates(session_factory: Factory, vault: Vault) -> None:
    settings = UserSettings(locale="en", timezone="Asia/Tokyo", reminder_leads=(10,))
    await add_user(session_factory, vault, "alice", settings=settings)
    await add_user(session_factory, vault, "bob")
    start, end = NOW, NOW + timedelta(minutes=15)
    alice = [
        occurrence("edge-start", start),
        occurrence("edge-end", end),
        occurrence("inside", NOW + timedelta(minutes=5)),
        occurrence("cancelled", NOW + timedelta(minutes=5), status=EventStatus.CANCELLED),
        occurrence("declined", NOW + timedelta(minutes=6), my_partstat=PartStat.DECLINED),
        occurrence("early", start - timedelta(seconds=1)),
        occurrence("late", end + timedelta(seconds=1)),
    ]
    bob = [occurrence("bob-1", NOW + timedelta(minutes=7), href="/calendars/bob/")]
    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar("alice", HREF, alice, now=NOW)
        await store.snapshot.replace_calendar("bob", "/calendars/bob/", bob, now=NOW)
        await store.users.mark_needs_reconnect("bob", now=NOW)
        candidates = await store.snapshot.due_reminder_candidates(start, end)
    got = {(c.mm_user_id, c.occurrence.uid) for c in candidates}
    assert got == {
        ("alice", "edge-start"),
        ("alice", "edge-end"),
        ("alice", "inside"),
        ("alice", "declined"),  # the domain skips it: it knows the user's PARTSTAT
        ("bob", "bob-1"),
    }
    assert [c.occurrence.start for c in candidates] == sorted(
        c.occurrence.start for c in candidates
    )
    by_uid = {c.occurrence.uid: c for c in candidates}
    assert by_uid["inside"].settings == settings
    assert by_uid["inside"].occurrence == alice[2]
    assert by_uid["inside"].auth_active is True
    assert by_uid["bob-1"].auth_active is False


async def test_candidates_not_due_by_fire_by_are_left_out(
    session_factory: Factory, vault: Vault
) -> None:
    """A day is read ahead each minute; with fire_by only what may fire by then comes back:
    by the user's own lead, or earlier by the event's own VALARM."""
    settings = UserSettings(locale="en", timezone="UTC", reminder_leads=(10, 0))
    await add_user(session_factory, vault, "alice", settings=settings)
    rows = [
        occurrence("lead-due", NOW + timedelta(minutes=10)),  # 10 minutes before: now
        occurrence("lead-later", NOW + timedelta(minutes=11)),
        replace(occurrence("alarm-due", NOW + timedelta(hours=2)), alarm_minutes=(120,)),
        replace(occurrence("alarm-later", NOW + timedelta(hours=3)), alarm_minutes=(120,)),
        replace(
            occurrence("all-day", datetime(2026, 12, 1, tzinfo=UTC)),
            all_day=True,
            end=datetime(2026, 12, 2, tzinfo=UTC),
        ),
    ]
    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar("alice", HREF, rows, now=NOW)
        day_ahead = (NOW - timedelta(minutes=1), NOW + timedelta(days=1))
        every = await store.snapshot.due_reminder_candidates(*day_ahead)
        due = await store.snapshot.due_reminder_candidates(*day_ahead, fire_by=NOW)
    assert {c.occurrence.uid for c in every} >= {"lead-due", "lead-later", "alarm-later"}
    # all-day rows are left to the domain (they remind from the user's local midnight)
    assert {c.occurrence.uid for c in due} == {"lead-due", "alarm-due"} | (
        {"all-day"} & {c.occurrence.uid for c in every}
    )
    assert next(c for c in due if c.occurrence.uid == "alarm-due").occurrence == rows[2]


async def test_all_day_candidates_match_around_local_midnight(
    session_factory: Factory, vault: Vault
) -> None:
    """An all-day event is stored at midnight UTC, but in Moscow it starts at 21:00 UTC the
    day before: a window around that moment must still find it (and no far-off day)."""
    await add_user(session_factory, vault, settings=UserSettings(remind_all_day=True))
    day = datetime(2026, 12, 1, tzinfo=UTC)

    def all_day(uid: str, start: datetime) -> Occurrence:
        return replace(occurrence(uid, start), all_day=True, end=start + timedelta(days=1))

    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar(
            "alice",
            HREF,
            [all_day("dec1", day), all_day("dec3", day + timedelta(days=2))],
            now=NOW,
        )
        local_midnight = day - timedelta(hours=3)
        found = await store.snapshot.due_reminder_candidates(
            local_midnight - timedelta(minutes=1), local_midnight
        )
    assert [c.occurrence.uid for c in found] == ["dec1"]


async def test_sync_and_enqueue_commit_or_roll_back_together(
    session_factory: Factory, vault: Vault
) -> None:
    await add_user(session_factory, vault)
    item = OutboxItem("alice", "remind:alice:u1::15", "reminder", {"x": 1})

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with transaction(session_factory) as store:
            await store.snapshot.replace_calendar("alice", HREF, [occurrence()], now=NOW)
            assert await store.outbox.enqueue([item], now=NOW) == 1
            raise Boom
    async with transaction(session_factory) as store:
        assert await store.snapshot.load("alice") == []
        assert await store.outbox.get_by_key(item.idempotency_key) is None
    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar("alice", HREF, [occurrence()], now=NOW)
        assert await store.outbox.enqueue([item], now=NOW) == 1
    async with transaction(session_factory) as store:
        assert await store.snapshot.load("alice") == [occurrence()]
        assert await store.outbox.get_by_key(item.idempotency_key) is not None


async def test_a_delta_reads_and_writes_only_the_rows_it_touches(
    session_factory: Factory, vault: Vault
) -> None:
    """load_touched reads the rows of the changed objects and of every row sharing their
    UIDs; write_changes removes and writes only the rows given, leaving the rest as stored."""
    from calendar_bot.domain.snapshot_delta import row_changes
    from calendar_bot.records import TouchedQuery

    await add_user(session_factory, vault)
    a = replace(occurrence("a", NOW + timedelta(hours=1)), event_href=f"{HREF}a.ics")
    b = replace(occurrence("b", NOW + timedelta(hours=2)), event_href=f"{HREF}b.ics")
    s1 = replace(
        occurrence("s", NOW + timedelta(days=1), recurrence_id="20261201T060000Z"),
        event_href=f"{HREF}s.ics",
    )
    # the same series split over a second object (some servers do): read along with it
    s2 = replace(
        occurrence("s", NOW + timedelta(days=2), recurrence_id="20261202T060000Z"),
        event_href=f"{HREF}s-override.ics",
    )
    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar("alice", HREF, [a, b, s1, s2], now=NOW)
    async with transaction(session_factory) as store:
        # several calendars' queries in one read, each answered on its own
        queries = [
            TouchedQuery("alice", HREF, frozenset({f"{HREF}s.ics"}), frozenset()),
            TouchedQuery("alice", HREF, frozenset(), frozenset({"b"})),
            TouchedQuery("alice", OTHER, frozenset({f"{HREF}s.ics"}), frozenset()),
            TouchedQuery("bob", HREF, frozenset({f"{HREF}a.ics"}), frozenset({"a"})),
        ]
        assert await store.snapshot.load_touched(queries) == [[s1, s2], [b], [], []]
    moved = replace(b, start=b.start + timedelta(hours=3), title="Moved")
    new = replace(occurrence("n", NOW + timedelta(hours=4)), event_href=f"{HREF}n.ics")
    async with transaction(session_factory) as store:
        await store.snapshot.write_changes_many(
            [SnapshotWrite("alice", HREF, row_changes([b, s1], [moved, new]), NOW)]
        )
    async with transaction(session_factory) as store:
        assert await store.snapshot.load_calendar("alice", HREF) == sorted(
            [a, moved, s2, new], key=lambda o: o.start
        )
        with pytest.raises(ValueError):
            await store.snapshot.write_changes_many(
                [
                    SnapshotWrite(
                        "alice", HREF, row_changes([], [replace(new, calendar_href=OTHER)]), NOW
                    )
                ]
            )
