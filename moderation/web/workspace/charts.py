"""Server-drawn bar charts: the geometry of an SVG the stats template draws.

No script and no inline style (the CSP forbids both): shapes carry a class the stylesheet
colours, and each bar a ``<title>`` with its figure. The same numbers are always given in
a table next to the chart, for screen readers and for copying.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 720
HEIGHT = 240
LEFT = 48
BOTTOM = 28
TOP = 10


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    plot_left: int
    plot_bottom: int


@dataclass(frozen=True, slots=True)
class Series:
    css: str
    label: str
    values: Sequence[int]


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def stacked_columns(labels: Sequence[str], series: Sequence[Series], *, every: int = 1) -> Chart:
    """One column per label, its series stacked bottom to top."""
    count = max(len(labels), 1)
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = nice_ceiling(max(totals, default=0))
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / count
    gap = min(4.0, slot * 0.2)
    bars: list[Bar] = []
    for i, label in enumerate(labels):
        base = float(HEIGHT - BOTTOM)
        for s in series:
            value = s.values[i]
            if not value:
                continue
            height = plot_height * value / top
            base -= height
            bars.append(
                Bar(
                    round(LEFT + i * slot + gap / 2, 2),
                    round(base, 2),
                    round(slot - gap, 2),
                    round(height, 2),
                    s.css,
                    f"{label} · {s.label}: {value}",
                )
            )
    y_ticks = tuple(
        Tick(round(HEIGHT - BOTTOM - plot_height * part, 2), str(int(top * part)))
        for part in (0, 0.5, 1)
        if part == 0 or top * part == int(top * part)
    )
    x_ticks = tuple(
        Tick(round(LEFT + (i + 0.5) * slot, 2), label)
        for i, label in enumerate(labels)
        if i % every == 0
    )
    return Chart(WIDTH, HEIGHT, tuple(bars), y_ticks, x_ticks, LEFT, HEIGHT - BOTTOM)


def horizontal_bars(rows: Sequence[tuple[str, int]], css: str) -> Chart:
    """One bar per row, longest first as given; the label is written by the template."""
    row_height = 26
    height = max(len(rows), 1) * row_height + TOP
    top = nice_ceiling(max((v for _, v in rows), default=0))
    left = 260
    bars = tuple(
        Bar(
            left,
            TOP + i * row_height,
            round((WIDTH - left - 10) * value / top, 2),
            row_height - 8,
            css,
            f"{label}: {value}",
        )
        for i, (label, value) in enumerate(rows)
    )
    labels = tuple(
        Tick(TOP + i * row_height + row_height / 2, label) for i, (label, _) in enumerate(rows)
    )
    return Chart(WIDTH, height, bars, (), labels, left, height)
