"""Splitting long texts into posts under Mattermost's message limit: the one place.

The views split what they know the shape of: a table split across posts repeats its heading
and header in each part; a code block split across posts is closed in each part and reopened
in the next. `split_message` is the last resort for any text (the chat adapter's): cut at
line boundaries, keeping code fences whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

POST_LIMIT = 16383  # Mattermost's maximum message length, in characters (runes)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a long text, and what a new part must start with if it starts here."""

    text: str
    context: str = ""  # e.g. a day heading plus the table header; "" for lines that start sections


def _hard_cut(text: str, width: int) -> list[str]:
    """`text` in pieces of at most `width` characters (one piece, maybe empty, if it fits)."""
    width = max(width, 1)
    if len(text) <= width:
        return [text]
    return [text[i : i + width] for i in range(0, len(text), width)]


def split_lines(lines: Sequence[Line], limit: int = POST_LIMIT, *, head: str = "") -> list[str]:
    """Join `lines` with newlines into as few parts as fit in `limit` characters each.

    `head` starts the first part only. No line is lost or reordered: a line that cannot fit
    even in an empty part (with its context) is cut into pieces.
    """
    return [text for text, _ in split_lines_indexed(lines, limit, head=head)]


def split_lines_indexed(
    lines: Sequence[Line], limit: int = POST_LIMIT, *, head: str = ""
) -> list[tuple[str, list[int]]]:
    """Like `split_lines`, and for each part the indices of the lines it holds."""
    parts: list[tuple[str, list[int]]] = []
    current = head
    indices: list[int] = []
    for index, line in enumerate(lines):
        candidate = f"{current}\n{line.text}" if current else line.text
        if len(candidate) <= limit:
            current = candidate
            indices.append(index)
            continue
        if current:
            parts.append((current, indices))
        indices = [index]
        prefix = f"{line.context}\n" if line.context else ""
        room = limit - len(prefix)
        if room < max(1, limit // 4):
            prefix, room = "", limit  # a context that big is not worth repeating
        pieces = _hard_cut(line.text, room)
        for piece in pieces[:-1]:
            parts.append((prefix + piece, [index]))
        current = prefix + pieces[-1]
    if current or not parts:
        parts.append((current, indices))
    return parts


_BACKTICKS = re.compile(r"`{3,}")


def code_fence(content: str) -> str:
    """A fence longer than any backtick run inside `content`, so the block cannot be broken."""
    longest = max((len(m.group(0)) for m in _BACKTICKS.finditer(content)), default=2)
    return "`" * max(3, longest + 1)


def split_code_block(
    content: str, language: str, limit: int = POST_LIMIT, *, head: str = ""
) -> list[str]:
    """`content` as fenced code blocks, each part a complete block under `limit` characters.

    `head` goes above the block in the first part only.
    """
    fence = code_fence(content)
    opening = f"{fence}{language}\n"
    closing = f"\n{fence}"
    overhead = len(opening) + len(closing)
    parts: list[str] = []
    room_first = limit - overhead - (len(head) + 1 if head else 0)
    room = limit - overhead
    width = max(1, min(room, room_first))  # a cut piece fits whichever part it lands in
    chunk: list[str] = []
    size = 0

    def flush() -> None:
        body = "\n".join(chunk)
        prefix = f"{head}\n" if head and not parts else ""
        parts.append(f"{prefix}{opening}{body}{closing}")

    for raw in content.splitlines() or [""]:
        budget = room_first if not parts else room
        for piece in _hard_cut(raw, width):
            extra = len(piece) + (1 if chunk else 0)
            if chunk and size + extra > budget:
                flush()
                chunk, size = [], 0
                budget = room
                extra = len(piece)
            chunk.append(piece)
            size += extra
    flush()
    return parts


_FENCE = re.compile(r"^\s*(```+|~~~+)")


def split_message(text: str, limit: int = POST_LIMIT) -> list[str]:
    """Cut `text` into posts of at most `limit` characters, at line boundaries.

    A code block cut in two is closed at the end of one part and reopened (with its info
    string) at the start of the next, so each part renders on its own. A single line longer
    than a part is cut hard, as nothing better exists.
    """
    if limit < 32:
        raise ValueError("limit too small")
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    fence: str | None = None  # the opening fence line while inside a code block

    for line in text.split("\n"):
        is_fence = _FENCE.match(line) is not None
        after = (None if fence is not None else line.strip()) if is_fence else fence
        overhead = (len(fence) + len(_marker(fence)) + 2) if fence is not None else 0
        for piece in _hard_cut(line, limit - overhead - 8):
            reserve = len(_marker(after)) + 1 if after is not None else 0
            fresh = not current or (fence is not None and current == [fence])
            if not fresh and size + 1 + len(piece) + reserve > limit:
                parts.append("\n".join(current) + (f"\n{_marker(fence)}" if fence else ""))
                current = [fence] if fence is not None else []
                size = len(fence) if fence is not None else 0
            size += len(piece) + (1 if current else 0)
            current.append(piece)
        fence = after
    if current and not (fence is not None and current == [fence]):
        parts.append("\n".join(current) + (f"\n{_marker(fence)}" if fence else ""))
    return parts


def first_part(text: str, limit: int = POST_LIMIT) -> str:
    """What of `text` fits one post (an edit replaces one post; it cannot add more)."""
    return text if len(text) <= limit else split_message(text, limit)[0]


def _marker(fence_line: str | None) -> str:
    if not fence_line:
        return ""
    match = _FENCE.match(fence_line)
    return match.group(1) if match else "```"
