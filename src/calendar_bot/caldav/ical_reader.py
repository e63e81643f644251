"""A faster reader of iCalendar text into icalendar's own component tree.

`read_calendars(text)` returns what `icalendar.Calendar.from_ical(text, multiple=True)`
returns, in about half the time. Most of icalendar's cost is its generic content-line
machinery: a character loop to split each line, three `Parameters` objects built per line,
a type lookup per value. This reader is icalendar's own calendar parser (components,
value types, TZID handling, errors, the re-run for forward time zone references are all
its code) with three hot spots replaced:

* a line is split by two regular expressions when its name and parameters are plain:
  values quoted whole or not at all, no `\\` or `^` escapes, nothing icalendar would reject
  or rewrite there (stray whitespace, control characters); any other line goes through
  icalendar's `Contentline.parts`;
* its `Parameters` are built once, straight from the split;
* the value type of a (property name, VALUE parameter) pair is looked up once per process.

CATEGORIES, FREEBUSY, an empty RDATE, a property outside any component and value types
that read the line themselves go through icalendar's own `handle_property`. Should
anything raise, the text is parsed again by icalendar itself, so errors are its errors.
tests/unit/test_ical_reader.py compares the two trees on the corpus and generated input.
"""

from __future__ import annotations

import functools
import re
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, cast

import icalendar
from icalendar.parser.content_line import NEWLINE, UFOLD, Contentline
from icalendar.parser.ical.calendar import CalendarIcalParser
from icalendar.parser.parameter import q_split
from icalendar.parser.property import unescape_backslash
from icalendar.prop import vUnknown

if TYPE_CHECKING:
    from icalendar.prop import VPROPERTY

ParamValue = str | list[str]

_NAME = re.compile(r"[\w.-]+")  # icalendar's NAME: what a property or parameter name may be
# One parameter, `;KEY=VALUE[,VALUE...]`, each value quoted or not, as icalendar's
# Parameters.from_ical reads it: without the characters it refuses (control characters;
# '"' inside a value) and without a ':' outside quotes, which would end the parameters.
_VALUE = '(?:"[^"\x00-\x08\x0a-\x1f\x7f]*"|[^",:;\x00-\x08\x0a-\x1f\x7f]*)'
_PARAM = re.compile(rf";([\w.-]+)=({_VALUE}(?:,{_VALUE})*)")
_QUOTED = re.compile(r'"[^"]*"')
# whitespace icalendar strips from a parameter section when lenient (around ';' and '=')
_OWS_AT_DELIMITER = re.compile(r"[ \t][;=]|[;=][ \t]")
_OWN_HANDLING = frozenset({"CATEGORIES", "FREEBUSY"})
_TYPES = icalendar.Calendar.types_factory
_set_param = OrderedDict.__setitem__


def read_calendars(text: str) -> list[icalendar.Calendar]:
    """The components of `text`, as `icalendar.Calendar.from_ical(text, multiple=True)`
    returns them; raises what it raises."""
    try:
        return cast("list[icalendar.Calendar]", _CalendarReader(text).parse())
    except Exception:
        return icalendar.Calendar.from_ical(text, multiple=True)


@functools.lru_cache(maxsize=1024)
def _factory(name: str, value_param: str | None) -> Any:
    """The value type (a class) of a property: `TypesFactory.for_property`, which depends on
    nothing else (the factory is icalendar's shared one, never changed by the bot)."""
    return _TYPES.for_property(name, value_param)


def _contentline(line: str) -> Contentline:
    return Contentline(line)  # type: ignore[no-untyped-call]


def _unescape(value: str) -> str:
    """The value as `Contentline.parts` gives it (backslash escapes undone)."""
    return unescape_backslash(value) if "\\" in value else value


def _split_line(line: str) -> tuple[str, dict[str, ParamValue], str] | None:
    """A content line's name, parameters and raw (still escaped) value as icalendar's
    `Contentline.raw_parts` and `Parameters.from_ical` read them (parameter names
    upper-cased, the last of a repeated one winning in the first one's place, a value with
    commas a list), or None when the line is left to icalendar: when it might read the line
    otherwise, or reject it. Before the value separator there must be no `\\` (escapes,
    also undone in quoted values), no `^` (RFC 6868 escapes), no whitespace that icalendar
    would strip."""
    name = _NAME.match(line)
    if name is None:
        return None
    pos = name.end()
    params: dict[str, ParamValue] = {}
    while line.startswith(";", pos):
        param = _PARAM.match(line, pos)
        if param is None:
            return None
        key, value = param.groups()
        if '"' in value:
            values = [v[1:-1] if v.startswith('"') else v for v in q_split(value, ",")]
        else:
            values = value.split(",")
        params[key.upper()] = values[0] if len(values) == 1 else values
        pos = param.end()
    if not line.startswith(":", pos):
        return None
    head = line[:pos]
    if "\\" in head or "^" in head:
        return None
    if "\t" in head or " " in head:
        section = _QUOTED.sub('""', head[name.end() + 1 :])  # whitespace outside quotes
        if section != section.strip() or _OWS_AT_DELIMITER.search(section) is not None:
            return None
    return name.group(), params, line[pos + 1 :]


def _parameters(found: dict[str, ParamValue]) -> icalendar.Parameters:
    """A `Parameters` equal to the one icalendar builds: its keys are upper-case already,
    so the case-folding constructor is skipped."""
    params: icalendar.Parameters = icalendar.Parameters.__new__(icalendar.Parameters)
    for key, value in found.items():
        _set_param(params, key, value)
    return params


class _CalendarReader(CalendarIcalParser):
    """icalendar's calendar parser with a faster line split (see the module docstring)."""

    def __init__(self, text: str) -> None:
        super().__init__(text, icalendar.Calendar._get_component_factory(), _TYPES)
        if "\n " in text or "\n\t" in text:  # every fold UFOLD matches has one of these
            text = UFOLD.sub("", text)
        self._lines = [line for line in NEWLINE.split(text) if line]

    def initialize_parsing(self) -> None:
        # icalendar's, without turning every line into a Contentline; called again by
        # prepare_components when a time zone is defined after its first use
        self._stack = []
        self._components = []
        self._content_lines_iterator = iter(self._lines)

    def parse_content_lines(self) -> None:
        for line in self._content_lines_iterator:
            split = _split_line(line)
            if split is None:
                self._parse_line_slowly(_contentline(line))
                continue
            name, found, raw = split
            uname = name.upper()
            if uname == "BEGIN":
                self.handle_begin_component(_unescape(raw))
            elif uname == "END":
                self.handle_end_component(_unescape(raw))
            else:
                self._add_property(uname, found, raw, line)

    def _parse_line_slowly(self, line: Contentline) -> None:
        """One line as icalendar's parse_content_lines reads it."""
        try:
            name, params, vals = line.parts()
        except ValueError as exc:
            self.handle_line_parse_error(exc)
            return
        uname = name.upper()
        if uname == "BEGIN":
            self.handle_begin_component(vals)
        elif uname == "END":
            self.handle_end_component(vals)
        else:
            self.handle_property(uname, params, vals, line)

    def _add_property(self, name: str, found: dict[str, ParamValue], raw: str, line: str) -> None:
        """icalendar's handle_property and parse_and_add_property for the common case; the
        rest is left to them."""
        params = _parameters(found)
        factory = _factory(name, params.value)
        reads_line = getattr(factory, "get_value_from_content_line", None) is not None
        component = self.component
        if (
            component is None
            or name in _OWN_HANDLING
            or (name == "RDATE" and raw == "")
            or (reads_line and factory is not vUnknown)
        ):
            self.handle_property(name, params, _unescape(raw), _contentline(line))
            return
        tzid = found.get("TZID") if found and name in self.datetime_names else None
        # vUnknown's value is the line's raw value, taken verbatim
        value = raw if reads_line else _unescape(raw)
        try:
            parsed = factory.from_ical(value, tzid) if tzid else factory.from_ical(value)
        except (ValueError, TypeError) as exc:
            # the line only travels on to handle_property_parse_error, which does not read it
            self.handle_property_parse_error(exc, name, params, value, line)  # type: ignore[arg-type]
            return
        instance = factory(parsed)
        instance.params = params
        component.add(name, instance, encode=False)

    def get_factory_for_property(self, name: str, params: icalendar.Parameters) -> VPROPERTY:
        return _factory(name, params.value)  # type: ignore[no-any-return]
