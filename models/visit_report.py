"""What a visit report says, as plain data: the form's vocabulary (codes stored in the database), the report
itself (``VisitReport``) and the pure rules around it (deprivation score, distance from the last known point).

Split from ``models.visits`` (which stores and corrects reports) so the form, the renderers and the importer of
old reports can share it without the database code; ``models.visits`` re-exports every name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from models.period import Period
from models.tables import CheckResult

# The visit form as stored in ``form_session``: its name, the review step, and the meta keys a supervisor's
# "send back" writes into the answers (``models.visits.reopen_for_correction``) and the form reads when the
# pendamping reopens it (``handlers/report``). Owned here, below both, so the two cannot drift apart.
FORM_NAME = "kunjungan"
REVIEW_STEP = "tinjau"

# The form's sections, in order. ``reopen_for_correction(section=…)`` takes one of these (or None: the whole report).
SECTIONS = ("kunjungan", "komitmen", "kondisi", "kesejahteraan", "perubahan", "rujukan", "bukti", "catatan")

NOT_MET_REASONS = ("tidak_di_rumah", "pindah", "menolak", "meninggal", "lainnya")
MISSED_REASONS = ("sakit", "biaya", "fasilitas", "lupa", "lainnya")
# BPS-style deprivation indicators asked at a visit (docs/glossary.md); the count of "yes" is the deprivation score.
# fmt: off
WELFARE_ITEMS = (
    "lantai", "dinding", "jamban", "listrik", "air", "bahan_bakar",
    "protein", "makan", "berobat", "penghasilan", "pendidikan_kepala", "aset",
)
# fmt: on
CONDITION_ITEMS: dict[str, tuple[str, ...]] = {
    "rumah": ("layak", "kurang_layak", "tidak_layak"),
    "penghasilan": ("buruh", "tani", "dagang", "karyawan", "lainnya", "tidak_ada"),
    "sakit": ("ya", "tidak"),
    "putus_sekolah": ("ya", "tidak"),
    "butuh_bantuan": ("ya", "tidak"),
}
# fmt: off
CHANGE_KINDS = (
    "kelahiran", "kematian", "pindah_keluar", "pindah_masuk", "telepon_baru", "alamat_baru", "kehamilan",
    "jenjang_sekolah", "graduasi_mandiri",
)
# fmt: on
REFERRAL_SECTORS = ("pendidikan", "kesehatan", "umkm", "lainnya")
PHOTO_SKIP_REASONS = ("tidak_diizinkan", "kamera", "lainnya")
LOCATION_SKIP_REASONS = ("gps", "sinyal", "lainnya")
SCHOOL_LEVELS = ("SD", "SMP", "SMA", "tidak_sekolah")


@dataclass(frozen=True, slots=True)
class Check:
    member_id: int
    member_name: str
    commitment: str
    label: str
    result: CheckResult
    reason: str | None = None
    label_en: str = ""
    reason_note: str | None = None  # the reason in the pendamping's words, when it was "lainnya"


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    member_id: int | None = None
    member_name: str | None = None
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReferralInput:
    sector: str
    need: str
    member_id: int | None = None
    member_name: str | None = None


@dataclass
class VisitReport:
    """A whole visit as the pendamping reported it — the review screen, the submit and the read-only view share it."""

    household_id: int
    head_name: str
    visited_on: date
    met: bool
    not_met_reason: str | None = None
    checks: list[Check] = field(default_factory=list)
    condition: dict[str, str] = field(default_factory=dict)
    welfare: dict[str, bool] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    referrals: list[ReferralInput] = field(default_factory=list)
    photo_file_id: str | None = None
    photo_hash: str | None = None
    photo_skip_reason: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_skip_reason: str | None = None
    notes: str | None = None
    # The reasons typed after "Lainnya", by what they explain: "kunjungan" (not met), "foto", "lokasi".
    other_reasons: dict[str, str] = field(default_factory=dict)
    distance_km: float | None = None  # from the household's last known point, when both exist
    location_flagged: bool = False
    # Filled for stored visits only:
    visit_id: str | None = None
    late: bool = False
    review_status: str | None = None
    review_note: str | None = None
    review_section: str | None = None  # the section a supervisor flagged when returning it (None: the whole report)
    pendamping_name: str | None = None

    @property
    def period(self) -> Period:
        return Period.of(self.visited_on)

    @property
    def deprivation_score(self) -> int | None:
        return deprivation_score(self.welfare)

    @property
    def evidence_note(self) -> str | None:
        parts = []
        if self.photo_skip_reason:
            parts.append(f"foto:{self.photo_skip_reason}")
        if self.location_skip_reason:
            parts.append(f"lokasi:{self.location_skip_reason}")
        return "; ".join(parts) or None


@dataclass(frozen=True, slots=True)
class Submitted:
    visit_id: str
    short_id: str
    late: bool
    location_flagged: bool
    corrected: bool = False  # a resubmission of a report that was sent back
    already: bool = False  # this exact report was submitted before (double tap, duplicate update)


def deprivation_score(welfare: dict[str, bool]) -> int | None:
    """Count of "yes" among the answered indicators; ``None`` when none was answered (skipped, not zero)."""
    answered = [value for key, value in welfare.items() if key in WELFARE_ITEMS and value is not None]
    return sum(1 for value in answered if value) if answered else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine); plenty precise for "more than 5 km away"."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def location_check(
    last_point: tuple[float, float] | None, point: tuple[float, float] | None, max_km: float
) -> tuple[bool, float | None]:
    """(flagged, distance). Banten's region list has no coordinates, so the only reference is the household's
    last known point (its registry location or an earlier visit's); with none, nothing is flagged."""
    if last_point is None or point is None:
        return False, None
    km = distance_km(last_point, point)
    return km > max_km, km


# --- submit -------------------------------------------------------------------------------------------------
