"""``jsika import …`` from a clerk's terminal: what they read on screen, what they find beside their file."""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app, common
from bot.config import get_settings
from models.tables import Audit, Household, Member, User

runner = CliRunner()
SyncDb = Callable[..., Any]
DESA = "36.01.01.2001"
HEADER = ["no_kk", "nik", "nama", "hubungan", "jenis_kelamin", "tanggal_lahir", "kode_desa", "telepon"]
ROWS = [
    [
        "3601011203150001",
        "3601012003800001",
        "Budi Hidayat",
        "kepala keluarga",
        "L",
        "20-03-1980",
        DESA,
        "0812 3456 7890",
    ],
    ["3601011203150001", "3601016506850002", "Siti Aminah", "istri", "P", "1985-06-25", "", ""],
    ["3601011203150002", "3601014501700003", "Euis", "kepala keluarga", "P", "05/01/1970", DESA, ""],
    ["3601011203150003", "360101150890001", "Dedi", "kepala keluarga", "L", "15-08-1990", DESA, ""],
    ["3601011203150004", "3601011010100004", "Yayan", "anak", "L", "10-10-2010", DESA, ""],
]


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("JSIKA_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(common.real_console(), "_width", 250)  # whole sentences in the tables, no wrapping
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def counts(sync_db: SyncDb) -> tuple[int, int, int]:
    async def work(session: AsyncSession) -> tuple[int, int, int]:
        return tuple(  # type: ignore[return-value]
            [int(await session.scalar(select(func.count()).select_from(m)) or 0) for m in (Household, Member, Audit)]
        )

    return sync_db(work)


def test_import_reports_bad_rows_then_loads_the_fixed_error_file(cli_env: Path, sync_db: SyncDb) -> None:
    source = write_csv(cli_env / "kpm.csv", ROWS)
    first = runner.invoke(app, ["import", "households", str(source)])

    assert first.exit_code == 1, first.output
    output = " ".join(first.output.split())
    assert "Rumah tangga: 2 baru, 0 diubah, 0 tidak berubah" in output
    assert "Anggota: 3 baru, 0 diubah, 0 tidak berubah" in output
    assert "Baris: 5 dibaca, 3 dimuat, 2 tidak dimuat." in output
    assert "NIK harus 16 angka" in output and "tidak punya baris kepala keluarga" in output
    assert "kpm.errors.csv" in output
    assert counts(sync_db)[:2] == (2, 3)

    error_file = cli_env / "kpm.errors.csv"
    with error_file.open(encoding="utf-8-sig", newline="") as handle:
        bad = list(csv.reader(handle))
    assert bad[0] == [*HEADER, "kesalahan"]
    assert [row[2] for row in bad[1:]] == ["Dedi", "Yayan"]
    bad[1][1] = "3601011508900001"
    bad[2][3] = "kepala keluarga"
    with error_file.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(bad)

    fixed = runner.invoke(app, ["import", "households", str(error_file)])
    assert fixed.exit_code == 0, fixed.output
    assert "Rumah tangga: 2 baru, 0 diubah, 0 tidak berubah" in " ".join(fixed.output.split())
    assert counts(sync_db)[:2] == (4, 5)


def test_reimport_says_nothing_changed(cli_env: Path, sync_db: SyncDb) -> None:
    source = write_csv(cli_env / "kpm.csv", ROWS[:3])
    assert runner.invoke(app, ["import", "households", str(source)]).exit_code == 0
    before = counts(sync_db)

    again = runner.invoke(app, ["import", "households", str(source)])

    assert again.exit_code == 0, again.output
    output = " ".join(again.output.split())
    assert "Rumah tangga: 0 baru, 0 diubah, 2 tidak berubah" in output
    assert "Anggota: 0 baru, 0 diubah, 3 tidak berubah" in output
    assert "Tidak ada yang berubah" in output
    assert counts(sync_db) == before


def test_dry_run_writes_nothing(cli_env: Path, sync_db: SyncDb) -> None:
    source = write_csv(cli_env / "kpm.csv", ROWS)
    result = runner.invoke(app, ["import", "households", str(source), "--dry-run"])

    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "Uji coba kpm.csv: tidak ada yang disimpan." in output
    assert "Rumah tangga: 2 baru" in output and "3 lolos pemeriksaan" in output
    assert counts(sync_db) == (0, 0, 0)


def test_roster_import_and_the_household_that_names_its_pendamping(cli_env: Path, sync_db: SyncDb) -> None:
    roster = write_csv(
        cli_env / "petugas.csv",
        [["Siti Pendamping", "0813-1111-2222", "pendamping", "360101"], ["Tanpa Peran", "0813 9999 0000", "", "36"]],
        ["Nama", "No HP", "Peran", "Kode Wilayah"],
    )
    users = runner.invoke(app, ["import", "users", str(roster)])
    assert users.exit_code == 1, users.output
    assert "Petugas: 1 baru, 0 diubah, 0 tidak berubah" in " ".join(users.output.split())
    assert "Peran" in users.output and "tidak dikenal" in users.output

    households = write_csv(
        cli_env / "kpm.csv", [[*ROWS[0][:7], "", "0813 1111 2222"]], [*HEADER[:7], "alamat", "HP Pendamping"]
    )
    result = runner.invoke(app, ["import", "households", str(households)])
    assert result.exit_code == 0, result.output

    async def assigned(session: AsyncSession) -> bool:
        household = await session.scalar(select(Household))
        pendamping = await session.scalar(select(User).where(User.phone == "+6281311112222"))
        return household is not None and pendamping is not None and household.pendamping_id == pendamping.id

    assert sync_db(assigned)


def test_template_option_with_and_without_a_name(cli_env: Path) -> None:
    plain = runner.invoke(app, ["import", "--template"])
    assert plain.exit_code == 0, plain.output
    assert (cli_env / "jsika-template.xlsx").exists()

    (cli_env / "templat").mkdir()  # a missing folder is refused (tests/cli/test_cli_friction.py)
    named = runner.invoke(app, ["import", "--template", "templat/kpm.xlsx"])
    assert named.exit_code == 0, named.output
    book = load_workbook(cli_env / "templat" / "kpm.xlsx")
    assert book.sheetnames[:2] == ["Rumah Tangga", "Petugas"]

    command = runner.invoke(app, ["import", "template", "lain.xlsx"])
    assert command.exit_code == 0 and (cli_env / "lain.xlsx").exists()


def test_a_file_that_cannot_be_read_is_one_clear_line(cli_env: Path) -> None:
    missing = runner.invoke(app, ["import", "households", "tidak-ada.csv"])
    assert missing.exit_code == 2
    assert "tidak-ada.csv tidak ditemukan" in missing.output
    assert "Traceback" not in missing.output

    wrong = write_csv(cli_env / "lain.csv", [["a", "b"]], ["kolom1", "kolom2"])
    result = runner.invoke(app, ["import", "households", str(wrong)])
    assert result.exit_code == 2 and "no_kk" in result.output


def test_an_import_into_a_database_that_needs_upgrading_says_so_and_writes_nothing(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = cli_env / "belum-upgrade.db"
    monkeypatch.setenv("JSIKA_DATABASE_URL", f"sqlite+aiosqlite:///{empty}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["import", "households", str(write_csv(cli_env / "kpm.csv", ROWS))])
    assert result.exit_code == 2
    assert "jsika db upgrade" in result.output and "Traceback" not in result.output
    assert not (cli_env / "kpm.errors.csv").exists()


def test_bare_import_shows_help(cli_env: Path) -> None:
    result = runner.invoke(app, ["import"])
    assert result.exit_code == 0
    assert "households" in result.output and "users" in result.output and "--template" in result.output


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_error_file_is_readable_by_its_owner_only(cli_env: Path, sync_db: SyncDb, suffix: str) -> None:
    previous = os.umask(0o022)  # a shared server's usual umask: new files readable by every account
    try:
        source = cli_env / f"kpm.{suffix}"
        if suffix == "csv":
            write_csv(source, ROWS)
        else:
            book = Workbook()
            book.active.append(HEADER)
            for row in ROWS:
                book.active.append(row)
            book.save(source)
        stale = cli_env / f"kpm.errors.{suffix}.tmp"  # left readable by an older run that was killed
        stale.write_bytes(b"")
        stale.chmod(0o644)
        result = runner.invoke(app, ["import", "households", str(source)])
    finally:
        os.umask(previous)
    assert result.exit_code == 1, result.output
    errors = cli_env / f"kpm.errors.{suffix}"
    assert stat.S_IMODE(errors.stat().st_mode) == 0o600  # the rows it repeats carry NIKs


def test_a_cell_over_the_csv_limit_is_one_line_on_screen(cli_env: Path, sync_db: SyncDb) -> None:
    source = write_csv(cli_env / "kpm.csv", [*ROWS[:2], ["3601011203150009", "3601012003800009", "A" * 200_000]])
    before = counts(sync_db)
    result = runner.invoke(app, ["import", "households", str(source)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip() and " INFO " not in line]  # not the log
    assert len(" ".join(lines)) < 300 and "Traceback" not in result.output
    assert "kpm.csv baris 4" in " ".join(lines) and "terlalu panjang" in result.output
    assert counts(sync_db) == before  # the good rows before it are not loaded either: nothing half-done
