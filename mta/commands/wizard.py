"""``mta wizard``: one VM, step by step, or with ``--defaults`` no prompts at all."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click
from rich.console import Console

from ..wizard.answers import load_answers, load_connection, parse_sets


def _connect_and_discover(session):
    """--defaults with a TARGET: log in with the options given, then discover."""
    from ..wizard.connect import connect_noninteractive, discover_over

    session.transport = connect_noninteractive(session.connection)
    return discover_over(session)


@click.command("wizard")
@click.argument("target", required=False)
@click.option("--discovery", type=click.Path(dir_okay=False), help="Work offline from a discovery.yaml instead of connecting.")
@click.option("-o", "--out", default="mta-out", show_default=True, type=click.Path(file_okay=False), help="Output directory.")
@click.option("--answers", "answers_file", type=click.Path(dir_okay=False), help="Answers file: preset answers (prompt defaults).")
@click.option("--set", "sets", multiple=True, metavar="ID=VALUE", help="Preset one answer; beats --answers. Repeatable.")
@click.option("--defaults", is_flag=True, help="Do not prompt: --set > --answers > detected > built-in defaults.")
@click.option("-u", "--user", help="SSH user.")
@click.option("-p", "--port", type=int, help="SSH port.")
@click.option("-i", "--identity", type=click.Path(dir_okay=False), help="SSH private key file.")
@click.option("--sudo", is_flag=True, help="Discover through sudo.")
@click.option("--jump", help="Jump host ([user@]host[:port]).")
def command(
    target: Optional[str],
    discovery: Optional[str],
    out: str,
    answers_file: Optional[str],
    sets: tuple[str, ...],
    defaults: bool,
    user: Optional[str],
    port: Optional[int],
    identity: Optional[str],
    sudo: bool,
    jump: Optional[str],
) -> None:
    """Interactive migration of one VM: connect, discover, review, generate.

    Every run writes OUT/mta-answers.yaml (no secrets), which replays with
    `mta generate OUT/hosts/HOST/discovery.yaml --answers OUT/mta-answers.yaml`.
    """
    from ..wizard.flow import Session, Wizard, run_defaults
    from ..wizard.prompts import NoTerminal

    preset = []
    saved: dict = {}
    if answers_file:
        preset.append((answers_file, load_answers(answers_file)))
        saved = load_connection(answers_file)  # how the last run logged in
    if sets:
        preset.append(("--set", parse_sets(sets)))
    given = {"host": target, "user": user, "port": port, "sudo": sudo or None, "jump": jump}
    if identity:
        given.update(auth="key", key_file=identity)
    given = {k: v for k, v in given.items() if v not in (None, "")}
    if discovery or (target and saved.get("host") != target):
        saved = {}  # another host: its login settings do not apply
    conn = {**saved, **given}
    target = target or conn.get("host")
    session = Session(out=Path(out), discovery_path=Path(discovery) if discovery else None, preset=preset, connection=conn)
    console = Console(highlight=False)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()

    if defaults or (answers_file and not interactive):
        if discovery is None and not target:
            raise click.UsageError("--defaults needs a TARGET or --discovery FILE")
        discoverer = None if discovery is not None else _connect_and_discover
        try:
            run_defaults(console, session, discoverer=discoverer)
        finally:
            if session.transport is not None:
                session.transport.close()
        return
    if not interactive:
        raise NoTerminal("the wizard needs an interactive terminal (stdin is not a terminal)")

    from ..wizard.connect import discover_over, interactive_connector
    from ..wizard.prompts import QuestionaryPrompter

    wizard = Wizard(
        QuestionaryPrompter(),
        console,
        session,
        connector=interactive_connector(conn),
        discoverer=discover_over,
    )
    try:
        wizard.run()
    finally:
        if session.transport is not None:
            session.transport.close()
