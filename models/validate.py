"""Checks for what people type: NIK, nomor KK, phone numbers, dates and people's names.

Pure functions, no I/O. Each returns a ``Checked``: ``ok``, the normalised ``value``, and ``errors`` / ``warnings``
as whole Indonesian sentences a clerk can act on ("NIK harus 16 angka; yang tertulis 15 angka (…)."). The
clock is passed in (``today``) so that a test can stand on any day.

Layouts (Permendagri on NIK/KK):
- NIK: digits 1–6 region (provinsi, kabupaten/kota, kecamatan), 7–12 birth date DDMMYY with 40 added to the day
  for women, 13–16 a serial number.
- KK: digits 1–6 region, 7–12 the date the card was issued (DDMMYY), 13–16 a serial number.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")

# Kemendagri province codes (Kepmendagri 2025 list), including the Papua provinces created in 2022:
# 93 Papua Selatan, 94 Papua Tengah, 95 Papua Pegunungan, 96 Papua Barat Daya.
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(c) for c in range(11, 20)]
    + ["21"]
    + [str(c) for c in range(31, 37)]
    + ["51", "52", "53"]
    + [str(c) for c in range(61, 66)]
    + [str(c) for c in range(71, 77)]
    + ["81", "82"]
    + [str(c) for c in range(91, 97)]
)

DATE_HINT = "Tulis dengan format HH-BB-TTTT, misalnya 05-03-2015."
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 once Excel's phantom 29-02-1900 is skipped
_EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_TIME_SUFFIX = re.compile(r"[ T]00:00(:00(\.0+)?)?$")
_SERIAL_TEXT = re.compile(r"^\d{5}(\.0+)?$")
_NUMBER_JUNK = str.maketrans("", "", " \u00a0\t-.")
_PHONE_JUNK = str.maketrans("", "", " \u00a0\t-.()")
_NAME_ASCII = re.compile(r"^[A-Za-z0-9 .,'()/-]+$")  # the fast path: most names are plain ASCII
# The same fast path as one bound call, for the import's row loop (≈ 0.15 µs a name, against ≈ 0.5 through
# ``person_name_problem``): a name it matches, of at most ``NAME_MAX`` characters, is a good name.
plain_ascii_name = re.compile(r"[A-Za-z0-9 .,'()/-]+").fullmatch
_NAME_MARKS = frozenset(" .,'’`()/-")
NAME_MAX = 120


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is much slower, and 2.6M rows are checked per import
class Checked(Generic[T]):
    """The outcome of one check: ``value`` is the normalised value (``None`` when there are errors)."""

    value: T | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class NikInfo:
    """What a valid NIK says about its holder."""

    region: str  # kecamatan code where the NIK was issued, dotted: 36.01.01
    birth_date: date
    sex: str  # "L" or "P"
    serial: str


def cell_text(raw: object) -> str:
    """A cell as the clerk sees it: ``None`` → "", a whole float (``3601.0``) → "3601", text stripped."""
    if type(raw) is str:
        return raw.strip()
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "Y" if raw else "T"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.strftime("%d-%m-%Y") if raw.time() == datetime.min.time() else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.strftime("%d-%m-%Y")
    return str(raw).strip()


def number_text(raw: object) -> str:
    """Digits as typed, without the separators people add (spaces, dots, dashes) or Excel's text mark (')."""
    if type(raw) is str and raw.isdigit():
        return raw
    return cell_text(raw).lstrip("'").translate(_NUMBER_JUNK)


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve_century(day: int, month: int, yy: int, today: date) -> date | None:
    """The latest of 20YY / 19YY that is a real date and not after ``today``."""
    for century in (today.year // 100 * 100, today.year // 100 * 100 - 100):
        found = _real_date(century + yy, month, day)
        if found is not None and found <= today:
            return found
    return None


def _exists_in_some_century(day: int, month: int, yy: int) -> bool:
    # 29 February exists in 20YY when YY is divisible by 4 (2000 was a leap year).
    return _real_date(2000 + yy, month, day) is not None


def _check_region(digits: str, label: str, errors: list[str]) -> None:
    province = digits[:2]
    if province not in PROVINCE_CODES:
        errors.append(f"Dua angka pertama {label} ({province}) bukan kode provinsi di Indonesia; periksa {label} ini.")
    elif digits[2:4] == "00" or digits[4:6] == "00":
        errors.append(
            f"Kode wilayah dalam {label} ({digits[:2]}.{digits[2:4]}.{digits[4:6]}) tidak mungkin: "
            "kode kabupaten/kota dan kecamatan tidak pernah 00."
        )


def _check_digits(raw: object, label: str) -> tuple[str, list[str]]:
    text = number_text(raw)
    if not text:
        return text, [f"{label} kosong; tulis 16 angka {label}."]
    if not text.isdigit():
        return text, [f'{label} hanya boleh berisi angka; yang tertulis "{cell_text(raw)}".']
    if len(text) != 16:
        return text, [f"{label} harus 16 angka; yang tertulis {len(text)} angka ({text})."]
    return text, []


def decode_nik(nik: str, today: date) -> NikInfo | None:
    """Region, birth date and sex encoded in a 16-digit NIK; ``None`` when the date part is impossible."""
    code = int(nik[6:8])
    sex = "P" if code > 40 else "L"
    day = code - 40 if code > 40 else code
    if not 1 <= day <= 31:
        return None
    born = _resolve_century(day, int(nik[8:10]), int(nik[10:12]), today)
    if born is None:
        return None
    return NikInfo(f"{nik[:2]}.{nik[2:4]}.{nik[4:6]}", born, sex, nik[12:])


def validate_nik(
    raw: object, *, today: date, birth_date: date | None = None, sex: str | None = None, label: str = "NIK"
) -> Checked[str]:
    """16 digits, a real province, a real birth date (women: day + 40) not after ``today``, serial not 0000.

    When the row also gives ``birth_date`` and ``sex``, disagreement is a warning (the NIK or the other column
    may be the wrong one; only a person with the documents can tell).
    """
    nik, errors = _check_digits(raw, label)
    if errors:
        return Checked(None, errors)
    _check_region(nik, label, errors)
    code, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    day = code - 40 if code > 40 else code
    born = _resolve_century(day, month, yy, today) if 1 <= day <= 31 and 1 <= month <= 12 else None
    if born is None:
        written = f"{nik[6:8]}-{nik[8:10]}-{nik[10:12]}"
        shown = f"{written}; perempuan: tanggal + 40, jadi {day:02d}-{nik[8:10]}-{nik[10:12]}" if code > 40 else written
        if not (1 <= code <= 31 or 41 <= code <= 71):
            errors.append(
                f"Angka tanggal lahir dalam {label} ({nik[6:8]}) tidak mungkin: laki-laki 01–31, perempuan 41–71 "
                "(tanggal + 40)."
            )
        elif not 1 <= month <= 12:
            errors.append(f"Bulan lahir dalam {label} ({nik[8:10]}) tidak mungkin: harus 01–12.")
        elif not _exists_in_some_century(day, month, yy):
            errors.append(f"Tanggal lahir dalam {label} ({shown}) tidak ada.")
        else:
            errors.append(f"Tanggal lahir dalam {label} ({shown}) ada di masa depan.")
    if nik[12:] == "0000":
        errors.append(f"Nomor urut {label} (4 angka terakhir) tidak mungkin 0000.")
    if errors:
        return Checked(None, errors)
    assert born is not None
    if birth_date is None and sex is None:
        return Checked(nik)
    warnings: list[str] = []
    if birth_date is not None and (birth_date.day, birth_date.month, birth_date.year % 100) != (day, month, yy):
        warnings.append(
            f"Tanggal lahir dalam {label} ({day:02d}-{month:02d}-{yy:02d}) berbeda dengan tanggal lahir yang "
            f"tertulis ({birth_date:%d-%m-%Y}); periksa salah satunya."
        )
    nik_sex = "P" if code > 40 else "L"
    if sex in ("L", "P") and sex != nik_sex:
        meant = "perempuan" if nik_sex == "P" else "laki-laki"
        warnings.append(
            f"{label} menunjukkan {meant} (angka tanggal {nik[6:8]}), tetapi jenis kelamin tertulis {sex}; "
            "periksa salah satunya."
        )
    return Checked(nik, [], warnings)


def validate_kk(raw: object, *, label: str = "Nomor KK") -> Checked[str]:
    """16 digits, a real province, and digits 7–12 a real calendar date (the day the card was issued).

    The issue date is only checked to exist: old cards carry odd dates, and the date says nothing the import
    relies on.
    """
    kk, errors = _check_digits(raw, label)
    if errors:
        return Checked(None, errors)
    _check_region(kk, label, errors)
    day, month, yy = int(kk[6:8]), int(kk[8:10]), int(kk[10:12])
    if not 1 <= month <= 12 or not _exists_in_some_century(day, month, yy):
        errors.append(
            f"Angka ke-7 sampai ke-12 {label} ({kk[6:8]}-{kk[8:10]}-{kk[10:12]}) harus tanggal terbit KK "
            "(HHBBTT) yang ada."
        )
    return Checked(None, errors) if errors else Checked(kk)


def normalize_phone(raw: object) -> Checked[str]:
    """An Indonesian number as ``+62…``. Accepts 08…, 628…, +62…, 0062…, and 8… (Excel drops the leading 0),
    with spaces, dashes, dots or brackets.

    Mobile numbers (+62 8…, 9–13 digits after 62) pass cleanly. Landlines (+62 21…, +62 254…) are accepted with
    a warning, because Telegram reminders and contact matching need a mobile number.
    """
    shown = cell_text(raw)
    text = shown.lstrip("'").translate(_PHONE_JUNK)
    if not text:
        return Checked(None, ["Nomor telepon kosong."])
    if text.startswith("+"):
        if not text.startswith("+62"):
            return Checked(None, [f"Nomor telepon {shown} bukan nomor Indonesia (harus +62 atau 08…)."])
        rest = text[3:]
    elif text.startswith("0062"):
        rest = text[4:]
    elif text.startswith("62"):
        rest = text[2:]
    elif text.startswith("0") or text.startswith("8"):
        rest = text[1:] if text.startswith("0") else text
    else:
        return Checked(None, [f"Nomor telepon {shown} tidak dikenali; tulis nomor HP seperti 0812-3456-7890."])
    if not rest.isdigit():
        return Checked(
            None, [f"Nomor telepon {shown} hanya boleh berisi angka (spasi dan tanda - boleh), satu nomor saja."]
        )
    rest = rest.lstrip("0")  # "+62 0812…": the trunk 0 does not belong after the country code
    if rest.startswith("8"):
        if not 9 <= len(rest) <= 13:
            return Checked(
                None,
                [
                    f"Nomor HP {shown} harus 10–14 angka jika ditulis dengan 0 di depan (misalnya 0812-3456-7890); "
                    f"yang tertulis {len(rest) + 1} angka."
                ],
            )
        return Checked("+62" + rest)
    if rest[:1] in "234579" and 7 <= len(rest) <= 11:
        return Checked(
            "+62" + rest,
            [],
            [
                f"Nomor {shown} adalah telepon rumah/kantor, bukan HP; pengingat Telegram dan pencocokan kontak "
                "butuh nomor HP."
            ],
        )
    return Checked(None, [f"Nomor telepon {shown} tidak dikenali; tulis nomor HP seperti 0812-3456-7890."])


def contact_phone(raw: str) -> str | None:
    """The roster form (``+628…``) of a phone number from a shared Telegram contact, or ``None`` if it is foreign.

    Telegram sends a contact's number in international form, usually without the ``+`` (``6281234567890``). The
    spreadsheet heuristics of :func:`normalize_phone` (a bare ``8…`` is an Indonesian number whose 0 Excel dropped)
    must not apply here: ``85291234567`` is Hong Kong, not ``0852 9123 4567``. Only ``62…`` / ``+62…`` can be
    Indonesian, so only those may match a roster entry.
    """
    digits = raw.strip().translate(_PHONE_JUNK).removeprefix("+")
    if not digits.isdigit() or not digits.startswith("62"):
        return None
    checked = normalize_phone("+" + digits)
    return checked.value if checked.ok else None


@dataclass(frozen=True, slots=True)
class PhoneFragment:
    """Part of a phone number typed to find someone: ``digits`` as typed (junk removed), and ``start``, the
    stored number's beginning (``+62…``) when it was typed with 0, 62 or +62 in front, else ``None``."""

    digits: str
    start: str | None


PHONE_FRAGMENT_MIN_DIGITS = 4  # fewer digits match half the roster


def phone_fragment(raw: str) -> PhoneFragment | None:
    """``0812 0000``, ``+62 812``, ``62812…`` or just ``0001`` → a fragment to look for; ``None`` when the text is
    not (part of) a phone number, or too short to tell anyone apart."""
    text = raw.strip().translate(_PHONE_JUNK)
    digits = text.removeprefix("+")
    if not digits.isdigit() or len(digits) < PHONE_FRAGMENT_MIN_DIGITS:
        return None
    if text.startswith("+") and not digits.startswith("62"):
        return None
    start = None
    if digits.startswith(("0062", "62")):  # "+62 0812…": a trunk 0 after the country code is dropped
        start = "+62" + digits.removeprefix("00").removeprefix("62").lstrip("0")
    elif digits.startswith("0"):
        start = "+62" + digits[1:]
    return PhoneFragment(digits, start)


def excel_serial_to_date(serial: float) -> date | None:
    """Excel's day number (1900 date system) → date; ``None`` outside Excel's range."""
    if not math.isfinite(serial):  # an XLSX number cell such as 1e400 reads as infinity
        return None
    whole = int(serial)
    if not 1 <= whole <= _EXCEL_MAX_SERIAL:
        return None
    if whole < 60:  # before Excel's phantom 29-02-1900
        return _EXCEL_EPOCH + timedelta(days=whole + 1)
    if whole == 60:
        return None
    return _EXCEL_EPOCH + timedelta(days=whole)


def parse_date(
    raw: object,
    *,
    label: str = "Tanggal",
    earliest: date | None = date(1900, 1, 1),
    latest: date | None = None,
) -> Checked[date]:
    """``YYYY-MM-DD``, ``DD-MM-YYYY``, ``DD/MM/YYYY`` (also with dots), real Excel dates (date/datetime cells)
    and Excel serial numbers. ``latest`` refuses later dates (a birth date is never in the future)."""
    found: date | None
    if isinstance(raw, datetime):
        found = raw.date()
    elif isinstance(raw, date):
        found = raw
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        found = excel_serial_to_date(raw)
        if found is None:
            return Checked(None, [f"{label} {cell_text(raw)} bukan tanggal. {DATE_HINT}"])
    else:
        text = cell_text(raw)
        if len(text) == 10 and text[2] == text[5] and text[2] in "-/." and text.isascii():
            try:  # the common DD-MM-YYYY, without the regex
                day, month, year = int(text[:2]), int(text[3:5]), int(text[6:])
            except ValueError:
                pass
            else:
                found = _real_date(year, month, day)
                if found is None:
                    return Checked(None, [f"{label} {text} tidak ada. {DATE_HINT}"])
                return _date_range(found, label, earliest, latest)
        text = _TIME_SUFFIX.sub("", text)
        if not text:
            return Checked(None, [f"{label} kosong. {DATE_HINT}"])
        if match := _YMD.match(text):
            year, month, day = (int(g) for g in match.groups())
        elif match := _DMY.match(text):
            day, month, year = (int(g) for g in match.groups())
        elif _SERIAL_TEXT.match(text):  # an Excel date that lost its format on the way to CSV
            serial_date = excel_serial_to_date(float(text))
            if serial_date is None:
                return Checked(None, [f"{label} {text} bukan tanggal. {DATE_HINT}"])
            return _date_range(serial_date, label, earliest, latest)
        else:
            return Checked(None, [f'{label} "{text}" tidak dikenali. {DATE_HINT}'])
        found = _real_date(year, month, day)
        if found is None:
            return Checked(None, [f"{label} {text} tidak ada. {DATE_HINT}"])
    return _date_range(found, label, earliest, latest)


def _date_range(found: date, label: str, earliest: date | None, latest: date | None) -> Checked[date]:
    if latest is not None and found > latest:
        return Checked(None, [f"{label} {found:%d-%m-%Y} ada di masa depan; periksa tahunnya."])
    if earliest is not None and found < earliest:
        return Checked(None, [f"{label} {found:%d-%m-%Y} terlalu lama; periksa tahunnya."])
    return Checked(found)


def validate_person_name(raw: object, *, label: str = "Nama") -> Checked[str]:
    """A person's name as typed: spaces squeezed; letters of any script, digits, spaces and ``. , ' ’ ( ) / -``
    only — no HTML or Markdown marks, emoji or control characters, which would come back in every card, list and
    export that shows the name (titles such as "S.Sos." and names such as "Nur'aini" pass)."""
    name = " ".join(cell_text(raw).split())
    problem = person_name_problem(name, label=label)
    return Checked(None, [problem]) if problem else Checked(name)


def person_name_problem(name: str, *, label: str = "Nama") -> str | None:
    """Why ``name`` (already stripped, its spaces squeezed) is not a person's name, or ``None`` when it is: the
    one rule for a name typed in the visit form and a name in the registry import (``validate_person_name``)."""
    if not name:
        return f"{label} kosong; tulis nama lengkap."
    if len(name) > NAME_MAX:
        return f"{label} terlalu panjang ({len(name)} huruf; paling banyak {NAME_MAX})."
    if _NAME_ASCII.match(name):
        return None
    for char in name:
        if char in _NAME_MARKS or unicodedata.category(char)[0] in "LMN":
            continue
        return (
            f"{label} hanya boleh berisi huruf, angka, spasi dan tanda . , ' - ( ) / — tanpa emoji, tanda "
            "seperti < > * _ atau karakter kendali."
        )
    return None


def plain_words(text: str) -> bool:
    """Whether a short free text (a reason typed after "Lainnya") is plain words: no HTML/markup brackets and no
    control or invisible formatting characters (a zero-width space, a right-to-left override), which would hide
    or scramble what a koordinator and a spreadsheet read."""
    if "<" in text or ">" in text:
        return False
    return not any(unicodedata.category(char)[0] == "C" for char in text)
