"""The /history chart: a patient's recovery scores by day since treatment, with alert days marked, as a PNG.

Thread-safe by construction: one Figure per call on its own Agg canvas, no pyplot, no rcParams changes, no
warnings filters (which are process-wide). Matplotlib is imported inside the function, so the bot's start-up
and memory stay small until somebody asks for a chart. The day axis always starts at day 0; scores outside
their scale are not checked here and are cut off at the panel's edge.
"""

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH_PX, HEIGHT_PX, DPI = 1000, 700, 200
# Okabe-Ito colours (colour-blind safe); markers and line styles keep the series apart in grey too.
_REDNESS, _SWELLING, _PIMPLES, _PAIN = (
    ("#D55E00", "o", "-"),
    ("#0072B2", "s", "--"),
    ("#CC79A7", "^", ":"),
    ("#000000", "D", "-"),
)
_ALERT_COLOUR = "#E69F00"
_PIMPLES_SCALE = 1.5  # pimples 0/1/2 drawn at 0/1.5/3 on the severity scale; the right-hand axis reads 0/1/2
# Redness and pimples are nudged left and right of the day (about 9 px, at most 0.2 day) so that equal
# scores, often all "none", stay visible instead of hiding each other.
_DODGE = (-1, 0, 1, 0)
_FONT, _SMALL = 11.0, 9.5


@dataclass(frozen=True)
class ChartPoint:
    """One check-in: its day of recovery (0 = treatment day), its scores (None = not answered), any alert."""

    day: int
    redness: int | None  # 0 none .. 3 severe
    swelling: int | None  # 0 none .. 3 severe
    pimples: int | None  # 0 none, 1 a few, 2 many
    pain: int | None  # 0..10
    alert_tier: str | None  # None, or the tier ("soon", "same_day", "emergency") of the alert it raised


@dataclass(frozen=True)
class ChartLabels:
    """Every word on the chart, in the patient's language."""

    title: str
    day_axis: str
    redness: str
    swelling: str
    pimples: str
    pain: str
    alert: str
    severity_ticks: tuple[str, str, str, str]  # for 0..3, e.g. ("none", "mild", "moderate", "severe")


def render_history_chart(points: Sequence[ChartPoint], labels: ChartLabels) -> bytes:
    """Draw the points (in the order given) as a two-panel PNG of WIDTH_PX x HEIGHT_PX pixels."""
    import numpy as np
    from matplotlib.artist import Artist
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties, findfont, get_font
    from matplotlib.text import Text
    from matplotlib.ticker import MaxNLocator

    # Characters the font lacks (most emoji) would be drawn as boxes with a "Glyph missing" warning, and
    # silencing that warning is not thread-safe, so they are left out of the text instead.
    fonts = [get_font(findfont(FontProperties(weight=weight))) for weight in ("normal", "bold")]

    def drawable(text: str) -> str:
        """Return the text without the characters that one of the chart's fonts cannot draw."""
        return "".join(c for c in text if c == "\n" or all(font.get_char_index(ord(c)) for font in fonts))

    days = [point.day for point in points]
    first_day, last_day = min([*days, 0]) - 0.5, max([*days, 1]) + 0.5
    dodge = min(0.2, (last_day - first_day) / 90)
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 1, height_ratios=(3, 2))
    top = fig.add_subplot(grid[0])
    bottom = fig.add_subplot(grid[1], sharex=top)
    series = [
        (top, [p.redness for p in points], 1.0, labels.redness, _REDNESS),
        (top, [p.swelling for p in points], 1.0, labels.swelling, _SWELLING),
        (top, [p.pimples for p in points], _PIMPLES_SCALE, labels.pimples, _PIMPLES),
        (bottom, [p.pain for p in points], 1.0, labels.pain, _PAIN),
    ]
    handles: list[Artist] = []
    for index, (axes, values, scale, label, (colour, marker, linestyle)) in enumerate(series):
        xs = [day + dodge * _DODGE[index] for day in days]
        ys = [math.nan if value is None else value * scale for value in values]  # NaN: a gap, not a zero
        line = axes.plot(xs, ys, color=colour, marker=marker, linestyle=linestyle, label=drawable(label))[0]
        line.set(linewidth=2.2, markersize=6, in_layout=False)
        handles.append(line)
    for day in sorted({point.day for point in points if point.alert_tier is not None}):
        for axes in (top, bottom):
            band = axes.axvspan(day - 0.4, day + 0.4, zorder=0, color=_ALERT_COLOUR, alpha=0.3, hatch="//", lw=0)
        if len(handles) == len(series):
            handles.append(band)
            band.set_label(drawable(labels.alert))

    top.set_ylim(-0.25, 3.25)
    top.set_yticks(range(4), labels=[drawable(tick) for tick in labels.severity_ticks])
    pimples_axis = top.secondary_yaxis(
        "right", functions=(lambda y: np.asarray(y) / _PIMPLES_SCALE, lambda p: np.asarray(p) * _PIMPLES_SCALE)
    )
    pimples_axis.set_yticks(range(3))
    pimples_axis.tick_params(colors=_PIMPLES[0], labelsize=_SMALL)
    bottom.set_ylim(-0.6, 10.6)
    bottom.set_yticks(range(0, 11, 5))
    bottom.set_ylabel(drawable(labels.pain), fontsize=_FONT)
    bottom.set_xlabel(drawable(labels.day_axis), fontsize=_FONT)
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.set_xlim(first_day, last_day)
    top.tick_params(labelbottom=False)
    for axes in (top, bottom):
        axes.tick_params(labelsize=_SMALL)
        axes.grid(color="#BBBBBB", linewidth=0.6)
        axes.set_axisbelow(True)
    fig.suptitle(drawable(labels.title), fontsize=_FONT + 2, fontweight="bold")
    for columns in (3, 2, 1):  # as many columns as fit the width: long labels (French, say) get fewer
        legend = fig.legend(handles=handles, loc="outside lower center", ncols=columns, fontsize=_SMALL, frameon=False)
        for text in legend.get_texts():
            text.set_parse_math(False)  # before it is measured
        if legend.get_window_extent().width <= fig.bbox.width * 0.95 or columns == 1:
            break
        legend.remove()
    for text in fig.findobj(Text):
        text.set_parse_math(False)  # the labels are plain text: a "$" must not start mathtext

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
