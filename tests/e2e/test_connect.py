"""Connect: the greeting, the dialog, verification before saving, field errors, the typed
fallback, and reconnecting in place."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.i18n import t
from calendar_bot.views.onboarding import APP_PASSWORD_URL
from tests.e2e.harness import Person, World, eventually, full_text, restart_bot
from tests.e2e.journeys import (
    LOCALES,
    change_radicale_password,
    fixed_world,
    labels,
    refetch,
    typed_connect_prompt,
    user_row,
)

__all__ = ["fixed_world"]

MENU_KEYS = (
    "menu.today",
    "menu.now",
    "menu.tomorrow",
    "menu.week",
    "menu.create",
    "menu.settings",
    "menu.logout",
)


@pytest.mark.parametrize("locale", LOCALES)
async def test_connect_through_the_dialog(fixed_world: World, locale: str) -> None:
    world = fixed_world
    alice, creds, _ = await world.person("alice", locale=locale)
    await alice.say("hello there")
    greeting = await alice.next_bot_post(APP_PASSWORD_URL)
    assert APP_PASSWORD_URL in full_text(greeting)
    assert labels(greeting)[0] == t(locale, "greeting.connect")

    await alice.click(greeting, t(locale, "greeting.connect"))
    opened = await _dialog(alice)
    form = opened["dialog"]
    fields = {e["name"]: e for e in form["elements"]}
    assert fields["email"]["default"] == alice.user["email"]
    assert fields["password"]["subtype"] == "password"
    assert fields["password"].get("default", "") == ""
    assert fields["server"]["default"] == "mailru"
    assert {o["value"] for o in fields["server"]["options"]} == {"mailru", "other"}
    assert world.radicale.base_url in fields["server"]["help_text"]
    assert APP_PASSWORD_URL in form["introduction_text"]
    assert await user_row(world, alice.id) is None  # nothing saved before a submission

    answer = await alice.submit_dialog(
        {"email": creds.username, "password": creds.password, "server": "mailru", "url": ""}
    )
    assert not (answer or {}).get("errors")
    done = await alice.next_bot_post(t(locale, "connected.title_email", email=creds.username))
    assert "Work" in done["message"]
    assert t(locale, "connected.calendars", count=1) in done["message"]
    assert labels(done) == [t(locale, key) for key in MENU_KEYS]
    row = await user_row(world, alice.id)
    assert row is not None and row["email"] == creds.username
    assert row["locale"] == locale


@pytest.mark.parametrize("locale", LOCALES)
async def test_wrong_password_is_a_field_error(fixed_world: World, locale: str) -> None:
    world = fixed_world
    bob, creds, _ = await world.person("bob", locale=locale)
    await bob.say("hi")
    greeting = await bob.next_bot_post(APP_PASSWORD_URL)
    await bob.click(greeting, t(locale, "greeting.connect"))
    answer = await bob.submit_dialog(
        {"email": creds.username, "password": "not-the-password", "server": "mailru"}
    )
    assert answer["errors"] == {"password": t(locale, "connect.error.auth")}
    assert await user_row(world, bob.id) is None

    # Fixing the password in the same dialog connects.
    answer = await bob.submit_dialog(
        {"email": creds.username, "password": creds.password, "server": "mailru"}
    )
    assert not (answer or {}).get("errors")
    await bob.next_bot_post(t(locale, "connected.title_email", email=creds.username))
    assert await user_row(world, bob.id) is not None


@pytest.mark.parametrize("locale", LOCALES)
async def test_unreachable_server_is_a_field_error(
    fixed_world: World, locale: str, unreachable_url: str
) -> None:
    world = fixed_world
    carol, creds, _ = await world.person("carol", locale=locale)
    await carol.say("hi")
    greeting = await carol.next_bot_post(APP_PASSWORD_URL)
    await carol.click(greeting, t(locale, "greeting.connect"))
    answer = await carol.submit_dialog(
        {
            "email": creds.username,
            "password": creds.password,
            "server": "other",
            "url": unreachable_url,
        }
    )
    # a typed URL's every failure gets one answer: it cannot tell open ports from closed
    assert answer["errors"] == {"url": t(locale, "connect.error.other_server")}
    assert await user_row(world, carol.id) is None


@pytest.mark.parametrize("locale", LOCALES)
async def test_not_a_caldav_server_is_a_field_error(
    fixed_world: World, locale: str, plain_http_server: str
) -> None:
    world = fixed_world
    dave, creds, _ = await world.person("dave", locale=locale)
    await dave.say("hi")
    greeting = await dave.next_bot_post(APP_PASSWORD_URL)
    await dave.click(greeting, t(locale, "greeting.connect"))
    answer = await dave.submit_dialog(
        {
            "email": creds.username,
            "password": creds.password,
            "server": "other",
            "url": plain_http_server,
        }
    )
    assert answer["errors"] == {"url": t(locale, "connect.error.other_server")}
    assert await user_row(world, dave.id) is None


async def test_form_mistakes_are_field_errors(fixed_world: World) -> None:
    world = fixed_world
    erin, creds, _ = await world.person("erin", locale="en")
    await erin.say("hi")
    greeting = await erin.next_bot_post(APP_PASSWORD_URL)
    await erin.click(greeting, t("en", "greeting.connect"))
    cases = [
        ({"email": creds.username, "password": creds.password, "server": "other"}, "url_required"),
        (
            {"email": creds.username, "password": creds.password, "server": "other", "url": "x"},
            "url",
        ),
        ({"email": "not an e-mail", "password": creds.password, "server": "mailru"}, "email"),
        ({"email": creds.username, "password": "  ", "server": "mailru"}, "password_required"),
    ]
    for values, code in cases:
        answer = await erin.submit_dialog(values)
        field = {"url_required": "url", "url": "url", "email": "email"}.get(code, "password")
        assert answer["errors"] == {field: t("en", f"connect.error.{code}")}, code
    assert await user_row(world, erin.id) is None


async def test_other_server_by_url_connects(fixed_world: World) -> None:
    world = fixed_world
    frank, creds, _ = await world.person("frank", locale="en")
    await frank.say("hi")
    greeting = await frank.next_bot_post(APP_PASSWORD_URL)
    await frank.click(greeting, t("en", "greeting.connect"))
    answer = await frank.submit_dialog(
        {
            "email": creds.username,
            "password": creds.password,
            "server": "other",
            "url": world.radicale.base_url + "/",
        }
    )
    assert not (answer or {}).get("errors")
    await frank.next_bot_post(t("en", "connected.title_email", email=creds.username))
    row = await user_row(world, frank.id)
    assert row is not None and row["caldav_base_url"] == world.radicale.base_url


@pytest.mark.parametrize("locale", LOCALES)
async def test_typed_password_when_no_dialog_can_open(fixed_world: World, locale: str) -> None:
    """An expired trigger ID makes Mattermost refuse the dialog: the seed's typed flow is
    offered, and it says honestly that the message stays in the chat (the bot may not
    delete it, as on a default Mattermost)."""
    world = fixed_world
    gina, creds, _ = await world.person("gina", locale=locale)
    await gina.say("hi")
    greeting = await gina.next_bot_post(APP_PASSWORD_URL)
    assert labels(greeting) == [t(locale, "greeting.connect")]  # no password in chat up front
    world.emulator.context.triggers.lifetime = -1.0  # every trigger ID is already expired
    await gina.click(greeting, t(locale, "greeting.connect"))
    offer = await gina.next_bot_post(t(locale, "connect.no_dialog"))
    assert t(locale, "connect.typed.stays") in offer["message"]
    assert labels(offer) == [t(locale, "greeting.by_message"), t(locale, "connect.form_again")]
    await gina.click(offer, t(locale, "greeting.by_message"))
    prompt = await gina.next_bot_post(gina.user["email"])
    assert labels(prompt) == [t(locale, "common.cancel")]
    assert t(locale, "connect.typed.stays") in prompt["message"]
    assert not gina.dialogs

    typed = await gina.say(creds.password)
    # The emulator, like Mattermost, does not let a bot delete a person's post: the bot
    # must say so rather than claim it did.
    await gina.next_bot_post(t(locale, "connect.password_not_deleted"))
    still_there = await refetch(gina, typed)
    assert still_there["message"] == creds.password and not still_there.get("delete_at")
    await gina.next_bot_post(t(locale, "connected.title_email", email=creds.username))
    assert await user_row(world, gina.id) is not None


async def test_typed_password_by_choice_and_its_errors(fixed_world: World) -> None:
    world = fixed_world
    hugo, creds, _ = await world.person("hugo", locale="en")
    await typed_connect_prompt(world, hugo, "en")
    await hugo.say("wrong-password")
    await hugo.next_bot_post(t("en", "connect.password_not_deleted"))
    failed = await hugo.next_bot_post(
        t("en", "connect.failed", reason=t("en", "connect.error.auth"))
    )
    assert labels(failed) == [t("en", "connect.retry")]
    assert await user_row(world, hugo.id) is None

    # Cancel in the typed flow forgets the half-started connect.
    prompt = await typed_connect_prompt(world, hugo, "en")
    await hugo.click(prompt, t("en", "common.cancel"))
    assert (await refetch(hugo, prompt))["message"].startswith(t("en", "connect.cancelled")[:10])
    await hugo.say(creds.password)  # no longer a password step: just an unknown user
    await hugo.next_bot_post(APP_PASSWORD_URL)
    assert await user_row(world, hugo.id) is None


async def test_reconnect_updates_credentials_in_place(fixed_world: World) -> None:
    world = fixed_world
    ivan, creds, _ = await world.person("ivan", locale="en")
    await world.connect(ivan, creds)
    before = await user_row(world, ivan.id)
    assert before is not None

    new_password = "app-rotated-0123456789"
    change_radicale_password(world, creds.username, new_password)
    greeting = (await ivan.bot_posts())[0]
    ivan.dialogs.clear()
    await ivan.click(greeting, t("en", "greeting.connect"))
    opened = await _dialog(ivan)
    assert {e["name"]: e for e in opened["dialog"]["elements"]}["email"][
        "default"
    ] == creds.username
    # An old greeting's button: the form says the calendar is connected already.
    connected = t("en", "connect.dialog.intro_connected", email=creds.username)
    assert opened["dialog"]["introduction_text"] == connected
    answer = await ivan.submit_dialog(
        {"email": creds.username, "password": new_password, "server": "mailru"}
    )
    assert not (answer or {}).get("errors")
    await ivan.next_bot_post(t("en", "connected.title_email", email=creds.username))
    after = await user_row(world, ivan.id)
    assert after is not None
    assert after["created_at"] == before["created_at"]
    assert after["password_enc"] != before["password_enc"]
    assert world.bot.vault.decrypt(after["password_enc"]) == new_password


async def _dialog(person: Person) -> dict[str, Any]:
    found: dict[str, Any] = await eventually(
        lambda: person.dialogs[-1] if person.dialogs else None, what="a dialog"
    )
    return found


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_old_cancel_after_connecting_cancels_nothing(
    fixed_world: World, locale: str
) -> None:
    world = fixed_world
    ivan, creds, _ = await world.person(f"ivan{locale}", locale=locale)
    prompt = await typed_connect_prompt(world, ivan, locale)
    greeting = (await ivan.bot_posts())[0]
    # ... then changes their mind and connects through the dialog instead.
    await ivan.click(greeting, t(locale, "greeting.connect"))
    fields = {"email": creds.username, "password": creds.password, "server": "mailru", "url": ""}
    await ivan.submit_dialog(fields)
    await ivan.next_bot_post(creds.username)

    await ivan.click(prompt, t(locale, "common.cancel"))
    await eventually(
        lambda: any(
            t(locale, "connect.already_connected") in e["message"] for e in ivan.ephemerals
        ),
        what="the 'already connected' answer",
    )
    assert (await refetch(ivan, prompt))["message"] == prompt["message"]  # left as it was
    assert await user_row(world, ivan.id) is not None
    texts = [p["message"] for p in await ivan.bot_posts()]
    assert not any(t(locale, "connect.cancelled") in text for text in texts)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_bot_allowed_to_delete_says_so_and_deletes_the_password(
    fixed_world: World, locale: str
) -> None:
    """A Mattermost admin made the bot a system admin (delete_others_posts): it learns that at
    start, promises to delete the typed password, and does."""
    world = fixed_world
    world.emulator.set_user(world.bot_user["id"], roles="system_user system_admin")
    await restart_bot(world)
    olga, creds, _ = await world.person(f"olga{locale}", locale=locale)
    prompt = await typed_connect_prompt(world, olga, locale)
    assert t(locale, "connect.typed.deleted") in prompt["message"]
    typed = await olga.say(creds.password)
    await olga.next_bot_post(t(locale, "connect.password_deleted"))
    assert world.emulator.post(typed["id"])["delete_at"]
    await olga.next_bot_post(t(locale, "connected.title_email", email=creds.username))


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_password_prompt_left_for_five_minutes_takes_nothing_as_a_password(
    fixed_world: World, locale: str
) -> None:
    world = fixed_world
    pavel, creds, _ = await world.person(f"pavel{locale}", locale=locale)
    await typed_connect_prompt(world, pavel, locale)
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=6))
    await pavel.say(creds.password)  # an old prompt: this is not sent to the server
    await pavel.next_bot_post(APP_PASSWORD_URL)  # the greeting again
    texts = [p["message"] for p in (await pavel.bot_posts())]
    assert not any(t(locale, "connect.password_not_deleted") in text for text in texts)
    assert await user_row(world, pavel.id) is None
