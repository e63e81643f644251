"""`OpenDialogRequest.IsValid` from the server's model: what makes a dialog unshowable.

Lengths are Go `len()`, i.e. UTF-8 bytes: a 13-letter Cyrillic title is already too long.
"""

from __future__ import annotations

from typing import Any

TITLE_MAX = 24
DISPLAY_NAME_MAX = 24
NAME_MAX = 300
HELP_TEXT_MAX = 150
TEXT_MAX = 150
TEXTAREA_MAX = 3000
SELECT_MAX = 3000
BOOL_MAX = 150
TEXT_SUBTYPES = {"", "text", "email", "number", "tel", "url", "password"}
ELEMENT_TYPES = {"text", "textarea", "select", "bool", "radio", "date", "datetime"}


def _len(value: Any) -> int:
    return len(str(value or "").encode("utf-8"))


def _max(problems: list[str], field: str, value: Any, limit: int) -> None:
    if field in ("display_name", "name") and _len(value) == 0:
        problems.append(f"{field} cannot be empty")
    if _len(value) > limit:
        problems.append(f"{field} cannot be longer than {limit} bytes, got {_len(value)}")


def _default_in_options(element: dict[str, Any]) -> bool:
    default = element.get("default") or ""
    if not default:
        return True
    options = element.get("options") or []
    return any(isinstance(o, dict) and o.get("value") == default for o in options)


def element_problems(element: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    min_length = int(element.get("min_length") or 0)
    max_length = int(element.get("max_length") or 0)
    if min_length < 0:
        problems.append("min length cannot be negative")
    if min_length > max_length:
        problems.append(
            f"min length should be less than max length, got {min_length} > {max_length}"
        )
    _max(problems, "display_name", element.get("display_name"), DISPLAY_NAME_MAX)
    _max(problems, "name", element.get("name"), NAME_MAX)
    _max(problems, "help_text", element.get("help_text"), HELP_TEXT_MAX)
    kind = element.get("type")
    if element.get("multiselect") and kind != "select":
        problems.append("multiselect can only be used with select elements")
    if kind in ("text", "textarea"):
        limit = TEXT_MAX if kind == "text" else TEXTAREA_MAX
        _max(problems, "default", element.get("default"), limit)
        _max(problems, "placeholder", element.get("placeholder"), limit)
        if (element.get("subtype") or "") not in TEXT_SUBTYPES:
            problems.append(f"invalid subtype {element.get('subtype')!r}")
    elif kind == "select":
        _max(problems, "default", element.get("default"), SELECT_MAX)
        _max(problems, "placeholder", element.get("placeholder"), SELECT_MAX)
        source = element.get("data_source") or ""
        if source not in ("", "users", "channels", "dynamic"):
            problems.append(f"invalid data source {source!r}")
        if not source and not element.get("multiselect") and not _default_in_options(element):
            problems.append(f"default value {element.get('default')!r} is not in options")
    elif kind == "bool":
        if (element.get("default") or "") not in ("", "true", "false"):
            problems.append("invalid default of bool")
        _max(problems, "placeholder", element.get("placeholder"), BOOL_MAX)
    elif kind == "radio":
        if not _default_in_options(element):
            problems.append(f"default value {element.get('default')!r} is not in options")
    elif kind not in ELEMENT_TYPES:
        problems.append(f"invalid element type: {kind!r}")
    return problems


def dialog_problems(dialog: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    title = dialog.get("title") or ""
    if not title or _len(title) > TITLE_MAX:
        problems.append(f"invalid dialog title {title!r} ({_len(title)} bytes, max {TITLE_MAX})")
    icon = dialog.get("icon_url") or ""
    if icon and not str(icon).startswith(("http://", "https://")):
        problems.append("invalid icon url")
    elements = dialog.get("elements")
    if elements is not None and not isinstance(elements, list):
        return [*problems, "elements must be a list"]
    seen: set[str] = set()
    for element in elements or []:
        if not isinstance(element, dict):
            problems.append("element is not an object")
            continue
        name = str(element.get("name", ""))
        if name in seen:
            problems.append(f"duplicate dialog element {name!r}")
        seen.add(name)
        problems.extend(f"{name!r} field is not valid: {p}" for p in element_problems(element))
    return problems
