"""The import rules of the layers (docs/architecture.md), checked over src/ by reading the
imports: no tool, no import of the code itself.

- services/ and handlers/ never import storage/: they work through the ports;
- ports, messages, records and inbound import no view and no storage: the transport-neutral
  types sit below both; the wizard and account services render nothing;
- the domain imports nothing of the adapters (nor I/O libraries): it is pure;
- calendar_bot never imports mm_sandbox, except through one documented seam: the sandbox
  runner (calendar_bot/sandbox/runner.py), which starts the emulator for `calendar-bot
  sandbox`; and mm_sandbox never imports calendar_bot (it stands in for a server the bot
  does not control).

Every import counts: at the top, inside a function (a lazy import), under TYPE_CHECKING,
relative or absolute, `import a.b` or `from a import b`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGES = ("calendar_bot", "mm_sandbox")

# Libraries that do I/O or belong to an adapter: none of them in the pure domain.
IO_LIBRARIES = (
    "aiohttp",
    "aiosqlite",
    "alembic",
    "asyncio",
    "asyncpg",
    "httptools",
    "icalendar",
    "lxml",
    "niquests",
    "prometheus_client",
    "radicale",
    "recurring_ical_events",
    "socket",
    "sqlalchemy",
    "subprocess",
)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    importers: tuple[str, ...]  # the modules (and packages) the rule is about
    forbidden: tuple[str, ...]  # what they may not import
    allowed: tuple[str, ...] = ()  # what they may import all the same (inside `forbidden`)
    exempt: tuple[str, ...] = ()  # importers the rule does not apply to


RULES: tuple[Rule, ...] = (
    Rule(
        "services and handlers work through the ports, never storage",
        importers=(
            "calendar_bot.services",
            "calendar_bot.handlers",
            "calendar_bot.routes",
            "calendar_bot.dispatcher",
        ),
        forbidden=("calendar_bot.storage",),
    ),
    Rule(
        "the neutral types (ports, messages, records, inbound) import no view and no storage",
        importers=(
            "calendar_bot.ports",
            "calendar_bot.messages",
            "calendar_bot.records",
            "calendar_bot.inbound",
        ),
        forbidden=("calendar_bot.views", "calendar_bot.storage"),
    ),
    Rule(
        "the domain imports nothing of the adapters",
        importers=("calendar_bot.domain",),
        forbidden=("calendar_bot", "mm_sandbox", *IO_LIBRARIES),
        allowed=("calendar_bot.domain",),
    ),
    Rule(
        "calendar_bot reaches the emulator only through the sandbox runner",
        importers=("calendar_bot",),
        forbidden=("mm_sandbox",),
        # The one documented seam: `calendar-bot sandbox` starts the emulator here.
        exempt=("calendar_bot.sandbox.runner",),
    ),
    Rule(
        "the emulator never imports the bot",
        importers=("mm_sandbox",),
        forbidden=("calendar_bot",),
    ),
    Rule(
        "the wizard and account services return results; views render them",
        importers=(
            "calendar_bot.services.wizard",
            "calendar_bot.services.accounts",
            "calendar_bot.services.find_time",
        ),
        forbidden=("calendar_bot.views",),
    ),
)

# Imports that break a rule and are known to: none. An entry is (importing module, imported
# module); a fixed offence must leave the list (the test below), so it only ever shrinks.
KNOWN_OFFENDERS: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    importer: str
    imported: str  # the module the statement names (what KNOWN_OFFENDERS lists)
    reaches: str  # what it reaches that the rule forbids
    where: str  # path:line

    def __str__(self) -> str:
        return f"{self.where}: {self.importer} imports {self.reaches} ({self.rule})"


def _within(name: str, prefixes: Iterable[str]) -> bool:
    """`name` is one of `prefixes` or inside one (`a.b` is inside `a`; `a_b` is not)."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # as the statement names it: `a.b` of `import a.b` or `from a.b import c`
    targets: tuple[str, ...]  # what it reaches: `a.b`, or `a.b.c` (c a module or a name)
    line: int


def imports_of(path: Path, root: Path) -> list[Import]:
    """Every import statement of `path`; a relative import is resolved against the file's
    package. `from a import b` reaches `a.b`, so `from calendar_bot import storage` is an
    import of storage and `from calendar_bot import domain` one of the domain."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(a.name, (a.name,), node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            reached = tuple(f"{target}.{a.name}" for a in node.names)
            found.append(Import(target, reached, node.lineno))
    return found


def violations(
    root: Path,
    rules: Iterable[Rule] = RULES,
    known: frozenset[tuple[str, str]] = frozenset(),
) -> list[Violation]:
    """Every import under `root` that breaks a rule, less the `known` (importer, module)."""
    rules = tuple(rules)
    out: list[Violation] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            importer = module_name(path, root)
            applicable = [
                r
                for r in rules
                if _within(importer, r.importers) and not _within(importer, r.exempt)
            ]
            if not applicable:
                continue
            for statement in imports_of(path, root):
                if (importer, statement.module) in known:
                    continue
                for rule in applicable:
                    reached = [
                        target
                        for target in statement.targets
                        if _within(target, rule.forbidden) and not _within(target, rule.allowed)
                    ]
                    if reached:
                        where = f"{path}:{statement.line}"
                        out.append(
                            Violation(rule.name, importer, statement.module, reached[0], where)
                        )
    return out


# ---- the rules hold over src/ -----------------------------------------------------------------


def test_src_keeps_the_import_rules() -> None:
    found = violations(SRC, known=KNOWN_OFFENDERS)
    assert not found, "\n".join(map(str, found))


def test_the_allow_list_holds_only_offences_that_still_exist() -> None:
    """An offence fixed leaves the list, so the list only ever shrinks to empty."""
    stale = KNOWN_OFFENDERS - {(v.importer, v.imported) for v in violations(SRC)}
    assert not stale, f"no longer offending, take out of KNOWN_OFFENDERS: {sorted(stale)}"


def test_the_sandbox_seam_is_the_runner_and_it_is_documented() -> None:
    runner = SRC / "calendar_bot" / "sandbox" / "runner.py"
    assert any(i.module == "mm_sandbox" for i in imports_of(runner, SRC))
    assert "the one seam" in runner.read_text(encoding="utf-8").lower()


# ---- the checker itself catches what it must, on a synthetic tree -----------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name in ("calendar_bot", "mm_sandbox"):
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "__init__.py").write_text("")
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        init = path.parent / "__init__.py"
        if not init.exists():
            init.write_text("")
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("relative", "text", "rule"),
    [
        (
            "calendar_bot/services/x.py",
            "from calendar_bot.storage.repositories import transaction\n",
            RULES[0].name,
        ),
        ("calendar_bot/handlers/x.py", "import calendar_bot.storage.db\n", RULES[0].name),
        ("calendar_bot/handlers/x.py", "from calendar_bot import storage\n", RULES[0].name),
        ("calendar_bot/services/x.py", "from ..storage import codec\n", RULES[0].name),
        (
            "calendar_bot/services/sub/x.py",
            "def f():\n    from calendar_bot.storage import db\n",
            RULES[0].name,
        ),
        (
            "calendar_bot/services/x.py",
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from calendar_bot.storage.db import Engine\n",
            RULES[0].name,
        ),
        ("calendar_bot/ports.py", "from calendar_bot.views.message import M\n", RULES[1].name),
        ("calendar_bot/inbound.py", "from .views import dialog\n", RULES[1].name),
        ("calendar_bot/domain/x.py", "from calendar_bot.ports import Chat\n", RULES[2].name),
        ("calendar_bot/domain/x.py", "from calendar_bot.views import meetings\n", RULES[2].name),
        ("calendar_bot/domain/x.py", "import aiohttp\n", RULES[2].name),
        ("calendar_bot/domain/x.py", "import asyncio\n", RULES[2].name),
        ("calendar_bot/domain/x.py", "from sqlalchemy import select\n", RULES[2].name),
        ("calendar_bot/domain/x.py", "from .. import storage\n", RULES[2].name),
        ("calendar_bot/app.py", "from mm_sandbox import Emulator\n", RULES[3].name),
        ("calendar_bot/sandbox/demo.py", "import mm_sandbox.store\n", RULES[3].name),
        ("mm_sandbox/x.py", "from calendar_bot.views import message\n", RULES[4].name),
        ("calendar_bot/records.py", "from calendar_bot.storage import tables\n", RULES[1].name),
        ("calendar_bot/routes.py", "from calendar_bot.storage import db\n", RULES[0].name),
        ("calendar_bot/services/wizard.py", "from ..views import wizard\n", RULES[5].name),
    ],
)
def test_the_check_catches_each_kind_of_offence(
    tmp_path: Path, relative: str, text: str, rule: str
) -> None:
    root = _tree(tmp_path, {relative: text})
    found = violations(root)
    assert [v.rule for v in found] == [rule], found
    assert f"/{relative}:" in found[0].where


@pytest.mark.parametrize(
    ("relative", "text"),
    [
        ("calendar_bot/services/x.py", "from calendar_bot.ports import Chat\n"),
        ("calendar_bot/handlers/x.py", "from calendar_bot.services.sync import SyncService\n"),
        ("calendar_bot/storage/x.py", "from calendar_bot.storage.db import create_engine\n"),
        ("calendar_bot/jobs/x.py", "from calendar_bot.storage.repositories import transaction\n"),
        # a module whose name merely starts like a ruled one
        ("calendar_bot/inbound_claims.py", "from calendar_bot.views.message import M\n"),
        ("calendar_bot/services_extra.py", "import calendar_bot.storage\n"),
        ("calendar_bot/domain/x.py", "from calendar_bot.domain.model import Occurrence\n"),
        ("calendar_bot/domain/x.py", "from . import model\nfrom zoneinfo import ZoneInfo\n"),
        ("calendar_bot/domain/x.py", "from calendar_bot import domain\n"),
        ("calendar_bot/sandbox/runner.py", "from mm_sandbox import Emulator\n"),
        ("calendar_bot/views/x.py", "# mm_sandbox, calendar_bot.storage: only words\n"),
    ],
)
def test_the_check_lets_the_rest_be(tmp_path: Path, relative: str, text: str) -> None:
    assert violations(_tree(tmp_path, {relative: text})) == []


def test_an_allow_listed_import_passes_and_only_that_one(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "calendar_bot/services/x.py": "from calendar_bot.storage.codec import a\n"
            "from calendar_bot.storage.repositories import b\n"
        },
    )
    known = frozenset({("calendar_bot.services.x", "calendar_bot.storage.codec")})
    found = violations(root, known=known)
    assert [(v.importer, v.imported) for v in found] == [
        ("calendar_bot.services.x", "calendar_bot.storage.repositories")
    ]
