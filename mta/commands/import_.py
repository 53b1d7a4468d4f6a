"""``mta import FILE -o OUT``: turn a collect-script output into discovery.yaml."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Optional

import click

from ..discover.parse import build_facts
from ..errors import InputError
from ..model.identity import folder_name, own_name
from ..io import save_host
from .options import out_option

def safe_host_name(name: str) -> str:
    """A host name usable as one directory name (mta.model.identity.folder_name)."""
    return folder_name(name)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@out_option(help="Output directory; writes OUT/hosts/<host>/discovery.yaml.")
@click.option("--host", default=None, help="Name for the host's folder (default: the host name the script recorded; "
                                            "<name>-<tag> when a different machine already has that folder).")
def command(file: Path, out: Path, host: Optional[str]) -> None:
    """Parse the output of `mta collect-script` run on a host (plain or gzipped)."""
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{file}: no such file") from None
    except OSError as exc:
        raise InputError(f"{file}: cannot read ({exc.strerror})") from None
    if data[:2] == b"\x1f\x8b":  # sent back compressed: sh collect.sh | gzip > host.mta.gz
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"{file}: damaged gzip data ({exc})") from None
    facts = build_facts(data, host=host, collector="import")
    # --host is the user's choice: a different machine there is an error; the
    # recorded hostname gets another folder when a different machine holds it
    target = save_host(out, facts, name=host or own_name(facts), explicit=bool(host))
    problems = f", {len(facts.errors)} probe problem(s) recorded" if facts.errors else ""
    click.echo(
        f"{target}: {len(facts.processes)} processes, {len(facts.services)} services, "
        f"{len(facts.packages)} packages{problems}"
    )
