"""``jsika apikey …`` and ``jsika backup`` from Dinas Sosial's terminal."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.backup import libpq_password, libpq_url, sqlite_backup
from bot.config import get_settings
from models import api_keys
from models.tables import ApiKey, Audit

runner = CliRunner()
SyncDb = Callable[..., Any]


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JSIKA_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask of a shared server (022: new files readable by every account), for one test."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_apikey_create_shows_the_key_once_and_stores_only_its_hash(cli_env: None, sync_db: SyncDb) -> None:
    made = runner.invoke(
        app, ["apikey", "create", "--name", "Dinas Pendidikan", "--sector", "pendidikan", "--area", "36", "--nik"]
    )
    assert made.exit_code == 0, made.output
    plain = next(word for word in made.output.split() if word.startswith("jsk_"))
    assert "tidak bisa ditampilkan lagi" in made.output

    async def stored(session: AsyncSession) -> tuple[ApiKey, Any, Any]:
        key = (await session.scalars(select(ApiKey))).one()
        scope = await api_keys.verify(session, plain, key.created_at)
        audit = await session.scalar(select(Audit).where(Audit.action == "apikey.create"))
        return key, scope, audit

    key, scope, audit = sync_db(stored)
    assert key.key_hash == api_keys.hash_key(plain) and plain not in (key.key_hash, key.prefix)
    assert (key.sector, key.area_code, key.can_see_nik, key.rate_limit_per_minute) == ("pendidikan", "36", True, 120)
    assert scope is not None and scope.sector == "pendidikan"
    assert audit is not None and audit.after["name"] == "Dinas Pendidikan"

    listed = runner.invoke(app, ["apikey", "list"])
    assert key.prefix in listed.output and plain not in listed.output
    revoked = runner.invoke(app, ["apikey", "revoke", key.prefix])
    assert revoked.exit_code == 0 and "dicabut" in revoked.output

    async def after_revoke(session: AsyncSession) -> Any:
        return await api_keys.verify(session, plain, key.created_at)

    assert sync_db(after_revoke) is None


def test_apikey_create_refuses_unknown_sector_and_area(cli_env: None) -> None:
    sector = runner.invoke(app, ["apikey", "create", "--name", "Dinas X", "--sector", "pariwisata", "--area", "36"])
    assert sector.exit_code == 1 and "pendidikan, kesehatan, umkm" in " ".join(sector.output.split())
    area = runner.invoke(app, ["apikey", "create", "--name", "Dinas X", "--sector", "umkm", "--area", "37.01"])
    assert area.exit_code == 1 and "tidak ada di daftar wilayah" in " ".join(area.output.split())
    missing = runner.invoke(app, ["apikey", "revoke", "tidakada"])
    assert missing.exit_code == 1


def test_sqlite_backup_is_a_consistent_copy_while_a_writer_holds_the_file(tmp_path: Path) -> None:
    source = tmp_path / "jsika.db"
    live = sqlite3.connect(source)
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("CREATE TABLE kunjungan (id INTEGER PRIMARY KEY, catatan TEXT)")
    live.executemany("INSERT INTO kunjungan (catatan) VALUES (?)", [(f"kunjungan {n}",) for n in range(500)])
    live.commit()
    live.execute("INSERT INTO kunjungan (catatan) VALUES ('belum di-commit')")  # an open write transaction

    (tmp_path / "cadangan").mkdir()
    verdict = sqlite_backup(source, tmp_path / "cadangan" / "jsika-backup.db")
    live.rollback()
    live.close()
    assert verdict == "ok"
    copy = sqlite3.connect(tmp_path / "cadangan" / "jsika-backup.db")
    assert copy.execute("SELECT count(*) FROM kunjungan").fetchone() == (500,)
    copy.close()


def test_backup_command_writes_the_file_it_names(
    cli_env: None, database_url: str, tmp_path: Path, open_umask: None
) -> None:
    target = tmp_path / "cadangan.db"
    result = runner.invoke(app, ["backup", "--output", str(target)])
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # the whole registry: its owner's eyes only
    if database_url.startswith("sqlite"):
        assert result.exit_code == 0, result.output
        assert "integrity_check ok" in result.output
        assert sqlite3.connect(target).execute("SELECT count(*) FROM region").fetchone()[0] > 1500
    else:
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 0 and "pg_restore" in result.output


def test_pg_dump_gets_a_libpq_url_and_the_password_apart() -> None:
    url = "postgresql+asyncpg://jsika:rahasia@db:5432/jsika"
    assert libpq_url(url) == "postgresql://jsika@db:5432/jsika"  # a command line is visible to all (ps)
    assert libpq_password(url) == "rahasia"  # pg_dump reads it from PGPASSWORD


def test_a_backup_over_an_old_readable_file_becomes_private(tmp_path: Path, open_umask: None) -> None:
    source = tmp_path / "sumber.db"
    sqlite3.connect(source).execute("CREATE TABLE t (x)").connection.close()
    target = tmp_path / "cadangan.db"
    target.write_bytes(b"")
    target.chmod(0o644)
    assert sqlite_backup(source, target) == "ok"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_several_workers_are_refused_on_sqlite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JSIKA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'satu.db'}")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:UJI")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["run", "--workers", "2"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output and not (tmp_path / "satu.db").exists()
