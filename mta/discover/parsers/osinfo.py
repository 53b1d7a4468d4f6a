"""Section ``os``: distribution, kernel, host name, init system.

os-release first; older distros fall back to redhat-release (CentOS/RHEL 5-6),
SuSE-release (SLES 11), lsb-release and debian_version.
"""

from __future__ import annotations

import re

from ...model import OSInfo
from . import Blocks, key_values, lines

_FAMILY = {
    "rhel": "rhel", "centos": "rhel", "fedora": "rhel", "ol": "rhel", "rocky": "rhel", "almalinux": "rhel",
    "amzn": "rhel", "scientific": "rhel", "cloudlinux": "rhel",
    "debian": "debian", "ubuntu": "debian", "raspbian": "debian", "linuxmint": "debian",
    "sles": "suse", "sled": "suse", "opensuse": "suse", "opensuse-leap": "suse", "suse": "suse",
    "alpine": "alpine",
}

_REDHAT = re.compile(r"^(?P<name>.*?)\s+(?:Linux\s+)?(?:Server\s+)?release\s+(?P<ver>[\d.]+)", re.I)


def _family(os_id: str, like: str) -> str:
    for candidate in [os_id, *like.split()]:
        fam = _FAMILY.get(candidate.lower())
        if fam:
            return fam
    return "other"


def _from_redhat_release(text: str) -> tuple[str, str, str]:
    first = next(lines(text), "")
    m = _REDHAT.match(first)
    name = m.group("name") if m else first
    ver = m.group("ver") if m else ""
    low = first.lower()
    if "centos" in low:
        os_id = "centos"
    elif "red hat" in low:
        os_id = "rhel"
    elif "oracle" in low:
        os_id = "ol"
    elif "fedora" in low:
        os_id = "fedora"
    elif "scientific" in low:
        os_id = "scientific"
    else:
        os_id = "rhel"
    return os_id, ver, name.strip() or first


def parse(blocks: Blocks) -> OSInfo:
    info = OSInfo()
    rel = key_values(blocks.get("file /etc/os-release") or blocks.get("file /usr/lib/os-release") or "")
    if rel.get("ID"):
        info.id = rel["ID"].lower()
        info.version_id = rel.get("VERSION_ID", "")
        info.name = rel.get("NAME", "")
        info.pretty_name = rel.get("PRETTY_NAME", "")
        info.family = _family(info.id, rel.get("ID_LIKE", ""))
    elif blocks.get("file /etc/redhat-release") or blocks.get("file /etc/centos-release"):
        text = blocks.get("file /etc/centos-release") or blocks["file /etc/redhat-release"]
        info.id, info.version_id, info.name = _from_redhat_release(text)
        info.pretty_name = next(lines(text), "")
        info.family = "rhel"
    elif blocks.get("file /etc/SuSE-release"):
        text = blocks["file /etc/SuSE-release"]
        first = next(lines(text), "")
        kv = key_values(text)
        ver, patch = kv.get("VERSION", ""), kv.get("PATCHLEVEL", "")
        info.id = "opensuse" if "opensuse" in first.lower() else "sles"
        info.version_id = f"{ver}.{patch}" if ver and patch and patch != "0" else ver
        info.name = re.sub(r"\s*\(.*\)\s*$", "", first)
        info.pretty_name = first
        info.family = "suse"
    elif blocks.get("file /etc/lsb-release"):
        kv = key_values(blocks["file /etc/lsb-release"])
        info.id = kv.get("DISTRIB_ID", "unknown").lower()
        info.version_id = kv.get("DISTRIB_RELEASE", "")
        info.name = kv.get("DISTRIB_ID", "")
        info.pretty_name = kv.get("DISTRIB_DESCRIPTION", "")
        info.family = _family(info.id, "")
    elif blocks.get("file /etc/debian_version"):
        info.id, info.family, info.name = "debian", "debian", "Debian GNU/Linux"
        info.version_id = next(lines(blocks["file /etc/debian_version"]), "").strip()
        info.pretty_name = f"Debian GNU/Linux {info.version_id}"
    elif blocks.get("file /etc/alpine-release"):
        info.id, info.family, info.name = "alpine", "alpine", "Alpine Linux"
        info.version_id = next(lines(blocks["file /etc/alpine-release"]), "").strip()
    info.kernel = next(lines(blocks.get("kernel", "")), "").strip()
    info.arch = next(lines(blocks.get("arch", "")), "").strip()
    info.hostname = next(lines(blocks.get("hostname", "")), "").strip()
    info.init_system = init_system(key_values(blocks.get("init", "")), info.family)
    return info


def init_system(init: dict[str, str], family: str) -> str:
    """What starts the services. RHEL 6 runs upstart as PID 1 but only to drive
    its SysV rc scripts, so it counts as sysv."""
    pid1 = init.get("pid1", "")
    if init.get("systemd_run") or pid1 == "systemd":
        return "systemd"
    if init.get("initctl") and init.get("upstart_confs") and family != "rhel":
        return "upstart"
    if init.get("initd") or init.get("inittab"):
        return "sysv"
    if pid1 in ("init", "busybox") and family == "alpine":
        return "busybox"
    return "unknown"
