"""A generated runbook, build and run included, executed as printed.

The host README's commands run literally, from the host folder it names:
``mta extract`` against a REAL sshd (tests/support/sshd.py), then every
``docker build -t IMAGE apps/APP`` line and the compose run step with the real
``docker`` CLI against the suite's Docker Engine (tests/support/docker.py,
Debian's docker.io), and the migrated app answers on loopback with the VM's
status and page title.

Compose: Debian 12 ships Compose v1 only (``docker-compose`` 1.29; there is no
``docker-compose-plugin``), so ``docker compose up -d`` (v2) does not exist
there. The README prints the v1 line beside it when the compose file needs
nothing v1 drops (``configs:``); the test runs ``docker compose up -d`` when
the v2 plugin answers, else the printed ``docker-compose up -d``. Swarm's
``docker stack deploy`` needs the kernel's IPVS for the published ports, which
this machine lacks: tests/e2e/test_verify_docker.py deploys the stack with
``mode: host`` instead.

The VM is one Flask app under gunicorn from Debian's packages (the smallest
host with a build: one image FROM the local ``debian:bookworm-slim``) whose
unit reads DATABASE_URL from an EnvironmentFile: its facts are written here as
``mta discover`` records them, its files are real and reached over SSH, so
``mta extract --secrets`` reads the value from the VM, the README's step makes
the 0600 file readable to the container's user (Compose bind-mounts it as it
is and ignores ``uid``/``mode``), and the app shows the value it got. The compose project (its containers, network and
volumes) and the image tag are removed at the end; the image's layers stay as
the next run's build cache.
"""

from __future__ import annotations

import base64
import http.client
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from mta.io import dump_model, write_atomic
from mta.model import (
    SECRET_MARKER,
    FileContent,
    Hardware,
    HostFacts,
    HttpCheck,
    OSInfo,
    Package,
    Process,
    Service,
    Socket,
)
from mta.model.facts import ConnectOptions

from ..support.docker import docker_cmd
from ..support.sshd import free_port
from .test_host_identity import run, runbook_commands

pytestmark = [pytest.mark.sshd, pytest.mark.docker, pytest.mark.timeout(900)]

APP_SRC = Path(__file__).parent / "app"
TITLE = "mta hello app"
#: One name every run: the image's labels name the host before its apt layer, so a fixed name lets the
#: next run reuse that layer (~30-50 s) from the build cache; the compose project is named after it too.
HOST = "runbook-vm"
DATABASE_URL = "postgresql://shop:s3cret-Value@db.example.com:5432/shop"


def vm_facts(host: str, root: Path, port: int, sshd) -> HostFacts:
    """A Debian 12 VM running tests/ssh/app with Debian's gunicorn and Flask, reached through ``sshd``;
    its unit reads DATABASE_URL from an EnvironmentFile (a secret: masked here, read by extract --secrets)."""
    cmd = ["/usr/bin/python3", "/usr/bin/gunicorn", "--bind", f"0.0.0.0:{port}", "--workers", "1",
           "--chdir", str(root), "hello:app"]
    env = {"DATABASE_URL": SECRET_MARKER, "LANG": "C.UTF-8"}
    gunicorn = [Process(pid=pid, ppid=ppid, user="www-data", name="gunicorn", exe="/usr/bin/python3.11",
                        cmdline=cmd, cwd=str(root), rss_bytes=40 << 20, unit="hello.service", env=env)
                for pid, ppid in ((700, 1), (701, 700))]
    etc = root.parent / "etc"
    unit = Service(name="hello", state="running", enabled=True, unit_path=str(etc / "hello.service"),
                   exec_start=" ".join(cmd[1:]), user="www-data", working_directory=str(root),
                   environment_files=[str(etc / "hello.env")], main_pid=700)
    reqs = (root / "requirements.txt").read_text()
    return HostFacts(
        host=host, address=sshd.host, target=sshd.target(),
        connect=ConnectOptions(user=sshd.user, port=sshd.port, key=str(sshd.key_path)),
        os=OSInfo(id="debian", version_id="12", name="Debian GNU/Linux", family="debian", arch="x86_64",
                  pretty_name="Debian GNU/Linux 12 (bookworm)", hostname=host, init_system="systemd"),
        hardware=Hardware(cpu_count=1, memory_bytes=1 << 30),
        processes=[Process(pid=1, ppid=0, user="root", name="systemd", cmdline=["/sbin/init"]), *gunicorn],
        services=[unit],
        sockets=[Socket(protocol="tcp", address="0.0.0.0", port=port, family="ipv4", pid=700, process="gunicorn")],
        packages=[Package(name=n, version=v, arch="all", manager="dpkg")
                  for n, v in (("python3", "3.11.2-1+b1"), ("python3-flask", "2.2.2-3"), ("gunicorn", "20.1.0-6"))],
        files=[FileContent(path=str(root / "requirements.txt"), size=len(reqs), content=reqs, mode="0644",
                           owner="root:root")],
        http=[HttpCheck(port=port, path="/", status=200, title=TITLE, content_type="text/html; charset=utf-8")],
    )


def shell_commands(readme: str, tools: tuple[str, ...]) -> list[list[str]]:
    """Lines of the README's sh blocks and whole-command code spans whose first word is one of ``tools``."""
    found: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.S):
        for line in block.splitlines():
            words = line.split("#", 1)[0].split()
            if words[:1] and words[0] in tools:
                found.append(words)
    for span in re.findall(r"`((?:%s) [^`]+)`" % "|".join(map(re.escape, tools)), readme):
        words = span.split()
        if words not in found:
            found.append(words)
    return found


def sh(argv: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a printed command as typed in a shell (DOCKER_HOST comes from the environment)."""
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def compose_v2() -> bool:
    return subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=60).returncode == 0


def get(port: int, path: str = "/") -> tuple[int, str] | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def test_runbook_builds_and_runs_as_printed(sshd, docker_env, tmp_path, monkeypatch):
    started = time.monotonic()
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    monkeypatch.setenv("MTA_SSH_CONFIG", "")
    if shutil.which("docker") is None or (not compose_v2() and shutil.which("docker-compose") is None):
        pytest.fail("the docker CLI and Compose (the v2 plugin or Debian's docker-compose) are needed: "
                    "scripts/test-setup.sh installs docker.io and docker-compose")
    host = HOST
    root = tmp_path / "srv" / "hello"
    shutil.copytree(APP_SRC, root)
    etc = root.parent / "etc"  # the unit and its EnvironmentFile, on the "VM"
    etc.mkdir()
    (etc / "hello.env").write_text(f"DATABASE_URL={DATABASE_URL}\n")
    (etc / "hello.service").write_text(f"[Service]\nEnvironmentFile={etc}/hello.env\n")
    port = free_port()
    hdir = tmp_path / "out" / "hosts" / host
    write_atomic(hdir / "discovery.yaml", dump_model(vm_facts(host, root, port, sshd)))
    rc, _, err = run(["generate", str(hdir / "discovery.yaml"), "--base", "debian", "--set", "k8s.namespace=legacy"])
    assert rc == 0, err
    readme = (hdir / "README.md").read_text()
    assert f"in this folder (`hosts/{host}/`)" in readme
    assert str(tmp_path / "out") not in readme, "paths in one style: relative to the host folder"

    # 1. every mta command, from the host folder (verify builds with its own runner: tests/verify, tests/e2e)
    for argv in runbook_commands(readme):
        if argv[:2] != ["mta", "verify"]:
            rc, _, err = run(argv[1:], cwd=hdir)
            assert rc == 0, (argv, err)
    assert (hdir / "apps" / "web" / "context" / str(root).lstrip("/") / "hello.py").is_file()
    # 3. the secrets step names exactly the file and where it comes from; extract --secrets filled it
    assert re.findall(r"^- `(secrets/[^`]+)` — (.*)$", readme, flags=re.M) == [
        ("secrets/web/DATABASE_URL", "environment of unit hello on the VM")]
    assert ["mta", "extract", "--secrets", "plan.yaml"] in runbook_commands(readme)
    assert (hdir / "secrets" / "web" / "DATABASE_URL").read_text().strip() == DATABASE_URL

    docker = shell_commands(readme, ("docker", "docker-compose"))
    readable = ["find", "secrets", "-type", "f", "-exec", "chmod", "a+r", "{}", "+"]
    assert shell_commands(readme, ("find",)) == [readable], "compose mounts the files as they are on disk"
    builds = [a for a in docker if a[:2] == ["docker", "build"]]
    image = f"mta/{host}-web:0.1"
    assert builds == [["docker", "build", "-t", image, "apps/web"]], docker
    up = ["docker", "compose", "up", "-d"] if compose_v2() else ["docker-compose", "up", "-d"]
    assert up in docker, ("the README prints the compose step this machine has", docker)
    assert ["docker", "stack", "deploy", "-c", "compose.yaml", host] in docker
    timings: dict[str, float] = {}
    try:
        # 2. build: each printed line, literally
        for argv in builds:
            t = time.monotonic()
            got = sh(argv, hdir, timeout=900)
            timings["build"] = round(time.monotonic() - t, 1)
            assert got.returncode == 0, (argv, got.stderr[-3000:])
        # 4. run
        assert (hdir / "secrets" / "web" / "DATABASE_URL").stat().st_mode & 0o777 == 0o600
        got = sh(readable, hdir)
        assert got.returncode == 0, got.stderr
        assert (hdir / "secrets").stat().st_mode & 0o777 == 0o700
        t = time.monotonic()
        got = sh(up, hdir)
        assert got.returncode == 0, (up, got.stderr[-3000:])
        deadline, answer = time.monotonic() + 120, None
        while time.monotonic() < deadline:
            answer = get(port)
            if answer is not None:
                break
            time.sleep(1)
        timings["up"] = round(time.monotonic() - t, 1)
        logs = sh([*up[:-2], "logs"], hdir).stdout[-2000:] if answer is None else ""
        assert answer is not None, f"nothing answers on 127.0.0.1:{port}\n{logs}"
        status, body = answer
        assert status == 200 and f"<title>{TITLE}</title>" in body, answer
        # the secret reached the app's environment (its /healthz shows the database URL's host part)
        health = get(port, "/healthz")
        assert health is not None and health[0] == 200 and "db.example.com:5432/shop" in health[1], health
        user = docker_cmd("ps", "--filter", f"label=com.docker.compose.project={host}", "--format",
                          "{{.Image}}").stdout.decode().split()
        assert user == [image], user
    finally:
        down = sh([*up[:-2], "down", "-v", "--remove-orphans"], hdir)
        # the tag goes; its parent layers stay as the build cache of the next run (the apt layer: ~50 s)
        docker_cmd("image", "rm", "--no-prune", image, check=False)
    assert down.returncode == 0, down.stderr[-2000:]
    left = docker_cmd("ps", "-aq", "--filter", f"label=com.docker.compose.project={host}").stdout.decode().split()
    assert left == []
    assert docker_cmd("image", "inspect", image, check=False).returncode != 0

    # Kubernetes: what `kubectl apply -k .` applies, built offline
    k = sh(["kubectl", "kustomize", "."], hdir, timeout=120)
    assert k.returncode == 0, k.stderr
    docs = [d for d in yaml.safe_load_all(k.stdout) if d]
    assert {"Deployment", "Service", "Secret"} <= {d["kind"] for d in docs}, docs
    # the Secret is made from secrets/ and lands, like everything else, in the app's namespace
    assert {d["metadata"].get("namespace") for d in docs} == {"legacy"}
    secret = next(d for d in docs if d["kind"] == "Secret")
    assert base64.b64decode(secret["data"]["DATABASE_URL"]).decode().strip() == DATABASE_URL
    print(f"runbook on docker: build {timings.get('build')} s, up+answer {timings.get('up')} s, "
          f"total {round(time.monotonic() - started, 1)} s")
