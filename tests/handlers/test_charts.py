"""/grafik's PNGs read on a phone (issue 18): at the 412 px a phone shows them, every text is at least 11 px, the
title (with its year) and the labels stay inside the picture, and a month without data is a gap, not 0 %."""

from __future__ import annotations

import io
import math
import struct

import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text

from handlers import charts
from handlers.i18n.format import percent

MONTHS = ["Jun 2026", "Jul 2026", "Agu 2026", "Sep 2026", "Okt 2026", "Nov 2026"]
LONG_TITLE = "Cakupan kunjungan — Kabupaten Pandeglang, Juni 2026 – November 2026"
COMMITMENTS = [
    "kehadiran sekolah ≥ 85%",
    "pemeriksaan kehamilan (ANC) sesuai jadwal di fasilitas kesehatan terdekat",
    "penimbangan balita",
    "imunisasi dasar lengkap bayi",
]


def _png_width(data: bytes) -> int:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int(struct.unpack(">I", data[16:20])[0])


def _texts(figure: Figure) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _readable_on_a_phone(figure: Figure) -> None:
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    width_px = figure.get_figwidth() * figure.dpi
    scale = charts.PHONE_PX / width_px
    assert 1000 <= width_px <= 1280
    box = figure.bbox
    for text in _texts(figure):
        shown_px = float(text.get_fontsize()) * figure.dpi / 72 * scale
        assert shown_px >= 11, (text.get_text(), shown_px)
        extent = text.get_window_extent(renderer)
        assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, (text.get_text(), extent, box)
        assert extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, (text.get_text(), extent, box)


def test_the_trend_is_readable_at_phone_width_and_has_gaps_for_months_without_data() -> None:
    shares = [None, None, 0.4, 0.55, None, 0.7]
    figure = charts.trend_figure(
        MONTHS, shares, title=LONG_TITLE, ylabel="KPM dikunjungi", percent=percent, note="Tanpa laporan: Jun, Jul, Okt"
    )
    _readable_on_a_phone(figure)
    title = figure.get_suptitle()
    assert "2026" in title and title.replace("\n", " ") == LONG_TITLE
    (line,) = figure.axes[0].get_lines()
    drawn = np.asarray(line.get_ydata(), dtype=float).tolist()
    assert [math.isnan(y) for y in drawn] == [s is None for s in shares]
    points = [t.get_text() for t in figure.axes[0].texts]  # the values written at the points
    assert points == ["–", "–", "40,0%", "55,0%", "–", "70,0%"]  # no "0,0%" for a month without data
    png = charts.trend(MONTHS, shares, title=LONG_TITLE, ylabel="KPM dikunjungi", percent=percent)
    assert 1000 <= _png_width(png) <= 1280


def test_bars_with_long_labels_stay_inside_and_readable() -> None:
    figure = charts.bars_figure(
        COMMITMENTS,
        [0.9, 0.35, 1.0, 0.0],
        title="Kepatuhan komitmen — Kabupaten Pandeglang, November 2026",
        xlabel="Anggota memenuhi komitmen",
        percent=percent,
        counts=["90/100", "35/100", "1234/1234", "0/7"],
    )
    _readable_on_a_phone(figure)
    assert "November 2026" in figure.get_suptitle().replace("\n", " ")
    png = charts.bars(COMMITMENTS, [0.5] * 4, title="x", xlabel="y", percent=percent)
    assert _png_width(png) <= 1280 and io.BytesIO(png).getbuffer().nbytes > 0
