"""The UID of an event the bot creates is made in one place."""

from __future__ import annotations

from calendar_bot.domain.model import new_event_uid


def test_each_new_event_gets_its_own_uid_marked_as_the_bots() -> None:
    uids = {new_event_uid() for _ in range(100)}
    assert len(uids) == 100
    assert all(uid.endswith("@calendar-bot") and len(uid) == 36 + 13 for uid in uids)
