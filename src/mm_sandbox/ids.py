"""Identifiers in Mattermost's own format: 26 characters of a custom base32 alphabet."""

from __future__ import annotations

import base64
import secrets

_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_MM = "ybndrfg8ejkmcpqxot1uwisza345h769"
_TRANSLATE = str.maketrans(_STD, _MM)


def new_id() -> str:
    """A fresh ID like `model.NewId()`: 128 random bits, base32 with Mattermost's alphabet."""
    raw = base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")
    return raw.translate(_TRANSLATE)


def is_valid_id(value: str) -> bool:
    return len(value) == 26 and value.isalnum() and value.islower()
