"""The route table through the real bot: buttons as they were signed before the table (the
keys on the wire stay), the guards' answers, and the one wrapper that turns any failure into
a short apology in whatever shape the event needs."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from calendar_bot.domain.model import Credentials
from calendar_bot.domain.wizard import Step
from calendar_bot.handlers.wizard import draft_of
from calendar_bot.i18n import t
from calendar_bot.inbound import ActionClick, DialogSubmission, SlashCommand
from calendar_bot.storage.repositories import transaction
from calendar_bot.views import actions
from tests.e2e.harness import Person, World

MSK = ZoneInfo("Europe/Moscow")


async def old_click(
    world: World, person: Person, action: str, payload: dict[str, str], post_id: str = ""
) -> dict[str, Any]:
    """A click on a button signed the way the bot signed them before the route table."""
    body = {
        "user_id": person.id,
        "channel_id": person.channel_id,
        "post_id": post_id,
        "trigger_id": world.emulator.context.triggers.issue(person.id)[1],
        "context": world.bot.renderer.signer.sign(action, person.id, payload),
    }
    url = f"http://127.0.0.1:{world.bot.http_port}/actions"
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as answer:
        assert answer.status == 200
        result: dict[str, Any] = await answer.json()
        return result


async def wizard_step(world: World, person: Person) -> Step | None:
    async with transaction(world.bot.sessions) as store:
        draft = draft_of(await store.conversation.get(person.id))
    return draft.state.step if draft is not None else None


def tomorrow() -> date:
    return datetime.now(MSK).date() + timedelta(days=1)


async def test_old_wizard_buttons_keep_working_and_stale_ones_change_nothing(
    world: World,
) -> None:
    alice, creds, _ = await world.person("alice")
    await world.connect(alice, creds)
    await alice.say("создать")
    await alice.next_bot_post(t("ru", "wizard.title.prompt"))
    await alice.say("Планёрка")
    question = await alice.shown(t("ru", "wizard.date.prompt"))

    answer = await old_click(
        world,
        alice,
        "wizard.pick",
        {"step": "date", "value": tomorrow().isoformat()},
        question["id"],
    )
    assert "update" in answer  # the card becomes the next question in the click's answer
    assert await wizard_step(world, alice) is Step.TIME

    stale = t("ru", "stale.text")
    # A pick of the step answered (a client showing the card as it was): not this step.
    day_after = (tomorrow() + timedelta(days=1)).isoformat()
    answer = await old_click(
        world, alice, "wizard.pick", {"step": "date", "value": day_after}, question["id"]
    )
    assert answer == {"ephemeral_text": stale}
    # An edit field nobody knows.
    answer = await old_click(world, alice, "wizard.edit_field", {"field": "colour"}, question["id"])
    assert answer == {"ephemeral_text": stale}
    assert await wizard_step(world, alice) is Step.TIME

    answer = await old_click(
        world, alice, "wizard.pick", {"step": "time", "value": "15:00"}, question["id"]
    )
    assert "ephemeral_text" not in answer
    assert await wizard_step(world, alice) is Step.DURATION
    # A new wizard: the old card's buttons are stale, the new card's work.
    await alice.say("создать")
    fresh = await alice.shown(t("ru", "wizard.title.prompt"))
    assert fresh["id"] != question["id"]
    answer = await old_click(world, alice, "wizard.cancel", {}, question["id"])
    assert answer == {"ephemeral_text": stale}  # not the live card any more
    assert await wizard_step(world, alice) is Step.TITLE
    answer = await old_click(world, alice, "wizard.cancel", {}, fresh["id"])
    assert "ephemeral_text" not in answer
    assert await wizard_step(world, alice) is None


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_strangers_old_button_says_to_connect_first(world: World, locale: str) -> None:
    bob, _, _ = await world.person("bob", locale=locale)
    for action, payload in (
        (actions.MENU_TODAY, {}),
        ("list.day", {"day": tomorrow().isoformat()}),
        ("wizard.pick", {"step": "date", "value": tomorrow().isoformat()}),
    ):
        answer = await old_click(world, bob, action, payload, "old-post")
        assert "update" not in answer and "ephemeral_text" not in answer  # history stays
        await bob.next_bot_post(t(locale, "not_connected.text"))


async def test_old_list_buttons_and_unreadable_payloads(world: World) -> None:
    alice, creds, _ = await world.person("alice", locale="en")
    await world.connect(alice, creds)
    answer = await old_click(world, alice, "list.day", {"day": tomorrow().isoformat()})
    assert "update" in answer  # the list changes in place
    answer = await old_click(world, alice, "settings.digest", {"on": "0"})
    assert "update" in answer
    for action, payload in (
        ("list.day", {"day": "someday"}),
        ("meeting.rsvp", {"ref": "x", "partstat": "PERHAPS"}),
        ("settings.digest_hour", {}),  # a menu without its choice
        ("no.such.action", {}),
    ):
        answer = await old_click(world, alice, action, payload)
        assert answer == {"ephemeral_text": t("en", "stale.text")}, action


async def test_one_wrapper_answers_every_kind_of_failure(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    alice, creds, _ = await world.person("alice", locale="en")
    await world.connect(alice, creds)
    dispatcher = world.bot.dispatcher
    services = dispatcher.bot

    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the store is gone")

    monkeypatch.setattr(services.meetings, "on_days", broken)
    monkeypatch.setattr(services.accounts, "connect", broken)
    sorry = t("en", "error.generic")
    caplog.set_level(logging.ERROR, logger="calendar_bot.dispatcher")

    click = ActionClick(alice.id, alice.channel_id, "", actions.MENU_TODAY, {}, None, "")
    assert (await dispatcher.on_action(click)).ephemeral == sorry
    command = SlashCommand(alice.id, alice.channel_id, "today", "")
    assert (await dispatcher.on_command(command)).text == sorry
    dialog = DialogSubmission(
        alice.id, alice.channel_id, actions.CONNECT_SUBMIT, {}, {"email": "a@b.c"}, False
    )
    assert (await dispatcher.on_dialog(dialog)).error == sorry
    await alice.say("today")
    await alice.next_bot_post(sorry)
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 4 and all(r.exc_info for r in failures)

    # Nothing stays held: the next click is handled as usual.
    monkeypatch.undo()
    assert (await dispatcher.on_action(click)).ephemeral is None
    await alice.next_bot_post(t("en", "list.empty_today"))


async def test_logging_out_forgets_the_login_without_reading_its_password(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The adapter keys its clients by server and user name: dropping them needs no secret,
    so logout works even when no key can read the stored password any more."""
    alice, creds, _ = await world.person("alice", locale="en")
    await world.connect(alice, creds)
    vault = world.bot.ctx.vault

    def must_not_decrypt(token: str) -> str:
        raise AssertionError("logout decrypted the password")

    forgotten: list[tuple[str, str, str]] = []
    forget = world.bot.gateway.forget

    def spy(login: Credentials) -> None:
        forgotten.append((login.base_url, login.username, login.password))
        forget(login)

    monkeypatch.setattr(vault, "decrypt", must_not_decrypt)
    monkeypatch.setattr(world.bot.gateway, "forget", spy)
    await world.bot.dispatcher.bot.accounts.logout(alice.id)
    assert forgotten == [(creds.base_url, creds.username, "")]
