"""README.md names what the CLI has: every command (group commands by their
subcommands), every schema ``mta schema`` prints, the shared options' real
defaults, and no link that leaves the repository."""

from __future__ import annotations

import re
from pathlib import Path

import click

from mta.cli import cli
from mta.commands import options

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _leaves(group: click.Group, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        if isinstance(cmd, click.Group):
            yield from _leaves(cmd, (*prefix, name))
        else:
            yield (*prefix, name)


def test_every_command_is_in_the_readme():
    missing = [" ".join(p) for p in _leaves(cli) if not re.search(rf"\bmta {re.escape(' '.join(p))}\b", README)]
    assert not missing, f"README.md does not show: {missing}"


def test_every_schema_is_in_the_readme():
    schema = click.Context(cli).command.get_command(click.Context(cli), "schema")
    choices = next(p for p in schema.params if isinstance(p, click.Argument)).type.choices
    line = next(line for line in README.splitlines() if line.startswith("mta schema "))
    named = set(line.split()[2].split("|"))
    assert named == set(choices), f"README.md names {sorted(named)}, mta schema takes {sorted(choices)}"


def test_the_stated_defaults_are_the_code_defaults():
    said = dict(re.findall(r"`(-j/--parallel|--sample-seconds)` \(([^)\s:]+)", README))
    assert said == {"-j/--parallel": str(options.DEFAULT_PARALLEL), "--sample-seconds": f"{options.SAMPLE_SECONDS:g}"}


def test_no_link_leaves_the_repository():
    targets = re.findall(r"\]\(([^)]+)\)", README) + re.findall(r"`((?:docs|templates|scripts|samples)/[^`\s]+)`", README)
    assert not [t for t in targets if re.match(r"[a-z]+://", t)], "README links outside the repository"
    missing = [t for t in targets if not t.startswith("#") and not (ROOT / t.split("#")[0]).exists()]
    assert not missing, f"README names files the repository does not have: {missing}"
