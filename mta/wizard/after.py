"""After Generate: offer the next steps of the runbook while the connection is open.

``mta extract`` pulls the apps' files over the wizard's own SSH connection;
``mta verify`` is offered only when a container engine answers.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from rich.console import Console
from rich.text import Text

from ..errors import MtaError
from ..extract import extract_host
from ..io import load_model
from ..model import Plan
from ..pipeline import rerender_host
from ..text import count
from ..transport.engine import EngineRunner
from ..verify import check_engine, verify_dirs
from ..verify.engine import Engine
from ..verify.table import host_table
from .generate import Generated
from .prompts import Prompter


def offer_next(p: Prompter, c: Console, session: Any, result: Generated) -> None:
    """Offer extract (when connected), then verify (when an engine is reachable)."""
    if session.transport is None:
        return  # offline from a discovery file: nothing to pull from
    plan_file = result.host_dir / "plan.yaml"
    if not plan_file.is_file():
        return
    if not p.confirm("Pull the apps' files from the VM now (mta extract plan.yaml)?", default=True):
        c.print(Text(f"Later: cd {result.host_dir} && mta extract plan.yaml"))
        return
    plan = load_model(plan_file, Plan)
    with c.status("Copying the apps' files…"):
        report = extract_host(session.transport, plan, result.host_dir,
                              sudo=bool(session.connection.get("sudo")))
    for app in report.apps:
        if app.ok:
            c.print(Text(f"{app.app}: {count(app.files, 'file')}, {count(app.bytes, 'byte')} -> {app.context}"))
        else:
            c.print(Text(f"{app.app}: not extracted: {app.error}", style="red"))
    if any(a.ok and (a.secret_files or a.withheld) for a in report.apps) and session.facts is not None:
        rerender_host(session.facts, plan, result.host_dir)
        c.print(Text("rendered again: the copied files' secrets are passed at start"))
    engine = _reachable_engine()
    if isinstance(engine, str):
        c.print(Text(f"mta verify not offered: {engine}", style="yellow"))
        return
    if p.confirm(f"Build and test the containers now with {engine.name} (mta verify)?", default=False):
        verify_dirs(result.host_dir, engine, log=lambda msg: c.print(Text(f"verify: {msg}", style="dim")),
                    on_host=lambda h: c.print(host_table(h)))
    else:
        c.print(Text(f"Later: mta verify {result.host_dir}"))


def _reachable_engine() -> Any:
    """An Engine that answers, or why there is none (text)."""
    name = "podman" if shutil.which("podman") else ("docker" if shutil.which("docker") else "")
    if not name:
        return "neither podman nor docker is installed"
    engine = Engine(name, os.environ.get("MTA_OCI_RUNTIME") or None)
    try:
        check_engine(engine, EngineRunner())
    except MtaError as exc:
        return exc.message
    return engine


__all__ = ["offer_next"]
