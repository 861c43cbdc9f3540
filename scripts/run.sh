#!/usr/bin/env bash
# Install JSiKa Bot from the lock file and start it.
# No TELEGRAM_BOT_TOKEN → the local sandbox demo on SQLite (web chat page at http://127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh
ensure_uv
# --inexact: install what the bot needs without removing the dev tools a developer's `uv run` installed (the two
# used to remove and reinstall 21 packages on every switch); --no-sync: the environment was just synced.
uv sync --frozen --no-dev --inexact --quiet
exec uv run --frozen --no-sync jsika run "$@"
