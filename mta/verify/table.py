"""The per-host rich table ``mta verify`` prints."""

from __future__ import annotations

from typing import Optional

from rich.markup import escape
from rich.table import Table

from .result import HostResult

_MARK = {"ok": "[green]ok[/]", "fail": "[red]FAIL[/]", "skipped": "[dim]-[/]"}


def _mb(n: Optional[int]) -> str:
    return f"{n / 1e6:,.0f} MB" if n else "-"


def _secs(s: Optional[float]) -> str:
    return f"{s:.1f}s" if s is not None else "-"


def host_table(host: HostResult) -> Table:
    """One row per service: build, size vs naive, build and ready time, smoke."""
    table = Table(title=escape(f"{host.host}  ({host.path})"), title_justify="left")
    for col in ("service", "role", "build", "image size", "naive", "build time", "ready", "smoke"):
        table.add_column(col, justify="right" if col in ("image size", "naive", "build time") else "left")
    for s in host.services:
        naive = _mb(s.naive_bytes)
        if s.naive_bytes and s.image_bytes:
            naive += f" ({100 - 100 * s.image_bytes / s.naive_bytes:.0f}% smaller)"
        ready = _MARK[s.ready] + (escape(f" {_secs(s.ready_seconds)} ({s.ready_by})") if s.ready == "ok" else "")
        smoke = _MARK[s.smoke.status]
        if s.smoke.http_status is not None:
            smoke += f" {s.smoke.http_status}"
            if s.smoke.title:
                smoke += escape(f" {s.smoke.title!r}")  # the app's page title is data, not markup
            if s.smoke.text_matched is not None:
                smoke += f" text {s.smoke.text_matched}/{len(s.smoke.expect_text)}"
        if s.smoke.detail:
            smoke += escape(f" ({s.smoke.detail})")
        build = _MARK[s.build] if s.built else "[dim]image[/]"
        table.add_row(escape(s.name), escape(s.role), build, _mb(s.image_bytes), naive, _secs(s.build_seconds), ready,
                      smoke)
    return table
