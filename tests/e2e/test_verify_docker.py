"""mta verify on Docker Engine (Debian's docker.io, dockerd 20.10, started by the
suite through scripts/docker-setup.sh): the hand-written DIR, one clear error
when no daemon answers, and the setup script's idempotence."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml

from mta.cli import main

from ..support.docker import SETUP_SCRIPT, docker_cmd

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

HANDMADE = Path(__file__).parent / "fixtures" / "handmade"


def leftovers(run_id: str) -> list[str]:
    label = f"label=io.mta.verify={run_id}"
    out = []
    for argv in (["ps", "-aq", "--filter", label], ["network", "ls", "-q", "--filter", label],
                 ["volume", "ls", "-q", "--filter", label]):
        out += docker_cmd(*argv).stdout.decode().split()
    return out


@pytest.fixture
def handmade(tmp_path, docker_env):
    d = tmp_path / "handmade"
    shutil.copytree(HANDMADE, d)
    (d / "secrets").mkdir()
    (d / "secrets" / "web-token").write_text("tok-123456\n")
    return d


def test_verify_handmade_dir_on_docker(handmade, capsys):
    assert main(["verify", str(handmade), "--engine", "docker"]) == 0
    out = capsys.readouterr().out
    assert "Verify Demo" in out and "healthcheck" in out and "cleanup" not in out
    report = json.loads((handmade / "verify.json").read_text())
    assert report["ok"] is True and report["engine"] == "docker"
    host = report["hosts"][0]
    assert host["notes"] == []  # nothing left to clean up by hand
    web = next(s for s in host["services"] if s["name"] == "web")
    assert web["build"] == "ok" and web["image_bytes"] > 50e6 and web["naive_bytes"] > web["image_bytes"]
    assert web["ready"] == "ok" and web["ready_by"] == "healthcheck"
    assert web["smoke"] == {**web["smoke"], "status": "ok", "http_status": 200, "title": "Verify Demo"}
    cache = next(s for s in host["services"] if s["name"] == "cache")
    assert cache["ready"] == "ok" and cache["ready_by"] == "healthcheck"
    assert "tok-123456" not in (handmade / "verify.json").read_text()
    assert leftovers(host["run_id"]) == []
    # the images were built by this daemon, FROM the base image the setup loaded
    assert docker_cmd("image", "inspect", web["image"], check=False).returncode == 0


def test_no_daemon_is_one_clear_error(handmade, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    assert main(["verify", str(handmade), "--engine", "docker"]) != 0
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert text.count("Cannot connect to the Docker daemon") == 1, text
    assert f"not reachable at unix://{tmp_path}/nothing.sock" in text
    assert "hint:" in text and "DOCKER_HOST" in text
    assert not (handmade / "verify.json").exists()  # nothing was attempted


def test_setup_script_is_idempotent(docker):
    again = subprocess.run(["bash", str(SETUP_SCRIPT)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"DOCKER_HOST={docker.host}"
    assert "running at" in again.stderr and "started dockerd" not in again.stderr
    assert "base image" in again.stderr and "present" in again.stderr
    assert subprocess.run(["bash", str(SETUP_SCRIPT), "status"], timeout=60).returncode == 0
    # the extra names generated Dockerfiles may use resolve to the same image
    ids = {docker_cmd("image", "inspect", "--format", "{{.Id}}", ref).stdout.strip()
           for ref in ("debian:bookworm-slim", "debian:bookworm", "debian:12-slim", "debian:12")}
    assert len(ids) == 1


# -- a real migration onto Docker Engine, then the same compose.yaml on Swarm --

#: The VMs still run on podman (they are the "legacy machines"); only the migrated
#: output runs on docker. One VM, not all: a VM flow costs 2-5 minutes on this
#: 2-core machine and the podman suite already covers every VM; ``binary`` builds
#: FROM the Debian base alone (no backing-service image to carry across engines).
DOCKER_VMS = ["binary"]


@pytest.fixture(scope="module")
def keypair(tmp_path_factory, podman):
    from .legacy import ssh_keypair

    return ssh_keypair(tmp_path_factory.mktemp("e2e-docker-key"))


def remove_docker_label(label: str) -> None:
    ids = docker_cmd("ps", "-aq", "--filter", f"label={label}", check=False).stdout.decode().split()
    if ids:
        docker_cmd("rm", "-f", "-v", *ids, check=False, timeout=120)
    nets = docker_cmd("network", "ls", "--filter", f"label={label}", "--format", "{{.Name}}", check=False)
    for net in nets.stdout.decode().split():
        docker_cmd("network", "rm", net, check=False)
    vols = docker_cmd("volume", "ls", "-q", "--filter", f"label={label}", check=False).stdout.decode().split()
    if vols:
        docker_cmd("volume", "rm", "-f", *vols, check=False)


def answering_endpoint(report: dict, path: str, before, app_port: int) -> tuple[str, list[str]]:
    """host:port of the migrated app service answering like the VM did."""
    from .legacy import http

    services = [s for s in report["hosts"][0]["services"] if s["role"] == "app" and s["endpoints"]]
    services.sort(key=lambda s: str(app_port) not in s["endpoints"])
    failures = []
    for svc in services:
        for cport, hostport in svc["endpoints"].items():
            after = http("GET", hostport, path)
            if after is not None and (after.status, after.title) == (before.status, before.title):
                return hostport, failures
            failures.append(f"{svc['name']}:{cport} answered {after and (after.status, after.title)}")
    return "", failures


@pytest.mark.podman
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("kind", DOCKER_VMS)
def test_legacy_vm_migrates_onto_docker_and_swarm(kind, keypair, docker_env, tmp_path, capsys, figures):
    from .legacy import STACKS, http, migrate, start_vm
    from .test_legacy_vms import ROUNDTRIP

    key, pubkey = keypair
    app_port, path, title, _ = STACKS[kind]

    def capture() -> str:
        cap = capsys.readouterr()
        return cap.out + cap.err

    vm = start_vm(kind, pubkey)
    try:
        before = http("GET", vm.app, path)
        assert before is not None and (before.status, before.title) == (200, title)
        token = f"e2e-{uuid.uuid4().hex[:8]}"
        m = figures.migration = migrate(vm, key, tmp_path / "out", keep=True, capture=capture, engine="docker")
        try:
            assert not m.failed_step, f"`mta {m.failed_step}` failed (exit {m.steps}):\n{m.log[-5000:]}"
            assert m.report["engine"] == "docker"
            hostport, failures = answering_endpoint(m.report, path, before, app_port)
            assert hostport, f"no migrated service answers like the VM ({before.status}, {before.title!r}): {failures}"
            ROUNDTRIP[kind](hostport, token + "-docker")
            figures.checks["roundtrip"] = True
            # verify --keep left it running on our dockerd, labelled with the run id
            run_id = m.report["hosts"][0]["run_id"]
            assert docker_cmd("ps", "-q", "--filter", f"label=io.mta.verify={run_id}").stdout.split()
        finally:
            if m.report:
                remove_docker_label(f"io.mta.verify={m.report['hosts'][0]['run_id']}")
        swarm_deploy_answers(m.host_dir, path, before, lambda hp: ROUNDTRIP[kind](hp, token + "-swarm"))
        figures.checks["swarm"] = figures.passed = True
    finally:
        vm.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def swarm_compose(host_dir: Path) -> tuple[Path, dict[int, int]]:
    """The generated compose.yaml as `docker stack deploy` gets it here.

    Two changes, both for this machine and not for Swarm in general: every
    published port gets a free host port (the VM's ports may be taken here), and
    when the kernel has no IPVS (``/proc/net/ip_vs``; the routing mesh and service
    VIPs need it) ports publish in ``mode: host`` and services resolve by DNS
    round robin (``endpoint_mode: dnsrr``). Returns (file, {target: published})."""
    data = yaml.safe_load((host_dir / "compose.yaml").read_text())
    no_ipvs = not Path("/proc/net/ip_vs").exists()
    published: dict[int, int] = {}
    for svc in data["services"].values():
        for p in svc.get("ports") or []:
            assert isinstance(p, dict) and p.get("mode") == "ingress", p  # the generator's long form
            p["published"] = published.setdefault(int(p["target"]), free_port())
            if no_ipvs:
                p["mode"] = "host"
        if no_ipvs:
            svc.setdefault("deploy", {})["endpoint_mode"] = "dnsrr"
    out = host_dir / "compose.swarm.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out, published


def swarm_deploy_answers(host_dir: Path, path: str, before, roundtrip) -> None:
    """`docker stack deploy` the generated compose on a one-node Swarm: every
    service converges to its replicas and the app answers like the VM did."""
    from .legacy import http

    state = docker_cmd("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.decode().strip()
    if state == "active":  # left over from an interrupted run on this private daemon
        docker_cmd("swarm", "leave", "--force", timeout=120)
    docker_cmd("swarm", "init", "--advertise-addr", "127.0.0.1", timeout=120)
    stack = f"mta-e2e-{uuid.uuid4().hex[:6]}"
    try:
        compose, published = swarm_compose(host_dir)
        deploy = docker_cmd("stack", "deploy", "-c", str(compose), stack, timeout=300)
        want = len(yaml.safe_load(compose.read_text())["services"])
        deadline = time.monotonic() + 300
        replicas: list[str] = []
        answered = None
        while time.monotonic() < deadline:
            replicas = docker_cmd("service", "ls", "--filter", f"label=com.docker.stack.namespace={stack}",
                                  "--format", "{{.Name}} {{.Replicas}}").stdout.decode().split("\n")
            replicas = [r for r in replicas if r.strip()]
            converged = len(replicas) == want and all(
                r.split()[1].split("/")[0] == r.split()[1].split("/")[1] != "0" for r in replicas)
            if converged:
                for hostport in (f"127.0.0.1:{p}" for p in published.values()):
                    got = http("GET", hostport, path, timeout=5)
                    if got is not None and (got.status, got.title) == (before.status, before.title):
                        answered = hostport
                        break
                if answered:
                    break
            time.sleep(2)
        tasks = docker_cmd("stack", "ps", stack, "--no-trunc", "--format",
                           "{{.Name}} {{.CurrentState}} {{.Error}}", check=False).stdout.decode()
        assert answered, (f"stack {stack} did not answer like the VM: services {replicas}\n{tasks}\n"
                          + deploy.stderr.decode()[-1500:])
        roundtrip(answered)
    finally:
        docker_cmd("stack", "rm", stack, check=False, timeout=120)
        docker_cmd("swarm", "leave", "--force", check=False, timeout=120)
        # the stack's containers go with the swarm; its volumes and docker_gwbridge stay
        vols = docker_cmd("volume", "ls", "-q", "--filter", f"label=com.docker.stack.namespace={stack}",
                          check=False).stdout.decode().split()
        deadline = time.monotonic() + 60
        while vols and time.monotonic() < deadline:
            if docker_cmd("volume", "rm", "-f", *vols, check=False).returncode == 0:
                break
            time.sleep(2)
        docker_cmd("network", "rm", "docker_gwbridge", check=False)
    assert docker_cmd("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.decode().strip() == "inactive"
