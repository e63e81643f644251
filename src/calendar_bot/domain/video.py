"""A new meeting's video link from the VIDEO_LINK_TEMPLATE setting (issue #17 item 5).

The room name is random and long enough not to be guessed (the caller draws it: the domain
has no randomness); the template's `{room}` is replaced and nothing else is touched.
"""

from __future__ import annotations

import string

ROOM_ALPHABET = string.ascii_lowercase + string.digits
ROOM_LENGTH = 20  # 36**20 ≈ 2**103: not guessed, not enumerated


def video_link(template: str, room: str) -> str:
    """The link for `room`; "" when there is no template (the feature is off)."""
    if not template or "{room}" not in template:
        return ""
    return template.replace("{room}", room)
