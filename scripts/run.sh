#!/usr/bin/env bash
# Install JSiKa Bot from the lock file and start it.
# No TELEGRAM_BOT_TOKEN → the local sandbox demo on SQLite (web chat page at http://127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh
ensure_uv
uv sync --frozen --no-dev --quiet
exec uv run --frozen --no-dev jsika run "$@"
