"""CycloneDX 1.5 JSON SBOM of a VM's installed OS packages (``sbom.cdx.json``).

Deterministic for the same discovery (serial number derived from the
content, timestamp = when discovery ran), so re-generating changes nothing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from ... import __version__
from ...model import HostFacts
from .purl import full_version, package_url, purl_type

SPEC_VERSION = "1.5"


def _epoch_version(version: str, epoch: str) -> str:
    return f"{epoch}:{version}" if epoch and epoch not in ("0", "(none)") else version


def sbom_data(facts: HostFacts) -> dict[str, Any]:
    """The SBOM as data: one component per installed package, purl as bom-ref."""
    components: list[dict[str, Any]] = []
    seen: set[str] = set()
    for pkg in sorted(facts.packages, key=lambda p: (p.name, p.version, p.release, p.arch)):
        purl = package_url(pkg, facts.os)
        if purl in seen:  # multilib duplicates with the same arch
            continue
        seen.add(purl)
        props = [{"name": "mta:package:manager", "value": pkg.manager}]
        if pkg.arch:
            props.append({"name": "mta:package:arch", "value": pkg.arch})
        comp: dict[str, Any] = {"type": "library", "bom-ref": purl, "name": pkg.name,
                                "version": _epoch_version(full_version(pkg), pkg.epoch),
                                "properties": props}
        if purl_type(pkg.manager) != "generic":
            comp["purl"] = purl
        components.append(comp)
    os_ref = f"os:{facts.os.id or 'unknown'}-{facts.os.version_id or 'unknown'}"
    host_ref = f"host:{facts.host}"
    meta: dict[str, Any] = {
        "tools": {"components": [{"type": "application", "name": "mta", "version": __version__}]},
        "component": {"type": "device", "bom-ref": host_ref, "name": facts.host,
                      "description": f"VM discovered by mta ({facts.collector})"},
        "properties": [{"name": "mta:host", "value": facts.host}],
    }
    if facts.collected_at:
        meta["timestamp"] = facts.collected_at.isoformat().replace("+00:00", "Z")
    os_comp: dict[str, Any] = {"type": "operating-system", "bom-ref": os_ref, "name": facts.os.id or "unknown",
                               "version": facts.os.version_id or "unknown"}
    if facts.os.pretty_name:
        os_comp["description"] = facts.os.pretty_name
    seed = json.dumps([facts.host, facts.os.id, facts.os.version_id, [c["bom-ref"] for c in components]])
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'mta-sbom:' + seed)}",
        "version": 1,
        "metadata": meta,
        "components": [os_comp, *components],
        "dependencies": [{"ref": host_ref, "dependsOn": [os_ref]},
                         {"ref": os_ref, "dependsOn": [c["bom-ref"] for c in components]}],
    }


def render_sbom(facts: HostFacts) -> str:
    return json.dumps(sbom_data(facts), indent=2, ensure_ascii=False) + "\n"
