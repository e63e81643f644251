"""Short, stable references to occurrences and calendars for button payloads.

Payloads are signed and stored in posts, so they carry a digest instead of the whole key;
the service resolves a reference against the user's stored snapshot (or calendar list)
with the same function.
"""

from __future__ import annotations

import hashlib

from calendar_bot.domain.model import Occurrence, OccurrenceKey

REF_LENGTH = 16  # hex digits: 64 bits, plenty for one user's meetings


def _digest(*parts: str) -> str:
    joined = "\x1f".join(parts).encode("utf-8")
    return hashlib.sha256(joined).hexdigest()[:REF_LENGTH]


def occurrence_ref(occurrence: Occurrence | OccurrenceKey) -> str:
    """A short id for one meeting (calendar, UID, RECURRENCE-ID)."""
    return _digest("o", occurrence.calendar_href, occurrence.uid, occurrence.recurrence_id)


def calendar_ref(href: str) -> str:
    """A short id for one calendar."""
    return _digest("c", href)
