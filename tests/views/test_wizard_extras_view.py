"""The wizard card's repeat line, calendar, video and find-a-time buttons (issue #17)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.domain.model import CalendarRef
from calendar_bot.domain.recurrence import Frequency, Recurrence
from calendar_bot.domain.slots import Slot
from calendar_bot.domain.wizard import Prompt, Step, WizardState
from calendar_bot.i18n import t
from calendar_bot.views.wizard import describe_recurrence, wizard_edit_picker, wizard_step

TZ = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 30, 7, 20, tzinfo=UTC)
STATE = WizardState(
    step=Step.CONFIRM,
    started_at=NOW,
    title="Sync",
    date=date(2026, 12, 1),
    time=time(10),
    duration=30,
    attendees=(("bob@example.test", "Bob"),),
)


def labels(message: object) -> list[str]:
    return [b.label for block in message.blocks for b in block.buttons]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("rule", "ru", "en"),
    [
        (Recurrence(Frequency.DAILY), "каждый день", "every day"),
        (
            Recurrence(Frequency.WEEKLY, weekdays=(0, 1, 2, 3, 4)),
            "по будням (пн–пт)",
            "every weekday (Mon–Fri)",
        ),
        (
            Recurrence(Frequency.WEEKLY, weekdays=(0, 2), until=date(2027, 3, 1)),
            "каждую неделю: пн, ср, до ",
            "every week on Mon, Wed, until ",
        ),
        (
            Recurrence(Frequency.WEEKLY, interval=2, count=10),
            "раз в 2 недели, 10 раз",
            "every 2 weeks, 10 times",
        ),
    ],
)
def test_a_rule_in_words(rule: Recurrence, ru: str, en: str) -> None:
    assert describe_recurrence(rule, "ru").startswith(ru)
    assert describe_recurrence(rule, "en").startswith(en)


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_the_summary_shows_repeat_calendar_video_and_offers_find(locale: str) -> None:
    state = WizardState(
        **{
            **{f: getattr(STATE, f) for f in STATE.__dataclass_fields__},
            "recurrence": Recurrence(Frequency.DAILY),
        }
    )
    card = wizard_step(
        state,
        Prompt(Step.CONFIRM),
        locale,
        TZ,
        NOW,
        calendar=CalendarRef("/c/home/", "Home"),
        video=True,
    )
    assert t(locale, "wizard.summary.repeat", value=t(locale, "rrule.daily")) in card.text
    assert t(locale, "wizard.summary.calendar", value="Home") in card.text
    assert labels(card) == [
        t(locale, "wizard.create"),
        t(locale, "wizard.edit"),
        t(locale, "wizard.video.add"),
        t(locale, "wizard.find"),
        t(locale, "common.cancel"),
    ]


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_the_find_question_lists_the_slots_as_picks(locale: str) -> None:
    free = Slot(datetime(2026, 12, 1, 11, tzinfo=UTC), datetime(2026, 12, 1, 11, 30, tzinfo=UTC))
    busy = Slot(free.start.replace(hour=12), free.end.replace(hour=12), ("@bob",))
    card = wizard_step(STATE, Prompt(Step.FIND), locale, TZ, NOW, slots=(free, busy))
    names = labels(card)
    assert names[0].endswith("14:00–14:30") and names[1].endswith("15:00–15:30 ⚠️")
    assert t(locale, "wizard.find.busy_marked") in card.text


def test_the_edit_picker_offers_the_calendar_only_with_a_choice() -> None:
    assert t("en", "wizard.field.calendar") not in labels(wizard_edit_picker("en", calendars=1))
    assert t("en", "wizard.field.calendar") in labels(wizard_edit_picker("en", calendars=2))
    assert t("en", "wizard.field.repeat") in labels(wizard_edit_picker("en"))
