"""``mta extract OUT/hosts/<host>/plan.yaml [TARGET]``: pull each planned
app's files into ``OUT/hosts/<host>/apps/<app>/context/``, connecting as
discovery did (discovery.yaml records the target and connect options)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from rich.console import Console
from rich.markup import escape

from ..errors import InputError, MtaError, PartialFailure
from ..extract import extract_host
from ..io import load_model, load_yaml
from ..model import HostFacts, Plan
from ..pipeline import rerender_host
from ..security.secret_values import SECRETS_DIR, Pulled, check_path, export, pull_secrets
from ..text import count
from ..transport.local import LocalTransport
from .discover import SSHSettings
from .extract_data import run_data
from .options import connect_options


def _discovery(plan_path: Path, plan: Plan) -> Optional[HostFacts]:
    candidates = []
    if plan.discovery:
        candidates.append(Path(plan.discovery))
        candidates.append(plan_path.parent / Path(plan.discovery).name)
    candidates.append(plan_path.parent / "discovery.yaml")
    for path in candidates:
        if path.is_file():
            return load_model(path, HostFacts)
    return None


def _is_discovery(path: Path) -> bool:
    """Whether PLAN names a discovery.yaml (the runbook's first command may)."""
    if path.name == "discovery.yaml":
        return True
    if path.name == "plan.yaml":
        return False
    data = load_yaml(path)
    return isinstance(data, dict) and "collector" in data and "apps" not in data


def plan_of(path: Path) -> Path:
    """The plan.yaml to extract: ``path`` itself, or the one beside a discovery.yaml."""
    if not _is_discovery(path):
        return path
    plan = path.parent / "plan.yaml"
    if not plan.is_file():
        raise InputError(f"{path}: no plan.yaml beside it",
                         hint=f"run `mta generate {path}` first; extract copies what the plan lists")
    return plan


def default_target(plan_path: Path, plan: Plan) -> str:
    """The host a plan came from, as its discovery.yaml recorded it: the SSH
    target used then, else the address, else the host name."""
    facts = _discovery(plan_path, plan)
    return (facts.target or facts.address or facts.host) if facts else plan.host


def connect_settings(ssh: dict, facts: Optional[HostFacts]) -> dict:
    """The connect options given on the command line over those discovery
    used (discovery.yaml ``connect``): key, user, port, jump, sudo."""
    merged = dict(ssh)
    rec = facts.connect if facts is not None else None
    if rec is None:
        return merged
    for opt, value in (("identity", rec.key), ("user", rec.user), ("port", rec.port), ("jump", rec.jump)):
        if merged.get(opt) in (None, "") and value:
            merged[opt] = value
    merged["sudo"] = bool(merged.get("sudo")) or rec.sudo
    return merged


def _say_secrets(pulled: Pulled, host_dir: Path) -> None:
    """Paths and counts only: a value is never printed."""
    where = host_dir / SECRETS_DIR
    made = f", {len(pulled.generated)} new credential(s) generated" if pulled.generated else ""
    click.echo(f"secrets: {len(pulled.written)} value(s) read from the VM{made} -> {where}/ "
               "(files 0600, git-ignored, never in an image)")
    for sf in pulled.missing:
        click.echo(f"mta: warning: {sf.path}: no value found on the VM ({sf.source or 'unknown source'}); "
                   "create it by hand", err=True)


def out_root(plan_path: Path) -> Path:
    """OUT of OUT/hosts/<host>/plan.yaml (else the plan's directory)."""
    host_dir = plan_path.resolve().parent
    return host_dir.parent.parent if host_dir.parent.name == "hosts" else host_dir


def _rerender(plan_file: Path, plan: Plan, report, console: Console) -> None:
    """Placeholders and withheld files change compose, k8s and the runbook: render them again."""
    changed = [a for a in report.apps if a.ok and (a.secret_files or a.withheld)]
    if not changed:
        return
    for app in changed:
        for w in app.withheld:
            console.print(f"[bold]{escape(app.app)}[/]: withheld {escape(str(w.path))}: {escape(str(w.reason))}; "
                          "mounted from a secret file", markup=True)
    facts = _discovery(plan_file, plan)
    if facts is None:
        click.echo(f"mta: warning: no discovery.yaml next to {plan_file}: run mta generate --plan {plan_file} "
                   "so compose and Kubernetes pass the secrets of the copied files", err=True)
        return
    try:
        rerender_host(facts, plan, plan_file.parent)
    except MtaError as exc:  # the files are extracted; say what is left to do rather than fail the copy
        click.echo(f"mta: warning: could not render {plan_file.parent} again ({exc}): run mta generate --plan "
                   f"{plan_file} so compose and Kubernetes pass the secrets of the copied files", err=True)
        return
    console.print(f"rendered {plan_file.parent} again: the copied files' secrets are passed at start", markup=False)


@click.command("extract")
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("target", required=False)
@click.option("--local", is_flag=True, help="Copy from this machine instead of over SSH.")
@click.option("--app", "apps", multiple=True, help="Only this app (repeatable).")
@click.option("--secrets", "pull", is_flag=True,
              help="Also read the secrets' values from the VM into OUT/hosts/<host>/secrets/ (dir 0700, files "
                   "0600, git-ignored), the files compose.yaml reads; never printed, never in an image.")
@click.option("--with-secret-values", "secret_values", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Deprecated, use --secrets: the values in one sh-sourceable file (mode 0600) "
                                   "outside OUT.")
@click.option("--data", is_flag=True, help="Also dump each database/cache and app data dir into data/<app>/ "
                                          "(consistent copies; compose restores them). Customer data: mode 0600.")
@click.option("--force", is_flag=True, help="With --data: take dumps again even when the manifest has them.")
@connect_options()
def command(plan_file: Path, target: Optional[str], local: bool, apps: tuple[str, ...], pull: bool,
            secret_values: Optional[Path], data: bool, force: bool, **ssh: object) -> None:
    """Copy each included app's files from the host into apps/<app>/context/.

    PLAN is OUT/hosts/<host>/plan.yaml (or the discovery.yaml beside it).
    TARGET and the connect options default to what discovery used (recorded
    in discovery.yaml); options given here override them.
    Logs, caches, data directories and secret files are left out; see
    context/.mta-extract.json for what was skipped and why.
    """
    console = Console(highlight=False, soft_wrap=True)
    plan_file = plan_of(plan_file)
    plan = load_model(plan_file, Plan)
    unknown = [a for a in apps if plan.app(a) is None]
    if unknown:
        raise InputError(f"{plan_file}: no app named {', '.join(unknown)}",
                         hint="apps in the plan: " + ", ".join(a.name for a in plan.apps))
    host_dir = plan_file.parent
    facts = _discovery(plan_file, plan)
    if secret_values:
        click.echo("mta: warning: --with-secret-values is deprecated: --secrets writes the values where "
                   "compose.yaml reads them (OUT/hosts/<host>/secrets/)", err=True)
        check_path(secret_values, out_root(plan_file))
    if (pull or secret_values) and facts is None:
        raise InputError(f"{'--secrets' if pull else '--with-secret-values'}: no discovery.yaml next to {plan_file}",
                         hint="the values are re-read for the processes discovery saw")
    if local:
        transport = LocalTransport(plan.host)
    else:
        ssh = connect_settings(ssh, facts)
        settings = SSHSettings.from_options(ssh)
        where = target or ((facts.target or facts.address or facts.host) if facts else plan.host)
        transport = settings.transport(where, name=plan.host)
    try:
        rates: dict[str, float] = {}
        with console.status("connecting …") as status:
            def progress(app: str, done: int, seconds: float) -> None:
                rates[app] = done / seconds if seconds > 0 else 0.0
                status.update(f"{escape(app)}: {done / 1e6:.1f} MB received, {rates[app] / 1e6:.1f} MB/s")

            report = extract_host(transport, plan, host_dir, apps=list(apps) or None, sudo=bool(ssh.get("sudo")),
                                  progress=progress)
        dumps = run_data(transport, plan, host_dir, console, force=force, sudo=bool(ssh.get("sudo")),
                         apps=list(apps) or None) if data else None
        if secret_values and facts is not None:
            extra = {f"{a.app}-placeholders": a.secret_values for a in report.apps if a.secret_values}
            written = export(transport, facts, plan, secret_values, out_root(plan_file), extra=extra)
            console.print(f"secret values (mode 0600, keep private) -> {escape(str(written))}")
        # placeholders and withheld files add secrets to the plan: render again, then read their values
        _rerender(plan_file, plan, report, console)
        pulled = None
        if pull and facts is not None:
            placeholders = {a.app: a.secret_values for a in report.apps if a.secret_values}
            pulled = pull_secrets(transport, facts, plan, host_dir, placeholders)
    finally:
        transport.close()
    if pulled is not None:
        _say_secrets(pulled, host_dir)
    for app in report.apps:
        if app.ok:
            console.print(f"[bold]{escape(app.app)}[/]: {count(app.files, 'file')}, {count(app.bytes, 'byte')}"
                          + (f" at {rates[app.app] / 1e6:.1f} MB/s" if rates.get(app.app) else "")
                          + (f", {app.reused} unchanged kept" if app.reused else "")
                          + (f", {app.resumed} from the cut-off run" if app.resumed else "")
                          + (" (size cap reached)" if app.truncated else "")
                          + (f", {len(app.skipped)} skipped" if app.skipped else "")
                          + f" -> {escape(str(app.context))}", markup=True)
    if not report.apps:
        console.print("nothing to extract: no included app names files to copy")
    for store in dumps.failed if dumps else []:
        click.echo(f"mta: error: data of {store.store}: {store.error}", err=True)
    if dumps and dumps.failed and not report.failed:
        raise PartialFailure(f"{len(dumps.failed)} of {len(dumps.stores)} stores could not be dumped")
    failed = report.failed
    if failed:
        for app in failed:
            click.echo(f"mta: error: {app.app}: {app.error}", err=True)
        if len(failed) == len(report.apps):
            raise MtaError(f"extraction failed for every app of {plan.host}")
        raise PartialFailure(f"{len(failed)} of {len(report.apps)} apps could not be extracted")
