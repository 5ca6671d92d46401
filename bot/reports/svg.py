"""Charts as inline SVG strings for the self-contained HTML report (no script, no fonts
fetched): a line chart of weekly series and a horizontal bar chart. Every text is escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#0f766e", "#d97706", "#2563eb", "#be123c", "#7c3aed", "#4d7c0f")
FONT = ('font-family="-apple-system,Segoe UI,Roboto,PingFang SC,Microsoft YaHei,'
        'Noto Sans CJK SC,sans-serif"')


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw),
               default=10 * magnitude)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.1f}"


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
               title: str, width: int = 520, height: int = 220) -> str:
    """Weekly values as lines with dots; a missing value breaks the line."""
    left, right, top, bottom = 44, 24, 30, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    ticks = nice_ticks(min(values, default=0.0), max(values, default=1.0))
    lo, hi = ticks[0], ticks[-1]
    n = max(1, len(labels) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + plot_w * i / n, top + plot_h * (1 - (v - lo) / ((hi - lo) or 1))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" {FONT}>',
             f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="#1f2933">'
             f'{escape(title)}</text>']
    for t in ticks:
        _, y = xy(0, t)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#e3e8ee"/><text x="{left - 6}" y="{y + 4:.1f}" font-size="10" '
                     f'text-anchor="end" fill="#6b7785">{_fmt(t)}</text>')
    step = max(1, math.ceil(len(labels) / 8))
    for i, label in enumerate(labels):
        if (len(labels) - 1 - i) % step == 0:  # counted from the newest, always shown
            x, _ = xy(i, lo)
            anchor = "end" if i == len(labels) - 1 and len(labels) > 1 else "middle"
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" font-size="10" '
                         f'text-anchor="{anchor}" fill="#6b7785">{escape(label)}</text>')
    for k, (name, vs) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(vs):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(xy(i, v))
        for run in runs:
            if len(run) > 1:
                d = " ".join(f"{'M' if j == 0 else 'L'}{x:.1f},{y:.1f}" for j, (x, y) in enumerate(run))
                parts.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
            for x, y in run:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')
        lx = left + k * 150
        parts.append(f'<rect x="{lx}" y="{height - 16}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{lx + 14}" y="{height - 7}" font-size="11" fill="#1f2933">'
                     f'{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, width: int = 520,
              bar_height: int = 20, color: str = PALETTE[0]) -> str:
    """Horizontal bars, largest first as given, with the value at the end of each bar."""
    left, top, gap = 150, 28, 6
    height = top + len(items) * (bar_height + gap) + 8
    peak = max((v for _, v in items), default=0) or 1
    plot_w = width - left - 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" {FONT}>',
             f'<text x="0" y="16" font-size="13" font-weight="600" fill="#1f2933">'
             f'{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_height + gap)
        w = max(1.0, plot_w * value / peak)
        short = label if len(label) <= 18 else label[:17] + "…"
        parts.append(f'<text x="{left - 8}" y="{y + bar_height * 0.7:.1f}" font-size="11" '
                     f'text-anchor="end" fill="#1f2933">{escape(short)}</text>'
                     f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_height}" rx="3" '
                     f'fill="{color}"/><text x="{left + w + 6:.1f}" y="{y + bar_height * 0.7:.1f}" '
                     f'font-size="11" fill="#1f2933">{_fmt(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)
