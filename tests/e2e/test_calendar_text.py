"""Text from a calendar is shown as written: whoever can invite you writes the title,
location and description, so none of it may format the bot's post, load an image when the
post is viewed, hide a link's target, mention anyone, or become the "Join" button."""

from __future__ import annotations

import re

from calendar_bot.i18n import t
from tests.e2e.harness import World, buttons, sync_and_deliver, wait_baseline
from tests.e2e.journeys import TOMORROW, at, event_ics, fixed_world, open_option

__all__ = ["fixed_world"]

PIXEL = "https://tracker.example.test/p.png"
DOC = "https://docs.example.test/agenda"
HOSTILE_DESCRIPTION = "\\n".join(
    [
        "# Urgent",
        f"![pixel]({PIXEL})",
        "[Open the agenda](https://phish.example.test/login)",
        "```",
        "@all please read",
        "```",
        f"Agenda: {DOC}",
    ]
)


async def test_calendar_text_cannot_format_mention_or_make_a_join_button(
    fixed_world: World,
) -> None:
    world = fixed_world
    nina, creds, calendar = await world.person("nina", locale="en")
    await world.connect(nina, creds)
    await wait_baseline(world, nina)
    world.radicale.put_ics(
        creds,
        calendar,
        event_ics(
            "Planning @channel **now**",
            at(TOMORROW, 10),
            at(TOMORROW, 11),
            uid="hostile-1",
            description=HOSTILE_DESCRIPTION,
            location="@here Room <b>5</b>",
        ),
        name="hostile-1",
    )
    await sync_and_deliver(world, nina)
    notice = await nina.next_bot_post("Planning")
    await nina.say("tomorrow")
    listing = await nina.next_bot_post(t("en", "table.time"))
    await open_option(nina, listing, "Planning")
    details = await nina.next_bot_post(t("en", "details.description"))

    for post in (notice, listing, details):
        text = post["message"]
        for mention in ("@channel", "@here", "@all"):
            assert mention not in text, (mention, text)
        assert "**now**" not in text
    text = details["message"]
    assert "@\u200ball please read" in text  # still there, mentioning nobody
    # no image, no link hiding its target: every bracket is escaped
    assert not re.search(r"(?<!\\)!\[|(?<!\\)\]\(", text)
    assert f"`{PIXEL}`" in text and f"`{DOC}`" in text  # the links stay visible, as text
    assert "\n> \\# Urgent" in text and "\n> ```" not in text
    # A plain link in the description is not the meeting's video call.
    assert t("en", "details.join") not in [b.get("name") for b in buttons(details)]
