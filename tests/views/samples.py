"""Realistic meetings for the view tests: Cyrillic titles, all-day, multi-day, a meeting
crossing midnight in Moscow, one with a Join link and attendees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from calendar_bot.domain.model import Attendee, EventStatus, Occurrence, PartStat

MSK = ZoneInfo("Europe/Moscow")
# Friday 27 November 2026, 09:30 in Moscow.
NOW = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)
TODAY = NOW.astimezone(MSK).date()
CAL = "/calendars/anna/work/"

ORGANIZER = Attendee("ivan.petrov@mail.ru", "Иван Петров", PartStat.ACCEPTED, "CHAIR")
ME = "anna@mail.ru"


def msk(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


def occurrence(uid: str, title: str, start: datetime, end: datetime, **extra: object) -> Occurrence:
    return Occurrence(
        calendar_href=CAL,
        uid=uid,
        recurrence_id="",
        title=title,
        start=start,
        end=end,
        **extra,  # type: ignore[arg-type]
    )


def standup() -> Occurrence:
    """A recurring meeting organized by someone else, with a Join link and attendees."""
    return occurrence(
        "standup",
        "Планёрка | команда «Календарь»",
        msk(27, 10),
        msk(27, 10, 30),
        organizer=ORGANIZER,
        attendees=(
            ORGANIZER,
            Attendee(ME, "Анна Смирнова", PartStat.NEEDS_ACTION),
            Attendee("oleg@example.com", "", PartStat.TENTATIVE),
            Attendee("maria@example.com", "Мария", PartStat.DECLINED),
        ),
        my_partstat=PartStat.NEEDS_ACTION,
        location="Переговорка «Луна», 3 этаж",
        description="Повестка:\n1. Итоги недели\n2. Планы",
        join_url="https://telemost.yandex.ru/j/12345",
        recurring=True,
    )


def my_review() -> Occurrence:
    return occurrence(
        "review",
        "Ревью дизайна",
        msk(27, 14),
        msk(27, 15, 30),
        organizer=Attendee(ME, "Анна Смирнова", PartStat.ACCEPTED),
        i_am_organizer=True,
        attendees=(Attendee("oleg@example.com", "Олег", PartStat.ACCEPTED),),
    )


def late_release() -> Occurrence:
    """Crosses midnight in Moscow: Friday 23:30 to Saturday 00:30."""
    return occurrence(
        "release", "Релиз", msk(27, 23, 30), msk(28, 0, 30), my_partstat=PartStat.ACCEPTED
    )


def holiday() -> Occurrence:
    """All-day, one day (dates at midnight UTC, end exclusive)."""
    return occurrence(
        "holiday",
        "День рождения Олега",
        datetime(2026, 11, 27, tzinfo=UTC),
        datetime(2026, 11, 28, tzinfo=UTC),
        all_day=True,
    )


def conference() -> Occurrence:
    """All-day over three days: 26, 27, 28 November."""
    return occurrence(
        "conf",
        "Конференция HighLoad++",
        datetime(2026, 11, 26, tzinfo=UTC),
        datetime(2026, 11, 29, tzinfo=UTC),
        all_day=True,
        location="Сколково",
    )


def cancelled_sync() -> Occurrence:
    return occurrence(
        "cancelled", "Отменённый синк", msk(27, 16), msk(27, 17), status=EventStatus.CANCELLED
    )


def monday_meeting() -> Occurrence:
    return occurrence("monday", "Планирование спринта", msk(30, 11), msk(30, 12))


def all_samples() -> list[Occurrence]:
    return [
        standup(),
        my_review(),
        late_release(),
        holiday(),
        conference(),
        cancelled_sync(),
        monday_meeting(),
    ]


def later(occurrence_: Occurrence, minutes: int) -> Occurrence:
    from dataclasses import replace

    shift = timedelta(minutes=minutes)
    return replace(occurrence_, start=occurrence_.start + shift, end=occurrence_.end + shift)
