"""Geometry for the small server-side SVG charts (bars and a line); templates draw them.

No script and no CDN: the page is readable without JavaScript, every bar and point carries its
number as text, and a table below repeats the figures for screen readers and copying.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BAR_CHART_WIDTH = 600
LABEL_WIDTH = 130
NUMBER_WIDTH = 150  # room right of the longest bar for its number
ROW_HEIGHT = 34
BAR_HEIGHT = 22


@dataclass(frozen=True)
class Bar:
    label: str
    key: str  # the category, for the colour class
    value: float
    text: str  # the number written beside the bar
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(items: Sequence[tuple[str, str, float, str]]) -> BarChart:
    """Lay out one horizontal bar per (label, key, value, text), scaled to the largest value."""
    room = BAR_CHART_WIDTH - LABEL_WIDTH - NUMBER_WIDTH
    top = max((value for _l, _k, value, _t in items), default=0.0)
    bars = tuple(
        Bar(
            label=label,
            key=key,
            value=value,
            text=text,
            y=i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2,
            width=round(room * value / top, 1) if top > 0 else 0.0,
        )
        for i, (label, key, value, text) in enumerate(items)
    )
    return BarChart(bars=bars, width=BAR_CHART_WIDTH, height=max(1, len(items)) * ROW_HEIGHT)


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    x: float
    y: float


@dataclass(frozen=True)
class LineChart:
    points: tuple[Point, ...]
    width: int
    height: int
    baseline: int

    @property
    def path(self) -> str:
        """The SVG ``points`` attribute of the polyline."""
        return " ".join(f"{p.x:g},{p.y:g}" for p in self.points)


def line_chart(
    items: Sequence[tuple[str, float]], *, width: int = 600, height: int = 200
) -> LineChart:
    """Lay out a line through (label, value) pairs, left to right, scaled to the largest."""
    left, right, top_pad, bottom_pad = 30, 30, 24, 36
    baseline = height - bottom_pad
    top = max((value for _l, value in items), default=0.0)
    step = (width - left - right) / max(1, len(items) - 1)
    points = tuple(
        Point(
            label=label,
            value=value,
            x=round(left + i * step, 1),
            y=round(baseline - ((baseline - top_pad) * value / top if top > 0 else 0), 1),
        )
        for i, (label, value) in enumerate(items)
    )
    return LineChart(points=points, width=width, height=height, baseline=baseline)
