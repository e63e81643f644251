"""Message catalogs (Russian by default, English) and the one way to read them: `t`.

Catalog values are `str.format` templates with named `{placeholders}`. Plural entries live
under keys starting with `plural.` and hold their forms separated by `|`: three for Russian
(one / few / many), two for English (one / other); `tn` picks the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from calendar_bot.i18n.en import MESSAGES as _EN
from calendar_bot.i18n.ru import MESSAGES as _RU

Locale = Literal["ru", "en"]

DEFAULT_LOCALE: Final[Locale] = "ru"
LOCALES: Final[tuple[Locale, ...]] = ("ru", "en")

CATALOGS: Final[Mapping[Locale, Mapping[str, str]]] = {"ru": _RU, "en": _EN}

PLURAL_PREFIX: Final = "plural."


def normalize_locale(mm_locale: str | None) -> Locale:
    """A Mattermost locale ("en", "en-US", "en_GB", "ru", "") -> "en" or "ru" (the default)."""
    value = (mm_locale or "").strip().lower().replace("_", "-")
    if value == "en" or value.startswith("en-"):
        return "en"
    return DEFAULT_LOCALE


def _catalog(locale: str) -> Mapping[str, str]:
    return CATALOGS[normalize_locale(locale)]


def t(locale: str, key: str, **params: object) -> str:
    """The catalog text for `key` in `locale`, with `params` filled in.

    A missing key or parameter raises KeyError: that is a bug, and tests catch it.
    Parameter values are inserted as they are (never re-interpreted as templates).
    """
    return _catalog(locale)[key].format(**params)


def plural_index(locale: str, count: int) -> int:
    """Which plural form to use: Russian one/few/many (0/1/2), English one/other (0/1)."""
    n = abs(count)
    if normalize_locale(locale) == "en":
        return 0 if n == 1 else 1
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


def tn(locale: str, key: str, count: int, **params: object) -> str:
    """A plural entry (`plural.*`) in the form `count` needs; `{count}` is filled in too."""
    forms = _catalog(locale)[key].split("|")
    form = forms[min(plural_index(locale, count), len(forms) - 1)]
    return form.format(count=count, **params)


__all__ = [
    "CATALOGS",
    "DEFAULT_LOCALE",
    "LOCALES",
    "Locale",
    "normalize_locale",
    "plural_index",
    "t",
    "tn",
]
