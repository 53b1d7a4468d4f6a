"""``mta generate DISCOVERY.yaml``: artifacts for one host."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Optional

import click

from ..errors import InputError
from ..model.identity import folder_name
from ..plan.answers import load_answers, parse_sets
from ..plan.security.lock import apply_lock, load_lock
from ..plan.security.placeholders import MANIFEST, wire_fill
from .options import out_option


def _answers_file(path: Optional[str]) -> dict:
    return load_answers(path) if path else {}


def summary(out_root: Path, host_dir: Path, written: list[Path]) -> list[str]:
    """A short tree: top-level files, then counts per directory."""
    rels = sorted(p.relative_to(host_dir.resolve()) for p in written)
    lines = [f"{host_dir}/"]
    top = [r for r in rels if len(r.parts) == 1]
    for r in top:
        lines.append(f"  {r}")
    apps = sorted({r.parts[1] for r in rels if r.parts[0] == "apps" and len(r.parts) > 2})
    if apps:
        lines.append(f"  apps/  {', '.join(apps)} (Dockerfile, .dockerignore, context/)")
    kinds = Counter(r.parts[0] for r in rels if len(r.parts) > 1 and r.parts[0] != "apps")
    for d, n in sorted(kinds.items()):
        lines.append(f"  {d}/  {n} file{'s' if n != 1 else ''}")
    return lines


def _rewire_fill(host_dir: Path, plan) -> None:
    """A context extracted earlier carries secret placeholders; the shim just
    rendered again must keep filling them at start."""
    for app in plan.apps:
        app_dir = host_dir / "apps" / app.name
        if app.include and app.build and (app_dir / "context" / MANIFEST).is_file():
            _, problem = wire_fill(app_dir, app)
            if problem:
                click.echo(f"mta: warning: {app.name}: {problem}", err=True)


@click.command("generate")
@click.argument("discovery", type=click.Path(dir_okay=False))
@out_option(required=False, help="Output root (default: the OUT of OUT/hosts/<host>/discovery.yaml, else ./out).")
@click.option("--base", default=None, metavar="official|debian|FILE",
              help="Base images: official runtime images (default), Debian + distro packages, "
                   "or a YAML mapping official image -> internal registry image.")
@click.option("--answers", "answers_path", type=click.Path(dir_okay=False), help="Answers file (YAML).")
@click.option("--set", "sets", multiple=True, metavar="ID=VALUE", help="One answer; repeatable; wins over --answers.")
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False),
              help="Render this (edited) plan.yaml as written instead of planning again.")
@click.option("--lock", "lock_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Pin images by digest from this lock file (images: {IMAGE: sha256:...}).")
def command(discovery: str, out: Optional[str], base: Optional[str], answers_path: Optional[str],
            sets: tuple[str, ...], plan_path: Optional[str], lock_path: Optional[str]) -> None:
    """Write Dockerfiles, compose, Kubernetes manifests and a runbook for one host.

    A host where nothing is detected still gets plan.yaml and a README.md that
    says why; the command then warns and exits 0.
    """
    from .. import pipeline  # lazy: CLI start (render, detect: not for --help)

    facts = pipeline.load_discovery(discovery)
    plan = None
    answers: dict = {}
    if plan_path:
        if answers_path or sets or base:
            raise InputError("--plan renders the plan as written; --answers, --set and --base do not apply",
                             hint="edit plan.yaml, or drop --plan to plan again with answers")
        plan = pipeline.load_plan(plan_path)
    else:
        answers = _answers_file(answers_path)
        answers.update(parse_sets(sets))
        if base:
            answers["base"] = base  # the flag is the command line layer
    out_root = Path(out) if out else pipeline.default_out(discovery)
    source = " / ".join(s for s in (answers_path, "--set" if sets else "") if s) or "answers"
    if lock_path:
        lock = load_lock(lock_path)  # a bad lock fails before anything is planned or written
        if plan is None:
            plan = pipeline.plan_host(facts, answers, str(answers.get("base") or "official"),
                                      discovery_path=str(discovery), source=source)
        plan, missing = apply_lock(plan, lock)
        for ref in missing:
            click.echo(f"mta: warning: {lock_path} has no digest for {ref}; it stays pinned by tag only", err=True)
    plan, written = pipeline.generate_host(facts, plan, out_root, answers,
                                           str(answers.get("base") or "official"),
                                           discovery_path=str(discovery), source=source)
    host_dir = out_root / "hosts" / folder_name(facts.host)
    _rewire_fill(host_dir, plan)
    for line in summary(out_root, host_dir, written):
        click.echo(line)
    kept = [a for a in plan.apps if a.include]
    if not plan.apps:
        click.echo(f"mta: warning: no application detected on {facts.host}; "
                   f"{host_dir / 'README.md'} says what was seen", err=True)
    else:
        click.echo(f"{len(kept)} of {len(plan.apps)} app(s) planned for {facts.host}; "
                   f"next: read {host_dir / 'README.md'}")
