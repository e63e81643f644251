"""One meeting's details from a list's menu: when, organizer, attendees, a cleaned
description, location, Join for a video link, my RSVP, and Accept / Maybe / Decline written
to the CalDAV server."""

from __future__ import annotations

import pytest

from calendar_bot.i18n import t
from tests.e2e.harness import World, eventually, full_text
from tests.e2e.journeys import (
    TOMORROW,
    at,
    calendar_text,
    event_ics,
    fixed_world,
    labels,
    open_option,
    refetch,
)

__all__ = ["fixed_world"]

ZOOM = "https://us02web.zoom.us/j/85551234567?pwd=abc"
BOSS = "boss@example.test"


@pytest.mark.parametrize(
    ("locale", "answer", "partstat"),
    [
        ("ru", "rsvp.accept", "ACCEPTED"),
        ("en", "rsvp.accept", "ACCEPTED"),
        ("en", "rsvp.decline", "DECLINED"),
        ("ru", "rsvp.tentative", "TENTATIVE"),
    ],
)
async def test_details_join_and_rsvp(
    fixed_world: World, locale: str, answer: str, partstat: str
) -> None:
    world = fixed_world
    olga, creds, calendar = await world.person("olga", locale=locale)
    me = creds.username
    world.radicale.put_ics(
        creds,
        calendar,
        event_ics(
            "Design review",
            at(TOMORROW, 10),
            at(TOMORROW, 11),
            uid="design-review-1",
            organizer=BOSS,
            attendees=((me, "NEEDS-ACTION"), ("pavel@example.test", "ACCEPTED")),
            description="Agenda:\\n<b>Mockups</b>&nbsp;and\\, then\\; <br>questions",
            location=ZOOM,
        ),
        name="design-review-1",
    )
    await world.connect(olga, creds)
    await olga.say("tomorrow")
    listing = await olga.next_bot_post(t(locale, "table.time"))
    assert t(locale, "status.needs_action") in full_text(listing)
    await open_option(olga, listing, "Design review")

    details = await olga.next_bot_post(t(locale, "details.title", title="Design review"))
    text = full_text(details)
    assert "10:00–11:00" in text
    assert t(locale, "details.organizer", name=f"Boss ({BOSS})") in text
    assert t(locale, "details.attendees", count=2) in text
    assert f"pavel@example.test — {t(locale, 'status.accepted')}" in text
    assert "Mockups" in text and "questions" in text
    for escape in ("<b>", "&nbsp;", "\\,", "\\;", "\\n", "<br>"):
        assert escape not in text, escape
    assert "and, then;" in text
    assert t(locale, "details.location", location=f"`{ZOOM}`") in text  # a link, as text
    assert f"[{t(locale, 'details.join')}]({ZOOM})" in text  # the Join link button
    assert t(locale, "details.my_status", status=t(locale, "status.needs_action")) in text
    assert labels(details) == [
        t(locale, "rsvp.accept"),
        t(locale, "rsvp.tentative"),
        t(locale, "rsvp.decline"),
    ]

    await olga.click(details, t(locale, answer))
    updated = await refetch(olga, details)
    done_key = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "tentative"}[partstat]
    assert updated["message"].startswith(
        t(locale, f"rsvp.done.{done_key}", title="X", when="Y")[:6]
    )
    assert "Design review" in updated["message"]
    assert not labels(updated)  # answered: the buttons are gone

    def server_partstat() -> str | None:
        ics = calendar_text(world, creds, calendar)
        for line in ics.splitlines():
            if line.startswith("ATTENDEE") and me in line:
                return line.split("PARTSTAT=")[1].split(";")[0].split(":")[0]
        return None

    assert server_partstat() == partstat
    ics = calendar_text(world, creds, calendar)
    assert "PARTSTAT=ACCEPTED" in ics.split("pavel@example.test")[0].rsplit("ATTENDEE", 1)[1]

    # The list shows the new answer at once.
    await olga.say("tomorrow")
    again = await olga.next_bot_post(t(locale, "table.time"))
    assert t(locale, f"status.{done_key}") in full_text(again)


async def test_my_own_meeting_has_no_rsvp_buttons(fixed_world: World) -> None:
    world = fixed_world
    petr, creds, calendar = await world.person("petr", locale="en")
    world.radicale.put_ics(
        creds,
        calendar,
        event_ics(
            "My sync",
            at(TOMORROW, 15),
            at(TOMORROW, 16),
            organizer=creds.username,
            attendees=((creds.username, "ACCEPTED"), ("zoe@example.test", "NEEDS-ACTION")),
            location="Room 4",
        ),
    )
    await world.connect(petr, creds)
    await petr.say("tomorrow")
    listing = await petr.next_bot_post(t("en", "table.time"))
    await open_option(petr, listing, "My sync")
    details = await petr.next_bot_post(t("en", "details.title", title="My sync"))
    text = full_text(details)
    assert t("en", "details.organizer_me") in text
    assert t("en", "details.location", location="Room 4") in text
    # no answers to give to my own meeting: the ways to change it instead (issue #17, item 3)
    assert labels(details) == [
        t("en", "edit.move"),
        t("en", "edit.rename"),
        t("en", "edit.duration"),
        t("en", "edit.cancel"),
    ]
    assert t("en", "details.join") not in text


async def test_a_meeting_gone_from_the_server(fixed_world: World) -> None:
    world = fixed_world
    rita, creds, calendar = await world.person("rita", locale="en")
    url = world.radicale.put_ics(
        creds, calendar, event_ics("Ephemeral", at(TOMORROW, 9), at(TOMORROW, 10))
    )
    await world.connect(rita, creds)
    await rita.say("tomorrow")
    listing = await rita.next_bot_post(t("en", "table.time"))
    world.radicale.delete(creds, url)
    # Another list refreshes the snapshot; the old menu's option now points at nothing.
    await rita.say("tomorrow")
    await rita.next_bot_post(t("en", "list.empty_tomorrow"))
    await open_option(rita, listing, "Ephemeral")
    await eventually(
        lambda: any(t("en", "meeting.error.gone") in e["message"] for e in rita.ephemerals),
        what="the 'gone' answer",
    )


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_meeting_moved_since_the_list_opens_at_its_new_time(
    fixed_world: World, locale: str
) -> None:
    world = fixed_world
    sam, creds, calendar = await world.person(f"sam{locale}", locale=locale)
    ics = event_ics("Budget", at(TOMORROW, 9), at(TOMORROW, 10), uid="budget-1")
    world.radicale.put_ics(creds, calendar, ics, name="budget-1")
    await world.connect(sam, creds)
    await sam.say("tomorrow" if locale == "en" else "завтра")
    listing = await sam.next_bot_post(t(locale, "table.time"))
    moved = event_ics("Budget", at(TOMORROW, 15), at(TOMORROW, 16), uid="budget-1")
    world.radicale.put_ics(creds, calendar, moved, name="budget-1")
    await open_option(sam, listing, "Budget")
    details = await sam.next_bot_post(t(locale, "details.title", title="Budget"))
    assert "15:00–16:00" in full_text(details)
    assert not any(t(locale, "meeting.error.gone") in e["message"] for e in sam.ephemerals)
