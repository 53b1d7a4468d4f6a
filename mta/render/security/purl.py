"""Package URLs (purl) for OS packages, per the purl spec's rpm/deb/apk types.

Written here rather than taken from packageurl-python so that mta needs no
extra runtime dependency; the tests parse our output with that library.
"""

from __future__ import annotations

from urllib.parse import quote

from ...model import OSInfo, Package

# os-release ID -> purl namespace (the vendor, as vulnerability databases name it)
_RPM_VENDOR = {"rhel": "redhat", "sles": "suse", "sled": "suse", "opensuse-leap": "opensuse",
               "opensuse-tumbleweed": "opensuse", "opensuse": "opensuse", "ol": "oracle", "amzn": "amazon"}
_DEB_VENDOR = {"ubuntu": "ubuntu", "debian": "debian", "raspbian": "raspbian", "linuxmint": "ubuntu"}


def _enc(text: str) -> str:
    return quote(text, safe=".-_~")


def namespace(os: OSInfo, manager: str) -> str:
    """The purl namespace (vendor) of a package from this OS."""
    if manager == "dpkg":
        return _DEB_VENDOR.get(os.id, "debian" if os.family == "debian" else os.id or "debian")
    if manager == "apk":
        return "alpine"
    return _RPM_VENDOR.get(os.id, os.id or "redhat")


def purl_type(manager: str) -> str:
    return {"dpkg": "deb", "rpm": "rpm", "apk": "apk"}.get(manager, "generic")


def full_version(pkg: Package) -> str:
    """version-release as the package manager prints it (epoch goes in a qualifier)."""
    return f"{pkg.version}-{pkg.release}" if pkg.release else pkg.version


def package_url(pkg: Package, os: OSInfo) -> str:
    """pkg:rpm/centos/bash@4.2.46-34.el7?arch=x86_64&distro=centos-7 and friends."""
    ptype = purl_type(pkg.manager)
    quals: dict[str, str] = {}
    if pkg.arch:
        quals["arch"] = pkg.arch
    if pkg.epoch and pkg.epoch not in ("0", "(none)"):
        quals["epoch"] = pkg.epoch
    if ptype != "generic" and os.id:
        quals["distro"] = f"{os.id}-{os.version_id}" if os.version_id else os.id
    ns = namespace(os, pkg.manager) if ptype != "generic" else ""
    text = f"pkg:{ptype}/" + (f"{_enc(ns)}/" if ns else "") + _enc(pkg.name)
    if pkg.version:
        text += "@" + _enc(full_version(pkg))
    if quals:
        text += "?" + "&".join(f"{k}={_enc(v)}" for k, v in sorted(quals.items()))
    return text
