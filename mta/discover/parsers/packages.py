"""Section ``packages``: rpm, dpkg and apk databases."""

from __future__ import annotations

import re

from ...model import Package
from . import Blocks, lines

_APK = re.compile(r"^(?P<name>.+?)-(?P<ver>\d[^-]*)-(?P<rel>r\d+)$")


def _rpm(text: str) -> list[Package]:
    out = []
    for line in lines(text):
        parts = line.split("\t")
        if len(parts) != 5 or parts[0] == "gpg-pubkey":
            continue
        name, epoch, version, release, arch = parts
        out.append(
            Package(name=name, epoch="" if epoch == "(none)" else epoch, version=version, release=release,
                    arch="" if arch == "(none)" else arch, manager="rpm")
        )
    return out


def _dpkg(text: str) -> list[Package]:
    out = []
    for line in lines(text):
        parts = line.split("\t")
        if len(parts) < 4:
            continue
        name, full, arch, status = parts[:4]
        name = name.split(":", 1)[0]  # ${binary:Package} adds ":amd64" for multi-arch
        if not status.split() or status.split()[-1] not in ("installed", "half-configured", "unpacked"):
            continue  # removed, config-files only
        epoch, _, rest = full.rpartition(":") if ":" in full else ("", "", full)
        version, sep, release = rest.rpartition("-")
        if not sep:
            version, release = rest, ""
        out.append(Package(name=name, version=version, release=release, epoch=epoch, arch=arch, manager="dpkg"))
    return out


def _apk(text: str) -> list[Package]:
    out = []
    for line in lines(text):
        m = _APK.match(line.strip())
        if m:
            out.append(Package(name=m.group("name"), version=m.group("ver"), release=m.group("rel"), manager="apk"))
    return out


def parse(blocks: Blocks) -> list[Package]:
    return _rpm(blocks.get("rpm", "")) + _dpkg(blocks.get("dpkg", "")) + _apk(blocks.get("apk", ""))
