"""The app password never shows up in clear: not in a post, not in a log record (DEBUG
included), not in the database file; nor does the bot's Mattermost token in a log record."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from calendar_bot.i18n import t
from calendar_bot.views.onboarding import APP_PASSWORD_URL
from tests.e2e.harness import World, eventually
from tests.e2e.journeys import fixed_world, typed_connect_prompt, user_row

__all__ = ["fixed_world"]


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    parts: list[str] = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(repr(record.exc_info[1]))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


def _database_bytes(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.glob("bot.db*"))


async def test_password_never_in_clear(
    fixed_world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = fixed_world
    # Through the dialog, with a failed attempt first.
    mona, creds, _ = await world.person("mona", locale="en")
    await mona.say("hi")
    greeting = await mona.next_bot_post(APP_PASSWORD_URL)
    await mona.click(greeting, t("en", "greeting.connect"))
    wrong = "wrong-" + creds.password
    answer = await mona.submit_dialog(
        {"email": creds.username, "password": wrong, "server": "mailru"}
    )
    assert answer["errors"]
    await mona.submit_dialog(
        {"email": creds.username, "password": creds.password, "server": "mailru"}
    )
    await mona.next_bot_post(creds.username)
    await mona.say("today")
    await mona.next_bot_post(t("en", "list.empty_today"))

    # Through the typed fallback: the person's own post holds it (the bot says it could not
    # delete it), but nothing the bot writes does.
    noah, noah_creds, _ = await world.person("noah", locale="ru")
    await typed_connect_prompt(world, noah, "ru")
    await noah.say(noah_creds.password)
    await noah.next_bot_post(noah_creds.username)

    async def both_stored() -> bool:
        rows = [await user_row(world, p.id) for p in (mona, noah)]
        return all(r is not None and r["baseline_done"] for r in rows)

    await eventually(both_stored, what="both users stored and synced")

    secrets = (creds.password, wrong, noah_creds.password)
    for person in (mona, noah):
        for post in await person.posts():
            if post["user_id"] == noah.id:
                continue  # the typed password itself, written by its owner
            text = repr(post)
            for secret in secrets:
                assert secret not in text, post["id"]
    for ephemeral in mona.ephemerals + noah.ephemerals:
        for secret in secrets:
            assert secret not in repr(ephemeral)

    logged = _logged(caplog)
    assert caplog.records  # the journey did log at DEBUG, so the check means something
    bot_token = world.bot.settings.MATTERMOST_BOT_TOKEN.get_secret_value()
    for secret in (*secrets, bot_token):
        assert secret not in logged

    stored = _database_bytes(tmp_path)
    assert stored
    for secret in secrets:
        assert secret.encode() not in stored
    row = await user_row(world, mona.id)
    assert row is not None and world.bot.vault.decrypt(row["password_enc"]) == creds.password
