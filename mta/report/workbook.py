"""``report.xlsx``: the assessment as a workbook, one sheet per view.

Summary, Hosts, Apps, Findings, Costs and Waves, each a table with a header row,
frozen panes, an autofilter and typed cells (numbers are numbers, dates are
dates), so a consultant can sort and pivot it. Built with XlsxWriter. Every
discovered string is written with ``write_string``: a cell that starts with
"=" stays text, never a formula.
"""

from __future__ import annotations

import io
from typing import Any, Sequence

import xlsxwriter

from ..estimate.cost import monthly
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


def workbook_bytes(report: Report) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    s, sv, p = report.summary, report.savings, report.settings.price
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
        ["cost saved %", sv.cost_saved_percent],
    ]
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
        req_monthly = monthly(e.requested_cpu_millicores / 1000, e.requested_memory_bytes / GIB, p)
        costs.append([h.host, e.vcpu, round(vm_gib, 2), round(monthly(e.vcpu, vm_gib, p), 2),
                      e.requested_cpu_millicores / 1000, round(e.requested_memory_bytes / GIB, 3), round(req_monthly, 2),
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
    _table(book, "Costs", ["host", "vm_vcpu", "vm_memory_gib", f"vm_monthly_{sv.currency}", "requested_vcpu",
                           "requested_memory_gib", f"requested_monthly_{sv.currency}", "counted_in_savings", "note"],
           costs, (22, 9, 13, 14, 13, 16, 18, 10, 40))
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
