"""Formatters: each turns the one Report model into files (name -> text).

They register with ``@formatter`` like krr's; ``mta report --format`` picks them.
"""

from __future__ import annotations

import csv
import io
from typing import Callable, Union

import jinja2

from ..estimate.units import GIB, fmt_m, fmt_mi
from ..model.estimate import FIT_SCORES
from ..model.report import Report
from ..templates_path import templates_dir
from ..text import md
from . import charts
from .workbook import cost_rows, workbook_bytes

Formatter = Callable[[Report], dict[str, Union[str, bytes]]]
FORMATTERS: dict[str, Formatter] = {}


def formatter(name: str):
    def register(fn: Formatter) -> Formatter:
        FORMATTERS[name] = fn
        return fn

    return register


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _span(value: float, rng=None) -> str:
    """A money figure, or "low–high" when its range is wider than rounding."""
    if rng is None or round(rng.low) == round(rng.high):
        return _money(value)
    return f"{_money(rng.low)}–{_money(rng.high)}"


def _cpu_span(value: int, rng=None) -> str:
    if not rng or rng[0] == rng[1]:
        return fmt_m(value)
    return f"{fmt_m(value)} (p95–peak {fmt_m(rng[0])}–{fmt_m(rng[1])})"


def _mem_span(value: int, rng=None) -> str:
    if not rng or rng[0] == rng[1]:
        return fmt_mi(value)
    return f"{fmt_mi(value)} ({fmt_mi(rng[0])}–{fmt_mi(rng[1])})"


def _gib(value: float) -> str:
    return f"{value:,.1f}"


def _bytes_gib(value: int) -> str:
    return f"{value / GIB:,.2f} GiB"


def _slug(value: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in value)


_ENVS: dict[bool, jinja2.Environment] = {}


def environment(html: bool) -> jinja2.Environment:
    """The one Jinja environment per output kind; HTML autoescapes."""
    if html not in _ENVS:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates_dir() / "report")),
            autoescape=html,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters.update(money=_money, span=_span, cpu_span=_cpu_span, mem_span=_mem_span, gib=_gib, bytes_gib=_bytes_gib, fmt_m=fmt_m, fmt_mi=fmt_mi, md=md, slug=_slug)
        env.globals.update(FIT_SCORES=FIT_SCORES, FIT_COLOURS=charts.FIT_COLOURS)
        _ENVS[html] = env
    return _ENVS[html]


def _charts(report: Report) -> dict[str, object]:
    s = report.savings
    cur = s.currency
    spec = report.consolidation.node
    fill = [
        (n.index, n.cpu_millicores / spec.usable_cpu_millicores if spec.usable_cpu_millicores else 0,
         n.memory_bytes / spec.usable_memory_bytes if spec.usable_memory_bytes else 0)
        for n in report.consolidation.placements
    ]
    return {
        "savings": charts.before_after(
            [
                ("machines", s.before.machines, s.after.machines, lambda v: f"{v:,.0f}"),
                ("vCPU", s.before.vcpu, s.after.vcpu, lambda v: f"{v:,.0f}"),
                ("memory GiB", s.before.memory_gib, s.after.memory_gib, lambda v: f"{v:,.0f}"),
                (f"compute {cur}/mo", s.before.monthly_cost, s.after.monthly_cost, lambda v: f"{v:,.0f}"),
                *([(f"all costs {cur}/mo", report.costs.monthly_before, report.costs.monthly_after,
                    lambda v: f"{v:,.0f}")] if report.costs is not None else []),
            ],
            "Before and after: machines, vCPU, memory and monthly cost",
        ),
        "fit_hosts": charts.distribution(report.summary.fit_hosts, "Fit of hosts"),
        "fit_apps": charts.distribution(report.summary.fit_apps, "Fit of apps"),
        "nodes": charts.node_fill(fill, "Node fill after consolidation"),
        "dependencies": charts.dependency_map(
            [(g.id, g.hosts) for g in report.move_groups],
            [(d.source, d.target, d.port) for d in report.dependencies],
            "Dependencies between hosts, by move group"),
    }


@formatter("html")
def to_html(report: Report) -> dict[str, str]:
    text = environment(True).get_template("report.html.j2").render(r=report, charts=_charts(report))
    return {"report.html": text}


@formatter("md")
def to_markdown(report: Report) -> dict[str, str]:
    return {"report.md": environment(False).get_template("report.md.j2").render(r=report)}


@formatter("json")
def to_json(report: Report) -> dict[str, str]:
    return {"report.json": report.model_dump_json(indent=2) + "\n"}


def _csv(rows: list[list[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows([[_cell(c) for c in row] for row in rows])
    return buf.getvalue()


def _cell(value: object) -> object:
    # Spreadsheets run cells that start with = + - @ as formulas; discovered
    # strings are data, so such cells get a leading quote.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@formatter("csv")
def to_csv(report: Report) -> dict[str, str]:
    # per-host costs come from the report (estimate.cost.host_cost); nothing is priced here
    excluded = report.savings.hosts_excluded
    savings = [[
        "host", "fit", "confidence", "vm_vcpu", "vm_memory_gib", "vm_monthly_cost", "vm_storage_monthly",
        "vm_licence_monthly", "apps", "containers", "requested_cpu_millicores", "requested_memory_mib",
        "requested_monthly_cost", "requested_monthly_low", "requested_monthly_high", "volumes_gib",
        "overhead_reclaimed_mib", "counted_in_savings", "note",
    ]]
    for h in report.hosts:
        e, c = h.estimate, h.cost
        rng = c.requested_compute_range if c else None
        savings.append([
            h.host, h.fit, e.confidence, e.vcpu, round(e.memory_bytes / GIB, 3),
            c.vm_compute if c else "", c.vm_storage if c else "", c.vm_licence if c else "",
            len(h.apps), sum(a.replicas for a in e.apps), e.requested_cpu_millicores, e.requested_memory_bytes // 1024**2,
            c.requested_compute if c else "", rng.low if rng else "", rng.high if rng else "",
            c.volumes_gib if c else "",
            e.overhead_rss_bytes // 1024**2, "no" if h.host in excluded else "yes", excluded.get(h.host, ""),
        ])
    findings = [["host", "app", "rule", "severity", "title", "evidence"]]
    for h in report.hosts:
        for f in h.findings + [x for a in h.apps for x in a.findings]:
            findings.append([f.host, f.app, f.rule, f.severity, f.title, " | ".join(f.evidence)])
    out = {"savings.csv": _csv(savings), "findings.csv": _csv(findings)}
    if report.costs is not None:
        out["costs.csv"] = _csv(cost_rows(report))
    return out


@formatter("xlsx")
def to_xlsx(report: Report) -> dict[str, Union[str, bytes]]:
    return {"report.xlsx": workbook_bytes(report)}
