"""README.md: the runbook a person follows to build, run and check."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import AppPlan, HostFacts, Plan
from ..model.identity import folder_name
from .common import config_items, env_secret_names, secret_file_items, shared_secrets
from .env import render
from .restore import data_stores, restore_by_hand, restores_itself, store_kind


@dataclass
class AppView:
    name: str
    stack: str
    role: str
    image: str
    include: bool
    built: bool
    ports: str
    base: str
    notes: list[str]
    rewrites: list[str]
    secrets: list[tuple[str, str]]  # (file under secrets/, where it came from)
    checks: list[str]
    jobs: list[str]
    volumes: list[str]
    evidence: list[str] = field(default_factory=list)


def _checks(facts: HostFacts, app: AppPlan) -> list[str]:
    out = []
    for p in app.expose:
        for h in facts.http:
            if h.port == p.port and h.status:
                title = f' and the page title "{h.title}"' if h.title else ""
                out.append(f"GET {h.path} on port {p.port} answers {h.status}{title}, as on the VM")
    if app.readiness.kind == "tcp":
        out.append(f"port {app.readiness.port} accepts connections")
    if app.readiness.kind == "none":
        out.append(f"no probe: {app.readiness.reason}; check the logs (docker compose logs {app.name})")
    for v in app.volumes:
        if v.source_path:
            out.append(f"data from {v.source_path} on the VM is restored into volume {v.name} ({v.path})")
    return out


def _app_view(facts: HostFacts, app: AppPlan) -> AppView:
    secrets = [(f"secrets/{app.name}/{k}", next((s.source for s in app.secrets if s.key == k), ""))
               for k in env_secret_names(app)]
    secrets += [(f"secrets/{owner}/{okey}", f"shared with {owner}, read here as {key}")
                for key, owner, okey in shared_secrets(app)]
    secrets += [(f"secrets/{app.name}/files/{i.key}", i.source) for i in secret_file_items(app)]
    return AppView(
        name=app.name, stack=app.stack, role=app.role, image=app.image, include=app.include,
        built=app.build is not None,
        ports=", ".join(f"{p.port}/{p.protocol}" for p in app.expose) or "none",
        base=app.build.base_image if app.build else app.image,
        notes=app.notes, rewrites=app.rewrites, secrets=secrets, checks=_checks(facts, app),
        jobs=[f"{j.schedule}  {' '.join(j.command)}" for j in app.jobs],
        volumes=[f"{v.name} -> {v.path} ({v.size})" for v in app.volumes],
        evidence=[f"{e.kind} {e.ref}" + (f": {e.detail}" if e.detail else "") for e in app.evidence][:6],
    )


def render_runbook(facts: HostFacts, plan: Plan) -> str:
    apps = [_app_view(facts, a) for a in plan.apps]
    stores = [(a.name, store_kind(a), restore_by_hand(a)) for a in data_stores(plan)]
    # k8s-restore/ holds the stores whose image loads what an init container puts in place
    k8s_stores = [s for s, a in zip(stores, data_stores(plan)) if restores_itself(a, s[1])]
    return render("runbook/README.md.j2", plan=plan, facts=facts, apps=apps, stores=stores, k8s_stores=k8s_stores,
                  folder=folder_name(plan.host),
                  kept=[a for a in apps if a.include], dropped=[a for a in apps if not a.include],
                  built=[a for a in apps if a.include and a.built],
                  # Compose v1 (Debian 12 ships only it) drops `configs:`; without them it runs the file as v2 does
                  compose_v1=not any(config_items(facts, a) for a in plan.apps if a.include),
                  os=facts.os.pretty_name or f"{facts.os.id} {facts.os.version_id}".strip())
