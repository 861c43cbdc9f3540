"""``jsika backup`` leaves either a complete backup or nothing, and says why in one whole line."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.cli.test_cli_errors import jsika, one_line


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump (postgresql-client)")
def test_failed_pg_dump_leaves_no_file_and_shows_its_whole_message(tmp_path: Path) -> None:
    # The SQLite half of the suite sets the variable to "" — fall back to the local server then.
    configured = os.environ.get("JSIKA_TEST_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        configured = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    url = configured.rsplit("/", 1)[0] + "/jsika_tidak_ada"
    result = jsika(["backup", "-o", "cadangan.dump"], tmp_path, JSIKA_DATABASE_URL=url)
    line = one_line(result)
    assert line.startswith("pg_dump gagal (kode 1): pg_dump: error:")
    assert 'database "jsika_tidak_ada" does not exist' in line  # the end of the message, not only its start
    assert list(tmp_path.iterdir()) == []  # neither the backup nor its partial file


def test_backup_into_a_missing_folder_says_so_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "jsika.db").touch()
    result = jsika(
        ["backup", "-o", "tidak-ada/cadangan.db"], tmp_path, JSIKA_DATABASE_URL="sqlite+aiosqlite:///./jsika.db"
    )
    assert one_line(result).startswith("Folder tidak-ada tidak ada; buat dulu (mkdir -p tidak-ada)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jsika.db"]


def test_sqlite_backup_reports_bytes_the_indonesian_way_and_leaves_no_partial_file(tmp_path: Path) -> None:
    env = {"JSIKA_DATABASE_URL": "sqlite+aiosqlite:///./jsika.db"}
    assert jsika(["db", "upgrade"], tmp_path, **env).returncode == 0
    result = jsika(["backup", "-o", "cadangan.db"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    size = (tmp_path / "cadangan.db").stat().st_size
    shown = re.search(r"\(([\d.]+) byte", result.stdout)
    assert shown is not None and shown.group(1) == f"{size:,}".replace(",", ".")
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_backups_and_database_files_are_never_committed() -> None:
    """A backup holds the whole registry (NIK, names, addresses): git must not pick it up with ``git add .``."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    names = ["jsika-backup-20261124-010000.dump", "backups/jsika-Mon.db", "cadangan.dump", "jsika.db-wal"]
    result = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=root, capture_output=True, text=True)
    assert result.stdout.split() == names
