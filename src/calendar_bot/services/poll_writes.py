"""The writes of polls, made together at the end of their transaction.

A changed calendar's store was about seven statements (its tags, the delete and the insert
of its changed rows, the outbox, the user's "polled" mark...), and each statement costs the
bot about half a millisecond of CPU however few rows it carries (SQLAlchemy's execution, the
hand-off to the driver). The polls of a batch that share a transaction (sync.GroupCommit)
hand their writes here instead, and each kind is sent once for all of them (executemany):
the writes of a hundred users cost about what one user's did.

Only writes wait here, never reads, and each poll writes only its own user's rows, which no
other poll of the batch reads: the order of the writes within the transaction changes
nothing. `flush` must run before the transaction commits; nothing here is stored otherwise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from calendar_bot.domain.model import CalendarRef
from calendar_bot.domain.snapshot_delta import RowChanges
from calendar_bot.ports import Store
from calendar_bot.records import OutboxItem, PollMark, SnapshotWrite, TokenUpdate


@dataclass(slots=True)
class PollWrites:
    tokens: list[TokenUpdate] = field(default_factory=list)
    rows: list[SnapshotWrite] = field(default_factory=list)
    notices: list[tuple[OutboxItem, datetime]] = field(default_factory=list)
    marks: list[PollMark] = field(default_factory=list)
    homes: dict[str, str] = field(default_factory=dict)

    def set_tokens(self, user_id: str, calendar: CalendarRef) -> None:
        self.tokens.append(TokenUpdate(user_id, calendar.href, calendar.ctag, calendar.sync_token))

    def write_rows(self, user_id: str, href: str, changes: RowChanges, now: datetime) -> None:
        if changes:
            self.rows.append(SnapshotWrite(user_id, href, changes, now))

    def enqueue(self, items: list[OutboxItem], now: datetime) -> None:
        self.notices += [(item, now) for item in items]

    def mark_polled(self, mark: PollMark) -> None:
        self.marks.append(mark)

    def set_home(self, user_id: str, home: str) -> None:
        self.homes[user_id] = home

    async def flush(self, store: Store) -> Counter[str]:
        """Make every write in `store`'s transaction; how many outbox rows were new, by user."""
        if self.tokens:
            await store.calendars.update_tokens_many(self.tokens)
        if self.rows:
            await store.snapshot.write_changes_many(self.rows)
        new = await store.outbox.enqueue_each(self.notices) if self.notices else Counter[str]()
        if self.marks:
            await store.users.mark_polled_each(self.marks)
        if self.homes:
            await store.users.set_home_urls(self.homes)
        self.tokens, self.rows, self.notices, self.marks, self.homes = [], [], [], [], {}
        return new
