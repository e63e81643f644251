"""Replayed callbacks are refused: every click carries Mattermost's one-time trigger id, and
every dialog the bot opens carries a one-time nonce in its signed state.

A signed context proves the bot made a button for that user; it does not prove a click is new.
Mattermost issues a fresh `trigger_id` per click, formatted base64("<clientId>:<userId>:
<millis>:<signature>"): its user must be the acting user, it must be fresh, and it is used once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Protocol

from calendar_bot.inbound import RefusalReason

# Mattermost forwards a click within OutgoingIntegrationRequestsTimeout (30 s); the rest is
# room for clock skew between its server and this one.
MAX_TRIGGER_AGE_MS = 10 * 60 * 1000
DIALOG_NONCE = "_n"


class ReplayGuard(Protocol):
    async def use(self, key: str) -> bool:
        """Record `key` as used; True only for its first use (across replicas)."""
        ...

    async def release(self, key: str) -> None:
        """Forget a use: the claimed callback did not go through and may come again."""
        ...


def callback_key(kind: str, value: str) -> str:
    """What is stored: a digest, so no user id or token sits in the table."""
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def check_trigger(trigger_id: str, acting_user: str, now_ms: int) -> RefusalReason | None:
    """None when the trigger id is well formed, the acting user's and fresh."""
    try:
        raw = base64.b64decode(trigger_id.encode("ascii"), validate=True).decode()
    except (ValueError, UnicodeError, binascii.Error):
        return "forged"
    parts = raw.split(":")
    if len(parts) != 4 or not parts[2].isdigit():
        return "forged"
    if parts[1] != acting_user:
        return "cross_user"
    if abs(now_ms - int(parts[2])) > MAX_TRIGGER_AGE_MS:
        return "expired"
    return None
