"""The inbound side's import rules, read from the source: handlers and the routing reach the
database only through the Store port; the inbound contract and the services of the wizard and
accounts render nothing (they return results; views render them)."""

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
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def under(names: set[str], package: str) -> list[str]:
    return sorted(n for n in names if n == package or n.startswith(package + "."))


INBOUND = [
    *sorted((PACKAGE / "handlers").glob("*.py")),
    PACKAGE / "routes.py",
    PACKAGE / "dispatcher.py",
    PACKAGE / "inbound.py",
    PACKAGE / "services" / "wizard.py",
    PACKAGE / "services" / "accounts.py",
]


@pytest.mark.parametrize("path", INBOUND, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_storage_import(path: Path) -> None:
    assert under(imported(path), "calendar_bot.storage") == []


@pytest.mark.parametrize(
    "path",
    [
        PACKAGE / "inbound.py",
        PACKAGE / "services" / "wizard.py",
        PACKAGE / "services" / "accounts.py",
    ],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_view_import(path: Path) -> None:
    assert under(imported(path), "calendar_bot.views") == []


def test_the_rules_can_fail() -> None:
    storage_user = PACKAGE / "storage" / "repositories" / "__init__.py"
    assert under(imported(storage_user), "calendar_bot.storage")
    assert under(imported(PACKAGE / "handlers" / "wizard.py"), "calendar_bot.views")
