"""Geometry for the small server-side SVG charts (bars and a line); templates draw them.

No script and no CDN: the page is readable without JavaScript, every bar and point carries its
number as text, and a table below repeats the figures for screen readers and copying. Each chart
scales to its box through its viewBox; a phone gets a narrower layout of the same chart, so its
text stays near its drawn size instead of shrinking to half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BAR_CHART_WIDTH = 600
NARROW_WIDTH = 340  # a 375 px phone's card, give or take, so text keeps its size
LABEL_WIDTH = 130
NUMBER_WIDTH = 150  # room right of the longest bar for its number
ROW_HEIGHT = 34
BAR_HEIGHT = 22
LABEL_HEIGHT = 20  # narrow layout: the label's line above its bar
DATE_WIDTH = 40  # room a week's date ("30 Nov") or score needs at 12 units


@dataclass(frozen=True)
class Bar:
    label: str
    key: str  # the category, for the colour class
    value: float
    text: str  # the number written beside the bar
    y: int  # the bar's top
    width: float
    label_y: float  # the label's baseline


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int = LABEL_WIDTH  # 0: each label stands above its bar
    bar_height: int = BAR_HEIGHT

    @property
    def label_x(self) -> int:
        return self.label_width - 8 if self.label_width else 0

    @property
    def label_anchor(self) -> str:
        return "end" if self.label_width else "start"


def bar_chart(items: Sequence[tuple[str, str, float, str]], *, narrow: bool = False) -> BarChart:
    """Lay out one horizontal bar per (label, key, value, text), scaled to the largest value:
    labels left of the bars, or above them when *narrow*."""
    width = NARROW_WIDTH if narrow else BAR_CHART_WIDTH
    label_width = 0 if narrow else LABEL_WIDTH
    row = LABEL_HEIGHT + ROW_HEIGHT - 4 if narrow else ROW_HEIGHT
    room = width - label_width - NUMBER_WIDTH
    top = max((value for _l, _k, value, _t in items), default=0.0)
    bars = []
    for i, (label, key, value, text) in enumerate(items):
        y = i * row + (LABEL_HEIGHT if narrow else (ROW_HEIGHT - BAR_HEIGHT) // 2)
        bars.append(
            Bar(
                label=label,
                key=key,
                value=value,
                text=text,
                y=y,
                width=round(room * value / top, 1) if top > 0 else 0.0,
                label_y=y - 5 if narrow else y + BAR_HEIGHT * 0.72,
            )
        )
    return BarChart(
        bars=tuple(bars), width=width, height=max(1, len(items)) * row, label_width=label_width
    )


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    x: float
    y: float
    value_y: float  # its score's baseline: when points crowd, every other one a line higher
    label_y: float  # its date's baseline


@dataclass(frozen=True)
class LineChart:
    points: tuple[Point, ...]
    width: int
    height: int
    baseline: int
    slanted: bool = False  # the dates are written at 45 degrees, as side by side they would touch

    @property
    def path(self) -> str:
        """The SVG ``points`` attribute of the polyline."""
        return " ".join(f"{p.x:g},{p.y:g}" for p in self.points)


def line_chart(
    items: Sequence[tuple[str, float]], *, width: int = 600, height: int = 200
) -> LineChart:
    """Lay out a line through (label, value) pairs, left to right, scaled to the largest; when
    the points stand closer than a date is wide, the dates slant and the scores take turns."""
    left, right, top_pad, bottom_pad = 30, 30, 24, 36
    gaps = max(1, len(items) - 1)
    crowded = (width - left - right) / gaps < DATE_WIDTH
    if crowded:
        height, top_pad, bottom_pad = height + 40, top_pad + 14, bottom_pad + 26
        left += 12  # the first date slants away left of its point
    step = (width - left - right) / gaps
    baseline = height - bottom_pad
    top = max((value for _l, value in items), default=0.0)
    points = []
    for i, (label, value) in enumerate(items):
        y = round(baseline - ((baseline - top_pad) * value / top if top > 0 else 0), 1)
        raised = crowded and i % 2 == 1
        points.append(
            Point(
                label=label,
                value=value,
                x=round(left + i * step, 1),
                y=y,
                value_y=y - (22 if raised else 8),
                label_y=baseline + (14 if crowded else 18),
            )
        )
    return LineChart(
        points=tuple(points), width=width, height=height, baseline=baseline, slanted=crowded
    )
