"""The web chat page: a static single-page Mattermost client served by the emulator.

The page talks only to the standard API (login, users, direct channels, posts, post actions,
dialogs, commands, the WebSocket), like any real client. If the host also answers
`/sandbox/info` (the calendar-bot sandbox adds it), the page shows the sandbox's side panel.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).parent / "static"


async def _index(_request: web.Request) -> web.StreamResponse:
    response = web.FileResponse(STATIC_DIR / "index.html")
    response.headers["Cache-Control"] = "no-store"
    return response


def mount_webchat(app: web.Application) -> None:
    """Register `/` and `/static/...` on an emulator's app (before it starts)."""
    app.router.add_get("/", _index)
    app.router.add_static("/static/", STATIC_DIR, append_version=False)
