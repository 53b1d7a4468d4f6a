"""mta scan: offline OSV matching, grype/trivy absence explained, vulnerabilities.json written."""

from __future__ import annotations

import json
import shutil

import pytest

from mta.cli import main
from mta.model import HostFacts, OSInfo, Package
from mta.security.osv import ecosystem_matches, load_osv, match


def rec(id_, eco, name, events=None, versions=None, **extra):
    aff = {"package": {"ecosystem": eco, "name": name}}
    if events is not None:
        aff["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        aff["versions"] = versions
    return {"id": id_, "affected": [aff], **extra}


DEB = HostFacts(host="d", os=OSInfo(id="debian", version_id="10", family="debian"), packages=[
    Package(name="apache2", version="2.4.38-3+deb10u5", arch="amd64", manager="dpkg"),
    Package(name="openssl", version="1.1.1d-0+deb10u7", arch="amd64", manager="dpkg"),
    Package(name="bash", version="5.0-4", arch="amd64", manager="dpkg")])
RH = HostFacts(host="r", os=OSInfo(id="centos", version_id="7", family="rhel"), packages=[
    Package(name="bash", version="4.2.46", release="34.el7", arch="x86_64", manager="rpm"),
    Package(name="openssl", version="1.0.2k", release="25.el7_9", epoch="1", arch="x86_64", manager="rpm")])


def test_ranges_versions_and_ecosystems():
    records = [
        rec("DSA-1", "Debian:10", "apache2", [{"introduced": "0"}, {"fixed": "2.4.38-3+deb10u10"}],
            aliases=["CVE-2099-1"], summary="httpd bug"),
        rec("DSA-2", "Debian:10", "apache2", [{"introduced": "0"}, {"fixed": "2.4.38-3+deb10u4"}]),  # already fixed
        rec("DSA-3", "Debian:11", "apache2", [{"introduced": "0"}, {"fixed": "9"}]),  # other release
        rec("DSA-4", "Debian", "openssl", [{"introduced": "1.1.1"}, {"last_affected": "1.1.1d-0+deb10u7"}]),
        rec("DSA-5", "Debian:10", "bash", versions=["5.0-4"]),
        rec("USN-6", "Ubuntu:18.04", "bash", [{"introduced": "0"}]),  # other distro
    ]
    got = {f["id"]: f for f in match(DEB, records)}
    assert sorted(got) == ["DSA-1", "DSA-4", "DSA-5"]
    assert got["DSA-1"]["fixed"] == "2.4.38-3+deb10u10" and got["DSA-1"]["aliases"] == ["CVE-2099-1"]


def test_rpm_epoch_and_release():
    records = [
        rec("RHSA-1", "Red Hat:enterprise_linux:7::server", "bash", [{"introduced": "0"}, {"fixed": "4.2.46-35.el7"}],
            database_specific={"severity": "Important"}),
        rec("RHSA-2", "Red Hat:enterprise_linux:7", "openssl", [{"introduced": "0"}, {"fixed": "1:1.0.2k-24.el7"}]),
        rec("RHSA-3", "Red Hat:enterprise_linux:7", "openssl", [{"introduced": "0"}, {"fixed": "1:1.0.2k-26.el7_9"}]),
        rec("RHSA-4", "Red Hat:enterprise_linux:8", "bash", [{"introduced": "0"}, {"fixed": "9"}]),
    ]
    got = {f["id"]: f for f in match(RH, records)}
    assert sorted(got) == ["RHSA-1", "RHSA-3"]
    assert got["RHSA-1"]["severity"] == "Important" and got["RHSA-3"]["installed"] == "1:1.0.2k-25.el7_9"


@pytest.mark.parametrize("eco,os_id,ver,want", [
    ("Debian:10", "debian", "10", True), ("Debian", "debian", "12", True), ("Debian:11", "debian", "10", False),
    ("Ubuntu:Pro:18.04:LTS", "ubuntu", "18.04", True), ("Ubuntu:20.04", "ubuntu", "18.04", False),
    ("Red Hat:enterprise_linux:8::appstream", "rhel", "8.4", True), ("SUSE:Linux Enterprise Server 12 SP5", "sles", "12.5", True),
    ("Alpine:v3.18", "debian", "10", False),
])
def test_ecosystem_matches(eco, os_id, ver, want):
    assert ecosystem_matches(eco, os_id, ver) is want


def test_load_forms(tmp_path):
    one = rec("A-1", "Debian", "x", [{"introduced": "0"}])
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.json").write_text(json.dumps(one))
    (tmp_path / "d" / "b.json").write_text(json.dumps({"vulns": [rec("B-1", "Debian", "y")]}))
    (tmp_path / "list.json").write_text(json.dumps([one, one]))
    assert [r["id"] for r in load_osv(tmp_path / "d")] == ["A-1", "B-1"]
    assert len(load_osv(tmp_path / "list.json")) == 2


def test_cli_osv_writes_vulnerabilities_json(generated, tmp_path, capsys):
    osv = tmp_path / "osv.json"
    osv.write_text(json.dumps([rec("DSA-T", "Debian:10", "apache2", [{"introduced": "0"}, {"fixed": "2.4.38-3+deb10u99"}])]))
    assert main(["scan", str(generated), "--osv", str(osv), "--host", "debian10-lamp"]) == 0
    res = json.loads((generated / "hosts" / "debian10-lamp" / "vulnerabilities.json").read_text())
    assert res["scanner"] == "osv" and [f["id"] for f in res["findings"]] == ["DSA-T"]
    assert "debian10-lamp: 1 findings" in capsys.readouterr().out


def test_cli_without_scanner_explains(generated, capsys, monkeypatch):
    if shutil.which("grype") or shutil.which("trivy"):
        pytest.skip("a scanner is installed here")
    assert main(["scan", str(generated)]) == 1
    err = capsys.readouterr().err
    assert "no vulnerability scanner" in err and "grype" in err and "--osv" in err


def test_cli_bad_osv_is_an_input_error(generated, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["scan", str(generated), "--osv", str(bad)]) == 1
    assert "not an OSV JSON file" in capsys.readouterr().err


GRYPE_OUT = {"matches": [{"vulnerability": {"id": "CVE-2099-7", "severity": "High", "description": "d",
                                            "fix": {"versions": ["2.4.38-3+deb10u10"]}},
                          "relatedVulnerabilities": [{"id": "DSA-9"}],
                          "artifact": {"name": "apache2", "version": "2.4.38-3+deb10u5", "type": "deb"}}]}
TRIVY_OUT = {"Results": [{"Type": "debian", "Vulnerabilities": [
    {"VulnerabilityID": "CVE-2099-8", "PkgName": "bash", "InstalledVersion": "5.0-4", "FixedVersion": "5.0-4+x",
     "Severity": "CRITICAL", "Title": "t"}]}]}


@pytest.mark.parametrize("tool,doc,first", [("grype", GRYPE_OUT, "CVE-2099-7"), ("trivy", TRIVY_OUT, "CVE-2099-8")])
def test_cli_runs_a_scanner_on_path(generated, tmp_path, monkeypatch, capsys, tool, doc, first):
    """A stand-in scanner on PATH: mta passes the SBOM and normalises its JSON."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    args_log = tmp_path / "args"
    (bindir / tool).write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {args_log}\ncat <<'EOF'\n{json.dumps(doc)}\nEOF\n")
    (bindir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:{__import__('os').environ['PATH']}")
    assert main(["scan", str(generated), "--scanner", tool, "--host", "debian10-lamp"]) == 0
    res = json.loads((generated / "hosts" / "debian10-lamp" / "vulnerabilities.json").read_text())
    assert res["scanner"] == tool and res["findings"][0]["id"] == first
    assert "sbom.cdx.json" in args_log.read_text()
    capsys.readouterr()
