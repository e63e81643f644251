"""Signed action contexts.

Mattermost echoes a button's `integration.context` (and a dialog's `state`) back to us
verbatim but signs nothing, so anybody who can reach the callback URL could forge a click.
Every context therefore carries an HMAC over (action, user, payload, expiry) with a key
derived from the bot's secret; a callback is honoured only when the signature holds, it has
not expired and the acting user is the user it was signed for.

The signer may be given older secrets too (the keys still listed after a key rotation): it
signs with the first and accepts a signature made with any, so the buttons already posted
keep working while the old key is listed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from calendar_bot.clock import Clock, SystemClock
from calendar_bot.inbound import RefusalReason

_HKDF_INFO = b"calendar-bot/mattermost/action-context/v1"
_VERSION = 1
DEFAULT_LIFETIME = timedelta(days=7)


class InvalidContext(Exception):
    """The context cannot be honoured; `reason` says why (never echoes the context)."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(f"action context refused: {reason}")
        self.reason: RefusalReason = reason


@dataclass(frozen=True, slots=True)
class SignedAction:
    action: str
    user_id: str
    payload: dict[str, str]
    expires_at: int  # Unix seconds


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _derive(secret: str | bytes) -> bytes:
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not raw:
        raise ValueError("the action signing secret is empty")
    derived: bytes = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        raw
    )
    return derived


class ContextSigner:
    """Signs and verifies action contexts. Key derivation keeps the raw secret single-purpose.

    `previous` secrets only verify (see the module docstring)."""

    def __init__(
        self,
        secret: str | bytes,
        *,
        previous: Sequence[str | bytes] = (),
        lifetime: timedelta = DEFAULT_LIFETIME,
        clock: Clock | None = None,
    ) -> None:
        self._key = _derive(secret)
        self._keys = [self._key, *(_derive(old) for old in previous)]
        self._lifetime = lifetime
        self._clock: Clock = clock or SystemClock()

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    def _mac(
        self,
        action: str,
        user_id: str,
        payload: dict[str, str],
        expires_at: int,
        key: bytes | None = None,
    ) -> str:
        message = json.dumps(
            [_VERSION, action, user_id, payload, expires_at],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode("utf-8")
        return _b64(hmac.new(key or self._key, message, hashlib.sha256).digest())

    def sign(
        self,
        action: str,
        user_id: str,
        payload: dict[str, str] | None = None,
        *,
        lifetime: timedelta | None = None,
    ) -> dict[str, Any]:
        """A compact context for `integration.context` (short keys: Mattermost stores it)."""
        data = dict(payload or {})
        expires_at = self._now() + int((lifetime or self._lifetime).total_seconds())
        return {
            "a": action,
            "u": user_id,
            "p": data,
            "e": expires_at,
            "s": self._mac(action, user_id, data, expires_at),
        }

    def sign_state(self, action: str, user_id: str, payload: dict[str, str] | None = None) -> str:
        """The same signed context as a string, for a dialog's `state`."""
        return json.dumps(self.sign(action, user_id, payload), separators=(",", ":"))

    def verify(self, context: object, acting_user_id: str) -> SignedAction:
        """Check a context echoed by Mattermost. Extra keys (`selected_option`) are ignored."""
        if not isinstance(context, dict):
            raise InvalidContext("forged")
        action, user_id, payload = context.get("a"), context.get("u"), context.get("p")
        expires_at, signature = context.get("e"), context.get("s")
        if not (
            isinstance(action, str)
            and isinstance(user_id, str)
            and isinstance(payload, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in payload.items())
            and isinstance(expires_at, int)
            and not isinstance(expires_at, bool)
            and isinstance(signature, str)
        ):
            raise InvalidContext("forged")
        offered = signature.encode("utf-8")
        if not any(
            hmac.compare_digest(
                self._mac(action, user_id, payload, expires_at, key).encode(), offered
            )
            for key in self._keys
        ):
            raise InvalidContext("forged")
        if not hmac.compare_digest(user_id.encode("utf-8"), acting_user_id.encode("utf-8")):
            raise InvalidContext("cross_user")
        if self._now() > expires_at:
            raise InvalidContext("expired")
        return SignedAction(action, user_id, dict(payload), expires_at)

    def verify_state(self, state: object, acting_user_id: str) -> SignedAction:
        if not isinstance(state, str) or len(state) > 8192:
            raise InvalidContext("forged")
        try:
            context = json.loads(state)
        except ValueError:
            raise InvalidContext("forged") from None
        return self.verify(context, acting_user_id)
