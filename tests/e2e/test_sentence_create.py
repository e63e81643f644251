"""One-sentence create (issue #17 item 2), end to end in ru and en: the sentence fills the
wizard's card; what it leaves out or open is asked (never guessed); nothing is written before
Create."""

from __future__ import annotations

from datetime import timedelta

from calendar_bot.i18n import t
from tests.e2e.harness import World, full_text
from tests.e2e.journeys import TODAY, TOMORROW, calendar_text, fixed_world, labels

__all__ = ["fixed_world"]


async def test_a_russian_sentence_opens_the_summary_and_writes_only_on_create(
    fixed_world: World,
) -> None:
    world = fixed_world
    uma, creds, calendar = await world.person("uma", locale="ru")
    bob = world.emulator.create_user("bob_sentence", email="bob@example.test")
    await world.connect(uma, creds)
    before = len(await uma.bot_posts())

    await uma.say(f"завтра в 15 на 45 минут «Бюджет» с @{bob['username']} и anna@example.com")
    card = await uma.shown(t("ru", "wizard.summary.heading"))
    text = full_text(card)
    assert t("ru", "wizard.summary.time", start="15:00", end="15:45") in text
    assert "Бюджет" in text and "anna@example.com" in text
    assert t("ru", "wizard.create") in labels(card)
    assert "Бюджет" not in calendar_text(world, creds, calendar)  # nothing before Create

    await uma.click(card, t("ru", "wizard.create"))
    await uma.shown(t("ru", "wizard.created"))
    written = calendar_text(world, creds, calendar)
    assert "Бюджет" in written and "bob@example.test" in written.lower()
    assert f"DTSTART:{TOMORROW.strftime('%Y%m%d')}T120000Z" in written  # 15:00 in Moscow
    assert len(await uma.bot_posts()) - before <= 2  # the card, and at most a confirmation


async def test_an_english_sentence_with_a_place(fixed_world: World) -> None:
    world = fixed_world
    uma, creds, _ = await world.person("uma", locale="en")
    bob = world.emulator.create_user("bob_place", email="bob.place@example.test")
    await world.connect(uma, creds)

    await uma.say(f"fri 2pm 30m Design review with @{bob['username']} at Room 5")
    card = await uma.shown(t("en", "wizard.summary.heading"))
    text = full_text(card)
    friday = TODAY + timedelta(days=(4 - TODAY.weekday()) % 7)
    assert str(friday.day) in text
    assert t("en", "wizard.summary.time", start="14:00", end="14:30") in text
    assert "Design review" in text and "Room 5" in text


async def test_a_bare_hour_is_asked_about_never_guessed(fixed_world: World) -> None:
    world = fixed_world
    uma, creds, _ = await world.person("uma", locale="ru")
    await world.connect(uma, creds)

    await uma.say("завтра в 3 «Планёрка»")
    card = await uma.shown(t("ru", "wizard.time.prompt"))
    assert "03:00" in full_text(card) and "15:00" in full_text(card)  # both readings named
    await uma.say("15:00")
    card = await uma.shown(t("ru", "wizard.duration.prompt"))  # the length was not said
    await uma.say("30")
    card = await uma.shown(t("ru", "wizard.summary.heading"))
    assert t("ru", "wizard.summary.time", start="15:00", end="15:30") in full_text(card)
    assert "Планёрка" in full_text(card)


async def test_an_unknown_name_is_asked_about(fixed_world: World) -> None:
    world = fixed_world
    uma, creds, _ = await world.person("uma", locale="en")
    await world.connect(uma, creds)

    await uma.say("tomorrow 10am 30m Sync with @nobody_by_that_name")
    card = await uma.shown(t("en", "wizard.attendees.prompt"))
    assert "nobody_by_that_name" in full_text(card)
    await uma.click(card, t("en", "wizard.attendees.nobody"))
    card = await uma.shown(t("en", "wizard.summary.heading"))
    assert t("en", "wizard.summary.time", start="10:00", end="10:30") in full_text(card)


async def test_a_repeat_fills_the_card_and_chatter_is_no_meeting(fixed_world: World) -> None:
    world = fixed_world
    uma, creds, _ = await world.person("uma", locale="ru")
    await world.connect(uma, creds)

    await uma.say("спасибо!")
    await uma.next_bot_post(t("ru", "unknown.text"))

    await uma.say("каждый понедельник в 10 на 30 минут «Стендап»")
    card = await uma.shown(t("ru", "wizard.summary.heading"))
    assert "Стендап" in full_text(card)
    # The repeat is on the card (no "not supported" note): tests/e2e/test_wizard_extras.py
    weekly = t("ru", "rrule.on_days", rule=t("ru", "rrule.weekly"), days=t("ru", "date.weekday.0"))
    assert t("ru", "wizard.summary.repeat", value=weekly) in full_text(card)
