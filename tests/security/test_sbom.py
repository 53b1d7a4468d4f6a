"""SBOMs: valid CycloneDX 1.5 (cyclonedx-python-lib's strict JSON validator), purls parse."""

from __future__ import annotations

import json

import pytest

from mta.model import HostFacts, OSInfo, Package
from mta.render.security.purl import package_url
from mta.render.security.sbom import render_sbom, sbom_data

from .conftest import SAMPLES

from .conftest import unavailable


def validate(text: str):
    try:
        from cyclonedx.schema import SchemaVersion
        from cyclonedx.validation.json import JsonStrictValidator
    except ImportError:
        unavailable("cyclonedx-python-lib is not installed (pip install 'cyclonedx-python-lib[json-validation]')")
    return JsonStrictValidator(SchemaVersion.V1_5).validate_str(text)


def PackageURL():  # noqa: N802 - the library's class, imported late like the validator
    try:
        from packageurl import PackageURL as cls
    except ImportError:
        unavailable("packageurl-python is not installed (comes with cyclonedx-python-lib)")
    return cls


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_sbom_is_valid_cyclonedx(generated, name):
    host = generated / "hosts" / name
    sbom = host / "sbom.cdx.json"
    if not sbom.exists():  # hosts with no app get no artifacts; build it from the facts
        from mta.pipeline import load_discovery

        text = render_sbom(load_discovery(host / "discovery.yaml"))
    else:
        text = sbom.read_text()
    assert validate(text) is None
    doc = json.loads(text)
    pkgs = [c for c in doc["components"] if c["type"] == "library"]
    assert pkgs, "every sample lists packages"
    for c in pkgs:
        p = PackageURL().from_string(c["purl"])
        assert p.name == c["name"] and p.type in ("rpm", "deb", "apk")
        assert p.qualifiers.get("distro")


def test_validator_rejects_a_broken_sbom():
    doc = json.loads(render_sbom(HostFacts(host="x", packages=[Package(name="a", version="1", manager="dpkg")])))
    doc["components"][1]["type"] = "not-a-type"
    assert validate(json.dumps(doc)) is not None


def test_render_is_deterministic():
    facts = HostFacts(host="h", os=OSInfo(id="debian", version_id="10"),
                      packages=[Package(name="b", version="2", manager="dpkg"), Package(name="a", version="1", manager="dpkg")])
    assert render_sbom(facts) == render_sbom(facts)
    assert [c["name"] for c in sbom_data(facts)["components"]][1:] == ["a", "b"]


@pytest.mark.parametrize("os_id,version_id,pkg,expected", [
    ("centos", "7", Package(name="bash", version="4.2.46", release="34.el7", arch="x86_64", manager="rpm"),
     "pkg:rpm/centos/bash@4.2.46-34.el7?arch=x86_64&distro=centos-7"),
    ("rhel", "8.4", Package(name="openssl", version="1.1.1g", release="15.el8_3", epoch="1", arch="x86_64", manager="rpm"),
     "pkg:rpm/redhat/openssl@1.1.1g-15.el8_3?arch=x86_64&distro=rhel-8.4&epoch=1"),
    ("sles", "12.5", Package(name="zypper", version="1.13.51", release="3.52.1", arch="x86_64", manager="rpm"),
     "pkg:rpm/suse/zypper@1.13.51-3.52.1?arch=x86_64&distro=sles-12.5"),
    ("debian", "10", Package(name="apache2", version="2.4.38-3+deb10u5", arch="amd64", manager="dpkg"),
     "pkg:deb/debian/apache2@2.4.38-3%2Bdeb10u5?arch=amd64&distro=debian-10"),
    ("ubuntu", "18.04", Package(name="libc6", version="2.27-3ubuntu1.6", arch="amd64", manager="dpkg"),
     "pkg:deb/ubuntu/libc6@2.27-3ubuntu1.6?arch=amd64&distro=ubuntu-18.04"),
])
def test_purls(os_id, version_id, pkg, expected):
    got = package_url(pkg, OSInfo(id=os_id, version_id=version_id))
    assert got == expected
    assert PackageURL().from_string(got).to_string() == expected  # canonical per packageurl-python
