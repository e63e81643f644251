"""Join-link detection: find the video-call URL of a meeting in its text fields."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_URL = re.compile(r"""https?://[^\s<>"'`{}|\\^\[\]]+""", re.IGNORECASE)
_TRAILING = ".,;:!?)»'\""

# (provider, host suffixes, optional path prefix the link must have)
_PROVIDERS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("zoom", ("zoom.us", "zoom.com", "zoomgov.com"), ("/j/", "/my/", "/w/", "/s/", "/wc/")),
    ("google_meet", ("meet.google.com",), ()),
    ("teams", ("teams.microsoft.com", "teams.live.com", "teams.microsoft.us"), ()),
    ("telemost", ("telemost.yandex.ru", "telemost.360.yandex.ru", "telemost.yandex.com"), ()),
    (
        "vk_teams",
        (
            "calls.vk.com",
            "vk.com",
            "vkteams.ru",
            "vkteams.com",
            "myteam.mail.ru",
            "vkworkspace.ru",
            "calls.mail.ru",
            "vkcalls.ru",
        ),
        (),
    ),
    ("jitsi", ("meet.jit.si", "8x8.vc", "jitsi.org"), ()),
    ("webex", ("webex.com",), ()),
    ("skype", ("join.skype.com", "meet.lync.com"), ()),
    ("livemeeting", ("livemeeting.com",), ("/cc/",)),
    ("whereby", ("whereby.com",), ()),
    ("bluejeans", ("bluejeans.com",), ()),
)


def url_spans(text: str) -> list[tuple[int, int]]:
    """Where the http(s) URLs are in the text: (start, end), without trailing punctuation.
    A URL never holds whitespace, a backtick, `<`, `>` or a quote."""
    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(text or ""):
        url = match.group(0).rstrip(_TRAILING)
        if url.count("(") < url.count(")"):
            url = url.rstrip(")")
        if len(url) > len("https://x"):
            spans.append((match.start(), match.start() + len(url)))
    return spans


def find_urls(text: str) -> list[str]:
    """Every http(s) URL in the text, in order, without trailing punctuation."""
    return [text[start:end] for start, end in url_spans(text)]


def provider_of(url: str) -> str | None:
    """The video-call provider a URL belongs to, or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    if host.startswith(("jitsi.", "meet.jitsi")):
        return "jitsi"
    for name, hosts, paths in _PROVIDERS:
        if not any(host == h or host.endswith("." + h) for h in hosts):
            continue
        # plain vk.com is a social network; only its call links are meetings
        if host in ("vk.com", "www.vk.com", "m.vk.com") and not path.startswith("/call"):
            continue
        if paths and not any(path.startswith(p) for p in paths):
            continue
        return name
    return None


def find_join_link(*texts: str | None, conference: str = "") -> str | None:
    """The join link of a meeting: a known video provider's link in any field (the
    conference properties first, then `texts` in order), else an https link the conference
    properties name. Any other link in a title, location or description is not trusted to
    be the meeting's: anyone who can invite can put any link there."""
    for text in (conference, *texts):
        for url in find_urls(text or ""):
            if provider_of(url) is not None:
                return url
    return next((u for u in find_urls(conference) if u.lower().startswith("https://")), None)
