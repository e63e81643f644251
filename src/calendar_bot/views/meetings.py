"""Meeting lists (a day, now-and-next, the week), one meeting's details, RSVP results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from calendar_bot.domain.agenda import all_day_dates, now_and_next, occurrences_on, week_agenda
from calendar_bot.domain.model import Occurrence, PartStat
from calendar_bot.i18n import t, tn
from calendar_bot.views import actions
from calendar_bot.views.formatting import (
    format_date,
    format_span,
    format_time,
    format_when,
    local,
    md_cell,
    md_inline,
    md_quote,
    md_url,
    my_status,
    partstat_label,
    person,
    title_of,
    weekday_short,
)
from calendar_bot.views.message import Block, Button, ButtonStyle, Menu, MenuOption, OutMessage
from calendar_bot.views.own_meetings import edit_buttons
from calendar_bot.views.payloads import InviteAnswer, Rsvp
from calendar_bot.views.refs import occurrence_ref
from calendar_bot.views.split import POST_LIMIT, Line, split_lines_indexed

MAX_MENU_OPTIONS = 100
MAX_OPTION_TEXT = 70
MAX_ATTENDEES_SHOWN = 40
MAX_DESCRIPTION = 4000


# ---- lists ------------------------------------------------------------------------------


def _table_header(locale: str) -> str:
    columns = (t(locale, "table.time"), t(locale, "table.title"), t(locale, "table.status"))
    return "| " + " | ".join(columns) + " |\n|:--|:--|:--|"


def _row(occurrence: Occurrence, locale: str, tz: ZoneInfo, day: date | None) -> str:
    title = md_cell(title_of(occurrence.title, locale))
    if occurrence.join_url:
        title += f" {t(locale, 'list.join_marker')}"
    if occurrence.recurring:
        title += f" {t(locale, 'list.recurring_marker')}"
    if occurrence.cut is not None:
        title += f" {t(locale, 'list.cut_marker')}"
    span = format_span(occurrence, locale, tz, day=day)
    return f"| {span} | {title} | {my_status(occurrence, locale)} |"


def _option(occurrence: Occurrence, locale: str, tz: ZoneInfo, *, with_weekday: bool) -> MenuOption:
    if occurrence.all_day:
        when = t(locale, "time.all_day")
        first, last = all_day_dates(occurrence)
        if with_weekday and first == last:
            when = f"{weekday_short(occurrence.start_date, locale)} {when}"
    else:
        start = local(occurrence.start, tz)
        when = format_time(start)
        if with_weekday:
            when = f"{weekday_short(start.date(), locale)} {when}"
    text = f"{when} · {' '.join(title_of(occurrence.title, locale).split())}"
    if len(text) > MAX_OPTION_TEXT:
        text = text[: MAX_OPTION_TEXT - 1].rstrip() + "…"
    return MenuOption(text, occurrence_ref(occurrence))


_Section = tuple[str, Sequence[Occurrence], date | None, str]  # heading, rows, day, empty text


def _render_sections(
    head: str,
    sections: Sequence[_Section],
    locale: str,
    tz: ZoneInfo,
    *,
    with_weekday: bool,
    limit: int,
) -> list[OutMessage]:
    """Headed tables, split under `limit` with headings repeated; each part gets a menu to
    open the meetings shown in it."""
    lines: list[Line] = []
    owners: list[Occurrence | None] = []
    header = _table_header(locale)
    for heading, rows, day, empty in sections:
        if lines:
            lines.append(Line(""))
            owners.append(None)
        if not rows:
            lines.append(Line(f"{heading}\n{empty}" if heading else empty))
            owners.append(None)
            continue
        # A heading travels with the table header and the first row, so no part ends on a
        # dangling heading; Markdown needs the blank line before a table.
        opening = f"{heading}\n\n{header}" if heading else header
        context = f"{heading} {t(locale, 'list.continued')}\n\n{header}" if heading else header
        for index, occurrence in enumerate(rows):
            row = _row(occurrence, locale, tz, day)
            if index == 0:
                lines.append(Line(f"{opening}\n{row}"))  # carries its own heading
            else:
                lines.append(Line(row, context=context))
            owners.append(occurrence)
    # The head and a blank line, so the first table is not glued to the title.
    parts = split_lines_indexed(lines, limit, head=f"{head}\n" if head else "")
    messages: list[OutMessage] = []
    for text, indices in parts:
        options: list[MenuOption] = []
        seen: set[str] = set()
        for index in indices:
            owner = owners[index]
            if owner is None:
                continue
            option = _option(owner, locale, tz, with_weekday=with_weekday)
            if option.value not in seen and len(options) < MAX_MENU_OPTIONS:
                seen.add(option.value)
                options.append(option)
        blocks: tuple[Block, ...] = ()
        if options:
            menu = Menu(t(locale, "list.open_placeholder"), actions.OPEN_MEETING, tuple(options))
            blocks = (Block(menus=(menu,)),)
        messages.append(OutMessage(text.rstrip("\n"), blocks))
    return messages


def _day_heading(day: date, locale: str, now: datetime, tz: ZoneInfo) -> tuple[str, str]:
    today = local(now, tz).date()
    label = format_date(day, locale, today=today)
    if day == today:
        return t(locale, "list.today_title", date=label), t(locale, "list.empty_today")
    if day == today + timedelta(days=1):
        return t(locale, "list.tomorrow_title", date=label), t(locale, "list.empty_tomorrow")
    return t(locale, "list.day_title", date=label), t(locale, "list.empty_day")


def day_view(
    occurrences: Iterable[Occurrence],
    day: date,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    limit: int = POST_LIMIT,
) -> list[OutMessage]:
    """Today / Tomorrow / any day: a table of that day's meetings (give any superset)."""
    rows = occurrences_on(occurrences, day, tz)
    heading, empty = _day_heading(day, locale, now, tz)
    if not rows:
        return [OutMessage(f"{heading}\n\n{empty}")]
    head = f"{heading} · {tn(locale, 'plural.meetings', len(rows))}"
    return _render_sections(
        head, [("", rows, day, empty)], locale, tz, with_weekday=False, limit=limit
    )


def daily_digest(
    occurrences: Iterable[Occurrence],
    day: date,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    limit: int = POST_LIMIT,
) -> list[OutMessage]:
    """The morning digest: a greeting line, then the same table as Today.

    Meetings already over when it is sent (an early stand-up, a digest sent late) are left out
    of the table and counted in one line: the digest is about what is ahead.
    """
    rows = occurrences_on(occurrences, day, tz)
    over = [o for o in rows if not o.all_day and o.end <= now]
    rows = [o for o in rows if o not in over]
    hour = local(now, tz).hour
    greeting_key = (
        "digest.morning" if hour < 12 else "digest.day" if hour < 18 else "digest.evening"
    )
    label = format_date(day, locale, today=local(now, tz).date())
    greeting = t(locale, greeting_key)
    if over:
        greeting += "\n" + tn(locale, "plural.meetings_over", len(over))
    if not rows:
        empty_key = "digest.nothing_left" if over else "digest.empty"
        return [OutMessage(f"{greeting}\n{t(locale, empty_key, date=label)}")]
    count = tn(locale, "plural.meetings", len(rows))
    head = f"{greeting}\n{t(locale, 'digest.intro', date=label, meetings=count)}"
    return _render_sections(
        head, [("", rows, day, "")], locale, tz, with_weekday=False, limit=limit
    )


def now_and_next_view(
    occurrences: Iterable[Occurrence],
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    limit: int = POST_LIMIT,
) -> list[OutMessage]:
    """What is on now, then what is left of today (give today's meetings or any superset)."""
    today = local(now, tz).date()
    # Today's all-day events (agenda.all_day) stay out: not "on now" in any useful sense.
    agenda = now_and_next(occurrences, now, tz)
    title = t(locale, "now.title", time=format_time(local(now, tz)))
    if not agenda.now and not agenda.next:
        return [OutMessage(f"{title}\n\n{t(locale, 'now.empty')}")]
    sections: list[_Section] = [
        (t(locale, "now.current"), agenda.now, today, t(locale, "now.nothing_now")),
        (t(locale, "now.next"), agenda.next, today, t(locale, "now.nothing_later")),
    ]
    return _render_sections(title, sections, locale, tz, with_weekday=False, limit=limit)


def week_view(
    occurrences: Iterable[Occurrence],
    first_day: date,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    days: int = 7,
    limit: int = POST_LIMIT,
) -> list[OutMessage]:
    """`days` days from `first_day`, one table per day; free days say so in one line."""
    today = local(now, tz).date()
    last_day = first_day + timedelta(days=days - 1)
    title = t(
        locale,
        "week.title",
        start=format_date(first_day, locale, today=today),
        end=format_date(last_day, locale, today=today),
    )
    sections: list[_Section] = []
    total: set[str] = set()
    for day, rows in week_agenda(occurrences, first_day, tz, days=days):
        total.update(occurrence_ref(o) for o in rows)
        heading = f"**{format_date(day, locale, today=today)}**"
        if day == today:
            heading += f" · {t(locale, 'week.today')}"
        sections.append((heading, rows, day, t(locale, "week.free_day")))
    if not total:
        return [OutMessage(f"{title}\n\n{t(locale, 'week.empty')}")]
    head = f"{title} · {tn(locale, 'plural.meetings', len(total))}"
    return _render_sections(head, sections, locale, tz, with_weekday=True, limit=limit)


# ---- one meeting ------------------------------------------------------------------------


def can_rsvp(occurrence: Occurrence) -> bool:
    """Answer buttons only where an answer means something: invited by someone else."""
    return (
        occurrence.organizer is not None
        and not occurrence.i_am_organizer
        and occurrence.my_partstat is not None
        and not occurrence.cancelled
    )


_RSVP_CHOICES: tuple[tuple[PartStat, str, ButtonStyle], ...] = (
    (PartStat.ACCEPTED, "rsvp.accept", "success"),
    (PartStat.TENTATIVE, "rsvp.tentative", "default"),
    (PartStat.DECLINED, "rsvp.decline", "danger"),
)


def rsvp_buttons(occurrence: Occurrence, locale: str) -> tuple[Button, ...]:
    ref = occurrence_ref(occurrence)
    return tuple(
        Button(t(locale, key), actions.RSVP, Rsvp(ref, partstat).pack(), style)
        for partstat, key, style in _RSVP_CHOICES
    )


def invite_buttons(uid: str, locale: str) -> tuple[Button, ...]:
    """Accept / Maybe / Decline under an invitation the bot told: the meeting by its UID."""
    return tuple(
        Button(t(locale, key), actions.INVITE_RSVP, InviteAnswer(uid, partstat).pack(), style)
        for partstat, key, style in _RSVP_CHOICES
    )


def join_button(url: str, locale: str) -> Button:
    return Button(t(locale, "details.join"), actions.JOIN, style="primary", url=url)


def open_button(occurrence: Occurrence, locale: str) -> Button:
    return Button(
        t(locale, "details.open"), actions.OPEN_MEETING, {"ref": occurrence_ref(occurrence)}
    )


def notice_buttons(occurrence: Occurrence, locale: str) -> tuple[Block, ...]:
    """Under a notice or reminder: Join, the answers if they mean something, and Open."""
    buttons = [b for block in meeting_buttons(occurrence, locale) for b in block.buttons]
    buttons.append(open_button(occurrence, locale))
    return (Block(buttons=tuple(buttons)),)


def day_nav(day: date, locale: str, today: date) -> Block:
    """◀ the day before · the day after ▶ · another date."""
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    return Block(
        buttons=(
            Button(
                t(locale, "list.prev", label=_nav_label(before, locale, today)),
                actions.LIST_DAY,
                {"day": before.isoformat()},
            ),
            Button(
                t(locale, "list.next", label=_nav_label(after, locale, today)),
                actions.LIST_DAY,
                {"day": after.isoformat()},
            ),
            Button(t(locale, "list.other_date"), actions.LIST_OTHER_DATE),
        )
    )


def week_nav(first_day: date, locale: str) -> Block:
    return Block(
        buttons=(
            Button(
                t(locale, "list.prev_week"),
                actions.LIST_WEEK,
                {"day": (first_day - timedelta(days=7)).isoformat()},
            ),
            Button(
                t(locale, "list.next_week"),
                actions.LIST_WEEK,
                {"day": (first_day + timedelta(days=7)).isoformat()},
            ),
            Button(t(locale, "list.other_date"), actions.LIST_OTHER_DATE),
        )
    )


def other_date_hint(locale: str) -> OutMessage:
    return OutMessage(t(locale, "list.other_date.hint"))


def with_nav(messages: list[OutMessage], nav: Block) -> list[OutMessage]:
    """The navigation goes under the last part of a list."""
    last = messages[-1]
    return [*messages[:-1], OutMessage(last.text, (*last.blocks, nav))]


def _nav_label(day: date, locale: str, today: date) -> str:
    if day == today:
        return t(locale, "list.today")
    if day == today + timedelta(days=1):
        return t(locale, "list.tomorrow")
    return f"{weekday_short(day, locale)} {day.day}.{day.month:02d}"


def meeting_buttons(occurrence: Occurrence, locale: str) -> tuple[Block, ...]:
    buttons: list[Button] = []
    if occurrence.join_url and not occurrence.cancelled:
        buttons.append(join_button(occurrence.join_url, locale))
    if can_rsvp(occurrence):
        buttons.extend(rsvp_buttons(occurrence, locale))
    return (Block(buttons=tuple(buttons)),) if buttons else ()


def meeting_lines(occurrence: Occurrence, locale: str, tz: ZoneInfo, now: datetime) -> list[str]:
    """The facts of a meeting, one per line: when, organizer, location, link."""
    today = local(now, tz).date()
    lines = [t(locale, "details.when", when=format_when(occurrence, locale, tz, today=today))]
    if occurrence.organizer is not None:
        if occurrence.i_am_organizer:
            lines.append(t(locale, "details.organizer_me"))
        else:
            lines.append(t(locale, "details.organizer", name=person(occurrence.organizer)))
    if occurrence.location.strip():
        lines.append(t(locale, "details.location", location=md_inline(occurrence.location)))
    if occurrence.join_url and occurrence.join_url != occurrence.location.strip():
        lines.append(t(locale, "details.link", url=md_url(occurrence.join_url)))
    return lines


def meeting_details(occurrence: Occurrence, locale: str, tz: ZoneInfo, now: datetime) -> OutMessage:
    """Everything about one meeting, with Join and (when invited) Accept / Maybe / Decline."""
    lines = [t(locale, "details.title", title=md_inline(title_of(occurrence.title, locale)))]
    if occurrence.cancelled:
        lines.append(t(locale, "details.cancelled"))
    if occurrence.recurring:
        lines.append(t(locale, "details.recurring"))
    if occurrence.cut is not None:
        lines.append(t(locale, "details.cut", reason=t(locale, f"cut.reason.{occurrence.cut}")))
    lines.extend(meeting_lines(occurrence, locale, tz, now))
    if occurrence.attendees:
        lines.append("")
        lines.append(t(locale, "details.attendees", count=occurrence.attendees_total))
        for attendee in occurrence.attendees[:MAX_ATTENDEES_SHOWN]:
            status = partstat_label(attendee.partstat, locale)
            lines.append(f"• {person(attendee)} — {status}")
        hidden = occurrence.attendees_total - MAX_ATTENDEES_SHOWN
        if hidden > 0:
            lines.append(t(locale, "common.and_more", count=hidden))
    if occurrence.description.strip():
        description = occurrence.description.strip()
        if len(description) > MAX_DESCRIPTION:
            description = description[: MAX_DESCRIPTION - 1].rstrip() + "…"
        lines.append("")
        lines.append(t(locale, "details.description"))
        lines.append(md_quote(description))
    if occurrence.my_partstat is not None and not occurrence.i_am_organizer:
        lines.append("")
        lines.append(
            t(locale, "details.my_status", status=partstat_label(occurrence.my_partstat, locale))
        )
    blocks = meeting_buttons(occurrence, locale)
    edits = edit_buttons(occurrence, locale)
    if edits is not None:
        blocks = (*blocks, edits)
    return OutMessage("\n".join(lines), blocks)


_RSVP_DONE = {
    PartStat.ACCEPTED: "rsvp.done.accepted",
    PartStat.TENTATIVE: "rsvp.done.tentative",
    PartStat.DECLINED: "rsvp.done.declined",
}


def rsvp_done(
    occurrence: Occurrence, partstat: PartStat, locale: str, tz: ZoneInfo, now: datetime
) -> OutMessage:
    """The confirmation after an answer was written to the calendar."""
    key = _RSVP_DONE.get(partstat, "rsvp.done.other")
    today = local(now, tz).date()
    return OutMessage(
        t(
            locale,
            key,
            title=md_inline(title_of(occurrence.title, locale)),
            when=format_when(occurrence, locale, tz, today=today),
            status=partstat_label(partstat, locale),
        )
    )


def invitation_not_yet(locale: str) -> OutMessage:
    """An answer to an invitation whose copy has not reached the person's calendar yet."""
    return OutMessage(t(locale, "invite.not_yet"))


MEETING_ERRORS = ("gone", "conflict", "unreachable", "forbidden", "auth", "rule")


def meeting_error(code: str, locale: str) -> OutMessage:
    """A failed meeting action: `gone`, `conflict`, `unreachable`, `forbidden`, `auth`, `rule`;
    anything else is the generic error."""
    if code in MEETING_ERRORS:
        return OutMessage(t(locale, f"meeting.error.{code}"))
    return OutMessage(t(locale, "error.generic"))


def snooze_answer(
    occurrence: Occurrence, fires: datetime | None, locale: str, tz: ZoneInfo
) -> OutMessage:
    """The answer to a snooze pick: when it reminds again, or that it is too late for that."""
    title = md_inline(occurrence.title)
    if fires is None:
        start = f"{occurrence.start.astimezone(tz):%H:%M}"
        return OutMessage(t(locale, "snooze.too_late", title=title, time=start))
    return OutMessage(t(locale, "snooze.set", title=title, time=f"{fires.astimezone(tz):%H:%M}"))
