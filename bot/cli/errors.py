"""One line for every CLI failure a person can cause or fix; the traceback only on request.

The entry point (``bot.cli.main``) hands any exception a command lets through to :func:`explain`, which walks the
exception's causes (SQLAlchemy wraps the driver's error, which wraps the socket's) and says what failed and what to
do, in the configured language. Commands therefore do not wrap their database calls in try/except: an unreachable
PostgreSQL reads the same in ``db current``, ``seed`` or ``run``. ``--debug`` (or ``JSIKA_LOG_LEVEL=DEBUG``) prints
the traceback as well, for a bug report.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from handlers.i18n import N_, gettext

DEBUG_HINT = N_("ulangi dengan --debug untuk rinciannya")


def causes(error: BaseException) -> Iterator[BaseException]:
    """The error, then what caused it: ``__cause__``/``__context__`` and SQLAlchemy's ``orig`` (the driver's)."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nxt in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                pending.append(nxt)


def _settings_or_none() -> object | None:
    try:
        from bot.config import get_settings

        return get_settings()
    except Exception:  # the configuration itself may be what failed
        return None


def configured_language() -> str:
    """The language of the CLI's messages (``JSIKA_LANGUAGE``), also when the rest of the configuration is wrong."""
    from handlers.i18n import normalize_language

    config = _settings_or_none()
    return normalize_language(str(getattr(config, "language", os.environ.get("JSIKA_LANGUAGE", ""))))


def debug_requested(argv: list[str]) -> bool:
    """``--debug`` anywhere before ``--`` or ``JSIKA_LOG_LEVEL=DEBUG``: show the traceback."""
    if "--debug" in argv:
        return True
    if os.environ.get("JSIKA_LOG_LEVEL", "").upper() == "DEBUG":
        return True
    config = _settings_or_none()
    return getattr(config, "log_level", "") == "DEBUG"


def _database(config: object | None) -> tuple[str, str, str]:
    """(kind, where, name) of the configured database, without its password."""
    url = str(getattr(config, "database_url", os.environ.get("JSIKA_DATABASE_URL", "")))
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:
        return "?", "?", "?"
    if parsed.drivername.startswith("sqlite"):
        return "sqlite", "", parsed.database or ""
    return "postgresql", f"{parsed.host or 'localhost'}:{parsed.port or 5432}", parsed.database or ""


def _port_setting(port: str, config: object | None) -> str:
    if str(getattr(config, "demo_port", "")) == port:
        return "JSIKA_DEMO_PORT"
    if str(getattr(config, "listen_port", "")) == port:
        return "JSIKA_LISTEN_PORT"
    return "JSIKA_DEMO_PORT / JSIKA_LISTEN_PORT"


def sqlite_folder_missing(path: str, lang: str) -> str:
    folder = Path(path).expanduser().parent
    return gettext(
        N_(
            "berkas SQLite {path} tidak bisa dibuat: folder {folder} tidak ada; buat foldernya atau "
            "perbaiki JSIKA_DATABASE_URL"
        ),
        lang,
    ).format(path=path, folder=folder)


def explain(error: BaseException, lang: str | None = None) -> str:
    """One line: what failed and what to do. Unknown errors still get one line, pointing at ``--debug``."""
    config = _settings_or_none()
    language = lang or str(getattr(config, "language", "id"))

    def t(message: str) -> str:
        return gettext(message, language)

    kind, where, name = _database(config)
    chain = list(causes(error))
    for cause in chain:
        if isinstance(cause, OSError) and cause.errno == errno.EADDRINUSE:
            address = str(cause.filename or "")
            port = address.rsplit(":", 1)[-1] if address else "?"
            return t(N_("port {port} dipakai program lain; hentikan program itu atau atur {setting}")).format(
                port=port, setting=_port_setting(port, config)
            )
    for cause in chain:
        state = getattr(cause, "sqlstate", None)
        if state == "3D000":
            return t(
                N_(
                    'basis data "{name}" belum ada di PostgreSQL {where}; buat dengan createdb (lihat README) '
                    "atau perbaiki JSIKA_DATABASE_URL"
                )
            ).format(name=name, where=where)
        if state in ("28P01", "28000"):
            return t(
                N_("PostgreSQL {where} menolak masuk: {reason}; periksa pengguna dan sandi di JSIKA_DATABASE_URL")
            ).format(where=where, reason=str(cause).strip().splitlines()[0])
        if state == "42P01" or (isinstance(cause, sqlite3.OperationalError) and "no such table" in str(cause)):
            return t(N_("skema basis data belum dibuat; jalankan dulu: jsika db upgrade"))
    for cause in chain:
        unreachable = isinstance(cause, ConnectionRefusedError | TimeoutError) or (
            isinstance(cause, OSError) and cause.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH)
        )
        if kind == "postgresql" and unreachable:
            return t(
                N_(
                    "PostgreSQL di {where} tidak bisa dihubungi ({reason}); jalankan servernya atau perbaiki "
                    "JSIKA_DATABASE_URL"
                )
            ).format(where=where, reason=type(cause).__name__)
        if type(cause).__name__ == "gaierror":
            return t(N_("nama host PostgreSQL di {where} tidak dikenal; perbaiki JSIKA_DATABASE_URL")).format(
                where=where
            )
        if isinstance(cause, sqlite3.OperationalError) and "unable to open database file" in str(cause):
            if not Path(name).expanduser().parent.is_dir():
                return sqlite_folder_missing(name, language)
            return t(
                N_(
                    "berkas SQLite {path} tidak bisa dibuka (izin folder?); periksa izinnya atau perbaiki "
                    "JSIKA_DATABASE_URL"
                )
            ).format(path=name)
        if isinstance(cause, PermissionError):
            return t(N_("izin ditolak: {path}; periksa pemilik dan izin berkas itu")).format(
                path=cause.filename or cause
            )
    driver = next((c for c in reversed(chain) if type(c).__module__.split(".")[0] in ("asyncpg", "sqlite3")), None)
    if driver is not None:
        reason = (str(driver).strip().splitlines() or [type(driver).__name__])[0]
        return t(N_("basis data menolak perintah: {reason}; {hint}")).format(reason=reason, hint=t(DEBUG_HINT))
    reason = (str(error).strip().splitlines() or [""])[0]
    return t(N_("gagal tak terduga ({kind}: {reason}); {hint}")).format(
        kind=type(error).__name__, reason=reason, hint=t(DEBUG_HINT)
    )
