"""The disbursement list as XLSX: a summary sheet (per kabupaten/kota: signed or not, the counts) and one row per
household, streamed from a server-side cursor in batches into the project's workbook writer (``models/workbook.py``,
whose every text goes through ``models/spreadsheet.py``: a name starting with ``=`` stays text), so memory stays
flat however large the province. Unsigned kabupaten/kota are left out unless asked for; then each row says so.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.period import Period
from models.period_close import programme_rules
from models.queries import period_close as close_queries
from models.queries.period_export import KEYS, export_rows
from models.workbook import Cell, Column, SheetWriter, ValueTexts

BATCH = 5_000
WIDTHS = {"kk": 20, "nik_penerima": 20, "penerima": 28, "alasan": 40, "alasan_pembatalan": 36, "penyesuaian": 40}
KINDS = {"kk": Cell.ID, "nik_penerima": Cell.ID, "jumlah": Cell.NUMBER, "disalurkan": Cell.BOOL,
         "diputuskan_pada": Cell.DATETIME, "ditandatangani": Cell.DATETIME}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ListFile:
    path: str
    rows: int
    size: int
    unsigned: list[str]  # kabupaten/kota without a signature (left out, or marked when included)


@dataclass(frozen=True, slots=True)
class ListTexts:
    """The words the workbook needs, in the reader's language (from ``handlers/render/period_close.py``)."""

    headers: Mapping[str, str]  # column key → header; "_yes"/"_no" for booleans
    verdicts: Mapping[str, str]
    reasons: Mapping[str, str]
    unsigned: str  # the ``ditandatangani`` cell of an unsigned kabupaten/kota
    adjusted: str  # "semula {before}: {reason}"
    sheet_titles: tuple[str, str]
    summary: Sequence[tuple[str, Any]]  # the summary sheet's first lines (period, when, who)
    area_line: str  # "{name}: {state}"
    signed_state: str  # "ditandatangani {when} oleh {who}"
    unsigned_state: str  # "belum ditandatangani" (+ whether it is included)
    count_line: str  # "{verdict}"


def _columns(with_amount: bool) -> list[Column]:
    return [
        Column(key, KINDS.get(key, Cell.TEXT), WIDTHS.get(key, 16)) for key in KEYS if with_amount or key != "jumlah"
    ]


def _row(row: Sequence[Any], texts: ListTexts, with_amount: bool) -> tuple[Any, ...]:
    values = list(row[: len(KEYS)])
    before = row[len(KEYS)]
    index = {key: i for i, key in enumerate(KEYS)}
    if values[index["penyesuaian"]] is not None:
        values[index["penyesuaian"]] = texts.adjusted.format(
            before=texts.verdicts.get(str(before), str(before)), reason=values[index["penyesuaian"]]
        )
    if values[index["ditandatangani"]] is None:
        values[index["ditandatangani"]] = texts.unsigned
    if not with_amount:
        del values[index["jumlah"]]
    return tuple(values)


async def write_list(
    session: AsyncSession,
    period: Period,
    path: str,
    *,
    area_code: str = "36",
    include_unsigned: bool = False,
    tz: ZoneInfo,
    texts: ListTexts,
    batch: int = BATCH,
) -> ListFile:
    """Write the period's list for ``area_code`` to ``path`` (created 0600: the rows are personal data)."""
    rules = await programme_rules(session)
    amounts = {code: r.disbursement.amount for code, r in rules.items() if r.disbursement.amount is not None}
    mothers = frozenset(code for code, r in rules.items() if r.disbursement.recipient == "ibu")
    with_amount = bool(amounts)
    labels = dict(texts.headers)
    _create_private(path)
    writer = SheetWriter(
        path,
        _columns(with_amount),
        labels,
        texts.sheet_titles[1],
        tz,
        ValueTexts(codes={"putusan": texts.verdicts, "alasan": texts.reasons}),
    )
    signoffs = await close_queries.signoffs(session, period, area_code if "." in area_code else "36")
    counts = await close_queries.stored_counts_by_area(session, period, area_code)
    unsigned = [s.area_name for s in signoffs if s.signed_at is None and s.area_code in counts]
    lines: list[tuple[str, Any]] = list(texts.summary)
    for signoff in signoffs:
        if signoff.area_code not in counts:
            continue
        state = (
            texts.signed_state.format(
                when=signoff.signed_at.astimezone(tz).strftime("%d-%m-%Y %H.%M"), who=signoff.signed_by or "-"
            )
            if signoff.signed_at is not None
            else texts.unsigned_state
        )
        lines.append((texts.area_line.format(name=signoff.area_name), state))
        for verdict, label in texts.verdicts.items():
            lines.append(("   " + texts.count_line.format(verdict=label), counts[signoff.area_code].get(verdict, 0)))
    writer.summary(texts.sheet_titles[0], lines)
    stmt = export_rows(
        period, area_code, include_unsigned=include_unsigned, mother_programmes=mothers, amounts=amounts
    ).execution_options(yield_per=batch)
    result = await session.stream(stmt)
    async for partition in result.partitions(batch):
        rows = [_row(row, texts, with_amount) for row in partition]
        await asyncio.to_thread(writer.append, rows)
    size = await asyncio.to_thread(_save_private, writer, path)
    return ListFile(path, writer.rows, size, unsigned)


def _create_private(path: str) -> None:
    """Create ``path`` 0600 before the writer streams into it (the rows are personal data)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)


def _save_private(writer: SheetWriter, path: str) -> int:
    """Finish the file; its size in bytes."""
    writer.save()
    return os.path.getsize(path)
