"""Hardening applied to the rendered Kubernetes objects and compose services.

The render layer builds the objects; ``harden_k8s`` / ``harden_compose``
tighten them in place so every rule lives here, next to the reasons for the
scanner checks we cannot satisfy (checkov skips carry those reasons in the
manifests themselves).

Read-only root filesystem: the app's writable directories (from discovery
and the plan) become emptyDir / tmpfs mounts. When one of them also holds
files from the image (Tomcat's webapps/), a mount would hide them, so that
app keeps a writable root and the manifest says why.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from ...model import AppPlan, Plan

# Runtime directories official backing images write besides their data volume.
_BACKING_WRITES = {
    "postgresql": ["/var/run/postgresql", "/tmp"],
    "postgres": ["/var/run/postgresql", "/tmp"],
    "mysql": ["/var/run/mysqld", "/tmp"],
    "mariadb": ["/var/run/mysqld", "/tmp"],
    "redis": ["/tmp"],
    "memcached": ["/tmp"],
}
# Extra runtime directories of servers we build on official images.
_STACK_WRITES = {"nginx-proxy": ["/var/run"], "static-nginx": ["/var/run"]}
_SAFE = re.compile(r"^/[A-Za-z0-9._/+@-]*$")


@dataclass
class WritePlan:
    read_only: bool
    paths: list[str] = field(default_factory=list)  # emptyDir / tmpfs mount points
    reason: str = ""  # why the root stays writable


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def write_plan(app: AppPlan) -> WritePlan:
    """Which directories need a writable mount, and whether the root can be read-only."""
    if app.build is None:
        extra = _BACKING_WRITES.get(app.stack)
        if extra is None:
            return WritePlan(False, reason=f"official {app.stack} image: its write paths are not known to mta")
        wanted = list(extra)
    else:
        wanted = list(app.build.writable) + ["/tmp"] + _STACK_WRITES.get(app.stack, [])
        wanted += [posixpath.dirname(p) if posixpath.splitext(p)[1] else p for p in app.log_paths]
    volumes = [v.path for v in app.volumes]
    content: list[str] = []
    if app.build:
        content = [f.target for f in app.build.files] + [a.target for a in app.build.artifacts]
        content.append(app.build.workdir)
    paths: list[str] = []
    for raw in dict.fromkeys(wanted):
        p = posixpath.normpath(raw) if raw else ""
        if not p.startswith("/") or p == "/" or not _SAFE.match(p) or any(_under(p, v) for v in volumes):
            continue
        if any(_under(c, p) for c in content if c):
            return WritePlan(False, reason=f"{p} is written at run time and also holds files from the image")
        paths.append(p)
    # keep the outermost directory only: nested emptyDirs add nothing
    outer = [p for p in sorted(set(paths)) if not any(q != p and _under(p, q) for q in paths)]
    return WritePlan(True, outer)


def volume_name(path: str, used: set[str]) -> str:
    base = "w-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root")
    name = base[:60].strip("-")
    n = 1
    while name in used:
        n += 1
        name = f"{base[:56].strip('-')}-{n}"
    used.add(name)
    return name


# --- checkov checks we keep failing on purpose, with the reason shown in the manifest
_REASONS = {
    "CKV_K8S_21": "the namespace is set by kustomization.yaml (answer k8s.namespace)",
    "CKV_K8S_11": "no CPU limit on purpose: CFS throttling hurts the legacy app's bursts; the request reserves its measured share",
    "CKV_K8S_15": "IfNotPresent lets images built locally by mta run without a registry; pin digests with --lock for immutability",
    "CKV_K8S_35": "the app reads these secrets from environment variables, as it did on the VM",
    "CKV_K8S_43": "images are pinned by tag; add digests with a lock file (mta generate --lock FILE)",
    "CKV_K8S_40": "the official image runs as its own uid (999), owner of its data files",
    "CKV_K8S_22": "",  # reasons per app: write_plan, the plan's probe decision
    "CKV_K8S_8": "",
    "CKV_K8S_9": "",
}


def _skips(ids: list[str], reasons: dict[str, str]) -> dict[str, str]:
    return {f"checkov.io/skip{i + 1}": f"{cid}={reasons.get(cid) or _REASONS[cid]}" for i, cid in enumerate(ids)}


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    kind = obj.get("kind")
    if kind in ("Deployment", "StatefulSet"):
        return obj["spec"]["template"]["spec"]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return None


def _harden_pod(pod: dict[str, Any], app: AppPlan, wp: WritePlan) -> None:
    pod["automountServiceAccountToken"] = False
    psc = pod.setdefault("securityContext", {})
    psc["runAsGroup"] = app.run_as_user
    used = {v["name"] for v in pod.get("volumes", [])}
    names = [volume_name(p, used) for p in wp.paths] if wp.read_only else []
    for c in pod.get("containers", []):
        sc = c.setdefault("securityContext", {})
        sc["runAsGroup"] = app.run_as_user
        sc["readOnlyRootFilesystem"] = wp.read_only
        if names:
            c.setdefault("volumeMounts", []).extend({"name": n, "mountPath": p} for n, p in zip(names, wp.paths))
    if names:
        pod.setdefault("volumes", []).extend({"name": n, "emptyDir": {}} for n in names)


def harden_k8s(plan: Plan, objs: dict[str, dict[str, Any]]) -> None:
    """Tighten rendered objects in place: PSS restricted extras, read-only root, checkov reasons."""
    by_label = {a.name: a for a in plan.apps if a.include}
    for obj in objs.values():
        meta = obj.setdefault("metadata", {})
        app = by_label.get(meta.get("labels", {}).get("app.kubernetes.io/name", ""))
        skip = ["CKV_K8S_21"]
        reasons: dict[str, str] = {}
        pod = _pod_spec(obj)
        if pod is not None and app is not None:
            wp = write_plan(app)
            _harden_pod(pod, app, wp)
            containers = pod.get("containers", [])
            if any(not c.get("resources", {}).get("limits", {}).get("cpu") for c in containers):
                skip.append("CKV_K8S_11")
            if any(c.get("imagePullPolicy") != "Always" for c in containers):
                skip.append("CKV_K8S_15")
            if any(e.get("valueFrom", {}).get("secretKeyRef") for c in containers for e in c.get("env", [])):
                skip.append("CKV_K8S_35")
            if any("@sha256:" not in c.get("image", "") for c in containers):
                skip.append("CKV_K8S_43")
            if app.run_as_user < 10000:
                skip.append("CKV_K8S_40")
            if not any(c.get("readinessProbe") for c in containers) and obj.get("kind") != "CronJob":
                skip.append("CKV_K8S_9")
                reasons["CKV_K8S_9"] = f"no probe: {app.readiness.reason or 'nothing to probe was observed'}"
            if not any(c.get("livenessProbe") for c in containers) and obj.get("kind") != "CronJob":
                skip.append("CKV_K8S_8")
                reasons["CKV_K8S_8"] = f"no probe: {app.liveness.reason or app.readiness.reason or 'nothing to probe was observed'}"
            if not wp.read_only:
                skip.append("CKV_K8S_22")
                reasons["CKV_K8S_22"] = f"the root filesystem stays writable: {wp.reason}"
        meta.setdefault("annotations", {}).update(_skips(skip, reasons))


def harden_compose(plan: Plan, services: dict[str, dict[str, Any]]) -> None:
    """read_only with tmpfs for the app's writable paths, where the image allows it."""
    for app in plan.apps:
        svc = services.get(app.name)
        if svc is None or not app.include:
            continue
        svc.setdefault("cap_drop", ["ALL"])
        opts = svc.setdefault("security_opt", [])
        if "no-new-privileges:true" not in opts:
            opts.append("no-new-privileges:true")
        wp = write_plan(app)
        if wp.read_only:
            svc["read_only"] = True
            if wp.paths:
                svc["tmpfs"] = list(wp.paths)
        else:
            # the compose rule set (tests/security/compose_rules.py) reads skips from labels
            svc.setdefault("labels", {})["io.mta.skip.MTA-C8"] = f"root filesystem stays writable: {wp.reason}"
