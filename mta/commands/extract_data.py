"""The ``--data`` part of ``mta extract``: dumps with progress, then a summary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

from ..dataextract import DataExtractor, DataReport
from ..model import Plan
from ..text import count


def _mb(n: float) -> str:
    """Bytes in the unit that shows them: 921 B, 48.2 kB, 1,204.5 MB."""
    if n < 1e3:
        return f"{n:.0f} B"
    if n < 1e6:
        return f"{n / 1e3:.1f} kB"
    return f"{n / 1e6:,.1f} MB"


class _Plain:
    """Progress as plain lines (not a terminal): one every 5 s per file, and the total."""

    def __init__(self, console: Console) -> None:
        self.console, self.last = console, {}

    def __call__(self, label: str, done: int, secs: float, finished: bool) -> None:
        now = time.monotonic()
        if not finished and now - self.last.get(label, 0.0) < 5.0:
            return
        self.last[label] = now
        rate = f" ({_mb(done / secs)}/s)" if secs > 0 else ""
        self.console.print(f"{'dumped' if finished else 'dumping'} {label}: {_mb(done)} in {secs:.1f}s{rate}",
                           markup=False)


class _Bars:
    """A rich progress bar per file on a terminal."""

    def __init__(self, progress: Progress) -> None:
        self.progress, self.tasks = progress, {}

    def __call__(self, label: str, done: int, secs: float, finished: bool) -> None:
        if label not in self.tasks:
            self.tasks[label] = self.progress.add_task(escape(label), total=None)  # a file name is not markup
        self.progress.update(self.tasks[label], completed=done, total=done if finished else None)


def run_data(transport, plan: Plan, host_dir: Path, console: Console, *, force: bool, sudo: bool,
             apps: Optional[list[str]]) -> DataReport:
    """Take the dumps and print what was taken; the caller turns failures into an exit status."""
    if console.is_terminal:
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                      TimeElapsedColumn(), console=console, transient=False) as progress:
            report = DataExtractor(transport, plan, host_dir, force=force, sudo=sudo,
                                   progress=_Bars(progress)).run(apps)
    else:
        report = DataExtractor(transport, plan, host_dir, force=force, sudo=sudo,
                               progress=_Plain(console)).run(apps)
    if not report.stores:
        console.print("no data to take: no included database, cache or app data volume in the plan")
    for s in report.stores:
        if s.error:
            continue
        kept = sum(1 for f in s.files if f.kept)
        console.print(f"[bold]{escape(s.store)}[/] ({escape(s.kind)}): {count(len(s.files), 'file')}, {_mb(s.bytes)} in {s.seconds:.1f}s"
                      + (f", {kept} kept from an earlier run (--force takes them again)" if kept else "")
                      + f" -> {escape(str(host_dir / 'data' / s.store))}", markup=True, highlight=False)
        for f in s.files:
            if f.warning:
                console.print(f"  {f.name}: {f.warning}", markup=False)
    if any(not s.error for s in report.stores):
        console.print(f"restore: docker compose up reads {host_dir / 'compose.override.yaml'}; "
                      f"sizes and sha256 in {host_dir / 'data' / 'manifest.json'}", markup=False)
    return report
