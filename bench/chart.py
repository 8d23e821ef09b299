"""The suite's results as an SVG bar chart, written by hand (no plotting dependency).

Grouped bars: one group per workload that has a ratio to the ceiling, one bar per server (the
ceiling itself is the dashed line at 1.0), height = the median of per-round ratios to the
ceiling, the figure printed above each bar. For a "lower is better" workload there is none:
memory figures have no ratio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

# Colour-blind-safe (Okabe-Ito, then Tableau), one per server, in the suite's order.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999", "#8C564B",
)  # fmt: skip
BAR = 14
GROUP_GAP = 28
LEFT, RIGHT, TOP, BOTTOM = 64, 96, 64, 60
PLOT_HEIGHT = 360


def _ticks(top: float) -> list[float]:
    step = next(s for s in (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0) if top / s <= 8)
    return [i * step for i in range(int(top / step) + 1)]


def svg(ratios: Mapping[str, Mapping[str, float]], servers: Sequence[str], title: str, subtitle: str) -> str:
    """``ratios``: workload -> server -> median ratio to the ceiling, in the order to draw."""
    bars = [s for s in servers if s != "ceiling" and any(s in by for by in ratios.values())]
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(bars)}
    top = max([1.0, *(v for by in ratios.values() for v in by.values())]) * 1.12
    group = len(bars) * BAR + GROUP_GAP
    width = LEFT + RIGHT + max(1, len(ratios)) * group
    legend, x, row = [], LEFT, 0
    for name in bars:
        if x + 28 + 8 * len(name) > width - RIGHT and x > LEFT:
            x, row = LEFT, row + 1
        legend.append((name, x, TOP + PLOT_HEIGHT + 44 + 20 * row))
        x += 28 + 8 * len(name)
    height = TOP + PLOT_HEIGHT + BOTTOM + 20 * row

    def y(value: float) -> float:
        return TOP + PLOT_HEIGHT - value / top * PLOT_HEIGHT

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="16" font-weight="bold">{escape(title)}</text>',
        f'<text x="{LEFT}" y="40" fill="#444">{escape(subtitle)}</text>',
    ]
    for tick in _ticks(top):
        ty = y(tick)
        out.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" fill="#444">{tick:g}</text>')
    label_y = TOP + PLOT_HEIGHT / 2
    out.append(
        f'<text x="16" y="{label_y}" transform="rotate(-90 16 {label_y})" text-anchor="middle" fill="#444">'
        "ratio to the ceiling (median of rounds)</text>"
    )
    for i, (workload, by_server) in enumerate(ratios.items()):
        x0 = LEFT + i * group + GROUP_GAP / 2
        for j, name in enumerate(bars):
            if name not in by_server:
                continue  # skipped for this workload (the reason is in the table)
            value = by_server[name]
            x, top_y = x0 + j * BAR, y(value)
            out.append(
                f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{BAR - 2}" height="{y(0) - top_y:.1f}" '
                f'fill="{colours[name]}"><title>{escape(name)} {escape(workload)}: {value:.2f}</title></rect>'
            )
            tx = x + (BAR - 2) / 2 + 3
            out.append(
                f'<text x="{tx:.1f}" y="{top_y - 3:.1f}" transform="rotate(-90 {tx:.1f} {top_y - 3:.1f})" '
                f'font-size="9" fill="#333">{value:.2f}</text>'
            )
        centre = x0 + len(bars) * BAR / 2
        out.append(
            f'<text x="{centre:.1f}" y="{TOP + PLOT_HEIGHT + 18}" text-anchor="middle">{escape(workload)}</text>'
        )
    ceiling_y = y(1.0)
    out.append(
        f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{ceiling_y:.1f}" y2="{ceiling_y:.1f}" '
        'stroke="#222" stroke-dasharray="6 4"/>'
    )
    out.append(f'<text x="{width - RIGHT + 6}" y="{ceiling_y + 4:.1f}" fill="#222">ceiling = 1</text>')
    out.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y(0)}" y2="{y(0)}" stroke="#444"/>')
    for name, lx, ly in legend:
        out.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colours[name]}"/>')
        out.append(f'<text x="{lx + 16}" y="{ly}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
