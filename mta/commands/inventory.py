"""``mta inventory check FILE``: read an inventory without connecting anywhere."""

from __future__ import annotations

import os
from typing import Optional

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..batch.shard import parse_shard
from ..errors import InputError
from ..inventory import FORMATS, load_inventory
from ..text import count


def _short(path: str) -> str:
    rel = os.path.relpath(path)
    return rel if len(rel) < len(path) else path


@click.group("inventory")
def command() -> None:
    """Inspect inventories (mta YAML, Ansible INI/YAML, CSV)."""


@command.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Skip format detection.")
@click.option("--shard", "shard_text", metavar="K/N", help="Show only the hosts of shard K (0-based) of N.")
def check(file: str, fmt: Optional[str], shard_text: Optional[str]) -> None:
    """Validate FILE and print its hosts; errors point to the file and line.

    Also checks that the identity, discovery and plan files it names exist.

    \b
    Settings (at all:, groups: and host level in mta YAML; mta_<setting> in
    Ansible; columns in CSV):
      address port user identity known_hosts accept_new_host_key sudo jump
                  (spelled like the options of discover/batch; 'key' is the old
                  spelling of identity)
      discovery   plan offline from this discovery.yaml (no connection)
      plan        generate from this edited plan.yaml
      base deadline sample_seconds http_checks extract
      answers     {question id: value}, as the wizard writes them
    Ansible: ansible_host, ansible_port, ansible_user,
    ansible_ssh_private_key_file, ansible_become are read too.
    """
    inv = load_inventory(file, fmt)
    for note in inv.notes:
        click.echo(f"mta: note: {note}", err=True)
    targets = inv.targets
    if shard_text:
        targets = parse_shard(shard_text).select(targets)
    for t in targets:
        for label, path in (("identity", t.key), ("discovery file", t.discovery), ("plan", t.plan),
                            ("known_hosts", t.known_hosts)):
            if path and not os.path.isfile(path):
                raise InputError(f"{t.source}: host {t.name!r}: {label} {path} does not exist")
    table = Table(title=Text(f"{file} ({inv.format}, {len(targets)} host{'s' if len(targets) != 1 else ''})"))
    for col in ("host", "reached by", "identity", "groups", "answers", "line"):
        table.add_column(col, overflow="fold")
    for t in targets:
        cells = (
            t.name,
            f"file {_short(t.discovery)}" if t.offline else t.where,
            os.path.basename(t.key) if t.key else "",
            ", ".join(t.groups),
            str(len(t.answers)) if t.answers else "",
            t.source.rsplit(":", 1)[-1],
        )
        table.add_row(*(Text(c) for c in cells))  # names and paths are data, not markup
    Console(soft_wrap=False, width=max(100, Console().width)).print(table)
    offline = sum(1 for t in targets if t.offline)
    click.echo(f"ok: {count(len(targets), 'host')} ({len(targets) - offline} over SSH, {offline} from discovery files)")
