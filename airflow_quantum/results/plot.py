"""A line chart as a small SVG document, in plain Python: no plotting library needed.

``line_chart`` draws one polyline per series (a sweep's targets, say: probability against
angle) on shared axes, with the axes' ranges as tick labels and a legend. The document is text:
write it anywhere an ``ObjectStoragePath`` goes, beside the table it was drawn from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 720, 440
#: Room left of, right of, above and below the plotting area (labels, legend).
LEFT, RIGHT, TOP, BOTTOM = 70, 170, 40, 60
#: Colours of the series, in turn (colour-blind safe, after Okabe and Ito).
COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442")


def _range(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    return (low - 0.5, high + 0.5) if low == high else (low, high)


def line_chart(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    x_label: str,
    y_label: str,
    title: str = "",
) -> str:
    """An SVG document with a line (a ``polyline`` of its points, in x order) per series.

    ``series`` maps a name (the legend's) to its ``(x, y)`` points; every number must be finite
    (``ValueError`` otherwise, and for no points at all).
    """
    points = [point for values in series.values() for point in values]
    if not points:
        raise ValueError("a chart needs at least one point")
    if not all(math.isfinite(v) for point in points for v in point):
        raise ValueError("a chart's points must be finite numbers")
    (x_low, x_high), (y_low, y_high) = (
        _range([x for x, _ in points]),
        _range([y for _, y in points]),
    )
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def place(x: float, y: float) -> str:
        left = LEFT + (x - x_low) / (x_high - x_low) * width
        top = TOP + (y_high - y) / (y_high - y_low) * height
        return f"{left:.2f},{top:.2f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="13">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="{TOP - 15}" font-size="15">{escape(title)}</text>',
        f'<rect x="{LEFT}" y="{TOP}" width="{width}" height="{height}" fill="none" stroke="#444"/>',
        _text(LEFT, TOP + height + 18, f"{x_low:g}", "start"),
        _text(LEFT + width, TOP + height + 18, f"{x_high:g}", "end"),
        _text(LEFT + width / 2, TOP + height + 42, x_label, "middle"),
        _text(LEFT - 8, TOP + height, f"{y_low:g}", "end"),
        _text(LEFT - 8, TOP + 10, f"{y_high:g}", "end"),
        f'<text x="20" y="{TOP + height / 2}" text-anchor="middle" '
        f'transform="rotate(-90 20 {TOP + height / 2})">{escape(y_label)}</text>',
    ]
    for index, (name, values) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        line = " ".join(place(x, y) for x, y in sorted(values))
        parts.append(
            f'<polyline data-series={quoteattr(name)} points={quoteattr(line)} fill="none" '
            f'stroke="{colour}" stroke-width="1.5"/>'
        )
        legend_y = TOP + 10 + 20 * index
        parts.append(
            f'<line x1="{LEFT + width + 15}" y1="{legend_y - 4}" x2="{LEFT + width + 35}" '
            f'y2="{legend_y - 4}" stroke="{colour}" stroke-width="3"/>'
        )
        parts.append(_text(LEFT + width + 40, legend_y, name, "start"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _text(x: float, y: float, text: str, anchor: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
