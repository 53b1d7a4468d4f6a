"""Offline matching of installed OS packages against an OSV export.

Input (``--osv``): a JSON file holding one OSV record, a list of records or
``{"vulns": [...]}``, or a directory of such files (the osv.dev bulk export
unpacked). A package matches a record when the record's ecosystem is the
VM's distro (and release, when the ecosystem names one), the names are
equal, and the installed version is listed in ``versions`` or falls in an
ECOSYSTEM range (introduced <= v < fixed, or <= last_affected), compared
with dpkg or rpm rules.

Limitation: Debian and Ubuntu records name *source* packages; discovery
records binary packages, so a binary whose name differs from its source
(libssl1.1 from openssl) is only matched when the source name is also
installed under that name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from ..errors import InputError
from ..model import HostFacts, Package
from ..render.security.purl import full_version
from .vercmp import compare

# os-release ID -> OSV ecosystem base names
_ECOSYSTEMS = {
    "debian": ["Debian"], "raspbian": ["Debian"], "ubuntu": ["Ubuntu"],
    "rhel": ["Red Hat"], "centos": ["Red Hat"], "ol": ["Red Hat"], "almalinux": ["AlmaLinux", "Red Hat"],
    "rocky": ["Rocky Linux", "Red Hat"], "sles": ["SUSE"], "sled": ["SUSE"], "opensuse-leap": ["openSUSE"],
    "opensuse": ["openSUSE"], "alpine": ["Alpine"],
}


def load_osv(path: str | Path) -> list[dict[str, Any]]:
    """OSV records from a file or a directory of files."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"--osv {path}: no such file or directory")
    files = sorted(p.rglob("*.json")) if p.is_dir() else [p]
    records: list[dict[str, Any]] = []
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{f}: not an OSV JSON file ({exc})") from None
        if isinstance(data, dict) and isinstance(data.get("vulns"), list):
            data = data["vulns"]
        items = data if isinstance(data, list) else [data]
        for item in items:
            if not isinstance(item, dict) or "id" not in item:
                raise InputError(f"{f}: expected OSV records (objects with an 'id')")
            records.append(item)
    return records


def ecosystem_matches(ecosystem: str, os_id: str, version_id: str) -> bool:
    """'Debian:10' for debian 10, 'Ubuntu:Pro:18.04:LTS' for ubuntu 18.04, 'Red Hat:enterprise_linux:8::appstream' for rhel 8.x."""
    base, _, rest = ecosystem.partition(":")
    if base not in _ECOSYSTEMS.get(os_id, []):
        return False
    if not rest or not version_id:
        return True
    major = version_id.split(".")[0]
    tokens = [t for part in rest.replace(" ", ":").split(":") for t in [part.strip()] if t]
    return version_id in tokens or major in tokens or any(t.split(".")[0] == major for t in tokens if t[:1].isdigit())


def installed_version(pkg: Package) -> str:
    v = full_version(pkg)
    return f"{pkg.epoch}:{v}" if pkg.epoch and pkg.epoch not in ("0", "(none)") else v


def _in_range(kind: str, version: str, events: list[dict[str, str]]) -> tuple[bool, str]:
    """Walk OSV events in order; returns (affected, fixed version if any)."""
    affected, fixed = False, ""
    for ev in events:
        if "introduced" in ev:
            intro = ev["introduced"]
            if intro == "0" or compare(kind, version, intro) >= 0:
                affected = True
        elif "fixed" in ev and affected:
            if compare(kind, version, ev["fixed"]) >= 0:
                affected = False
            else:
                return True, ev["fixed"]
        elif "last_affected" in ev and affected:
            if compare(kind, version, ev["last_affected"]) > 0:
                affected = False
            else:
                return True, ""
        elif "limit" in ev and affected and compare(kind, version, ev["limit"]) >= 0:
            affected = False
    return affected, fixed


def _severity(rec: dict[str, Any], aff: dict[str, Any]) -> str:
    for src in (aff.get("ecosystem_specific") or {}, aff.get("database_specific") or {},
                rec.get("database_specific") or {}):
        for key in ("severity", "urgency"):
            if isinstance(src.get(key), str) and src[key]:
                return src[key]
    for s in rec.get("severity") or []:
        if isinstance(s, dict) and s.get("score"):
            return str(s["score"])
    return ""


def match(facts: HostFacts, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings: one per (record, installed package) that is affected."""
    kind_of = {"dpkg": "deb", "rpm": "rpm", "apk": "deb"}
    by_name: dict[str, list[Package]] = {}
    for p in facts.packages:
        by_name.setdefault(p.name, []).append(p)
    findings: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for rec in records:
        for aff in rec.get("affected") or []:
            pkg_info = aff.get("package") or {}
            name, eco = pkg_info.get("name", ""), pkg_info.get("ecosystem", "")
            if name not in by_name or not ecosystem_matches(eco, facts.os.id, facts.os.version_id):
                continue
            for pkg in by_name[name]:
                kind = kind_of.get(pkg.manager, "deb")
                version = installed_version(pkg)
                hit, fixed = version in (aff.get("versions") or []), ""
                if not hit:
                    for rng in aff.get("ranges") or []:
                        if rng.get("type") == "ECOSYSTEM":
                            hit, fixed = _in_range(kind, version, rng.get("events") or [])
                            if hit:
                                break
                key = (rec["id"], pkg.name, version)
                if hit and key not in seen:
                    seen.add(key)
                    findings.append({"id": rec["id"], "aliases": list(rec.get("aliases") or []),
                                     "package": pkg.name, "installed": version, "fixed": fixed,
                                     "ecosystem": eco, "severity": _severity(rec, aff),
                                     "summary": str(rec.get("summary") or rec.get("details") or "")[:300]})
    return sorted(findings, key=lambda f: (f["package"], f["id"]))
