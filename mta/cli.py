"""The ``mta`` command line. The only module that prints errors or exits.

Each command lives in ``mta/commands/<name>.py`` and raises ``MtaError`` for
expected failures; ``main`` maps those to an exit status and a one-line
message with a hint. ``--traceback`` re-raises instead.
"""

from __future__ import annotations

import gc
import importlib
import sys
from enum import IntEnum

import click
from click.utils import make_default_short_help

from . import __version__
from .errors import InputError, MtaError, PartialFailure


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # an expected failure (bad input, unreachable host…)
    USAGE = 2  # click's own usage errors
    PARTIAL = 3  # batch/verify: some items failed
    INTERRUPTED = 130


#: command name -> (module under mta/commands exporting ``command``, the
#: first line of its help). Commands load on first use, so ``mta --help`` and
#: ``mta --version`` import no command (each pulls pydantic, rich, paramiko…);
#: tests/test_cli.py checks each help line against the loaded command's.
COMMANDS: dict[str, tuple[str, str]] = {
    "discover": ("discover", "Collect facts about hosts (read-only) into OUT/hosts/<host>/discovery.yaml."),
    "generate": ("generate", "Write Dockerfiles, compose, Kubernetes manifests and a runbook for one host."),
    "schema": ("schema", "Print the JSON Schema of discovery.yaml, plan.yaml, an answers file or report.json."),
    "collect-script": ("collect_script", "Print the discovery probe as a standalone sh script (redirect to collect.sh)."),
    "import": ("import_", "Parse the output of `mta collect-script` run on a host (plain or gzipped)."),
    "extract": ("extract", "Copy each included app's files from the host into apps/<app>/context/."),
    "batch": ("batch", "Discover, extract and generate every host of INVENTORY into OUT/hosts/<host>/."),
    "inventory": ("inventory", "Inspect inventories (mta YAML, Ansible INI/YAML, CSV)."),
    "report": ("report", "Assess the hosts under OUT (several OUTs merge) and write the report into the first OUT."),
    "rules": ("rules", "List the fit rules (id, scope, severity, explanation)."),
    "wizard": ("wizard", "Interactive migration of one VM: connect, discover, review, generate."),
    "questions": ("questions", "List the wizard's questions (id, type, default, choices)."),
    "verify": ("verify", "Build every image under DIRECTORY (OUT or OUT/hosts/HOST), start the services as "
               "compose.yaml describes on a private network, wait until ready, send the smoke request from "
               "plan.yaml and print one line per image."),
    "scan": ("scan", "Write OUT/hosts/<host>/vulnerabilities.json from each host's SBOM."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when first looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(f"mta.commands.{COMMANDS[cmd_name][0]}")
            self.add_command(module.command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Like click's, from the help lines above without importing the commands."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in self.commands:
                cmd = self.commands[name]
                if cmd.hidden:
                    continue
                rows.append((name, cmd.get_short_help_str(limit)))
            else:
                rows.append((name, make_default_short_help(COMMANDS[name][1], limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="mta")
@click.option("--traceback", is_flag=True, help="Show the full traceback on errors (for bug reports).")
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """Move applications off legacy Linux VMs into containers."""
    ctx.ensure_object(dict)
    ctx.obj["traceback"] = traceback


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map errors to exit statuses."""
    args = sys.argv[1:] if argv is None else argv
    try:
        return _run(args)
    finally:
        if argv is None:
            # the process ends now: the interpreter's last garbage collection
            # over every object left (models, modules) would cost a quarter of
            # a second of a discover's exit; frozen objects are skipped
            gc.freeze()


def _run(args: list[str]) -> int:
    show_tb = "--traceback" in args
    try:
        cli.main(args=args, prog_name="mta", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return ExitStatus.INTERRUPTED
    except KeyboardInterrupt:
        if show_tb:
            raise
        click.echo("Interrupted.", err=True)
        return ExitStatus.INTERRUPTED
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return ExitStatus.USAGE if isinstance(exc, click.UsageError) else ExitStatus.ERROR
    except PartialFailure as exc:
        if show_tb:
            raise
        click.echo(f"mta: {exc.message}", err=True)
        return ExitStatus.PARTIAL
    except MtaError as exc:
        if show_tb:
            raise
        click.echo(f"mta: error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        return ExitStatus.ERROR
    except BrokenPipeError:
        return ExitStatus.OK
    return ExitStatus.OK


__all__ = ["cli", "main", "ExitStatus", "PartialFailure", "InputError"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
