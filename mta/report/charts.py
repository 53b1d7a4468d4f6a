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


def dependency_map(groups: Sequence[tuple[int, Sequence[str]]], edges: Sequence[tuple[str, str, int]],
                   label: str, limit: int = 40) -> Markup:
    """Move groups as columns of host boxes, dependencies as labelled arrows between them.

    Only groups of two or more hosts are drawn (single hosts have no edges);
    past ``limit`` hosts the rest are named in a line, not drawn."""
    shown: list[tuple[int, list[str]]] = []
    count = 0
    for gid, hosts in groups:
        if len(hosts) < 2:
            continue
        if count + len(hosts) > limit:
            break
        shown.append((gid, list(hosts)))
        count += len(hosts)
    col_w, box_w, box_h, row_h, top = 200, 150, 22, 34, 30
    cols_per_row = 3
    pos: dict[str, tuple[float, float]] = {}
    body: list[str] = []
    y_base = top
    row_height = 0
    for k, (gid, hosts) in enumerate(shown):
        col = k % cols_per_row
        if col == 0 and k:
            y_base += row_height + 30
            row_height = 0
        x = 10 + col * col_w
        body.append(_text(x, y_base - 8, f"move group {gid}", size=11, weight="bold"))
        for i, h in enumerate(hosts):
            y = y_base + i * row_h
            pos[h] = (x, y)
            body.append(f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="4" fill="#ddf4ff" '
                        f'stroke="#0969da"/>')
            body.append(_text(x + 6, y + 15, h if len(h) <= 22 else h[:21] + "…", size=11))
        row_height = max(row_height, len(hosts) * row_h)
    for src, dst, port in edges:
        if src not in pos or dst not in pos:
            continue
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        # within a column: a bracket on the right side, labelled with the port
        bx = x1 + box_w + 12 + (abs(y2 - y1) / row_h) * 6
        body.append(f'<path d="M{x1 + box_w},{y1 + box_h / 2} H{bx:.1f} V{y2 + box_h / 2} H{x2 + box_w + 4}" '
                    f'fill="none" stroke="#57606a" marker-end="url(#arrow)"/>')
        body.append(_text(bx + 3, (y1 + y2) / 2 + box_h / 2 + 4, str(port), size=10, fill="#57606a"))
    height = y_base + row_height + 20
    if not shown:
        body.append(_text(10, 24, "no host talks to another inventoried host: every host can move on its own"))
        height = 40
    hidden = sum(len(h) for _, h in groups if len(h) >= 2) - count
    if hidden > 0:
        body.append(_text(10, height, f"{hidden} more hosts in larger groups: see the table below", size=11))
        height += 14
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>')
    return _svg(cols_per_row * col_w + 20, int(height), [defs] + body, label)
