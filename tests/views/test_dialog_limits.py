"""The bot's dialogs fit the server's limits as it counts them: Go `len`, i.e. UTF-8 bytes
(model/integration_action.go `OpenDialogRequest.IsValid`: title and display names 24, help
text 150). Cyrillic takes two bytes a letter, so a Russian label has 12 letters at most; the
server only logs a warning for a dialog over the limits and the web app may not show it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.views.onboarding import SERVER_MAILRU, SERVER_OTHER, connect_dialog
from mm_sandbox.validation import dialog_problems


@pytest.mark.parametrize("locale", ["ru", "en"])
@pytest.mark.parametrize("server", [SERVER_MAILRU, SERVER_OTHER])
def test_the_connect_dialog_fits_the_byte_limits(locale: str, server: str) -> None:
    renderer = Renderer(ContextSigner("k"), "http://bot.example")
    dialog = connect_dialog(
        locale,
        "someone.with.a.long.name@example.com",
        "https://caldav.mail.ru/calendars/someone.with.a.long.name@example.com/",
        server=server,
        custom_url="https://caldav.example.com/dav/" if server == SERVER_OTHER else "",
    )
    rendered = renderer.dialog(dialog, "u1")
    assert dialog_problems(rendered) == []
    # Fitting by the texts themselves, not by clipping them.
    shown = [rendered["title"], *(e["display_name"] for e in rendered["elements"])]
    assert not [text for text in shown if text.endswith("…")]


def test_clipping_counts_bytes() -> None:
    renderer = Renderer(ContextSigner("k"), "http://bot.example")
    dialog = connect_dialog("ru", "a@b.c", "https://caldav.mail.ru/")
    long = replace(dialog, title="Очень длинный заголовок окна")
    title = renderer.dialog(long, "u1")["title"]
    assert len(title.encode()) <= 24
    assert title.endswith("…")
