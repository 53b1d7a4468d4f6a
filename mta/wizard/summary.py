"""What the wizard shows: the discovery summary, one app, the result.

Every discovered string goes through ``Text`` (never console markup): a
process called ``[red]x`` is data, not formatting. Secret values are never
shown; only the names of the variables that hold them.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..estimate import evaluate_rules, fit_score
from ..model import SECRET_MARKER, App, HostFacts
from .generate import Generated

_MAX = 8


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n else "?"


def secret_names(app: App) -> list[str]:
    return [v.name for v in app.env if v.secret or v.value is None or v.value == SECRET_MARKER]


def fit_scores(facts: HostFacts, apps: Sequence[App]) -> tuple[Optional[str], dict[str, str]]:
    """(host fit, {app: fit}) from the estimate module's rules; (None, {}) when they fail."""
    try:
        host_findings, per_app = evaluate_rules(facts, list(apps))
        scores = {a.name: str(fit_score(f)) for a, f in zip(apps, per_app)}
        every = list(host_findings) + [f for fs in per_app for f in fs]
        host = str(fit_score(every, insufficient=not facts.processes or not apps))
    except Exception:  # the summary must not die on an estimate bug
        return None, {}
    return host, scores


def _more(items: list, shown: int) -> str:
    return f" (+{len(items) - shown} more)" if len(items) > shown else ""


def show(c: Console, facts: HostFacts, apps: Sequence[App]) -> None:
    """The discovery summary: apps with evidence, ports, services, cron, data, secrets, fit."""
    os_name = facts.os.pretty_name or f"{facts.os.id} {facts.os.version_id}".strip()
    c.print(
        Text.assemble(
            ("Host ", "bold"),
            facts.host,
            f"  {os_name}  {facts.hardware.cpu_count or '?'} vCPU  {_gib(facts.hardware.memory_bytes)}",
            f"  ({'privileged' if facts.privileged else 'unprivileged'} discovery)",
        )
    )
    host_fit, app_fit = fit_scores(facts, apps)
    table = Table(title="Apps", title_justify="left", show_lines=False)
    for col in ("app", "stack", "role", "ports", "confidence", "fit"):
        table.add_column(col)
    for app in apps:
        ports = ",".join(str(p.port) for p in app.ports)
        table.add_row(Text(app.name), Text(app.stack), Text(app.role), Text(ports), f"{app.confidence:.0%}", Text(app_fit.get(app.name, "-")))
    if apps:
        c.print(table)
        for app in apps:
            refs = list(dict.fromkeys(f"{e.kind} {e.ref}" for e in app.evidence))
            c.print(Text(f"  {app.name} evidence: " + "; ".join(refs[:4]) + _more(refs, 4)))
    else:
        c.print("Apps: none detected")

    listening = sorted({(s.protocol, s.port, s.process) for s in facts.sockets})
    c.print(
        Text(
            f"Listening ports ({len(listening)}): "
            + ", ".join(f"{proto}/{port} {proc}".strip() for proto, port, proc in listening[:12])
            + _more(listening, 12)
        )
    )
    running = [s.name for s in facts.services if s.state in ("running", "active")]
    c.print(Text(f"Services ({len(facts.services)}, {len(running)} running): " + ", ".join(running[:12]) + _more(running, 12)))
    c.print(Text(f"Cron jobs ({len(facts.cron)}):"))
    for job in facts.cron[:_MAX]:
        c.print(Text(f"  {job.schedule}  {job.user or '-'}  {job.command}"))
    if len(facts.cron) > _MAX:
        c.print(Text(f"  … {len(facts.cron) - _MAX} more"))
    data = sorted({p for a in apps for p in a.data_paths})
    c.print(Text(f"Data dirs ({len(data)}): " + ", ".join(data[:12]) + _more(data, 12)))
    secrets = [f"{a.name}:{n}" for a in apps for n in secret_names(a)]
    masked = sum(f.content.count(SECRET_MARKER) for f in facts.files)
    c.print(
        Text(
            f"Secrets found ({len(secrets)} env, {masked} in files; values are never shown): "
            + ", ".join(secrets[:12])
            + _more(secrets, 12)
        )
    )
    if host_fit is not None:
        c.print(Text(f"Container fit (host): {host_fit}"))
    if facts.not_visible:
        c.print(Text("Not visible without root: " + ", ".join(facts.not_visible[:6]) + _more(facts.not_visible, 6), style="yellow"))
    if facts.errors:
        c.print(Text(f"{len(facts.errors)} probe section(s) failed: " + ", ".join(e.section for e in facts.errors[:6]), style="yellow"))


def _cut(line: str, width: int = 150) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def show_app(c: Console, app: App) -> None:
    c.print(Text.assemble(("\n▸ ", "bold"), (app.name, "bold cyan"), f"  {app.stack} ({app.role})"))
    for e in app.evidence[:4]:
        c.print(Text(_cut(f"    evidence: {e.kind} {e.ref} {e.detail}".rstrip())))
    if app.command:
        c.print(Text(_cut("    command: " + " ".join(app.command))))
    if app.config_files:
        c.print(Text("    config: " + ", ".join(app.config_files[:6]) + _more(app.config_files, 6)))
    if app.data_paths:
        c.print(Text("    data: " + ", ".join(app.data_paths[:6]) + _more(app.data_paths, 6)))
    names = secret_names(app)
    if names:
        c.print(Text("    secret env: " + ", ".join(names)))


def show_choices(c: Console, apps: Sequence[App], answers: Mapping[str, Any]) -> None:
    """Every choice on one screen before anything is written."""
    table = Table(title=Text("Your choices"), show_lines=False)
    for col in ("app", "becomes", "ports", "replicas", "resources", "secret env"):
        table.add_column(col, overflow="fold")
    for app in apps:
        p = f"apps.{app.name}."
        if not answers.get(p + "include", True):
            becomes = "skipped (stays on the VM)"
        elif answers.get(p + "merge_into"):
            becomes = f"merged into {answers[p + 'merge_into']}"
        else:
            becomes = "its own container"
        own = answers.get(p + "include", True) and not answers.get(p + "merge_into")
        cells = (
            app.name,
            becomes,
            ", ".join(str(x) for x in answers.get(p + "ports") or []) if own else "",
            str(answers.get(p + "replicas", "")) if own else "",
            str(answers.get(p + "resources", "")) if own else "",
            ", ".join(answers.get(p + "secrets") or []) if own else "",
        )
        new = answers.get(p + "name") or app.name
        if new != app.name:
            cells = (f"{app.name} → {new}", *cells[1:])
        table.add_row(*(Text(x) for x in cells))
    c.print(table)
    targets = [t for t in ("compose", "swarm", "kubernetes", "security", "sbom") if answers.get(f"targets.{t}")]
    c.print(Text(f"Generate for: {', '.join(targets) or 'nothing'}; base images: {answers.get('base', 'official')}"))
    if answers.get("targets.kubernetes"):
        ingress = answers.get("k8s.ingress_host") or "none"
        c.print(Text(f"Kubernetes namespace: {answers.get('k8s.namespace', 'default')}; Ingress host: {ingress}"))


def next_commands(result: Generated, answers: Mapping[str, Any], connection: Optional[Mapping[str, Any]] = None) -> list[str]:
    d = result.host_dir
    extract = f"mta extract {d / 'plan.yaml'}"
    conn = connection or {}
    if conn.get("host"):
        extract += f" {conn['user']}@{conn['host']}" if conn.get("user") and "@" not in conn["host"] else f" {conn['host']}"
        if conn.get("key_file"):
            extract += f" -i {conn['key_file']}"
        if conn.get("sudo"):
            extract += " --sudo"
        if conn.get("jump"):
            extract += f" --jump {conn['jump']}"
    cmds = [extract + "   # pull the apps' files into the build contexts", f"mta verify {d}"]
    if answers.get("targets.compose", True):
        cmds.append(f"docker compose -f {d / 'compose.yaml'} up --build")
    if answers.get("targets.swarm", False):
        cmds.append(f"docker stack deploy -c {d / 'compose.yaml'} {d.name}")
    if answers.get("targets.kubernetes", False):
        cmds.append(f"kubectl apply -k {d / 'k8s'}")
    cmds.append(f"mta generate {d / 'discovery.yaml'} --answers {result.answers_file} -o DIR   # replay")
    return cmds


def show_result(
    c: Console, result: Generated, answers: Mapping[str, Any], connection: Optional[Mapping[str, Any]] = None
) -> None:
    """The written file tree and what to run next."""
    tree = Tree(Text(str(result.out)))
    nodes: dict[tuple, Tree] = {}
    for rel in result.files:
        parts = rel.split("/")
        parent = tree
        for i, part in enumerate(parts):
            key = tuple(parts[: i + 1])
            if key not in nodes:
                nodes[key] = parent.add(Text(part))
            parent = nodes[key]
    c.print(tree)
    c.print(Text(f"Answers written to {result.answers_file} (no secret values)."))
    c.print(Text("Next:", style="bold"))
    for cmd in next_commands(result, answers, connection):
        c.print(Text(f"  {cmd}"), soft_wrap=True)  # unbroken, so it can be copied
