"""``mta schema discovery|plan|answers|report|settings|costs``: JSON Schemas of the files a user reads and edits."""

from __future__ import annotations

import json
import re
from typing import Any

import click

from ..model import App, HostFacts, Plan
from ..model.estimate import CostSettings, Settings
from ..model.report import Report
from ..plan.defaults import questions_for

SCHEMAS = {"discovery": HostFacts, "plan": Plan, "report": Report, "settings": Settings, "costs": CostSettings}
_APP = "example-app"


def _question_schema(q: Any) -> dict[str, Any]:
    if q.type == "bool":
        return {"type": "boolean"}
    if q.type == "int":
        return {"type": "integer"}
    if q.type == "list":
        return {"type": "array", "items": {"type": "integer" if q.item_type == "int" else "string"}}
    if q.type == "choice" and q.choices and not q.open_choice and q.key != "merge_into":
        return {"type": "string", "enum": list(q.choices)}
    return {"type": "string"}


def answers_schema() -> dict[str, Any]:
    """Built from the wizard's question registry."""
    qs = questions_for(HostFacts(host="example"), [App(name=_APP, stack="node", role="proxy")])
    props: dict[str, Any] = {}
    patterns: dict[str, Any] = {}
    for q in qs:
        s = {**_question_schema(q), "description": q.help}
        if q.id.startswith(f"apps.{_APP}."):
            patterns[r"^apps\.[a-z0-9]([a-z0-9-]*[a-z0-9])?\." + re.escape(q.key) + "$"] = s
        else:
            props[q.id] = s
    return {
        "title": "answers",
        "type": "object",
        "properties": {
            "schema_version": {"const": 1},
            "answers": {"type": "object", "properties": props, "patternProperties": patterns,
                        "additionalProperties": False},
            "connection": {"type": "object", "description": "written by the wizard; informational"},
        },
        "additionalProperties": False,
    }


@click.command("schema")
@click.argument("which", type=click.Choice(sorted([*SCHEMAS, "answers"])))
def command(which: str) -> None:
    """Print the JSON Schema of discovery.yaml, plan.yaml, an answers file or report.json.

    Also of a settings file (`settings`, for --settings) and a costs file (`costs`, for --costs).
    """
    if which == "answers":
        schema = answers_schema()
    else:
        schema = SCHEMAS[which].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", which)
    click.echo(json.dumps(schema, indent=2))
