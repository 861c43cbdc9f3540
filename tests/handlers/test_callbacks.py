"""Button data: every shape packs to the wire format old buttons carry, and anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers import callbacks as cb
from handlers import callbacks_supervisor as sb
from models.period import Period

NOV = Period(2026, 11)
VISIT = "0123456789abcdef0123456789abcdef"

# The exact strings the hand-written buttons produced, so buttons already in people's chats keep working.
WIRE = [
    (cb.LanguageButton("en"), "lang:en"),
    (cb.HouseholdButton(42), "hh:42"),
    (cb.HistoryButton(), "riwayat"),
    (cb.HistoryButton(42), "riwayat:42"),
    (cb.VisitButton(VISIT), f"rv:{VISIT}"),
    (cb.VisitButton(VISIT, "fix"), f"rv:{VISIT}:fix"),
    (cb.ReportButton(), "lapor"),
    (cb.ReportButton(7), "lapor:7"),
    (cb.ScheduleButton(), "jadwal"),
    (cb.ScheduleButton(2), "jadwal:p2"),
    (cb.SnoozeButton(9), "snooze:9"),
    (cb.DigestHourButton(6), "atur:jam:6"),
    (cb.EventRemindersButton("off"), "atur:event:off"),
    (sb.SummaryButton("36.02", NOV), "sv:rk:36.02:2026-11"),
    (sb.OverdueButton("36.02", 0), "sv:tg:36.02:0"),
    (sb.ComplianceButton("36.02", NOV), "sv:kp:36.02:2026-11"),
    (sb.ComplianceMembersButton("36.02", NOV, 1, 3), "sv:kp:36.02:2026-11:1:3"),
    (sb.PendampingButton(5), "sv:pd:5"),
    (sb.PendampingPageButton("36", 1), "sv:pl:36:1"),
    (sb.ChartButton("cakupan", "36.02"), "sv:gr:cakupan:36.02"),
    (sb.ExportButton("menu", "36.02", NOV), "sv:ek:menu:36.02:2026-11"),
    (sb.ReviewButton("ok", VISIT), f"sv:tj:ok:{VISIT}"),
    (sb.ReviewButton("x", "-"), "sv:tj:x:-"),
    (sb.ReviewSectionButton(VISIT, "semua"), f"sv:tj:sc:{VISIT}:semua"),
    (sb.ReviewButton("ft", VISIT), f"sv:tj:ft:{VISIT}"),
    (sb.ReviewChangeButton("no", 12), "sv:tj:dc:no:12"),
    (sb.ChangeButton("nx", 0), "sv:dc:nx:0"),
    (sb.ReferralButton("ok", 3), "sv:rj:ok:3"),
    (sb.GraduationPageButton("36.02", 0), "sv:gd:pg:36.02:0"),
    (sb.GraduationProposeButton(11), "sv:gd:aj:11"),
    (sb.GraduationProposeButton(11, "36.02", 2), "sv:gd:aj:11:36.02:2"),
    (sb.GraduationConfirmButton(11, "36.02", 0), "sv:gd:ya:11:36.02:0"),
    (sb.GraduationDecisionButton("no", 4), "sv:gd:no:4"),
    (sb.GraduationDecisionButton("ok", 4, "36.02", 1), "sv:gd:ok:4:36.02:1"),
    (sb.GraduationDecidedButton("no", 4, "36", 0), "sv:gd:yk:no:4:36:0"),
    (sb.AnnouncementButton("ok"), "sv:um:ok"),
    (sb.AnnouncementStatusButton(8), "sv:um:st:8"),
    (sb.AnnouncementAreaButton("36.01"), "sv:um:ar:36.01"),
    (cb.RelinkButton(12, "5550001234"), "rl:ok:12:5550001234"),
    (sb.PayoutViewButton("36.02", NOV), "sv:py:v:36.02:2026-11"),
    (sb.PayoutViewButton("36.02", NOV, "r", 2), "sv:py:v:36.02:2026-11:r:2"),
    (sb.PayoutDecisionButton("adj", 123456789, "36.02.01.2002", "u", 99), "sv:py:d:adj:123456789:36.02.01.2002:u:99"),
    (sb.PayoutCancelButton("36.02", NOV, "r", 0), "sv:py:x:36.02:2026-11:r:0"),
    (sb.PayoutSignButton("ya", "36.02", NOV), "sv:py:s:ya:36.02:2026-11"),
    (sb.PayoutExportButton(NOV, "all"), "sv:py:e:2026-11:all"),
]

ALL_CLASSES = sorted({type(button) for button, _ in WIRE}, key=lambda c: c.__name__)


def test_every_button_class_is_covered() -> None:
    defined = {c for m in (cb, sb) for c in vars(m).values() if isinstance(c, type) and issubclass(c, cb.CallbackData)}
    assert defined - {cb.CallbackData} == set(ALL_CLASSES)


def _subclasses(cls: type[cb.CallbackData]) -> set[type[cb.CallbackData]]:
    return {c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))}


def test_every_button_shape_lives_in_the_two_callback_modules() -> None:
    """Packing and checking stay in one place: no button class is defined anywhere else in the bot."""
    import bot.app  # noqa: F401  (every handler and renderer, so every button class, is imported)

    places = {c.__module__ for c in _subclasses(cb.CallbackData) if not c.__module__.startswith("tests.")}
    assert places == {"handlers.callbacks", "handlers.callbacks_supervisor"}


@pytest.mark.parametrize(("button", "data"), WIRE, ids=[d for _, d in WIRE])
def test_packs_to_the_old_wire_format_and_back(button: cb.CallbackData, data: str) -> None:
    assert button.pack() == data
    assert type(button).unpack(data) == button


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (cb.HouseholdButton, "hh:"),
        (cb.HouseholdButton, "hh:²"),  # str.isdigit() says yes, int() says no
        (cb.HouseholdButton, "hh:-1"),
        (cb.HouseholdButton, "hh:99999999999999999999"),  # overflows SQLite's INTEGER and int4
        (cb.HouseholdButton, "hh:1:2"),
        (cb.HouseholdButton, "hhh:1"),
        (cb.HistoryButton, "riwayat:x"),
        (cb.VisitButton, f"rv:{VISIT}:delete"),
        (cb.ScheduleButton, "jadwal:p"),
        (cb.ScheduleButton, "jadwal:3"),
        (cb.ScheduleButton, "jadwal:px"),
        (cb.EventRemindersButton, "atur:event:maybe"),
        (cb.DigestHourButton, "atur:event:on"),
        (sb.SummaryButton, "sv:rk:36:2026-13"),
        (sb.SummaryButton, "sv:rk:"),
        (sb.ComplianceButton, "sv:kp:36:2026-11:0:0"),
        (sb.ComplianceMembersButton, "sv:kp:36:2026-11:0"),
        (sb.ReviewButton, f"sv:tj:sc:{VISIT}"),
        (sb.ReviewButton, f"sv:tj:ok:{VISIT}:extra"),
        (sb.ReviewSectionButton, f"sv:tj:ok:{VISIT}"),
        (sb.GraduationDecisionButton, "sv:gd:aj:5"),
        (sb.GraduationDecisionButton, "sv:gd:pg:36:0"),
        (sb.GraduationDecisionButton, "sv:gd:yk:ok:4:36:0"),
        (sb.GraduationDecidedButton, "sv:gd:yk:ok:4"),
        (sb.GraduationDecidedButton, "sv:gd:yk:ya:4:36:0"),
        (sb.AnnouncementButton, "sv:um:st:5"),
        (sb.ChangeButton, "sv:dc:yes:5"),
        (sb.PayoutDecisionButton, "sv:py:d:del:5:36.02:r:0"),
        (sb.PayoutDecisionButton, "sv:py:d:ok:5:36.02:a:0"),
        (sb.PayoutViewButton, "sv:py:v:36.02:2026-11:z"),
        (sb.PayoutSignButton, "sv:py:s:ya:36.02:2026-13"),
        (sb.PayoutExportButton, "sv:py:e:2026-11:everything"),
        (cb.LanguageButton, None),
    ],
)
def test_forged_or_stale_data_is_refused(kind: type[cb.CallbackData], data: str | None) -> None:
    assert kind.unpack(data) is None


@given(st.text(max_size=64))
def test_any_string_unpacks_to_none_or_to_a_button_that_packs_back(data: str) -> None:
    for kind in ALL_CLASSES:
        button = kind.unpack(data)
        if button is not None:
            assert kind.unpack(button.pack()) == button


def test_pack_refuses_what_could_not_come_back() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        sb.AnnouncementAreaButton("3" * 60).pack()
    with pytest.raises(ValueError, match="inside a value"):
        sb.OverdueButton("36:01", 0).pack()
    with pytest.raises(ValueError, match="inside a value"):
        cb.VisitButton("").pack()


def test_patterns_route_the_prefix_family_only() -> None:
    import re

    assert re.match(sb.ReviewButton.pattern(), "sv:tj:sc:x:y")
    assert re.match(cb.HistoryButton.pattern(), "riwayat")
    assert not re.match(cb.HistoryButton.pattern(), "riwayatku")
    assert not re.match(sb.GraduationDecisionButton.pattern(), "sv:gdx:1")


def test_the_bad_input_sweep_covers_every_button_family() -> None:
    from tests.e2e.test_bad_input import PREFIXES

    families = [p for p in PREFIXES if p]
    missing = [c.__name__ for c in ALL_CLASSES if not any((c.prefix + ":").startswith(p) for p in families)]
    assert missing == []


def test_a_relink_button_carries_a_telegram_id_past_nine_digits_and_refuses_a_forged_one() -> None:
    assert cb.RelinkButton(12, "7012345678").account == 7012345678
    forged = cb.RelinkButton.unpack("rl:ok:12:7e12")
    assert forged is None or forged.account is None
