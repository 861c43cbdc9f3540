"""The README's PostgreSQL commands work as written: a role that is no superuser, owning a database made with the
README's ``createdb`` line (template0, UTF8, C.UTF-8), runs ``jsika db upgrade`` through the real entry point."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.cli.test_cli_errors import jsika

ROOT = Path(__file__).resolve().parents[2]


def readme_line(command: str, page: str = "README.md") -> list[str]:
    """The page's ``sudo -u postgres <command> …`` line, as arguments, its comment removed."""
    text = (ROOT / page).read_text(encoding="utf-8")
    found = re.search(rf"^sudo -u postgres {command} (.*?)(?:\s+#.*)?$", text, flags=re.MULTILINE)
    assert found, f"{page} has no 'sudo -u postgres {command}' line"
    return shlex.split(found.group(1))


def test_the_deployment_guide_gives_the_same_postgresql_commands() -> None:
    for command in ("createuser", "createdb"):
        assert readme_line(command, "docs/deployment.md") == readme_line(command)


def test_readme_postgresql_commands_give_a_database_the_bot_can_migrate(tmp_path: Path) -> None:
    configured = os.environ.get("JSIKA_TEST_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        pytest.skip("needs a PostgreSQL server (JSIKA_TEST_DATABASE_URL)")
    server = make_url(configured)
    admin = ["-h", server.host or "127.0.0.1", "-p", str(server.port or 5432), "-U", server.username or "postgres"]
    suffix = uuid.uuid4().hex[:8]
    role, database = f"jsika_role_{suffix}", f"jsika_db_{suffix}"

    createuser = readme_line("createuser")
    assert createuser[-1] == "jsika" and "--superuser" not in createuser
    createdb = readme_line("createdb")
    assert createdb[-1] == "jsika" and "--owner=jsika" in createdb
    createdb = [f"--owner={role}" if arg == "--owner=jsika" else arg for arg in createdb[:-1]] + [database]

    # --pwprompt asks at the terminal; the password is set the same way without one.
    subprocess.run(["createuser", *admin, role], check=True, capture_output=True)
    try:
        subprocess.run(["psql", *admin, "-d", "postgres", "-c", f"ALTER ROLE {role} PASSWORD 'rahasia'"], check=True, capture_output=True)  # fmt: skip
        made = subprocess.run(["createdb", *admin, *createdb], capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        url = f"postgresql+asyncpg://{role}:rahasia@{server.host}:{server.port or 5432}/{database}"
        upgraded = jsika(["db", "upgrade"], tmp_path, JSIKA_DATABASE_URL=url)
        assert upgraded.returncode == 0, upgraded.stderr
        current = jsika(["db", "current"], tmp_path, JSIKA_DATABASE_URL=url)
        assert current.stdout.strip().endswith("(terbaru)"), current.stderr
        collation = subprocess.run(
            ["psql", *admin, "-d", database, "-Atc", "SELECT datcollate FROM pg_database WHERE datname = current_database()"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        assert collation in ("C.UTF-8", "C.utf8")
    finally:
        subprocess.run(["dropdb", *admin, "--if-exists", "--force", database], capture_output=True)
        subprocess.run(["dropuser", *admin, "--if-exists", role], capture_output=True)
