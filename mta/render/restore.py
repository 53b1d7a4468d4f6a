"""How the dumps ``mta extract --data`` took get back into the stores.

Compose: ``compose.override.yaml`` (``docker compose up`` reads it beside
``compose.yaml``; ``docker stack deploy -c compose.yaml`` does not, as Swarm
has no one-shot services). Per store a one-shot ``<svc>-restore`` service, in
the store's own image, copies ``./data/<svc>/`` into a volume the store reads:

- MySQL/MariaDB, PostgreSQL: volume ``<svc>-initdb`` at
  ``/docker-entrypoint-initdb.d``; the image loads it on an empty data dir
  only, so later starts keep the data written since.
- RabbitMQ: volume ``<svc>-initdb`` at ``/docker-entrypoint-initdb.d``
  with ``definitions.json``, which the image imports on an empty data dir only.
- Redis: ``dump.rdb`` into the data volume, unless one is there already.
- File data dirs: the tar unpacked into the app's volume while it is empty.

The store waits for it (``service_completed_successfully``). The restore
runs as root with only CHOWN/DAC_OVERRIDE/FOWNER: the dumps are 0600 files of
the operator and the store's user must own what it reads.

Kubernetes: ``k8s-restore/`` holds, per store, a PVC for the dump, a
one-off pod to copy it in, and a Job that loads it (see the host README).
"""

from __future__ import annotations

import re
import shlex
import zlib
from typing import Any

from ..io import dump_yaml
from ..model import AppPlan, Plan
from ..plan.recipes.backing import backing_kind
from .compose import no_interpolation
from .env import render

OVERRIDE = "compose.override.yaml"
DUMP_DIR = "/mta-dump"
INITDB = "/docker-entrypoint-initdb.d"
#: files the official database images' entrypoints read from /docker-entrypoint-initdb.d
#: (and the RabbitMQ image mta builds: its definitions)
_INIT_FILES = "*.sql|*.sql.gz|*.sh|*.dump|*.pgdumpall.gz|*.json"
#: what ``extract --data`` takes of a RabbitMQ broker (``rabbitmqctl export_definitions``)
RABBITMQ_DEFINITIONS = "definitions.json"
#: stores whose dumps the image loads from /docker-entrypoint-initdb.d on an empty data dir
_INITDB_KINDS = ("mysql", "postgres", "rabbitmq")


def restores_itself(app: AppPlan, kind: str) -> bool:
    """Whether the store's image loads what the one-shot puts in place: the official rabbitmq
    image has no /docker-entrypoint-initdb.d (mta's Debian-built one does); there the
    runbook's rabbitmqctl import_definitions does it."""
    return kind != "rabbitmq" or app.build is not None


def store_kind(app: AppPlan) -> str:
    """mysql | postgres | redis | rabbitmq for a backing store, files for an app with data volumes, else ''."""
    kind = backing_kind(app)
    if kind == "mariadb":
        return "mysql"
    if kind in ("mysql", "postgres", "redis", "rabbitmq"):
        return kind
    if app.build is not None and file_volumes(app):
        return "files"
    return ""


def file_volumes(app: AppPlan):
    """The app's volumes that hold data copied from a VM directory."""
    return [v for v in app.volumes if v.kind in ("data", "uploads") and (v.source_path or v.path)]


def data_stores(plan: Plan) -> list[AppPlan]:
    """Included apps whose data ``extract --data`` takes (and compose restores)."""
    return [a for a in plan.apps if a.include and store_kind(a)]


def restore_script(kind: str, uid: int, names: list[str]) -> str:
    """The one-shot's sh script (``names``: the tar files of a files store, in volume order)."""
    own = f"{int(uid)}:0"
    if kind in _INITDB_KINDS:
        return (f"set -e; find /restore -mindepth 1 -delete; "
                f"for f in {DUMP_DIR}/*; do case \"$f\" in {_INIT_FILES}) cp \"$f\" /restore/ ;; esac; done; "
                f"chown -R {own} /restore; chmod -R u=rwX,g=rX,o= /restore; ls -l /restore")
    if kind == "redis":
        return (f"set -e; if [ -e /restore/dump.rdb ]; then echo 'dump.rdb already in the volume: kept'; "
                f"else cp {DUMP_DIR}/dump.rdb /restore/dump.rdb.tmp && chown {own} /restore/dump.rdb.tmp "
                f"&& chmod 0600 /restore/dump.rdb.tmp && mv /restore/dump.rdb.tmp /restore/dump.rdb; fi")
    steps = ["set -e"]
    for i, name in enumerate(names):
        d, src = f"/restore/{i}", f"{DUMP_DIR}/{name}"
        steps.append(f"if [ -n \"$(ls -A {d})\" ]; then echo '{d}: not empty, kept'; "
                     f"else tar -xzf {shlex.quote(src)} -C {d} --no-same-owner && chown -R {own} {d}; fi")
    return "; ".join(steps)


def compose_override(plan: Plan, stores: dict[str, dict]) -> dict[str, Any]:
    """The override for ``stores``: {app name: {"kind": k, "volumes": [(file, volume name, path)]}}."""
    services: dict[str, Any] = {}
    volumes: dict[str, Any] = {}
    for name, info in sorted(stores.items()):
        app = plan.app(name)
        if app is None or not app.include or not restores_itself(app, info["kind"]):
            continue
        kind = info["kind"]
        rname = f"{name}-restore"
        mounts: list[dict[str, Any]] = [{"type": "bind", "source": f"./data/{name}", "target": DUMP_DIR,
                                         "read_only": True}]
        store_mounts: list[dict[str, Any]] = []
        if kind in _INITDB_KINDS:
            vol = f"{name}-initdb"
            volumes[vol] = {}
            mounts.append({"type": "volume", "source": vol, "target": "/restore"})
            store_mounts.append({"type": "volume", "source": vol, "target": INITDB, "read_only": True})
            image, files = app.image, []
        elif kind == "redis":
            data = next((v for v in app.volumes if v.kind == "data"), None)
            if data is None:
                continue
            mounts.append({"type": "volume", "source": data.name, "target": "/restore"})
            image, files = app.image, []
        else:
            vols = info.get("volumes") or []
            for i, (_, vname, _) in enumerate(vols):
                mounts.append({"type": "volume", "source": vname, "target": f"/restore/{i}"})
            files = [f for f, _, _ in vols]
            image = app.build.base_image if app.build else app.image
        services[rname] = {
            "image": image,
            "user": "0",
            "entrypoint": ["sh", "-c", restore_script(kind, app.run_as_user, files)],
            "volumes": mounts,
            "cap_drop": ["ALL"],
            "cap_add": ["CHOWN", "DAC_OVERRIDE", "FOWNER"],
            "security_opt": ["no-new-privileges:true"],
            "restart": "no",
        }
        svc: dict[str, Any] = {"depends_on": {rname: {"condition": "service_completed_successfully"}}}
        for d in app.depends_on:
            if plan.app(d) and plan.app(d).include:
                svc["depends_on"][d] = {"condition": "service_started"}
        if store_mounts:
            svc["volumes"] = store_mounts
        services[name] = svc
    data: dict[str, Any] = {"services": services}
    if volumes:
        data["volumes"] = volumes
    return data


def render_override(plan: Plan, stores: dict[str, dict]) -> str:
    # compose expands $VAR everywhere: the scripts' own $f must reach sh as written
    body = dump_yaml(no_interpolation(compose_override(plan, stores)))
    return render("compose/override.yaml.j2", host=plan.host, body=body)


def restore_by_hand(app: AppPlan) -> list[str]:
    """Shell lines that load ``data/<app>/`` into a running store where no
    one-shot service exists (Swarm, Kubernetes). ``$C`` is the container
    (``docker exec``) or pod (``kubectl exec``) command prefix."""
    kind, d = store_kind(app), f"data/{app.name}"
    if kind == "mysql":
        return [f"for f in {d}/db-*.sql.gz {d}/users.sql; do case $f in *.gz) gunzip -c $f ;; *) cat $f ;; esac; done"
                " | $C sh -c 'P=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-$(cat /run/secrets/*ROOT_PASSWORD)}};"
                " exec $(command -v mariadb || echo mysql) -uroot -p\"$P\"'"]
    if kind == "postgres":
        return [f"gunzip -c {d}/roles.pgdumpall.gz | $C psql -U postgres -d postgres   # 'already exists' errors are fine",
                f"for f in {d}/db-*.dump; do $C pg_restore -U postgres --create -d postgres < $f; done"]
    if kind == "rabbitmq":
        return [f"$C rabbitmqctl import_definitions < {d}/{RABBITMQ_DEFINITIONS}   # users keep their VM passwords"]
    if kind == "redis":
        return [f"$C sh -c 'cat > /data/dump.rdb && redis-cli shutdown nosave' < {d}/dump.rdb"
                "   # the store restarts and loads it"]
    return [f"$C tar -xzf - -C {v.path} < {d}/{safe_tar(v.name)}" for v in file_volumes(app)]


def safe_tar(volume: str) -> str:
    """The tar file name of a volume (as ``mta extract --data`` writes it)."""
    return f"{safe_name(volume)}.tar.gz"


def safe_name(name: str) -> str:
    """A file name for a database or volume name (which may hold any character)."""
    clean = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "db"
    return clean if clean == name else f"{clean}-{zlib.crc32(name.encode()):08x}"


K8S_DIR = "k8s-restore"


def _k8s_volumes(app: AppPlan, kind: str, info: dict) -> tuple[list[dict], list[dict], list[dict]]:
    """(init container mounts, store container mounts, extra pod volumes) of one store."""
    init = [{"name": "mta-dump", "mountPath": DUMP_DIR, "readOnly": True}]
    if kind in _INITDB_KINDS:
        init.append({"name": "mta-initdb", "mountPath": "/restore"})
        return init, [{"name": "mta-initdb", "mountPath": INITDB, "readOnly": True}], [
            {"name": "mta-initdb", "emptyDir": {}}]
    if kind == "redis":
        data = next((v for v in app.volumes if v.kind == "data"), None)
        return init + ([{"name": data.name, "mountPath": "/restore"}] if data else []), [], []
    for i, (_, vname, _) in enumerate(info.get("volumes") or []):
        init.append({"name": vname, "mountPath": f"/restore/{i}"})
    return init, [], []


def k8s_restore(plan: Plan, stores: dict[str, dict], sizes: dict[str, int]) -> dict[str, str]:
    """``k8s-restore/``: per store a PVC for its dump, a loader pod to ``kubectl cp``
    it in, and a patch adding an init container that restores it; the
    kustomization applies ``../k8s`` with the patches."""
    files: dict[str, str] = {}
    resources: list[str] = ["../k8s"]
    patches: list[dict[str, str]] = []
    ns = plan.targets.namespace
    for name, info in sorted(stores.items()):
        app = plan.app(name)
        if app is None or not app.include or not restores_itself(app, info["kind"]):
            continue
        kind = info["kind"]
        gib = max(1, -(-2 * sizes.get(name, 0) // (1 << 30)))
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "restore"}
        files[f"{name}-dump-pvc.yaml"] = dump_yaml({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": f"{name}-dump", "namespace": ns, "labels": labels},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": f"{gib}Gi"}}}})
        image = app.build.base_image if kind == "files" and app.build else app.image
        files[f"{name}-dump-loader.yaml"] = dump_yaml({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{name}-dump-loader", "namespace": ns, "labels": labels},
            "spec": {"restartPolicy": "Never",
                     "containers": [{"name": "loader", "image": image, "command": ["sleep", "3600"],
                                     "volumeMounts": [{"name": "dump", "mountPath": DUMP_DIR}]}],
                     "volumes": [{"name": "dump", "persistentVolumeClaim": {"claimName": f"{name}-dump"}}]}})
        init_mounts, store_mounts, extra = _k8s_volumes(app, kind, info)
        files_names = [f for f, _, _ in info.get("volumes") or []]
        init = {"name": "mta-restore", "image": image, "imagePullPolicy": "IfNotPresent",
                "command": ["sh", "-c", restore_script(kind, app.run_as_user, files_names)],
                "securityContext": {"runAsUser": 0, "runAsNonRoot": False, "allowPrivilegeEscalation": False,
                                    "capabilities": {"drop": ["ALL"], "add": ["CHOWN", "DAC_OVERRIDE", "FOWNER"]}},
                "volumeMounts": init_mounts}
        pod: dict[str, Any] = {"initContainers": [init],
                               "volumes": [{"name": "mta-dump",
                                            "persistentVolumeClaim": {"claimName": f"{name}-dump"}}] + extra}
        if store_mounts:
            pod["containers"] = [{"name": app.name, "volumeMounts": store_mounts}]
        files[f"{name}-restore-patch.yaml"] = dump_yaml({
            "apiVersion": "apps/v1", "kind": app.workload, "metadata": {"name": app.name},
            "spec": {"template": {"spec": pod}}})
        resources.append(f"{name}-dump-pvc.yaml")
        patches.append({"path": f"{name}-restore-patch.yaml"})
    if not patches:
        return {}
    head = (f"# Generated by mta extract --data for host {' '.join(plan.host.split())}: kubectl apply -k . instead of\n"
            "# ../k8s once each <store>-dump PVC holds its dump (README.md, section Data).\n")
    files["kustomization.yaml"] = head + dump_yaml({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": resources, "patches": patches})
    return {f"{K8S_DIR}/{k}": v for k, v in files.items()}
