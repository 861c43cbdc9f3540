"""``jsika backup``: a consistent copy of the database while the bot keeps running.

SQLite: the online backup API copies the file page by page under a read transaction, so the copy is
consistent even while the bot writes (WAL mode), then ``PRAGMA integrity_check`` proves the copy opens.
PostgreSQL: ``pg_dump --format=custom`` when it is installed (restore with ``pg_restore``); otherwise the
command prints what to run. Restoring is in ``docs/deployment.md``.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import console, fail, settings


def sqlite_backup(source: Path, target: Path, *, pages_per_step: int = 4096) -> str:
    """Copy ``source`` to ``target`` with SQLite's online backup API; returns the integrity check's answer."""
    import sqlite3

    from models.private import create_private

    if not source.is_file():
        raise FileNotFoundError(f"Berkas basis data {source} tidak ada.")
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
    from sqlalchemy.engine import URL, make_url

    parsed = make_url(url)
    bare = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query)
    return bare.render_as_string(hide_password=False)


def libpq_password(url: str) -> str | None:
    """The password for ``PGPASSWORD`` (pg_dump's environment, which other accounts cannot read)."""
    from sqlalchemy.engine import make_url

    return make_url(url).password


def partial_name(target: Path) -> Path:
    """Where the copy is written until it is complete: the same folder (so the rename is atomic), hidden, and
    never mistaken for a backup — a failed run leaves neither a half file nor a 0-byte ``.dump`` behind."""
    return target.with_name(f".{target.name}.partial-{os.getpid()}")


def check_folder(target: Path) -> None:
    """A missing folder is a typo more often than a wish: say so, as ``cp`` and ``pg_dump`` do, and create nothing."""
    folder = target.parent
    if not folder.is_dir():
        raise fail(f"Folder {folder} tidak ada; buat dulu (mkdir -p {folder}) atau pilih -o yang lain.")


def size_text(path: Path) -> str:
    """``2.068.480 byte``: the byte count the Indonesian way, like every other number the CLI prints."""
    from handlers.i18n.format import number

    return f"{number(path.stat().st_size, settings().language)} byte"


Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="Berkas hasil (bawaan: jsika-backup-<waktu>.db/.dump)")
]


def backup(output: Output = None) -> None:
    """Cadangkan basis data tanpa menghentikan bot (SQLite: online backup API; PostgreSQL: pg_dump)."""
    config = settings()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if config.is_sqlite:
        _backup_sqlite(config.database_url, output or Path(f"jsika-backup-{stamp}.db"))
    else:
        _backup_postgresql(config.database_url, output or Path(f"jsika-backup-{stamp}.dump"))


def _backup_sqlite(url: str, target: Path) -> None:
    import sqlite3

    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        raise fail("Basis data SQLite di memori tidak bisa dicadangkan.")
    check_folder(target)
    partial = partial_name(target)
    try:
        verdict = sqlite_backup(Path(database), partial)
        if verdict != "ok":
            raise fail(f"Salinan {target} rusak menurut integrity_check: {verdict}")
        partial.replace(target)
    except (OSError, sqlite3.Error) as error:
        raise fail(f"Pencadangan gagal: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    console.print(f"Cadangan SQLite: {target} ({size_text(target)}, integrity_check ok)", highlight=False)


def _backup_postgresql(url: str, target: Path) -> None:
    import shutil
    import subprocess

    from models.private import create_private

    pg_dump = shutil.which("pg_dump")
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
    check_folder(target)
    partial = partial_name(target)
    command = [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", libpq_url(url)]
    environment = dict(os.environ)
    if (password := libpq_password(url)) is not None:
        environment["PGPASSWORD"] = password
    try:
        create_private(partial)  # pg_dump writes into it and keeps the mode: 0600, like the SQLite backup
        result = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
        if result.returncode != 0:
            # pg_dump's whole message (it may span lines: the error, then DETAIL/HINT), on one line
            message = " ".join(line.strip() for line in result.stderr.splitlines() if line.strip())
            raise fail(f"pg_dump gagal (kode {result.returncode}): {message or '(tanpa pesan)'}")
        partial.replace(target)
    except OSError as error:
        raise fail(f"Pencadangan gagal: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    console.print(f"Cadangan PostgreSQL: {target} ({size_text(target)}; pulihkan dengan pg_restore)", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
