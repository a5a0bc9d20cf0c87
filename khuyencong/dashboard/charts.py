"""Bar and line charts drawn on the server: plain coordinates that a template writes as <svg>.

No JavaScript and no inline style (the Content-Security-Policy forbids both): colours come
from CSS classes in portal.css. Every chart is also shown as a table beside it, for screen
readers and for the exact figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    values: Sequence[int]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    legend: list[Series] = field(default_factory=list)
    points: str = ""  # a polyline, for line charts
    dots: list[Label] = field(default_factory=list)  # dots of a line chart, text = their title

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def empty(self) -> bool:
        return not self.bars and not self.points


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value`` (1 when nothing)."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _r(v: float) -> float:
    return round(v, 1)


def grouped_bars(
    groups: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[int], str],
    *,
    width: int = 560,
    height: int = 240,
    left: int = 72,
    min_top: float = 1,
    value_format: Callable[[int], str] | None = None,
) -> Chart:
    """Vertical bars, one group per label (a year), one bar per series in each group.

    ``min_top`` keeps a scale of counts from ticking at fractions (0, 0,25 … of one đề án).
    """
    top, bottom, right = 12, height - 28, width - 8
    top_value = max(min_top, nice_ceiling(max((v for s in series for v in s.values), default=0)))
    scale = (bottom - top) / top_value
    chart = Chart(width, height, left, right, top, bottom, legend=list(series))
    for i in range(5):
        value = top_value * i / 4
        chart.ticks.append(Tick(_r(bottom - value * scale), fmt(int(value))))
    if not groups:
        return chart
    slot = (right - left) / len(groups)
    bar_width = min(28.0, slot * 0.7 / len(series))
    for g, group in enumerate(groups):
        start = left + g * slot + (slot - bar_width * len(series)) / 2
        for s, serie in enumerate(series):
            value = serie.values[g]
            h = value * scale
            chart.bars.append(
                Bar(_r(start + s * bar_width), _r(bottom - h), _r(bar_width - 2), _r(h), serie.css,
                    f"{group} — {serie.name}: {(value_format or fmt)(value)}")
            )
        chart.labels.append(Label(_r(left + (g + 0.5) * slot), bottom + 18, group))
    return chart


def line(
    labels: Sequence[str],
    values: Sequence[float | None],
    titles: Sequence[str],
    *,
    ceiling: float = 100,
    tick_format: Callable[[float], str] = lambda v: f"{v:g}%",
    width: int = 560,
    height: int = 200,
    left: int = 48,
) -> Chart:
    """A line through ``values`` (None leaves a year out), on a scale from 0 to ``ceiling``."""
    top, bottom, right = 12, height - 28, width - 16
    top_value = max(ceiling, nice_ceiling(max((v for v in values if v is not None), default=0)))
    scale = (bottom - top) / top_value
    ticks = [Tick(_r(bottom - top_value * i / 4 * scale), tick_format(top_value * i / 4)) for i in range(5)]
    slot = (right - left) / max(len(labels), 1)
    points, dots, texts = [], [], []
    for i, (label, value, title) in enumerate(zip(labels, values, titles, strict=True)):
        x = left + (i + 0.5) * slot
        texts.append(Label(_r(x), bottom + 18, label))
        if value is not None:
            y = bottom - value * scale
            points.append(f"{_r(x)},{_r(y)}")
            dots.append(Label(_r(x), _r(y), title))
    return Chart(width, height, left, right, top, bottom, labels=texts, ticks=ticks, points=" ".join(points),
                 dots=dots)


def horizontal_bars(
    items: Sequence[tuple[str, int]],
    fmt: Callable[[int], str],
    *,
    width: int = 600,
    row: int = 26,
    left: int = 210,
    css: str = "bar-a",
) -> Chart:
    """One bar per (label, value), longest scale at the largest value; value printed after it."""
    height = max(row * len(items) + 8, 40)
    right = width - 96
    top_value = max((v for _, v in items), default=0) or 1
    chart = Chart(width, height, left, right, 4, height - 4)
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = (right - left) * value / top_value
        chart.bars.append(Bar(left, y + 4, _r(w), row - 8, css, f"{label}: {fmt(value)}"))
        chart.labels.append(Label(left - 6, y + row / 2 + 5, label if len(label) <= 36 else label[:35] + "…", "end"))
        chart.labels.append(Label(_r(left + w + 6), y + row / 2 + 5, fmt(value), "start"))
    return chart
