"""Mattermost's trigger-id signing key: the public half of the server's AsymmetricSigningKey,
published in the client configuration. With it the bot checks that a click's trigger id was
made by the server, not by whoever holds a copy of a button's signed context."""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Protocol

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

log = logging.getLogger(__name__)

TriggerKey = ec.EllipticCurvePublicKey


class ClientConfigSource(Protocol):
    async def get_client_config(self) -> dict[str, object]: ...


def load_trigger_key(published: object) -> TriggerKey | None:
    """The key from `AsymmetricSigningPublicKey` (base64 DER), or None if it is not one."""
    if not isinstance(published, str) or not published:
        return None
    try:
        key = serialization.load_der_public_key(base64.b64decode(published, validate=True))
    except (ValueError, binascii.Error, UnsupportedAlgorithm):
        return None
    return key if isinstance(key, ec.EllipticCurvePublicKey) else None


async def fetch_trigger_key(source: ClientConfigSource) -> TriggerKey | None:
    """The server's key; None (with one warning) when it cannot be had."""
    try:
        config = await source.get_client_config()
    except Exception as exc:
        log.warning("could not read Mattermost's client config: %s", type(exc).__name__)
        config = {}
    key = load_trigger_key(config.get("AsymmetricSigningPublicKey"))
    if key is None:
        log.warning(
            "Mattermost publishes no AsymmetricSigningPublicKey: button clicks' trigger ids "
            "are checked for format, user and age only"
        )
    return key


def signed_by(key: TriggerKey, signed_part: str, signature: bytes) -> bool:
    """Whether `signature` (ASN.1 DER ECDSA over SHA-256) is the key's over `signed_part`."""
    try:
        key.verify(signature, signed_part.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
