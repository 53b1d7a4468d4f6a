"""Build, start and smoke-test one host's generated artifacts, then clean up.

The flow for each host dir (the one holding compose.yaml and plan.yaml):
build every image that has a Dockerfile, make a private network, start the
services in depends_on order with network aliases = service names, wait for
each to be ready (healthcheck, else the HTTP/TCP port), send the smoke request
plan.yaml asks for, and remove every container, network, volume and temp file
it made, also on failure and Ctrl-C.
"""

from __future__ import annotations

import json
import os
import re
import secrets as _secrets
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, Optional

from ..errors import InputError
from ..io import load_model
from ..model.plan import AppPlan, Plan
from ..plan.recipes import naive_size
from ..security.secret_values import planned_files
from ..transport.engine import EngineRunner
from .compose import Project, Service, load_project, start_order
from .engine import Engine, RunSpec
from .result import HostResult, ServiceResult
from .smoke import judge

LABEL = "io.mta.verify"
Log = Callable[[str], None]


def _tail(text: bytes, lines: int = 12) -> str:
    return "\n".join(text.decode("utf-8", "replace").strip().splitlines()[-lines:])


def _safe(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:40] or "host"


class HostRun:
    """One verify run of one host dir; ``cleanup`` undoes everything it made."""

    def __init__(
        self,
        host_dir: Path,
        engine: Engine,
        runner: EngineRunner,
        *,
        timeout: float = 180.0,
        build_timeout: float = 1800.0,
        keep: bool = False,
        rm_images: bool = False,
        log: Log = lambda s: None,
    ) -> None:
        self.dir = host_dir
        self.engine = engine
        self.runner = runner
        self.timeout = timeout
        self.build_timeout = build_timeout
        self.keep = keep
        self.rm_images = rm_images
        self.log = log
        self.run_id = uuid.uuid4().hex[:8]
        self.containers: list[str] = []
        self.networks: list[str] = []
        self.volumes: list[str] = []
        self.built_images: list[str] = []
        self.tmp: Optional[Path] = None
        self.secret_values: list[str] = []
        self.missing_secrets: dict[str, str] = {}
        self.missing_sources: dict[str, str] = {}

    # -- helpers -----------------------------------------------------------
    def _run(self, argv: list[str], timeout: Optional[float] = 120.0):
        return self.runner.run(argv, timeout=timeout)

    def _mask(self, text: str) -> str:
        for value in self.secret_values:
            if len(value) >= 4:
                text = text.replace(value, "******")
        return text

    @property
    def labels(self) -> dict[str, str]:
        return {LABEL: self.run_id}

    # -- stages ------------------------------------------------------------
    def verify(self) -> HostResult:
        plan = self._plan()
        host = plan.host if plan else self.dir.name
        result = HostResult(host=host, path=str(self.dir), engine=self.engine.name, run_id=self.run_id)
        project = load_project(self.dir)
        prefix = f"mta-verify-{_safe(host)}-{self.run_id}"
        results = {name: self._describe(svc, plan) for name, svc in project.services.items()}
        result.services = [results[n] for n in start_order(project.services)]
        absent = self._absent_secret_files(project, plan)
        if absent:
            # all at once, before any build: which files, from where, and the command that brings them
            note = (f"{len(absent)} secret file(s) compose.yaml reads are missing: "
                    + "; ".join(f"{path} ({src})" for path, src in absent)
                    + f" — run `mta extract --secrets plan.yaml` in {self.dir} (or create them by hand)")
            self.log(note)
            result.notes.append(note)

        # builds first: a one-shot service (a data restore) runs the image another service builds
        order = start_order(project.services)
        for name in sorted(order, key=lambda n: project.services[n].build_context is None):
            self._image(project.services[name], results[name], host)
        network = prefix
        res = self._run(self.engine.network_create(network, self.labels))
        if not res.ok:
            result.error = f"cannot create network {network}: {_tail(res.stderr, 3)}"
            return result
        self.networks.append(network)
        volumes = self._volumes(project, prefix)
        secret_dir = self._secrets(project, result)

        failed: set[str] = set()
        for name in start_order(project.services):
            svc, out = project.services[name], results[name]
            app = plan.app(name) if plan else None
            bad_deps = [d for d in svc.depends_on if d in failed]
            if out.build == "fail" or out.error:
                failed.add(name)
                continue
            absent = [s.name for s in svc.secrets if s.name in self.missing_secrets]
            if absent:
                paths = [self.missing_secrets[a] or a for a in absent]
                where = [w for w in (self._missing_source(p) for p in paths) if w]
                out.error = (f"not started: secret file {', '.join(paths)} missing ("
                             + ("".join(f"{w}; " for w in where))
                             + "`mta extract --secrets plan.yaml` reads it from the VM; it is kept out of images)")
                failed.add(name)
                continue
            if bad_deps:
                out.error = f"not started: dependency {', '.join(bad_deps)} failed"
                failed.add(name)
                continue
            self._start(svc, out, app, network, prefix, volumes, secret_dir)
            if not out.ok:
                failed.add(name)
        result.host = host
        return result

    def _absent_secret_files(self, project: Project, plan: Optional[Plan]) -> list[tuple[str, str]]:
        """(file, where its value is on the VM) for each secret file a service uses that is not there."""
        sources = {f.path: f.source for f in planned_files(plan)} if plan else {}
        used = sorted({s.name for svc in project.services.values() for s in svc.secrets})
        out = []
        for name in used:
            spec = project.secrets.get(name) or {}
            if "file" not in spec:
                continue
            rel = os.path.normpath(str(spec["file"]))
            if not (project.root / rel).is_file():
                src = sources.get(rel, "")
                out.append((rel, f"from {src} on the VM" if src.startswith("/") else (src or "no source recorded")))
        self.missing_sources = {rel: src for rel, src in out}
        return out

    def _plan(self) -> Optional[Plan]:
        path = self.dir / "plan.yaml"
        return load_model(path, Plan) if path.is_file() else None

    def _describe(self, svc: Service, plan: Optional[Plan]) -> ServiceResult:
        app = plan.app(svc.name) if plan else None
        out = ServiceResult(name=svc.name, image=svc.image)
        if app is not None:
            out.role, out.stack, out.runtime = app.role, app.stack, app.runtime
        elif svc.one_shot:
            out.role = "restore"
        return out

    def _image(self, svc: Service, out: ServiceResult, host: str) -> None:
        if svc.build_context is None:
            if self._run(self.engine.image_exists(svc.image)).ok:
                out.build = "skipped"
            else:
                self.log(f"pulling {svc.image}")
                res = self._run([self.engine.name, "pull", svc.image], timeout=600)
                if not res.ok:
                    out.error = f"image {svc.image} is not present and could not be pulled"
                    out.log_tail = _tail(res.stderr, 3).splitlines()
                    return
        else:
            tag = svc.image or f"localhost/mta-verify/{_safe(host)}-{_safe(svc.name)}:latest"
            out.image, out.built = tag, True
            if not svc.build_context.is_dir() or not svc.dockerfile or not svc.dockerfile.is_file():
                out.build, out.error = "fail", f"no Dockerfile at {svc.dockerfile}"
                return
            self.log(f"building {svc.name} -> {tag}")
            res, secs = self.runner.timed(
                self.engine.build(tag, str(svc.build_context), str(svc.dockerfile), {}), timeout=self.build_timeout
            )
            out.build_seconds = round(secs, 1)
            if not res.ok:
                out.build = "fail"
                out.error = "image build failed"
                out.log_tail = _tail(res.stdout + res.stderr, 20).splitlines()
                return
            out.build = "ok"
            self.built_images.append(tag)
        size = self._run(self.engine.image_size(out.image))
        if size.ok and size.text.strip().isdigit():
            out.image_bytes = int(size.text.strip())
        if out.built:
            naive = naive_size(out.runtime, out.stack)
            if naive:
                out.naive_bytes, out.naive_basis = naive

    def _volumes(self, project: Project, prefix: str) -> dict[str, str]:
        names = set(project.volumes)
        for svc in project.services.values():
            names.update(m.source for m in svc.mounts if m.kind == "volume" and m.source)
        out = {}
        for name in sorted(names):
            real = f"{prefix}-{_safe(name)}"
            res = self._run(self.engine.volume_create(real, self.labels))
            if res.ok:
                self.volumes.append(real)
            out[name] = real
        return out

    def _missing_source(self, path: str) -> str:
        src = self.missing_sources.get(os.path.normpath(path), "")
        return src if src.startswith("from ") else ""

    def _secrets(self, project: Project, result: HostResult) -> Path:
        """Secret files in a private temp dir; values never leave it or reach a log."""
        self.tmp = Path(tempfile.mkdtemp(prefix="mta-verify-"))
        sdir = self.tmp / "secrets"
        sdir.mkdir(mode=0o700)
        used = {s.name for svc in project.services.values() for s in svc.secrets}
        missing: dict[str, str] = {}

        for name in sorted(used):
            spec = project.secrets.get(name) or {}
            value: Optional[bytes] = None
            if "file" in spec:
                src = (project.root / str(spec["file"])).resolve()
                if src.is_file():
                    value = src.read_bytes()
            elif "environment" in spec:
                env = spec["environment"]
                got = os.environ.get(env, project.env.get(env))
                value = got.encode() if got else None
            if value is None and _file_like(name, spec):
                # A config file (php.ini, a key) cannot be made up: say which file to provide.
                missing[name] = str(spec.get("file", ""))
                continue
            if value is None:
                value = _secrets.token_urlsafe(18).encode()
                result.notes.append(f"secret {name}: no value given, used a generated test value")
            self.secret_values.append(value.decode("utf-8", "replace").strip())
            path = sdir / _safe(name)
            path.write_bytes(value)
            # Readable by the container's non-root user; the dir keeps others out.
            path.chmod(0o444)
        self.missing_secrets = missing
        return sdir

    def _start(
        self,
        svc: Service,
        out: ServiceResult,
        app: Optional[AppPlan],
        network: str,
        prefix: str,
        volumes: dict[str, str],
        secret_dir: Path,
    ) -> None:
        probe = app.readiness if app else None
        http_port = None
        if probe is not None and probe.kind == "http":
            http_port = probe.port or next((p.port for p in app.expose if p.http), None) or (
                svc.ports[0] if svc.ports else None
            )
        ports = sorted(set(svc.ports) | ({http_port} if http_port else set()))
        if probe is not None and probe.kind == "tcp" and probe.port:
            ports = sorted(set(ports) | {probe.port})
        mounts = []
        for m in svc.mounts:
            if m.kind == "volume":
                src = f"src={volumes[m.source]}," if m.source else ""
                mounts.append(f"type=volume,{src}dst={m.target}" + (",ro=true" if m.read_only else ""))
            elif m.kind == "bind":
                mounts.append(f"type=bind,src={m.source},dst={m.target}" + (",ro=true" if m.read_only else ""))
            else:
                mounts.append(self.engine.tmpfs_mount(m.target))
        for s in svc.secrets:
            mounts.append(f"type=bind,src={secret_dir / _safe(s.name)},dst={s.target},ro=true")
        name = f"{prefix}-{_safe(svc.name)}"
        spec = RunSpec(
            name=name,
            image=out.image,
            network=network,
            aliases=[svc.name],
            env=svc.env,
            env_files=[str(p) for p in svc.env_files],
            mounts=mounts,
            publish=ports,
            labels=self.labels,
            health_cmd=svc.health_cmd,
            health_disable=svc.health_disable,
            user=svc.user,
            workdir=svc.workdir,
            entrypoint=svc.entrypoint,
            command=svc.command,
            cap_add=svc.cap_add,
            cap_drop=svc.cap_drop,
            security_opt=svc.security_opt,
            read_only=svc.read_only,
            sysctls=svc.sysctls,
            memory=svc.memory,
            cpus=svc.cpus,
        )
        self.log(f"starting {svc.name}")
        started = time.monotonic()
        res = self._run(self.engine.run(spec))
        if not res.ok:
            out.ready, out.error = "fail", f"container did not start: {self._mask(_tail(res.stderr, 3))}"
            return
        self.containers.append(name)
        endpoints = {}
        for port in ports:
            got = self._run(self.engine.port(name, port))
            if got.ok and got.text.strip():
                hp = got.text.strip().splitlines()[0].rsplit(":", 1)[-1]
                if hp.isdigit():
                    endpoints[port] = int(hp)
        out.endpoints = {str(k): f"127.0.0.1:{v}" for k, v in endpoints.items()}
        if svc.one_shot:
            self._wait_done(name, out, started)
            return
        exec_cmd = list(probe.command) if probe is not None and probe.kind == "exec" else []
        self._wait_ready(name, svc, out, endpoints, http_port, probe.path if probe else "/", started, exec_cmd)
        # Also when not ready: the status and title say more than "not ready" does.
        if out.ready != "skipped" and http_port and http_port in endpoints and probe is not None:
            reply = self.runner.http_get("127.0.0.1", endpoints[http_port], probe.path, timeout=15)
            retried = reply is None  # one hung request (seen once through a fresh proxy): ask again, say so
            if retried:
                reply = self.runner.http_get("127.0.0.1", endpoints[http_port], probe.path, timeout=15)
            out.smoke = judge(
                probe.path,
                reply.status if reply else None,
                reply.body if reply else b"",
                probe.expect_status,
                probe.expect_title,
                probe.expect_text,
            )
            if retried:
                note = "asked twice: the first request got no HTTP answer in 15s"
                out.smoke.detail = f"{out.smoke.detail}; {note}" if out.smoke.detail else note
        if not out.ok:
            logs = self._run(self.engine.logs(name, 30))
            out.log_tail = self._mask(_tail(logs.stdout + logs.stderr, 30)).splitlines()

    def _wait_done(self, name: str, out: ServiceResult, started: float) -> None:
        """A one-shot (a restore) must exit 0 before what waits for it starts."""
        deadline = started + self.timeout
        while time.monotonic() < deadline:
            state = self._run(self.engine.state(name))
            words = state.text.split() if state.ok else []
            if words and words[0] in ("exited", "stopped", "dead"):
                code = words[1] if len(words) > 1 else "?"
                out.ready_seconds = round(time.monotonic() - started, 1)
                if code == "0":
                    out.ready, out.ready_by = "ok", "completed"
                else:
                    out.ready, out.error = "fail", f"exited with status {code}"
                    logs = self._run(self.engine.logs(name, 30))
                    out.log_tail = self._mask(_tail(logs.stdout + logs.stderr, 30)).splitlines()
                return
            time.sleep(0.5)
        out.ready, out.error = "fail", f"did not complete within {self.timeout:g}s"

    def _wait_ready(
        self,
        name: str,
        svc: Service,
        out: ServiceResult,
        endpoints: dict[int, int],
        http_port: Optional[int],
        path: str,
        started: float,
        exec_cmd: Optional[list[str]] = None,
    ) -> None:
        hc = self._run(self.engine.has_healthcheck(name))
        has_health = not svc.health_disable and hc.ok and _health_test(hc.text)
        deadline = started + self.timeout
        last = ""
        while time.monotonic() < deadline:
            state = self._run(self.engine.state(name))
            status = state.text.split()[0] if state.ok and state.text.split() else "unknown"
            if status in ("exited", "stopped", "dead"):
                out.ready, out.error = "fail", f"container exited ({state.text.strip()})"
                return
            if status == "running":
                if has_health:
                    res = self._run(self.engine.health(name), timeout=60)
                    ok = res.ok if self.engine.name == "podman" else self.engine.docker_health_ok(res.text)
                    how = "healthcheck"
                    last = _tail(res.stdout + res.stderr, 2)
                elif exec_cmd:
                    res = self._run(self.engine.exec(name, exec_cmd), timeout=60)
                    ok, how = res.ok, "exec"
                    last = _tail(res.stdout + res.stderr, 2)
                elif http_port and http_port in endpoints:
                    ok = self.runner.http_get("127.0.0.1", endpoints[http_port], path, timeout=5) is not None
                    how = "http"
                elif endpoints:
                    ok = all(self.runner.tcp_open("127.0.0.1", hp) for hp in endpoints.values())
                    how = "tcp"
                else:
                    ok = time.monotonic() - started > 2
                    how = "running"
                if ok:
                    out.ready, out.ready_by = "ok", how
                    out.ready_seconds = round(time.monotonic() - started, 1)
                    return
            time.sleep(1.0)
        out.ready = "fail"
        out.error = f"not ready after {self.timeout:g}s" + (f" (last check: {self._mask(last)})" if last else "")

    def cleanup(self) -> list[str]:
        """Remove what this run made (images only with rm_images). Returns problems."""
        problems: list[str] = []
        if not self.keep:
            if self.containers:
                res = self._run(self.engine.rm(self.containers), timeout=120)
                if not res.ok:
                    problems.append(f"containers: {_tail(res.stderr, 2)}")
            # Safety net: anything carrying our label that the lists missed.
            stray = self._run(self.engine.by_label("container", f"{LABEL}={self.run_id}"))
            if stray.ok and stray.text.split():
                self._run(self.engine.rm(stray.text.split()), timeout=120)
            for kind, known in (("network", self.networks), ("volume", self.volumes)):
                got = self._run(self.engine.by_label(kind, f"{LABEL}={self.run_id}"))
                known.extend(x for x in (got.text.split() if got.ok else []) if x not in known)
            for net in self.networks:
                res = self._run(self.engine.network_rm(net))
                if not res.ok:
                    problems.append(f"network {net}: {_tail(res.stderr, 2)}")
            for vol in self.volumes:
                res = self._run(self.engine.volume_rm(vol))
                if not res.ok:
                    problems.append(f"volume {vol}: {_tail(res.stderr, 2)}")
            self.containers, self.networks, self.volumes = [], [], []
            if self.rm_images:
                for img in self.built_images:
                    self._run(self.engine.image_rm(img))
                self.built_images = []
        if self.tmp is not None and not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        return problems


def _health_test(inspected: str) -> bool:
    """Whether ``inspect {{json .Config.Healthcheck}}`` shows a check to run: a test that
    is not NONE (docker keeps an --health-interval given for an image without one)."""
    try:
        got = json.loads(inspected)
    except ValueError:
        return False
    test = got.get("Test") if isinstance(got, dict) else None
    return bool(test) and test[0] != "NONE"


def _file_like(name: str, spec: dict) -> bool:
    """A secret that is a whole file (has an extension), not a password or token."""
    base = str(spec.get("file") or name).rsplit("/", 1)[-1]
    return "." in base.strip(".")


def host_dirs(root: Path) -> list[Path]:
    """Host dirs under ``root``: root itself, or OUT/hosts/* holding a compose file."""
    root = root.resolve()
    if not root.is_dir():
        raise InputError(f"{root}: not a directory", "give OUT or OUT/hosts/<host> written by mta generate")
    if (root / "compose.yaml").is_file():
        return [root]
    hosts = root / "hosts"
    found = sorted(p for p in hosts.iterdir()
                   if not p.name.startswith(".") and (p / "compose.yaml").is_file()) if hosts.is_dir() else []
    if not found:
        raise InputError(f"{root}: no compose.yaml here nor under hosts/*/", "run mta generate first")
    return found
