"""``mta schema discovery|plan``: the JSON Schema of the files a user edits."""

from __future__ import annotations

import json

import click

from ..model import HostFacts, Plan

SCHEMAS = {"discovery": HostFacts, "plan": Plan}


@click.command("schema")
@click.argument("which", type=click.Choice(sorted(SCHEMAS)))
def command(which: str) -> None:
    """Print the JSON Schema of discovery.yaml or plan.yaml."""
    schema = SCHEMAS[which].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", which)
    click.echo(json.dumps(schema, indent=2))
