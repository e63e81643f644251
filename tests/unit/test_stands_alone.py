"""The repository stands alone: nothing in it reads a file outside its own root.

Whoever clones the project has only the repository. Test data it needs (the Mattermost
OpenAPI spec, the iCalendar corpus) is vendored under tests/ with its source and licence.
This check fails if any file of the project refers to a sibling folder such as the
development workspace's shared material, or climbs above the repository root.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("src", "tests", "bench", ".ci", "Makefile", "README.md", "README.ru.md")
SKIP_DIRS = {"__pycache__", "node_modules", ".venv", ".mypy_cache", ".ruff_cache"}
TEXT_SUFFIXES = {".py", ".sh", ".md", ".toml", ".cfg", ".ini", ".txt", ".json", ".js", ".mjs", ""}

# A sibling "shared" folder, spelled as a relative path or as a parent joined with its name.
SIBLING_SHARED = re.compile(r"\.\.[/\\]shared\b|\.parent\s*/\s*[\"']shared[\"']")
# Path(__file__)[.resolve()] followed by .parent / .parents[N] steps.
FILE_ANCHOR = re.compile(
    r"Path\(__file__\)(?:\.resolve\(\)|\.absolute\(\))?((?:\.parent\b(?!s)|\.parents\[\d+\])+)"
)
# In shell scripts and the Makefile, `..` may only lead from .ci/ back to the root.
SHELL_UP = re.compile(r"(?<![\w.])\.\.(?=/|\"|'|\s|$)")
ALLOWED_SHELL_UP = '"$(dirname "$0")/.."'


def _files() -> list[Path]:
    found: list[Path] = []
    for name in CHECKED:
        path = ROOT / name
        if path.is_file():
            found.append(path)
            continue
        for file in path.rglob("*"):
            parts = file.relative_to(ROOT).parts
            if SKIP_DIRS.intersection(parts) or any(p.endswith(".egg-info") for p in parts):
                continue
            if file.is_file() and file.suffix in TEXT_SUFFIXES:
                found.append(file)
    return found


def outside_references(path: Path, text: str) -> list[str]:
    """Every place in one file that reaches outside the repository root."""
    problems = [f"sibling folder: {m.group(0)!r}" for m in SIBLING_SHARED.finditer(text)]
    depth = len(path.relative_to(ROOT).parts)  # climbing this many levels reaches the root
    for match in FILE_ANCHOR.finditer(text):
        steps = re.findall(r"\.parent\b(?!s)|\.parents\[(\d+)\]", match.group(1))
        climbed = sum(int(n) + 1 if n else 1 for n in steps)
        if climbed > depth:
            problems.append(f"climbs above the root: {match.group(0)!r}")
    if path.suffix in {".sh", ""} and path.name != "README.md":
        for line in text.splitlines():
            if SHELL_UP.search(line.replace(ALLOWED_SHELL_UP, "")):
                problems.append(f"parent folder in a script: {line.strip()!r}")
    return problems


def test_no_file_reads_outside_the_repository() -> None:
    problems: list[str] = []
    for path in _files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        problems += [f"{path.relative_to(ROOT)}: {p}" for p in outside_references(path, text)]
    assert not problems, "\n".join(problems)


# The examples are assembled from pieces so that this file does not itself hold what it forbids.
UP, SHARED, ANCHOR = "..", "shared", "Path(__file__)"


@pytest.mark.parametrize(
    ("relative", "text"),
    [
        ("tests/x/test_a.py", f'SPEC = ROOT.parent / "{SHARED}" / "spec.yaml"'),
        ("tests/x/test_a.py", f'CORPUS = Path("{UP}/{SHARED}/fixtures")'),
        ("tests/x/test_a.py", f"DATA = {ANCHOR}.resolve().parents[2].parent / 'data'"),
        ("tests/x/test_a.py", f"DATA = {ANCHOR}.parent.parent.parent.parent"),
        (".ci/run", f'cp -r {UP}/fixtures "$HOME"'),
        ("Makefile", f"SPEC := {UP}/mattermost/spec.yaml"),
    ],
)
def test_the_check_catches_each_kind_of_escape(relative: str, text: str) -> None:
    assert outside_references(ROOT / relative, text)


@pytest.mark.parametrize(
    ("relative", "text"),
    [
        ("tests/x/test_a.py", f"ROOT = {ANCHOR}.resolve().parents[2]"),
        ("tests/x/test_a.py", f"HERE = {ANCHOR}.parent.parent"),
        (".ci/run", 'cd "$(dirname "$0")/.."'),
        ("Makefile", "lint: $(STAMP)\n\t$(BIN)/ruff check src tests bench"),
    ],
)
def test_the_check_allows_paths_inside_the_root(relative: str, text: str) -> None:
    assert outside_references(ROOT / relative, text) == []
