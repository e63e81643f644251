"""Settings, log out, and the RAW CalDAV diagnostics view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from calendar_bot.domain.model import CalendarRef, PresenceMode, UserSettings
from calendar_bot.domain.zones import known_zone
from calendar_bot.i18n import t
from calendar_bot.i18n.zones import city_of
from calendar_bot.views import actions
from calendar_bot.views.common import main_menu_block
from calendar_bot.views.formatting import format_lead, md_inline
from calendar_bot.views.message import Block, Button, Menu, MenuOption, OutMessage
from calendar_bot.views.payloads import WORK_DAY_SETS, Toggle
from calendar_bot.views.refs import calendar_ref
from calendar_bot.views.split import POST_LIMIT, split_code_block

# The leads a person switches on and off, largest first: 1 day ... at the start (0).
LEAD_CHOICES: Final = (24 * 60, 120, 60, 30, 15, 10, 5, 0)
REMINDER_OFF: Final = "off"
QUIET_CHOICES: Final = ((21, 7), (22, 7), (22, 8), (23, 7), (23, 8), (0, 8))
QUIET_OFF: Final = "off"
DIGEST_HOURS: Final = tuple(range(6, 13))
WORK_START_HOURS: Final = tuple(range(6, 13))
WORK_END_HOURS: Final = tuple(range(14, 24))


def _work_days_labels(locale: str) -> dict[str, str]:
    return {
        "mon-fri": t(locale, "settings.work_days.mon-fri"),
        "mon-sat": t(locale, "settings.work_days.mon-sat"),
        "sun-thu": t(locale, "settings.work_days.sun-thu"),
        "all": t(locale, "settings.work_days.all"),
    }


def work_days_label(days: tuple[int, ...], locale: str) -> str:
    """`пн–пт` for a known set; the weekdays one by one otherwise."""
    labels = _work_days_labels(locale)
    for key, value in WORK_DAY_SETS.items():
        if value == tuple(sorted(days)):
            return labels[key]
    return ", ".join(t(locale, f"date.weekday.{d}") for d in sorted(days))


def bad_work_hours(locale: str) -> str:
    return t(locale, "settings.work.bad")


def zone_label(zone_name: str, locale: str, now: datetime) -> str:
    """'Москва (UTC+3)' rather than the raw 'Europe/Moscow'."""
    tz = known_zone(zone_name)
    if tz is None:
        return zone_name
    offset = now.astimezone(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    text = f"{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return t(locale, "settings.timezone.offset", city=city_of(zone_name, locale), offset=text)


def _toggle(value: bool, action: str, on_key: str, off_key: str, locale: str) -> Button:
    """A button that flips a setting; its label says what pressing it does."""
    if value:
        return Button(t(locale, off_key), action, Toggle(on=False).pack())
    return Button(t(locale, on_key), action, Toggle(on=True).pack(), style="primary")


PRESENCE_KEYS: Final = {
    PresenceMode.OFF: "settings.presence.off",
    PresenceMode.STATUS: "settings.presence.status",
    PresenceMode.STATUS_DND: "settings.presence.status_dnd",
}


def lead_label(minutes: int, locale: str) -> str:
    return t(locale, "settings.lead.start") if minutes == 0 else format_lead(minutes, locale)


def leads_text(leads: Sequence[int], locale: str) -> str:
    if not leads:
        return t(locale, "common.disabled.plural")
    return ", ".join(lead_label(m, locale) for m in leads)


def quiet_value(hours: tuple[int, int]) -> str:
    return f"{hours[0]}-{hours[1]}"


def quiet_label(hours: tuple[int, int]) -> str:
    return f"{hours[0]:02d}:00–{hours[1]:02d}:00"


def _digest_text(settings: UserSettings, locale: str) -> str:
    if not settings.digest_enabled:
        return t(locale, "common.disabled.feminine")
    parts = [t(locale, "settings.digest.at", time=f"{settings.digest_hour:02d}:00")]
    if settings.digest_work_days_only:
        parts.append(t(locale, "settings.digest.work_days_only"))
    if settings.digest_when_empty:
        parts.append(t(locale, "settings.digest.when_empty"))
    return ", ".join(parts)


def _quiet_text(settings: UserSettings, locale: str) -> str:
    if settings.quiet_hours is None:
        return t(locale, "common.disabled.plural")
    reminders = t(
        locale,
        "settings.quiet.reminders_on"
        if settings.quiet_reminders
        else "settings.quiet.reminders_off",
    )
    return f"{quiet_label(settings.quiet_hours)}, {reminders}"


def _calendar_name(calendar: CalendarRef) -> str:
    # A menu option's text is plain text in Mattermost, not Markdown: no escapes.
    return " ".join(calendar.name.split())[:50] or calendar.href[-50:]


def settings_view(
    settings: UserSettings,
    locale: str,
    now: datetime,
    *,
    saved: bool = False,
    may_set_presence: bool = False,
    calendars: Sequence[CalendarRef] = (),
) -> OutMessage:
    """The settings card, compact: one short line per group, then the menus and switches.
    Every choice answers with this card updated in place."""
    lines = [t(locale, "settings.saved")] if saved else []
    lines += [
        t(locale, "settings.title"),
        t(locale, "settings.reminders", value=leads_text(settings.leads, locale)),
        t(locale, "settings.quiet", value=_quiet_text(settings, locale)),
        t(locale, "settings.digest", value=_digest_text(settings, locale)),
        t(
            locale,
            "settings.work",
            start=f"{settings.work_start:02d}:00",
            end=f"{settings.work_end:02d}:00",
            days=work_days_label(settings.work_days, locale),
        ),
    ]
    muted = [c for c in calendars if c.muted]
    if muted:
        names = ", ".join(md_inline(_calendar_name(c), 50) for c in muted)
        lines.append(t(locale, "settings.muted", names=names))
    lines += [
        t(locale, "settings.timezone", tz=zone_label(settings.timezone, locale, now)),
        t(locale, "settings.presence", value=t(locale, PRESENCE_KEYS[settings.presence])),
    ]
    if not may_set_presence:
        # Without the permission the choice would do nothing: say what the admin must do.
        lines.append(t(locale, "settings.presence.needs_permission"))
    chosen = set(settings.leads)
    reminder_options = (
        *(
            MenuOption(
                ("✓ " if m in chosen else "") + lead_label(m, locale),
                str(m),
            )
            for m in LEAD_CHOICES
        ),
        MenuOption(t(locale, "settings.reminder.option_off"), REMINDER_OFF),
    )
    quiet_options = (
        *(MenuOption(quiet_label(h), quiet_value(h)) for h in QUIET_CHOICES),
        MenuOption(t(locale, "settings.quiet.option_off"), QUIET_OFF),
    )
    hour_options = tuple(MenuOption(f"{h:02d}:00", str(h)) for h in DIGEST_HOURS)
    menus: tuple[Menu, ...] = (
        Menu(
            t(locale, "settings.reminder.placeholder"), actions.SETTINGS_REMINDER, reminder_options
        ),
        Menu(t(locale, "settings.quiet.placeholder"), actions.SETTINGS_QUIET, quiet_options),
        Menu(
            t(locale, "settings.digest_hour.placeholder"),
            actions.SETTINGS_DIGEST_HOUR,
            hour_options,
        ),
    )
    if calendars:
        menus += (
            Menu(
                t(locale, "settings.mute.placeholder"),
                actions.SETTINGS_MUTE,
                tuple(
                    MenuOption(
                        ("🔕 " if c.muted else "🔔 ") + _calendar_name(c), calendar_ref(c.href)
                    )
                    for c in calendars
                ),
            ),
        )
    work_menus: tuple[Menu, ...] = (
        Menu(
            t(locale, "settings.work_start.placeholder"),
            actions.SETTINGS_WORK_START,
            tuple(MenuOption(f"{h:02d}:00", str(h)) for h in WORK_START_HOURS),
        ),
        Menu(
            t(locale, "settings.work_end.placeholder"),
            actions.SETTINGS_WORK_END,
            tuple(MenuOption(f"{h:02d}:00", str(h)) for h in WORK_END_HOURS),
        ),
        Menu(
            t(locale, "settings.work_days.placeholder"),
            actions.SETTINGS_WORK_DAYS,
            tuple(MenuOption(label, key) for key, label in _work_days_labels(locale).items()),
        ),
    )
    if may_set_presence:
        work_menus += (
            Menu(
                t(locale, "settings.presence.placeholder"),
                actions.SETTINGS_PRESENCE,
                tuple(
                    MenuOption(t(locale, key), mode.value) for mode, key in PRESENCE_KEYS.items()
                ),
            ),
        )
    switches: tuple[Button, ...] = ()
    if settings.quiet_hours is not None:
        switches += (
            _toggle(
                settings.quiet_reminders,
                actions.SETTINGS_QUIET_REMINDERS,
                "settings.quiet_reminders.on",
                "settings.quiet_reminders.off",
                locale,
            ),
        )
    switches += (
        _toggle(
            settings.digest_enabled,
            actions.SETTINGS_DIGEST,
            "settings.digest.on",
            "settings.digest.off",
            locale,
        ),
    )
    if settings.digest_enabled:
        switches += (
            _toggle(
                settings.digest_work_days_only,
                actions.SETTINGS_DIGEST_WORK_DAYS,
                "settings.digest_work_days.on",
                "settings.digest_work_days.off",
                locale,
            ),
            _toggle(
                settings.digest_when_empty,
                actions.SETTINGS_DIGEST_EMPTY,
                "settings.digest_empty.on",
                "settings.digest_empty.off",
                locale,
            ),
        )
    buttons = (
        Button(t(locale, "settings.raw"), actions.RAW),
        Button(t(locale, "common.back"), actions.MENU),
    )
    return OutMessage(
        "\n".join(lines),
        (Block(menus=menus), Block(menus=work_menus), Block(buttons=switches + buttons)),
    )


# ---- log out ----------------------------------------------------------------------------


def logout_confirm(locale: str) -> OutMessage:
    buttons = (
        Button(t(locale, "logout.yes"), actions.LOGOUT_CONFIRM, style="danger"),
        Button(t(locale, "logout.no"), actions.LOGOUT_CANCEL),
    )
    return OutMessage(t(locale, "logout.confirm"), (Block(buttons=buttons),))


def logged_out(locale: str) -> OutMessage:
    return OutMessage(t(locale, "logout.done"))


def logout_cancelled(locale: str) -> OutMessage:
    return OutMessage(t(locale, "logout.cancelled"), (main_menu_block(locale),))


# ---- RAW CalDAV -------------------------------------------------------------------------


def raw_picker(calendars: Sequence[CalendarRef], locale: str) -> OutMessage:
    """Pick a calendar to see the server's raw answer for it (values are `calendar_ref`s)."""
    if not calendars:
        return OutMessage(t(locale, "raw.no_calendars"))
    # A menu option's text is plain text in Mattermost, not Markdown: no escapes.
    options = tuple(
        MenuOption(" ".join(c.name.split())[:60] or c.href[-60:], calendar_ref(c.href))
        for c in calendars
    )
    menu = Menu(t(locale, "raw.placeholder"), actions.RAW_CALENDAR, options)
    return OutMessage(t(locale, "raw.pick"), (Block(menus=(menu,)),))


RAW_LINE_CHARS: Final = 300  # an inline ATTACH is megabytes on one line
RAW_MAX_CHARS: Final = 8 * POST_LIMIT  # at most a few posts, whatever the server answered


def shorten_raw(xml: str, locale: str) -> str:
    """The server's answer within RAW_MAX_CHARS: long lines cut with how much is left out,
    and the lines beyond the limit counted, not posted."""
    out: list[str] = []
    size = 0
    lines = xml.strip().splitlines()
    for index, line in enumerate(lines):
        if len(line) > RAW_LINE_CHARS:
            left = len(line) - RAW_LINE_CHARS
            line = f"{line[:RAW_LINE_CHARS]}{t(locale, 'raw.cut_line', count=left)}"
        if size + len(line) > RAW_MAX_CHARS:
            out.append(t(locale, "raw.truncated", count=len(lines) - index))
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def raw_xml(
    calendar_name: str, xml: str, locale: str, *, limit: int = POST_LIMIT
) -> list[OutMessage]:
    """The raw XML as ```xml blocks, each part a closed block under the post limit; an
    answer too big for a few posts is shortened (shorten_raw)."""
    head = t(locale, "raw.header", calendar=md_inline(calendar_name, 100))
    if not xml.strip():
        return [OutMessage(f"{head}\n\n{t(locale, 'raw.empty')}")]
    marker_room = 64  # "part N of M" above every block of a long answer
    parts = split_code_block(shorten_raw(xml, locale), "xml", limit - marker_room, head=head)
    if len(parts) == 1:
        return [OutMessage(parts[0])]
    return [
        OutMessage(f"{t(locale, 'raw.part', number=number, total=len(parts))}\n{part}")
        for number, part in enumerate(parts, start=1)
    ]
