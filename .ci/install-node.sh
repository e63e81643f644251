#!/usr/bin/env bash
# The Client4 suite (tests/client4) runs the official @mattermost/client under node; its
# packages come from the npm registry through `npm ci` when the tests start. Install node and
# npm from Debian when the machine lacks them.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
node --version
