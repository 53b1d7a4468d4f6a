"""User-facing text printed through rich is text, never markup: a page title,
a path or a host name with brackets comes out as it is."""

from __future__ import annotations

import io

from rich.console import Console

from mta.cli import main
from mta.verify.result import HostResult, ServiceResult, SmokeResult
from mta.verify.table import host_table


def _render(renderable) -> str:
    buf = io.StringIO()
    Console(file=buf, width=200, color_system=None).print(renderable)
    return buf.getvalue()


def test_verify_table_prints_page_titles_and_details_as_they_are():
    smoke = SmokeResult(status="ok", http_status=200, title="[b]Shop[/b] [red]", detail="GET [::1]:8080/")
    host = HostResult(host="vm[1]", path="/out/hosts/vm[1]", engine="podman",
                      services=[ServiceResult(name="web", smoke=smoke, ready="ok", ready_by="http")])
    text = _render(host_table(host))
    assert "[b]Shop[/b] [red]" in text
    assert "GET [::1]:8080/" in text
    assert "vm[1]  (/out/hosts/vm[1])" in text


def test_inventory_check_prints_names_and_addresses_as_they_are(tmp_path, capsys):
    inv = tmp_path / "inv.yaml"
    inv.write_text("hosts:\n  - {name: web1, address: 'fe80::1', user: '[bold]ops'}\n")
    assert main(["inventory", "check", str(inv)]) == 0
    out = capsys.readouterr().out
    assert "[bold]ops@fe80::1" in out
