"""``mta wizard``: one VM, step by step, or with ``--defaults`` no prompts at all."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import click
from rich.console import Console

from ..plan.answers import load_answers, load_connection, parse_sets
from .options import connect_options, out_option


def _connect_and_discover(accept_new: bool, password: Optional[str]):
    """--defaults with a TARGET: log in with the options given, then discover."""

    def run(session):
        from ..wizard.connect import connect_noninteractive, discover_over  # lazy: CLI start (paramiko)

        session.transport = connect_noninteractive(session.connection, accept_new=accept_new, password=password)
        return discover_over(session)

    return run


@click.command("wizard")
@click.argument("target", required=False)
@click.option("--discovery", type=click.Path(dir_okay=False), help="Work offline from a discovery.yaml instead of connecting.")
@out_option(required=False, default="mta-out", help="Output directory.")
@click.option("--answers", "answers_file", type=click.Path(dir_okay=False), help="Answers file: preset answers (prompt defaults).")
@click.option("--set", "sets", multiple=True, metavar="ID=VALUE", help="Preset one answer; beats --answers. Repeatable.")
@click.option("--defaults", is_flag=True, help="Do not prompt: --set > --answers > detected > built-in defaults.")
@connect_options("identity", "user", "port", "sudo", "jump", "accept_new_host_key", "known_hosts",
                 "password_prompt", "no_agent")
def command(
    target: Optional[str],
    discovery: Optional[str],
    out: Path,
    answers_file: Optional[str],
    sets: tuple[str, ...],
    defaults: bool,
    user: Optional[str],
    port: Optional[int],
    identity: Optional[str],
    sudo: bool,
    jump: Optional[str],
    accept_new_host_key: bool,
    known_hosts: Optional[str],
    password_prompt: bool,
    no_agent: bool,
) -> None:
    """Interactive migration of one VM: connect, discover, review, generate.

    Every run writes OUT/mta-answers.yaml (no secrets), which replays with
    `mta generate OUT/hosts/HOST/discovery.yaml --answers OUT/mta-answers.yaml`.
    """
    from ..wizard.flow import Session, Wizard, run_defaults  # lazy: CLI start (the wizard, not for --help)
    from ..wizard.prompts import NoTerminal  # lazy: CLI start (questionary, for a terminal only)

    preset = []
    saved: dict = {}
    if answers_file:
        preset.append((answers_file, load_answers(answers_file)))
        saved = load_connection(answers_file)  # how the last run logged in
    if sets:
        preset.append(("--set", parse_sets(sets)))
    given = {"host": target, "user": user, "port": port, "sudo": sudo or None, "jump": jump,
             "known_hosts": known_hosts, "no_agent": no_agent or None}
    if identity:
        given.update(auth="key", key_file=identity)
    if password_prompt:
        given.update(auth="password")
    given = {k: v for k, v in given.items() if v not in (None, "")}
    if discovery or (target and saved.get("host") != target):
        saved = {}  # another host: its login settings do not apply
    conn = {**saved, **given}
    target = target or conn.get("host")
    session = Session(out=out, discovery_path=Path(discovery) if discovery else None, preset=preset, connection=conn)
    console = Console(highlight=False)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()

    if defaults or (answers_file and not interactive):
        if discovery is None and not target:
            raise click.UsageError("--defaults needs a TARGET or --discovery FILE")
        password = None
        if password_prompt and discovery is None and not os.environ.get("MTA_SSH_PASSWORD"):
            password = click.prompt("SSH password", hide_input=True, default="", show_default=False, err=True) or None
        discoverer = None if discovery is not None else _connect_and_discover(accept_new_host_key, password)
        try:
            run_defaults(console, session, discoverer=discoverer)
        finally:
            if session.transport is not None:
                session.transport.close()
        return
    if not interactive:
        raise NoTerminal("the wizard needs an interactive terminal (stdin is not a terminal)")

    from ..wizard.after import offer_next  # lazy: CLI start (the wizard, not for --help)
    from ..wizard.connect import discover_over, interactive_connector  # lazy: CLI start (paramiko)
    from ..wizard.prompts import QuestionaryPrompter  # lazy: CLI start (questionary, for a terminal only)

    wizard = Wizard(
        QuestionaryPrompter(),
        console,
        session,
        connector=interactive_connector(conn, accept_new=accept_new_host_key),
        discoverer=discover_over,
        after=offer_next,
    )
    try:
        wizard.run()
    finally:
        if session.transport is not None:
            session.transport.close()
