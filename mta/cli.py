"""The ``mta`` command line. The only module that prints errors or exits.

Each command lives in ``mta/commands/<name>.py`` and raises ``MtaError`` for
expected failures; ``main`` maps those to an exit status and a one-line
message with a hint. ``--traceback`` re-raises instead.
"""

from __future__ import annotations

import importlib
import sys
from enum import IntEnum

import click

from . import __version__
from .errors import InputError, MtaError


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # an expected failure (bad input, unreachable host…)
    USAGE = 2  # click's own usage errors
    PARTIAL = 3  # batch/verify: some items failed
    INTERRUPTED = 130


#: command modules, each exporting ``command`` (a click.Command or Group).
COMMAND_MODULES = [
    "discover",
    "generate",
    "schema",
    "collect_script",
    "import_",
    "extract",
    "batch",
    "inventory",
    "report",
    "rules",
    "wizard",
    "questions",
    "verify",
    "scan",
]


class PartialFailure(MtaError):
    """Some items of a multi-item command failed; details already printed."""


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="mta")
@click.option("--traceback", is_flag=True, help="Show the full traceback on errors (for bug reports).")
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """Move applications off legacy Linux VMs into containers."""
    ctx.ensure_object(dict)
    ctx.obj["traceback"] = traceback


def _register() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"mta.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"mta.commands.{name}":
                continue  # not built yet
            raise
        cli.add_command(module.command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map errors to exit statuses."""
    args = sys.argv[1:] if argv is None else argv
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
