"""The one place that builds idempotency keys: the outbox keeps one row per key, forever.

A key must come out the same when the same notice is computed twice (two replicas, a
retried poll, an overlapping tick) and differ for a different notice. The keys of the kinds
below are byte for byte those of earlier releases, so rows already in a database keep
matching after an upgrade (a test pins each one). A kind without a branch here gets a hash
of its content for the person: the same notice twice is one message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

from calendar_bot.domain.changes import ChangeKind
from calendar_bot.domain.model import Occurrence, OccurrenceKey
from calendar_bot.domain.notice_codec import encode
from calendar_bot.domain.notices import (
    Cancelled,
    CutEvents,
    Digest,
    Invitation,
    Invited,
    Moved,
    NewMeeting,
    Notice,
    Reconnect,
    Reminder,
    Snoozed,
    Start,
    Unreadable,
    Updated,
)

DIGEST_CHARS = 40

# Reminder keys carried "rem:" twice (the domain and the service each put one in front):
# kept, so a reminder enqueued before an upgrade is not enqueued again under a new key.
REMINDER_PREFIX = "rem:rem:"


def _sha(material: str) -> str:
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def idempotency_key(user_id: str, notice: Notice) -> str:
    """The outbox key of `notice` for the person `user_id`."""
    match notice:
        case NewMeeting() | Invitation() | Cancelled() | Moved() | Updated():
            return change_key(user_id, notice)
        case Reminder() | Start():
            start = notice.start if notice.start is not None else notice.occurrence.start
            return reminder_key(user_id, *reminder_identity(notice.occurrence, start), notice.lead)
        case Snoozed():
            # One row per meeting and moment: a second click on the same choice adds none.
            o = notice.occurrence
            moment = notice.fires_at.astimezone(UTC).isoformat()
            return "snooze:" + _sha(
                "\x1f".join([user_id, o.calendar_href, o.uid, o.recurrence_id, moment])
            )
        case Invited():
            # One DM per invitee and meeting: a retried create or a second replica adds none.
            return "invited:" + _sha("\x1f".join([user_id, notice.occurrence.uid]))
        case Digest():
            return f"digest:{user_id}:{notice.day.isoformat()}"
        case Reconnect():
            return f"reconnect:{user_id}:{notice.at.isoformat() if notice.at else ''}"
        case Unreadable():
            return "unreadable:" + _sha("\x1f".join([user_id, notice.object_href, notice.why]))
        case CutEvents():
            marks = sorted(f"{e.uid}\x1f{e.cut}" for e in notice.events)
            return "cut:" + _sha("\x1e".join([user_id, notice.calendar_href, *marks]))
    return content_key(user_id, notice)  # pragma: no cover - every kind has a branch today


def content_key(user_id: str, notice: Notice) -> str:
    """The key of a kind without a branch of its own: its content, for the person."""
    kind, payload = encode(notice)
    return f"{kind}:" + _sha(json.dumps([user_id, kind, payload], sort_keys=True))


def change_key(user_id: str, notice: NewMeeting | Invitation | Cancelled | Moved | Updated) -> str:
    """One message per real change, and the same key when the same change is computed twice.

    `since` names the snapshot the change was found against (its calendar's stored tags and
    the user's last poll time): a change is computed from one stored snapshot, so the key
    tells versions apart. Without it a meeting deleted and put back, or cancelled and
    confirmed again, got the key of its first "new" notice and the outbox dropped the notice
    (issue 22, item 3); a meeting moved back and forth likewise.
    """
    o = notice.occurrence
    parts = [
        notice.change.value,
        user_id,
        o.calendar_href,
        o.uid,
        o.recurrence_id,
        o.start.isoformat(),
        o.end.isoformat(),
    ]
    if notice.change is ChangeKind.UPDATED:
        parts += [o.title, o.location]
    parts += notice.since
    # JSON, not a separator: no title, UID or tag can shift one part into the next
    return "chg:" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:DIGEST_CHARS]


_CUT_SERIES = datetime(1970, 1, 1, tzinfo=UTC)


def reminder_identity(occurrence: Occurrence, start: datetime) -> tuple[OccurrenceKey, datetime]:
    """What a reminder is about: the occurrence at its start, or, for a series shown in part
    (`cut`: one occurrence a day of something far denser), the series as a whole, so it gets
    at most one reminder per lead, not one a day."""
    if occurrence.cut is None:
        return occurrence.key, start
    return OccurrenceKey(occurrence.calendar_href, occurrence.uid, "cut"), _CUT_SERIES


def reminder_key(user_id: str, key: OccurrenceKey, start: datetime, lead: int) -> str:
    """Stable across restarts and replicas; a hash so no separator inside a UID can collide.
    It holds the start, so a moved meeting is reminded again at its new time."""
    start_utc = start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    material = "\x1f".join(
        (user_id, key.calendar_href, key.uid, key.recurrence_id, start_utc, str(lead))
    )
    return REMINDER_PREFIX + _sha(material)


def joined_key(keys: Sequence[str]) -> str:
    """One key for exactly this set of rows, posted as one (Mattermost's pending_post_id
    de-duplication of the joined post)."""
    return "group:" + _sha("\x1f".join(keys))
