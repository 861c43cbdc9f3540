#!/usr/bin/env bash
# Install everything from the lock file, check lint and types, and run the suite on SQLite and on PostgreSQL.
#   JSIKA_TEST_PG_URL   PostgreSQL to test against (default postgresql+asyncpg://postgres@127.0.0.1:5432/test;
#                       each run creates and drops its own database beside it)
#   JSIKA_TEST_SLOW     1 = also the slow fault-injection tests (real SIGKILLs, a PostgreSQL restart); on by
#                       default in CI (CI=true), off on a workstation
#   extra arguments are passed to pytest, e.g. scripts/test.sh -k import
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh
ensure_uv
uv sync --frozen --quiet
ensure_chromium || echo "! Chromium tidak tersedia; uji peramban akan gagal / Chromium missing" >&2

echo "== ruff + mypy + import-linter"
uv run --frozen ruff check .
uv run --frozen ruff format --check .
uv run --frozen mypy
uv run --frozen lint-imports  # the layers and no import cycles (contracts in pyproject.toml)

SLOW=()
if [ "${JSIKA_TEST_SLOW:-}" = "1" ] || { [ "${CI:-}" = "true" ] && [ "${JSIKA_TEST_SLOW:-}" != "0" ]; }; then
    SLOW=(--slow)
fi

echo "== pytest (SQLite), with a coverage report (no threshold)"
JSIKA_TEST_DATABASE_URL="" uv run --frozen pytest -q --cov --cov-report=term "${SLOW[@]}" "$@"

PG_URL="${JSIKA_TEST_PG_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}"
if ensure_postgres; then
    echo "== pytest (PostgreSQL)"
    JSIKA_TEST_DATABASE_URL="$PG_URL" uv run --frozen pytest -q "${SLOW[@]}" "$@"
elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL tidak berjalan di 127.0.0.1:5432 / PostgreSQL is not reachable" >&2
    exit 1
else
    echo "! PostgreSQL tidak berjalan; uji PostgreSQL dilewati / PostgreSQL not running, skipped" >&2
fi
