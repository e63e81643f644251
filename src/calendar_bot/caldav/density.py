"""How much a recurring event costs to expand, decided before expanding it, and what is
shown of one that costs too much.

Expanding a rule costs about as much as the instances it has between its start and the end
of the horizon, and the instances it has inside the horizon are what the bot keeps. Both
are estimated from the rule itself (FREQ, INTERVAL, COUNT, UNTIL and the BY… parts), as an
upper bound, in constant time: a per-second rule with no end, or COUNT=1000000, is judged
without producing a single instance. A series over the limits is cut: it keeps its first
instance of each local day of the horizon, found by arithmetic or by a short run of the
rule from a start moved near that day, never by walking the rule from its original start.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar
from dateutil import rrule as du

from calendar_bot.caldav.limits import MAX_OCCURRENCES, MAX_RULE_STEPS, Budget
from calendar_bot.domain.model import Cut

MAX_RULE_PERIODS = 200_000  # base periods (seconds of a SECONDLY rule…) walked from DTSTART

_DAY = 86_400
_PERIODS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3_600,
    "DAILY": _DAY,
    "WEEKLY": 7 * _DAY,
    "MONTHLY": 28 * _DAY,  # the shortest month: an upper bound on how often
    "YEARLY": 365 * _DAY,
}
_RANK = {name: index for index, name in enumerate(_PERIODS)}
_DU_FREQ = {
    "SECONDLY": du.SECONDLY,
    "MINUTELY": du.MINUTELY,
    "HOURLY": du.HOURLY,
    "DAILY": du.DAILY,
    "WEEKLY": du.WEEKLY,
}
_REASONS = {"SECONDLY": Cut.EVERY_SECOND, "MINUTELY": Cut.EVERY_MINUTE, "HOURLY": Cut.EVERY_HOUR}
# BY… part -> (the unit it picks from, how many values the unit has)
_TIME_PARTS = {"BYSECOND": ("MINUTELY", 60), "BYMINUTE": ("HOURLY", 60), "BYHOUR": ("DAILY", 24)}
_WEEKDAYS = {
    "MO": du.MO,
    "TU": du.TU,
    "WE": du.WE,
    "TH": du.TH,
    "FR": du.FR,
    "SA": du.SA,
    "SU": du.SU,
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One RRULE, as far as its cost goes."""

    freq: str
    interval: int
    count: int | None
    until: date | datetime | None
    parts: dict[str, list[Any]]  # the BY… parts

    @property
    def period(self) -> int:
        """Seconds between two base periods (a lower bound for MONTHLY and YEARLY)."""
        return _PERIODS[self.freq] * self.interval

    def per_period(self) -> float:
        """An upper bound on instances per base period: BY… parts finer than FREQ multiply,
        coarser ones filter (a share of their unit)."""
        factor = 1.0
        for name, values in self.parts.items():
            n = max(1, len(values))
            if name in _TIME_PARTS:
                unit, size = _TIME_PARTS[name]
                # BYHOUR on a DAILY rule picks hours of each day: it multiplies
                factor *= n if _RANK[self.freq] >= _RANK[unit] else n / size
            elif name == "BYDAY":
                factor *= n / 7 if _RANK[self.freq] <= _RANK["DAILY"] else n * 5
            elif name == "BYMONTHDAY":
                factor *= n / 28 if _RANK[self.freq] <= _RANK["WEEKLY"] else n * 12
            elif name in ("BYYEARDAY", "BYWEEKNO"):
                factor *= n * 7
            elif name == "BYMONTH":
                factor *= n / 12 if _RANK[self.freq] <= _RANK["MONTHLY"] else n
        return factor

    def per_day_cap(self) -> float:
        """At most this many instances a day for rules of a day or longer: one per time."""
        times = 1
        for name in _TIME_PARTS:
            times *= max(1, len(self.parts.get(name, ())))
        return times


def read_rule(value: Any) -> Rule | None:
    """A Rule from icalendar's parsed RRULE (a vRecur), or None when it is unreadable."""
    try:
        freq = str(value["FREQ"][0]).upper()
        if freq not in _PERIODS:
            return None
        interval = max(1, int(value.get("INTERVAL", [1])[0]))
        count = int(value["COUNT"][0]) if "COUNT" in value else None
        until = value["UNTIL"][0] if "UNTIL" in value else None
        parts = {k.upper(): list(v) for k, v in value.items() if k.upper().startswith("BY")}
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if until is not None and not isinstance(until, date):
        until = None
    return Rule(freq, interval, count, until, parts)


def _moment(value: date | datetime, zone: tzinfo) -> datetime:
    """A comparable aware moment (floating and all-day values in `zone`)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    return datetime.combine(value, time(0), tzinfo=zone)


def judge(
    master: icalendar.cal.Component, start: datetime, end: datetime, zone: tzinfo
) -> Cut | None:
    """Whether expanding this event over [start, end) is over the limits, and why.

    Estimated from the rules, never by expanding: how many instances fall in the horizon,
    and how many the expansion must walk through from DTSTART to reach its end."""
    first = getattr(master.get("DTSTART"), "dt", None)
    if not isinstance(first, date):
        return None
    since = (end - _moment(first, zone)).total_seconds()
    if since <= 0:
        return None  # starts after the horizon
    horizon = (end - max(start, _moment(first, zone))).total_seconds()
    rdates = sum(len(getattr(p, "dts", ()) or ()) for p in _as_list(master.get("RDATE")))
    if rdates > MAX_OCCURRENCES:
        return Cut.TOO_OFTEN
    for value in _as_list(master.get("RRULE")):
        rule = read_rule(value)
        if rule is None:
            continue
        rate = rule.per_period() / rule.period  # instances per second, at most
        inside = math.ceil(horizon * rate)
        if _RANK[rule.freq] >= _RANK["DAILY"]:
            inside = min(inside, math.ceil(horizon / _DAY + 1) * math.ceil(rule.per_day_cap()))
        walked = max(0.0, since) * rate
        periods = max(0.0, since) / rule.period
        if rule.count is not None:
            walked = min(walked, rule.count)
            inside = min(inside, rule.count)
            periods = min(periods, rule.count * max(1.0, 1 / max(rule.per_period(), 1e-9)))
        until = rule.until
        if until is not None and _moment(until, zone) < start:
            continue  # over before the horizon: the walk stops at UNTIL, nothing inside
        if inside > MAX_OCCURRENCES or walked > MAX_RULE_STEPS or periods > MAX_RULE_PERIODS:
            return _REASONS.get(rule.freq, Cut.TOO_OFTEN)
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# ---- what is shown of a cut series ----------------------------------------------------------


def local_days(start: datetime, end: datetime, zone: tzinfo) -> Iterator[datetime]:
    """The starts (local midnight, aware) of the local days that touch [start, end)."""
    day = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    while day <= last:
        yield datetime.combine(day, time(0), tzinfo=zone)
        day += timedelta(days=1)


def _shift_unit(rule: Rule) -> int | None:
    """The shortest shift (seconds of wall-clock time) that maps the rule's instances onto
    themselves, or None when there is none we can vouch for (COUNT with BY… parts, month or
    year rules, BY… parts other than times of day and plain weekdays)."""
    if rule.freq not in _DU_FREQ:
        return None
    names = set(rule.parts)
    if not names <= {"BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "WKST"}:
        return None
    if names - {"WKST"} and rule.count is not None:
        return None
    if any(not str(day).isalpha() for day in rule.parts.get("BYDAY", ())):
        return None  # an ordinal weekday ("1MO") counts within a month or year
    grain = rule.period
    for name, size in (
        ("BYSECOND", 60),
        ("BYMINUTE", 3_600),
        ("BYHOUR", _DAY),
        ("BYDAY", 7 * _DAY),
    ):
        if name in names:
            grain = math.lcm(grain, size)
    return grain if grain <= 28 * _DAY else None


def _naive_in(value: date | datetime, zone: tzinfo) -> datetime:
    """Wall-clock time of `value` in `zone` (the rule's own clock), without tzinfo."""
    return _moment(value, zone).astimezone(zone).replace(tzinfo=None)


def day_firsts(
    master: icalendar.cal.Component,
    start: datetime,
    end: datetime,
    zone: tzinfo,
    budget: Budget,
) -> list[datetime]:
    """The first instance of each local day of [start, end) of a cut series, as DTSTART
    values of the master's kind (aware in its zone, or floating). Bounded work per day."""
    first = getattr(master.get("DTSTART"), "dt", None)
    if not isinstance(first, date):
        return []
    rules = [r for r in (read_rule(v) for v in _as_list(master.get("RRULE"))) if r is not None]
    rule_zone = first.tzinfo if isinstance(first, datetime) and first.tzinfo else zone
    origin = _naive_in(first, rule_zone)
    rdates = sorted(
        _naive_in(d.dt, rule_zone)
        for p in _as_list(master.get("RDATE"))
        for d in (getattr(p, "dts", None) or ())
        if isinstance(getattr(d, "dt", None), date) and not isinstance(d.dt, tuple)
    )
    out: list[datetime] = []
    for day in local_days(start, end, zone):
        if budget.exceeded():
            break
        day_start = _naive_in(max(day, start), rule_zone)
        day_end = _naive_in(day + timedelta(days=1), rule_zone)
        found = [
            t for t in (_first_at(r, origin, day_start, rule_zone) for r in rules) if t is not None
        ]
        at = bisect.bisect_left(rdates, day_start)
        if at < len(rdates):
            found.append(rdates[at])
        if not found or min(found) >= day_end:
            continue
        moment = min(found)
        if isinstance(first, datetime) and first.tzinfo is None:
            out.append(moment)
        else:
            out.append(moment.replace(tzinfo=rule_zone))
    return out


def _first_at(rule: Rule, origin: datetime, moment: datetime, zone: tzinfo) -> datetime | None:
    """The rule's first instance at or after `moment` (wall-clock in `zone`, naive)."""
    until = _naive_in(rule.until, zone) if rule.until is not None else None
    if until is not None and not isinstance(rule.until, datetime):
        until += timedelta(days=1, microseconds=-1)  # an UNTIL date includes that day
    if moment <= origin:
        candidate: datetime | None = origin
    elif not rule.parts or set(rule.parts) == {"WKST"}:
        # no BY… parts: instances are origin + n periods, by arithmetic
        n = math.ceil((moment - origin).total_seconds() / rule.period)
        if rule.count is not None and n >= rule.count:
            return None
        candidate = origin + timedelta(seconds=n * rule.period)
    else:
        unit = _shift_unit(rule)
        if unit is None:
            return None
        shifts = int((moment - origin).total_seconds() // unit)
        base = origin + timedelta(seconds=shifts * unit)
        try:
            candidate = _run(rule, base).after(moment, inc=True)
        except ValueError:  # BY… parts no instance satisfies
            return None
    if candidate is None or (until is not None and candidate > until):
        return None
    return candidate


def _run(rule: Rule, base: datetime) -> du.rrule:
    """The rule restarted at `base` (its count does not apply: see _shift_unit)."""
    weekdays: Sequence[du.weekday] | None = None
    if "BYDAY" in rule.parts:
        weekdays = [_WEEKDAYS[str(d).upper()[-2:]] for d in rule.parts["BYDAY"]]
    return du.rrule(
        _DU_FREQ[rule.freq],
        dtstart=base,
        interval=rule.interval,
        byhour=_ints(rule.parts.get("BYHOUR")),
        byminute=_ints(rule.parts.get("BYMINUTE")),
        bysecond=_ints(rule.parts.get("BYSECOND")),
        byweekday=weekdays,
        cache=False,
    )


def _ints(values: list[Any] | None) -> list[int] | None:
    return [int(v) for v in values] if values else None
