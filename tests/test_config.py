"""Settings whose defaults depend on the rest of the configuration."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.service import inbox_options


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
