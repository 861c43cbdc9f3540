"""``jsika backup``: a consistent copy of the database while the bot keeps running.

SQLite: the online backup API copies the file page by page under a read transaction, so the copy is
consistent even while the bot writes (WAL mode), then ``PRAGMA integrity_check`` proves the copy opens.
PostgreSQL: ``pg_dump --format=custom`` when it is installed (restore with ``pg_restore``); otherwise the
command prints what to run. Restoring is in ``docs/deployment.md``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import URL, make_url

from bot.cli.common import console, fail, settings
from models.private import create_private


def sqlite_backup(source: Path, target: Path, *, pages_per_step: int = 4096) -> str:
    """Copy ``source`` to ``target`` with SQLite's online backup API; returns the integrity check's answer."""
    if not source.is_file():
        raise FileNotFoundError(f"Berkas basis data {source} tidak ada.")
    target.parent.mkdir(parents=True, exist_ok=True)
    create_private(target)  # the whole registry: readable by its owner only (0600), from the first byte
    src = sqlite3.connect(str(source), timeout=30)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst, pages=pages_per_step)  # yields to writers between steps
        dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
        verdict = str(dst.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        dst.close()
        src.close()
    return verdict


def libpq_url(url: str) -> str:
    """``postgresql+asyncpg://u:p@h/db`` → ``postgresql://u@h/db`` (what pg_dump understands), without the
    password: a command line is visible to every account on the server (``ps``); see ``libpq_password``."""
    parsed = make_url(url)
    bare = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query)
    return bare.render_as_string(hide_password=False)


def libpq_password(url: str) -> str | None:
    """The password for ``PGPASSWORD`` (pg_dump's environment, which other accounts cannot read)."""
    return make_url(url).password


Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="Berkas hasil (bawaan: jsika-backup-<waktu>.db/.dump)")
]


def backup(output: Output = None) -> None:
    """Cadangkan basis data tanpa menghentikan bot (SQLite: online backup API; PostgreSQL: pg_dump)."""
    config = settings()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if config.is_sqlite:
        database = make_url(config.database_url).database
        if not database or database == ":memory:":
            raise fail("Basis data SQLite di memori tidak bisa dicadangkan.")
        target = output or Path(f"jsika-backup-{stamp}.db")
        try:
            verdict = sqlite_backup(Path(database), target)
        except (OSError, sqlite3.Error) as error:
            raise fail(f"Pencadangan gagal: {error}") from None
        if verdict != "ok":
            raise fail(f"Salinan {target} rusak menurut integrity_check: {verdict}")
        console.print(
            f"Cadangan SQLite: {target} ({target.stat().st_size:,} byte, integrity_check ok)", highlight=False
        )
        return
    target = output or Path(f"jsika-backup-{stamp}.dump")
    pg_dump = shutil.which("pg_dump")
    command = [
        pg_dump or "pg_dump",
        "--format=custom",
        "--no-owner",
        f"--file={target}",
        libpq_url(config.database_url),
    ]
    if pg_dump is None:
        console.print("pg_dump tidak ditemukan. Pasang klien PostgreSQL (mis. apt install postgresql-client), lalu:")
        console.print(
            "  pg_dump --format=custom --no-owner --file=jsika.dump postgresql://USER@HOST/DB", highlight=False
        )
        console.print(
            "Pulihkan dengan: pg_restore --clean --if-exists --no-owner -d postgresql://USER@HOST/DB jsika.dump",
            highlight=False,
        )
        raise typer.Exit(1)
    environment = dict(os.environ)
    if (password := libpq_password(config.database_url)) is not None:
        environment["PGPASSWORD"] = password
    try:
        create_private(target)  # pg_dump writes into it and keeps the mode: 0600, like the SQLite backup
    except OSError as error:
        raise fail(f"Pencadangan gagal: {error}") from None
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise fail(
            f"pg_dump gagal: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode}"
        )
    console.print(
        f"Cadangan PostgreSQL: {target} ({target.stat().st_size:,} byte; pulihkan dengan pg_restore)", highlight=False
    )


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
