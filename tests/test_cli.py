"""The CLI loads its commands lazily: ``mta --help`` lists every command from
cli.COMMANDS without importing them, and the help lines there match the
commands' own."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import click
from click.testing import CliRunner

import mta.commands
from mta import cli as cli_module
from mta.cli import COMMANDS, cli

HEAVY = ("pydantic", "rich", "paramiko", "jinja2", "yaml", "mta.commands.", "mta.model")


def test_importing_the_cli_loads_no_command_nor_heavy_library():
    code = ("import sys, mta.cli; "
            f"print('\\n'.join(m for m in sys.modules if m.startswith({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == []


def test_discover_starts_its_probes_before_it_loads_models_and_parsers():
    """``mta discover`` runs the probe (mta.discover.script) with no pydantic,
    yaml, parser or detector loaded: those load while the hosts work."""
    code = ("import sys, mta.commands.discover, mta.discover.script; "
            "print('\\n'.join(m for m in sys.modules if m.startswith(('pydantic', 'yaml', 'mta.model', "
            "'mta.discover.', 'mta.detect', 'mta.io'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["mta.discover.script"]


def test_every_command_module_is_listed_under_its_own_name_and_help():
    modules = {m.name for m in pkgutil.iter_modules(mta.commands.__path__)}
    exporting = {m for m in modules if hasattr(importlib.import_module(f"mta.commands.{m}"), "command")}
    assert exporting == {module for module, _ in COMMANDS.values()}
    for name, (module, help_line) in COMMANDS.items():
        command = importlib.import_module(f"mta.commands.{module}").command
        assert command.name == name
        for limit in (45, 200):
            assert click.utils.make_default_short_help(help_line, limit) == command.get_short_help_str(limit)


def test_help_lists_every_command_and_a_command_still_runs():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == sorted(COMMANDS)
    result = CliRunner().invoke(cli, ["rules", "--help"])
    assert result.exit_code == 0 and "Usage: cli rules" in result.output
    assert cli_module.main(["no-such-command"]) == cli_module.ExitStatus.USAGE
