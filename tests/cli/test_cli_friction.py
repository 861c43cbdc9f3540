"""The small things a newcomer met in the first hour: a folder for a file, a folder that is not there, identifiers
where the chat uses words, columns that do not line up."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli_errors import jsika, one_line

SQLITE = {"JSIKA_DATABASE_URL": "sqlite+aiosqlite:///./jsika.db"}


def test_a_folder_given_as_the_import_file_is_called_a_folder(tmp_path: Path) -> None:
    assert jsika(["db", "upgrade"], tmp_path, **SQLITE).returncode == 0
    (tmp_path / "data").mkdir()
    result = jsika(["import", "households", "data"], tmp_path, **SQLITE)
    assert result.returncode == 2
    assert "data adalah folder, bukan berkas" in result.stderr
    assert "tidak ditemukan" not in result.stderr


def test_template_into_a_missing_folder_says_so_and_creates_nothing(tmp_path: Path) -> None:
    result = jsika(["import", "--template", "tidak-ada/templat.xlsx"], tmp_path, **SQLITE)
    assert one_line(result).startswith("Folder tidak-ada tidak ada; buat dulu (mkdir -p tidak-ada)")
    assert list(tmp_path.iterdir()) == []


def test_apikey_list_columns_line_up(tmp_path: Path) -> None:
    assert jsika(["db", "upgrade"], tmp_path, **SQLITE).returncode == 0
    for name, area in (("Dinas Pendidikan Provinsi Banten", "36"), ("Dinkes", "36.02")):
        created = jsika(
            ["apikey", "create", "--name", name, "--sector", "kesehatan", "--area", area], tmp_path, **SQLITE
        )
        assert created.returncode == 0, created.stderr
    lines = jsika(["apikey", "list"], tmp_path, **SQLITE).stdout.splitlines()
    assert len(lines) == 3
    starts = {line.index(word) for line, word in zip(lines, ("sektor", "kesehatan", "kesehatan"), strict=True)}
    assert len(starts) == 1  # the sector column starts at the same place on every line


def test_reminder_kinds_print_as_the_chat_names_them() -> None:
    from bot.cli.remind import kind_label
    from models.reminder_settings import Kind

    assert kind_label("event_birth", "id") == "perkiraan persalinan"
    assert kind_label("event_birth", "en") != "event_birth"
    assert all(kind_label(kind.value, "id") != kind.value for kind in Kind)


def test_db_current_and_import_print_their_answer_without_alembic_lines(tmp_path: Path) -> None:
    upgraded = jsika(["db", "upgrade"], tmp_path, **SQLITE)
    assert "Running upgrade" in upgraded.stderr  # db upgrade keeps its migration lines: each is work being done
    current = jsika(["db", "current"], tmp_path, **SQLITE)
    assert current.returncode == 0
    assert current.stdout.strip().endswith("(terbaru)") and current.stderr == ""
    assert jsika(["import", "--template", "t.xlsx"], tmp_path, **SQLITE).returncode == 0
    imported = jsika(["import", "households", "t.xlsx", "--dry-run"], tmp_path, **SQLITE)
    assert imported.returncode == 0, imported.stderr
    assert "alembic" not in imported.stdout + imported.stderr


def test_db_current_reads_the_revision_without_loading_alembic(tmp_path: Path) -> None:
    """Alembic's environment is most of a second to import; comparing two sets of ids does not need it."""
    import subprocess
    import sys

    from models.migrate import head_revisions

    (head,) = head_revisions()
    assert jsika(["db", "upgrade", "0015"], tmp_path, **SQLITE).returncode == 0
    assert jsika(["db", "current"], tmp_path, **SQLITE).stdout.strip() == "0015 (ada migrasi tertunda)"
    assert jsika(["db", "upgrade"], tmp_path, **SQLITE).returncode == 0
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "sys.argv = ['jsika', 'db', 'current']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('alembic' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2]), **SQLITE}
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.stdout.splitlines() == [f"{head} (terbaru)", "False"], result.stderr


def test_remind_dry_run_names_kinds_and_the_day_as_the_chat_does(tmp_path: Path) -> None:
    from models.reminder_settings import Kind

    assert jsika(["db", "upgrade"], tmp_path, **SQLITE).returncode == 0
    assert jsika(["seed", "-n", "20", "--today", "2026-11-20"], tmp_path, **SQLITE).returncode == 0
    result = jsika(["remind", "--dry-run", "--at", "2026-11-24 07:00"], tmp_path, **SQLITE)
    assert result.returncode == 0, result.stderr
    assert "Pengingat untuk Selasa, 24 November 2026" in result.stdout
    assert "ringkasan pagi" in result.stdout
    assert not [kind.value for kind in Kind if kind.value in result.stdout]  # no identifier such as event_birth
