"""Every view renders in both locales with realistic meetings, and says the right things."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.domain import wizard as wizard_domain
from calendar_bot.domain.changes import Change, ChangeKind
from calendar_bot.domain.model import Attendee, CalendarRef, NewEvent, PartStat, UserSettings
from calendar_bot.domain.notices import change_notice
from calendar_bot.domain.wizard import Prompt as WizardPrompt
from calendar_bot.domain.wizard import Step, WizardError, WizardState, time_picks
from calendar_bot.i18n import t
from calendar_bot.views import (
    actions,
    common,
    meetings,
    notices,
    notifications,
    onboarding,
    settings,
    wizard,
)
from calendar_bot.views.dialog import Dialog
from calendar_bot.views.formatting import format_time
from calendar_bot.views.message import OutMessage
from calendar_bot.views.refs import calendar_ref, occurrence_ref
from tests.views.samples import (
    CAL,
    MSK,
    NOW,
    TODAY,
    all_samples,
    cancelled_sync,
    conference,
    holiday,
    late_release,
    later,
    monday_meeting,
    msk,
    my_review,
    standup,
)

LOCALES = ("ru", "en")
_UNFILLED = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def _strings(item: OutMessage | Dialog) -> Iterable[str]:
    if isinstance(item, Dialog):
        yield from (item.title, item.submit_label, item.introduction_text)
        for element in item.elements:
            yield from (element.label, element.help_text, element.placeholder, element.default)
            yield from (o.text for o in element.options)
        return
    yield item.text
    for block in item.blocks:
        yield from (block.text, block.title)
        for button in block.buttons:
            yield button.label
            yield from button.payload.values()
        for menu in block.menus:
            yield menu.placeholder
            yield from (o.text for o in menu.options)
            yield from (o.value for o in menu.options)


def _check(item: OutMessage | Dialog) -> None:
    """Nothing unfilled, nothing empty, payloads small."""
    for text in _strings(item):
        assert not _UNFILLED.search(text), text
    if isinstance(item, OutMessage):
        assert item.text.strip()
        for block in item.blocks:
            for button in block.buttons:
                assert button.label.strip() and button.action
                assert all(len(v) <= 64 for v in button.payload.values()), button.payload


def _all_views(locale: str) -> list[OutMessage | Dialog]:
    samples = all_samples()
    settings_ = UserSettings()
    calendars = [CalendarRef(CAL, "Работа"), CalendarRef("/cal/h/", "Праздники", writable=False)]
    made: list[OutMessage | Dialog] = [
        onboarding.greeting(locale),
        onboarding.greeting(locale, "Анна"),
        onboarding.connect_dialog(locale, "anna@mail.ru", "https://calendar.mail.ru"),
        onboarding.connect_failed("auth", locale),
        onboarding.typed_email_prompt(locale),
        onboarding.typed_password_prompt(
            locale, "anna@mail.ru", "https://calendar.mail.ru", may_delete=False
        ),
        onboarding.dialog_unavailable(locale, may_delete=True),
        onboarding.connect_checking(locale),
        onboarding.password_message_deleted(locale),
        onboarding.password_message_not_deleted(locale),
        onboarding.connect_cancelled(locale),
        onboarding.connected(calendars, locale, "anna@mail.ru"),
        onboarding.connected([], locale),
        onboarding.credentials_rejected(locale, "anna@mail.ru"),
        onboarding.credentials_rejected(locale),
        common.main_menu(locale),
        common.help_view(locale),
        common.help_view(locale, connected=False),
        common.unknown_input(locale),
        common.dm_only(locale, "@calendar_bot"),
        common.button_expired(locale),
        common.generic_error(locale),
        common.not_connected(locale),
        *meetings.day_view(samples, TODAY, locale, MSK, NOW),
        *meetings.day_view(samples, TODAY + timedelta(days=1), locale, MSK, NOW),
        *meetings.day_view(samples, TODAY + timedelta(days=5), locale, MSK, NOW),
        *meetings.day_view([], TODAY, locale, MSK, NOW),
        *meetings.now_and_next_view(samples, locale, MSK, NOW),
        *meetings.now_and_next_view([], locale, MSK, NOW),
        *meetings.week_view(samples, TODAY, locale, MSK, NOW),
        *meetings.week_view([], TODAY, locale, MSK, NOW),
        *meetings.daily_digest(samples, TODAY, locale, MSK, NOW),
        *meetings.daily_digest([], TODAY, locale, MSK, NOW),
        *(meetings.meeting_details(o, locale, MSK, NOW) for o in samples),
        *(meetings.rsvp_done(standup(), p, locale, MSK, NOW) for p in PartStat),
        *(meetings.meeting_error(code, locale) for code in (*meetings.MEETING_ERRORS, "zzz")),
        *(wizard.wizard_prompt(step, locale, MSK, NOW) for step in wizard.STEPS),
        *(
            wizard.wizard_prompt(step, locale, MSK, NOW, error=code, detail=["x"])
            for code in WizardError
            for step in (Step.TITLE, Step.DATE)
        ),
        wizard.wizard_summary(
            locale, MSK, NOW, title="Ревью | v2", start=msk(28, 11), duration_minutes=45
        ),
        wizard.wizard_edit_picker(locale),
        wizard.wizard_cancelled(locale),
        wizard.wizard_created(
            NewEvent("Ревью", msk(28, 11), msk(28, 12), (Attendee("oleg@example.com"),)),
            locale,
            MSK,
            NOW,
        ),
        *(notifications.new_meeting(o, locale, MSK, NOW) for o in samples),
        notifications.new_series(replace(standup(), rrule="FREQ=WEEKLY"), locale, MSK, NOW),
        notifications.invitation(standup(), locale, MSK, NOW),
        notifications.cancelled(standup(), locale, MSK, NOW, series=True),
        notifications.moved(standup(), later(standup(), 60), locale, MSK, NOW),
        notifications.updated(my_review(), replace(my_review(), title="Ревью 2"), locale, MSK, NOW),
        notifications.reminder(standup(), 15, locale, MSK, NOW),
        notifications.reminder(standup(), 0, locale, MSK, NOW, late=True),
        settings.settings_view(settings_, locale, NOW),
        settings.settings_view(
            UserSettings(reminder_leads=(), digest_enabled=False),
            locale,
            NOW,
            saved=True,
        ),
        settings.logout_confirm(locale),
        settings.logged_out(locale),
        settings.logout_cancelled(locale),
        settings.raw_picker(calendars, locale),
        settings.raw_picker([], locale),
        *settings.raw_xml("Работа", "<multistatus/>", locale),
        *settings.raw_xml("Работа", "", locale),
    ]
    return made


@pytest.mark.parametrize("locale", LOCALES)
def test_every_view_renders_fully(locale: str) -> None:
    views = _all_views(locale)
    assert len(views) > 80
    for view in views:
        _check(view)


def test_locales_really_differ() -> None:
    ru = [v.text for v in _all_views("ru") if isinstance(v, OutMessage)]
    en = [v.text for v in _all_views("en") if isinstance(v, OutMessage)]
    assert len(ru) == len(en)
    same = [a for a, b in zip(ru, en, strict=True) if a == b]
    assert all(a.startswith("🧪 RAW CalDAV") for a in same)  # the raw header has no words


# ---- lists -------------------------------------------------------------------------------


def test_today_lists_meetings_in_order_without_cancelled_ones() -> None:
    (message,) = meetings.day_view(all_samples(), TODAY, "ru", MSK, NOW)
    text = message.text
    assert text.startswith("📅 **Сегодня, пт, 27 ноября** · 5 встреч")
    assert cancelled_sync().title not in text
    assert monday_meeting().title not in text
    order = [text.index(t) for t in ("HighLoad", "Олега", "Планёрка", "Ревью", "Релиз")]
    assert order == sorted(order)
    assert "| весь день | День рождения Олега | — |" in text
    assert "| 10:00–10:30 | Планёрка \\| команда «Календарь» 🎥 🔁 | ❓ нет ответа |" in text
    assert "| 14:00–15:30 | Ревью дизайна | 👑 организатор |" in text
    assert "| пт 23:30 – сб 00:30 | Релиз | ✅ принято |" in text
    (menu,) = message.blocks[0].menus
    assert menu.action == actions.OPEN_MEETING
    assert [o.value for o in menu.options][2] == occurrence_ref(standup())
    assert len(menu.options) == 5


def test_tomorrow_shows_the_meeting_that_crossed_midnight() -> None:
    (message,) = meetings.day_view(all_samples(), TODAY + timedelta(days=1), "en", MSK, NOW)
    assert message.text.startswith("🌅 **Tomorrow, Sat, 28 Nov** · 2 meetings")
    assert "| Fri 23:30 – Sat 00:30 | Релиз | ✅ accepted |" in message.text
    assert "Конференция" in message.text


def test_an_empty_day_says_so() -> None:
    (message,) = meetings.day_view([cancelled_sync()], TODAY, "ru", MSK, NOW)
    assert "Сегодня встреч нет" in message.text
    assert message.blocks == ()
    (message,) = meetings.day_view([], TODAY + timedelta(days=1), "en", MSK, NOW)
    assert "No meetings tomorrow" in message.text


def test_the_week_groups_by_day() -> None:
    (message,) = meetings.week_view(all_samples(), TODAY, "ru", MSK, NOW)
    text = message.text
    assert text.startswith("🗓 **Неделя: пт, 27 ноября — чт, 3 декабря** · 6 встреч")
    friday = text.index("**пт, 27 ноября** · сегодня")
    saturday = text.index("**сб, 28 ноября**")
    sunday = text.index("**вс, 29 ноября**")
    monday = text.index("**пн, 30 ноября**")
    assert friday < saturday < sunday < monday
    assert "_свободно_" in text[sunday:monday]
    assert "Планирование спринта" in text[monday:]
    # The midnight-crossing meeting is on both days it touches.
    assert text.count("Релиз") == 2
    (menu,) = message.blocks[0].menus
    assert len(menu.options) == 6  # unique meetings
    assert menu.options[0].text == "весь день · Конференция HighLoad++"
    assert menu.options[1].text == "пт весь день · День рождения Олега"
    assert menu.options[2].text.startswith("пт 10:00 · Планёрка")


def test_now_and_next_splits_current_from_later() -> None:
    during = NOW + timedelta(minutes=40)  # 10:10 Moscow, the stand-up is on
    (message,) = meetings.now_and_next_view(all_samples(), "en", MSK, during)
    text = message.text
    now_part, later_part = text.split("⏭ **Later today**")
    assert "Планёрка" in now_part and "Ревью" not in now_part
    assert "Ревью" in later_part and "Релиз" in later_part and "Планёрка" not in later_part
    assert "Конференция" not in text  # all-day events are not "now"


def test_now_and_next_when_the_day_is_done() -> None:
    evening = msk(27, 23, 59)
    (message,) = meetings.now_and_next_view([standup(), my_review()], "ru", MSK, evening)
    assert "Больше встреч сегодня нет" in message.text


def test_the_digest_is_the_today_table_with_a_greeting() -> None:
    (digest,) = meetings.daily_digest(all_samples(), TODAY, "ru", MSK, NOW)
    (today,) = meetings.day_view(all_samples(), TODAY, "ru", MSK, NOW)
    assert digest.text.startswith("☀️ Доброе утро!")
    table = today.text[today.text.index("| Время") :]
    assert digest.text.endswith(table)
    (empty,) = meetings.daily_digest([], TODAY, "en", MSK, NOW)
    assert "no meetings" in empty.text


def test_the_digest_counts_meetings_already_over_instead_of_listing_them() -> None:
    early = replace(standup(), uid="early", title="Ранняя планёрка", start=msk(27, 8))
    early = replace(early, end=msk(27, 9))
    at_nine = msk(27, 9, 0)  # the early one has just ended; the others are ahead
    (digest,) = meetings.daily_digest([early, standup(), my_review()], TODAY, "ru", MSK, at_nine)
    assert "✔️ 1 встреча сегодня уже прошла" in digest.text
    assert "Ранняя планёрка" not in digest.text
    assert "у вас 2 встречи" in digest.text and "Планёрка" in digest.text
    evening = msk(27, 20)
    (late,) = meetings.daily_digest([early, standup(), my_review()], TODAY, "en", MSK, evening)
    assert "✔️ 3 meetings today are already over" in late.text
    assert "Nothing else today" in late.text and "|" not in late.text


# ---- one meeting -------------------------------------------------------------------------


def test_details_of_an_invitation() -> None:
    message = meetings.meeting_details(standup(), "ru", MSK, NOW)
    text = message.text
    assert "🕒 пт, 27 ноября, 10:00–10:30" in text
    assert "Организатор: Иван Петров (ivan.petrov@mail.ru)" in text
    assert "• Мария (maria@example.com) — ❌ отклонено" in text
    assert "• oleg@example.com — 🤔 возможно" in text
    assert "📍 Переговорка «Луна», 3 этаж" in text
    assert "> 1\\. Итоги недели" in text  # shown as written, not a Markdown list
    assert "Ваш ответ: ❓ нет ответа" in text
    (block,) = message.blocks
    join, *rsvp = block.buttons
    assert join.url == "https://telemost.yandex.ru/j/12345"
    assert [b.payload["partstat"] for b in rsvp] == ["ACCEPTED", "TENTATIVE", "DECLINED"]
    assert all(b.action == actions.RSVP for b in rsvp)
    assert {b.payload["ref"] for b in rsvp} == {occurrence_ref(standup())}


def test_no_rsvp_buttons_for_my_own_meeting_or_when_not_invited() -> None:
    # my own meeting: no answers to give, the ways to change it instead (issue #17, item 3)
    (block,) = meetings.meeting_details(my_review(), "en", MSK, NOW).blocks
    assert {b.action for b in block.buttons} == {actions.OWN_EDIT}
    assert [b.payload["what"] for b in block.buttons] == ["move", "rename", "duration", "cancel"]
    assert "Organizer: you" in meetings.meeting_details(my_review(), "en", MSK, NOW).text
    for message in [meetings.meeting_details(late_release(), "en", MSK, NOW)]:
        assert all(b.action == actions.OWN_EDIT for blk in message.blocks for b in blk.buttons)
    not_invited = replace(standup(), my_partstat=None)
    (block,) = meetings.meeting_details(not_invited, "en", MSK, NOW).blocks
    assert [b.url for b in block.buttons] == ["https://telemost.yandex.ru/j/12345"]


def test_details_of_a_cancelled_meeting_offer_no_actions() -> None:
    message = meetings.meeting_details(
        replace(standup(), status=cancelled_sync().status), "ru", MSK, NOW
    )
    assert "Встреча отменена" in message.text
    assert message.blocks == ()


def test_rsvp_confirmation_and_errors() -> None:
    done = meetings.rsvp_done(standup(), PartStat.ACCEPTED, "en", MSK, NOW)
    assert done.text.startswith(
        "✅ You accepted: **Планёрка \\| команда «Календарь»**, Fri, 27 Nov"
    )
    assert "нет в календаре" in meetings.meeting_error("gone", "ru").text
    assert "changed on the server" in meetings.meeting_error("conflict", "en").text
    assert "не отвечает" in meetings.meeting_error("unreachable", "ru").text
    assert meetings.meeting_error("weird", "en").text == common.generic_error("en").text


def test_all_day_multi_day_details() -> None:
    text = meetings.meeting_details(conference(), "ru", MSK, NOW).text
    assert "🕒 чт, 26 ноября – сб, 28 ноября, весь день" in text
    text = meetings.meeting_details(holiday(), "en", MSK, NOW).text
    assert "🕒 Fri, 27 Nov, all day" in text


# ---- connecting --------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_connect_dialog_fits_mattermost_limits(locale: str) -> None:
    long_url = "https://calendar.example.com/" + "x" * 200
    dialog = onboarding.connect_dialog(locale, "anna@mail.ru", long_url)
    assert len(dialog.title) <= 24
    assert dialog.action == actions.CONNECT_SUBMIT
    assert "https://account.mail.ru/user/2-step-auth/passwords/" in dialog.introduction_text
    by_name = {e.name: e for e in dialog.elements}
    assert by_name["email"].default == "anna@mail.ru" and by_name["email"].subtype == "email"
    assert by_name["password"].subtype == "password" and by_name["password"].default == ""
    assert [o.value for o in by_name["server"].options] == ["mailru", "other"]
    assert by_name["url"].optional
    for element in dialog.elements:
        assert len(element.label) <= 24, element.label
        assert len(element.help_text) <= 150, element.help_text
        assert element.max_length is None or element.max_length <= 150


def test_connect_errors_land_on_their_fields() -> None:
    assert set(onboarding.connect_field_errors("auth", "ru")) == {"password"}
    assert set(onboarding.connect_field_errors("unreachable", "ru")) == {"url"}
    assert set(onboarding.connect_field_errors("not_caldav", "en")) == {"url"}
    assert set(onboarding.connect_field_errors("email", "en")) == {"email"}
    assert set(onboarding.connect_field_errors("url", "en")) == {"url"}
    assert "пароль приложения" in onboarding.connect_field_errors("auth", "ru")["password"]
    assert onboarding.connect_error_text("???", "en") == common.generic_error("en").text


def test_greeting_has_the_connect_button_and_the_link() -> None:
    message = onboarding.greeting("ru", "Анна *Смирнова*")
    assert message.text.startswith("👋 Привет, Анна \\*Смирнова\\*!")
    assert "https://account.mail.ru/user/2-step-auth/passwords/" in message.text
    assert message.blocks[0].buttons[0].action == actions.CONNECT


def test_connected_lists_calendars_and_the_menu() -> None:
    message = onboarding.connected(
        [CalendarRef(CAL, "Работа"), CalendarRef("/h/", "Праздники", writable=False)], "ru"
    )
    assert "• Работа\n• Праздники — только чтение" in message.text
    labels = [b.action for b in message.blocks[0].buttons]
    assert labels == [
        actions.MENU_TODAY,
        actions.MENU_NOW,
        actions.MENU_TOMORROW,
        actions.MENU_WEEK,
        actions.MENU_CREATE,
        actions.SETTINGS,
        actions.LOGOUT,
    ]


def test_help_lists_every_command() -> None:
    for locale in LOCALES:
        text = common.help_view(locale).text
        for word in ("today", "сегодня", "now", "сейчас", "tomorrow", "завтра", "week", "неделя"):
            assert f"`{word}`" in text
        for word in ("new", "создать", "help", "помощь", "logout", "выйти", "/calendar"):
            assert f"`{word}" in text


def test_reconnect_message() -> None:
    message = onboarding.credentials_rejected("en", "anna@mail.ru")
    assert "anna@mail.ru" in message.text
    assert message.blocks[0].buttons[0].action == actions.RECONNECT


# ---- the wizard --------------------------------------------------------------------------


def _buttons(message: OutMessage) -> list[tuple[str, str, dict[str, str]]]:
    return [(b.label, b.action, b.payload) for block in message.blocks for b in block.buttons]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("step", wizard.STEPS)
def test_every_step_has_cancel(locale: str, step: str) -> None:
    message = wizard.wizard_prompt(step, locale, MSK, NOW)
    assert _buttons(message)[-1][1] == actions.WIZARD_CANCEL
    number = wizard.STEPS.index(step) + 1
    assert f" {number} " in message.text.splitlines()[0]


def test_date_picks_show_their_dates() -> None:
    buttons = _buttons(wizard.wizard_prompt(Step.DATE, "ru", MSK, NOW))
    assert [b[0] for b in buttons[:3]] == [
        "Сегодня, пт, 27 ноября",
        "Завтра, сб, 28 ноября",
        "Послезавтра, вс, 29 ноября",
    ]
    assert [b[2]["value"] for b in buttons[:3]] == ["2026-11-27", "2026-11-28", "2026-11-29"]
    assert all(b[2]["step"] == "date" for b in buttons[:3])


def test_time_picks_come_from_now_in_the_users_zone() -> None:
    def picks(now: datetime, tz: ZoneInfo, day: date | None = None) -> list[str]:
        return [format_time(at) for at in time_picks(now, tz, day)]

    # Friday 09:30 in Moscow: the next free half-hours in working hours, strictly ahead.
    assert picks(NOW, MSK) == ["10:00", "10:30", "11:00", "11:30"]
    assert picks(NOW, ZoneInfo("UTC")) == ["09:00", "09:30", "10:00", "10:30"]  # 06:30 UTC
    assert picks(msk(27, 9, 41), MSK) == ["10:00", "10:30", "11:00", "11:30"]
    assert picks(msk(27, 18, 50), MSK) == []  # the working day is over
    assert picks(NOW, MSK, TODAY + timedelta(days=1)) == []  # Saturday
    assert picks(NOW, MSK, TODAY + timedelta(days=3))[0] == "09:00"  # Monday
    buttons = _buttons(wizard.wizard_prompt(Step.TIME, "en", MSK, NOW))
    assert [b[2].get("value") for b in buttons] == ["10:00", "10:30", "11:00", "11:30", None]
    assert (
        "Or pick one of your free half-hours:"
        in wizard.wizard_prompt(Step.TIME, "en", MSK, NOW).text
    )
    # No picks: the prompt does not offer any ("or pick one" without buttons).
    saturday = wizard.wizard_prompt(Step.TIME, "ru", MSK, NOW, chosen_date=TODAY + timedelta(1))
    assert [b[1] for b in _buttons(saturday)] == [actions.WIZARD_CANCEL]
    assert "выберите" not in saturday.text.lower()
    assert t("ru", "wizard.time.none_free") in saturday.text


def test_duration_and_skip_picks() -> None:
    durations = _buttons(wizard.wizard_prompt(Step.DURATION, "ru", MSK, NOW))
    assert [b[2].get("value") for b in durations[:-1]] == ["15", "30", "45", "60", "90"]
    assert [b[0] for b in durations[:-1]] == ["15 мин", "30 мин", "45 мин", "1 ч", "1 ч 30 мин"]
    for step, label in (
        (Step.ATTENDEES, "Invite nobody"),
        (Step.DESCRIPTION, "Skip"),
        (Step.LOCATION, "Skip"),
    ):
        first = _buttons(wizard.wizard_prompt(step, "en", MSK, NOW))[0]
        assert label in first[0] and first[1] == actions.WIZARD_SKIP and first[2] == {"step": step}


def test_a_step_without_a_question_is_a_bug() -> None:
    with pytest.raises(ValueError, match="not a wizard question"):
        wizard.wizard_prompt(Step.CONFIRM, "ru", MSK, NOW)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_error_code_has_its_own_text(locale: str) -> None:
    def text(code: WizardError) -> str:
        return wizard.wizard_error_text(code, locale, MSK, NOW, step=Step.DATE, detail=["x"])

    generic = text(WizardError.UNEXPECTED_INPUT)
    texts = {code: text(code) for code in WizardError if code is not WizardError.UNEXPECTED_INPUT}
    assert generic not in texts.values()
    assert len(set(texts.values())) == len(texts)
    title_empty = wizard.wizard_error_text(WizardError.EMPTY, locale, MSK, NOW, step=Step.TITLE)
    assert title_empty not in (generic, *texts.values())


def test_error_texts_explain_the_expected_form() -> None:
    def err(code: WizardError, *names: str) -> str:
        return wizard.wizard_error_text(code, "ru", MSK, NOW, step=Step.DATE, detail=names)

    assert "`ДД.ММ`" in err(WizardError.DATE_FORMAT)
    assert "`5 января`" in err(WizardError.DATE_FORMAT)
    assert "`ЧЧ:ММ`" in err(WizardError.TIME_FORMAT)
    assert "позже 09:30" in err(WizardError.START_IN_PAST)
    assert "24 часов" in err(WizardError.DURATION_OUT_OF_RANGE)
    assert "`vasya`, `petya`" in err(WizardError.ATTENDEES_UNKNOWN, "vasya", "petya")
    assert "200" in err(WizardError.TITLE_TOO_LONG)
    # An attendees error without the names it is about falls back safely.
    assert err(WizardError.ATTENDEES_UNKNOWN) == err(WizardError.UNEXPECTED_INPUT)


def test_an_error_keeps_the_step() -> None:
    message = wizard.wizard_prompt(Step.TIME, "en", MSK, NOW, error=WizardError.START_IN_PAST)
    header, error = message.text.split("\n")[:2]
    assert header == t("en", "wizard.step", number=3, total=7)
    assert error == "⚠️ That time has passed. Pick a time after 09:30."
    assert "What time does it start?" in message.text
    assert _buttons(message)[-1][1] == actions.WIZARD_CANCEL


def test_summary_and_created() -> None:
    summary = wizard.wizard_summary(
        "ru",
        MSK,
        NOW,
        title="Ревью | v2",
        start=msk(28, 11),
        duration_minutes=90,
        attendees=["@ivan", "anna@mail.ru"],
        description="Обсудим макеты",
        location="",
    )
    assert "**Название:** Ревью \\| v2" in summary.text
    assert "**Дата:** сб, 28 ноября" in summary.text
    assert "**Время:** 11:00–12:30" in summary.text
    # shown as typed, but mentioning nobody from the bot's post
    assert "**Участники:** @\u200bivan, anna@mail.ru" in summary.text
    assert "**Место:** —" in summary.text
    assert [b[1] for b in _buttons(summary)] == [
        actions.WIZARD_CREATE,
        actions.WIZARD_EDIT,
        actions.WIZARD_CANCEL,
    ]
    picker = wizard.wizard_edit_picker("en")
    assert [b[2].get("field") for b in _buttons(picker)][:7] == [
        step.value for step in wizard.STEPS
    ]
    created = wizard.wizard_created(
        NewEvent("Ревью", msk(28, 11), msk(28, 12), (Attendee("oleg@example.com", "Олег"),)),
        "en",
        MSK,
        NOW,
    )
    assert created.text.startswith("🎉 **Meeting created!**")
    assert "**Time:** 11:00–12:00" in created.text and "Олег" in created.text
    assert created.blocks == ()


def test_an_overnight_meeting_says_it_ends_the_next_day() -> None:
    def summary(locale: str) -> str:
        return wizard.wizard_summary(
            locale,
            MSK,
            NOW,
            title="Release",
            start=msk(28, 23, 30),
            duration_minutes=120,
            attendees=[],
            description="",
            location="",
        ).text

    assert "**Время:** 23:30–01:30 (вс, следующего дня)" in summary("ru")
    assert "**Time:** 23:30–01:30 (Sun, the next day)" in summary("en")


# ---- notifications -----------------------------------------------------------------------


def test_change_notifications_by_kind() -> None:
    meeting = standup()
    moved_to = later(meeting, 60)

    def render(change: Change) -> str:
        (message,) = notices.render(change_notice(change), locale="ru", tz=MSK, now=NOW)
        return message.text

    assert render(Change(ChangeKind.NEW, my_review())).startswith("🆕 **Новая встреча:** Ревью")
    daily = replace(meeting, rrule="FREQ=DAILY")
    assert "Повторяется каждый день" in render(Change(ChangeKind.NEW, daily, series=True))
    assert "Повторяется" not in render(Change(ChangeKind.NEW, meeting, series=True))
    assert render(Change(ChangeKind.INVITATION, meeting)).startswith("📨")
    assert render(Change(ChangeKind.CANCELLED, meeting)).startswith("🚫 **Встреча отменена:**")
    assert render(Change(ChangeKind.CANCELLED, meeting, series=True)).startswith(
        "🚫 **Серия встреч отменена:**"
    )
    moved = render(Change(ChangeKind.MOVED, moved_to, previous=meeting))
    assert "Было: ~~пт, 27 ноября, 10:00–10:30~~" in moved
    assert "Стало: **пт, 27 ноября, 11:00–11:30**" in moved
    renamed = replace(meeting, title="Стендап", location="Zoom")
    updated = render(Change(ChangeKind.UPDATED, renamed, previous=meeting))
    assert "Название: ~~Планёрка \\| команда «Календарь»~~ → Стендап" in updated
    assert "Место: ~~Переговорка «Луна», 3 этаж~~ → Zoom" in updated


def test_invitation_has_answer_buttons() -> None:
    message = notifications.invitation(standup(), "en", MSK, NOW)
    actions_ = [b.action for b in message.blocks[0].buttons]
    assert actions_ == [
        actions.JOIN,
        actions.RSVP,
        actions.RSVP,
        actions.RSVP,
        actions.OPEN_MEETING,
    ]


def test_notices_and_reminders_have_the_next_step_as_buttons() -> None:
    def buttons(message: OutMessage) -> list[str]:
        return [b.action for block in message.blocks for b in block.buttons]

    gone = notifications.cancelled(standup(), "ru", MSK, NOW)
    assert buttons(gone) == [actions.OPEN_MEETING]
    moved = notifications.moved(standup(), later(standup(), 60), "en", MSK, NOW)
    assert buttons(moved)[0] == actions.JOIN and buttons(moved)[-1] == actions.OPEN_MEETING
    remind = notifications.reminder(standup(), 15, "ru", MSK, msk(27, 9, 45))
    assert buttons(remind) == [
        actions.JOIN,
        actions.RSVP,
        actions.RSVP,
        actions.RSVP,
        actions.OPEN_MEETING,
    ]
    ref = next(b.payload["ref"] for b in remind.blocks[0].buttons if b.payload.get("ref"))
    assert ref == occurrence_ref(standup())


def test_lists_offer_the_day_before_and_after_and_any_date() -> None:
    nav = meetings.day_nav(TODAY, "ru", TODAY)
    labels = [b.label for b in nav.buttons]
    assert labels[0].startswith("◀ ") and labels[1] == "Завтра ▶"
    assert [b.payload.get("day") for b in nav.buttons[:2]] == [
        (TODAY - timedelta(days=1)).isoformat(),
        (TODAY + timedelta(days=1)).isoformat(),
    ]
    assert nav.buttons[2].action == actions.LIST_OTHER_DATE
    week = meetings.week_nav(TODAY, "en")
    assert [b.payload.get("day") for b in week.buttons[:2]] == [
        (TODAY - timedelta(days=7)).isoformat(),
        (TODAY + timedelta(days=7)).isoformat(),
    ]


@pytest.mark.parametrize(
    ("rrule", "ru", "en"),
    [
        ("FREQ=WEEKLY", "каждую неделю", "every week"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,WE", "каждую неделю: пн, ср", "every week on Mon, Wed"),
        ("FREQ=DAILY;INTERVAL=2", "раз в 2 дня", "every 2 days"),
        ("FREQ=MONTHLY;INTERVAL=5", "раз в 5 месяцев", "every 5 months"),
        ("FREQ=YEARLY", "каждый год", "every year"),
        ("FREQ=SECONDLY", "", ""),
    ],
)
def test_describe_rrule(rrule: str, ru: str, en: str) -> None:
    assert notifications.describe_rrule(rrule, "ru") == ru
    assert notifications.describe_rrule(rrule, "en") == en


def test_reminders() -> None:
    soon = notifications.reminder(standup(), 15, "ru", MSK, msk(27, 9, 45))
    assert soon.text.startswith("⏰ **Планёрка \\| команда «Календарь»** — через 15 минут")
    assert soon.blocks[0].buttons[0].url == "https://telemost.yandex.ru/j/12345"
    start = notifications.reminder(standup(), 0, "en", MSK, msk(27, 10))
    assert start.text.startswith("🔔 **Планёрка \\| команда «Календарь»** — starting now!")
    late = notifications.reminder(standup(), 15, "en", MSK, msk(27, 9, 53), late=True)
    assert "in 7 minutes" in late.text and "late" in late.text
    no_link = notifications.reminder(my_review(), 15, "ru", MSK, msk(27, 13, 45))
    assert [b.action for b in no_link.blocks[0].buttons] == [actions.OPEN_MEETING]
    one = notifications.reminder(my_review(), 1, "ru", MSK, msk(27, 13, 59))
    assert "через 1 минуту" in one.text


def test_a_reminder_counts_the_time_left_from_when_it_is_sent() -> None:
    hour = notifications.reminder(standup(), 60, "ru", MSK, msk(27, 9))
    assert hour.text.startswith("⏰ **Планёрка \\| команда «Календарь»** — через 1 ч\n")
    a_minute_late = notifications.reminder(standup(), 60, "ru", MSK, msk(27, 9, 1))
    assert "через 59 минут" in a_minute_late.text and "60" not in a_minute_late.text
    assert "in 1 h 30 min" in notifications.reminder(standup(), 90, "en", MSK, msk(27, 8, 30)).text


def test_a_reminder_that_arrives_after_the_start_keeps_its_alarm_clock() -> None:
    late = notifications.reminder(standup(), 15, "ru", MSK, msk(27, 10, 5), late=True)
    assert late.text.startswith("⏰ **Планёрка \\| команда «Календарь»** — началась в 10:00")


def test_a_late_start_notice_says_the_meeting_is_on_since_its_start() -> None:
    late = notifications.reminder(standup(), 0, "ru", MSK, msk(27, 10, 13), late=True)
    title = "🔔 **Планёрка \\| команда «Календарь»**"
    assert late.text.startswith(f"{title} — уже идёт, началась в 10:00")
    assert "начинается сейчас" not in late.text and "с опозданием" in late.text
    en = notifications.reminder(standup(), 0, "en", MSK, msk(27, 10, 13), late=True)
    assert en.text.startswith(f"{title} — in progress since 10:00")


# ---- settings, log out, raw, odd cases ---------------------------------------------------


def test_settings_view_reflects_and_flips_the_settings() -> None:
    message = settings.settings_view(UserSettings(), "ru", NOW)
    assert "⏰ Напоминания: 15 мин, в начале" in message.text
    assert "🌙 Тихие часы: выключены" in message.text
    assert "☀️ Сводка: в 09:00" in message.text
    menus, work_menus, buttons = message.blocks
    reminder_menu = menus.menus[0]
    assert reminder_menu.action == actions.SETTINGS_REMINDER
    assert [o.value for o in reminder_menu.options] == [
        "1440", "120", "60", "30", "15", "10", "5", "0", "off"
    ]  # fmt: skip
    assert [o.text for o in reminder_menu.options][:2] == ["1 день", "2 ч"]
    assert [o.text for o in reminder_menu.options if o.text.startswith("✓")] == [
        "✓ 15 мин",
        "✓ в начале",
    ]
    assert menus.menus[1].action == actions.SETTINGS_QUIET
    assert "22-8" in [o.value for o in menus.menus[1].options]
    assert [m.action for m in work_menus.menus][:3] == [
        actions.SETTINGS_WORK_START,
        actions.SETTINGS_WORK_END,
        actions.SETTINGS_WORK_DAYS,
    ]
    flips = {b.action: b.payload for b in buttons.buttons}
    assert actions.SETTINGS_QUIET_REMINDERS not in flips  # no quiet hours: no such switch
    assert flips[actions.SETTINGS_DIGEST] == {"on": "0"}
    assert flips[actions.SETTINGS_DIGEST_WORK_DAYS] == {"on": "1"}
    assert flips[actions.SETTINGS_DIGEST_EMPTY] == {"on": "1"}
    off = settings.settings_view(UserSettings(reminder_leads=(), digest_enabled=False), "en", NOW)
    assert "⏰ Reminders: off" in off.text
    assert "☀️ Digest: off" in off.text
    flips = {b.action: b.payload for b in off.blocks[2].buttons}
    assert actions.SETTINGS_DIGEST_EMPTY not in flips  # the digest's details go with it


def test_settings_card_shows_several_leads_quiet_hours_and_muted_calendars_compactly() -> None:
    chosen = UserSettings(
        reminder_leads=(1440, 60, 10, 0),
        quiet_hours=(22, 8),
        quiet_reminders=False,
        digest_work_days_only=True,
        digest_when_empty=True,
    )
    calendars = [
        CalendarRef("/c/work/", "Work"),
        CalendarRef("/c/holidays/", "Holidays", muted=True),
    ]
    for locale, texts in (
        (
            "ru",
            (
                "⏰ Напоминания: 1 день, 1 ч, 10 мин, в начале",
                "🌙 Тихие часы: 22:00–08:00, без напоминаний",
                "☀️ Сводка: в 09:00, только в рабочие дни, и в дни без встреч",
                "🔕 Без уведомлений и напоминаний: Holidays",
            ),
        ),
        (
            "en",
            (
                "⏰ Reminders: 1 day, 1 h, 10 min, at the start",
                "🌙 Quiet hours: 22:00–08:00, no reminders",
                "☀️ Digest: at 09:00, working days only, also on free days",
                "🔕 No notices or reminders from: Holidays",
            ),
        ),
    ):
        card = settings.settings_view(chosen, locale, NOW, calendars=calendars)
        for text in texts:
            assert text in card.text
        # one short line per group (the presence permission note aside)
        assert all(len(line) <= 70 for line in card.text.splitlines()[:7])
        mute = next(m for m in card.blocks[0].menus if m.action == actions.SETTINGS_MUTE)
        assert [o.text for o in mute.options] == ["🔔 Work", "🔕 Holidays"]
        flips = {b.action: b.payload for b in card.blocks[2].buttons}
        assert flips[actions.SETTINGS_QUIET_REMINDERS] == {"on": "1"}
        assert flips[actions.SETTINGS_DIGEST_WORK_DAYS] == {"on": "0"}


def test_settings_speak_of_the_digest_in_the_feminine_and_name_the_zone() -> None:
    quiet = UserSettings(digest_enabled=False, digest_when_empty=False)
    text = settings.settings_view(quiet, "ru", NOW).text
    assert "☀️ Сводка: выключена" in text
    on = settings.settings_view(UserSettings(digest_when_empty=True), "ru", NOW).text
    assert "☀️ Сводка: в 09:00, и в дни без встреч" in on
    assert "🌍 Часовой пояс: Москва (UTC+3)" in on and "Europe/Moscow" not in on
    en = settings.settings_view(UserSettings(timezone="America/New_York"), "en", NOW).text
    assert "🌍 Time zone: New York (UTC−5)" in en
    india = settings.settings_view(UserSettings(timezone="Asia/Kolkata"), "ru", NOW).text
    assert "Kolkata (UTC+5:30)" in india


def test_every_rsvp_confirmation_has_a_subject() -> None:
    for partstat in ("accepted", "tentative", "declined"):
        assert t("ru", f"rsvp.done.{partstat}", title="X", when="Y").startswith(
            ("✅ Вы ", "🤔 Вы ", "❌ Вы ")
        )
        assert " You " in t("en", f"rsvp.done.{partstat}", title="X", when="Y")


def test_logout_flow() -> None:
    confirm = settings.logout_confirm("ru")
    assert [b.action for b in confirm.blocks[0].buttons] == [
        actions.LOGOUT_CONFIRM,
        actions.LOGOUT_CANCEL,
    ]
    assert "данные удалены" in settings.logged_out("ru").text


def test_raw_picker_uses_short_calendar_refs() -> None:
    message = settings.raw_picker([CalendarRef(CAL, "Работа")], "ru")
    (menu,) = message.blocks[0].menus
    assert menu.action == actions.RAW_CALENDAR
    assert menu.options[0].value == calendar_ref(CAL)
    assert len(calendar_ref(CAL)) == 16


def test_odd_situations() -> None:
    assert "@calendar_bot" in common.dm_only("ru", "calendar_bot").text
    assert "личных сообщениях" in common.dm_only("ru", "@calendar_bot").text
    assert "no longer valid" in common.button_expired("en").text
    assert "Traceback" not in common.generic_error("en").text
    assert "помощь" in common.unknown_input("ru").text


def test_refs_are_stable_and_distinct() -> None:
    ref: Callable[..., str] = occurrence_ref
    assert ref(standup()) == ref(replace(standup(), title="other"))
    assert ref(standup()) != ref(replace(standup(), recurrence_id="20261204T070000Z"))
    assert ref(standup()) == ref(standup().key)


def test_a_link_that_is_the_location_is_shown_once() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from calendar_bot.domain.model import Occurrence
    from calendar_bot.views.meetings import meeting_lines

    url = "https://telemost.yandex.ru/j/42"
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    occurrence = Occurrence(
        "/cal/", "u1", "", "Sync", start, start.replace(hour=10), location=url, join_url=url
    )
    lines = meeting_lines(occurrence, "en", ZoneInfo("Europe/Moscow"), start)
    assert sum(url in line for line in lines) == 1


def test_the_card_shows_what_was_answered_above_the_question() -> None:
    draft = WizardState(
        step=Step.DURATION,
        started_at=NOW,
        title="Retro",
        date=TODAY + timedelta(days=3),
        time=dt_time(23, 30),
    )
    card = wizard.wizard_step(draft, WizardPrompt(Step.DURATION), "en", MSK, NOW)
    lines = card.text.split("\n")
    assert lines[:3] == [
        t("en", "wizard.step", number=4, total=7),
        "✏️ Retro",
        "📅 Mon, 30 Nov, 23:30",
    ]
    assert lines.index(t("en", "wizard.duration.prompt")) > 2
    with_end = replace(draft, step=Step.ATTENDEES, duration=90)
    card = wizard.wizard_step(with_end, WizardPrompt(Step.ATTENDEES), "ru", MSK, NOW)
    assert "📅 пн, 30 ноября, 23:30–01:00 (вт, следующего дня)" in card.text


def test_the_summary_names_overlapping_meetings_with_the_next_day_mark() -> None:
    from tests.views.samples import occurrence

    night = occurrence("n1", "Night deploy", msk(27, 23), msk(28, 1))
    early = occurrence("e1", "", msk(26, 22), msk(27, 23, 30))
    summary = wizard.wizard_summary(
        "en",
        MSK,
        NOW,
        title="Late",
        start=msk(27, 23, 15),
        duration_minutes=30,
        conflicts=[early, night],
    )
    text = summary.text
    # Started the day before: its start has its weekday, its end the next-day mark.
    assert "⚠️ **Overlaps your meeting** Thu 22:00–23:30 (Fri, the next day) «(no title)»" in text
    assert "⚠️ **Overlaps your meeting** 23:00–01:00 (Sat, the next day) «Night deploy»" in text
    assert text.index("**Time:**") < text.index("Night deploy")


def test_a_failed_create_shows_its_error_on_the_summary_card() -> None:
    draft = WizardState(
        step=Step.CONFIRM, started_at=NOW, title="X", date=TODAY, time=dt_time(15), duration=30
    )
    asked = wizard_domain.Asked(WizardPrompt(Step.CONFIRM), draft)
    card = wizard.wizard_card([wizard_domain.NotCreated(), asked], "en", MSK, NOW)
    assert card is not None
    assert card.text.startswith("⚠️ ")
    assert t("en", "wizard.summary.heading") in card.text
    assert card.blocks[0].buttons[0].action == actions.WIZARD_CREATE


@pytest.mark.parametrize(
    ("before", "ru", "en"),
    [
        (timedelta(days=1), "через 1 день", "in 1 day"),
        (timedelta(hours=2), "через 2 ч", "in 2 h"),
        (timedelta(hours=1), "через 1 ч", "in 1 h"),
        (timedelta(minutes=10), "через 10 минут", "in 10 minutes"),
        (timedelta(hours=23, minutes=59), "через 23 ч 59 мин", "in 23 h 59 min"),
    ],
)
def test_a_reminder_says_the_real_time_left_for_every_lead(
    before: timedelta, ru: str, en: str
) -> None:
    meeting = standup()
    now = meeting.start - before
    lead = int(before.total_seconds() // 60)
    assert ru in notifications.reminder(meeting, lead, "ru", MSK, now).text
    assert en in notifications.reminder(meeting, lead, "en", MSK, now).text
