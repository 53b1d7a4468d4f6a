"""``mta scan``: CVE findings for each host's SBOM -> OUT/hosts/<host>/vulnerabilities.json.

Scanners, in order: an OSV export given with ``--osv`` (offline, no tool
needed), else grype, else trivy when on PATH. The file always has the same
shape whatever made it, so the report reads one format:

    {"host", "scanner", "source", "findings": [{target, id, aliases, package, installed,
     fixed, ecosystem, severity, summary}], "counts": {severity: n}, "errors": [str]}

``target`` is "vm" for the host's own packages, "image <app>" for an image
inspected with ``--images`` (its SBOM in hosts/<host>/images/<app>.cdx.json).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any, Optional

from ..errors import MtaError
from ..io import write_atomic
from ..model import HostFacts
from ..pipeline import load_plan
from ..render.security.sbom import render_sbom
from ..transport.local import LocalTransport
from .image_sbom import image_facts, image_sbom
from .osv import load_osv, match

INSTALL_HINT = ("install grype (curl -sSfL https://raw.githubusercontent.com/anchore/grype/main/install.sh "
                "| sh -s -- -b /usr/local/bin) or trivy (https://trivy.dev), or pass --osv FILE with an "
                "OSV export (https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip, unzipped)")


class ScannerMissing(MtaError):
    pass


def find_scanner(prefer: str = "auto") -> str:
    """'grype' or 'trivy' (whichever is on PATH), or raise ScannerMissing with how to install."""
    order = ["grype", "trivy"] if prefer == "auto" else [prefer]
    for name in order:
        if shutil.which(name):
            return name
    raise ScannerMissing("no vulnerability scanner found (grype or trivy) and no --osv export given",
                         hint=INSTALL_HINT)


def _grype(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for m in doc.get("matches") or []:
        v, a = m.get("vulnerability") or {}, m.get("artifact") or {}
        fix = (v.get("fix") or {}).get("versions") or []
        out.append({"id": v.get("id", ""), "aliases": [r.get("id", "") for r in m.get("relatedVulnerabilities") or []],
                    "package": a.get("name", ""), "installed": a.get("version", ""), "fixed": ", ".join(fix),
                    "ecosystem": a.get("type", ""), "severity": v.get("severity", ""),
                    "summary": str(v.get("description") or "")[:300]})
    return out


def _trivy(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for res in doc.get("Results") or []:
        for v in res.get("Vulnerabilities") or []:
            out.append({"id": v.get("VulnerabilityID", ""), "aliases": [], "package": v.get("PkgName", ""),
                        "installed": v.get("InstalledVersion", ""), "fixed": v.get("FixedVersion", ""),
                        "ecosystem": res.get("Type", ""), "severity": v.get("Severity", ""),
                        "summary": str(v.get("Title") or v.get("Description") or "")[:300]})
    return out


def run_scanner(name: str, sbom: Path, timeout: float = 600.0) -> list[dict[str, Any]]:
    """Run grype/trivy on one SBOM (through the local transport) and normalise its JSON."""
    cmd = ([name, f"sbom:{sbom}", "-o", "json", "-q"] if name == "grype"
           else [name, "-q", "sbom", "--format", "json", str(sbom)])
    res = LocalTransport().run(cmd, timeout=timeout)
    if res.exit_status != 0:
        raise MtaError(f"{name} failed on {sbom}: {res.stderr.decode(errors='replace').strip()[:300]}",
                       hint=f"run it by hand: {' '.join(cmd)}")
    try:
        doc = json.loads(res.stdout)
    except json.JSONDecodeError:
        raise MtaError(f"{name} printed no JSON for {sbom}", hint=f"run it by hand: {' '.join(cmd)}") from None
    return _grype(doc) if name == "grype" else _trivy(doc)


def result(host: str, scanner: str, source: str, findings: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter((f.get("severity") or "unknown").lower() for f in findings)
    return {"host": host, "scanner": scanner, "source": source, "findings": findings,
            "counts": dict(sorted(counts.items()))}


def _scan(scanner: str, sbom: Path, facts: HostFacts, records, target: str) -> list[dict[str, Any]]:
    found = match(facts, records) if records is not None else run_scanner(scanner, sbom)
    return [{"target": target, **f} for f in found]


def scan_host(host_dir: Path, facts: HostFacts, *, osv_records: Optional[list[dict[str, Any]]] = None,
              osv_source: str = "", scanner: str = "", images: bool = False, engine: str = "podman",
              runtime: Optional[str] = None) -> dict[str, Any]:
    """Scan one host (and, with ``images``, its apps' images) and write vulnerabilities.json."""
    sbom = host_dir / "sbom.cdx.json"
    if not sbom.is_file():  # hosts without apps get no artifacts, but their packages still count
        write_atomic(sbom, render_sbom(facts))
    findings = _scan(scanner, sbom, facts, osv_records, "vm")
    errors: list[str] = []
    if images:
        plan_path = host_dir / "plan.yaml"
        plan = load_plan(plan_path) if plan_path.is_file() else None
        for app in (plan.apps if plan else []):
            if not app.include or not app.image:
                continue
            try:
                ifacts = image_facts(app.image, engine=engine, runtime=runtime)
            except MtaError as exc:
                errors.append(f"{app.name}: {exc.message}")
                continue
            path = host_dir / "images" / f"{app.name}.cdx.json"
            write_atomic(path, image_sbom(ifacts))
            findings += _scan(scanner, path, ifacts, osv_records, f"image {app.name}")
    res = result(facts.host, scanner or "osv", osv_source or "sbom.cdx.json", findings)
    res["errors"] = errors
    write_atomic(host_dir / "vulnerabilities.json", json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    return res


__all__ = ["INSTALL_HINT", "ScannerMissing", "find_scanner", "load_osv", "scan_host"]
