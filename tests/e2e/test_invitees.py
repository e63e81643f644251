"""Telling Mattermost invitees (issue #17 item 6), end to end in ru and en: a meeting created
with @username attendees is told to each of them in a DM, once, in their own language and
zone; a connected invitee answers from the DM into their own calendar copy once their server
has delivered it ("not yet" before), and their poll does not tell the invitation again; one
who has not connected gets the meeting and the way to connect, no answer buttons.

Radicale delivers nothing between accounts (no RFC 6638 scheduling), so the test delivers the
invitation itself: the organizer's stored event PUT into the invitee's calendar, as a
scheduling server (or the invitee's mail client, from the e-mail) would."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from calendar_bot.domain.notices import Invited
from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from calendar_bot.storage.tables import outbox
from calendar_bot.views.formatting import md_inline
from calendar_bot.views.notifications import describe_rrule
from tests.e2e.harness import (
    Person,
    Post,
    World,
    full_text,
    sync_and_deliver,
    wait_baseline,
)
from tests.e2e.journeys import LOCALES, TOMORROW, calendar_text, ephemeral, fixed_world, labels

__all__ = ["fixed_world"]

OTHER = {"ru": "en", "en": "ru"}
SENTENCE = {
    "ru": "завтра в 15 на 45 минут «Бюджет» с @{bob} и @{carol} в переговорке Нева",
    "en": "tomorrow 3pm 45m Budget with @{bob} and @{carol} at Room Neva",
}
PLACE = {"ru": "переговорке Нева", "en": "Room Neva"}
TITLE = {"ru": "Бюджет", "en": "Budget"}


async def invitation_rows(world: World) -> list[str]:
    async with transaction(world.bot.sessions) as store:
        result = await store.session.execute(
            select(outbox.c.mm_user_id).where(outbox.c.kind == Invited.kind)
        )
        return sorted(str(r[0]) for r in result)


async def posts_about(person: Person, title: str) -> list[Post]:
    return [p for p in await person.bot_posts() if title in full_text(p)]


@pytest.mark.parametrize("locale", LOCALES)
async def test_invitees_are_told_once_and_answer_into_their_own_calendar(
    fixed_world: World, locale: str
) -> None:
    world = fixed_world
    uma, uma_creds, uma_cal = await world.person("uma", locale=locale)
    # Bob lives two hours east of Moscow; Carol speaks the other language and never connected.
    bob, bob_creds, bob_cal = await world.person(
        "bob", locale=locale, timezone="Asia/Yekaterinburg"
    )
    carol, _, _ = await world.person("carol", locale=OTHER[locale])
    await world.connect(uma, uma_creds)
    await world.connect(bob, bob_creds)
    await wait_baseline(world, bob)

    names = {"bob": bob.user["username"], "carol": carol.user["username"]}
    await uma.say(SENTENCE[locale].format(**names))
    card = await uma.shown(t(locale, "wizard.summary.heading"))
    await uma.click(card, t(locale, "wizard.create"))
    created = full_text(await uma.shown(t(locale, "wizard.created")))
    people = ", ".join(md_inline(f"@{name}") for name in names.values())  # never mentioned
    assert t(locale, "wizard.created.told", people=people) in created

    # Bob: the meeting in his zone (15:00 Moscow is 17:00 in Yekaterinburg), with answers.
    invite = await bob.next_bot_post(TITLE[locale])
    text = full_text(invite)
    assert "17:00–17:45" in text and PLACE[locale] in text
    assert uma.user["username"] in text
    assert labels(invite) == [
        t(locale, "rsvp.accept"),
        t(locale, "rsvp.tentative"),
        t(locale, "rsvp.decline"),
    ]
    # Carol: in her language and Moscow time, no answers, the way to connect.
    other = OTHER[locale]
    carols = await carol.next_bot_post(TITLE[locale])
    assert "15:00–15:45" in full_text(carols)
    assert t(other, "notify.invited_connect") in full_text(carols)
    assert labels(carols) == [t(other, "greeting.connect")]

    # Before Bob's server has the invitation: told so, nothing written, the buttons stay.
    await bob.click(invite, t(locale, "rsvp.accept"))
    await ephemeral(bob, t(locale, "invite.not_yet"))
    assert TITLE[locale] not in calendar_text(world, bob_creds, bob_cal)
    assert labels(await bob.call("GET", f"/posts/{invite['id']}")) == labels(invite)

    # Delivered (what a scheduling server does): the organizer's event, in Bob's calendar.
    delivered = calendar_text(world, uma_creds, uma_cal)
    world.radicale.put_ics(bob_creds, bob_cal, delivered, "budget")
    await bob.click(invite, t(locale, "rsvp.accept"))
    accepted = t(locale, "rsvp.done.accepted", title="", when="").partition("**")[0]
    answered = await bob.shown(accepted)
    assert answered["id"] == invite["id"]  # the DM itself, updated in place
    mine = calendar_text(world, bob_creds, bob_cal)
    bob_email = bob_creds.username.lower()
    assert "PARTSTAT=ACCEPTED" in _attendee_line(mine, bob_email)
    assert "PARTSTAT=NEEDS-ACTION" in _attendee_line(
        calendar_text(world, uma_creds, uma_cal), bob_email
    )

    # Exactly once: Bob's polls find the delivered copy without telling it again.
    await sync_and_deliver(world, bob)
    await sync_and_deliver(world, bob)
    assert len(await posts_about(bob, TITLE[locale])) == 1
    assert len(await posts_about(carol, TITLE[locale])) == 1
    assert await invitation_rows(world) == sorted([bob.id, carol.id])
    assert TOMORROW.strftime("%Y%m%d") in mine


def _attendee_line(ics: str, email: str) -> str:
    """The ATTENDEE line naming `email` (unfolded text)."""
    lines = [
        line for line in ics.splitlines() if line.startswith("ATTENDEE") and email in line.lower()
    ]
    assert len(lines) == 1, lines
    return lines[0]


SERIES = {
    "ru": "каждый вторник в 10 на 30 минут «Синк» с @{bob}",
    "en": "every tuesday 10am 30m Sync with @{bob}",
}
SERIES_TITLE = {"ru": "Синк", "en": "Sync"}


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_invitation_to_a_series_is_answered_for_the_whole_series(
    fixed_world: World, locale: str
) -> None:
    world = fixed_world
    uma, uma_creds, uma_cal = await world.person("uma", locale=locale)
    bob, bob_creds, bob_cal = await world.person("bob", locale=locale)
    await world.connect(uma, uma_creds)
    await world.connect(bob, bob_creds)
    await wait_baseline(world, bob)

    await uma.say(SERIES[locale].format(bob=bob.user["username"]))
    card = await uma.shown(t(locale, "wizard.summary.heading"))
    await uma.click(card, t(locale, "wizard.create"))
    await uma.shown(t(locale, "wizard.created"))

    invite = await bob.next_bot_post(SERIES_TITLE[locale])
    text = full_text(invite)
    who = md_inline(f"@{uma.user['username']}")
    assert t(locale, "notify.invited_series", who=who, title=SERIES_TITLE[locale]) in text
    rule = describe_rrule("FREQ=WEEKLY;BYDAY=TU", locale)
    assert t(locale, "notify.series_rule", rule=rule) in text

    world.radicale.put_ics(bob_creds, bob_cal, calendar_text(world, uma_creds, uma_cal), "sync")
    await bob.click(invite, t(locale, "rsvp.decline"))
    await bob.shown(t(locale, "rsvp.done.declined", title="", when="").partition("**")[0])
    mine = calendar_text(world, bob_creds, bob_cal)
    assert "RRULE:FREQ=WEEKLY;BYDAY=TU" in mine
    assert "RECURRENCE-ID" not in mine  # the series answered as a whole, no override
    assert "PARTSTAT=DECLINED" in _attendee_line(mine, bob_creds.username.lower())
