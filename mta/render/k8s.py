"""Kubernetes manifests: one object per file, a kustomization listing them.

Pods meet the 'restricted' Pod Security Standard. Secret manifests carry only
empty placeholder keys (and the namespace, for ``kubectl apply -f``) and are
left out of ``k8s/kustomization.yaml``, so applying it never overwrites real
secrets. The host folder's own ``kustomization.yaml`` is k8s/ plus a
secretGenerator reading the same ``secrets/<app>/...`` files compose reads:
``kubectl apply -k .`` there puts the real Secrets in the app namespace
(kustomize loads files only in or below a kustomization's folder, so the
generator cannot live in k8s/).
"""

from __future__ import annotations

from typing import Any

from ..io import dump_yaml
from ..model import AppPlan, HostFacts, Plan, Probe
from ..plan.names import dns_label
from .common import config_items, env_secret_names, port_name, secret_file_items, shared_secrets
from .env import render
from .security.hardening import harden_k8s
from .security.netpol import network_policies


def _labels(plan: Plan, app: AppPlan) -> dict[str, str]:
    return {"app.kubernetes.io/name": app.name, "app.kubernetes.io/instance": dns_label(plan.host, "host"),
            "app.kubernetes.io/managed-by": "mta"}


def _selector(plan: Plan, app: AppPlan) -> dict[str, str]:
    return {"app.kubernetes.io/name": app.name, "app.kubernetes.io/instance": dns_label(plan.host, "host")}


def _probe(p: Probe, *, startup: bool = False) -> dict[str, Any] | None:
    if p.kind == "http":
        action: dict[str, Any] = {"httpGet": {"path": p.path or "/", "port": p.port}}
    elif p.kind == "tcp":
        action = {"tcpSocket": {"port": p.port}}
    elif p.kind == "exec" and p.command:
        action = {"exec": {"command": list(p.command)}}
    else:
        return None
    timing = ({"periodSeconds": 10, "failureThreshold": 30} if startup
              else {"periodSeconds": 15, "timeoutSeconds": 5, "failureThreshold": 3})
    return {**action, **timing}


def _resources(app: AppPlan) -> dict[str, Any]:
    r = app.resources
    limits = {"memory": r.memory_limit}
    if r.cpu_limit:
        limits["cpu"] = r.cpu_limit
    return {"requests": {"cpu": r.cpu_request, "memory": r.memory_request}, "limits": limits}


def _container_security(uid: int) -> dict[str, Any]:
    return {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": True, "runAsUser": uid, "seccompProfile": {"type": "RuntimeDefault"}}


def _pod_security(app: AppPlan) -> dict[str, Any]:
    sc: dict[str, Any] = {"runAsNonRoot": True, "runAsUser": app.run_as_user, "fsGroup": app.run_as_user,
                          "seccompProfile": {"type": "RuntimeDefault"}}
    if any(p.port < 1024 for p in app.expose):
        # lets the non-root server bind its VM port (80, 443); a 'safe' sysctl
        sc["sysctls"] = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]
    return sc


def literal(text: str) -> str:
    """Kubernetes expands $(VAR) in env values and commands; $$ keeps a literal $."""
    return text.replace("$", "$$")


def _env(app: AppPlan) -> list[dict[str, Any]]:
    out = []
    shared = {key: okey for key, _, okey in shared_secrets(app)}
    for var in app.env:
        if var.value is not None:
            out.append({"name": var.name, "value": literal(var.value)})
        elif var.secret:
            out.append({"name": var.name, "valueFrom": {"secretKeyRef": {"name": var.secret,
                                                                        "key": shared.get(var.name, var.name)}}})
    return out


def _container(facts: HostFacts, plan: Plan, app: AppPlan) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    used: set[str] = set()
    c: dict[str, Any] = {"name": app.name, "image": app.image, "imagePullPolicy": "IfNotPresent"}
    if app.expose:
        c["ports"] = [{"name": port_name(p.port, p.http, used), "containerPort": p.port,
                       "protocol": p.protocol.upper()} for p in app.expose]
    env = _env(app)
    if env:
        c["env"] = env
    c["resources"] = _resources(app)
    for key, probe in (("startupProbe", _probe(app.readiness, startup=True)),
                       ("readinessProbe", _probe(app.readiness)), ("livenessProbe", _probe(app.liveness))):
        if probe:
            c[key] = probe
    c["securityContext"] = _container_security(app.run_as_user)
    mounts: list[dict[str, Any]] = []
    volumes: list[dict[str, Any]] = []
    for v in app.volumes:
        mounts.append({"name": v.name, "mountPath": v.path})
        if app.workload == "Deployment":
            volumes.append({"name": v.name, "persistentVolumeClaim": {"claimName": v.name}})
    items = config_items(facts, app)
    if items:
        volumes.append({"name": "config", "configMap": {"name": f"{app.name}-config"}})
        mounts += [{"name": "config", "mountPath": i.target, "subPath": i.key, "readOnly": True} for i in items]
    sitems = secret_file_items(app)
    if sitems:
        volumes.append({"name": "secret-files", "secret": {"secretName": f"{app.name}-files", "defaultMode": 0o440}})
        mounts += [{"name": "secret-files", "mountPath": i.target, "subPath": i.key, "readOnly": True} for i in sitems]
    if mounts:
        c["volumeMounts"] = mounts
    return c, volumes


def _meta(plan: Plan, app: AppPlan, name: str) -> dict[str, Any]:
    return {"name": name, "labels": _labels(plan, app)}


def app_objects(facts: HostFacts, plan: Plan, app: AppPlan) -> dict[str, dict[str, Any]]:
    """{file name: object} for one app; secrets under names ending -secret.yaml."""
    objs: dict[str, dict[str, Any]] = {}
    container, volumes = _container(facts, plan, app)
    pod: dict[str, Any] = {"securityContext": _pod_security(app), "containers": [container]}
    if volumes:
        pod["volumes"] = volumes
    template = {"metadata": {"labels": _labels(plan, app)}, "spec": pod}
    spec: dict[str, Any] = {"replicas": app.replicas, "selector": {"matchLabels": _selector(plan, app)}}
    if app.workload == "StatefulSet":
        spec["serviceName"] = app.name
        spec["template"] = template
        if app.volumes:
            spec["volumeClaimTemplates"] = [
                {"metadata": {"name": v.name},
                 "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": v.size}}}}
                for v in app.volumes]
        objs[f"{app.name}-statefulset.yaml"] = {"apiVersion": "apps/v1", "kind": "StatefulSet",
                                                "metadata": _meta(plan, app, app.name), "spec": spec}
    else:
        if app.volumes:
            spec["strategy"] = {"type": "Recreate"}  # ReadWriteOnce volumes cannot be shared during a rollout
        spec["template"] = template
        objs[f"{app.name}-deployment.yaml"] = {"apiVersion": "apps/v1", "kind": "Deployment",
                                               "metadata": _meta(plan, app, app.name), "spec": spec}
        for v in app.volumes:
            objs[f"{v.name}-pvc.yaml"] = {
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": _meta(plan, app, v.name),
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": v.size}}}}
    if app.expose:
        used: set[str] = set()
        objs[f"{app.name}-service.yaml"] = {
            "apiVersion": "v1", "kind": "Service", "metadata": _meta(plan, app, app.name),
            "spec": {"selector": _selector(plan, app),
                     "ports": [{"name": port_name(p.port, p.http, used), "port": p.port, "targetPort": p.port,
                                "protocol": p.protocol.upper()} for p in app.expose]}}
    items = config_items(facts, app)
    if items:
        objs[f"{app.name}-configmap.yaml"] = {"apiVersion": "v1", "kind": "ConfigMap",
                                              "metadata": _meta(plan, app, f"{app.name}-config"),
                                              "data": {i.key: i.content for i in items}}
    keys = env_secret_names(app)
    if keys:
        objs[f"{app.name}-secrets-secret.yaml"] = _secret(plan, app, f"{app.name}-secrets", keys)
    sitems = secret_file_items(app)
    if sitems:
        objs[f"{app.name}-files-secret.yaml"] = _secret(plan, app, f"{app.name}-files", [i.key for i in sitems])
    for job in app.jobs:
        jc = {"name": "job", "image": app.image, "command": [literal(a) for a in job.command], "resources": _resources(app),
              "securityContext": _container_security(app.run_as_user)}
        env = _env(app)
        if env:
            jc["env"] = env
        objs[f"{job.name}-cronjob.yaml"] = {
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": _meta(plan, app, job.name),
            "spec": {"schedule": job.schedule, "concurrencyPolicy": "Forbid",
                     "jobTemplate": {"spec": {"template": {"metadata": {"labels": _labels(plan, app)}, "spec": {
                         "restartPolicy": "OnFailure", "securityContext": _pod_security(app),
                         "containers": [jc]}}}}}}
    return objs


def _secret(plan: Plan, app: AppPlan, name: str, keys: list[str]) -> dict[str, Any]:
    # The namespace is written here too: these files are applied with -f, outside the kustomization.
    meta = {"name": name, "namespace": plan.targets.namespace, "labels": _labels(plan, app)}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque",
            "stringData": {k: "" for k in keys}}


def _secret_generator(plan: Plan) -> list[dict[str, Any]]:
    """kustomize secretGenerator entries: the Secrets k8s/ refers to, from secrets/ (as compose)."""
    out: list[dict[str, Any]] = []
    for app in plan.apps:
        if not app.include:
            continue
        keys = env_secret_names(app)
        if keys:
            out.append({"name": f"{app.name}-secrets", "files": [f"{k}=secrets/{app.name}/{k}" for k in keys]})
        items = secret_file_items(app)
        if items:
            out.append({"name": f"{app.name}-files",
                        "files": [f"{i.key}=secrets/{app.name}/files/{i.key}" for i in items]})
    return out


def _ingress(plan: Plan) -> dict[str, Any] | None:
    host = plan.targets.ingress_host
    entry = next((a for a in plan.apps if a.include and a.publish and any(p.http for p in a.expose)), None)
    if not host or entry is None:
        return None
    port = next(p.port for p in entry.expose if p.http)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": entry.name, "labels": _labels(plan, entry)},
            "spec": {"rules": [{"host": host, "http": {"paths": [
                {"path": "/", "pathType": "Prefix",
                 "backend": {"service": {"name": entry.name, "port": {"number": port}}}}]}}]}}


def render_k8s(facts: HostFacts, plan: Plan) -> dict[str, str]:
    objs: dict[str, dict[str, Any]] = {}
    for app in plan.apps:
        if app.include:
            objs.update(app_objects(facts, plan, app))
    ing = _ingress(plan)
    if ing:
        objs[f"{ing['metadata']['name']}-ingress.yaml"] = ing
    if plan.targets.security:
        objs.update(network_policies(facts, plan))
    harden_k8s(plan, objs)  # read-only root, runAsGroup, no SA token, checkov reasons
    files = {f"k8s/{name}": render("k8s/object.yaml.j2", host=plan.host, body=dump_yaml(obj))
             for name, obj in objs.items()}
    kust = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "namespace": plan.targets.namespace,
            "resources": sorted(n for n in objs if not n.endswith("-secret.yaml"))}
    files["k8s/kustomization.yaml"] = render("k8s/kustomization.yaml.j2", host=plan.host, body=dump_yaml(kust),
                                             secrets=sorted(n for n in objs if n.endswith("-secret.yaml")))
    generator = _secret_generator(plan)
    root: dict[str, Any] = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                            "namespace": plan.targets.namespace, "resources": ["k8s"]}
    if generator:
        # fixed names: the Deployments and CronJobs refer to <app>-secrets / <app>-files
        root["secretGenerator"] = generator
        root["generatorOptions"] = {"disableNameSuffixHash": True}
    files["kustomization.yaml"] = render("k8s/host-kustomization.yaml.j2", host=plan.host, body=dump_yaml(root),
                                         secrets=bool(generator))
    return files
