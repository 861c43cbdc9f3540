"""All configuration in one pydantic-settings class.

Values come from the environment (prefix ``JSIKA_``) or a ``.env`` file in the working directory.
``TELEGRAM_BOT_TOKEN`` is also accepted without the prefix because that is how BotFather users know it.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.i18n import N_, gettext

if TYPE_CHECKING:
    from models.calendar import WorkCalendar

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
    admin_contact: str = Field(
        "",
        max_length=300,
        description="Whom someone not on the roster should contact (name, phone, @username); told once a day",
    )

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    metrics_token: SecretStr | None = Field(None, description="When set, /metrics needs Authorization: Bearer <it>")
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(8443, ge=1, le=65535)
    webhook_max_connections: int = Field(40, ge=1, le=100, description="setWebhook max_connections")
    serve_http: bool = Field(True, description="Serve webhook/health/metrics/OPD API on listen_host:listen_port")
    workers: int = Field(1, ge=1, le=64, description="Bot processes for `jsika run` (more than 1: PostgreSQL only)")
    migrate_on_start: bool = Field(True, description="Apply pending migrations when `jsika run` starts")
    inbox_concurrency: int | None = Field(
        None, ge=1, le=60, description="Updates one process handles at once (each a chat); unset: see inbox_slots"
    )
    inbox_lease_seconds: float = Field(60.0, ge=1, description="A claimed update not renewed for this long is retaken")
    inbox_max_age_seconds: float = Field(3600.0, ge=1, description="Older updates are logged and skipped")
    inbox_max_attempts: int = Field(3, ge=1, le=20, description="Processes an update may crash before it is set aside")
    inbox_poll_seconds: float = Field(0.5, gt=0, le=10, description="How often an idle worker looks for new updates")
    inbox_retention_hours: float = Field(48.0, gt=0, description="Handled updates kept this long (duplicate check)")
    shutdown_grace_seconds: float = Field(25.0, ge=0, description="On SIGTERM, time for updates in hand to finish")
    update_time_limit_seconds: float = Field(
        120.0, gt=0, le=3600, description="One update's handling (retries included); a hung handler is cancelled"
    )
    update_retries: int = Field(4, ge=0, le=10, description="Retries of a passing database error within one update")
    api_rate_limit_per_minute: int = Field(120, ge=1, le=100_000, description="Default limit for new OPD API keys")
    api_max_body_bytes: int = Field(
        64 * 1024, ge=1024, le=16 * 1024 * 1024, description="Largest request body on the OPD API and other routes"
    )
    webhook_max_body_bytes: int = Field(
        1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024, description="Largest Telegram webhook body"
    )

    demo_host: str = "127.0.0.1"
    demo_port: int = Field(8080, ge=1, le=65535)
    sandbox_rate_limits: bool = True

    programmes_dir: str | None = Field(
        None, description="Folder with extra programme rule files (*.toml); the shipped ones load always"
    )

    # Reminders (docs/reminders.md): planner + outbox delivery in this process, under Telegram's limits.
    reminders_enabled: bool = True
    digest_hour: int = Field(7, ge=6, le=20, description="Local hour of the morning digest (working days)")
    send_rate_global: float = Field(25.0, gt=0, le=30, description="Outbox messages per second, all chats")
    send_rate_per_chat: float = Field(1.0, gt=0, le=5, description="Outbox messages per second into one chat")
    holidays_file: str | None = Field(None, description="TOML with provincial holidays / extra working days")
    signoff_admin_working_days: int = Field(
        3, ge=1, le=20, description="Working days after the sign-off reminder until admins hear who has not signed"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"zona waktu tidak dikenal: {value!r} (contoh: Asia/Jakarta)") from None
        return value

    @field_validator("holidays_file")
    @classmethod
    def _readable_holidays(cls, value: str | None) -> str | None:
        """Read the file now: a process must not start with its provincial holidays silently missing."""
        if not value:
            return None
        from models.calendar import WorkCalendar  # the holidays package: loaded only when a file is configured

        try:
            WorkCalendar.from_file(value)
        except OSError:
            raise ValueError(f"berkas libur tidak bisa dibaca: {value}") from None
        except (tomllib.TOMLDecodeError, ValueError, TypeError, AttributeError):
            raise ValueError(f"berkas libur bukan TOML yang benar (lihat docs/reminders.md): {value}") from None
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

    def work_calendar(self) -> WorkCalendar:
        """Working days in the configured zone, with the provincial holiday file: one per process, shared by the
        handlers (``Services.calendar``) and the reminders."""
        from models.calendar import WorkCalendar

        return WorkCalendar.from_file(self.holidays_file, self.tz)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def inbox_slots(self) -> int:
        """``inbox_concurrency``, else 32 on SQLite and 48 on PostgreSQL. On PostgreSQL an update waits mostly on
        round trips, so more updates in flight use that time; SQLite's one connection takes one transaction at a
        time, and more updates in hand only queue for it. The measurements behind both numbers: docs/tuning.md."""
        if self.inbox_concurrency is not None:
            return self.inbox_concurrency
        return 32 if self.is_sqlite else 48


class SettingsError(Exception):
    """Raised with one readable line when the configuration is wrong."""


# pydantic's messages ("Input should be a valid integer") in Indonesian, by error type; {ctx} fills from the error.
# The same words explain a wrong setting and a wrong CLI value (Typer checks option values with pydantic).
PYDANTIC_MESSAGES = {
    "int_parsing": N_("harus bilangan bulat"),
    "int_from_float": N_("harus bilangan bulat"),
    "float_parsing": N_("harus angka (pakai titik untuk desimal)"),
    "bool_parsing": N_("harus true atau false"),
    "greater_than": N_("harus lebih dari {gt}"),
    "greater_than_equal": N_("paling kecil {ge}"),
    "less_than": N_("harus kurang dari {lt}"),
    "less_than_equal": N_("paling besar {le}"),
    "literal_error": N_("harus salah satu dari {expected}"),
    "enum": N_("harus salah satu dari {expected}"),
    "string_type": N_("harus teks"),
    "missing": N_("wajib diisi"),
}
_NOT_ONE_OF = re.compile(r"^'.*' is not one of (?P<expected>.+?)\.?$")


def _bound(value: object) -> str:
    """``0.0`` → ``0``: a limit reads as the number a person would type."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def describe_pydantic_error(item: Mapping[str, Any], lang: str = "id") -> str:
    """One pydantic error (``ValidationError.errors()[i]``) as words, without the value itself."""
    kind = str(item["type"])
    message = str(item["msg"]).removeprefix("Value error, ")
    not_one_of = _NOT_ONE_OF.match(message) if kind == "value_error" else None
    if not_one_of:  # Typer's check of an Enum option
        kind, context = "literal_error", {"expected": not_one_of.group("expected")}
    else:
        context = {key: _bound(value) for key, value in item.get("ctx", {}).items()}
    template = PYDANTIC_MESSAGES.get(kind)
    if template is None:
        return message
    return gettext(template, lang).format(**context).replace("' or '", "', '")


def _secret(name: str) -> bool:
    """Values never echoed back: tokens, secrets, and URLs (a database URL carries its password)."""
    return any(word in name for word in ("TOKEN", "SECRET", "URL", "PASSWORD"))


def describe_validation_error(error: ValidationError) -> str:
    """Turn pydantic's multi-line report into one line a sysadmin can act on, in Indonesian."""
    parts = []
    for item in error.errors():
        name = "JSIKA_" + "_".join(str(p) for p in item["loc"]).upper()
        value = item.get("input")
        shown = f" (sekarang: {value!r})" if isinstance(value, str | int | float) and not _secret(name) else ""
        parts.append(f"{name}: {describe_pydantic_error(item)}{shown}")
    return "Konfigurasi salah — " + "; ".join(parts)


class _UnreadableEnvLines(logging.Handler):
    """python-dotenv skips a line of ``.env`` it cannot parse with an English warning and goes on without that
    setting; we collect the line numbers and stop with one Indonesian line instead."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.extend(str(arg) for arg in record.args or ())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    dotenv_log = logging.getLogger("dotenv.main")
    unreadable = _UnreadableEnvLines()
    dotenv_log.addHandler(unreadable)
    propagate, dotenv_log.propagate = dotenv_log.propagate, False
    try:
        settings = Settings()
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None
    finally:
        dotenv_log.removeHandler(unreadable)
        dotenv_log.propagate = propagate
    if unreadable.lines:
        raise SettingsError(
            f"Konfigurasi salah — .env baris {', '.join(unreadable.lines)} tidak bisa dibaca; tulis satu "
            "NAMA=nilai per baris (tanda kutip ditutup di baris yang sama)"
        )
    return settings


def configure_logging(settings: Settings) -> None:
    from bot.logging import register_secret, setup

    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None
    register_secret(token)
    if settings.webhook_secret is not None:
        register_secret(settings.webhook_secret.get_secret_value())
    setup(settings.log_level, json_lines=settings.log_json)
    logging.getLogger(__name__).debug("logging configured")
