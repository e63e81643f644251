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
    ("whereby", ("whereby.com",), ()),
    ("bluejeans", ("bluejeans.com",), ()),
)


def find_urls(text: str) -> list[str]:
    """Every http(s) URL in the text, in order, without trailing punctuation."""
    urls: list[str] = []
    for match in _URL.finditer(text or ""):
        url = match.group(0).rstrip(_TRAILING)
        if url.count("(") < url.count(")"):
            url = url.rstrip(")")
        if len(url) > len("https://x"):
            urls.append(url)
    return urls


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


def find_join_link(*texts: str | None) -> str | None:
    """The best join link in the given fields, most trusted field first.

    A known provider's link anywhere wins over a plain https link; among equals, the earlier
    field and the earlier position win. Without a provider link, the first https URL is used.
    """
    fallback: str | None = None
    for text in texts:
        if not text:
            continue
        for url in find_urls(text):
            if provider_of(url) is not None:
                return url
            if fallback is None and url.lower().startswith("https://"):
                fallback = url
    return fallback
