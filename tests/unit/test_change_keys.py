"""Idempotency keys of change notices (issue 22, item 3): the same change found against the
same snapshot always has the same key (two replicas, a retried poll post it once); the same
change found against another snapshot (a meeting that came back) has another."""

from __future__ import annotations

from collections.abc import Sequence

from calendar_bot.domain.changes import Change, ChangeKind
from calendar_bot.domain.notice_keys import idempotency_key
from calendar_bot.domain.notices import change_notice
from tests.unit.test_changes import occ

SNAPSHOT = ('"ctag-1"', "token-1", "2026-11-30T09:00:00+00:00")


def change_key(user_id: str, change: Change, since: Sequence[str]) -> str:
    return idempotency_key(user_id, change_notice(change, tuple(since)))


def test_same_change_against_the_same_snapshot_has_one_key() -> None:
    change = Change(ChangeKind.NEW, occ())
    assert change_key("u1", change, SNAPSHOT) == change_key("u1", change, tuple(SNAPSHOT))


def test_a_version_found_against_another_snapshot_has_its_own_key() -> None:
    change = Change(ChangeKind.NEW, occ())
    keys = {
        change_key("u1", change, SNAPSHOT),
        change_key("u1", change, ('"ctag-2"', "token-2", SNAPSHOT[2])),  # the server moved on
        change_key("u1", change, (*SNAPSHOT[:2], "2026-11-30T09:01:00+00:00")),  # no tags
    }
    assert len(keys) == 3


def test_parts_cannot_shift_into_each_other() -> None:
    change = Change(ChangeKind.NEW, occ())
    assert change_key("u1", change, ("a\x1fb", "c")) != change_key("u1", change, ("a", "b\x1fc"))
