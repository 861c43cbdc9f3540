"""NIK, KK, phone and date checks: what a clerk types is accepted or refused with a sentence they understand."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.validate import (
    PROVINCE_CODES,
    PhoneFragment,
    contact_phone,
    decode_nik,
    excel_serial_to_date,
    normalize_phone,
    parse_date,
    phone_fragment,
    validate_kk,
    validate_nik,
)

TODAY = date(2025, 11, 24)

provinces = st.sampled_from(sorted(PROVINCE_CODES))
two_digits = st.integers(1, 99).map(lambda n: f"{n:02d}")
serials = st.integers(1, 9999).map(lambda n: f"{n:04d}")
# Within the last 99 years: a two-digit year is unambiguous there (older people need the other columns).
birth_dates = st.dates(min_value=TODAY - timedelta(days=99 * 365), max_value=TODAY)
sexes = st.sampled_from(["L", "P"])


def make_nik(region: str, born: date, sex: str, serial: str) -> str:
    day = born.day + (40 if sex == "P" else 0)
    return f"{region}{day:02d}{born:%m%y}{serial}"


@given(provinces, two_digits, two_digits, birth_dates, sexes, serials)
def test_a_valid_nik_round_trips_region_birth_date_and_sex(
    province: str, kabupaten: str, kecamatan: str, born: date, sex: str, serial: str
) -> None:
    nik = make_nik(province + kabupaten + kecamatan, born, sex, serial)
    checked = validate_nik(nik, today=TODAY, birth_date=born, sex=sex)
    assert checked.ok, checked.errors
    assert checked.value == nik
    assert checked.warnings == []
    info = decode_nik(nik, TODAY)
    assert info is not None
    assert (info.birth_date, info.sex, info.serial) == (born, sex, serial)
    assert info.region == f"{province}.{kabupaten}.{kecamatan}"


@given(birth_dates, serials)
def test_women_carry_day_plus_forty(born: date, serial: str) -> None:
    nik = make_nik("360101", born, "P", serial)
    assert int(nik[6:8]) == born.day + 40
    info = decode_nik(nik, TODAY)
    assert info is not None and info.sex == "P" and info.birth_date == born
    assert validate_nik(nik, today=TODAY, birth_date=born, sex="P").warnings == []
    assert "perempuan" in validate_nik(nik, today=TODAY, birth_date=born, sex="L").warnings[0]


@given(st.sampled_from([15, 17]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)))
def test_fifteen_or_seventeen_digits_are_refused(digits: str) -> None:
    checked = validate_nik(digits, today=TODAY)
    assert not checked.ok and checked.value is None
    assert checked.errors == [f"NIK harus 16 angka; yang tertulis {len(digits)} angka ({digits})."]
    assert not validate_kk(digits).ok


@given(st.text(min_size=1).filter(lambda t: any(c.isalpha() for c in t)))
def test_letters_are_refused_not_crashed_on(text: str) -> None:
    checked = validate_nik(text, today=TODAY)
    assert not checked.ok
    assert checked.errors[0].startswith("NIK hanya boleh berisi angka")


def test_the_clerks_example_messages() -> None:
    assert validate_nik("320101150890001", today=TODAY).errors == [
        "NIK harus 16 angka; yang tertulis 15 angka (320101150890001)."
    ]
    assert validate_nik("3201013102900001", today=TODAY).errors == ["Tanggal lahir dalam NIK (31-02-90) tidak ada."]
    female = validate_nik("3201017102900001", today=TODAY).errors
    assert female == ["Tanggal lahir dalam NIK (71-02-90; perempuan: tanggal + 40, jadi 31-02-90) tidak ada."]


@pytest.mark.parametrize(
    ("date_digits", "reason"),
    [
        ("310490", "tidak ada"),  # 31 April
        ("300290", "tidak ada"),  # 30 February
        ("290201", "tidak ada"),  # 29 February 1901/2001: not leap years
        ("350890", "tidak mungkin"),  # day 35: neither a man's (01–31) nor a woman's (41–71)
        ("000190", "tidak mungkin"),
        ("721090", "tidak mungkin"),  # 72 − 40 = 32
        ("151390", "Bulan lahir"),
        ("150090", "Bulan lahir"),
    ],
)
def test_impossible_birth_dates_are_refused(date_digits: str, reason: str) -> None:
    checked = validate_nik(f"360101{date_digits}0001", today=TODAY)
    assert not checked.ok
    assert reason in checked.errors[0]


def test_29_february_2000_exists() -> None:
    assert validate_nik("3601012902000001", today=TODAY).ok
    assert validate_nik("3601016902000001", today=TODAY).ok  # a girl born that day


def test_the_century_is_resolved_never_into_the_future() -> None:
    assert decode_nik("3601011512250001", TODAY).birth_date == date(1925, 12, 15)  # type: ignore[union-attr]
    assert decode_nik("3601011511250001", TODAY).birth_date == date(2025, 11, 15)  # type: ignore[union-attr]
    assert decode_nik("3601011508900001", TODAY).birth_date == date(1990, 8, 15)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("nik", "reason"),
    [
        ("9901011508900001", "Dua angka pertama NIK (99) bukan kode provinsi"),
        ("1001011508900001", "Dua angka pertama NIK (10) bukan kode provinsi"),
        ("2001011508900001", "Dua angka pertama NIK (20) bukan kode provinsi"),
        ("3600011508900001", "tidak pernah 00"),
        ("3601001508900001", "tidak pernah 00"),
        ("3601011508900000", "0000"),
    ],
)
def test_implausible_regions_and_serials_are_refused(nik: str, reason: str) -> None:
    checked = validate_nik(nik, today=TODAY)
    assert not checked.ok
    assert any(reason in e for e in checked.errors), checked.errors


def test_new_papua_provinces_are_real() -> None:
    for province in ("91", "92", "93", "94", "95", "96"):
        assert validate_nik(f"{province}01011508900001", today=TODAY).ok


def test_disagreement_with_the_other_columns_is_a_warning_not_an_error() -> None:
    checked = validate_nik("3601011508900001", today=TODAY, birth_date=date(1991, 8, 15), sex="P")
    assert checked.ok and checked.value == "3601011508900001"
    assert len(checked.warnings) == 2
    assert "15-08-90" in checked.warnings[0] and "15-08-1991" in checked.warnings[0]
    assert "laki-laki" in checked.warnings[1] and "tertulis P" in checked.warnings[1]


def test_nik_as_written_in_spreadsheets() -> None:
    assert validate_nik(" 3601 0115 0890 0001 ", today=TODAY).value == "3601011508900001"
    assert validate_nik("'3601011508900001", today=TODAY).value == "3601011508900001"  # Excel's text mark
    assert validate_nik(3601011508900001, today=TODAY).value == "3601011508900001"
    assert validate_nik(3601011508900001.0, today=TODAY).value == "3601011508900001"
    assert validate_nik(None, today=TODAY).errors == ["NIK kosong; tulis 16 angka NIK."]


@given(provinces, two_digits, two_digits, st.dates(date(1971, 1, 1), TODAY), serials)
def test_a_kk_with_a_real_issue_date_is_valid(
    province: str, kabupaten: str, kecamatan: str, issued: date, serial: str
) -> None:
    kk = f"{province}{kabupaten}{kecamatan}{issued:%d%m%y}{serial}"
    assert validate_kk(kk).value == kk


def test_kk_checks() -> None:
    assert not validate_kk("3601013102150003").ok  # 31-02-15
    assert not validate_kk("9901011203150003").ok
    assert validate_kk("3601011203150003").ok
    assert "Nomor KK harus 16 angka" in validate_kk("36010112031500").errors[0]


mobile_digits = (
    st.integers(8, 12).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)).map(lambda d: "8" + d)
)


@st.composite
def written_mobiles(draw: st.DrawFn) -> tuple[str, str]:
    digits = draw(mobile_digits)
    prefix = draw(st.sampled_from(["0", "62", "+62", "+62 ", "0062", ""]))
    separator = draw(st.sampled_from(["", " ", "-", "."]))
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    return prefix + separator.join(groups), "+62" + digits


@given(written_mobiles())
def test_mobile_numbers_normalise_to_plus_62_and_normalising_is_idempotent(written: tuple[str, str]) -> None:
    raw, expected = written
    checked = normalize_phone(raw)
    assert checked.ok, checked.errors
    assert checked.value == expected and checked.warnings == []
    again = normalize_phone(checked.value)
    assert again.value == checked.value


@given(st.text(max_size=20))
def test_normalising_never_crashes_and_is_idempotent(raw: str) -> None:
    checked = normalize_phone(raw)
    if checked.value is not None:
        assert checked.value.startswith("+62")
        assert normalize_phone(checked.value).value == checked.value
    else:
        assert checked.errors


def test_phone_cases() -> None:
    assert normalize_phone("0812-3456-7890").value == "+6281234567890"
    assert normalize_phone("(0812) 3456.7890").value == "+6281234567890"
    assert normalize_phone(81234567890).value == "+6281234567890"  # Excel dropped the 0
    assert normalize_phone("+62 0812 3456 7890").value == "+6281234567890"
    landline = normalize_phone("(0254) 200123")
    assert landline.ok and landline.value == "+62254200123"
    assert "bukan HP" in landline.warnings[0]
    assert not normalize_phone("0812").ok
    assert "bukan nomor Indonesia" in normalize_phone("+1 555 0100").errors[0]
    assert not normalize_phone("5").ok  # a user id, not a phone
    assert normalize_phone("").errors == ["Nomor telepon kosong."]


@given(st.dates(date(1900, 3, 1), date(2099, 12, 31)))
def test_dates_in_every_accepted_form(day: date) -> None:
    forms: list[object] = [
        day.isoformat(),
        day.strftime("%d-%m-%Y"),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day,
        datetime(day.year, day.month, day.day),
        (day - date(1899, 12, 30)).days,  # Excel serial number
        float((day - date(1899, 12, 30)).days),
    ]
    for form in forms:
        checked = parse_date(form, label="Tanggal lahir")
        assert checked.value == day, (form, checked.errors)


def test_impossible_and_unreadable_dates_say_how_to_write_them() -> None:
    assert parse_date("31-02-2015", label="Tanggal lahir").errors == [
        "Tanggal lahir 31-02-2015 tidak ada. Tulis dengan format HH-BB-TTTT, misalnya 05-03-2015."
    ]
    assert parse_date("2015-02-31", label="Tanggal lahir").errors[0].startswith("Tanggal lahir 2015-02-31 tidak ada.")
    unreadable = parse_date("5 Maret 2015", label="Tanggal lahir").errors[0]
    assert "tidak dikenali" in unreadable and "HH-BB-TTTT" in unreadable
    assert "masa depan" in parse_date("05-03-2030", label="Tanggal lahir", latest=TODAY).errors[0]
    assert "kosong" in parse_date("", label="Tanggal lahir").errors[0]


def test_excel_serials() -> None:
    assert excel_serial_to_date(1) == date(1900, 1, 1)
    assert excel_serial_to_date(59) == date(1900, 2, 28)
    assert excel_serial_to_date(60) is None  # Excel's 29-02-1900 never existed
    assert excel_serial_to_date(61) == date(1900, 3, 1)
    assert excel_serial_to_date(42068) == date(2015, 3, 5)
    assert parse_date("42068").value == date(2015, 3, 5)  # a date that lost its format in a CSV
    assert not parse_date(0).ok


@given(st.integers(1901, 2099), st.sampled_from([2, 4, 6, 9, 11]), st.data())
def test_a_day_that_does_not_exist_is_refused(year: int, month: int, data: st.DataObject) -> None:
    day = data.draw(st.integers(calendar.monthrange(year, month)[1] + 1, 31))
    checked = parse_date(f"{day:02d}-{month:02d}-{year}", label="Tanggal")
    assert not checked.ok and "tidak ada" in checked.errors[0]


@pytest.mark.parametrize(
    "shared",
    [
        "85291234567",  # Hong Kong, as Telegram sends it (no +)
        "+85291234567",
        "85361234567",  # Macau
        "855812345678",  # Cambodia
        "856201234567",  # Laos
        "818012345678",  # Japan
        "81234567890",  # looks like 0812… without its 0 — a spreadsheet's guess, not a contact's
        "081234567890",  # a national number: Telegram never sends one, so it cannot be trusted as Indonesian
        "0062812345678",
        "62",
        "abc",
    ],
)
def test_foreign_contact_numbers_never_become_indonesian(shared: str) -> None:
    assert contact_phone(shared) is None


def test_indonesian_contact_numbers_get_the_roster_form() -> None:
    assert contact_phone("6281234567890") == "+6281234567890"
    assert contact_phone("+62 812-3456-7890") == "+6281234567890"
    assert contact_phone("6285291234567") == "+6285291234567"


@given(st.from_regex(r"[1-57-9][0-9]{6,13}", fullmatch=True))
def test_no_number_outside_62_matches_a_roster_phone(digits: str) -> None:
    assert contact_phone(digits) is None
    assert contact_phone("+" + digits) is None


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("0001", PhoneFragment("0001", "+62001")),  # a trunk 0: could be the start, or digits in the middle
        ("5501234", PhoneFragment("5501234", None)),
        ("0812 3456", PhoneFragment("08123456", "+628123456")),
        ("+62 812-3456", PhoneFragment("628123456", "+628123456")),
        ("0062 812", PhoneFragment("0062812", "+62812")),
        ("62812", PhoneFragment("62812", "+62812")),
        ("123", None),  # too short to tell people apart
        ("Siti", None),
        ("+1 555 0100", None),  # not an Indonesian number
    ],
)
def test_part_of_a_phone_number_as_people_type_it(typed: str, fragment: PhoneFragment | None) -> None:
    assert phone_fragment(typed) == fragment
