"""Every failure a person can cause or fix reads as one line from the real ``jsika`` entry point, with the traceback
only on ``--debug``; and loading the command loads none of the heavy libraries (``jsika --help`` answers at once)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JSIKA = Path(sys.executable).parent / "jsika"

DATABASE_COMMANDS = [
    ["db", "current"],
    ["db", "upgrade"],
    ["seed", "-n", "1"],
    ["remind", "--dry-run"],
    ["apikey", "list"],
    ["user", "add", "--name", "Siti", "--phone", "081234567890", "--role", "admin", "--area", "36"],
    ["user", "deactivate", "081234567890"],
    ["invite", "create", "--role", "pendamping", "--area", "36"],
    ["apikey", "create", "--name", "Dinkes", "--sector", "kesehatan", "--area", "36"],
    ["db", "downgrade", "base"],
    ["run"],
    ["demo"],
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def jsika(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a person would, with only the given JSIKA_* settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JSIKA_", "TELEGRAM_"))}
    clean.update({"JSIKA_LISTEN_PORT": str(free_port()), "JSIKA_DEMO_PORT": str(free_port())})
    clean.update(env)
    command = [str(JSIKA)] if JSIKA.exists() else [sys.executable, "-c", "from bot.cli import main; main()"]
    return subprocess.run(command + args, cwd=cwd, env=clean, capture_output=True, text=True, timeout=120)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=" ".join)
def test_unreachable_postgresql_is_one_line_naming_the_server(args: list[str], tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    result = jsika(args, tmp_path, JSIKA_DATABASE_URL=f"postgresql+asyncpg://jsika@127.0.0.1:{port}/jsika")
    line = one_line(result)
    assert f"127.0.0.1:{port} tidak bisa dihubungi" in line
    assert "JSIKA_DATABASE_URL" in line


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=" ".join)
def test_sqlite_file_in_a_missing_folder_is_one_line_naming_the_folder(args: list[str], tmp_path: Path) -> None:
    result = jsika(args, tmp_path, JSIKA_DATABASE_URL="sqlite+aiosqlite:///./tidak-ada/jsika.db")
    line = one_line(result)
    assert "folder tidak-ada tidak ada" in line
    assert not (tmp_path / "tidak-ada").exists()


@pytest.mark.parametrize("args", [["db", "current"], ["apikey", "list"], ["run"]], ids=" ".join)
def test_postgresql_database_that_does_not_exist_says_createdb(args: list[str], tmp_path: Path) -> None:
    configured = os.environ.get("JSIKA_TEST_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        pytest.skip("needs a PostgreSQL server (JSIKA_TEST_DATABASE_URL)")
    url = configured.rsplit("/", 1)[0] + "/jsika_tidak_ada"
    line = one_line(jsika(args, tmp_path, JSIKA_DATABASE_URL=url))
    assert 'basis data "jsika_tidak_ada" belum ada' in line
    assert "createdb" in line


@pytest.mark.parametrize(
    ("command", "setting"),
    [("demo", "JSIKA_DEMO_PORT"), ("run", "JSIKA_DEMO_PORT"), ("run", "JSIKA_LISTEN_PORT")],
    ids=["demo page", "run without token, demo page", "run without token, its HTTP side"],
)
def test_a_port_in_use_names_the_port_and_the_setting(command: str, setting: str, tmp_path: Path) -> None:
    """``jsika run`` without a token is the README's first command: the demo page and the HTTP side (API, health)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = jsika(
            [command],
            tmp_path,
            JSIKA_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
            JSIKA_LOG_LEVEL="WARNING",
            **{setting: str(port)},
        )
    assert one_line(result) == f"port {port} dipakai program lain; hentikan program itu atau atur {setting}"


@pytest.mark.parametrize("how", ["--debug", "JSIKA_LOG_LEVEL"])
def test_debug_shows_the_traceback_and_still_ends_with_the_line(how: str, tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://jsika@127.0.0.1:{free_port()}/jsika"
    if how == "--debug":
        result = jsika(["--debug", "db", "current"], tmp_path, JSIKA_DATABASE_URL=url)
    else:
        result = jsika(["db", "current"], tmp_path, JSIKA_DATABASE_URL=url, JSIKA_LOG_LEVEL="DEBUG")
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "ConnectionRefusedError" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("PostgreSQL di 127.0.0.1:")


def test_help_loads_no_heavy_library_and_speaks_indonesian() -> None:
    probe = (
        "import sys\n"
        "from bot.cli import app\n"
        "from typer.main import get_command\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):\n"
        "    get_command(app).main(['--help'], prog_name='jsika')\n"
        "heavy = {'sqlalchemy', 'telegram', 'fastapi', 'alembic', 'openpyxl', 'matplotlib', 'pydantic', 'rich'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
        "print(out.getvalue())\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded, _, help_text = result.stdout.partition("\n")
    assert loaded == "[]"
    assert "Tampilkan bantuan ini" in help_text
    assert "Show this message" not in help_text
    assert "--debug" in help_text


def test_settings_error_is_one_line_in_indonesian(tmp_path: Path) -> None:
    line = one_line(jsika(["db", "current"], tmp_path, JSIKA_LISTEN_PORT="banyak"))
    assert line.startswith("Konfigurasi salah — JSIKA_LISTEN_PORT:")
    assert "Input should be" not in line


def test_cli_spellings_match_the_models() -> None:
    """The CLI spells a few model values itself so that loading it stays light; they must not drift."""
    from bot.cli import importing, people
    from models import importing as model_importing
    from models.tables import Role

    assert importing.DEFAULT_PROGRAMME == model_importing.DEFAULT_PROGRAMME
    assert importing.DEFAULT_BATCH == model_importing.DEFAULT_BATCH
    assert [r.value for r in people.Role] == [r.value for r in Role]
