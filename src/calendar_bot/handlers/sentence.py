"""One-sentence create (issue #17 item 2): `завтра в 15 на 45 минут «Бюджет» с @ivanov`,
`fri 2pm 30m Design review with @bob at Room 5`. What the sentence says fills the wizard's
draft; what it leaves out or open is asked; the summary card's Create writes it. Nothing is
written before Create."""

from __future__ import annotations

from calendar_bot.domain.sentence import SentenceParse, parse_sentence
from calendar_bot.handlers import wizard as wizard_handlers
from calendar_bot.handlers.base import BotServices, Turn
from calendar_bot.records import StoredUser
from calendar_bot.views import wizard as views


def reads_as_meeting(parse: SentenceParse) -> bool:
    """A when (date, time or length) and a what (a title or someone to meet): a line with
    only one of them is more likely a slip than a meeting."""
    draft = parse.draft
    return parse.understood and bool(draft.title or draft.usernames or draft.emails)


async def create(bot: BotServices, turn: Turn[StoredUser], text: str) -> bool:
    """The sentence's card, if the line reads as a meeting; False otherwise."""
    parse = parse_sentence(text, now=bot.now(), zone=bot.zone_of(turn.person))
    if not reads_as_meeting(parse):
        return False
    note = views.sentence_note(parse, turn.locale, video_available=bot.wizard.video_available)
    if note is not None:
        await bot.say(turn.user_id, note)
    progress = await bot.wizard.begin_from_sentence(turn.user, turn.person, parse)
    await wizard_handlers.start_with(bot, turn, progress)
    return True
