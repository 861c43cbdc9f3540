"""All configuration in one pydantic-settings class.

Values come from the environment (prefix ``JSIKA_``) or a ``.env`` file in the working directory.
``TELEGRAM_BOT_TOKEN`` is also accepted without the prefix because that is how BotFather users know it.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JSIKA_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./jsika.db",
        description="SQLAlchemy URL; sqlite+aiosqlite:///file.db or postgresql+asyncpg://user@host/db",
    )
    telegram_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("JSIKA_TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN")
    )
    telegram_base_url: str = Field(
        "https://api.telegram.org/bot", description="Bot API base URL; the sandbox sets its own"
    )
    timezone: str = "Asia/Jakarta"
    language: Literal["id", "en"] = "id"
    log_level: LogLevel = "INFO"
    log_json: bool = False

    bot_username: str = Field("jsika_bot", description="The bot's @username, for t.me invite links")

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(8443, ge=1, le=65535)

    demo_host: str = "127.0.0.1"
    demo_port: int = Field(8080, ge=1, le=65535)
    sandbox_rate_limits: bool = True

    programmes_dir: str | None = Field(
        None, description="Folder with extra programme rule files (*.toml); the shipped ones load always"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"zona waktu tidak dikenal: {value!r} (contoh: Asia/Jakarta)") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("hanya sqlite+aiosqlite:// atau postgresql+asyncpg:// yang didukung")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class SettingsError(Exception):
    """Raised with one readable line when the configuration is wrong."""


def describe_validation_error(error: ValidationError) -> str:
    """Turn pydantic's multi-line report into one line a sysadmin can act on."""
    parts = []
    for item in error.errors():
        name = "JSIKA_" + "_".join(str(p) for p in item["loc"]).upper()
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{name}: {message}")
    return "Konfigurasi salah — " + "; ".join(parts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


def configure_logging(settings: Settings) -> None:
    from bot.logging import setup

    setup(settings.log_level, json_lines=settings.log_json)
    logging.getLogger(__name__).debug("logging configured")
