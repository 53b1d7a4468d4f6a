"""``mta scan --osv`` then ``mta report``: each host's vulnerabilities.json is
counted in the report (html, md, json); a host never scanned shows nothing."""

from __future__ import annotations

import json
from pathlib import Path

from mta.cli import main
from mta.report.collect import read_vulnerabilities

ROOT = Path(__file__).resolve().parents[2]


def _rec(id_, name, severity):
    return {"id": id_, "affected": [{"package": {"ecosystem": "Debian:10", "name": name},
                                     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
                                     "ecosystem_specific": {"urgency": severity}}]}


def test_scan_counts_reach_every_report_format(tmp_path, capsys):
    out = tmp_path / "out"
    for name in ("debian10-lamp", "centos7-tomcat"):
        assert main(["generate", str(ROOT / "samples" / name / "discovery.yaml"), "-o", str(out)]) == 0
    facts = json.loads(json.dumps(__import__("yaml").safe_load(
        (ROOT / "samples" / "debian10-lamp" / "discovery.yaml").read_text())))
    pkgs = [p["name"] for p in facts["packages"]][:3]
    assert len(pkgs) == 3
    osv = tmp_path / "osv.json"
    osv.write_text(json.dumps([_rec("DSA-T1", pkgs[0], "high"), _rec("DSA-T2", pkgs[1], "high"),
                               _rec("DSA-T3", pkgs[2], "low**")]))
    assert main(["scan", str(out), "--osv", str(osv), "--host", "debian10-lamp"]) == 0
    capsys.readouterr()

    report_dir = out  # the report is written into the first OUT
    assert main(["report", str(out), "--format", "html,md,json"]) in (0, 3)
    capsys.readouterr()
    data = json.loads((report_dir / "report.json").read_text())
    hosts = {h["host"]: h for h in data["hosts"]}
    v = hosts["debian10-lamp"]["vulnerabilities"]
    assert v["total"] == 3 and v["by_severity"] == {"high": 2, "low": 1} and v["scanner"] == "osv"
    assert v["href"].endswith("debian10-lamp/vulnerabilities.json")
    assert (report_dir / v["href"]).resolve() == (out / "hosts" / "debian10-lamp" / "vulnerabilities.json").resolve()
    assert hosts["centos7-tomcat"]["vulnerabilities"] is None

    md = (report_dir / "report.md").read_text()
    assert "Vulnerabilities (osv): **3** — high 2, low 1" in md
    assert md.count("Vulnerabilities (") == 1
    html = (report_dir / "report.html").read_text()
    assert '<span class="sev sev-high">high 2</span>' in html and 'href="' + v["href"] + '"' in html

    # a second report (cache hit on the host) still reads a newer scan
    osv.write_text(json.dumps([_rec("DSA-T1", pkgs[0], "critical")]))
    assert main(["scan", str(out), "--osv", str(osv), "--host", "debian10-lamp"]) == 0
    assert main(["report", str(out), "--format", "json"]) in (0, 3)
    capsys.readouterr()
    again = {h["host"]: h for h in json.loads((report_dir / "report.json").read_text())["hosts"]}
    assert again["debian10-lamp"]["vulnerabilities"]["by_severity"] == {"critical": 1}


def test_broken_file_is_a_note_not_a_failure(tmp_path):
    (tmp_path / "vulnerabilities.json").write_text("{not json")
    v = read_vulnerabilities(tmp_path)
    assert v is not None and v.total == 0 and "unreadable" in v.errors[0]
    assert read_vulnerabilities(tmp_path / "nowhere") is None
