"""``mta rules``: the fit rules, their severities and what they mean."""

from __future__ import annotations

from pathlib import Path

import click

from ..estimate import list_rules
from ..estimate.settings import load_rules
from ..io import dump_yaml


@click.command("rules")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Show the effect of this rules file.")
@click.option("--format", "fmt", type=click.Choice(["text", "yaml"]), default="text", show_default=True,
              help="yaml prints a rules file to start from.")
def command(rules_file: Path | None, fmt: str) -> None:
    """List the fit rules (id, scope, severity, explanation)."""
    rules = list_rules(load_rules(rules_file))
    if fmt == "yaml":
        click.echo(dump_yaml({
            "schema_version": 1,
            "rules": {r.id: {"enabled": r.enabled, "severity": r.severity} for r in rules},
        }), nl=False)
        return
    for r in rules:
        state = r.severity if r.enabled else "off"
        click.echo(f"{r.id:<26} {r.scope:<5} {state:<8} {r.title}")
        click.echo(click.wrap_text(r.explanation, width=96, initial_indent=" " * 4, subsequent_indent=" " * 4))
