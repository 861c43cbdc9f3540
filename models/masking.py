"""How identity numbers and birth dates are shown to someone who may not see them in full (chat and OPD API).

A NIK is not a random number: ``PPKKCC DDMMYY SSSS`` — the kecamatan of registration, the birth date (day + 40 for
women) and a serial that is ``0001`` for most people. The first four digits follow from the desa anyway; the
serial is guessable. So a masked NIK that keeps its last four digits, shown next to the exact birth date, sex and
desa, gives the whole NIK back (issue 17: 2,950 of 2,950 rebuilt). The rule here: a masked NIK keeps only the
province and kabupaten digits, and whoever may not see the NIK gets the birth year and month, never the day.
Telling members apart is the job of the member id, which is derived from nothing personal.

A KK (``PPKKCC DDMMYY SSSS`` with the card's issue date) and a phone number keep their last four digits: the
issue date is shown nowhere, so those digits do not complete it.
"""

from __future__ import annotations

from datetime import date

NIK_SHOWN = 4  # province + kabupaten: what the desa code already tells


def mask_nik(nik: str | None) -> str | None:
    """``3601234567890001`` → ``3601************``."""
    if nik is None:
        return None
    if len(nik) <= NIK_SHOWN:
        return "*" * len(nik)
    return nik[:NIK_SHOWN] + "*" * (len(nik) - NIK_SHOWN)


def mask_number(number: str | None) -> str | None:
    """A KK or phone number: ``3601234567890001`` → ``3601********0001``."""
    if number is None:
        return None
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def birth_month(born: date) -> str:
    """``2013-08``: the birth date without the day that the NIK hides."""
    return f"{born.year:04d}-{born.month:02d}"


def age_by_month(born: date, today: date) -> int:
    """Age in whole years counted from the first of the birth month, so it changes on the 1st, never on the
    birthday itself (a daily poll of an exact age would tell the day of birth)."""
    return today.year - born.year - (today.month < born.month)
