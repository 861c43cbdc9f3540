# JSiKa Bot — one image for `jsika run` (polling or webhook, one or several processes) and the CLI.
#   docker build -t jsika-bot .
#   docker run --rm -e TELEGRAM_BOT_TOKEN=… -v jsika-data:/data -p 127.0.0.1:8443:8443 jsika-bot
#   docker run --rm -v jsika-data:/data jsika-bot jsika apikey list
# Without TELEGRAM_BOT_TOKEN the container runs the sandbox demo (add -e JSIKA_DEMO_HOST=0.0.0.0 -p 8080:8080).
# See docs/deployment.md.

FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first (from the lock file only), so a code change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY scheduler ./scheduler
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim
# pg_dump/pg_restore for `jsika backup` against PostgreSQL (match the server's major version where it matters).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin jsika \
    && mkdir -p /data \
    && chown jsika /data
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    JSIKA_DATABASE_URL=sqlite+aiosqlite:////data/jsika.db \
    JSIKA_LISTEN_HOST=0.0.0.0 \
    JSIKA_LISTEN_PORT=8443
WORKDIR /data
USER jsika
VOLUME ["/data"]
EXPOSE 8443
# Liveness only; readiness (database, migrations, Telegram) is /readyz, for the load balancer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('JSIKA_LISTEN_PORT', '8443'), timeout=4)"]
# SIGTERM: stop receiving, finish the updates in hand (JSIKA_SHUTDOWN_GRACE_SECONDS), exit 0.
STOPSIGNAL SIGTERM
CMD ["jsika", "run"]
