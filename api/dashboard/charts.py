"""Charts drawn on the server as inline SVG: a line chart with interval bands, and a bar chart.

The page needs no JavaScript and no chart library from a CDN (the dashboard must work on a
machine without internet). Every chart carries a text alternative, and every bar the data
attributes of the figure it draws, so a test can read a chart as well as a table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

WIDTH, HEIGHT = 420, 230
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 58  # the bottom margin holds x labels and the legend
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Line:
    label: str
    values: Sequence[float | None]  # one per x position; None leaves a gap
    css: str  # the class the page's stylesheet colours
    step: bool = False  # stock levels hold until the next day: draw them as steps


@dataclass(frozen=True)
class Band:
    label: str
    lower: Sequence[float | None]
    upper: Sequence[float | None]
    css: str


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no bar, the label says the figure is undefined
    attrs: Mapping[str, str] = field(default_factory=dict)  # data-* attributes of the figure


@dataclass(frozen=True)
class Scale:
    """Maps values onto the plot's height, low at the bottom."""

    low: float
    high: float

    def y(self, value: float) -> float:
        return TOP + PLOT_HEIGHT * (self.high - value) / (self.high - self.low)


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def line_chart(
    x_labels: Sequence[str], lines: Sequence[Line], bands: Sequence[Band] = (), title: str = ""
) -> Markup:
    values = [v for line in lines for v in line.values if v is not None]
    values += [v for band in bands for v in (*band.lower, *band.upper) if v is not None]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]))
    scale = Scale(ticks[0], ticks[-1])
    step = PLOT_WIDTH / max(len(x_labels) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    parts = [*_grid(ticks, scale), *_x_labels(x_labels, x)]
    for band in bands:
        pairs = zip(band.lower, band.upper, strict=True)
        defined = [lo is not None and hi is not None for lo, hi in pairs]
        for run in _runs(defined):
            upper = [f"{x(i):.1f},{scale.y(band.upper[i] or 0):.1f}" for i in run]
            lower = [f"{x(i):.1f},{scale.y(band.lower[i] or 0):.1f}" for i in reversed(run)]
            parts.append(f'<polygon class="{band.css}" points="{" ".join(upper + lower)}"/>')
    for line in lines:
        for run in _runs([v is not None for v in line.values]):
            points = _points(run, line, x, scale, step)
            parts.append(f'<polyline class="{line.css}" fill="none" points="{points}"/>')
    legend = [(line.label, line.css) for line in lines] + [(b.label, b.css) for b in bands]
    return _svg(title, [*parts, *_legend(legend)])


def bar_chart(bars: Sequence[Bar], title: str = "") -> Markup:
    values = [bar.value for bar in bars if bar.value is not None]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]))
    scale = Scale(ticks[0], ticks[-1])
    slot = PLOT_WIDTH / max(len(bars), 1)
    fits = max(int(slot // 6), 3)  # characters of an axis label that fit under its bar
    parts = _grid(ticks, scale)
    for i, bar in enumerate(bars):
        middle = LEFT + slot * (i + 0.5)
        parts.append(
            f'<text class="axis" x="{middle:.1f}" y="{TOP + PLOT_HEIGHT + 14}" '
            f'text-anchor="middle">{escape(bar.label[:fits])}</text>'
        )
        shown = "–" if bar.value is None else _number(bar.value)
        if bar.value is not None:
            top, bottom = scale.y(max(bar.value, 0)), scale.y(min(bar.value, 0))
            attrs = "".join(f' {k}="{escape(v)}"' for k, v in bar.attrs.items())
            parts.append(
                f'<rect class="bar"{attrs} x="{middle - slot * 0.3:.1f}" y="{top:.1f}" '
                f'width="{slot * 0.6:.1f}" height="{max(bottom - top, 0.5):.1f}">'
                f"<title>{escape(bar.label)}: {shown}</title></rect>"
            )
        label_y = scale.y(max(bar.value or 0, 0)) - 4
        parts.append(
            f'<text class="value" x="{middle:.1f}" y="{label_y:.1f}" '
            f'text-anchor="middle">{escape(shown)}</text>'
        )
    return _svg(title, parts)


def _runs(defined: Sequence[bool]) -> Iterator[list[int]]:
    """Consecutive positions with a value: each is drawn as one piece."""
    run: list[int] = []
    for i, present in enumerate(defined):
        if present:
            run.append(i)
        elif run:
            yield run
            run = []
    if run:
        yield run


def _points(
    run: list[int], line: Line, x: Callable[[int], float], scale: Scale, step: float
) -> str:
    points = []
    for i in run:
        y = scale.y(line.values[i] or 0)
        points.append(f"{x(i):.1f},{y:.1f}")
        if line.step and i != run[-1]:
            points.append(f"{x(i) + step:.1f},{y:.1f}")
    return " ".join(points)


def _grid(ticks: Sequence[float], scale: Scale) -> list[str]:
    parts = []
    for tick in ticks:
        y = scale.y(tick)
        css = "zero" if tick == 0 else "grid"
        parts.append(
            f'<line class="{css}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_number(tick)}</text>"
        )
    return parts


def _x_labels(labels: Sequence[str], x: Callable[[int], float]) -> list[str]:
    shown = sorted({0, len(labels) // 2, len(labels) - 1}) if labels else []
    return [
        f'<text class="axis" x="{x(i):.1f}" y="{TOP + PLOT_HEIGHT + 14}" '
        f'text-anchor="middle">{escape(labels[i])}</text>'
        for i in shown
    ]


def _legend(entries: Sequence[tuple[str, str]]) -> list[str]:
    """Keys under the plot, in rows that fit the width."""
    parts, left, y = [], float(LEFT), HEIGHT - 24
    for label, css in entries:
        width = 22 + 6 * len(label)
        if left + width > WIDTH and left > LEFT:
            left, y = float(LEFT), y + 14
        parts.append(f'<rect class="{css} key" x="{left:.0f}" y="{y - 9}" width="12" height="10"/>')
        parts.append(f'<text class="axis" x="{left + 16:.0f}" y="{y}">{escape(label)}</text>')
        left += width
    return parts


def _svg(title: str, parts: Sequence[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def _number(value: float) -> str:
    """A tick or bar label: whole numbers without decimals, large ones rounded to units,
    others to four significant figures."""
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.4g}"
