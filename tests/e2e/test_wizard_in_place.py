"""Issue #16, "one post per task": the wizard is one card, edited in place from the first
question to the result. A click answers with the action response's update; a typed answer
(title, date, time, duration, attendees, an error) edits the same post through the REST API.
A created meeting leaves at most two bot posts in the DM; the card shows what was answered
so far on top, and never offers picks it has no buttons for."""

from __future__ import annotations

import pytest

from calendar_bot.i18n import t
from calendar_bot.views.formatting import format_date, format_duration
from tests.e2e.harness import Person, Post, World, full_text
from tests.e2e.journeys import LOCALES, TODAY, TOMORROW, at, fixed_world, labels, rows_mentioning
from tests.e2e.test_wizard_flow import error_line, expected, the_event

__all__ = ["fixed_world"]

MAX_POSTS_PER_MEETING = 2  # the card, and at most a separate "created"


async def card_state_post_id(world: World, person: Person) -> str:
    """The wizard card's post id as the conversation state in the database keeps it."""
    rows = [
        r for name, r in await rows_mentioning(world, person.id) if name == "conversation_state"
    ]
    assert len(rows) == 1, rows
    return str(rows[0]["message_id"])


def never_offers_missing_picks(card: Post, locale: str) -> None:
    """ "Or pick one" only over buttons to pick from (Cancel is not a pick)."""
    picks = [name for name in labels(card) if name != t(locale, "common.cancel")]
    text = full_text(card)
    for key in ("wizard.or_pick", "wizard.time.free"):
        if t(locale, key) in text:
            assert picks, (key, text)
    assert "или выберите:" not in text.lower().replace(t("ru", "wizard.or_pick").lower(), "")


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_created_meeting_is_at_most_two_posts(fixed_world: World, locale: str) -> None:
    world = fixed_world
    olga, creds, calendar = await world.person("olga", locale=locale)
    world.emulator.create_user("pavel_card", email="pavel@example.test")
    await world.connect(olga, creds)
    before = len(await olga.bot_posts())

    await olga.say("создать" if locale == "ru" else "new")
    card = await olga.next_bot_post(t(locale, "wizard.title.prompt"))
    card_id = card["id"]
    assert await card_state_post_id(world, olga) == card_id
    seen_edits = [card.get("edit_at", 0)]

    async def typed(text: str, step: str) -> Post:
        await olga.say(text)
        shown = await olga.shown(expected(locale, step))
        assert shown["id"] == card_id, (text, "a typed answer edits the card, not a new post")
        assert shown["edit_at"] > seen_edits[-1], "the card was edited through the REST API"
        seen_edits.append(shown["edit_at"])
        never_offers_missing_picks(shown, locale)
        return shown

    async def clicked(current: Post, label: str, step: str) -> Post:
        await olga.click(current, label)  # the server applies the action response's update
        shown = await olga.shown(expected(locale, step))
        assert shown["id"] == card_id
        never_offers_missing_picks(shown, locale)
        return shown

    card = await typed("Design sync", "date")
    title_line = t(locale, "wizard.answered.title", value="Design sync")
    text = full_text(card)
    # The answered steps as a compact summary on top, above the question.
    assert text.index(title_line) < text.index(t(locale, "wizard.date.prompt"))
    tomorrow = format_date(TOMORROW, locale, today=TODAY)
    card = await typed("завтра" if locale == "ru" else "tomorrow", "time")
    assert t(locale, "wizard.answered.date", value=tomorrow) in full_text(card)
    # A wrong answer: the error on the same card, the step kept.
    card = await typed("25:00", "time")
    assert error_line(locale, "time.range") in full_text(card)
    card = await typed("10:00", "duration")
    assert error_line(locale, "time.range") not in full_text(card)
    assert t(locale, "wizard.answered.date", value=f"{tomorrow}, 10:00") in full_text(card)
    card = await clicked(card, format_duration(45, locale), "attendees")
    assert t(locale, "wizard.answered.date", value=f"{tomorrow}, 10:00–10:45") in full_text(card)
    card = await typed("@pavel_card", "description")
    # Markdown-escaped, as every name the person typed.
    assert t(locale, "wizard.answered.attendees", value="pavel\\_card") in full_text(card)
    card = await typed("Agenda: the new design", "location")
    card = await clicked(card, t(locale, "common.skip"), "confirm")
    assert labels(card) == [
        t(locale, "wizard.create"),
        t(locale, "wizard.edit"),
        t(locale, "wizard.find"),  # @pavel_card is invited
        t(locale, "common.cancel"),
    ]
    card = await clicked(card, t(locale, "wizard.create"), "created")
    assert not labels(card)
    assert "Design sync" in full_text(card)

    after = await olga.bot_posts()
    added = after[before:]
    assert 1 <= len(added) <= MAX_POSTS_PER_MEETING, [full_text(p)[:60] for p in added]
    assert added[0]["id"] == card_id
    event = the_event(world, creds, calendar, "Design sync")
    assert event.decoded("DTSTART") == at(TOMORROW, 10)
    assert not [r for r in await rows_mentioning(world, olga.id) if r[0] == "conversation_state"]


@pytest.mark.parametrize("locale", LOCALES)
async def test_cancel_and_a_restart_keep_to_one_card_each(fixed_world: World, locale: str) -> None:
    world = fixed_world
    rita, creds, _ = await world.person("rita", locale=locale)
    await world.connect(rita, creds)
    before = len(await rita.bot_posts())
    await rita.say("создать" if locale == "ru" else "new")
    first = await rita.next_bot_post(t(locale, "wizard.title.prompt"))
    await rita.say("First")
    await rita.shown(t(locale, "wizard.date.prompt"))
    # A second wizard: a new card; the first keeps its text and loses its buttons.
    await rita.say("создать" if locale == "ru" else "new")
    second = await rita.next_bot_post(t(locale, "wizard.title.prompt"))
    assert second["id"] != first["id"]
    old = await rita.call("GET", f"/posts/{first['id']}")
    assert t(locale, "wizard.date.prompt") in full_text(old) and not labels(old)
    assert await card_state_post_id(world, rita) == second["id"]
    await rita.say("отмена" if locale == "ru" else "cancel")
    cancelled = await rita.shown(t(locale, "wizard.cancelled"))
    assert cancelled["id"] == second["id"] and not labels(cancelled)
    assert len(await rita.bot_posts()) - before == 2  # one card per wizard, nothing else
