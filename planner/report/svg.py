"""Inline SVG drawn in Python: stacked-area and stacked-bar charts over periods, parcel maps.

Every function returns SVG markup as a string with all text escaped, sized by its viewBox
(the page's CSS sets the width), no external references: a report embeds it as it is.
Chart coordinates: x_i = left + (i + 1/2) * plot_width / n for period i of n, and
y(v) = top + (hi - v) / (hi - lo) * plot_height for the axis range [lo, hi].
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
from shapely.geometry.base import BaseGeometry

FONT_PX = 11
MARGIN = {"left": 58, "right": 12, "top": 22, "bottom": 34}
MAX_X_LABELS = 10


@dataclass(frozen=True)
class Series:
    """One named sequence of values over the chart's periods, with its colour."""

    label: str
    values: Sequence[float] | np.ndarray
    colour: str
    dashed: bool = False


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2 or 5 x 10^k, about ``count`` of them."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step + 1e-9) * step
    ticks = [start]
    while ticks[-1] < hi - 1e-9 * step:
        ticks.append(ticks[-1] + step)
    return [0.0 if abs(t) < 1e-12 * step else t for t in ticks]


def tick_label(value: float, step: float) -> str:
    """A tick value with as many decimals as its step needs, thousands separated."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    return f"{value:,.{decimals}f}"


def _text(x: float, y: float, text: str, anchor: str = "middle", cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}>{escape(text)}</text>'


class _Axes:
    """Pixel mapping of a chart: n periods across, [lo, hi] up."""

    def __init__(self, width: int, height: int, n: int, lo: float, hi: float) -> None:
        self.width, self.height, self.n = width, height, n
        self.left, self.top = MARGIN["left"], MARGIN["top"]
        self.plot_w = width - MARGIN["left"] - MARGIN["right"]
        self.plot_h = height - MARGIN["top"] - MARGIN["bottom"]
        self.lo, self.hi = lo, hi

    def x(self, i: float) -> float:
        return self.left + (i + 0.5) * self.plot_w / self.n

    def y(self, v: float) -> float:
        return self.top + (self.hi - v) / (self.hi - self.lo) * self.plot_h

    def slot(self) -> float:
        return self.plot_w / self.n


def _axes_markup(ax: _Axes, ticks: Sequence[float], x_labels: Sequence[str], y_unit: str, title: str) -> list[str]:
    """Grid lines, y tick labels, x labels (at most MAX_X_LABELS, evenly strided), unit and title."""
    out = [_text(ax.left, 14, title, "start", "title")] if title else []
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    for t in ticks:
        y = ax.y(t)
        cls = "zero" if t == 0 else "grid"
        out.append(f'<line class="{cls}" x1="{ax.left}" x2="{ax.left + ax.plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(_text(ax.left - 4, y + 4, tick_label(t, step), "end", "tick"))
    stride = max(1, math.ceil(len(x_labels) / MAX_X_LABELS))
    base = ax.top + ax.plot_h
    for i, label in enumerate(x_labels):
        if i % stride == 0:
            out.append(_text(ax.x(i), base + 14, label, "middle", "tick"))
    out.append(_text(ax.left - 4, ax.top - 8, y_unit, "end", "unit"))
    return out


def _svg(width: int, height: int, body: Iterable[str], label: str) -> str:
    inner = "".join(body)
    return f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">{inner}</svg>'


def stacked_area_chart(
    x_labels: Sequence[str],
    layers: Sequence[Series],
    lines: Sequence[Series] = (),
    y_unit: str = "",
    title: str = "",
    width: int = 560,
    height: int = 240,
) -> str:
    """Layers stacked from 0 upward (negative values taken as 0) and lines drawn over them."""
    n = max(1, len(x_labels))
    stack = np.zeros((len(layers) + 1, n))
    for k, s in enumerate(layers):
        stack[k + 1] = stack[k] + np.clip(np.nan_to_num(np.asarray(s.values, dtype=float)), 0, None)
    tops = [
        float(stack[-1].max()),
        *(float(np.nanmax(np.asarray(s.values, dtype=float))) for s in lines if len(s.values)),
    ]
    ticks = nice_ticks(0.0, max(1e-9, *tops))
    ax = _Axes(width, height, n, 0.0, ticks[-1])
    body = _axes_markup(ax, ticks, x_labels, y_unit, title)
    xs = [ax.x(i) for i in range(n)]
    if n == 1:  # one period: a flat band across its slot
        xs = [ax.left, ax.left + ax.plot_w]
        stack = np.repeat(stack, 2, axis=1)
    for k, s in enumerate(layers):
        upper = " ".join(f"{x:.1f},{ax.y(v):.1f}" for x, v in zip(xs, stack[k + 1]))
        lower = " ".join(f"{x:.1f},{ax.y(v):.1f}" for x, v in zip(xs[::-1], stack[k][::-1]))
        body.append(
            f'<polygon class="layer" fill="{s.colour}" points="{upper} {lower}">'
            f"<title>{escape(s.label)}</title></polygon>"
        )
    for s in lines:
        vals = np.asarray(s.values, dtype=float)
        pts = " ".join(f"{ax.x(i):.1f},{ax.y(v):.1f}" for i, v in enumerate(vals) if math.isfinite(v))
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        body.append(
            f'<polyline class="line" stroke="{s.colour}"{dash} points="{pts}">'
            f"<title>{escape(s.label)}</title></polyline>"
        )
    return _svg(width, height, body, title or "stacked area chart")


def stacked_bar_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    net: Series | None = None,
    y_unit: str = "",
    title: str = "",
    width: int = 900,
    height: int = 300,
) -> str:
    """One bar per period: positive values stacked up from 0, negative values down from 0;
    ``net`` drawn as a line with markers."""
    n = max(1, len(x_labels))
    vals = np.array([np.nan_to_num(np.asarray(s.values, dtype=float)) for s in series]).reshape(len(series), n)
    pos, neg = np.clip(vals, 0, None), np.clip(vals, None, 0)
    hi, lo = float(pos.sum(axis=0).max(initial=0.0)), float(neg.sum(axis=0).min(initial=0.0))
    ticks = nice_ticks(lo, max(hi, lo + 1e-9))
    ax = _Axes(width, height, n, ticks[0], ticks[-1])
    body = _axes_markup(ax, ticks, x_labels, y_unit, title)
    bar = ax.slot() * 0.72
    up, down = np.zeros(n), np.zeros(n)
    for k, s in enumerate(series):
        for i in range(n):
            v = vals[k, i]
            if v == 0:
                continue
            base = up if v > 0 else down
            y0, y1 = ax.y(base[i]), ax.y(base[i] + v)
            base[i] += v
            body.append(
                f'<rect fill="{s.colour}" x="{ax.x(i) - bar / 2:.1f}" y="{min(y0, y1):.1f}" '
                f'width="{bar:.1f}" height="{abs(y1 - y0):.2f}"><title>{escape(s.label)} '
                f"{escape(x_labels[i])}: {v:,.1f} {escape(y_unit)}</title></rect>"
            )
    if net is not None:
        pts = [(ax.x(i), ax.y(float(v))) for i, v in enumerate(net.values)]
        body.append(
            f'<polyline class="line" stroke="{net.colour}" points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            + '"/>'
        )
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{net.colour}"/>' for x, y in pts]
    return _svg(width, height, body, title or "stacked bar chart")


def legend(series: Sequence[Series]) -> str:
    """An HTML legend (swatch and label per series; dashed lines shown dashed)."""
    return legend_html([(s.label, s.colour, "dashed" if s.dashed else "") for s in series])


def legend_html(entries: Iterable[tuple[str, str, str]]) -> str:
    """An HTML legend of (label, colour, style) entries; style "", "dashed" or "hatched"."""
    items = "".join(
        f'<li><span class="swatch {escape(style)}" style="--c:{escape(colour)}"></span>{escape(label)}</li>'
        for label, colour, style in entries
    )
    return f'<ul class="legend">{items}</ul>'


@dataclass(frozen=True)
class MapLayer:
    """Polygons of one kind on a parcel map: filled with ``colour`` (hatched in it when
    ``hatched``), outlined in ``stroke``."""

    label: str
    geoms: Sequence[BaseGeometry]
    colour: str
    stroke: str
    hatched: bool = False


def _polygons(geom: BaseGeometry) -> list[BaseGeometry]:
    """The polygons of a Polygon, MultiPolygon or collection (lines and points dropped)."""
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def _path_data(geom: BaseGeometry, x0: float, y1: float, k: float, pad: float) -> str:
    """SVG path data of ``geom`` (rings closed, holes kept by the even-odd rule): map x to
    pad + (x - x0) k and y to pad + (y1 - y) k (north up)."""
    parts = []
    for poly in _polygons(geom):
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            px, py = pad + (xy[:, 0] - x0) * k, pad + (y1 - xy[:, 1]) * k
            parts.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py)) + "Z")
    return "".join(parts)


def _scale_bar(k: float, width_px: float, height_px: float, pad: float) -> str:
    """A scale bar of a round length (1, 2 or 5 x 10^n m) near a fifth of the map width."""
    target = width_px / 5 / k
    mag = 10 ** math.floor(math.log10(target))
    metres = max(m * mag for m in (1, 2, 5) if m * mag <= target) if target >= 1 else target
    px = metres * k
    y = height_px - pad / 2
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return (
        f'<line class="scale" x1="{pad}" x2="{pad + px:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
        + _text(pad + px + 6, y + 4, label, "start", "tick")
        + _text(width_px - pad / 2, pad + 4, "N ↑", "end", "tick")
    )


def parcel_map(view: BaseGeometry, layers: Sequence[MapLayer], uid: str, label: str, width: int = 640) -> str:
    """A map of ``layers`` (drawn in order) framed on ``view``'s bounds plus a 5 % margin, in
    the land's metric CRS (grid north up), with a scale bar. ``uid`` prefixes the hatch
    pattern ids so several maps can share a page."""
    x0, y0, x1, y1 = view.bounds
    span = max(x1 - x0, y1 - y0, 1.0)
    x0, y0, x1, y1 = x0 - 0.05 * span, y0 - 0.05 * span, x1 + 0.05 * span, y1 + 0.05 * span
    pad = 18.0
    k = (width - 2 * pad) / (x1 - x0)
    height = int(math.ceil((y1 - y0) * k + 2 * pad))
    uid = escape(uid)
    defs, body = [], []
    for n, layer in enumerate(layers):
        d = "".join(_path_data(g, x0, y1, k, pad) for g in layer.geoms)
        if not d:
            continue
        fill = escape(layer.colour)
        if layer.hatched:
            defs.append(
                f'<pattern id="{uid}-h{n}" width="7" height="7" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="7" stroke="{fill}" '
                f'stroke-width="2"/></pattern>'
            )
            fill = f"url(#{uid}-h{n})"
        body.append(
            f'<path fill="{fill}" stroke="{escape(layer.stroke)}" fill-rule="evenodd" d="{d}">'
            f"<title>{escape(layer.label)}</title></path>"
        )
    body.append(_scale_bar(k, width, height, pad))
    return (
        f'<svg class="map" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
        f"<defs>{''.join(defs)}</defs>{''.join(body)}</svg>"
    )
