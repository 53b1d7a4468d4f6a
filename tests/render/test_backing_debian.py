"""``--base debian`` builds every image from the Debian base, backing services
included: MariaDB/MySQL, PostgreSQL, Redis, memcached and RabbitMQ get a
Dockerfile FROM debian:bookworm-slim with Debian's server package and an
entrypoint that keeps the official image's contract; MongoDB (not in Debian)
keeps the official image with a note. Every artifact goes through the real
validators; the images themselves are built and run in tests/e2e/test_backing_podman.py."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from mta.model import App, HostFacts, PortSpec, Socket
from mta.plan import images, make_plan
from mta.plan.recipes.backing import BACKING_ENTRYPOINT
from mta.render import render_host

from .cases import write

#: name -> (stack, VM version, port, package, uid, data dir, bookworm line in a note or None)
BACKING = {
    "maria": ("mariadb", "10.11.6", 3306, "mariadb-server", 999, "/var/lib/mysql", None),
    "my": ("mysql", "5.7.42", 3307, "mariadb-server", 999, "/var/lib/mysql", "MariaDB 10.11"),
    "pg": ("postgresql", "9.5.25", 5432, "postgresql-15", 999, "/var/lib/postgresql/data", "9.5 moves to 15"),
    "cache": ("redis", "7.0.15", 6379, "redis-server", 999, "/data", None),
    "mc": ("memcached", "1.6.18", 11211, "memcached", 11211, "", None),
    "mq": ("rabbitmq", "3.8.9", 5672, "rabbitmq-server", 999, "/var/lib/rabbitmq", "3.8 moves to 3.10"),
}


def backing_host():
    facts = HostFacts(host="data-01", collector="sample",
                      sockets=[Socket(protocol="tcp", address="127.0.0.1", port=spec[2], pid=20 + i)
                               for i, spec in enumerate(BACKING.values())]
                      + [Socket(protocol="tcp", address="127.0.0.1", port=27017, pid=90)])
    apps = [App(name=name, role="backing", stack=stack, runtime_version=ver, pids=[20 + i], ports=[PortSpec(port=port)])
            for i, (name, (stack, ver, port, *_)) in enumerate(BACKING.items())]
    apps.append(App(name="docs", role="backing", stack="mongodb", runtime_version="4.4.29", pids=[90],
                    ports=[PortSpec(port=27017)]))
    return facts, apps


@pytest.fixture(scope="module")
def debian(tmp_path_factory):
    facts, apps = backing_host()
    plan = make_plan(facts, apps, base="debian")
    files = render_host(facts, plan)
    return plan, files, write(files, tmp_path_factory.mktemp("backing-debian"))


def test_every_backing_service_is_built_from_the_debian_base(debian):
    plan, files, _ = debian
    for name, (stack, _, _, package, uid, data, moved) in BACKING.items():
        ap = plan.app(name)
        assert ap.image == f"mta/data-01-{name}:0.1", name
        assert ap.build.base_image == images.DEBIAN_IMAGE and ap.build.packages == [package], name
        assert ap.build.user == str(uid) and ap.run_as_user == uid, name
        assert ap.build.entrypoint == ["/bin/sh", "/usr/local/bin/docker-entrypoint.sh"]
        assert ap.extract.include == [], name  # nothing to copy from the VM
        text = files[f"apps/{name}/Dockerfile"]
        assert text.splitlines()[4] == "FROM debian:bookworm-slim"
        assert f"useradd -r -g " in text and f" -u {uid} " in text, name  # before apt-get: the package reuses it
        assert text.index("useradd") < text.index("apt-get install")
        assert "--no-install-recommends" in text and "apt-get clean" in text
        assert f"USER {uid}" in text and "HEALTHCHECK" in text
        assert files[f"apps/{name}/{BACKING_ENTRYPOINT}"].startswith("#!/bin/sh\n")
        if moved:
            assert any(moved in n for n in ap.notes), (name, ap.notes)
        else:
            assert not any("moves to" in n or "not packaged" in n for n in ap.notes), (name, ap.notes)
        if data:
            assert [v.path for v in ap.volumes] == [data] and data in ap.build.writable
    assert "rm -rf /var/lib/mysql" in files["apps/maria/Dockerfile"]  # the volume starts empty, not bootstrapped
    assert "create_main_cluster = false" in files["apps/pg/Dockerfile"]
    assert "STOPSIGNAL SIGINT" in files["apps/pg/Dockerfile"]
    # MongoDB is not in Debian: the official image stays, and the plan says why
    docs = plan.app("docs")
    assert docs.build is None and docs.image == "mongo:4.4"
    assert any("not packaged in Debian" in n for n in docs.notes)


def test_entrypoints_are_posix_sh(debian):
    _, _, root = debian
    for script in sorted(root.glob(f"apps/*/{BACKING_ENTRYPOINT}")):
        proc = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, (script, proc.stderr)
        text = script.read_text()
        assert "bash" not in text.split("\n", 1)[0] and "[[" not in text and "local " not in text


def test_compose_and_k8s_keep_the_official_contract(debian):
    plan, files, _ = debian
    compose = yaml.safe_load(files["compose.yaml"])["services"]
    for name, (stack, _, port, _, uid, data, _) in BACKING.items():
        svc = compose[name]
        assert svc["build"] == {"context": f"./apps/{name}", "dockerfile": "Dockerfile"}
        assert svc["user"] == str(uid)
        if data:
            assert svc["volumes"] == [{"type": "volume", "source": f"{name}-data", "target": data}]
        kind = "StatefulSet" if data else "Deployment"
        obj = yaml.safe_load(files[f"k8s/{name}-{kind.lower()}.yaml"])
        pod = obj["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == pod["securityContext"]["fsGroup"] == uid
        c = pod["containers"][0]
        assert c["image"] == f"mta/data-01-{name}:0.1"
        if data:
            assert {"name": f"{name}-data", "mountPath": data} in c["volumeMounts"]
    # secrets reach the entrypoint as *_FILE in compose, as plain variables in Kubernetes
    for name, key in (("maria", "MARIADB_ROOT_PASSWORD"), ("my", "MYSQL_ROOT_PASSWORD"), ("pg", "POSTGRES_PASSWORD")):
        svc = compose[name]
        assert svc["environment"][f"{key}_FILE"] == f"/run/secrets/{key}"
        assert any(s["target"] == key and s["uid"] == "999" for s in svc["secrets"])
        obj = yaml.safe_load(files[f"k8s/{name}-statefulset.yaml"])
        env = {e["name"]: e for e in obj["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env[key]["valueFrom"]["secretKeyRef"]["key"] == key
    # the health check compose runs (podman's default image format drops HEALTHCHECK)
    assert compose["pg"]["healthcheck"]["test"] == ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "postgres"]
    assert compose["maria"]["healthcheck"]["test"] == ["CMD", "mariadb-admin", "ping", "--silent"]
    assert compose["cache"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    # read-only root: the server's runtime dirs become tmpfs, the data stays on its volume
    assert compose["maria"]["read_only"] is True and "/run/mysqld" in compose["maria"]["tmpfs"]
    assert compose["pg"]["read_only"] is True and "/var/run/postgresql" in compose["pg"]["tmpfs"]


def test_artifacts_pass_the_validators(debian, validators):
    plan, _, root = debian
    dockerfiles = sorted(root.glob("apps/*/Dockerfile"))
    assert len(dockerfiles) == len(BACKING) == len([a for a in plan.apps if a.build])
    assert {str(p.relative_to(root)): validators.hadolint(p) for p in dockerfiles} == \
        {str(p.relative_to(root)): [] for p in dockerfiles}
    assert validators.kube_validate(sorted(root.glob("k8s/*.yaml"))) == []
    assert validators.compose_validate(root / "compose.yaml") == []


def test_official_base_keeps_the_official_images():
    facts, apps = backing_host()
    plan = make_plan(facts, apps, base="official")
    assert all(a.build is None for a in plan.apps)
    assert {a.name: a.image for a in plan.apps} == {
        "maria": "mariadb:10.11", "my": "mysql:5.7", "pg": "postgres:9.5", "cache": "redis:7.0-alpine",
        "mc": "memcached:1.6-alpine", "mq": "rabbitmq:3.8-management", "docs": "mongo:4.4"}
