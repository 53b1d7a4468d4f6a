"""Read a generated ``compose.yaml`` (and its ``.env``) into service specs.

Only the subset of the Compose spec that ``mta generate`` writes and that a
one-host verify needs: build, image, environment, env_file, secrets, configs,
volumes, ports, healthcheck, depends_on, command, entrypoint, user.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from ..errors import InputError
from ..io import load_yaml

_VAR = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments, blanks, ``export`` and simple quotes allowed)."""
    out: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def interpolate(value: object, env: Mapping[str, str]) -> object:
    """Compose-style ``${VAR}``, ``${VAR:-default}``, ``$VAR``, ``$$`` in every string."""
    if isinstance(value, str):

        def sub(m: re.Match) -> str:
            if m.group(0) == "$$":
                return "$"
            name = m.group(1) or m.group(4)
            op, arg = m.group(2), m.group(3) or ""
            got = env.get(name)
            if op in (":-",) and not got:
                return arg
            if op == "-" and got is None:
                return arg
            return got or ""

        return _VAR.sub(sub, value)
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    return value


@dataclass
class Mount:
    kind: str  # volume | bind | tmpfs
    source: str  # volume name (unprefixed) or absolute host path
    target: str
    read_only: bool = False


@dataclass
class SecretUse:
    name: str
    target: str  # absolute path in the container


@dataclass
class Service:
    name: str
    image: str = ""
    build_context: Optional[Path] = None
    dockerfile: Optional[Path] = None
    env: dict[str, str] = field(default_factory=dict)
    env_files: list[Path] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    secrets: list[SecretUse] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)  # container ports
    health_cmd: Optional[list[str]] = None
    health_disable: bool = False
    depends_on: list[str] = field(default_factory=list)
    # dependencies that must run to completion first (condition: service_completed_successfully)
    completed_deps: list[str] = field(default_factory=list)
    one_shot: bool = False  # another service waits for it to complete (a restore job)
    command: list[str] = field(default_factory=list)
    entrypoint: Optional[list[str]] = None
    user: str = ""
    workdir: str = ""
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    security_opt: list[str] = field(default_factory=list)
    read_only: bool = False
    memory: str = ""  # deploy.resources.limits.memory or mem_limit, e.g. "320M"
    sysctls: dict[str, str] = field(default_factory=dict)
    cpus: str = ""


@dataclass
class Project:
    root: Path
    services: dict[str, Service]
    secrets: dict[str, dict]  # top-level secrets: {name: {file|environment: …}}
    volumes: list[str]
    env: dict[str, str]  # .env values (for secrets given by environment)


def _words(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def _env(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    out = {}
    for item in value:
        k, _, v = str(item).partition("=")
        out[k] = v
    return out


def _port(item: object) -> Optional[int]:
    if isinstance(item, dict):
        return int(item["target"]) if "target" in item else None
    text = str(item).split("/")[0]
    last = text.rsplit(":", 1)[-1]
    if "-" in last:
        last = last.split("-")[0]
    return int(last) if last.isdigit() else None


def _health(spec: object) -> tuple[Optional[list[str]], bool]:
    if not isinstance(spec, dict):
        return None, False
    if spec.get("disable"):
        return None, True
    test = spec.get("test")
    if isinstance(test, str):
        return ["CMD-SHELL", test], False
    if isinstance(test, list) and test:
        if test[0] == "NONE":
            return None, True
        return [str(t) for t in test], False
    return None, False


def _mount(item: object, root: Path, where: str) -> Optional[Mount]:
    if isinstance(item, dict):
        kind = item.get("type", "volume")
        target = str(item.get("target", ""))
        source = str(item.get("source", ""))
        ro = bool(item.get("read_only", False))
    else:
        parts = str(item).split(":")
        if len(parts) == 1:
            return Mount("volume", "", parts[0])
        source, target = parts[0], parts[1]
        ro = len(parts) > 2 and "ro" in parts[2].split(",")
        kind = "bind" if source.startswith((".", "/", "~")) else "volume"
    if not target.startswith("/"):
        raise InputError(f"{where}: volume target {target!r} is not an absolute path")
    if kind == "bind":
        source = str((root / source).resolve()) if not source.startswith("/") else source
    return Mount(kind, source, target, ro)


def _deps(value: object) -> dict[str, dict]:
    if isinstance(value, dict):
        return {str(k): dict(v or {}) for k, v in value.items()}
    return {str(d): {"condition": "service_started"} for d in value or []}


def merge_override(data: dict, over: dict) -> dict:
    """Compose's merge of an override file, for what ``mta`` writes there: new
    services are added; for a known one, volumes are merged by target,
    depends_on by name, and other keys replaced."""
    services = data.setdefault("services", {})
    for name, spec in (over.get("services") or {}).items():
        base = services.get(name)
        if not isinstance(base, dict):
            services[name] = spec
            continue
        for key, value in (spec or {}).items():
            if key == "volumes":
                merged = {(_mount_target(v)): v for v in base.get("volumes") or []}
                merged.update({_mount_target(v): v for v in value or []})
                base["volumes"] = list(merged.values())
            elif key == "depends_on":
                base["depends_on"] = {**_deps(base.get("depends_on")), **_deps(value)}
            else:
                base[key] = value
    for section in ("volumes", "secrets", "configs"):
        if over.get(section):
            data[section] = {**(data.get(section) or {}), **over[section]}
    return data


def _mount_target(item: object) -> str:
    if isinstance(item, dict):
        return str(item.get("target", ""))
    parts = str(item).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def load_project(root: Path) -> Project:
    """Parse ``root/compose.yaml`` (and ``compose.override.yaml``, as
    ``docker compose`` does) with ``root/.env`` interpolation."""
    path = root / "compose.yaml"
    if not path.is_file():
        alt = root / "docker-compose.yml"
        path = alt if alt.is_file() else path
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise InputError(f"{path}: expected a 'services' mapping")
    override = root / "compose.override.yaml"
    if override.is_file():
        over = load_yaml(override)
        if not isinstance(over, dict):
            raise InputError(f"{override}: expected a mapping")
        data = merge_override(data, over)
    dotenv = parse_env_file(root / ".env") if (root / ".env").is_file() else {}
    env = {**dotenv, **os.environ}
    data = interpolate(data, env)
    services: dict[str, Service] = {}
    for name, spec in data["services"].items():
        where = f"{path}: services.{name}"
        if not isinstance(spec, dict):
            raise InputError(f"{where}: expected a mapping")
        svc = Service(name=str(name), image=str(spec.get("image", "") or ""))
        build = spec.get("build")
        if build is not None:
            ctx = build if isinstance(build, str) else build.get("context", ".")
            svc.build_context = (root / str(ctx)).resolve()
            df = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            svc.dockerfile = (svc.build_context / str(df)).resolve()
        if not svc.image and svc.build_context is None:
            raise InputError(f"{where}: neither image nor build given")
        ef = spec.get("env_file") or []
        for item in [ef] if isinstance(ef, (str, dict)) else ef:
            p = item if isinstance(item, str) else item.get("path", "")
            required = True if isinstance(item, str) else item.get("required", True)
            fp = (root / p).resolve()
            if fp.is_file():
                svc.env_files.append(fp)
            elif required:
                raise InputError(f"{where}: env_file {p} not found", "generate it or remove it from compose.yaml")
        svc.env = _env(spec.get("environment"))
        for item in spec.get("volumes") or []:
            m = _mount(item, root, where)
            if m:
                svc.mounts.append(m)
        for item in spec.get("tmpfs") or []:
            svc.mounts.append(Mount("tmpfs", "", str(item)))
        for item in spec.get("configs") or []:
            cname = item if isinstance(item, str) else item["source"]
            target = f"/{cname}" if isinstance(item, str) else item.get("target", f"/{cname}")
            cdef = (data.get("configs") or {}).get(cname) or {}
            if "file" in cdef:
                svc.mounts.append(Mount("bind", str((root / cdef["file"]).resolve()), target, True))
        for item in spec.get("secrets") or []:
            sname = item if isinstance(item, str) else item["source"]
            target = item.get("target", sname) if isinstance(item, dict) else sname
            svc.secrets.append(SecretUse(sname, target if target.startswith("/") else f"/run/secrets/{target}"))
        svc.ports = [p for p in (_port(i) for i in (spec.get("ports") or []) + (spec.get("expose") or [])) if p]
        svc.health_cmd, svc.health_disable = _health(spec.get("healthcheck"))
        deps = _deps(spec.get("depends_on"))
        svc.depends_on = list(deps)
        svc.completed_deps = [d for d, c in deps.items() if c.get("condition") == "service_completed_successfully"]
        svc.command = _words(spec.get("command"))
        if "entrypoint" in spec:
            svc.entrypoint = _words(spec.get("entrypoint"))
        svc.user = str(spec.get("user", "") or "")
        svc.workdir = str(spec.get("working_dir", "") or "")
        svc.cap_add = [str(c) for c in spec.get("cap_add") or []]
        svc.cap_drop = [str(c) for c in spec.get("cap_drop") or []]
        svc.security_opt = [str(c) for c in spec.get("security_opt") or []]
        svc.read_only = bool(spec.get("read_only", False))
        svc.sysctls = _env(spec.get("sysctls"))
        limits = ((spec.get("deploy") or {}).get("resources") or {}).get("limits") or {}
        svc.memory = str(limits.get("memory") or spec.get("mem_limit") or "")
        svc.cpus = str(limits.get("cpus") or spec.get("cpus") or "")
        services[svc.name] = svc
    for svc in services.values():
        for d in svc.depends_on:
            if d not in services:
                raise InputError(f"{path}: services.{svc.name}.depends_on names unknown service {d!r}")
        for d in svc.completed_deps:
            services[d].one_shot = True
    return Project(
        root=root,
        services=services,
        secrets=dict(data.get("secrets") or {}),
        volumes=list((data.get("volumes") or {}).keys()),
        env=dotenv,
    )


def start_order(services: Mapping[str, Service]) -> list[str]:
    """Service names so that each comes after what it depends on."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise InputError("compose.yaml: depends_on cycle: " + " -> ".join((*chain, name)))
        state[name] = 1
        for dep in services[name].depends_on:
            visit(dep, (*chain, name))
        state[name] = 2
        order.append(name)

    for name in sorted(services):
        visit(name, ())
    return order
