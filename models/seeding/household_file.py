"""A synthetic household registry file: what a clerk's ``jsika import households`` spreadsheet looks like.

``households(count)`` yields rows in the import's column order (``HEADER``): N households of ≈4 members, NIKs
consistent with a real Banten kecamatan, birth date and sex, KKs with a real issue date, every row valid.
``write_household_file`` writes them as CSV. Used by ``bench/import_bench.py`` (up to the whole province,
650,000 households, streamed: nothing is kept in memory) and by the import tests that need many rows.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from models.importing.layout import HOUSEHOLD_COLUMNS
from models.regions import shipped_regions
from models.seeding.identity import kecamatan_digits, make_kk, make_nik

HEADER = [column.name for column in HOUSEHOLD_COLUMNS]
TODAY = date(2025, 11, 24)  # the day the rows are valid on (birth dates before it)
MEN = ["Ahmad", "Budi", "Dedi", "Eko", "Hendra", "Iwan", "Joko", "Rudi", "Agus", "Asep", "Ujang", "Dadang", "Yayan"]
WOMEN = ["Siti", "Ani", "Dewi", "Rina", "Sri", "Yuni", "Nur", "Euis", "Neneng", "Imas", "Lilis", "Enung", "Fitri"]
FAMILY = ["Hidayat", "Saputra", "Setiawan", "Kurniawan", "Rahman", "Hasan", "Suryana", "Permana", "Nugraha", "Wijaya"]


class HouseholdFile:
    """Valid, unique NIKs without remembering them: a per-kecamatan counter gives the serial, and when the
    counter wraps past 9999 the birth day is shifted so that (kecamatan, date, serial) never repeats."""

    def __init__(self, seed: int, today: date = TODAY) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.desa = [r.code for r in shipped_regions() if r.level == 4]
        self.per_kecamatan: dict[str, int] = {}

    def nik(self, kecamatan: str, born: date, sex: str) -> tuple[str, date]:
        count = self.per_kecamatan.get(kecamatan, 0)
        self.per_kecamatan[kecamatan] = count + 1
        serial, wrap = count % 9999 + 1, count // 9999
        if wrap >= 7:
            raise SystemExit("too many people in one kecamatan for the generator's NIK scheme")
        day = born.day - (born.day % 7) + wrap  # day ≡ wrap (mod 7)
        if day < 1:
            day += 7
        while True:
            try:
                born = born.replace(day=day)
                break
            except ValueError:
                day -= 7
        return make_nik(kecamatan_digits(kecamatan), born, sex, serial), born

    def birth(self, age_min: int, age_max: int) -> date:
        days = self.rng.randint(age_min * 365 + 8, age_max * 365 + 300)  # ≥ 8 days: the day shift stays in the past
        return self.today - timedelta(days=days)

    def households(self, count: int) -> Iterator[list[str]]:
        rng = self.rng
        for index in range(count):
            desa = self.desa[index % len(self.desa)]
            kecamatan = desa.rsplit(".", 1)[0]
            issued = date(2000 + (index // 336) % 25, 1 + (index // 28) % 12, 1 + index % 28)
            kk = make_kk(kecamatan_digits(kecamatan), issued, index // 8400 + 1)
            family = rng.choice(FAMILY)
            address = f"Kp. {rng.choice(FAMILY)} RT {rng.randint(1, 15):03d}/{rng.randint(1, 9):03d}"
            phone = f"08{rng.choice('1235789')}{rng.randint(10_000_000, 999_999_999)}" if rng.random() < 0.7 else ""
            head_age = rng.randint(25, 70)
            people: list[tuple[str, str, date, str]] = [
                ("kepala keluarga", "L", self.birth(head_age, head_age), f"{rng.choice(MEN)} {family}")
            ]
            if rng.random() < 0.85:
                age = max(18, head_age - rng.randint(0, 8))
                people.append(("istri", "P", self.birth(age, age), f"{rng.choice(WOMEN)} {rng.choice(FAMILY)}"))
            for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))):
                sex = rng.choice("LP")
                age_max = max(0, min(20, head_age - 18))
                names = MEN if sex == "L" else WOMEN
                people.append(("anak", sex, self.birth(0, age_max), f"{rng.choice(names)} {family}"))
            if rng.random() < 0.15:
                people.append(("orang tua", "P", self.birth(60, 85), f"{rng.choice(WOMEN)} {rng.choice(FAMILY)}"))
            for relation, sex, born, name in people:
                nik, born = self.nik(kecamatan, born, sex)
                age = (self.today - born).days // 365
                pregnant = relation == "istri" and age < 40 and rng.random() < 0.08
                edd = (self.today + timedelta(days=rng.randint(10, 250))).strftime("%d-%m-%Y") if pregnant else ""
                level = "SD" if 6 <= age <= 12 else "SMP" if 13 <= age <= 15 else "SMA" if 16 <= age <= 18 else ""
                school = f"{level}N {rng.randint(1, 9)} {desa[-4:]}" if level else ""
                disabled = "Y" if rng.random() < 0.02 else "T"
                first = relation == "kepala keluarga"
                yield [
                    kk,
                    nik,
                    name,
                    relation,
                    sex,
                    born.strftime("%d-%m-%Y"),
                    desa if first else "",
                    address if first else "",
                    phone if first else "",
                    "",
                    edd,
                    level,
                    school,
                    disabled,
                    "",
                ]


def write_household_file(path: Path, households: int, seed: int = 1) -> int:
    """Write ``households`` synthetic households to ``path`` as CSV; returns the number of member rows."""
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in HouseholdFile(seed).households(households):
            writer.writerow(row)
            rows += 1
    return rows
