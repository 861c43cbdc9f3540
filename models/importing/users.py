"""``jsika import users``: the roster of pendamping, koordinator and admin (nama, telepon, peran, wilayah).

Upsert by normalised phone: a known phone updates name, role and area; the Telegram link and the active flag
are left alone (they belong to registration and deactivation, not to the roster file). A roster is a few
thousand rows, so it is checked whole and written in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table as SqlTable
from sqlalchemy import bindparam, insert, select, update

from models import audit
from models.base import utcnow
from models.db import Database
from models.importing.result import ImportResult, Issue, Progress
from models.importing.table import Column, ErrorFile, Table
from models.regions import RegionCodeError, normalize_region_code
from models.spreadsheet import unguard
from models.tables import Region, Role, User
from models.validate import cell_text, normalize_phone

U = cast(SqlTable, User.__table__)
USER_FIELDS = ("name", "role", "area_code")
LOOKUP_CHUNK = 5_000
MAX_ROSTER_ROWS = 100_000  # a province has a few thousand staff; the roster is checked whole in memory

USER_COLUMNS: tuple[Column, ...] = (
    Column("nama", ("Nama Lengkap", "Nama Petugas"), required=True, note="Nama lengkap petugas.", width=28),
    Column(
        "telepon",
        ("HP", "No HP", "Nomor HP", "Telp", "No Telp", "Telepon", "Nomor Telepon", "No Telepon", "Handphone", "Telpon"),
        required=True,
        note="Nomor HP yang dipakai di Telegram: 08…, 628… atau +62….",
        width=18,
        text=True,
    ),
    Column(
        "peran",
        ("Role", "Jabatan", "Peran Petugas"),
        required=True,
        note="pendamping, koordinator atau admin.",
        width=14,
    ),
    Column(
        "wilayah",
        ("Kode Wilayah", "Wilayah Tugas", "Area", "Kode Area"),
        required=True,
        note="Kode wilayah tugas: kecamatan untuk pendamping (36.01.01), kabupaten/kota untuk koordinator "
        "(36.01), 36 untuk admin provinsi.",
        width=14,
        text=True,
    ),
)

ROLES: dict[str, Role] = {
    **dict.fromkeys(("pendamping", "pendamping sosial", "pendamping jamsosratu", "pendamping jscm"), Role.PENDAMPING),
    **dict.fromkeys(
        (
            "koordinator",
            "korda",
            "korwil",
            "koordinator wilayah",
            "koordinator kabupaten",
            "koordinator kota",
            "koordinator kecamatan",
            "supervisor",
        ),
        Role.KOORDINATOR,
    ),
    **dict.fromkeys(("admin", "administrator", "admin dinsos", "admin provinsi"), Role.ADMIN),
}
LEVEL_NAMES = {1: "provinsi", 2: "kabupaten/kota", 3: "kecamatan", 4: "desa/kelurahan"}


@dataclass(slots=True)
class RosterRow:
    number: int
    cells: Sequence[object]
    name: str = ""
    phone: str | None = None
    role: Role | None = None
    area: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def _issue(number: int, column: str, raw: object, message: str) -> Issue:
    return Issue(number, column, cell_text(raw)[:60], message)


def check_roster_row(
    table: Table, regions: dict[str, tuple[str, int]], number: int, cells: Sequence[object]
) -> RosterRow:
    row = RosterRow(number, cells)
    raw = table.cell(cells, "nama")
    row.name = " ".join(unguard(cell_text(raw)).split())
    if not row.name:
        row.errors.append(_issue(number, "nama", raw, "Nama kosong; tulis nama lengkap petugas."))
    elif len(row.name) > 120:
        row.errors.append(_issue(number, "nama", raw, "Nama terlalu panjang (paling banyak 120 huruf)."))

    raw = table.cell(cells, "telepon")
    phone = normalize_phone(raw)
    row.phone = phone.value
    row.errors.extend(_issue(number, "telepon", raw, m) for m in phone.errors)
    row.warnings.extend(_issue(number, "telepon", raw, m) for m in phone.warnings)

    raw = table.cell(cells, "peran")
    row.role = ROLES.get(" ".join(cell_text(raw).lower().split()))
    if row.role is None:
        row.errors.append(
            _issue(
                number,
                "peran",
                raw,
                f'Peran "{cell_text(raw)}" tidak dikenal; tulis pendamping, koordinator atau admin.',
            )
        )

    raw = table.cell(cells, "wilayah")
    text = cell_text(raw).lstrip("'")
    try:
        code = normalize_region_code(text)
    except RegionCodeError:
        row.errors.append(
            _issue(
                number,
                "wilayah",
                raw,
                f"Kode wilayah {text or '(kosong)'} tidak valid; contoh: 36, 36.01, 36.01.01 atau 3601.",
            )
        )
        return row
    found = regions.get(code)
    if found is None:
        row.errors.append(_issue(number, "wilayah", raw, f"Wilayah {code} tidak ada dalam daftar wilayah Banten."))
        return row
    row.area = code
    name, level = found
    if row.role is Role.PENDAMPING and level < 3:
        row.warnings.append(
            _issue(
                number,
                "wilayah",
                raw,
                f"Wilayah pendamping biasanya kecamatan; {code} ({name}) adalah {LEVEL_NAMES[level]}.",
            )
        )
    if row.role is Role.ADMIN and level != 1:
        row.warnings.append(
            _issue(number, "wilayah", raw, f"Admin biasanya untuk seluruh Banten (36); yang tertulis {code} ({name}).")
        )
    return row


def _check_roster(table: Table, regions: dict[str, tuple[str, int]]) -> list[RosterRow]:
    rows: list[RosterRow] = []
    first_by_phone: dict[str, int] = {}
    for number, cells in table.rows():
        row = check_roster_row(table, regions, number, cells)
        if row.phone is not None:
            first = first_by_phone.setdefault(row.phone, number)
            if first != number:
                row.errors.append(
                    _issue(
                        number,
                        "telepon",
                        table.cell(cells, "telepon"),
                        f"Nomor {row.phone} sudah dipakai di baris {first}; satu nomor untuk satu petugas.",
                    )
                )
        rows.append(row)
    return rows


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


async def import_users(
    db: Database,
    path: Path | str,
    *,
    dry_run: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Load a roster file. Raises ``ImportFileError`` when the file as a whole cannot be read."""
    started = time.perf_counter()
    path = Path(path)
    table = Table(path, USER_COLUMNS, max_rows=MAX_ROSTER_ROWS)
    async with db.session() as session:
        regions = {
            code: (name, level)
            for code, name, level in await session.execute(select(Region.code, Region.name, Region.level))
        }
    result = ImportResult(path, dry_run=dry_run)
    rows = table.read_all(lambda: _check_roster(table, regions))
    result.rows = len(rows)
    if progress is not None:
        progress("baca", len(rows), len(rows))

    error_file = ErrorFile(table)
    good = [r for r in rows if not r.errors]
    now = utcnow()
    try:
        async with db.session() as session:
            stored: dict[str, dict[str, Any]] = {}
            phones = [r.phone for r in good if r.phone]
            for start in range(0, len(phones), LOOKUP_CHUNK):
                chunk = phones[start : start + LOOKUP_CHUNK]
                for found in await session.execute(
                    select(U.c.id, U.c.phone, *(U.c[f] for f in USER_FIELDS)).where(U.c.phone.in_(chunk))
                ):
                    stored[found.phone] = dict(found._mapping)
            new: list[RosterRow] = []
            updates: list[dict[str, Any]] = []
            audits: list[dict[str, Any]] = []
            for row in good:
                assert row.phone is not None
                values = {"name": row.name, "role": row.role, "area_code": row.area}
                current = stored.get(row.phone)
                if current is None:
                    new.append(row)
                    result.users.new += 1
                    continue
                changed = {k: v for k, v in values.items() if current[k] != v}
                if not changed:
                    result.users.unchanged += 1
                    continue
                result.users.changed += 1
                updates.append({"b_id": current["id"]} | {f"b_{k}": v for k, v in values.items()})
                audits.append(
                    audit.entry(
                        actor_type="cli",
                        actor_id=actor,
                        action="import.update",
                        entity="user",
                        entity_id=str(current["id"]),
                        before={k: _plain(current[k]) for k in changed},
                        after={k: _plain(v) for k, v in changed.items()},
                        detail=f"impor {path.name}, baris {row.number}",
                        at=now,
                    )
                )
            if not dry_run:
                if new:
                    inserted = await session.execute(
                        insert(U).returning(U.c.id, U.c.phone),
                        [
                            {
                                "name": r.name,
                                "phone": r.phone,
                                "role": r.role,
                                "area_code": r.area,
                                "active": True,
                                "language": "id",
                                "created_at": now,
                            }
                            for r in new
                        ],
                    )
                    ids = {phone: user_id for user_id, phone in inserted}
                    for r in new:
                        assert r.phone is not None and r.role is not None
                        audits.append(
                            audit.entry(
                                actor_type="cli",
                                actor_id=actor,
                                action="import.create",
                                entity="user",
                                entity_id=str(ids[r.phone]),
                                after={"name": r.name, "phone": r.phone, "role": r.role.value, "area_code": r.area},
                                detail=f"impor {path.name}, baris {r.number}",
                                at=now,
                            )
                        )
                if updates:
                    await session.execute(
                        update(U)
                        .where(U.c.id == bindparam("b_id"))
                        .values({k: bindparam(f"b_{k}") for k in USER_FIELDS}),
                        updates,
                    )
                await audit.record_many(session, audits)
    except BaseException:
        error_file.discard()
        raise
    for row in rows:
        for issue in row.warnings:
            result.add_warning(issue)
        if row.errors:
            for issue in row.errors:
                result.add_error(issue)
            result.rows_failed += 1
            error_file.write(row.cells, " ".join(dict.fromkeys(i.message for i in row.errors)))
    result.error_file = error_file.close()
    result.seconds = time.perf_counter() - started
    if progress is not None:
        progress("muat", len(rows), len(rows))
    return result
