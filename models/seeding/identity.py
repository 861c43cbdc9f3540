"""Building valid NIKs and KKs for synthetic data (the seed and the test factories).

Layout (Dukcapil): digits 1–6 the kecamatan code without dots, 7–12 a date DDMMYY (for a NIK the birth date, with
40 added to the day for women; for a KK the issue date), 13–16 a serial. The serial is what keeps numbers unique:
``SerialCounter`` hands out one per kecamatan and month/year, so two people can only share a NIK if they share
kecamatan, birth month and year *and* serial — which the counter never repeats.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date


def kecamatan_digits(region_code: str) -> str:
    """``36.01.01.2001`` or ``36.01.01`` → ``360101``."""
    digits = region_code.replace(".", "")
    if len(digits) < 6 or not digits.isdigit():
        raise ValueError(f"kode wilayah {region_code!r} tidak sampai tingkat kecamatan")
    return digits[:6]


def nik_date(birth: date, sex: str) -> str:
    """DDMMYY with the day + 40 for women (``sex`` "P")."""
    day = birth.day + (40 if sex == "P" else 0)
    return f"{day:02d}{birth.month:02d}{birth.year % 100:02d}"


def make_nik(kecamatan: str, birth: date, sex: str, serial: int) -> str:
    if not 1 <= serial <= 9999:
        raise ValueError(f"nomor urut NIK harus 1–9999, bukan {serial}")
    return f"{kecamatan}{nik_date(birth, sex)}{serial:04d}"


def make_kk(kecamatan: str, issued: date, serial: int) -> str:
    if not 1 <= serial <= 9999:
        raise ValueError(f"nomor urut KK harus 1–9999, bukan {serial}")
    return f"{kecamatan}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial:04d}"


def serial_key(number: str) -> str:
    """The part of a NIK/KK the serial must be unique within: kecamatan + month + year (digits 1–6, 9–12)."""
    return number[:6] + number[8:12]


class SerialCounter:
    """Next free serial per kecamatan and month/year; ``start`` and ``step`` let two users stay apart
    (the seed counts up from 1, the test factories down from 9999)."""

    def __init__(self, start: int = 1, step: int = 1, *, spread: int = 0) -> None:
        self._next: dict[str, int] = {}
        self._start, self._step, self._spread = start, step, spread

    def _first(self, key: str) -> int:
        """Where a key starts: ``start``, or with ``spread`` a fixed offset from it per key (crc32, the same in
        every run), so synthetic NIKs do not all end in 0001, 0002 … as no real register does."""
        return self._start + (zlib.crc32(key.encode()) % self._spread if self._spread else 0)

    def take(self, kecamatan: str, day: date) -> int:
        key = f"{kecamatan}{day.month:02d}{day.year % 100:02d}"
        serial = self._next.get(key)
        if serial is None:
            serial = self._first(key)
        if not 1 <= serial <= 9999:
            raise ValueError(f"nomor urut habis untuk kecamatan {kecamatan}, bulan {day:%m-%Y}")
        self._next[key] = serial + self._step
        return serial

    def reserve(self, used: Iterable[tuple[str, str]]) -> None:
        """Skip serials already in the database: ``used`` gives (serial_key, highest serial as text)."""
        for key, highest in used:
            if highest and highest.isdigit():
                self._next[key] = max(self._next.get(key, self._first(key)), int(highest) + 1)

    def __len__(self) -> int:
        return len(self._next)
