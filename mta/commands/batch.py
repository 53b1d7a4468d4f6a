"""``mta batch INVENTORY -o OUT``: every host of an inventory, in parallel.

Renders progress (rich on a terminal, plain lines otherwise) from the events
``mta.batch.run_batch`` emits, then a summary; failed hosts make the exit
status 3 (some failed) or 1 (none succeeded).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Optional

import click
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..batch import DEFAULT_DEADLINE, ERROR_FILE, BatchResult, Event, parse_shard, run_batch
from ..batch.host import host_dir
from ..batch.workers import auto_workers, emit_to, parse_worker, python_command, run_batch_workers, worker_slice
from ..errors import MtaError, PartialFailure
from ..inventory import FORMATS, Settings, load_inventory
from ..text import count
from . import options

_MAX_ROWS = 20


class _Display:
    """Thread-safe progress from batch events: a live table or plain lines."""

    def __init__(self, total: int, console: Console, live: bool) -> None:
        self.total = total
        self.console = console
        self.live_mode = live
        self.running: dict[str, tuple[str, float]] = {}
        self.done = self.failed = self.skipped = 0
        self._lock = threading.Lock()
        self.live: Optional[Live] = None

    def __enter__(self) -> "_Display":
        if self.live_mode:
            self.live = Live(self._render(), console=self.console, refresh_per_second=4, transient=True,
                             get_renderable=self._render)
            self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def _counts(self) -> str:
        finished = self.done + self.failed + self.skipped
        return (f"{finished}/{self.total} hosts: {self.done} ok, {self.failed} failed, "
                f"{self.skipped} skipped, {len(self.running)} running")

    def _render(self) -> Group:
        with self._lock:
            rows = sorted(self.running.items(), key=lambda kv: kv[1][1])
            head = Text(self._counts(), style="bold")
        table = Table(box=None, show_header=bool(rows), pad_edge=False)
        table.add_column("host")
        table.add_column("step")
        table.add_column("for", justify="right")
        now = time.monotonic()
        for host, (step, since) in rows[:_MAX_ROWS]:
            table.add_row(Text(host), Text(step), f"{now - since:.0f}s")
        if len(rows) > _MAX_ROWS:
            table.add_row(f"… {len(rows) - _MAX_ROWS} more", "", "")
        return Group(head, table)

    def _line(self, text: str, style: str = "") -> None:
        if self.live is not None:
            self.live.console.print(text, style=style, highlight=False, markup=False)
        else:
            self.console.print(text, style=style, highlight=False, markup=False, soft_wrap=True)

    def __call__(self, event: Event) -> None:
        with self._lock:
            if event.kind == "start":
                self.running[event.host] = ("start", time.monotonic())
                return
            if event.kind == "step":
                # the live table shows steps; plain logs get one line per finished host
                self.running[event.host] = (event.step, time.monotonic())
                return
            if event.kind in ("done", "skip"):
                self.running.pop(event.host, None)
                r = event.result
                assert r is not None
                if r.status == "failed":
                    self.failed += 1
                elif r.status == "skipped":
                    self.skipped += 1
                else:
                    self.done += 1
                n = self.done + self.failed + self.skipped
                if r.status == "failed":
                    line = f"[{n}/{self.total}] FAILED {r.host} at {r.stage}: {r.kind}: {r.message}"
                elif r.status == "skipped":
                    line = f"[{n}/{self.total}] skipped {r.host} (complete, --resume)"
                else:
                    line = f"[{n}/{self.total}] ok {r.host} ({count(r.apps, 'app')}, {r.seconds:.1f}s)"
                if not self.live_mode:
                    line += f"  [{len(self.running)} running, {self.failed} failed]"
            else:
                return
        if line:
            self._line(line, "red" if "FAILED" in line else "")


def _summary(batch: BatchResult, out: Path, console: Console) -> None:
    if batch.failed:
        table = Table(title="failed hosts")
        for col in ("host", "stage", "kind", "message", "what to do"):
            table.add_column(col, overflow="fold")
        for r in batch.failed:
            # discovered and transport text ('[localhost]:2222') is data, never markup
            table.add_row(*(Text(c) for c in (r.host, r.stage, r.kind, r.message, r.hint)))
        console.print(table)
    n = len(batch.results)
    rate = n / batch.seconds if batch.seconds > 0 else 0.0
    console.print(
        f"batch{' shard ' + str(batch.shard) if batch.shard else ''}: {count(n, 'host')}, {len(batch.succeeded)} ok, "
        f"{len(batch.skipped)} skipped, {len(batch.failed)} failed in {batch.seconds:.1f}s "
        f"({rate:.1f} hosts/s); output in {out}",
        highlight=False,
        markup=False,
    )


_DEFAULT_HELP = "; for every host whose inventory entry does not set it"
_DEFAULT_FOR = {
    "identity": "Private key file" + _DEFAULT_HELP + ".",
    "user": "Remote user" + _DEFAULT_HELP + ".",
    "port": "SSH port" + _DEFAULT_HELP + " (else 22).",
    "sudo": "Use 'sudo -n' on the hosts" + _DEFAULT_HELP + ".",
    "jump": "Bastion ([user@]host[:port])" + _DEFAULT_HELP + ".",
    "accept_new_host_key": "Trust host keys seen for the first time" + _DEFAULT_HELP
                           + " (a changed key is always an error).",
    "known_hosts": "Also trust the host keys in this known_hosts file" + _DEFAULT_HELP + ".",
}
#: the options that become the inventory's lowest level, as (option, inventory key)
_DEFAULT_KEYS = ("identity", "user", "port", "sudo", "jump", "accept_new_host_key", "known_hosts", "sample_seconds")


def inventory_defaults(given: dict) -> Settings:
    """The command line's connect options as the level below the inventory's ``all``
    (only those given: a flag left off leaves the inventory's choice alone)."""
    values = {k: given[k] for k in _DEFAULT_KEYS if given.get(k) not in (None, False)}
    for k in ("identity", "known_hosts"):
        if k in values:  # relative to where the command runs, not to the inventory
            values[k] = os.path.abspath(os.path.expanduser(values[k]))
    return Settings(**values)


def _forward(given: dict) -> list[str]:
    """The same options for a worker process."""
    argv: list[str] = []
    for k in _DEFAULT_KEYS:
        v = given.get(k)
        flag = options.flag_of(k)
        if v is True:
            argv.append(flag)
        elif v not in (None, False):
            argv += [flag, str(v)]
    return argv


@click.command("batch")
@click.argument("inventory", type=click.Path(dir_okay=False))
@options.out_option(help="Output directory (OUT/hosts/<host>/…).")
@options.option("parallel")
@click.option("--resume", is_flag=True, help="Skip hosts whose output is complete for the same inputs.")
@click.option("--shard", "shard_text", metavar="K/N",
              help="Only hosts of shard K (0-based) of N, by a stable hash of the host name.")
@click.option("--deadline", default=DEFAULT_DEADLINE, show_default=True, type=click.FloatRange(min=1),
              help="Seconds one host may take in all (an inventory 'deadline' overrides).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Inventory format (default: detected).")
@options.connect_options("identity", "user", "port", "sudo", "jump", "accept_new_host_key", "known_hosts",
                         help=_DEFAULT_FOR)
@options.option("sample_seconds", help="Sample CPU and memory for at least this long (0: over the probe's own run)"
                                       + _DEFAULT_HELP + ".")
@click.option("--workers", default=0, show_default="one per core for a large fleet", type=click.IntRange(0, 64),
              help="Processes the hosts are spread over (--parallel is shared among them); 1 = this process only.")
@click.option("--worker", "worker_text", hidden=True, metavar="K/W",
              help="Internal: run as worker K of W, reporting events as JSON lines on stdout.")
def command(inventory: str, out: Path, parallel: int, resume: bool, shard_text: Optional[str], deadline: float,
            fmt: Optional[str], workers: int, worker_text: Optional[str], **given: object) -> None:
    """Discover, extract and generate every host of INVENTORY into OUT/hosts/<host>/.

    INVENTORY is mta YAML, an Ansible inventory (INI or YAML) or CSV; see
    `mta inventory check`. The connect options are defaults for every host;
    an inventory's own settings win. One failing host never stops the others:
    its error goes to OUT/hosts/<host>/error.yaml. Exit status: 0 all ok,
    3 some failed, 1 none succeeded.
    """
    # paramiko logs each failed handshake with a traceback; the result says it in one line
    logging.getLogger("paramiko").addHandler(logging.NullHandler())
    logging.getLogger("paramiko").propagate = False
    shard = parse_shard(shard_text) if shard_text else None
    inv = load_inventory(inventory, fmt, defaults=inventory_defaults(given))
    if not worker_text:
        for note in inv.notes:
            options.deprecation_note_text(note)
    targets = inv.targets
    if shard is not None:
        targets = shard.select(targets)
    out_path = out
    if worker_text:
        # a worker process: its slice, events on stdout, the parent does the rest
        k, w = parse_worker(worker_text)
        run_batch(worker_slice(targets, k, w), out_path, parallel=parallel, resume=resume, shard=shard,
                  deadline=deadline, on_event=emit_to(sys.stdout), summary=False)
        return
    err = Console(stderr=True, highlight=False)
    if not targets:
        click.echo(f"shard {shard} holds none of the {len(inv.targets)} hosts; nothing to do")
        return
    n = min(workers or auto_workers(len(targets)), parallel, len(targets))

    def child(k: int, w: int) -> list[str]:
        argv = python_command() + ["batch", inventory, "-o", str(out), "--parallel", str(-(-parallel // w)),
                                   "--deadline", repr(deadline), "--workers", "1", "--worker", f"{k}/{w}"]
        argv += ["--resume"] if resume else []
        argv += ["--shard", shard_text] if shard_text else []
        argv += ["--format", fmt] if fmt else []
        argv += _forward(given)
        return argv

    with _Display(len(targets), err, live=err.is_terminal) as display:
        if n > 1:
            batch = run_batch_workers([t.name for t in targets], out_path, child, workers=n, shard=shard,
                                      on_event=display)
        else:
            batch = run_batch(targets, out_path, parallel=parallel, resume=resume, shard=shard, deadline=deadline,
                              on_event=display)
    _summary(batch, out_path, Console(file=sys.stdout, highlight=False, soft_wrap=True))
    if not batch.failed:
        return
    see = error_files(out_path, [r.host for r in batch.failed])
    if batch.succeeded or batch.skipped:
        raise PartialFailure(f"{len(batch.failed)} of {len(batch.results)} hosts failed; see {see}")
    raise MtaError(f"no host succeeded ({len(batch.failed)} failed)", hint=f"see the table above and {see}")


def error_files(out: Path, hosts: list[str]) -> str:
    """Where the failed hosts' error.yaml files are, as real paths."""
    first = host_dir(out, hosts[0]) / ERROR_FILE
    if len(hosts) == 1:
        return str(first)
    return f"{first} and {len(hosts) - 1} more ({host_dir(out, '*') / ERROR_FILE})"
