"""``jsika apikey create | list | revoke``: keys for other agencies (OPD) to call the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from bot.cli.common import JsikaTyper, console, fail, run_with_db, settings

if TYPE_CHECKING:
    from models.db import Database

apikey_app = JsikaTyper(help="Kunci API untuk OPD / API keys for other agencies.", no_args_is_help=True)


@apikey_app.command("create")
def create(
    name: str = typer.Option(..., "--name", help='Pemilik kunci, mis. "Dinas Pendidikan"'),
    sector: str = typer.Option(..., "--sector", help="pendidikan | kesehatan | umkm"),
    area: str = typer.Option(..., "--area", help="Kode wilayah yang boleh dilihat, mis. 36 atau 36.02"),
    nik: bool = typer.Option(False, "--nik", help="Boleh melihat NIK, KK dan telepon lengkap"),
    rate_limit: int | None = typer.Option(
        None, "--rate-limit", min=1, help="Panggilan per menit (bawaan: JSIKA_API_RATE_LIMIT_PER_MINUTE)"
    ),
) -> None:
    """Buat kunci API. Kunci hanya ditampilkan SEKALI ini; yang disimpan hanya sidik (hash)-nya."""
    from models import api_keys

    limit = rate_limit or settings().api_rate_limit_per_minute

    async def work(db: Database) -> tuple[int, str, str]:
        async with db.session() as session:
            key, plain = await api_keys.create_key(
                session,
                name=name,
                sector=sector.strip().lower(),
                area=area,
                can_see_nik=nik,
                rate_limit_per_minute=limit,
                now=datetime.now(UTC),
            )
            return key.id, key.area_code, plain

    try:
        key_id, area_code, plain = run_with_db(work)
    except api_keys.ApiKeyError as error:
        raise fail(str(error)) from None
    console.print(
        f"Kunci #{key_id} untuk {name} ({sector}, wilayah {area_code}, NIK {'terlihat' if nik else 'disamarkan'}, "
        f"{limit}/menit):",
        highlight=False,
    )
    console.print(plain, style="bold", highlight=False, soft_wrap=True)
    console.print("Simpan sekarang: kunci ini tidak bisa ditampilkan lagi. Kirim lewat saluran yang aman.")


HEADER = ("id", "awalan", "nama", "sektor", "wilayah", "NIK", "per-menit", "terakhir-dipakai", "status")


def aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """Columns padded to their widest cell (numbers to the right), two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {0, 6}  # id, per-menit
    return [
        "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


@apikey_app.command("list")
def list_keys() -> None:
    """Daftar kunci (tanpa kuncinya sendiri)."""
    from models import api_keys

    async def work(db: Database) -> list[tuple[str, ...]]:
        async with db.session() as session:
            return [
                (
                    str(k.id),
                    k.prefix,
                    k.name,
                    k.sector,
                    k.area_code,
                    "ya" if k.can_see_nik else "tidak",
                    str(k.rate_limit_per_minute),
                    k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "-",
                    "dicabut " + k.revoked_at.strftime("%Y-%m-%d") if k.revoked_at else "aktif",
                )
                for k in await api_keys.list_keys(session)
            ]

    rows = run_with_db(work)
    if not rows:
        console.print("Belum ada kunci API.")
        return
    for number, line in enumerate(aligned([HEADER, *rows])):
        # one line per key, never wrapped, so it also reads well in a narrow terminal or a script
        console.print(line, highlight=False, soft_wrap=True, style="bold" if number == 0 else None, markup=False)


@apikey_app.command("revoke")
def revoke(key: str = typer.Argument(..., help="id, awalan, atau kunci lengkap")) -> None:
    """Cabut kunci: panggilan berikutnya dengan kunci ini ditolak (401)."""
    from models import api_keys

    async def work(db: Database) -> str | None:
        async with db.session() as session:
            found = await api_keys.revoke_key(session, key, datetime.now(UTC))
            return f"#{found.id} {found.name}" if found is not None else None

    revoked = run_with_db(work)
    if revoked is None:
        raise fail(f"Kunci {key} tidak ditemukan.")
    console.print(f"Kunci {revoked} dicabut.")


def register(app: typer.Typer) -> None:
    app.add_typer(apikey_app, name="apikey")
