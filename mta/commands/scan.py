"""``mta scan OUT``: known vulnerabilities of each host's installed packages."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from ..errors import InputError


@click.command("scan")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--osv", "osv_path", type=click.Path(), default=None,
              help="OSV export (JSON file, list of records, or a directory of them): match offline.")
@click.option("--scanner", type=click.Choice(["auto", "grype", "trivy"]), default="auto", show_default=True,
              help="Tool to run on the SBOMs when no --osv is given.")
@click.option("--host", "hosts", multiple=True, help="Only these hosts (repeatable).")
@click.option("--images", is_flag=True, help="Also inspect each app's image (built or pulled locally) and scan it.")
@click.option("--engine", type=click.Choice(["podman", "docker"]), default="podman", show_default=True,
              help="Engine that runs the images for --images.")
@click.option("--runtime", default=None, help="OCI runtime for --images (podman --runtime, e.g. runc).")
def command(out: str, osv_path: Optional[str], scanner: str, hosts: tuple[str, ...], images: bool, engine: str,
            runtime: Optional[str]) -> None:
    """Write OUT/hosts/<host>/vulnerabilities.json from each host's SBOM."""
    from ..pipeline import load_discovery  # lazy: CLI start (the pipeline, not for --help)
    from ..security.scan import find_scanner, load_osv, scan_host  # lazy: CLI start (the scanners, not for --help)

    root = Path(out) / "hosts"
    dirs = sorted(d for d in root.glob("*")
                  if not d.name.startswith(".") and (d / "discovery.yaml").is_file()) if root.is_dir() else []
    if hosts:
        dirs = [d for d in dirs if d.name in hosts]
    if not dirs:
        raise InputError(f"{out}: no hosts/<host>/discovery.yaml here", hint="run mta discover or mta batch first")
    records = load_osv(osv_path) if osv_path else None
    tool = "" if records is not None else find_scanner(scanner)
    for d in dirs:
        facts = load_discovery(d / "discovery.yaml")
        res = scan_host(d, facts, osv_records=records, osv_source=str(osv_path or ""), scanner=tool,
                        images=images, engine=engine, runtime=runtime)
        counts = ", ".join(f"{k} {v}" for k, v in res["counts"].items()) or "none"
        click.echo(f"{facts.host}: {len(res['findings'])} findings ({counts}) -> {d / 'vulnerabilities.json'}")
        for err in res["errors"]:
            click.echo(f"{facts.host}: image not scanned: {err}", err=True)
