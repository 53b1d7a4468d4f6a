"""``mta questions``: every question id, type, default and choices.

So an answers file for ``mta generate --answers`` or batch can be written
without running the wizard.
"""

from __future__ import annotations

import json
from typing import Optional

import click

from ..model import HostFacts
from ..wizard.load import APP_PLACEHOLDER, detect, load_facts, placeholder_app
from ..plan.defaults import questions_for


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if value else "[]"
    return '""' if value == "" else str(value)


@click.command("questions")
@click.option("--discovery", "discovery", type=click.Path(dir_okay=False), help="discovery.yaml: defaults and app ids from this host.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def command(discovery: Optional[str], fmt: str) -> None:
    """List the wizard's questions (id, type, default, choices)."""
    if discovery:
        facts = load_facts(discovery)
        apps = detect(facts)
    else:
        facts = HostFacts(host="example")
        apps = [placeholder_app()]
    rows = [q.as_row() for q in questions_for(facts, apps)]
    if fmt == "json":
        click.echo(json.dumps({"host": facts.host if discovery else None, "questions": rows}, indent=2))
        return
    header = ("ID", "TYPE", "DEFAULT", "CHOICES")
    table = [header] + [(r["id"], r["type"], _fmt(r["default"]), "|".join(c or '""' for c in r["choices"])) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    if not discovery:
        click.echo(f"\n{APP_PLACEHOLDER} stands for each detected app; pass --discovery FILE for this host's ids and defaults.")
