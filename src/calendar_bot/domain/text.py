"""Clean-up of iCalendar text for chat: leftover escapes, HTML to plain text, whitespace."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_LEFTOVER_ESCAPE = re.compile(r"\\([nN,;\\:\"])")
_HTML_HINT = re.compile(
    r"<\s*(html|body|br|p|div|a\s|span|b>|i>|ul|ol|li|table|tr|td|font|strong|em)\b", re.IGNORECASE
)
_BLOCK_TAGS = {
    "p",
    "div",
    "tr",
    "li",
    "ul",
    "ol",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "hr",
    "title",
}
_SKIP_TAGS = {"style", "script", "head", "title"}
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0]+")


def unescape_ical(text: str) -> str:
    """Undo iCalendar TEXT escapes a producer left in (double escaping, "\\N", "\\\"")."""
    if "\\" not in text:
        return text

    def repl(match: re.Match[str]) -> str:
        ch = match.group(1)
        return "\n" if ch in "nN" else ch

    return _LEFTOVER_ESCAPE.sub(repl, text)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._href: str | None = None
        self._anchor_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "br" or tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "a":
            self._href = dict(attrs).get("href") or None
            self._anchor_text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "a" and self._href is not None:
            shown = "".join(self._anchor_text).strip()
            href = self._href
            # Keep the target visible when the anchor hides it, so links survive as text.
            if href.lower().startswith(("http://", "https://")) and href not in shown:
                self.parts.append(f" ({href})")
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.parts.append(data)
        if self._href is not None:
            self._anchor_text.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser is lenient; this is only a last guard
        return html.unescape(re.sub(r"<[^>]+>", " ", markup))
    text = "".join(parser.parts)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_description(text: str) -> str:
    """A DESCRIPTION (or HTML alternative) as plain text fit for a chat message."""
    text = unescape_ical(text)
    if looks_like_html(text):
        text = html_to_text(text)
    return _tidy(text)


def clean_location(text: str) -> str:
    """A LOCATION on one line."""
    text = unescape_ical(text)
    if looks_like_html(text):
        text = html_to_text(text)
    return _SPACES.sub(" ", " ".join(text.split())).strip()
