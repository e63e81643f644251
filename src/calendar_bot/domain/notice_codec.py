"""The one codec of the notices: a notice <-> (outbox kind, JSON payload).

Fields are encoded by their declared types, so a new notice kind needs nothing here:
occurrences as domain.occurrence_codec writes them, dates and datetimes as ISO 8601, enums
by value, tuples as lists, nested dataclasses as objects. The payload also holds the kind's
`tag` entries (see domain.notices).

Tolerant reading: rows enqueued by an older release must still deliver after an upgrade.
A field missing from a stored payload takes its default; entries the dataclass does not
know are ignored. The shape the previous release wrote (a "change" row with its "change",
"occurrence", "previous" and "series"; a "reminder" with "occurrence", "lead" and "late"; a
"digest" with "day" and "occurrences"; "unreadable" with "calendar" and "why"; "cut" with
"events" of "title" and "cut"; "reconnect" with nothing) is a subset of the shape written
now, so both read the same way.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

from calendar_bot.domain import notices
from calendar_bot.domain.model import Occurrence
from calendar_bot.domain.notices import NOTICE_TYPES, Notice
from calendar_bot.domain.occurrence_codec import occurrence_from_json, occurrence_to_json


class NoticeCodecError(ValueError):
    """An outbox row that is no notice this release knows (kind or payload)."""


def encode(notice: Notice) -> tuple[str, dict[str, Any]]:
    """(the outbox kind, the JSON payload) of a notice."""
    payload: dict[str, Any] = dict(notice.tag)
    payload.update(_encode_fields(notice))
    return notice.kind, payload


def decode(kind: str, payload: Mapping[str, Any]) -> Notice:
    """The notice an outbox row holds. Raises NoticeCodecError when it holds none."""
    for notice_type in NOTICE_TYPES:
        if notice_type.kind == kind and all(
            payload.get(name) == value for name, value in notice_type.tag.items()
        ):
            try:
                notice: Notice = _decode_dataclass(notice_type, payload)
                return notice
            except (KeyError, TypeError, ValueError) as exc:
                raise NoticeCodecError(
                    f"a {kind!r} row that cannot be read: {type(exc).__name__}"
                ) from exc
    raise NoticeCodecError(f"unknown outbox kind {kind!r}")


def _encode_fields(value: Any) -> dict[str, Any]:
    return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}


def _encode(value: Any) -> Any:
    if isinstance(value, Occurrence):
        return occurrence_to_json(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encode_fields(value)
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise NoticeCodecError(f"a notice field of type {type(value).__name__} has no encoding")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = get_type_hints(cls, vars(notices))
    return hints


def _decode_dataclass(cls: type[Any], data: Mapping[str, Any]) -> Any:
    if not isinstance(data, Mapping):
        raise TypeError(f"{cls.__name__} needs an object")
    hints = _hints(cls)
    values = {
        f.name: _decode(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)
        if f.name in data
    }
    return cls(**values)


def _decode(tp: Any, raw: Any) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [t for t in get_args(tp) if t is not type(None)]
        if raw is None:
            return None
        if len(options) != 1:
            raise TypeError(f"no decoding for {tp}")
        return _decode(options[0], raw)
    if origin is tuple:
        item = get_args(tp)[0]
        if not isinstance(raw, list | tuple):
            raise TypeError("a tuple needs a list")
        return tuple(_decode(item, r) for r in raw)
    if tp is Occurrence:
        return occurrence_from_json(raw)
    if tp is datetime:
        return datetime.fromisoformat(raw)
    if tp is date:
        return date.fromisoformat(raw)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(raw)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, raw)
    if tp is bool:
        return bool(raw)
    if tp in (str, int, float):
        return tp(raw)
    raise TypeError(f"no decoding for {tp}")
