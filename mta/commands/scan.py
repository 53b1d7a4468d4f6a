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
def command(out: str, osv_path: Optional[str], scanner: str, hosts: tuple[str, ...]) -> None:
    """Write OUT/hosts/<host>/vulnerabilities.json from each host's SBOM."""
    from ..pipeline import load_discovery
    from ..security.scan import find_scanner, load_osv, scan_host

    root = Path(out) / "hosts"
    dirs = sorted(d for d in root.glob("*") if (d / "discovery.yaml").is_file()) if root.is_dir() else []
    if hosts:
        dirs = [d for d in dirs if d.name in hosts]
    if not dirs:
        raise InputError(f"{out}: no hosts/<host>/discovery.yaml here", hint="run mta discover or mta batch first")
    records = load_osv(osv_path) if osv_path else None
    tool = "" if records is not None else find_scanner(scanner)
    for d in dirs:
        facts = load_discovery(d / "discovery.yaml")
        res = scan_host(d, facts, osv_records=records, osv_source=str(osv_path or ""), scanner=tool)
        counts = ", ".join(f"{k} {v}" for k, v in res["counts"].items()) or "none"
        click.echo(f"{facts.host}: {len(res['findings'])} findings ({counts}) -> {d / 'vulnerabilities.json'}")
