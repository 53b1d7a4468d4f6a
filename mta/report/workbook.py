"""``report.xlsx``: the assessment as a workbook, one sheet per view.

Summary, Hosts, Apps, Findings, Costs (the cost model and the TCO), Host costs and Waves, each a table with a header row,
frozen panes, an autofilter and typed cells (numbers are numbers, dates are
dates), so a consultant can sort and pivot it. Built with XlsxWriter. Every
discovered string is written with ``write_string``: a cell that starts with
"=" stays text, never a formula.
"""

from __future__ import annotations

import io
from typing import Any, Sequence

import xlsxwriter

from ..estimate.units import GIB, MIB
from ..model.report import Report

Row = Sequence[Any]


def _table(book, name: str, header: Row, rows: list[Row], widths: Sequence[int] = ()) -> None:
    ws = book.add_worksheet(name)
    bold = book.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1})
    money = book.add_format({"num_format": "#,##0.00"})
    ws.write_row(0, 0, list(header), bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value, money if isinstance(value, float) else None)
            else:
                ws.write_string(r, c, str(value))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    for c, width in enumerate(widths or [16] * len(header)):
        ws.set_column(c, c, width)


def cost_rows(report: Report) -> list[list[object]]:
    """The cost model as rows: each monthly line, the monthly totals, each TCO line, the TCO totals."""
    c = report.costs
    cur = c.prices.currency
    rows: list[list[object]] = [["view", "item", f"vms_{cur}", f"platform_{cur}", "platform_low", "platform_high",
                                 "basis", "source"]]
    for x in c.lines:
        r = x.after_range
        rows.append(["monthly", x.item, x.before, x.after, r.low if r else x.after, r.high if r else x.after,
                     x.basis, x.source])
    r = c.monthly_after_range
    rows.append(["monthly", "Total", c.monthly_before, c.monthly_after, r.low if r else c.monthly_after,
                 r.high if r else c.monthly_after, f"saved {c.monthly_saved:,.2f} {cur} a month", ""])
    for t in c.tco:
        rows.append([f"tco {c.years} years", t.item, t.vms, t.platform, "", "", t.basis, ""])
    r = c.tco_platform_range
    rows.append([f"tco {c.years} years", "Total", c.tco_vms, c.tco_platform, r.low if r else c.tco_platform,
                 r.high if r else c.tco_platform, f"saved {c.tco_saved:,.2f} {cur}", ""])
    return rows


def workbook_bytes(report: Report) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    s, sv, c = report.summary, report.savings, report.costs
    summary = [
        ["generated at", report.generated_at.strftime("%Y-%m-%d %H:%M UTC")],
        ["hosts", s.hosts], ["hosts assessed", s.hosts_assessed], ["hosts failed", s.hosts_failed],
        ["apps", s.apps],
        ["VMs before: vCPU", sv.before.vcpu], ["VMs before: memory GiB", sv.before.memory_gib],
        [f"VMs before: monthly cost ({sv.currency})", sv.before.monthly_cost],
        ["nodes after", report.consolidation.nodes], ["nodes after: vCPU", sv.after.vcpu],
        ["nodes after: memory GiB", sv.after.memory_gib],
        [f"nodes after: monthly cost ({sv.currency})", sv.after.monthly_cost],
        [f"monthly cost saved ({sv.currency})", sv.monthly_cost_saved],
        ["compute cost saved %", sv.cost_saved_percent],
    ]
    if c is not None:
        cur = c.prices.currency
        summary += [
            ["prices", f"{c.prices.cloud} {c.prices.family} {c.prices.region} (list prices as of {c.prices.as_of or '-'}), "
                       f"discount {c.prices.discount_label}"],
            [f"all costs a month, VMs ({cur})", c.monthly_before], [f"all costs a month, platform ({cur})", c.monthly_after],
            [f"all costs saved a month ({cur})", c.monthly_saved],
            [f"TCO {c.years} years, VMs ({cur})", c.tco_vms], [f"TCO {c.years} years, platform ({cur})", c.tco_platform],
            ["migration effort (person-days)", c.migration_days],
        ]
        if c.monthly_saved_range is not None:
            summary += [[f"saved a month, low ({cur})", c.monthly_saved_range.low],
                        [f"saved a month, high ({cur})", c.monthly_saved_range.high]]
    summary += [[f"hosts: {k}", v] for k, v in s.fit_hosts.items()]
    summary += [[f"confidence: {k}", v] for k, v in s.confidence.items()]
    summary += [["highlight", h] for h in s.highlights]
    _table(book, "Summary", ["measure", "value"], summary, (40, 60))

    hosts = []
    costs = []
    apps = []
    findings = []
    for h in report.hosts:
        e = h.estimate
        vm_gib = e.memory_bytes / GIB
        hosts.append([h.host, h.address, h.os, h.fit, e.confidence, e.vcpu, round(vm_gib, 2), len(h.apps),
                      e.requested_cpu_millicores, e.requested_memory_bytes // MIB, h.apps_source, h.source_dir])
        hc = h.cost
        rng = hc.requested_compute_range if hc else None
        costs.append([h.host, e.confidence, e.vcpu, round(vm_gib, 2), hc.vm_compute if hc else None,
                      hc.vm_storage if hc else None, hc.vm_licence if hc else None,
                      e.requested_cpu_millicores / 1000, round(e.requested_memory_bytes / GIB, 3),
                      hc.requested_compute if hc else None, rng.low if rng else None, rng.high if rng else None,
                      h.host not in sv.hosts_excluded, sv.hosts_excluded.get(h.host, "")])
        for a in h.apps:
            est = a.estimate
            apps.append([h.host, a.name, a.role, a.stack, a.runtime, a.runtime_version, a.fit, a.include,
                         est.strategy if est else "", est.replicas if est else None,
                         est.cpu_millicores if est else None, est.memory_bytes // MIB if est else None,
                         (est.memory_limit_bytes // MIB) if est and est.memory_limit_bytes else None,
                         est.confidence if est else "", len(a.findings)])
        for f in h.findings + [x for a in h.apps for x in a.findings]:
            findings.append([f.host, f.app, f.rule, f.severity, f.title, " | ".join(f.evidence)])
    for err in report.errors:
        findings.append([err.host, "", f"error:{err.kind}", "high", f"{err.stage} failed", err.message])
    _table(book, "Hosts", ["host", "address", "os", "fit", "confidence", "vcpu", "memory_gib", "apps",
                           "requested_cpu_millicores", "requested_memory_mib", "apps_from", "folder"], hosts,
           (22, 16, 28, 18, 12, 8, 12, 8, 14, 14, 10, 30))
    _table(book, "Apps", ["host", "app", "role", "stack", "runtime", "version", "fit", "included", "strategy",
                          "replicas", "cpu_request_millicores", "memory_request_mib", "memory_limit_mib",
                          "confidence", "findings"], apps, (22, 18, 10, 14, 10, 10, 18, 9, 9, 9, 12, 12, 12, 11, 9))
    _table(book, "Findings", ["host", "app", "rule", "severity", "title", "evidence"], findings,
           (22, 16, 26, 10, 36, 100))
    if c is not None:
        rows = cost_rows(report)
        _table(book, "Costs", rows[0], rows[1:], (14, 24, 14, 14, 14, 14, 60, 60))
    cur = sv.currency
    _table(book, "Host costs", ["host", "confidence", "vm_vcpu", "vm_memory_gib", f"vm_compute_{cur}",
                                f"vm_storage_{cur}", f"vm_licence_{cur}", "requested_vcpu", "requested_memory_gib",
                                f"requested_compute_{cur}", "requested_low", "requested_high", "counted_in_savings",
                                "note"],
           costs, (22, 11, 9, 13, 14, 14, 14, 13, 16, 18, 14, 14, 10, 40))
    groups = {g.id: g for g in report.move_groups}
    wave_rows = []
    for w in report.waves:
        for gid in w.groups:
            g = groups[gid]
            wave_rows.append([w.number, w.name, gid, ", ".join(g.hosts), len(g.hosts), g.effort_days, g.fit])
    _table(book, "Waves", ["wave", "name", "move_group", "hosts", "host_count", "effort_days", "fit"], wave_rows,
           (6, 24, 11, 60, 10, 11, 18))
    book.close()
    return buf.getvalue()
