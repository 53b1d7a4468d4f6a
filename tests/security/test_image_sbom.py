"""mta scan --images: a real image (the local debian:bookworm-slim) run once with podman,
its packages turned into a valid CycloneDX SBOM and matched against an OSV record."""

from __future__ import annotations

import json

import pytest

from mta.cli import main
from mta.io import dump_model
from mta.pipeline import generate_host, load_discovery, load_plan
from mta.security.image_sbom import parse

from .conftest import ROOT

pytestmark = pytest.mark.timeout(600)


def test_parse_package_lists():
    text = ('ID="rocky"\nVERSION_ID="8.9"\n---mta-packages---\nrpm\tbash\t0\t4.4.20\t4.el8_6\tx86_64\n'
            "rpm\tgpg-pubkey\t0\tx\ty\t(none)\nrpm\topenssl\t1\t1.1.1k\t9.el8\tx86_64\n")
    osinfo, pkgs = parse(text)
    assert (osinfo.id, osinfo.family) == ("rocky", "rhel")
    assert [(p.name, p.epoch) for p in pkgs] == [("bash", ""), ("openssl", "1")]
    osinfo, pkgs = parse("ID=debian\n---mta-packages---\ndpkg\tlibc6\t2.36-9\tamd64\tii \n"
                         "dpkg\told\t1:1.0-1\tall\trc \n")
    assert [(p.name, p.version) for p in pkgs] == [("libc6", "2.36-9")]


def test_scan_images_with_podman(podman, tmp_path, capsys):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    src = ROOT / "samples" / "centos7-tomcat" / "discovery.yaml"
    generate_host(load_discovery(src), None, tmp_path, discovery_path=str(src))
    host = tmp_path / "hosts" / "centos7-tomcat"
    plan = load_plan(host / "plan.yaml")
    plan.app("db").image = podman.base_image
    plan.app("tomcat").image = "localhost/mta-test/not-built:0.0"
    (host / "plan.yaml").write_text(dump_model(plan))
    osv = tmp_path / "osv.json"
    osv.write_text(json.dumps([{"id": "DEB-TEST-1", "affected": [{"package": {"ecosystem": "Debian:12", "name": "bash"},
                                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99"}]}]}]}]))
    code = main(["scan", str(tmp_path), "--osv", str(osv), "--images", "--runtime", podman.runtime])
    assert code == 0
    err = capsys.readouterr().err
    assert "tomcat" in err and "image not scanned" in err
    sbom = (host / "images" / "db.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(sbom) is None
    doc = json.loads(sbom)
    assert doc["metadata"]["component"]["type"] == "container"
    assert any(c.get("purl", "").startswith("pkg:deb/debian/bash@") and "distro=debian-12" in c["purl"]
               for c in doc["components"])
    res = json.loads((host / "vulnerabilities.json").read_text())
    assert [(f["target"], f["id"]) for f in res["findings"]] == [("image db", "DEB-TEST-1")]
    assert res["errors"] and res["errors"][0].startswith("tomcat:")
