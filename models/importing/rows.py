"""One household-file row → a checked ``MemberRow``; a household's rows → one checked ``HouseholdRows``.

Pure Python, no database: the reference data it needs (regions, programmes, the pendamping roster) is loaded
once by the caller. Every problem becomes an ``Issue`` naming the row, the column, the value and the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import itemgetter
from typing import cast

from models.data_issues import HeldRow
from models.data_issues import encode as encode_issues
from models.importing.layout import HOUSEHOLD_COLUMNS, RELATIONS, SCHOOL_LEVELS, SEXES, YES_NO
from models.importing.result import Issue
from models.importing.table import Table
from models.regions import RegionCodeError, is_within, normalize_region_code
from models.spreadsheet import GUARD, unguard
from models.tables import Relation, SchoolLevel, Sex
from models.validate import (
    NAME_MAX,
    PROVINCE_CODES,
    Checked,
    cell_text,
    normalize_phone,
    number_text,
    parse_date,
    person_name_problem,
    plain_ascii_name,
    validate_kk,
    validate_nik,
)

CACHE_LIMIT = 100_000  # entries per value cache: birth dates, NIK region prefixes, NIK date parts per birth date


@dataclass(slots=True)
class Reference:
    """What the row checks look up: loaded from the database once per import."""

    regions: dict[str, tuple[str, int]]  # code → (name, level)
    programmes: dict[str, str]  # code → area code
    pendamping: dict[str, int]  # normalised phone → user id (active pendamping only)
    users_by_phone: dict[str, str]  # normalised phone → role, for a clearer warning


def group_key(raw: object, number: int) -> str:
    """Rows with the same KK (as written, without separators) are one household; a blank KK stands alone."""
    text = number_text(raw)
    return text if text else f"\x00{number}"


@dataclass(slots=True)
class MemberRow:
    number: int
    cells: Sequence[object]
    key: str
    kk: str | None = None
    nik: str | None = None
    name: str = ""
    relation: Relation | None = None
    sex: Sex | None = None
    birth_date: date | None = None
    desa: str | None = None
    address: str = ""
    phone: str | None = None
    programme: str | None = None
    pregnancy_edd: date | None = None
    school_level: SchoolLevel | None = None
    school_name: str | None = None
    severe_disability: bool = False
    pendamping_id: int | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


@dataclass(slots=True)
class HouseholdRows:
    """One household as the file gives it, once all its rows have been read and checked together."""

    key: str
    rows: list[MemberRow]
    programme: str = ""
    kk: str = ""
    desa: str = ""
    head_name: str = ""
    address: str = ""
    phone: str | None = None
    pendamping_id: int | None = None
    errors: list[Issue] = field(default_factory=list)  # household-level: missing head, conflicting desa …
    held: list[MemberRow] = field(default_factory=list)  # wrong member rows kept out of a household that loads
    data_issues: str | None = None  # ``held`` as ``household.data_issues`` stores it

    @property
    def failed(self) -> bool:
        """Nothing of the household can load: a household-level error (no head, two heads, desa or programme
        disagreeing …) or a wrong head row — without its head there is no household. Another member's wrong
        row does not fail it: ``hold_out`` keeps that row out and the household loads with the rest."""
        if self.errors or not self.desa or not self.kk:
            return True
        for row in self.rows:  # noqa: SIM110 - a loop, not any(generator): asked for every household, twice
            if row.errors and row.relation is Relation.KEPALA:
                return True
        return False

    def hold_out(self, written_name: Callable[[MemberRow], str]) -> None:
        """Move the member rows that have errors from ``rows`` to ``held`` and note them in ``data_issues``.
        Call only when the household has not ``failed``. One pass over the rows; the common household (no
        wrong row) allocates nothing."""
        wrong = False
        for row in self.rows:
            if row.errors:
                wrong = True
                break
        if not wrong:
            return
        self.held.extend(r for r in self.rows if r.errors)
        self.rows = [r for r in self.rows if not r.errors]
        self.data_issues = encode_issues(
            HeldRow(
                r.name or written_name(r),
                r.nik if r.nik is not None and not any(i.column == "nik" for i in r.errors) else None,
                tuple(dict.fromkeys(i.column for i in r.errors)),
            )
            for r in self.held
        )


def _issue(number: int, column: str, raw: object, message: str) -> Issue:
    text = cell_text(raw)
    return Issue(number, column, text if len(text) <= 60 else text[:57] + "…", message)


def _words(text: str) -> str:
    return " ".join(text.lower().split())


class RowChecker:
    """Checks household-file rows against the reference data; keeps small caches for repeated values."""

    def __init__(self, table: Table, ref: Reference, *, today: date, default_programme: str) -> None:
        self.table = table
        self.ref = ref
        self.today = today
        self.default_programme = default_programme
        index = table.layout.index
        # Each row is first projected onto the known columns, in HOUSEHOLD_COLUMNS order (absent → None).
        present = [c for c in HOUSEHOLD_COLUMNS if c.name in index]
        self._positions = [index.get(c.name, -1) for c in HOUSEHOLD_COLUMNS]
        self._pick = itemgetter(*(index[c.name] for c in present))  # ≥ 7 required columns: always a tuple
        self._pick_needs = max(index[c.name] for c in present) + 1
        self._all_present = len(present) == len(HOUSEHOLD_COLUMNS)
        # Picked tuple + a trailing None → HOUSEHOLD_COLUMNS order, an absent column reading that None.
        self._reorder = itemgetter(*(present.index(c) if c in present else -1 for c in HOUSEHOLD_COLUMNS))
        self.present = {c.name for c in HOUSEHOLD_COLUMNS if c.name in index}
        self._kk_cache: tuple[object, str | None, list[str]] = (object(), None, [])
        self._desa_cache: dict[str, tuple[str | None, str | None]] = {}
        self._programme_cache: dict[str, tuple[str | None, str | None]] = {}
        self._pendamping_cache: dict[str, tuple[int | None, str | None]] = {}
        self._edd_horizon = today + timedelta(days=300)
        # Fast path for the common, clean cell (see ``_clean_nik``): text cell → parsed birth date, NIK digits
        # 1–6 → plausible region, birth date → the NIK date parts it allows.
        self._born_cache: dict[str, Checked[date]] = {}
        self._nik_region_cache: dict[str, bool] = {}
        self._nik_parts_cache: dict[date, tuple[str | None, str | None]] = {}  # birth date → (man's, woman's)
        self._kk_date_cache: dict[str, bool] = {}  # KK digits 7–12 → a real issue date

    def check(self, number: int, cells: Sequence[object], key: str) -> MemberRow:
        """One row's own checks (the household-wide ones come in ``household``). Hot path: 2.6M calls."""
        size = len(cells)
        row = MemberRow(number, cells, key)
        # Every known column, in HOUSEHOLD_COLUMNS order (an absent one reads None).
        if size >= self._pick_needs:
            values = self._pick(cells) if self._all_present else self._reorder((*self._pick(cells), None))
        else:  # a short row (trailing empty cells dropped by the writer)
            values = tuple(cells[p] if 0 <= p < size else None for p in self._positions)
        (
            kk_cell,
            nik_cell,
            nama_cell,
            hubungan_cell,
            jenis_kelamin_cell,
            tanggal_lahir_cell,
            kode_desa_cell,
            alamat_cell,
            telepon_cell,
            program_cell,
            hamil_hpl_cell,
            jenjang_sekolah_cell,
            nama_sekolah_cell,
            disabilitas_berat_cell,
            pendamping_telepon_cell,
        ) = values
        errors = row.errors
        warnings = row.warnings

        raw = kk_cell
        if raw != self._kk_cache[0]:
            if self._clean_kk(raw):
                self._kk_cache = (raw, cast(str, raw), [])
            else:
                checked_kk = validate_kk(raw)
                self._kk_cache = (raw, checked_kk.value, checked_kk.errors)
        row.kk = self._kk_cache[1]
        for message in self._kk_cache[2]:
            errors.append(_issue(number, "no_kk", raw, message))

        raw = nama_cell
        name = " ".join((raw.strip() if type(raw) is str else cell_text(raw)).split())
        if name.startswith(GUARD):
            name = unguard(name)  # an error file's '=… is the =… the clerk typed
        if not name:
            errors.append(_issue(number, "nama", raw, "Nama kosong; tulis nama lengkap anggota keluarga."))
        elif (len(name) > NAME_MAX or plain_ascii_name(name) is None) and (
            problem := person_name_problem(name)  # the visit form's rule: no markup, emoji, control characters
        ) is not None:
            errors.append(_issue(number, "nama", raw, problem))
        row.name = name

        raw = hubungan_cell
        text = raw.strip() if type(raw) is str else cell_text(raw)
        relation = RELATIONS.get(text) or RELATIONS.get(_words(text))
        if relation is None:
            errors.append(
                _issue(
                    number,
                    "hubungan",
                    raw,
                    f'Hubungan "{text}" tidak dikenal; pakai kepala keluarga, istri, suami, anak, menantu, '
                    "cucu, orang tua, mertua, famili lain atau lainnya.",
                )
            )
        row.relation = relation

        raw = jenis_kelamin_cell
        text = raw.strip() if type(raw) is str else cell_text(raw)
        sex = SEXES.get(text) or SEXES.get(_words(text))
        if sex is None:
            errors.append(
                _issue(number, "jenis_kelamin", raw, f'Jenis kelamin "{text}" tidak dikenal; tulis L atau P.')
            )
        row.sex = sex

        raw = tanggal_lahir_cell
        if type(raw) is str:
            born = self._born_cache.get(raw)
            if born is None:
                born = parse_date(raw, label="Tanggal lahir", latest=self.today)
                if len(self._born_cache) < CACHE_LIMIT:
                    self._born_cache[raw] = born
        else:
            born = parse_date(raw, label="Tanggal lahir", latest=self.today)
        for message in born.errors:
            errors.append(_issue(number, "tanggal_lahir", raw, message))
        row.birth_date = born.value

        raw = nik_cell
        if self._clean_nik(raw, born.value, sex):
            row.nik = cast(str, raw)
        else:
            nik = validate_nik(raw, today=self.today, birth_date=born.value, sex=sex)
            for message in nik.errors:
                errors.append(_issue(number, "nik", raw, message))
            for message in nik.warnings:
                warnings.append(_issue(number, "nik", raw, message))
            if nik.value is not None and isinstance(raw, (int, float)) and nik.value.endswith("0"):
                warnings.append(
                    _issue(
                        number,
                        "nik",
                        raw,
                        "NIK tersimpan sebagai angka di Excel, yang hanya menyimpan 15 angka: angka terakhir mungkin "
                        "berubah menjadi 0. Format kolom NIK sebagai Teks dan periksa NIK ini.",
                    )
                )
            row.nik = nik.value

        raw = kode_desa_cell
        text = raw.strip() if type(raw) is str else cell_text(raw)
        if text:
            row.desa = self._desa(number, raw, text, errors)

        raw = program_cell
        text = raw.strip() if type(raw) is str else cell_text(raw)
        if text:
            row.programme = self._programme(number, raw, text, errors)

        raw = alamat_cell
        text = raw.strip() if type(raw) is str else cell_text(raw)
        if text:
            address = " ".join(unguard(text).split())
            if len(address) > 255:
                errors.append(
                    _issue(number, "alamat", raw, f"Alamat terlalu panjang ({len(address)} huruf; paling banyak 255).")
                )
            row.address = address

        raw = telepon_cell
        if type(raw) is str and 10 <= len(raw) <= 14 and raw.startswith("08") and raw.isdigit() and raw.isascii():
            row.phone = "+62" + raw[1:]  # a plain mobile number: what ``normalize_phone`` makes of it, unasked
        elif raw.strip() if type(raw) is str else cell_text(raw):
            phone = normalize_phone(raw)
            for message in phone.errors:
                errors.append(_issue(number, "telepon", raw, message))
            for message in phone.warnings:
                warnings.append(_issue(number, "telepon", raw, message))
            row.phone = phone.value

        raw = hamil_hpl_cell
        if raw.strip() if type(raw) is str else cell_text(raw):
            self._edd(row, raw)

        raw = jenjang_sekolah_cell
        text = raw.strip() if type(raw) is str else cell_text(raw)
        if text:
            level = SCHOOL_LEVELS.get(text) or SCHOOL_LEVELS.get(_words(text))
            if level is None:
                errors.append(
                    _issue(
                        number,
                        "jenjang_sekolah",
                        raw,
                        f'Jenjang sekolah "{text}" tidak dikenal; tulis SD, SMP atau SMA.',
                    )
                )
            row.school_level = level

        raw = nama_sekolah_cell
        text = raw.strip() if type(raw) is str else cell_text(raw)
        if text:
            school = " ".join(unguard(text).split())
            if len(school) > 120:
                errors.append(
                    _issue(number, "nama_sekolah", raw, "Nama sekolah terlalu panjang (paling banyak 120 huruf).")
                )
            row.school_name = school

        raw = disabilitas_berat_cell
        text = raw.strip() if type(raw) is str else cell_text(raw)
        if text:
            disability = YES_NO.get(text)
            if disability is None:
                disability = YES_NO.get(_words(text))
            if disability is None:
                errors.append(
                    _issue(
                        number,
                        "disabilitas_berat",
                        raw,
                        f'Disabilitas berat "{text}" tidak dikenal; tulis Y atau T.',
                    )
                )
            row.severe_disability = bool(disability)

        raw = pendamping_telepon_cell
        text = raw.strip() if type(raw) is str else cell_text(raw)
        if text:
            row.pendamping_id = self._pendamping(number, raw, text, warnings)
        return row

    def _clean_nik(self, raw: object, born: date | None, sex: Sex | None) -> bool:
        """True when ``validate_nik`` would accept ``raw`` as it is, with no error and no warning.

        A shortcut for the 2.6M ordinary NIKs of a province file: 16 ASCII digits whose region prefix has been
        seen before (cached) and whose date part is the one the row's birth date and sex give (``_nik_parts``,
        cached per birth date). Anything else — including every NIK that deserves a message — goes through
        ``validate_nik``, so the messages have one source."""
        if type(raw) is not str or len(raw) != 16 or not raw.isdigit() or not raw.isascii():
            return False
        if born is None or sex is None or raw.endswith("0000"):
            return False
        if not self._region_ok(raw[:6]):
            return False
        parts = self._nik_parts_cache.get(born)
        if parts is None:
            parts = self._nik_parts(born)
        return raw[6:12] == parts[sex is Sex.P]

    def _nik_parts(self, born: date) -> tuple[str | None, str | None]:
        """NIK digits 7–12 of a man and of a woman born on ``born`` (DDMMYY, women: day + 40), each only when
        ``validate_nik`` accepts it and decodes it back to that date and sex; None otherwise (no shortcut)."""
        parts: list[str | None] = []
        for sex, code in ((Sex.L, born.day), (Sex.P, born.day + 40)):
            part = f"{code:02d}{born.month:02d}{born.year % 100:02d}"
            decoded = self._decode_nik_date(part)
            parts.append(part if decoded == (born.day, born.month, born.year % 100, sex.value) else None)
        found = (parts[0], parts[1])
        if len(self._nik_parts_cache) < CACHE_LIMIT:
            self._nik_parts_cache[born] = found
        return found

    def _region_ok(self, prefix: str) -> bool:
        """Digits 1–6 of a NIK or KK: a real province, kabupaten and kecamatan not 00 (cached)."""
        region_ok = self._nik_region_cache.get(prefix)
        if region_ok is None:
            region_ok = prefix[:2] in PROVINCE_CODES and prefix[2:4] != "00" and prefix[4:6] != "00"
            if len(self._nik_region_cache) < CACHE_LIMIT:
                self._nik_region_cache[prefix] = region_ok
        return region_ok

    def _clean_kk(self, raw: object) -> bool:
        """True when ``validate_kk`` would accept ``raw`` as it is: 16 ASCII digits, a plausible region and a
        real issue date (both cached). Anything else goes through ``validate_kk`` (one source for messages)."""
        if type(raw) is not str or len(raw) != 16 or not raw.isdigit() or not raw.isascii():
            return False
        if not self._region_ok(raw[:6]):
            return False
        part = raw[6:12]
        issued = self._kk_date_cache.get(part)
        if issued is None:
            issued = not validate_kk(f"360101{part}0001").errors  # a known-good region and serial around it
            if len(self._kk_date_cache) < CACHE_LIMIT:
                self._kk_date_cache[part] = issued
        return issued

    def _decode_nik_date(self, part: str) -> tuple[int, int, int, str] | None:
        """NIK digits 7–12 → (day, month, yy, sex) when ``validate_nik`` accepts them; else None."""
        found = validate_nik(f"360101{part}0001", today=self.today)  # a known-good region and serial around it
        if found.value is None or found.errors:
            return None
        code, month, yy = int(part[:2]), int(part[2:4]), int(part[4:6])
        return (code - 40 if code > 40 else code), month, yy, ("P" if code > 40 else "L")

    def _edd(self, row: MemberRow, raw: object) -> None:
        edd = parse_date(raw, label="HPL", earliest=date(self.today.year - 2, 1, 1))
        for message in edd.errors:
            row.errors.append(_issue(row.number, "hamil_hpl", raw, message))
        if row.sex is Sex.L:
            row.errors.append(
                _issue(row.number, "hamil_hpl", raw, "HPL hanya untuk anggota perempuan; kosongkan kolom ini.")
            )
        elif edd.value is not None and edd.value > self._edd_horizon:
            row.warnings.append(
                _issue(
                    row.number,
                    "hamil_hpl",
                    raw,
                    f"HPL {edd.value:%d-%m-%Y} lebih dari 10 bulan lagi; periksa tahunnya.",
                )
            )
        row.pregnancy_edd = edd.value if row.sex is Sex.P else None

    def _desa(self, number: int, raw: object, text: str, errors: list[Issue]) -> str | None:
        cached = self._desa_cache.get(text)
        if cached is None:
            cached = self._resolve_desa(text)
            if len(self._desa_cache) < 20_000:
                self._desa_cache[text] = cached
        code, problem = cached
        if problem:
            errors.append(_issue(number, "kode_desa", raw, problem))
        return code

    def _resolve_desa(self, text: str) -> tuple[str | None, str | None]:
        try:
            code = normalize_region_code(text.lstrip("'"))
        except RegionCodeError:
            return None, f"Kode desa {text} tidak valid; tulis 10 angka kode Kemendagri, misalnya 36.01.01.2001."
        found = self.ref.regions.get(code)
        if found is None:
            return None, f"Kode desa {code} tidak ada dalam daftar desa/kelurahan Banten."
        name, level = found
        if level != 4:
            kind = {1: "provinsi", 2: "kabupaten/kota", 3: "kecamatan"}.get(level, "wilayah")
            return (
                None,
                f"Kode {code} adalah {kind} {name}, bukan desa; tulis kode desa/kelurahan, misalnya 36.01.01.2001.",
            )
        return code, None

    def _programme(self, number: int, raw: object, text: str, errors: list[Issue]) -> str | None:
        text = text.upper()
        cached = self._programme_cache.get(text)
        if cached is None:
            if text in self.ref.programmes:
                cached = (text, None)
            else:
                known = ", ".join(sorted(self.ref.programmes))
                cached = (None, f"Program {cell_text(raw)} tidak dikenal; pilih salah satu: {known}.")
            self._programme_cache[text] = cached
        code, problem = cached
        if problem:
            errors.append(_issue(number, "program", raw, problem))
        return code

    def _pendamping(self, number: int, raw: object, text: str, warnings: list[Issue]) -> int | None:
        cached = self._pendamping_cache.get(text)
        if cached is None:
            phone = normalize_phone(raw)
            if phone.value is None:
                cached = (
                    None,
                    f"HP pendamping tidak terbaca: {' '.join(phone.errors)} Keluarga dimuat tanpa pendamping.",
                )
            elif phone.value in self.ref.pendamping:
                cached = (self.ref.pendamping[phone.value], None)
            elif phone.value in self.ref.users_by_phone:
                role = self.ref.users_by_phone[phone.value]
                cached = (
                    None,
                    f"HP {text} milik {role} (atau petugas nonaktif), bukan pendamping aktif; keluarga dimuat tanpa pendamping.",
                )
            else:
                cached = (
                    None,
                    f"HP pendamping {text} tidak ada di daftar petugas; keluarga dimuat tanpa pendamping. Impor daftar petugas dulu.",
                )
            if len(self._pendamping_cache) < 20_000:
                self._pendamping_cache[text] = cached
        user_id, problem = cached
        if problem:
            warnings.append(_issue(number, "pendamping_telepon", raw, problem))
        return user_id

    # -- a whole household --------------------------------------------------------------------------------------

    def household(self, key: str, rows: list[MemberRow]) -> HouseholdRows:
        """Check what only the household as a whole can show: one head, one desa, one programme, its area."""
        rows.sort(key=lambda r: r.number)
        clean = self._clean_household(key, rows)
        if clean is not None:
            return clean
        found = HouseholdRows(key, rows)
        first = rows[0]
        found.kk = first.kk or ""
        heads = [r for r in rows if r.relation is Relation.KEPALA]
        shown_kk = found.kk or cell_text(self.table.cell(first.cells, "no_kk")) or "(kosong)"
        if not heads:
            for row in rows:
                found.errors.append(
                    _issue(
                        row.number,
                        "hubungan",
                        self.table.cell(row.cells, "hubungan"),
                        f"KK {shown_kk} tidak punya baris kepala keluarga (hubungan = kepala keluarga); "
                        + (
                            f"semua {len(rows)} baris KK ini tidak dimuat."
                            if len(rows) > 1
                            else "baris ini tidak dimuat."
                        ),
                    )
                )
        elif len(heads) > 1:
            numbers = ", ".join(str(r.number) for r in heads)
            for row in rows:
                found.errors.append(
                    _issue(
                        row.number,
                        "hubungan",
                        self.table.cell(row.cells, "hubungan"),
                        f"KK {shown_kk} punya {len(heads)} kepala keluarga (baris {numbers}); harus tepat satu. "
                        f"Semua {len(rows)} baris KK ini tidak dimuat.",
                    )
                )
        head = heads[0] if heads else first
        ordered = [head, *(r for r in rows if r is not head)]
        found.head_name = head.name
        found.programme = self._agree(found, ordered, "program", lambda r: r.programme) or self.default_programme
        found.desa = self._agree(found, ordered, "kode_desa", lambda r: r.desa) or ""
        found.address = next((r.address for r in ordered if r.address), "")
        found.phone = next((r.phone for r in ordered if r.phone), None)
        found.pendamping_id = next((r.pendamping_id for r in ordered if r.pendamping_id), None)
        has_desa_error = any(i.column == "kode_desa" for r in rows for i in r.errors)
        if not found.desa and not has_desa_error:
            found.errors.append(
                _issue(
                    head.number,
                    "kode_desa",
                    None,
                    f"Kode desa kosong untuk KK {shown_kk}; isi di baris kepala keluarga.",
                )
            )
        area = self.ref.programmes.get(found.programme)
        if found.desa and area is not None and not is_within(found.desa, area):
            area_name = self.ref.regions.get(area, (area, 0))[0]
            desa_name = self.ref.regions.get(found.desa, (found.desa, 0))[0]
            source = next(r for r in ordered if r.desa == found.desa)
            found.errors.append(
                _issue(
                    source.number,
                    "kode_desa",
                    self.table.cell(source.cells, "kode_desa"),
                    f"Desa {found.desa} ({desa_name}) di luar wilayah program {found.programme} ({area} {area_name}).",
                )
            )
        return found

    def _clean_household(self, key: str, rows: list[MemberRow]) -> HouseholdRows | None:
        """The household when none of ``household``'s checks has anything to say (one head, one desa inside
        the programme's area, one programme); otherwise None, and ``household`` does it the long way (one
        source for the messages). The common case of a province file, in one pass over the rows."""
        head: MemberRow | None = None
        programme: str | None = None
        desa: str | None = None
        for row in rows:
            if row.relation is Relation.KEPALA:
                if head is not None:
                    return None
                head = row
            if row.programme:
                if programme is None:
                    programme = row.programme
                elif row.programme != programme:
                    return None
            if row.desa:
                if desa is None:
                    desa = row.desa
                elif row.desa != desa:
                    return None
        if head is None or not desa:
            return None
        programme = programme or self.default_programme
        area = self.ref.programmes.get(programme)
        if area is not None and not is_within(desa, area):
            return None
        return HouseholdRows(
            key,
            rows,
            programme=programme,
            kk=rows[0].kk or "",
            desa=desa,
            head_name=head.name,
            # the head's row first, then the others in order (as ``household`` does)
            address=head.address or next((r.address for r in rows if r.address), ""),
            phone=head.phone or next((r.phone for r in rows if r.phone), None),
            pendamping_id=head.pendamping_id or next((r.pendamping_id for r in rows if r.pendamping_id), None),
        )

    def _agree(
        self, found: HouseholdRows, ordered: list[MemberRow], column: str, value_of: Callable[[MemberRow], str | None]
    ) -> str | None:
        """The household's value of a column that must be the same on every row that fills it in."""
        chosen: str | None = None
        chosen_row = 0
        for row in ordered:
            value = value_of(row)
            if not value:
                continue
            if chosen is None:
                chosen, chosen_row = value, row.number
            elif value != chosen:
                found.errors.append(
                    _issue(
                        row.number,
                        column,
                        self.table.cell(row.cells, column),
                        f"{column} {value} berbeda dengan baris {chosen_row} ({chosen}) pada KK yang sama; "
                        "satu keluarga hanya punya satu nilai.",
                    )
                )
        return chosen
