"""Between the form's answers and the domain's ``VisitReport`` — both ways.

Only answers of questions that still apply are read (a commitment answer from before the visit date changed, a
change entry after "selesai" …), so what is reviewed is exactly what is submitted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers.forms import SKIP
from handlers.report_context import ReportCtx
from models.forms import DraftMeta
from models.tables import CheckResult
from models.visits import Change, Check, ReferralInput, VisitReport, location_check

RESULTS = {"m": CheckResult.MET, "t": CheckResult.NOT_MET, "n": CheckResult.NOT_APPLICABLE}
RESULT_CODES = {result: code for code, result in RESULTS.items()}
STOP = ("tidak_ada", "selesai")
OTHER = "lainnya"
# The questions that ask for a reason, and the question asking its words when it was "lainnya": the words go to
# ``VisitReport.other_reasons`` under the name on the right.
OTHER_REASONS = (
    ("alasan", "alasan_lain", "kunjungan"),
    ("foto_alasan", "foto_lain", "foto"),
    ("lokasi_alasan", "lokasi_lain", "lokasi"),
)
_CHANGE_VALUES = {
    "kelahiran": (("nama", "nama"), ("kelamin", "jenis_kelamin"), ("tanggal", "tanggal_lahir"), ("nik", "nik")),
    "kematian": (("tanggal", "tanggal"),),
    "pindah_keluar": (),
    "pindah_masuk": (("nama", "nama"), ("hubungan", "hubungan"), ("nik", "nik")),
    "telepon_baru": (("telepon", "telepon"),),
    "alamat_baru": (("alamat", "alamat"),),
    "kehamilan": (("hpl", "hpl"),),
    "jenjang_sekolah": (("jenjang", "jenjang"),),
    "graduasi_mandiri": (),
}


def entries(answers: dict[str, Any], group: str) -> list[tuple[str, str]]:
    """``(prefix, kind)`` of each finished-or-started entry of a Repeat group, up to its stop answer."""
    found: list[tuple[str, str]] = []
    index = 1
    while True:
        prefix = f"{group}/{index}/"
        kind = answers.get(prefix + ("jenis" if group == "ubah" else "sektor"))
        if kind is None or kind in STOP:
            return found
        found.append((prefix, kind))
        index += 1


def report_from(answers: dict[str, Any], ctx: ReportCtx) -> VisitReport:
    facts = ctx.facts
    assert facts is not None, "the household is picked before anything else"
    visited_on = date.fromisoformat(answers["tanggal"]) if answers.get("tanggal") else ctx.today
    met = answers.get("bertemu") == "ya"
    report = VisitReport(
        household_id=facts.id,
        head_name=facts.head_name,
        visited_on=visited_on,
        met=met,
        not_met_reason=None if met else answers.get("alasan"),
        notes=answers.get("catatan"),
    )
    for asked, words, name in OTHER_REASONS:
        if answers.get(asked) == OTHER and answers.get(words) and (met or name == "kunjungan"):
            report.other_reasons[name] = str(answers[words])
    if not met:
        return report
    mode = answers.get("komitmen")
    for item in ctx.items(answers):
        if mode == "semua":
            result, reason = CheckResult.MET, None
        else:
            code = answers.get(f"km:{item.key}")
            if mode != "satu" or code not in RESULTS:
                continue
            result = RESULTS[code]
            reason = answers.get(f"ka:{item.key}") if result is CheckResult.NOT_MET else None
        note = answers.get(f"kl:{item.key}") if reason == OTHER else None
        report.checks.append(
            Check(item.member_id, item.member_name, item.code, item.label, result, reason, item.label_en, note)
        )
    report.condition = {k: str(v) for k, v in (answers.get("kondisi") or {}).items() if v is not None}
    report.welfare = {k: bool(v) for k, v in (answers.get("sejahtera") or {}).items() if v is not None}
    for prefix, kind in entries(answers, "ubah"):
        member = facts.member(_int(answers.get(prefix + "anggota")))
        values = {
            out: str(answers[prefix + key])
            for key, out in _CHANGE_VALUES.get(kind, ())
            if answers.get(prefix + key) is not None
        }
        report.changes.append(Change(kind, member.id if member else None, member.name if member else None, values))
    for prefix, sector in entries(answers, "rujuk"):
        member = facts.member(_int(answers.get(prefix + "anggota")))
        need = answers.get(prefix + "kebutuhan")
        if need:
            report.referrals.append(
                ReferralInput(sector, str(need), member.id if member else None, member.name if member else None)
            )
    photo = answers.get("foto")
    if isinstance(photo, dict):
        report.photo_file_id, report.photo_hash = photo.get("file_id"), photo.get("sha256")
    elif photo == SKIP:
        report.photo_skip_reason = answers.get("foto_alasan")
    where = answers.get("lokasi")
    if isinstance(where, dict):
        report.latitude, report.longitude = float(where["lat"]), float(where["lon"])
        max_km = ctx.rules.evidence.location_max_km if ctx.rules else 5.0
        report.location_flagged, report.distance_km = location_check(
            facts.last_point, (report.latitude, report.longitude), max_km
        )
    elif where == SKIP:
        report.location_skip_reason = answers.get("lokasi_alasan")
    return report


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "", "0") else None
    except (TypeError, ValueError):
        return None


def answers_from(report: VisitReport) -> dict[str, Any]:
    """A stored visit as form answers — for correcting a report that did not come from a form (imported, seeded)."""
    answers: dict[str, Any] = {
        "kpm": report.household_id,
        "tanggal": report.visited_on.isoformat(),
        "bertemu": "ya" if report.met else "tidak",
        "catatan": report.notes,
    }
    if not report.met:
        answers["alasan"] = report.not_met_reason or "lainnya"
        return _with_other_reasons(answers, report)
    if report.checks:
        answers["komitmen"] = "satu"
        for check in report.checks:
            key = f"{check.member_id}:{check.commitment}"
            answers[f"km:{key}"] = RESULT_CODES[check.result]
            if check.result is CheckResult.NOT_MET:
                answers[f"ka:{key}"] = check.reason or "lainnya"
            if answers.get(f"ka:{key}") == OTHER:  # answered, with no words when none were kept (imported)
                answers[f"kl:{key}"] = check.reason_note
    answers["kondisi"] = dict(report.condition)
    answers["sejahtera"] = dict(report.welfare)
    for index, change in enumerate(report.changes, start=1):
        prefix = f"ubah/{index}/"
        answers[prefix + "jenis"] = change.kind
        if change.member_id:
            answers[prefix + "anggota"] = str(change.member_id)
        for key, out in _CHANGE_VALUES.get(change.kind, ()):
            if out in change.values:
                answers[prefix + key] = change.values[out]
    answers[f"ubah/{len(report.changes) + 1}/jenis"] = "selesai" if report.changes else "tidak_ada"
    for index, referral in enumerate(report.referrals, start=1):
        prefix = f"rujuk/{index}/"
        answers[prefix + "sektor"] = referral.sector
        answers[prefix + "anggota"] = str(referral.member_id or 0)
        answers[prefix + "kebutuhan"] = referral.need
    answers[f"rujuk/{len(report.referrals) + 1}/sektor"] = "selesai" if report.referrals else "tidak_ada"
    if report.photo_file_id:
        answers["foto"] = {"file_id": report.photo_file_id, "unique_id": None, "sha256": report.photo_hash}
    else:
        answers["foto"], answers["foto_alasan"] = SKIP, report.photo_skip_reason or "lainnya"
    if report.latitude is not None and report.longitude is not None:
        answers["lokasi"] = {"lat": report.latitude, "lon": report.longitude}
    else:
        answers["lokasi"], answers["lokasi_alasan"] = SKIP, report.location_skip_reason or "lainnya"
    return _with_other_reasons(answers, report)


def _with_other_reasons(answers: dict[str, Any], report: VisitReport) -> dict[str, Any]:
    """The words of each "lainnya" reason — ``None`` when none were kept (an imported visit), so the question
    counts as answered rather than stopping a correction at it."""
    for asked, words, name in OTHER_REASONS:
        if answers.get(asked) == OTHER:
            answers[words] = report.other_reasons.get(name)
    return answers


def forget_other_period_commitments(answers: dict[str, Any]) -> bool:
    """Changing the visit date into another period changes which commitments apply: their answers (even
    "semua memenuhi", which was about the other period's list) are dropped so they are asked again."""
    saved = DraftMeta(answers).saved("tanggal")
    chosen = answers.get("tanggal")
    if not saved or not chosen or str(saved)[:7] == str(chosen)[:7]:
        return False
    stale = [key for key in answers if key == "komitmen" or key.startswith(("km:", "ka:", "kl:"))]
    for key in stale:
        answers.pop(key)
    return bool(stale)
