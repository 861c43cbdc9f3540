"""Settings whose defaults depend on the rest of the configuration, and what the process builds from them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.app import build_application
from bot.config import Settings, describe_validation_error
from bot.service import inbox_options
from handlers.context import Services
from models.db import Database


@pytest.mark.parametrize(
    ("url", "given", "slots"),
    [
        ("sqlite+aiosqlite:///jsika.db", None, 32),  # one connection: more in hand only queue for it
        ("postgresql+asyncpg://jsika@db/jsika", None, 48),  # round trips: more in flight use the wait
        ("postgresql+asyncpg://jsika@db/jsika", 12, 12),  # what the admin sets wins
    ],
)
def test_updates_handled_at_once_default_by_database_unless_set(url: str, given: int | None, slots: int) -> None:
    settings = Settings(database_url=url, inbox_concurrency=given, _env_file=None)
    assert settings.inbox_slots == slots
    assert inbox_options(settings).concurrency == slots


def test_updates_handled_at_once_is_bounded() -> None:
    with pytest.raises(ValueError, match="inbox_concurrency"):
        Settings(database_url="sqlite+aiosqlite:///jsika.db", inbox_concurrency=100, _env_file=None)


PROVINCIAL = '[holidays]\n"2026-11-20" = "HUT Provinsi Banten"\n'


def test_the_handlers_get_the_provincial_holidays_and_zone_without_the_scheduler(tmp_path: Path) -> None:
    """The work calendar is built with the application, not by the reminders' scheduler: a process that never
    starts the scheduler (the demo's twin, a webhook-only receiver, tests) still knows the provincial holiday."""
    holidays = tmp_path / "libur.toml"
    holidays.write_text(PROVINCIAL, encoding="utf-8")
    settings = Settings(
        database_url="sqlite+aiosqlite://",
        holidays_file=str(holidays),
        timezone="Asia/Makassar",
        digest_hour=9,
        _env_file=None,
    )
    db = Database(settings.database_url)
    application = build_application(settings, db, token="1:TEST")
    services: Services = application.bot_data["services"]
    assert services.calendar.holiday_name(date(2026, 11, 20)) == "HUT Provinsi Banten"
    assert not services.calendar.is_working_day(date(2026, 11, 20))  # a Friday
    assert services.tz == ZoneInfo("Asia/Makassar") == services.calendar.tz
    assert services.digest_hour == 9


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "tidak bisa dibaca"), ("[holidays\n", "bukan TOML"), ('holidays = "besok"\n', "bukan TOML")],
)
def test_a_bad_holiday_file_stops_the_settings_with_one_line(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "libur.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        Settings(holidays_file=str(path), _env_file=None)
    line = describe_validation_error(caught.value)
    assert "\n" not in line and "JSIKA_HOLIDAYS_FILE" in line and message in line


def test_only_worker_zero_serves_http_so_one_throttle_counts_for_the_installation() -> None:
    """The invalid-key throttle lives in memory of the process serving HTTP (``bot/web/throttle.py``): with
    ``--workers N`` that must be one process, or a prober would get N budgets."""
    import shutil

    from bot.workers import Supervisor

    supervisor = Supervisor(
        Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/test", _env_file=None), workers=3
    )
    try:
        serving = [i for i in range(3) if supervisor._env(i)["JSIKA_SERVE_HTTP"] == "true"]
    finally:
        shutil.rmtree(supervisor.metrics_dir, ignore_errors=True)
    assert serving == [0]
