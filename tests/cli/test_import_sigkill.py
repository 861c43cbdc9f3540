"""SIGKILL of ``jsika import households`` half-way through a large file: what is in the database is whole batches of
whole households, and running the same command again finishes the job with no duplicate and the right counts.

The import is all-or-nothing per batch (one transaction per ``--batch-size`` households) and resumable (households
are upserted by programme + KK, members by NIK), as ``docs/reliability.md`` says; this test holds it to that.
"""

from __future__ import annotations

import asyncio
import csv
import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.db import Database
from models.seeding.identity import make_kk, make_nik
from models.tables import Household, Member

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS = 4_000
MEMBERS = 3
BATCH = 50
KECAMATAN = "360101"
DESA = "36.01.01.2001"


def write_registry(path: Path) -> None:
    """HOUSEHOLDS families of three, one row per member, every row valid."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["no_kk", "nik", "nama", "hubungan", "jenis_kelamin", "tanggal_lahir", "kode_desa", "alamat"])
        for n in range(HOUSEHOLDS):
            block, serial = divmod(n, 9999)
            shift = timedelta(days=31 * block)  # a new month for each 9,999 serials: numbers stay unique
            kk = make_kk(KECAMATAN, date(2012, 1, 5) + shift, serial + 1)
            people = [
                (date(1980, 1, 10) + shift, "L", "kepala keluarga", f"Kepala {n}"),
                (date(1984, 1, 12) + shift, "P", "istri", f"Istri {n}"),
                (date(2014, 1, 14) + shift, "L", "anak", f"Anak {n}"),
            ]
            for born, sex, relation, name in people:
                nik = make_nik(KECAMATAN, born, sex, serial + 1)
                out.writerow(
                    [kk, nik, name, relation, sex, born.strftime("%d-%m-%Y"), DESA, f"Kp. Uji RT {n % 20:03d}"]
                )


def start_import(database_url: str, path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JSIKA_DATABASE_URL": database_url, "JSIKA_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-c", "from bot.cli import main; main()", "import", "households", str(path)]
    return subprocess.Popen(
        [*command, "--batch-size", str(BATCH)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def counts(db: Database) -> tuple[int, int, int, int]:
    """Households, members, distinct KKs, distinct NIKs.

    Read through ``Database.read_session``: on SQLite an ordinary session starts with ``BEGIN IMMEDIATE`` and would
    queue for the write lock behind the importer, which takes it again batch after batch, so the poll saw the
    table only once the import had finished (a CI run failed that way)."""
    async with db.read_session() as s:
        households = int(await s.scalar(select(func.count()).select_from(Household)) or 0)
        members = int(await s.scalar(select(func.count()).select_from(Member)) or 0)
        kks = int(await s.scalar(select(func.count(func.distinct(Household.kk)))) or 0)
        niks = int(await s.scalar(select(func.count(func.distinct(Member.nik)))) or 0)
    return households, members, kks, niks


@pytest.mark.slow  # two CLI process starts and 12,000 rows: ≈ 20 s
async def test_import_killed_mid_file_leaves_whole_batches_and_a_rerun_completes_it(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "kpm.csv"
    write_registry(path)

    victim = start_import(db.url, path)
    try:
        async with asyncio.timeout(120):
            while (await counts(db))[0] < 3 * BATCH:  # a few batches in: well inside the file
                assert victim.poll() is None, victim.communicate()[1].decode()[-2000:]
                await asyncio.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
    finally:
        if victim.poll() is None:
            victim.kill()

    households, members, kks, niks = await counts(db)
    assert households < HOUSEHOLDS, "the import finished before it was killed: make the file larger"
    assert households % BATCH == 0, f"{households} households: a batch was cut in half"
    assert members == MEMBERS * households  # whole households only
    assert (kks, niks) == (households, members)

    again = start_import(db.url, path)
    out, err = await asyncio.to_thread(again.communicate, timeout=300)
    assert again.returncode == 0, (out + err).decode()[-3000:]
    assert await counts(db) == (HOUSEHOLDS, MEMBERS * HOUSEHOLDS, HOUSEHOLDS, MEMBERS * HOUSEHOLDS)
    report = out.decode()
    assert "Rumah tangga" in report and f"{HOUSEHOLDS - households:,}".replace(",", ".") in report, report[-1500:]
