"""Replayed callbacks are refused: every click carries Mattermost's one-time trigger id, and
every dialog the bot opens carries a one-time nonce in its signed state.

A signed context proves the bot made a button for that user; it does not prove a click is new,
nor that it came through Mattermost. Mattermost issues a fresh `trigger_id` per click, formatted
base64("<clientId>:<userId>:<millis>:" + base64(signature)): it must be signed by the server's
key (published in its client config), its user must be the acting user, it must be fresh, and
it is used once. Without the key, what is checkable is: the format, the user and the age.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Protocol

from calendar_bot.inbound import RefusalReason
from calendar_bot.mattermost.trigger_key import TriggerKey, signed_by

# Mattermost forwards a click within OutgoingIntegrationRequestsTimeout (30 s); the rest is
# room for clock skew between its server and this one.
MAX_TRIGGER_AGE_MS = 10 * 60 * 1000
DIALOG_NONCE = "_n"
_CLIENT_ID = re.compile(r"[a-z0-9]{26}")  # a Mattermost id (model.NewId)


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


def check_trigger(
    trigger_id: str, acting_user: str, now_ms: int, key: TriggerKey | None = None
) -> RefusalReason | None:
    """None when the trigger id is the server's (with `key`), well formed, the acting user's
    and fresh."""
    try:
        raw = base64.b64decode(trigger_id.encode("ascii"), validate=True).decode()
    except (ValueError, UnicodeError, binascii.Error):
        return "forged"
    parts = raw.split(":")
    if len(parts) != 4 or not parts[2].isdigit() or not _CLIENT_ID.fullmatch(parts[0]):
        return "forged"
    try:
        signature = base64.b64decode(parts[3].encode("ascii"), validate=True)
    except (ValueError, UnicodeError, binascii.Error):
        return "forged"
    # An ECDSA signature is an ASN.1 SEQUENCE of two integers (at most 72 bytes for P-256).
    if not (8 <= len(signature) <= 139 and signature[0] == 0x30):
        return "forged"
    if key is not None and not signed_by(key, raw[: -len(parts[3])], signature):
        return "forged"
    if parts[1] != acting_user:
        return "cross_user"
    if abs(now_ms - int(parts[2])) > MAX_TRIGGER_AGE_MS:
        return "expired"
    return None
