"""The credential vault: Fernet encryption of stored secrets, with key rotation.

`ENCRYPTION_KEY` may list several comma-separated keys: the first one encrypts, every one
decrypts, so a new key can be put in front and old tokens rotated at leisure. No key and no
secret ever appears in a message raised from here.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

_KEY_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}=$")
# Decrypted tokens kept (a poll of every user every minute would otherwise decrypt each
# password each minute: an HMAC and an AES pass, ~60 µs): as many as a large bot has users.
# The plain passwords are in memory anyway while the gateway keeps their sessions.
_REMEMBERED = 100_000


class InvalidKeyError(ValueError):
    """ENCRYPTION_KEY is empty or one of its keys is not a Fernet key."""


class UndecryptableSecret(Exception):
    """No configured key decrypts the stored token (wrong key, or the token is damaged)."""


def parse_keys(value: str) -> list[bytes]:
    """Split ENCRYPTION_KEY into Fernet keys, first one first.

    Raises InvalidKeyError naming the bad position (1-based), never the key itself.
    """
    if not value or not value.strip():
        raise InvalidKeyError(
            "ENCRYPTION_KEY is empty: generate one with `calendar-bot generate-key`"
        )
    parts = [part.strip() for part in value.split(",")]
    keys: list[bytes] = []
    for position, part in enumerate(parts, start=1):
        if not part:
            raise InvalidKeyError(
                f"ENCRYPTION_KEY: key #{position} of {len(parts)} is empty "
                "(keys are separated by commas)"
            )
        if not _is_fernet_key(part):
            raise InvalidKeyError(
                f"ENCRYPTION_KEY: key #{position} of {len(parts)} is not a valid Fernet key "
                "(expected 32 bytes, url-safe base64: 44 characters ending in '=')"
            )
        keys.append(part.encode("ascii"))
    return keys


def _is_fernet_key(candidate: str) -> bool:
    # The shape check comes first so that Fernet's own error (which could, in some version,
    # quote its input) is never relied on for the message.
    if not _KEY_SHAPE.match(candidate):
        return False
    try:
        Fernet(candidate.encode("ascii"))
    except (ValueError, binascii.Error):
        return False
    return True


class Vault:
    """Encrypts with the first key, decrypts with any."""

    def __init__(self, keys: Sequence[bytes | str]) -> None:
        if not keys:
            raise InvalidKeyError("the vault needs at least one key")
        checked = parse_keys(
            ",".join(k.decode("ascii", "replace") if isinstance(k, bytes) else k for k in keys)
        )
        self._primary = Fernet(checked[0])
        self._all = MultiFernet([Fernet(k) for k in checked])
        self._count = len(checked)
        self._plain: dict[str, str] = {}  # token -> plain text, oldest first

    @classmethod
    def from_setting(cls, value: str) -> Vault:
        """Build from the raw ENCRYPTION_KEY value."""
        return cls(parse_keys(value))

    @property
    def key_count(self) -> int:
        return self._count

    def encrypt(self, plain: str) -> str:
        return self._primary.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        plain = self._plain.get(token)
        if plain is not None:
            return plain
        try:
            plain = self._all.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise UndecryptableSecret("no configured key decrypts this secret") from None
        if len(self._plain) >= _REMEMBERED:
            del self._plain[next(iter(self._plain))]
        self._plain[token] = plain
        return plain

    def is_current(self, token: str) -> bool:
        """True when the first key alone decrypts the token (no rotation needed)."""
        try:
            self._primary.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True

    def rotate(self, token: str) -> str:
        """Re-encrypt with the first key (keeps the token's original timestamp)."""
        try:
            return self._all.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise UndecryptableSecret("no configured key decrypts this secret") from None

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def __repr__(self) -> str:
        return f"Vault(keys={self._count})"
