"""Writing checked households, a batch per transaction: look up what is stored, compare, write what is new or
changed (``copying`` on PostgreSQL, ``inserting`` on SQLite), and report the rows that did not load.

PostgreSQL, not a dry run: while nothing of the file has been found in the database, a batch is written without
the lookups, and the unique constraints on (programme, KK) and NIK are the check; if one refuses a row, the
batch is written again with them (``BatchWriter.apply``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.base import utcnow
from models.db import Database
from models.importing.copying import CopyWriter, duplicate
from models.importing.inserting import insert_batch
from models.importing.result import Counts, ImportResult, Issue
from models.importing.rows import HouseholdRows, MemberRow
from models.importing.schema import HOUSEHOLD_FIELDS, MEMBER_FIELDS, OPTIONAL_MEMBER_COLUMNS, H, M, plain
from models.importing.table import ErrorFile, Table
from models.tables import Relation
from models.validate import cell_text


class BatchWriter:
    def __init__(
        self,
        db: Database,
        result: ImportResult,
        errors: ErrorFile,
        table: Table,
        present: set[str],
        *,
        dry_run: bool,
        actor: str | None,
    ) -> None:
        self.db = db
        self.postgres = db.engine.dialect.name == "postgresql"
        self.result = result
        self.errors = errors
        self.table = table
        self.dry_run = dry_run
        self.actor = actor
        self.optional_member_fields = [f for f, column in OPTIONAL_MEMBER_COLUMNS.items() if column in present]
        self.has_address = "alamat" in present
        self.has_phone = "telepon" in present
        self.copier = CopyWriter(actor, table.path.name)
        # Write without looking up first (``apply``)? Only where the COPY path's unique constraints can answer.
        self.blind = self.postgres and not dry_run

    async def apply(self, households: Sequence[HouseholdRows]) -> list[HouseholdRows]:
        """Write one batch in its own transaction; the households that loaded. Call ``report`` afterwards,
        in file order (batches may be written side by side, see ``writers_for``).

        PostgreSQL, not a dry run: while nothing of the file has been found in the database, a batch is first
        written without looking anything up (every household and member new), and the unique constraints on
        (programme, KK) and NIK check that. If one of them objects, the attempt is rolled back and the batch is
        written again the ordinary way, with the lookups, which also give the exact per-row reason; later
        batches look first until one finds nothing stored again (a rerun after a crash, say, skips lookups
        again once past what the first run loaded). A fresh province import so spares the server 3.2M index
        probes and the importer their results."""
        good = [h for h in households if not h.failed]
        if not good:
            return []
        for household in good:
            household.hold_out(self._written_name)
        counts = (Counts(), Counts())
        loaded: list[HouseholdRows] | None = None
        if self.blind:
            try:
                async with self.db.session() as session:
                    await self._begin(session)
                    loaded = await self._write(session, good, {}, {}, counts)
            except Exception as error:
                if not duplicate(error):
                    raise
                self.blind = False  # part of the file is in the database already: look from now on
                counts = (Counts(), Counts())
        if loaded is None:
            async with self.db.session() as session:
                await self._begin(session)
                stored_households, stored_members = await self._lookup(session, good)
                loaded = await self._write(session, good, stored_households, stored_members, counts)
            if self.postgres and not self.dry_run and not stored_households and not stored_members:
                self.blind = True
        for total, part in zip((self.result.households, self.result.members), counts, strict=True):
            total.new += part.new
            total.changed += part.changed
            total.unchanged += part.unchanged
        return loaded

    async def _begin(self, session: AsyncSession) -> None:
        """PostgreSQL: the batch's commit does not wait for its WAL to reach the disk. Safe against corruption;
        an operating-system crash could lose the last few batches reported as loaded, and running the import
        again loads them (it is idempotent). The database's other sessions are not affected."""
        if self.postgres and not self.dry_run:
            await session.execute(text("SET LOCAL synchronous_commit = off"))

    def _among(self, column: ColumnElement[str], values: list[str]) -> ColumnElement[bool]:
        """``column IN (values)``; on PostgreSQL ``= ANY(string_to_array(:digits, ','))``: one text parameter
        instead of thousands, so the statement is prepared once, planned quickly, and costs the client one
        string to encode (asyncpg checks every element of an array parameter one by one). Safe because the
        values are validated KKs and NIKs: digits only."""
        if self.postgres:
            return column == any_(func.string_to_array(bindparam(None, ",".join(values)), ","))
        return column.in_(values)

    async def _lookup(
        self, session: AsyncSession, households: list[HouseholdRows]
    ) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, dict[str, Any]]]:
        kks = sorted({h.kk for h in households})
        found_households: dict[tuple[str, str], dict[str, Any]] = {}
        for row in await session.execute(
            select(H.c.id, H.c.programme_code, H.c.kk, *(H.c[f] for f in HOUSEHOLD_FIELDS)).where(
                self._among(H.c.kk, kks)
            )
        ):
            found_households[(row.programme_code, row.kk)] = dict(row._mapping)
        niks = sorted({r.nik for h in households for r in h.rows if r.nik})
        found_members: dict[str, dict[str, Any]] = {}
        for row in await session.execute(
            select(
                M.c.id,
                M.c.nik,
                M.c.household_id,
                *(M.c[f] for f in MEMBER_FIELDS),
                H.c.kk.label("household_kk"),
                H.c.programme_code.label("household_programme"),
            )
            .join(H, H.c.id == M.c.household_id)
            .where(self._among(M.c.nik, niks))
        ):
            found_members[row.nik] = dict(row._mapping)
        return found_households, found_members

    async def _write(
        self,
        session: AsyncSession,
        households: list[HouseholdRows],
        stored_households: dict[tuple[str, str], dict[str, Any]],
        stored_members: dict[str, dict[str, Any]],
        counts: tuple[Counts, Counts],
    ) -> list[HouseholdRows]:
        """The batch's writes; ``counts`` (households, members) are added to the result once it committed."""
        now = utcnow()
        counts_h, counts_m = counts
        new_households: list[HouseholdRows] = []
        household_updates: list[dict[str, Any]] = []
        added_members: list[tuple[HouseholdRows, MemberRow]] = []  # new members of stored households
        member_updates: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        loaded: list[HouseholdRows] = []
        for household in households:  # none has failed yet (``apply``)
            stored = stored_households.get((household.programme, household.kk)) if stored_households else None
            if stored_members:  # else nothing can be wrong here (a fresh batch: nothing was looked up)
                for row in household.rows:
                    other = stored_members.get(row.nik or "")
                    if other is not None and (stored is None or other["household_id"] != stored["id"]):
                        row.errors.append(
                            Issue(
                                row.number,
                                "nik",
                                row.nik or "",
                                f"NIK {row.nik} sudah terdaftar di keluarga lain (KK {other['household_kk']}, "
                                f"program {other['household_programme']}). Memindahkan anggota antar keluarga "
                                "adalah pemutakhiran data, bukan impor.",
                            )
                        )
                if household.failed:
                    continue
                household.hold_out(self._written_name)
            loaded.append(household)
            if stored is None:
                new_households.append(household)  # with all its members
                counts_h.new += 1
                counts_m.new += len(household.rows)
                continue
            wanted = self._household_values(household)
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            for name, value in wanted.items():
                if stored[name] != value:
                    before[name], after[name] = plain(stored[name]), plain(value)
            if after:
                household_updates.append(
                    {"b_id": stored["id"], "b_updated_at": now}
                    | {f"b_{name}": wanted.get(name, stored[name]) for name in HOUSEHOLD_FIELDS}
                )
            members_before: dict[str, Any] = {}
            members_after: dict[str, Any] = {}
            added: list[str] = []
            for row in household.rows:
                assert row.nik is not None
                values = self._member_values(row)
                current = stored_members.get(row.nik)
                if current is None:
                    added.append(row.nik)
                    added_members.append((household, row))
                    counts_m.new += 1
                    continue
                changed = {name: value for name, value in values.items() if current[name] != value}
                if not changed:
                    counts_m.unchanged += 1
                    continue
                counts_m.changed += 1
                members_before[row.nik] = {name: plain(current[name]) for name in changed}
                members_after[row.nik] = {name: plain(value) for name, value in changed.items()}
                member_updates.append(
                    {"b_id": current["id"], "b_updated_at": now}
                    | {f"b_{name}": values.get(name, current[name]) for name in MEMBER_FIELDS}
                )
            if not (after or members_after or added):
                counts_h.unchanged += 1
                continue
            counts_h.changed += 1
            if members_after:
                before["anggota"], after["anggota"] = members_before, members_after
            if added:
                after["anggota_baru"] = added
            audits.append(self._audit("import.update", stored["id"], household, before, after, now))

        if self.dry_run:
            return loaded
        stored_ids = {key: stored["id"] for key, stored in stored_households.items()}
        if self.postgres:
            await self.copier.write(
                session, new_households, household_updates, added_members, member_updates, audits, stored_ids
            )
            return loaded
        await insert_batch(
            session,
            new_households,
            household_updates,
            added_members,
            member_updates,
            audits,
            stored_ids,
            now,
            lambda new_id, household: self._audit(
                "import.create", new_id, household, None, self._created(household), now
            ),
        )
        return loaded

    @staticmethod
    def _created(household: HouseholdRows) -> dict[str, Any]:
        """A new household's values for its audit row."""
        return {
            "programme_code": household.programme,
            "kk": household.kk,
            "head_name": household.head_name,
            "desa_code": household.desa,
            "address": household.address,
            "phone": household.phone,
            "pendamping_id": household.pendamping_id,
            "data_issues": household.data_issues,
            "anggota": [r.nik for r in household.rows],
        }

    def _written_name(self, row: MemberRow) -> str:
        """A held-out row's name as the file has it (the checked name is empty when the name was wrong)."""
        return cell_text(self.table.cell(row.cells, "nama"))

    def _household_values(self, household: HouseholdRows) -> dict[str, Any]:
        values: dict[str, Any] = {
            "head_name": household.head_name,
            "desa_code": household.desa,
            "data_issues": household.data_issues,  # an import that holds nothing out clears the flag
        }
        if self.has_address:
            values["address"] = household.address
        if self.has_phone:
            values["phone"] = household.phone
        if household.pendamping_id is not None:
            values["pendamping_id"] = household.pendamping_id
        return values

    def _member_values(self, row: MemberRow) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": row.name,
            "relation": row.relation,
            "sex": row.sex,
            "birth_date": row.birth_date,
        }
        for name in self.optional_member_fields:
            values[name] = getattr(row, name)
        return values

    def _audit(
        self,
        action: str,
        household_id: int,
        household: HouseholdRows,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        now: Any,
    ) -> dict[str, Any]:
        numbers = [r.number for r in household.rows]
        where = f"baris {numbers[0]}" if len(numbers) == 1 else f"baris {min(numbers)}–{max(numbers)}"
        return audit.entry(
            actor_type="cli",
            actor_id=self.actor,
            action=action,
            entity="household",
            entity_id=str(household_id),
            before=before,
            after=after,
            detail=f"impor {self.table.path.name}, {where}",
            at=now,
        )

    def report(self, households: Sequence[HouseholdRows], loaded: list[HouseholdRows]) -> None:
        """Issues into the result; every row of a household that did not load into the error file."""
        result = self.result
        loaded_ids = {id(h) for h in loaded}
        failed_rows: list[tuple[MemberRow, str]] = []
        for household in households:
            by_row: dict[int, list[Issue]] = {}
            for issue in household.errors:
                by_row.setdefault(issue.row, []).append(issue)
            for row in household.rows:
                for issue in row.warnings:
                    result.add_warning(issue)
            if id(household) in loaded_ids:
                if household.held:
                    self._report_held(household, failed_rows)
                continue
            rows = (
                sorted([*household.rows, *household.held], key=lambda r: r.number) if household.held else household.rows
            )
            bad = sorted({r.number for r in rows if r.errors} | set(by_row))
            for row in rows:
                issues = row.errors + by_row.get(row.number, [])
                for issue in issues:
                    result.add_error(issue)
                if issues:
                    message = " ".join(dict.fromkeys(i.message for i in issues))
                else:
                    where = ", ".join(str(n) for n in bad[:5]) + (" …" if len(bad) > 5 else "")
                    message = (
                        f"Tidak dimuat karena baris lain dari KK ini salah (baris {where}); satu keluarga dimuat utuh."
                    )
                failed_rows.append((row, message))
            result.rows_failed += len(rows)
        for row, message in sorted(failed_rows, key=lambda item: item[0].number):
            self.errors.write(row.cells, message)

    def _report_held(self, household: HouseholdRows, failed_rows: list[tuple[MemberRow, str]]) -> None:
        """A household that loaded without some member rows: those rows into the error file, and its head's row
        beside them, so that the error file, once fixed, imports on its own (a KK needs its head in the file)."""
        result = self.result
        for row in household.held:
            for issue in row.errors:
                result.add_error(issue)
            message = " ".join(dict.fromkeys(i.message for i in row.errors))
            failed_rows.append(
                (
                    row,
                    f"{message} Keluarga KK {household.kk} tetap dimuat tanpa baris ini dan ditandai "
                    "“data perlu diperbaiki”.",
                )
            )
        result.rows_failed += len(household.held)
        head = next((r for r in household.rows if r.relation is Relation.KEPALA), None)
        if head is not None:
            failed_rows.append(
                (
                    head,
                    "Kepala keluarga: sudah dimuat. Baris ini ikut agar KK ini bisa diimpor ulang setelah "
                    "baris anggota yang salah diperbaiki.",
                )
            )
