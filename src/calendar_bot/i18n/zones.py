"""City names of the time zones people here use most, for the settings card.

English reads the IANA name's city (`America/New_York` -> "New York"); Russian has its own
names for these, and falls back to the same Latin city for any other zone.
"""

from __future__ import annotations

from typing import Final

RU_CITIES: Final = {
    "Europe/Kaliningrad": "Калининград",
    "Europe/Moscow": "Москва",
    "Europe/Volgograd": "Волгоград",
    "Europe/Samara": "Самара",
    "Europe/Saratov": "Саратов",
    "Europe/Ulyanovsk": "Ульяновск",
    "Europe/Astrakhan": "Астрахань",
    "Europe/Kirov": "Киров",
    "Asia/Yekaterinburg": "Екатеринбург",
    "Asia/Omsk": "Омск",
    "Asia/Novosibirsk": "Новосибирск",
    "Asia/Barnaul": "Барнаул",
    "Asia/Tomsk": "Томск",
    "Asia/Novokuznetsk": "Новокузнецк",
    "Asia/Krasnoyarsk": "Красноярск",
    "Asia/Irkutsk": "Иркутск",
    "Asia/Chita": "Чита",
    "Asia/Yakutsk": "Якутск",
    "Asia/Vladivostok": "Владивосток",
    "Asia/Sakhalin": "Сахалин",
    "Asia/Magadan": "Магадан",
    "Asia/Kamchatka": "Камчатка",
    "Asia/Anadyr": "Анадырь",
    "Europe/Minsk": "Минск",
    "Europe/Kyiv": "Киев",
    "Europe/Kiev": "Киев",
    "Europe/Riga": "Рига",
    "Europe/Vilnius": "Вильнюс",
    "Europe/Tallinn": "Таллин",
    "Europe/Chisinau": "Кишинёв",
    "Asia/Almaty": "Алматы",
    "Asia/Tashkent": "Ташкент",
    "Asia/Bishkek": "Бишкек",
    "Asia/Dushanbe": "Душанбе",
    "Asia/Tbilisi": "Тбилиси",
    "Asia/Yerevan": "Ереван",
    "Asia/Baku": "Баку",
    "Europe/Istanbul": "Стамбул",
    "Asia/Dubai": "Дубай",
    "Europe/London": "Лондон",
    "Europe/Berlin": "Берлин",
    "Europe/Paris": "Париж",
    "Europe/Belgrade": "Белград",
    "Asia/Bangkok": "Бангкок",
    "America/New_York": "Нью-Йорк",
    "UTC": "UTC",
    "Etc/UTC": "UTC",
}


def city_of(zone_name: str, locale: str) -> str:
    if locale == "ru" and zone_name in RU_CITIES:
        return RU_CITIES[zone_name]
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")
