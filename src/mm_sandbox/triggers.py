"""Trigger IDs: the short-lived credential an action or command hands to `dialogs/open`.

As the server: base64("<clientId>:<userId>:<millis>:" + base64(ECDSA signature)), signed
with a P-256 key (the server's AsymmetricSigningKey) over SHA-256 of the part before the
signature; the public key is published as `AsymmetricSigningPublicKey` in the client config.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .errors import AppError
from .ids import new_id

# `OutgoingIntegrationRequestsTimeout`, which also bounds a trigger ID's life.
TRIGGER_ID_LIFETIME = 30.0


@dataclass(frozen=True)
class Trigger:
    client_id: str
    user_id: str
    created_millis: int


def _decode_error(reason: str) -> AppError:
    return AppError(
        f"interactive_message.decode_trigger_id.{reason}",
        "Unable to decode the trigger ID for the interactive dialog.",
        400,
    )


class TriggerIds:
    def __init__(self, now: Callable[[], float], lifetime: float = TRIGGER_ID_LIFETIME) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._now = now
        self.lifetime = lifetime

    @property
    def public_key(self) -> str:
        """base64 of the DER SubjectPublicKeyInfo, as the server publishes it."""
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode("ascii")

    def issue(self, user_id: str) -> tuple[str, str]:
        """A (client ID, trigger ID) pair bound to `user_id`."""
        client_id = new_id()
        head = f"{client_id}:{user_id}:{int(self._now() * 1000)}:"
        sig = self._key.sign(head.encode(), ec.ECDSA(hashes.SHA256()))
        raw = head + base64.b64encode(sig).decode("ascii")
        return client_id, base64.b64encode(raw.encode()).decode("ascii")

    def decode(self, trigger_id: str) -> Trigger:
        try:
            raw = base64.b64decode(trigger_id.encode("ascii"), validate=True).decode()
        except (ValueError, UnicodeError):
            raise _decode_error("base64_decode_failed") from None
        parts = raw.split(":")
        if len(parts) != 4:
            raise _decode_error("missing_data")
        client_id, user_id, millis_text, sig_text = parts
        try:
            sig = base64.b64decode(sig_text, validate=True)
            millis = int(millis_text)
        except ValueError:
            raise _decode_error("signature_decode_failed") from None
        head = f"{client_id}:{user_id}:{millis_text}:"
        try:
            self._key.public_key().verify(sig, head.encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise _decode_error("verify_signature_failed") from None
        if self._now() * 1000 - millis > self.lifetime * 1000:
            raise AppError(
                "interactive_message.decode_trigger_id.expired",
                "Trigger ID for interactive dialog is expired. "
                f"Maximum time is {int(self.lifetime)} seconds.",
                400,
            )
        return Trigger(client_id, user_id, millis)
