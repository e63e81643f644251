#!/usr/bin/env bash
# The repository stands alone: a `git clone` of this checkout into a folder with nothing beside
# it (no shared/ workspace folder) runs the contract and unit suites, which read the vendored
# OpenAPI spec and iCalendar corpus. The clone reuses this checkout's virtualenv; its own
# src/ comes first on the path, so every file read is the clone's.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout="$PWD"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
git clone --quiet --no-hardlinks "$checkout" "$scratch/clone"
cd "$scratch/clone"
test ! -e "$scratch/shared"
env -u MM_OPENAPI_SPEC PYTHONPATH="$scratch/clone/src" \
  "$checkout/.venv/bin/python" -m pytest tests/contract tests/unit -q -p no:cacheprovider
