"""compose.yaml for `docker compose up` and `docker stack deploy` alike.

Built as data and dumped by the yaml library. Version 3.8 keeps it valid for
Swarm (which still reads ``version``) and for Compose v1/v2.
"""

from __future__ import annotations

from typing import Any

from ..io import dump_yaml
from ..model import AppPlan, HostFacts, Plan
from ..plan.recipes.backing import backing_kind
from .common import (compose_cpus, compose_memory, config_items, env_secret_names, secret_file_items,
                     shared_secrets)
from .env import render
from .security.hardening import harden_compose


def _healthcheck(app: AppPlan) -> dict[str, Any] | None:
    # Built images carry their HEALTHCHECK; backing services get one here (podman's
    # default OCI image format drops HEALTHCHECK, and official images have none).
    if (app.build is None or backing_kind(app)) and app.readiness.kind == "exec" and app.readiness.command:
        return {"test": ["CMD", *app.readiness.command], "interval": "30s", "timeout": "5s",
                "retries": 3, "start_period": "30s"}
    return None


def compose_data(facts: HostFacts, plan: Plan) -> dict[str, Any]:
    services: dict[str, Any] = {}
    volumes: dict[str, Any] = {}
    secrets: dict[str, Any] = {}
    configs: dict[str, Any] = {}
    kept = [a for a in plan.apps if a.include]
    for app in kept:
        svc: dict[str, Any] = {"image": app.image}
        if app.build:
            svc["build"] = {"context": f"./apps/{app.name}", "dockerfile": "Dockerfile"}
        env: dict[str, str] = {}
        for var in app.env:
            if var.value is not None:
                env[var.name] = var.value
            elif app.build is None or backing_kind(app):
                # official images (and ours built for backing services) read NAME_FILE for their secrets
                env[f"{var.name}_FILE"] = f"/run/secrets/{var.name}"
        if env:
            svc["environment"] = env
        svc["user"] = str(app.run_as_user)
        if app.publish and app.expose:
            svc["ports"] = [{"target": p.port, "published": p.port, "protocol": p.protocol, "mode": "ingress"}
                            for p in app.expose]
        deps = [d for d in app.depends_on if plan.app(d) and plan.app(d).include]
        if deps:
            svc["depends_on"] = deps
        if app.volumes:
            svc["volumes"] = [{"type": "volume", "source": v.name, "target": v.path} for v in app.volumes]
            for v in app.volumes:
                volumes[v.name] = {}
        refs = []
        for key in env_secret_names(app):
            name = f"{app.name}-{key}"
            secrets[name] = {"file": f"./secrets/{app.name}/{key}"}
            refs.append({"source": name, "target": key, "uid": str(app.run_as_user), "gid": "0", "mode": 0o400})
        for key, owner, okey in shared_secrets(app):  # one file, mounted under each app's own name
            name = f"{owner}-{okey}"
            secrets[name] = {"file": f"./secrets/{owner}/{okey}"}
            refs.append({"source": name, "target": key, "uid": str(app.run_as_user), "gid": "0", "mode": 0o400})
        for item in secret_file_items(app):
            name = f"{app.name}-file-{item.key}"
            secrets[name] = {"file": f"./secrets/{app.name}/files/{item.key}"}
            refs.append({"source": name, "target": item.target, "uid": str(app.run_as_user), "gid": "0",
                         "mode": 0o400})
        if refs:
            svc["secrets"] = refs
        crefs = []
        for item in config_items(facts, app):
            name = f"{app.name}-{item.key}"
            configs[name] = {"file": f"./apps/{app.name}/config/{item.key}"}
            crefs.append({"source": name, "target": item.target, "mode": 0o444})
        if crefs:
            svc["configs"] = crefs
        hc = _healthcheck(app)
        if hc:
            svc["healthcheck"] = hc
        if app.build and any(p.port < 1024 for p in app.expose):
            # lets the non-root server bind its VM port (80, 443) without a capability, as
            # the k8s pod's sysctl does; `docker stack deploy` on old engines ignores sysctls
            svc["sysctls"] = {"net.ipv4.ip_unprivileged_port_start": "0"}
        svc["cap_drop"] = ["ALL"]
        svc["security_opt"] = ["no-new-privileges:true"]
        svc["restart"] = "unless-stopped"
        r = app.resources
        limits: dict[str, str] = {"memory": compose_memory(r.memory_limit)}
        if r.cpu_limit:
            limits["cpus"] = compose_cpus(r.cpu_limit)
        svc["deploy"] = {
            "replicas": app.replicas,
            "resources": {"limits": limits,
                          "reservations": {"cpus": compose_cpus(r.cpu_request),
                                           "memory": compose_memory(r.memory_request)}},
            "restart_policy": {"condition": "on-failure"},
        }
        services[app.name] = svc
    harden_compose(plan, services)  # read_only root with tmpfs where the image allows it
    data: dict[str, Any] = {"version": "3.8", "services": services}
    if volumes:
        data["volumes"] = volumes
    if secrets:
        data["secrets"] = secrets
    if configs:
        data["configs"] = configs
    return data


def no_interpolation(value: Any) -> Any:
    """Compose expands $VAR in every value; discovered text must stay literal ($$)."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: no_interpolation(v) for k, v in value.items()}
    if isinstance(value, list):
        return [no_interpolation(v) for v in value]
    return value


def render_compose(facts: HostFacts, plan: Plan) -> dict[str, str]:
    data = no_interpolation(compose_data(facts, plan))
    files = {"compose.yaml": render("compose/compose.yaml.j2", host=plan.host, body=dump_yaml(data))}
    for app in plan.apps:
        if app.include:
            for item in config_items(facts, app):
                files[f"apps/{app.name}/config/{item.key}"] = item.content
    return files
