"""The /history chart: a PNG of the expected size whatever the points and labels, safe to draw from threads."""

import io
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib import image

from bot.reports.charts import DPI, HEIGHT_PX, WIDTH_PX, ChartLabels, ChartPoint, render_history_chart

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LABELS = ChartLabels(
    title="Your recovery",
    day_axis="Day since treatment",
    redness="Redness",
    swelling="Swelling",
    pimples="Pimples",
    pain="Pain",
    alert="Alert sent to the clinic",
    severity_ticks=("none", "mild", "moderate", "severe"),
)
FORTNIGHT = [
    ChartPoint(day, max(0, 3 - day // 3), max(0, 2 - day // 4), day % 3, max(0, 6 - day // 2), None)
    for day in range(14)
]


def decode(png: bytes) -> np.ndarray:
    """Check the PNG signature and header, decode the whole image and return its pixels."""
    assert png.startswith(PNG_SIGNATURE)
    _length, chunk, width, height = struct.unpack(">I4sII", png[8:24])
    assert (chunk, width, height) == (b"IHDR", WIDTH_PX, HEIGHT_PX)
    pixels = image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    return pixels


def with_alert(points: list[ChartPoint], day: int, tier: str) -> list[ChartPoint]:
    """Return the points with an alert of that tier raised on that day's check-in."""
    return [replace(point, alert_tier=tier) if point.day == day else point for point in points]


def test_size_is_readable_on_a_phone() -> None:
    """The chart is about 1000x700 pixels at a dpi that keeps the fonts large."""
    assert (WIDTH_PX, HEIGHT_PX) == (1000, 700)
    assert DPI >= 150


def test_fortnight_renders_a_png_of_the_expected_size() -> None:
    """Fourteen check-ins give a decodable PNG of WIDTH_PX x HEIGHT_PX with something drawn on it."""
    pixels = decode(render_history_chart(FORTNIGHT, LABELS))
    assert len(np.unique(pixels.reshape(-1, pixels.shape[2]), axis=0)) > 10


@pytest.mark.parametrize("tier", ["soon", "same_day", "emergency"])
def test_alert_day_is_marked(tier: str) -> None:
    """A day that raised an alert changes the chart, in both panels, compared with the same day without one."""
    plain = decode(render_history_chart(FORTNIGHT, LABELS))
    alerted = decode(render_history_chart(with_alert(FORTNIGHT, 5, tier), LABELS))
    changed_rows = np.flatnonzero(np.any(plain != alerted, axis=(1, 2)))
    assert np.any(changed_rows < HEIGHT_PX * 0.35)  # the top panel
    assert np.any((changed_rows > HEIGHT_PX * 0.55) & (changed_rows < HEIGHT_PX * 0.7))  # the bottom panel


def test_missing_values_are_gaps_not_zeros() -> None:
    """None values render, and differently from zeros."""
    unanswered = [ChartPoint(day, None, None, None, None, None) for day in range(5)]
    zeros = [ChartPoint(day, 0, 0, 0, 0, None) for day in range(5)]
    partial = [replace(point, redness=None) if point.day == 7 else point for point in FORTNIGHT]
    assert not np.array_equal(
        decode(render_history_chart(unanswered, LABELS)), decode(render_history_chart(zeros, LABELS))
    )
    assert render_history_chart(partial, LABELS) != render_history_chart(FORTNIGHT, LABELS)


@pytest.mark.parametrize(
    "points",
    [
        [],
        [ChartPoint(0, 2, 1, 0, 4, None)],
        [ChartPoint(3, 1, None, 2, 7, "emergency")],
        [ChartPoint(2, 1, 1, 1, 3, None), ChartPoint(2, 2, 2, 2, 5, "soon")],
    ],
    ids=["empty", "treatment day only", "one alert day", "two check-ins on one day"],
)
def test_few_points_render(points: list[ChartPoint]) -> None:
    """An empty history, a single check-in and two on the same day still give a valid PNG."""
    decode(render_history_chart(points, LABELS))


def test_dollar_signs_and_accents_are_plain_text() -> None:
    """Labels with "$" (which would start mathtext) and French accents render without error or warning."""
    french = ChartLabels(
        title="Votre récupération — 50 $ le soin",
        day_axis="Jour après le soin",
        redness="Rougeur $\\frac$",  # invalid mathtext: raises if parsed
        swelling="Gonflement",
        pimples="Boutons",
        pain="Douleur $x$",
        alert="Alerte envoyée à la clinique",
        severity_ticks=("aucune", "légère", "modérée", "sévère"),
    )
    decode(render_history_chart(with_alert(FORTNIGHT, 1, "same_day"), french))


def test_characters_missing_from_the_font_are_left_out() -> None:
    """An emoji the font lacks is dropped without a warning, rather than drawn as a box."""
    bandage = replace(LABELS, redness="Redness\N{ADHESIVE BANDAGE}", title="Your recovery\N{ADHESIVE BANDAGE}")
    assert render_history_chart(FORTNIGHT, bandage) == render_history_chart(FORTNIGHT, LABELS)


def test_rendering_leaves_global_settings_alone() -> None:
    """Drawing a chart changes no rcParams (which every thread and the rest of the process share)."""
    before = dict(matplotlib.rcParams)
    render_history_chart(FORTNIGHT, LABELS)
    assert dict(matplotlib.rcParams) == before


def test_threads_render_at_once() -> None:
    """Eight charts drawn by four threads at once are valid and the same as when drawn one at a time."""
    histories = [with_alert(FORTNIGHT[: 7 + index], index, "soon") for index in range(8)]
    expected = [render_history_chart(points, LABELS) for points in histories]
    with ThreadPoolExecutor(max_workers=4) as pool:
        charts = list(pool.map(lambda points: render_history_chart(points, LABELS), histories))
    for chart in charts:
        decode(chart)
    assert charts == expected


def test_matplotlib_is_imported_lazily_and_pyplot_never() -> None:
    """Importing the module loads no matplotlib, and drawing a chart loads no pyplot."""
    script = (
        "import sys\n"
        "import bot.reports.charts as charts\n"
        "assert 'matplotlib' not in sys.modules\n"
        "labels = charts.ChartLabels('t', 'd', 'r', 's', 'p', 'pain', 'a', ('0', '1', '2', '3'))\n"
        "png = charts.render_history_chart([charts.ChartPoint(0, 1, 1, 1, 1, 'soon')], labels)\n"
        "assert png.startswith(b'\\x89PNG')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "print('clean')\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
