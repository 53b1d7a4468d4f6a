"""SBOM of a built (or pulled) image's OS packages, read by running the image.

One ``ENGINE run --rm --network none --entrypoint /bin/sh IMAGE -c SCRIPT``
prints /etc/os-release and the package list (dpkg, rpm or apk); the result
becomes the same CycloneDX document as a VM's, with a container subject.
Images without /bin/sh (distroless) are reported as such, not failed.
"""

from __future__ import annotations

import json
from typing import Optional

from ..errors import MtaError
from ..model import HostFacts, OSInfo, Package
from ..render.security.sbom import sbom_data
from ..transport.local import LocalTransport

_SEP = "---mta-packages---"
SCRIPT = (
    "cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null; echo " + _SEP + "; "
    "if command -v dpkg-query >/dev/null 2>&1; then "
    "dpkg-query -W -f='dpkg\\t${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\n'; "
    "elif command -v rpm >/dev/null 2>&1; then "
    "rpm -qa --qf 'rpm\\t%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n'; "
    "elif command -v apk >/dev/null 2>&1; then "
    "apk info -v 2>/dev/null | sed 's/^/apk\\t/'; fi"
)


def parse(text: str) -> tuple[OSInfo, list[Package]]:
    """os-release + package lines -> (OSInfo, packages)."""
    head, _, body = text.partition(_SEP)
    rel: dict[str, str] = {}
    for line in head.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            rel[k.strip()] = v.strip().strip('"')
    os_id = rel.get("ID", "unknown")
    family = {"debian": "debian", "ubuntu": "debian", "rhel": "rhel", "centos": "rhel", "fedora": "rhel",
              "rocky": "rhel", "almalinux": "rhel", "ol": "rhel", "amzn": "rhel", "sles": "suse",
              "opensuse-leap": "suse", "alpine": "alpine"}.get(os_id, "other")
    osinfo = OSInfo(id=os_id, version_id=rel.get("VERSION_ID", ""), name=rel.get("NAME", ""),
                    pretty_name=rel.get("PRETTY_NAME", ""), family=family)
    pkgs: list[Package] = []
    for line in body.splitlines():
        f = line.split("\t")
        if f[0] == "dpkg" and len(f) >= 4 and (len(f) < 5 or f[4].startswith("i")):
            epoch, _, version = f[2].rpartition(":") if ":" in f[2] else ("", "", f[2])
            pkgs.append(Package(name=f[1], version=version, epoch=epoch, arch=f[3], manager="dpkg"))
        elif f[0] == "rpm" and len(f) >= 6 and f[1] != "gpg-pubkey":
            pkgs.append(Package(name=f[1], epoch="" if f[2] in ("0", "(none)") else f[2], version=f[3],
                                release=f[4], arch=f[5], manager="rpm"))
        elif f[0] == "apk" and len(f) >= 2:
            name, _, ver = f[1].rpartition("-")
            name, _, rel_ = name.rpartition("-") if name else ("", "", "")
            if name:
                pkgs.append(Package(name=name, version=f"{rel_}-{ver}", manager="apk"))
    return osinfo, pkgs


def image_facts(image: str, engine: str = "podman", runtime: Optional[str] = None,
                timeout: float = 120.0) -> HostFacts:
    """Run the image once (no network) and return its OS and packages as HostFacts."""
    cmd = [engine, "run", "--rm", "--pull", "never", "--network", "none", "--user", "0", "--entrypoint", "/bin/sh"]
    if runtime:
        cmd[2:2] = ["--runtime", runtime]
    res = LocalTransport().run([*cmd, image, "-c", SCRIPT], timeout=timeout)
    if res.exit_status != 0:
        raise MtaError(f"cannot list packages of image {image}: "
                       f"{res.stderr.decode(errors='replace').strip()[-300:] or 'exit ' + str(res.exit_status)}",
                       hint="the image needs /bin/sh; distroless images have no package database to read")
    osinfo, pkgs = parse(res.stdout.decode("utf-8", errors="replace"))
    return HostFacts(host=image, collector="import", os=osinfo, packages=pkgs)


def image_sbom(facts: HostFacts) -> str:
    """CycloneDX JSON for an image (subject type 'container')."""
    data = sbom_data(facts)
    data["metadata"]["component"] = {"type": "container", "bom-ref": f"image:{facts.host}", "name": facts.host,
                                     "description": "container image inspected by mta"}
    data["dependencies"][0]["ref"] = f"image:{facts.host}"
    data["metadata"]["properties"] = [{"name": "mta:image", "value": facts.host}]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
