"""``mta report`` in-process: files, schema, content, escaping, settings, merging."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from mta.cli import main
from mta.model.report import Report
from mta.report.build import build_report
from mta.report.synthetic import write_fleet


@pytest.fixture(scope="module")
def reported(fleet) -> Path:
    assert main(["report", str(fleet)]) == 0
    return fleet


def test_writes_every_format(reported, capsys):
    for name in ("report.html", "report.md", "report.json", "savings.csv", "findings.csv"):
        assert (reported / name).is_file(), name


def test_summary_line(fleet, tmp_path, capsys):
    out = tmp_path / "o"
    shutil.copytree(fleet, out)
    for old in out.glob("report.*"):
        old.unlink()
    assert main(["report", str(out), "--format", "json"]) == 0
    stdout = capsys.readouterr().out
    assert re.search(r"21 hosts assessed, 3 failed, \d+ apps; \d+ VMs -> \d+ nodes", stdout)
    assert "wrote " in stdout and (out / "report.json").exists() and not (out / "report.html").exists()


def test_summary_line_of_one_host_counts_in_words(tmp_path, capsys):
    write_fleet(tmp_path, 1, plans=True)
    assert main(["report", str(tmp_path), "--format", "json"]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert re.match(r"1 host assessed, 0 failed, \d+ apps?; 1 VM -> 1 node; ", line), line
    assert not re.search(r"\b1 (hosts|apps|VMs|nodes)\b", line), line
    report = Report.model_validate_json((tmp_path / "report.json").read_text())
    assert report.inputs == [tmp_path.name]  # the report's own folder by its name, not "."


def test_json_validates_against_the_model_schema(reported):
    data = json.loads((reported / "report.json").read_text())
    jsonschema.validate(data, Report.model_json_schema())
    report = Report.model_validate(data)
    assert report.summary.hosts_assessed == 21 and report.summary.hosts_failed == 3
    assert {e.host for e in report.errors} == {"down-000", "down-001", "broken-01"}


def test_every_figure_traces_to_its_inputs(reported):
    report = Report.model_validate_json((reported / "report.json").read_text())
    s = report.savings
    counted = [h for h in report.hosts if h.host in s.hosts_counted]
    assert s.before.vcpu == sum(h.estimate.vcpu for h in counted)
    assert s.after.machines == report.consolidation.nodes + 0 * len(report.consolidation.unplaced)
    assert report.consolidation.nodes >= report.consolidation.lower_bound
    p = report.settings.price
    assert s.before.monthly_cost == pytest.approx(
        (s.before.vcpu * p.vcpu_hour + s.before.memory_gib * p.gib_hour) * p.hours_per_month, abs=0.05)
    placed = sorted(x for n in report.consolidation.placements for x in n.items)
    expected = sorted(f"{h.host}/{a.name}#{r + 1}" for h in counted for a in h.apps for r in range(a.estimate.replicas))
    assert placed == expected
    for h in report.hosts:
        for a in h.apps:
            assert a.estimate.cpu_basis and a.estimate.memory_basis
    topics = {m.topic for m in report.method}
    assert {"CPU request", "Memory request and limit", "Node capacity", "Cost", "Apportioning VM history"} <= topics


def test_markdown_content(reported):
    md = (reported / "report.md").read_text()
    for heading in ("## Summary", "## Savings, before and after", "## Hosts", "## Hosts that could not be assessed",
                    "## How this was computed", "## Rules"):
        assert heading in md
    assert "| vm-0000 |" in md and "### vm-0019" in md
    assert "down-000" in md and "timed out" in md
    assert "[apps/web/Dockerfile](hosts/evil-01/apps/web/Dockerfile)" in md
    # hostile strings cannot open a table cell or a raw HTML tag
    assert not re.search(r"(?<!\\)<script", md)
    assert "\\<script" in md


def test_savings_csv(reported):
    rows = list(csv.DictReader(io.StringIO((reported / "savings.csv").read_text())))
    assert len(rows) == 21
    by_host = {r["host"]: r for r in rows}
    report = Report.model_validate_json((reported / "report.json").read_text())
    h = next(h for h in report.hosts if h.host == "vm-0003")
    row = by_host["vm-0003"]
    assert int(row["vm_vcpu"]) == h.estimate.vcpu
    assert int(row["requested_cpu_millicores"]) == sum(a.cpu_millicores * a.replicas for a in h.estimate.apps)
    assert row["counted_in_savings"] == "yes" and row["fit"] == h.fit
    total = sum(float(r["vm_monthly_cost"]) for r in rows if r["counted_in_savings"] == "yes")
    assert total == pytest.approx(report.savings.before.monthly_cost, abs=0.5)


def test_findings_csv_neutralises_formulas(reported):
    rows = list(csv.DictReader(io.StringIO((reported / "findings.csv").read_text())))
    assert rows and set(rows[0]) == {"host", "app", "rule", "severity", "title", "evidence"}
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "@")), value
    from mta.report.formats import _csv

    assert _csv([["=cmd|' /C calc'!A0", "-1+2", "@SUM(A1)", "plain", 3]]) == "'=cmd|' /C calc'!A0,'-1+2,'@SUM(A1),plain,3\n"


def test_html_is_self_contained_and_escaped(reported):
    html = (reported / "report.html").read_text()
    assert "<script" not in html  # no JS at all, and hostile strings escaped
    assert "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched from the network
    assert "<link" not in html and "@import" not in html
    assert html.count("<svg") >= 4
    assert "@media print" in html
    assert 'href="hosts/evil-01/apps/web/Dockerfile"' in html
    assert "Permission denied" in html and "broken-01" in html
    assert "How this was computed" in html


def test_settings_file_and_options_change_the_packing(fleet, tmp_path):
    out = tmp_path / "o"
    shutil.copytree(fleet, out)
    settings = tmp_path / "s.yaml"
    settings.write_text("node: {cpu: 16, memory_gib: 64}\nprice: {currency: EUR}\n")
    assert main(["report", str(out), "--format", "json", "--settings", str(settings)]) == 0
    big = Report.model_validate_json((out / "report.json").read_text())
    assert main(["report", str(out), "--format", "json", "--settings", str(settings), "--node-cpu", "2",
                 "--node-memory-gib", "8", "--strategy", "peak"]) == 0
    small = Report.model_validate_json((out / "report.json").read_text())
    assert big.savings.currency == "EUR" and big.consolidation.node.cpu_millicores == 16000
    assert small.consolidation.node.cpu_millicores == 2000 and small.settings.node.memory_gib == 8
    assert small.consolidation.nodes > big.consolidation.nodes
    assert small.settings.rightsizing.strategy == "peak"


def test_rules_file_switches_rules_off(fleet, tmp_path, capsys):
    out = tmp_path / "o"
    shutil.copytree(fleet, out)
    rules = tmp_path / "r.yaml"
    rules.write_text("rules:\n  unsupported-runtime: {enabled: false}\n  cron-jobs: {severity: blocker}\n")
    assert main(["report", str(out), "--format", "json", "--rules", str(rules)]) == 0
    report = Report.model_validate_json((out / "report.json").read_text())
    assert "unsupported-runtime" not in report.summary.findings_by_rule
    cron_hosts = [h for h in report.hosts if any(f.rule == "cron-jobs" for f in h.findings)]
    assert cron_hosts and all(h.fit == "Not recommended" for h in cron_hosts)
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  nope: {enabled: false}\n")
    assert main(["report", str(out), "--rules", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "mta: error:" in err and "nope" in err and "hint: `mta rules`" in err


def test_several_outs_merge_into_the_first(tmp_path):
    a, b = tmp_path / "shard1", tmp_path / "shard2"
    write_fleet(a, 3, plans=True)
    write_fleet(b, 5, plans=True, seed=1)  # vm-0000..2 again: first wins, noted
    assert main(["report", str(a), str(b), "--format", "json,md"]) == 0
    report = Report.model_validate_json((a / "report.json").read_text())
    assert len(report.hosts) == 5 and not (b / "report.json").exists()
    assert report.inputs == ["shard1", "../shard2"]  # the report's own folder by its name, not "."
    merged = next(m for m in report.method if m.topic == "Merged inputs")
    assert "vm-0000" in merged.text
    assert "../shard2/hosts/vm-0004" in {h.source_dir for h in report.hosts}


def test_missing_hosts_dir_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no hosts/ directory" in err and "hint:" in err


def test_invalid_discovery_becomes_a_host_error(tmp_path):
    write_fleet(tmp_path, 2, plans=True)
    (tmp_path / "hosts" / "vm-0001" / "discovery.yaml").write_text("host: vm-0001\nbogus: 1\n")
    (tmp_path / "hosts" / "empty").mkdir()
    report = build_report([tmp_path])
    kinds = {(e.host, e.stage, e.kind) for e in report.errors}
    assert ("vm-0001", "report", "invalid") in kinds and ("empty", "discover", "missing") in kinds
    assert [h.host for h in report.hosts] == ["vm-0000"]


def test_hosts_without_plans_use_the_detectors_or_say_why(tmp_path):
    write_fleet(tmp_path, 3, plans=False)
    report = build_report([tmp_path])
    assert len(report.hosts) == 3
    for h in report.hosts:
        assert h.apps_source in {"detected", "none"}
        if not h.apps:
            assert h.fit == "Insufficient data"
            assert h.host in report.savings.hosts_excluded


def test_empty_fleet_still_reports(tmp_path):
    (tmp_path / "hosts").mkdir()
    report = build_report([tmp_path])
    assert report.summary.hosts == 0 and report.consolidation.nodes == 0 and report.savings.cost_saved_percent == 0
    from mta.report.formats import FORMATTERS

    for fmt in FORMATTERS.values():
        assert fmt(report)


def test_cache_follows_the_files(tmp_path):
    write_fleet(tmp_path, 3, plans=False)
    first = build_report([tmp_path])
    cache = tmp_path / ".mta-cache" / "report"
    assert len(list(cache.glob("*.json"))) >= 3
    assert build_report([tmp_path]).model_dump(exclude={"generated_at"}) == first.model_dump(exclude={"generated_at"})
    # an edited discovery.yaml is re-read, and its stale entries pruned
    before = {p.name for p in cache.glob("*.json")}
    d = tmp_path / "hosts" / "vm-0001" / "discovery.yaml"
    d.write_text(re.sub(r"cpu_count: \d+", "cpu_count: 96", d.read_text(), count=1))
    changed = build_report([tmp_path])
    assert next(h for h in changed.hosts if h.host == "vm-0001").estimate.vcpu == 96
    names = {p.name for p in cache.glob("*.json")}
    assert len(names) == len(before) and names != before  # replaced, not piled up
    shutil.rmtree(tmp_path / "hosts" / "vm-0002")
    build_report([tmp_path])
    assert len({p.name for p in cache.glob("*.json")}) < len(names)


def test_parallel_and_serial_agree(tmp_path):
    from mta.report import build as build_mod

    write_fleet(tmp_path, 6, plans=True)
    serial = build_report([tmp_path], workers=1, cache=False)
    old = build_mod.PARALLEL_MIN_HOSTS
    build_mod.PARALLEL_MIN_HOSTS = 2
    try:
        parallel = build_report([tmp_path], workers=2, cache=False)
    finally:
        build_mod.PARALLEL_MIN_HOSTS = old
    assert parallel.model_dump(exclude={"generated_at"}) == serial.model_dump(exclude={"generated_at"})


def test_cached_assessment_still_sees_new_artifacts_and_settings(tmp_path):
    write_fleet(tmp_path, 2, plans=True)
    first = build_report([tmp_path])
    assert not next(h for h in first.hosts if h.host == "vm-0000").artifacts[2:]
    (tmp_path / "hosts" / "vm-0000" / "compose.yaml").write_text("services: {}\n")
    again = build_report([tmp_path])
    links = [a.href for a in next(h for h in again.hosts if h.host == "vm-0000").artifacts]
    assert "hosts/vm-0000/compose.yaml" in links
    from mta.model.estimate import Settings

    peak = build_report([tmp_path], Settings(rightsizing={"strategy": "peak"}))
    assert {a.estimate.strategy for h in peak.hosts for a in h.apps} == {"peak"}


def test_unknown_format_is_a_usage_error(tmp_path, capsys):
    write_fleet(tmp_path, 1, plans=True)
    assert main(["report", str(tmp_path), "--format", "html,pdf"]) == 1
    err = capsys.readouterr().err
    assert "unknown report format 'pdf'" in err and "hint: choose from" in err
    assert not (tmp_path / "report.html").exists()  # nothing half-written


def test_bad_option_value_names_the_field(tmp_path, capsys):
    write_fleet(tmp_path, 1, plans=True)
    assert main(["report", str(tmp_path), "--node-target-utilization", "1.5"]) == 1
    assert "node.target_utilization" in capsys.readouterr().err


def test_xlsx_workbook_reads_back_typed_and_filtered(fleet, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "out"
    shutil.copytree(fleet, out)
    assert main(["report", str(out), "--format", "xlsx,json"]) == 0
    report = Report.model_validate_json((out / "report.json").read_text())
    wb = openpyxl.load_workbook(out / "report.xlsx")
    assert wb.sheetnames == ["Summary", "Hosts", "Apps", "Findings", "Costs", "Host costs", "Waves"]
    for ws in wb.worksheets[1:]:
        assert ws.auto_filter.ref and ws.freeze_panes == "A2", ws.title
    hosts = list(wb["Hosts"].iter_rows(min_row=2, values_only=True))
    assert len(hosts) == len(report.hosts)
    by_host = {h.host: h for h in report.hosts}
    for row in hosts:
        h = by_host[row[0]]
        assert row[5] == h.estimate.vcpu and isinstance(row[5], int)
        assert row[8] == h.estimate.requested_cpu_millicores
    apps = list(wb["Apps"].iter_rows(min_row=2, values_only=True))
    assert len(apps) == sum(len(h.apps) for h in report.hosts)
    assert all(isinstance(r[7], bool) for r in apps)
    # discovered strings stay text: no cell of any sheet is a formula
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    findings = list(wb["Findings"].iter_rows(min_row=2, values_only=True))
    assert len(findings) == sum(len(h.findings) + sum(len(a.findings) for a in h.apps)
                                for h in report.hosts) + len(report.errors)
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["hosts"] == report.summary.hosts and summary["apps"] == report.summary.apps
    # the Costs sheet: the cost model's lines and totals, numbers that add up
    costs = list(wb["Costs"].iter_rows(min_row=2, values_only=True))
    monthly = [r for r in costs if r[0] == "monthly"]
    tco = [r for r in costs if r[0].startswith("tco")]
    assert [r[1] for r in monthly] == [x.item for x in report.costs.lines] + ["Total"]
    assert monthly[-1][2] == pytest.approx(sum(r[2] for r in monthly[:-1]), abs=0.05)
    assert monthly[-1][3] == pytest.approx(sum(r[3] for r in monthly[:-1]), abs=0.05)
    assert tco[-1][3] == pytest.approx(sum(r[3] for r in tco[:-1]), abs=0.5)
    assert tco[-1][2] == report.costs.tco_vms and isinstance(tco[-1][2], float)
    assert "Migration effort" in [r[1] for r in tco]
    assert all(r[7] for r in monthly[:-1])  # every line names its source
    host_costs = list(wb["Host costs"].iter_rows(min_row=2, values_only=True))
    assert len(host_costs) == len(report.hosts)
