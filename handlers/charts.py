"""Charts as PNG bytes (matplotlib, Agg backend) for /grafik, sized to be read on a phone.

No pyplot: each chart is its own ``Figure`` drawn on an Agg canvas, so charts can be drawn in worker threads
while the bot serves other chats. Labels arrive already translated (``handlers/render``); numbers are formatted
the Indonesian way (``40,0%``) by the same formatter the chat texts use.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

WIDTH_IN = 8.0
DPI = 150  # 1,200 px wide: sharp on a phone, a few dozen kB
BLUE, ORANGE, GREY = "#1F5C99", "#E07B00", "#B0B7C3"
Format = Callable[[float], str]


def _figure(height: float) -> Figure:
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _style(axes: object) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)  # type: ignore[attr-defined]
    axes.tick_params(labelsize=11)  # type: ignore[attr-defined]


def trend(
    labels: Sequence[str], shares: Sequence[float], *, title: str, ylabel: str, percent: Format, note: str = ""
) -> bytes:
    """A line of coverage per period (0–100 %), each point labelled with its value."""
    figure = _figure(5.0)
    axes = figure.add_subplot()
    _style(axes)
    xs = list(range(len(labels)))
    axes.plot(xs, list(shares), marker="o", linewidth=2.5, markersize=8, color=BLUE)
    for x, share in zip(xs, shares, strict=True):
        axes.annotate(percent(share), (x, share), textcoords="offset points", xytext=(0, 10), ha="center", fontsize=11)
    axes.set_xticks(xs, list(labels))
    axes.set_ylim(0, 1.12)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: percent(value)))
    axes.set_ylabel(ylabel, fontsize=12)
    axes.set_title(title, fontsize=14, loc="left")
    axes.grid(axis="y", color=GREY, alpha=0.4)
    if note:
        figure.text(0.01, 0.01, note, fontsize=9, color="#555555")
    return _png(figure)


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
    """Horizontal bars (0–100 %), the first label on top, each bar labelled with its value (and count)."""
    height = max(3.5, 0.42 * len(labels) + 1.8)
    figure = _figure(height)
    axes = figure.add_subplot()
    _style(axes)
    ys = list(range(len(labels)))[::-1]
    colours = [ORANGE if share < 0.5 else BLUE for share in shares]
    axes.barh(ys, list(shares), color=colours, height=0.6)
    for index, (y, share) in enumerate(zip(ys, shares, strict=True)):
        text = percent(share) + (f"  ({counts[index]})" if counts else "")
        axes.text(min(share, 1.0) + 0.01, y, text, va="center", fontsize=10)
    axes.set_yticks(ys, [label if len(label) <= 34 else label[:33] + "…" for label in labels])
    axes.set_xlim(0, 1.3)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: percent(value) if value <= 1 else ""))
    axes.set_xlabel(xlabel, fontsize=12)
    axes.set_title(title, fontsize=14, loc="left")
    axes.grid(axis="x", color=GREY, alpha=0.4)
    if note:
        figure.text(0.01, 0.01, note, fontsize=9, color="#555555")
    return _png(figure)
