"""``mta verify DIR``: build, start and smoke-test generated artifacts."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path
from typing import Optional

import click
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..errors import MtaError, PartialFailure
from ..io import write_atomic
from ..verify import Engine, verify_dirs
from ..verify.table import host_table


def _default_engine() -> str:
    return "podman" if shutil.which("podman") or not shutil.which("docker") else "docker"


def _sigterm(signum, frame):  # noqa: ARG001
    # Turn SIGTERM/SIGHUP into the Ctrl-C path so cleanup (finally) runs.
    raise KeyboardInterrupt


@click.command("verify")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--engine", type=click.Choice(["podman", "docker"]), default=None, help="Container engine (default: podman if installed).")
@click.option("--runtime", envvar="MTA_OCI_RUNTIME", default=None, help="OCI runtime for build/run, e.g. runc [env MTA_OCI_RUNTIME].")
@click.option("--timeout", type=float, default=180.0, show_default=True, help="Seconds each service may take to become ready.")
@click.option("--keep", is_flag=True, help="Leave containers, network and volumes running (verify.json lists them).")
@click.option("--rm-images", is_flag=True, help="Also remove the images this run built.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Where to write the result (default: DIRECTORY/verify.json).")
def command(directory: Path, engine: Optional[str], runtime: Optional[str], timeout: float, keep: bool, rm_images: bool, json_path: Optional[Path]) -> None:
    """Build every image under DIRECTORY (OUT or OUT/hosts/HOST), start the services
    as compose.yaml describes on a private network, wait until ready, send the smoke
    request from plan.yaml and print one table per host. Exit 3 when any app fails."""
    name = engine or _default_engine()
    if not shutil.which(name):
        raise MtaError(f"{name} is not installed", "install podman (scripts/podman-setup.sh) or pass --engine docker")
    eng = Engine(name, runtime)
    console = Console(stderr=False)
    if not console.is_terminal:
        console = Console(stderr=False, width=160)  # logs and CI: keep rows on one line
    err = Console(stderr=True)
    old = {s: signal.signal(s, _sigterm) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        report = verify_dirs(
            directory,
            eng,
            timeout=timeout,
            keep=keep,
            rm_images=rm_images,
            log=lambda msg: err.print(f"[dim]verify:[/] {escape(str(msg))}", highlight=False),
            on_host=lambda h: console.print(host_table(h)),
        )
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    out = json_path or directory / "verify.json"
    write_atomic(out, report.model_dump_json(indent=2) + "\n")
    for host in report.hosts:
        if host.error:
            console.print(Text(f"{host.host}: {host.error}", style="red"))
        for note in host.notes:
            console.print(Text(f"{host.host}: {note}", style="yellow"))
        for s in host.services:
            if not s.ok:
                console.print(Text(f"{host.host}/{s.name}: {s.error or s.smoke.detail or 'failed'}", style="red"))
                for line in s.log_tail[-10:]:
                    console.print(f"    {line}", highlight=False, markup=False)
    console.print(Text(f"wrote {out}"))
    if not report.ok:
        bad = sum(1 for h in report.hosts for s in h.services if not s.ok) + sum(1 for h in report.hosts if h.error)
        raise PartialFailure(f"verify: {bad} failing item(s); see {out}")
