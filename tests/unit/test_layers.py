"""The import rules between layers (docs: the design guide's "Rules of thumb").

- `services/` and `handlers/` reach the database only through ports.Store: they never
  import `calendar_bot.storage`.
- `ports.py`, `messages.py`, `records.py` and `inbound.py` are neutral ground: no view, no
  storage.
- `domain/` is pure: it imports nothing of the bot outside `domain/`.

Checked on the source's import statements (any depth, TYPE_CHECKING blocks included).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "calendar_bot"


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules(*parts: str) -> list[Path]:
    target = PACKAGE.joinpath(*parts)
    return sorted(target.rglob("*.py")) if target.is_dir() else [target]


def label(file: Path) -> str:
    return str(file.relative_to(PACKAGE)) if file.is_relative_to(PACKAGE) else file.name


def offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{label(file)} imports {name}"
        for file in files
        for name in sorted(imported(file))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


@pytest.mark.parametrize("layer", ["services", "handlers"])
def test_services_and_handlers_do_not_import_storage(layer: str) -> None:
    files = modules(layer)
    assert files
    assert offenders(files, ("calendar_bot.storage",)) == []


@pytest.mark.parametrize("module", ["ports.py", "messages.py", "records.py", "inbound.py"])
def test_neutral_modules_import_no_view_and_no_storage(module: str) -> None:
    forbidden = ("calendar_bot.views", "calendar_bot.storage")
    assert offenders(modules(module), forbidden) == []


def test_the_domain_imports_nothing_of_the_bot_outside_it() -> None:
    files = modules("domain")
    found = [
        f"{label(file)} imports {name}"
        for file in files
        for name in sorted(imported(file))
        if name.startswith("calendar_bot") and not name.startswith("calendar_bot.domain")
    ]
    assert found == []


def test_the_check_sees_an_import_of_storage(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from calendar_bot.storage.repositories import Store\n"
    )
    assert offenders([sample], ("calendar_bot.storage",)) == [
        "sample.py imports calendar_bot.storage.repositories",
        "sample.py imports calendar_bot.storage.repositories.Store",
    ]
