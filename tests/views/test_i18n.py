"""The catalogs: ru and en agree on keys and placeholders; plurals; locale normalization."""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from pathlib import Path

import pytest

import calendar_bot.views
from calendar_bot.i18n import CATALOGS, PLURAL_PREFIX, normalize_locale, t, tn
from calendar_bot.i18n.en import MESSAGES as EN
from calendar_bot.i18n.ru import MESSAGES as RU
from calendar_bot.views.formatting import format_date
from calendar_bot.views.meetings import MEETING_ERRORS
from calendar_bot.views.onboarding import CONNECT_ERROR_FIELDS
from calendar_bot.views.wizard import ERROR_TEXTS, GENERIC, STEPS, TITLE_EMPTY

_FORMATTER = string.Formatter()


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in _FORMATTER.parse(template) if field is not None}


def test_ru_and_en_have_the_same_keys() -> None:
    assert set(RU) - set(EN) == set()
    assert set(EN) - set(RU) == set()


@pytest.mark.parametrize("key", sorted(RU))
def test_ru_and_en_have_the_same_placeholders(key: str) -> None:
    assert _placeholders(RU[key]) == _placeholders(EN[key]), key


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_placeholders_are_named_and_templates_parse(locale: str) -> None:
    for key, template in CATALOGS[locale].items():  # type: ignore[index]
        for field in _placeholders(template):
            assert field.isidentifier(), f"{locale}:{key} has a positional or odd field {field!r}"


def test_plural_entries_have_the_right_number_of_forms() -> None:
    plural_keys = [k for k in RU if k.startswith(PLURAL_PREFIX)]
    assert plural_keys
    for key in plural_keys:
        assert len(RU[key].split("|")) == 3, key
        assert len(EN[key].split("|")) == 2, key
    # "|" is the plural separator: no other entry may hold one.
    for key in RU:
        if not key.startswith(PLURAL_PREFIX):
            assert "|" not in RU[key] and "|" not in EN[key], key


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0 встреч"),
        (1, "1 встреча"),
        (2, "2 встречи"),
        (4, "4 встречи"),
        (5, "5 встреч"),
        (11, "11 встреч"),
        (12, "12 встреч"),
        (14, "14 встреч"),
        (21, "21 встреча"),
        (22, "22 встречи"),
        (25, "25 встреч"),
        (101, "101 встреча"),
        (111, "111 встреч"),
        (112, "112 встреч"),
        (1004, "1004 встречи"),
    ],
)
def test_russian_plurals(count: int, expected: str) -> None:
    assert tn("ru", "plural.meetings", count) == expected


def test_russian_plural_minutes() -> None:
    assert tn("ru", "plural.in_minutes", 1) == "через 1 минуту"
    assert tn("ru", "plural.in_minutes", 3) == "через 3 минуты"
    assert tn("ru", "plural.in_minutes", 15) == "через 15 минут"


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 meetings"), (1, "1 meeting"), (2, "2 meetings"), (21, "21 meetings")],
)
def test_english_plurals(count: int, expected: str) -> None:
    assert tn("en", "plural.meetings", count) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("en", "en"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("EN-au", "en"),
        ("ru", "ru"),
        ("de", "ru"),
        ("es", "ru"),
        ("eng", "ru"),
        ("", "ru"),
        (None, "ru"),
    ],
)
def test_normalize_locale(given: str | None, expected: str) -> None:
    assert normalize_locale(given) == expected


def test_t_fills_parameters_and_falls_back_to_russian() -> None:
    assert t("en", "greeting.hello_named", name="Anna") == "👋 Hi, Anna!"
    assert t("de", "greeting.hello_named", name="Anna") == "👋 Привет, Anna!"
    assert t("en-US", "menu.today") == EN["menu.today"]


def test_parameter_values_are_not_reinterpreted() -> None:
    assert t("ru", "greeting.hello_named", name="{name} {0}") == "👋 Привет, {name} {0}!"


def test_missing_parameter_or_key_is_an_error() -> None:
    with pytest.raises(KeyError):
        t("ru", "greeting.hello_named")
    with pytest.raises(KeyError):
        t("ru", "no.such.key")


_DYNAMIC = re.compile(
    r"^(date\.weekday\.\d|date\.month\.\d+|connect\.error\..+|meeting\.error\..+"
    r"|wizard\.error\..+|wizard\.field\..+|wizard\.\w+\.prompt|cut\.reason\.\w+)$"
)


def test_every_catalog_key_is_used_by_a_view() -> None:
    """Dead texts drift out of date: each key is referenced by name, or built from a table
    the other tests walk through (months, weekdays, error codes, wizard steps)."""
    views = Path(calendar_bot.views.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in views.glob("*.py"))
    unused = [k for k in RU if f'"{k}"' not in source and f"'{k}'" not in source]
    assert [k for k in unused if not _DYNAMIC.match(k)] == []


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_month_and_weekday_has_a_name(locale: str) -> None:
    names = {format_date(date(2026, month, 1), locale) for month in range(1, 13)}
    assert len(names) == 12
    week = {format_date(date(2026, 11, 23) + timedelta(days=d), locale) for d in range(7)}
    assert len({w.split(",")[0] for w in week}) == 7


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_error_code_family_is_in_the_catalog(locale: str) -> None:
    for code in CONNECT_ERROR_FIELDS:
        assert t(locale, f"connect.error.{code}")
    for code in MEETING_ERRORS:
        assert t(locale, f"meeting.error.{code}")
    for code in (*ERROR_TEXTS.values(), TITLE_EMPTY, GENERIC):
        assert f"wizard.error.{code}" in CATALOGS[locale]  # type: ignore[index]
    for step in STEPS:
        assert t(locale, f"wizard.{step.value}.prompt")
        assert t(locale, f"wizard.field.{step.value}")


# Names that stay in Latin letters in Russian text: products, protocols, formats.
LATIN_IN_RUSSIAN = {"CalDAV", "Mail.ru", "mail.ru", "e-mail", "E-mail", "RAW", "Nextcloud"}
LATIN_IN_RUSSIAN |= {"iCloud", "Mattermost", "UTC", "UTF"}


def _prose(template: str) -> str:
    """A catalog value without placeholders, code spans, links and e-mail examples."""
    for pattern in (r"\{[^}]*\}", r"`[^`]*`", r"https?://\S+", r"\S+@\S+"):
        template = re.sub(pattern, "", template)
    return template


@pytest.mark.parametrize("key", sorted(RU))
def test_russian_texts_have_no_english_words(key: str) -> None:
    words = re.findall(r"[A-Za-z][A-Za-z.\-]*[A-Za-z]|[A-Za-z]", _prose(RU[key]))
    assert [w for w in words if w not in LATIN_IN_RUSSIAN] == [], key


@pytest.mark.parametrize("key", sorted(EN))
def test_english_texts_have_no_russian_words(key: str) -> None:
    assert not re.search("[А-Яа-яЁё]", _prose(EN[key])), key


# Each Russian plural entry at 1, 2 and 5: the numeral agrees with its noun (and the
# preposition's case). A new plural entry must be added here.
RUSSIAN_AGREEMENT = {
    "plural.minutes": ("1 минута", "2 минуты", "5 минут"),
    "plural.in_minutes": ("через 1 минуту", "через 2 минуты", "через 5 минут"),
    "plural.meetings": ("1 встреча", "2 встречи", "5 встреч"),
    "plural.days": ("1 день", "2 дня", "5 дней"),
    "plural.cut.events": (
        "1 событие не удалось показать полностью",
        "2 события не удалось показать полностью",
        "5 событий не удалось показать полностью",
    ),
    "plural.meetings_over": (
        "✔️ 1 встреча сегодня уже прошла",
        "✔️ 2 встречи сегодня уже прошли",
        "✔️ 5 встреч сегодня уже прошли",
    ),
    "plural.rrule.days": ("раз в 1 день", "раз в 2 дня", "раз в 5 дней"),
    "plural.rrule.weeks": ("раз в 1 неделю", "раз в 2 недели", "раз в 5 недель"),
    "plural.rrule.months": ("раз в 1 месяц", "раз в 2 месяца", "раз в 5 месяцев"),
    "plural.rrule.years": ("раз в 1 год", "раз в 2 года", "раз в 5 лет"),
    "plural.wizard.repeat.times": ("1 раз", "2 раза", "5 раз"),
}


def test_every_russian_plural_agrees_with_its_numeral() -> None:
    assert set(RUSSIAN_AGREEMENT) == {k for k in RU if k.startswith(PLURAL_PREFIX)}
    for key, expected in RUSSIAN_AGREEMENT.items():
        assert tuple(tn("ru", key, n) for n in (1, 2, 5)) == expected, key
        assert tn("ru", key, 21) == expected[0].replace("1", "21", 1), key
