"""Charts as PNG bytes (matplotlib, Agg backend) for /grafik, sized to be read on a phone.

No pyplot: each chart is its own ``Figure`` drawn on an Agg canvas, so charts can be drawn in worker threads
while the bot serves other chats. Labels arrive already translated (``handlers/render``); numbers are formatted
the Indonesian way (``40,0%``) by the same formatter the chat texts use.

Sized for a phone: Telegram shows a photo about 412 px wide on a common phone, so the figure is drawn
``WIDTH_IN`` wide at a DPI that keeps the PNG under 1,280 px (Telegram's own preview size) and every text at
least ``MIN_PT`` points — which at 412 px is ≥ 11 px, what a phone's small print is. Long titles and labels
wrap instead of running off the edge (``tests/handlers/test_charts.py`` measures them with the renderer).
A period without data (``None``) is a gap in the line, not a 0 % point.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable, Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

WIDTH_IN = 5.5
DPI = 232  # 5.5 in × 232 = 1,276 px: under Telegram's 1,280 px preview, so the phone scales it only once
PHONE_PX = 412  # the width a phone shows the photo at
MIN_PT = 11  # at PHONE_PX: 11 pt × 412 / (72 × 5.5) ≈ 11.4 px
TITLE_PT, LABEL_PT = 13, 11
BLUE, ORANGE, GREY = "#1F5C99", "#E07B00", "#B0B7C3"
Format = Callable[[float], str]


def _figure(height: float) -> Figure:
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _style(axes: object) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)  # type: ignore[attr-defined]
    axes.tick_params(labelsize=LABEL_PT)  # type: ignore[attr-defined]


def _title(figure: Figure, title: str, note: str) -> None:
    """The title across the whole figure, left-aligned and wrapped to its width (with the year in it, from
    ``handlers/render``); a note below the plot, wrapped too."""
    figure.suptitle(textwrap.fill(title, 44), x=0.02, ha="left", fontsize=TITLE_PT, fontweight="bold")
    if note:
        figure.supxlabel(textwrap.fill(note, 60), x=0.02, ha="left", fontsize=MIN_PT, color="#444444")


def trend_figure(
    labels: Sequence[str], shares: Sequence[float | None], *, title: str, ylabel: str, percent: Format, note: str = ""
) -> Figure:
    """A line of coverage per period (0–100 %), each point labelled with its value; ``None`` is a gap."""
    figure = _figure(4.6)
    axes = figure.add_subplot()
    _style(axes)
    xs = list(range(len(labels)))
    ys = [math.nan if share is None else share for share in shares]
    axes.plot(xs, ys, marker="o", linewidth=2.5, markersize=7, color=BLUE)
    for x, share in zip(xs, shares, strict=True):
        if share is None:
            axes.annotate("–", (x, 0.04), ha="center", fontsize=LABEL_PT, color="#777777")
        else:
            axes.annotate(
                percent(share), (x, share), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=LABEL_PT
            )
    axes.set_xticks(xs, [label.replace(" ", "\n", 1) for label in labels])  # "Nov\n2026": six fit side by side
    axes.set_ylim(0, 1.15)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: percent(value) if value <= 1 else ""))
    axes.set_ylabel(ylabel, fontsize=LABEL_PT)
    axes.grid(axis="y", color=GREY, alpha=0.4)
    _title(figure, title, note)
    return figure


def trend(
    labels: Sequence[str], shares: Sequence[float | None], *, title: str, ylabel: str, percent: Format, note: str = ""
) -> bytes:
    return _png(trend_figure(labels, shares, title=title, ylabel=ylabel, percent=percent, note=note))


def bars_figure(
    labels: Sequence[str],
    shares: Sequence[float],
    *,
    title: str,
    xlabel: str,
    percent: Format,
    counts: Sequence[str] | None = None,
    note: str = "",
) -> Figure:
    """Horizontal bars (0–100 %), the first label on top, each bar labelled with its value (and count)."""
    shown = [textwrap.shorten(label, 44, placeholder="…") for label in labels]
    wrapped = [textwrap.fill(label, 22) for label in shown]
    lines = sum(label.count("\n") + 1 for label in wrapped)
    height = max(3.6, 0.3 * lines + 0.25 * len(labels) + 1.9)
    figure = _figure(height)
    axes = figure.add_subplot()
    _style(axes)
    ys = list(range(len(labels)))[::-1]
    colours = [ORANGE if share < 0.5 else BLUE for share in shares]
    axes.barh(ys, list(shares), color=colours, height=0.6)
    for index, (y, share) in enumerate(zip(ys, shares, strict=True)):
        text = percent(share) + (f" ({counts[index]})" if counts else "")
        if share >= 0.5:  # inside the bar, so a long "100,0% (1234/1234)" cannot run off the picture
            axes.text(min(share, 1.0) - 0.02, y, text, va="center", ha="right", fontsize=LABEL_PT, color="white")
        else:
            axes.text(share + 0.02, y, text, va="center", fontsize=LABEL_PT)
    axes.set_yticks(ys, wrapped)
    axes.set_xlim(0, 1.02)
    axes.set_xticks([0, 0.5, 1.0])
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: percent(value)))
    axes.set_xlabel(xlabel, fontsize=LABEL_PT)
    axes.grid(axis="x", color=GREY, alpha=0.4)
    _title(figure, title, note)
    return figure


def bars(
    labels: Sequence[str],
    shares: Sequence[float],
    *,
    title: str,
    xlabel: str,
    percent: Format,
    counts: Sequence[str] | None = None,
    note: str = "",
) -> bytes:
    return _png(bars_figure(labels, shares, title=title, xlabel=xlabel, percent=percent, counts=counts, note=note))
