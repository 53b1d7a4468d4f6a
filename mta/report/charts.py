"""Inline SVG charts, drawn in Python: no JavaScript, no network.

Every label goes through ``markupsafe.escape``; the result is ``Markup`` so the
autoescaping template embeds it as is.
"""

from __future__ import annotations

from typing import Callable, Sequence

from markupsafe import Markup, escape

FIT_COLOURS = {
    "Excellent": "#1a7f37",
    "Good": "#58a55c",
    "Needs minor work": "#d4a72c",
    "Needs major work": "#e8833a",
    "Not recommended": "#cf222e",
    "Insufficient data": "#8c959f",
}
BEFORE, AFTER, MEMORY = "#8c959f", "#0969da", "#bf8700"
#: up to this many nodes each bar carries its value; more get one summary line
LABELLED_NODES = 16


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12, weight: str = "normal",
          fill: str = "#24292f") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}">{escape(text)}</text>')


def before_after(rows: Sequence[tuple[str, float, float, Callable[[float], str]]], label: str) -> Markup:
    """Paired horizontal bars, one pair per metric, each pair on its own scale."""
    width, left, right, bar, gap = 640, 150, 110, 16, 14
    height = 28 + len(rows) * (2 * bar + gap + 8)
    body = [
        f'<rect x="{left}" y="4" width="12" height="12" fill="{BEFORE}"/>',
        _text(left + 16, 14, "before (VMs)"),
        f'<rect x="{left + 120}" y="4" width="12" height="12" fill="{AFTER}"/>',
        _text(left + 136, 14, "after (containers on nodes)"),
    ]
    y = 28
    span = width - left - right
    for name, before, after, fmt in rows:
        top = max(before, after) or 1
        body.append(_text(left - 8, y + bar + 4, name, anchor="end", weight="bold"))
        for value, colour in ((before, BEFORE), (after, AFTER)):
            w = max(1.0, span * value / top) if value else 0
            body.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}" rx="2"/>')
            body.append(_text(left + w + 6, y + bar - 4, fmt(value)))
            y += bar + 2
        y += gap + 4
    return _svg(width, height, body, label)


def distribution(counts: dict[str, int], label: str, colours: dict[str, str] = FIT_COLOURS) -> Markup:
    """One stacked bar with a legend: how many fall in each class."""
    width, height, top, bar = 640, 74, 6, 26
    total = sum(counts.values())
    body = []
    x = 0.0
    for name, n in counts.items():
        if not n:
            continue
        w = width * n / total
        body.append(f'<rect x="{x:.1f}" y="{top}" width="{w:.1f}" height="{bar}" fill="{colours.get(name, "#999")}">'
                    f"<title>{escape(name)}: {n}</title></rect>")
        if w > 24:
            body.append(_text(x + w / 2, top + 18, str(n), anchor="middle", weight="bold", fill="#fff"))
        x += w
    if not total:
        body.append(f'<rect x="0" y="{top}" width="{width}" height="{bar}" fill="#eaeef2"/>')
        body.append(_text(width / 2, top + 18, "nothing to show", anchor="middle"))
    lx, ly = 0, top + bar + 22
    for name, n in counts.items():
        item = f"{name} ({n})"
        body.append(f'<rect x="{lx}" y="{ly - 10}" width="10" height="10" fill="{colours.get(name, "#999")}"/>')
        body.append(_text(lx + 14, ly, item, size=11))
        lx += 14 + 6.4 * len(item) + 14
        if lx > width - 120:
            lx, ly = 0, ly + 16
    return _svg(width, max(height, ly + 8), body, label)


def node_fill(nodes: Sequence[tuple[int, float, float]], label: str, limit: int = 80) -> Markup:
    """Per node, CPU and memory fill as a share of usable capacity (0..1)."""
    shown = list(nodes)[:limit]
    width, height, base = 640, 166, 120
    body = [
        f'<line x1="30" y1="{base}" x2="{width}" y2="{base}" stroke="#d0d7de"/>',
        f'<line x1="30" y1="20" x2="{width}" y2="20" stroke="#d0d7de" stroke-dasharray="4 3"/>',
        _text(26, 24, "100%", anchor="end", size=10),
        _text(26, base, "0", anchor="end", size=10),
        f'<rect x="40" y="146" width="10" height="10" fill="{AFTER}"/>', _text(54, 155, "CPU", size=11),
        f'<rect x="100" y="146" width="10" height="10" fill="{MEMORY}"/>', _text(114, 155, "memory", size=11),
    ]
    if len(nodes) > limit:
        body.append(_text(width, 155, f"first {limit} of {len(nodes)} nodes", anchor="end", size=11))
    step = (width - 40) / max(1, len(shown))
    col = max(1.0, min(14.0, step / 2 - 1))
    # values printed on the page (a PDF has no hover): per bar when they fit, else a summary line
    per_bar = len(shown) <= LABELLED_NODES
    for k, (index, cpu, mem) in enumerate(shown):
        x = 40 + k * step
        for j, (value, colour) in enumerate(((cpu, AFTER), (mem, MEMORY))):
            h = (base - 20) * max(0.0, min(1.0, value))
            bx = x + j * (col + 1)
            body.append(f'<rect x="{bx:.1f}" y="{base - h:.1f}" width="{col:.1f}" height="{h:.1f}" '
                        f'fill="{colour}"><title>node {index}: {"CPU" if j == 0 else "memory"} {value:.0%}</title></rect>')
            if per_bar:
                body.append(_text(bx + col / 2, base - h - 3, f"{value:.0%}", anchor="middle", size=9))
        if per_bar:
            body.append(_text(x + col, base + 13, f"node {index}", anchor="middle", size=9))
    if nodes and not per_bar:
        cpus = [c for _, c, _ in nodes]
        mems = [m for _, _, m in nodes]
        body.append(_text(width, 12, f"{len(nodes)} nodes: CPU fill average {sum(cpus) / len(cpus):.0%}, "
                                     f"highest {max(cpus):.0%}; memory average {sum(mems) / len(mems):.0%}, "
                                     f"highest {max(mems):.0%}", anchor="end", size=10))
    return _svg(width, height, body, label)
