"""Legacy "VMs" as containers: sshd + a real stack, started SysV-style.

Each VM image lives in ``tests/e2e/vms/<kind>/`` and builds FROM ``vm-base``.
Images are tagged by a hash of their build context (``ensure_image``), so a
second run reuses them. A VM runs with SYS_PTRACE because root on a real VM
can read every process's sockets and environment; without it discovery would
see less than it would on a VM.
"""

from __future__ import annotations

import http.client as httpc
import json
import os
import re
import socket
import subprocess
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from ..support.docker import docker_cmd
from ..support.podman import RUNTIME, ensure_image, podman_cmd

VMS = Path(__file__).parent / "vms"
E2E_LABEL = "io.mta.e2e"

#: kind -> (port the app answers on inside the VM, path, title, hostname)
STACKS = {
    "tomcat": (8080, "/", "Parts Inventory", "legacy-inventory"),
    "flask": (80, "/", "Team Notes", "legacy-notes"),
    "php": (80, "/", "Guestbook", "legacy-guestbook"),
    "binary": (8080, "/", "Status Board", "legacy-statusboard"),
    "wordpress": (80, "/", "Harbour Notes", "legacy-blog"),
    "mediawiki": (80, "/index.php?title=Main_Page", "Tide Wiki", "legacy-wiki"),
    "redmine": (80, "/", "Harbour Works", "legacy-tracker"),
    "barbican": (9311, "/healthcheck", "", "legacy-vault"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Reply:
    status: int
    body: str
    headers: dict

    @property
    def title(self) -> str:
        m = re.search(r"<title[^>]*>(.*?)</title>", self.body, re.I | re.S)
        return " ".join(m.group(1).split()) if m else ""


def http(method: str, hostport: str, path: str = "/", form: Optional[dict] = None, timeout: float = 15,
         json_body: Optional[dict] = None, headers: Optional[dict] = None) -> Optional[Reply]:
    host, _, port = hostport.rpartition(":")
    conn = httpc.HTTPConnection(host, int(port), timeout=timeout)
    try:
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
        if json_body is not None:
            body, hdrs = json.dumps(json_body).encode(), {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        return Reply(r.status, r.read().decode("utf-8", "replace"), dict(r.getheaders()))
    except (OSError, httpc.HTTPException):
        return None
    finally:
        conn.close()


def wait_http(hostport: str, path: str = "/", timeout: float = 180, want: int = 200) -> Reply:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = http("GET", hostport, path)
        if last is not None and last.status == want:
            return last
        time.sleep(1)
    raise AssertionError(f"{hostport}{path} not answering {want} after {timeout}s (last: {last and last.status})")


def wait_ssh(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.settimeout(3)
                if s.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"sshd on 127.0.0.1:{port} did not answer in {timeout}s")


def vm_image(kind: str) -> str:
    base = ensure_image("localhost/mta-e2e/vm-base", VMS / "base")
    return ensure_image(f"localhost/mta-e2e/vm-{kind}", VMS / kind, build_args={"VM_BASE": base})


@dataclass
class VM:
    kind: str
    container: str
    ssh_port: int
    app: str  # 127.0.0.1:PORT of the app as the VM serves it

    def stop(self) -> None:
        podman_cmd("rm", "-f", self.container, check=False, timeout=120)


def start_vm(kind: str, pubkey: str) -> VM:
    """Start the VM container; returns once sshd and the app answer."""
    app_port, path, _, hostname = STACKS[kind]
    image = vm_image(kind)
    ssh_port, web_port = free_port(), free_port()
    name = f"mta-e2e-{kind}-{uuid.uuid4().hex[:6]}"
    podman_cmd(
        "run", "-d", "--runtime", RUNTIME, "--name", name, "--hostname", hostname,
        "--cap-add", "SYS_PTRACE", "--label", f"{E2E_LABEL}=vm",
        "-e", f"SSH_PUBKEY={pubkey}",
        "-p", f"127.0.0.1:{ssh_port}:22", "-p", f"127.0.0.1:{web_port}:{app_port}",
        image,
    )
    vm = VM(kind, name, ssh_port, f"127.0.0.1:{web_port}")
    try:
        wait_ssh(ssh_port)
        wait_http(vm.app, path)
    except AssertionError:
        logs = podman_cmd("logs", "--tail", "30", name, check=False).stdout.decode(errors="replace")
        vm.stop()
        raise AssertionError(f"VM {kind} did not come up:\n{logs}") from None
    except BaseException:
        vm.stop()
        raise
    return vm


def engine_cmd(engine: str):
    """``podman_cmd`` or ``docker_cmd``: the migrated app runs on either; the VMs on podman."""
    return docker_cmd if engine == "docker" else podman_cmd


def remove_by_label(label: str, engine: str = "podman") -> None:
    """Remove containers, networks and volumes carrying ``label`` (verify --keep runs)."""
    cmd = engine_cmd(engine)
    ids = cmd("ps", "-aq", "--filter", f"label={label}", check=False).stdout.decode().split()
    if ids:
        cmd("rm", "-f", "-v", *ids, check=False, timeout=120)
    for kind in ("network", "volume"):
        ids = cmd(kind, "ls", "-q", "--filter", f"label={label}", check=False).stdout.decode().split()
        if ids:
            cmd(kind, "rm", *(["-f"] if kind == "volume" or engine == "podman" else []), *ids, check=False)


@dataclass
class Migration:
    """What the mta chain produced for one VM."""

    host_dir: Optional[Path] = None
    steps: dict = None  # step -> exit status
    seconds: dict = None  # step -> wall-clock seconds
    log: str = ""
    report: Optional[dict] = None  # verify.json

    @property
    def failed_step(self) -> str:
        return next((k for k, v in (self.steps or {}).items() if v != 0), "")


#: VMs that run the README flow exactly as a user types it: `extract PLAN --secrets --data`
#: with no connection flags (extract reuses discovery's), no operator copying secret files,
#: no stand-in images for the backing services.
README_FLOW = {"wordpress", "mediawiki", "redmine", "barbican"}


def migrate(
    vm: VM, key: Path, out: Path, *, keep: bool = True, timeout: int = 240, capture=None, before_verify=None,
    engine: str = "podman",
) -> Migration:
    """discover -> generate --base debian -> extract -> verify, in process.

    ``capture()`` returns the text printed since the last call (pytest's capsys);
    stops at the first failing step. With ``keep`` the verified deployment keeps
    running (verify.json has its endpoints and run_id). VMs in ``README_FLOW``
    get the README's commands and nothing else."""
    import os

    from mta.cli import main

    m = Migration(steps={}, seconds={})
    old = {k: os.environ.get(k) for k in ("MTA_KNOWN_HOSTS", "MTA_SSH_CONFIG")}
    os.environ["MTA_KNOWN_HOSTS"] = str(out.parent / f"known_hosts-{vm.container}")
    os.environ["MTA_SSH_CONFIG"] = ""
    ssh = ["-p", str(vm.ssh_port), "-i", str(key)]

    def step(name: str, argv: list[str]) -> bool:
        started = time.monotonic()
        m.steps[name] = int(main(argv))
        m.seconds[name] = round(time.monotonic() - started, 1)
        if capture is not None:
            m.log += f"$ mta {' '.join(argv)}\n" + capture()
        return m.steps[name] == 0

    try:
        if not step("discover", ["discover", "root@127.0.0.1", *ssh, "--accept-new-host-key",
                                 "--sample-seconds", "0.5", "-o", str(out)]):
            return m
        hosts = sorted((out / "hosts").iterdir())
        m.host_dir = hosts[0]
        if not step("generate", ["generate", str(m.host_dir / "discovery.yaml"), "-o", str(out), "--base", "debian"]):
            return m
        readme = vm.kind in README_FLOW
        extract = ["extract", str(m.host_dir / "plan.yaml")]
        if not step("extract", extract + (["--secrets", "--data"] if readme else ["root@127.0.0.1", *ssh, "--data"])):
            return m
        compose = yaml.safe_load((m.host_dir / "compose.yaml").read_text())
        if readme:
            if before_verify is not None:
                before_verify(m.host_dir)
            return _verify(m, step, timeout, keep, engine)
        m.log += "".join(f"operator: copied secret file {p} from the VM\n" for p in fill_secret_files(vm, m.host_dir, compose))
        # --base debian builds every image, backing services included: nothing is pulled
        pulled = [s["image"] for s in compose["services"].values() if "build" not in s and s.get("image")]
        m.steps["every-image-built"] = 1 if pulled else 0
        if pulled:
            m.log += f"images --base debian should have built (no registry here): {pulled}\n"
            return m
        if before_verify is not None:  # lets a run try a hand fix of the generated files
            before_verify(m.host_dir)
        return _verify(m, step, timeout, keep, engine)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _verify(m: Migration, step, timeout: int, keep: bool, engine: str) -> Migration:
    argv = ["verify", str(m.host_dir), "--engine", engine, "--runtime", RUNTIME, "--timeout", str(timeout)] + (
        ["--keep"] if keep else [])
    step("verify", argv)
    vj = m.host_dir / "verify.json"
    m.report = json.loads(vj.read_text()) if vj.is_file() else None
    return m


#: the checksum of a code tree: every regular file's bytes and every symlink's target, by relative path
TREE_SUM = ("cd \"$1\" && { find . -type f -print0 | sort -z | xargs -0 -r sha256sum;"
            " find . -type l -printf '%p -> %l\\n' | sort; } | sha256sum | cut -d' ' -f1")


def vm_tree_sum(vm: VM, path: str) -> str:
    got = podman_cmd("exec", vm.container, "sh", "-c", TREE_SUM, "sh", path, timeout=300)
    return got.stdout.decode().strip()


def image_tree_sum(image: str, path: str, engine: str = "podman") -> str:
    """The tree's checksum in ``image``; "absent" in an image without it (the database's)."""
    got = engine_cmd(engine)("run", "--rm", "--runtime", RUNTIME, "--network", "none", "--user", "0",
                             "--entrypoint", "sh", image, "-c", '[ -d "$1" ] || { echo absent; exit 0; }; ' + TREE_SUM,
                             "sh", path, timeout=300)
    return got.stdout.decode().strip()


def _ports(cmd, name: str) -> dict[str, str]:
    ports = {}
    for line in cmd("port", name, check=False).stdout.decode().splitlines():
        cport, _, hostport = line.partition(" -> ")
        if hostport:
            ports[cport.split("/")[0]] = hostport.strip()
    return ports


def recreate_topology(run_id: str, engine: str = "podman") -> dict[str, dict[str, str]]:
    """`compose down` + `compose up` keeping volumes, for a `verify --keep` run:
    remove every container of the run (not its volumes) and create each again
    with the command line it was created with, in the original order (podman
    records it). Docker records no command line: there every container is
    stopped, then started again in the original order (``compose stop`` +
    ``compose start``), which keeps volumes the same way.
    Returns {container name: {container port: new 127.0.0.1:PORT}}."""
    if engine == "docker":
        ids = docker_cmd("ps", "-aq", "--filter", f"label=io.mta.verify={run_id}").stdout.decode().split()
        infos = json.loads(docker_cmd("container", "inspect", *ids).stdout) if ids else []
        infos.sort(key=lambda i: i["Created"])
        names = [i["Name"].lstrip("/") for i in infos]
        docker_cmd("stop", "-t", "20", *names, timeout=180)
        for name in names:
            docker_cmd("start", name, timeout=180)
        return {name: _ports(docker_cmd, name) for name in names}
    names = podman_cmd("ps", "-a", "--filter", f"label=io.mta.verify={run_id}", "--format", "{{.Names}}",
                       check=False).stdout.decode().split()
    infos = json.loads(podman_cmd("container", "inspect", *names).stdout) if names else []
    infos.sort(key=lambda i: i["Created"])
    podman_cmd("stop", "-t", "20", *names, timeout=180)
    podman_cmd("rm", *names, timeout=180)  # named volumes stay
    endpoints = {}
    for info in infos:
        podman_cmd(*info["Config"]["CreateCommand"][1:], timeout=180)
        endpoints[info["Name"]] = _ports(podman_cmd, info["Name"])
    return endpoints


def fill_secret_files(vm: VM, host_dir: Path, compose: dict) -> list[str]:
    """Do what the runbook asks an operator to do: put each secret *file* the
    compose file names (php.ini, keys…) in place, copied from the VM."""
    done = []
    for svc in compose.get("services", {}).values():
        for use in svc.get("secrets") or []:
            if not isinstance(use, dict) or not str(use.get("target", "")).startswith("/"):
                continue
            spec = (compose.get("secrets") or {}).get(use["source"]) or {}
            rel = spec.get("file")
            if not rel or (host_dir / rel).exists() or "." not in Path(rel).name.strip("."):
                continue
            got = podman_cmd("exec", vm.container, "cat", use["target"], check=False)
            if got.returncode == 0:
                dest = host_dir / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(got.stdout)
                dest.chmod(0o600)
                done.append(rel)
    return done


def ssh_keypair(directory: Path) -> tuple[Path, str]:
    key = directory / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mta-e2e", "-f", str(key)], check=True)
    return key, (directory / "id_ed25519.pub").read_text().strip()


#: file the e2e tests append one JSON line per VM run to (benchmarks/e2e_figures.py prints the table)
FIGURES_ENV = "MTA_E2E_FIGURES"


def _json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class Figures:
    """The issue's per-VM figures of one run, read from what mta wrote: stacks
    (plan.yaml), extract size (apps/*/context/.mta-extract.json), data dump size and
    time (data/manifest.json), images, build, ready and smoke (verify.json), step
    times; plus what the test itself checked (``checks``) and the run's wall time."""

    def __init__(self, kind: str, engine: str) -> None:
        self.kind, self.engine = kind, engine
        self.started = time.monotonic()
        self.migration: Optional[Migration] = None
        self.checks: dict[str, bool] = {}  # e.g. content (the VM's database content), write survives restart
        self.passed = False
        self.written = False

    def row(self) -> dict:
        m = self.migration
        row = {"vm": self.kind, "engine": self.engine, "passed": self.passed,
               "failed_step": m.failed_step if m else "", "test_seconds": round(time.monotonic() - self.started, 1),
               "step_seconds": dict(m.seconds or {}) if m else {}, "checks": dict(self.checks),
               "stacks": [], "extract": {"files": 0, "bytes": 0}, "data": {"bytes": 0, "seconds": 0.0, "stores": []},
               "services": []}
        hdir = m.host_dir if m else None
        if hdir is None:
            return row
        try:
            plan = yaml.safe_load((hdir / "plan.yaml").read_text(encoding="utf-8")) or {}
        except (OSError, ValueError):
            plan = {}
        row["stacks"] = [{"name": a.get("name", ""), "role": a.get("role", ""), "stack": a.get("stack", ""),
                          "framework": a.get("framework", "")}
                         for a in plan.get("apps", []) if a.get("include", True)]
        for rec in filter(None, (_json(p) for p in sorted(hdir.glob("apps/*/context/.mta-extract.json")))):
            row["extract"]["files"] += int(rec.get("files", 0))
            row["extract"]["bytes"] += int(rec.get("bytes", 0))
        manifest = _json(hdir / "data" / "manifest.json") or {}
        for store, entry in sorted((manifest.get("stores") or {}).items()):
            files = list((entry.get("files") or {}).values())
            row["data"]["stores"].append(store)
            row["data"]["bytes"] += sum(int(f.get("bytes", 0)) for f in files)
            row["data"]["seconds"] = round(row["data"]["seconds"] + sum(float(f.get("seconds", 0)) for f in files), 2)
        report = _json(hdir / "verify.json") or {}
        for host in report.get("hosts", []):
            for s in host.get("services", []):
                smoke = s.get("smoke") or {}
                row["services"].append({
                    "name": s["name"], "role": s.get("role", ""), "built": s.get("built", False),
                    "image_bytes": s.get("image_bytes"), "naive_bytes": s.get("naive_bytes"),
                    "build_seconds": s.get("build_seconds"), "ready": s.get("ready"),
                    "ready_seconds": s.get("ready_seconds"), "smoke": {
                        k: smoke.get(k) for k in ("status", "http_status", "title", "text_matched")}
                    | {"text_expected": len(smoke.get("expect_text") or [])}})
        return row

    def write(self) -> dict:
        """The row, appended as one JSON line to $MTA_E2E_FIGURES when set (once)."""
        row = self.row()
        target = os.environ.get(FIGURES_ENV, "")
        if target and not self.written:
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(row, sort_keys=True) + "\n")
            self.written = True
        return row
