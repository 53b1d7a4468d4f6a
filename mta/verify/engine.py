"""Container engine command lines (docker or podman). Builds argv lists only;
``mta.transport.engine.EngineRunner`` runs them."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Optional, Sequence

ENGINES = ("podman", "docker")


@dataclass
class RunSpec:
    """Everything ``run`` needs to start one service container."""

    name: str
    image: str
    network: str
    aliases: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    env_files: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)  # --mount values
    publish: list[int] = field(default_factory=list)  # container ports -> 127.0.0.1:<random>
    labels: dict[str, str] = field(default_factory=dict)
    health_cmd: Optional[list[str]] = None  # exec form (CMD / CMD-SHELL normalised)
    health_disable: bool = False
    user: str = ""
    workdir: str = ""
    entrypoint: Optional[list[str]] = None
    command: list[str] = field(default_factory=list)
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    security_opt: list[str] = field(default_factory=list)
    read_only: bool = False
    sysctls: dict[str, str] = field(default_factory=dict)
    memory: str = ""
    cpus: str = ""


@dataclass(frozen=True)
class Engine:
    """Command lines for one engine. ``runtime`` is the OCI runtime (runc…)."""

    name: str = "podman"
    runtime: Optional[str] = None

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise ValueError(f"unknown engine {self.name!r}")

    @property
    def _rt(self) -> list[str]:
        return ["--runtime", self.runtime] if self.runtime else []

    def version(self) -> list[str]:
        return [self.name, "version", "--format", "{{.Client.Version}}"]

    def reachable(self) -> list[str]:
        """Exit 0 when the engine can run containers: docker's daemon answers
        (the client alone prints its version and then fails), podman runs."""
        if self.name == "docker":
            return [self.name, "version", "--format", "{{.Server.Version}}"]
        return self.version()

    def build(self, tag: str, context: str, dockerfile: str, labels: dict[str, str]) -> list[str]:
        argv = [self.name, "build", "-t", tag, "-f", dockerfile]
        if self.name == "podman":
            # docker format keeps HEALTHCHECK (the OCI format drops it).
            argv += [*self._rt, "--format", "docker"]
        for k, v in labels.items():
            argv += ["--label", f"{k}={v}"]
        return argv + [context]

    def image_exists(self, ref: str) -> list[str]:
        if self.name == "podman":
            return [self.name, "image", "exists", ref]
        return [self.name, "image", "inspect", "--format", "{{.Id}}", ref]

    def image_size(self, ref: str) -> list[str]:
        return [self.name, "image", "inspect", "--format", "{{.Size}}", ref]

    def image_rm(self, ref: str) -> list[str]:
        return [self.name, "rmi", "-f", ref]

    def network_create(self, name: str, labels: dict[str, str]) -> list[str]:
        argv = [self.name, "network", "create"]
        for k, v in labels.items():
            argv += ["--label", f"{k}={v}"]
        return argv + [name]

    def network_rm(self, name: str) -> list[str]:
        # podman's -f also removes containers still attached; docker has no such flag.
        return [self.name, "network", "rm", *(["-f"] if self.name == "podman" else []), name]

    def volume_create(self, name: str, labels: dict[str, str]) -> list[str]:
        argv = [self.name, "volume", "create"]
        for k, v in labels.items():
            argv += ["--label", f"{k}={v}"]
        return argv + [name]

    def volume_rm(self, name: str) -> list[str]:
        return [self.name, "volume", "rm", "-f", name]

    def run(self, spec: RunSpec) -> list[str]:
        argv = [self.name, "run", "-d", *self._rt, "--name", spec.name, "--network", spec.network]
        for alias in spec.aliases:
            argv += ["--network-alias", alias]
        for k, v in spec.labels.items():
            argv += ["--label", f"{k}={v}"]
        for f in spec.env_files:
            argv += ["--env-file", f]
        for k, v in spec.env.items():
            argv += ["-e", f"{k}={v}"]
        for m in spec.mounts:
            argv += ["--mount", m]
        for port in spec.publish:
            argv += ["-p", f"127.0.0.1::{port}"]
        if spec.health_disable:
            argv += ["--no-healthcheck"]
        elif spec.health_cmd:
            argv += ["--health-cmd", self._health_arg(spec.health_cmd), "--health-interval", "5s"]
        elif self.name == "docker":
            # the image's HEALTHCHECK: dockerd first runs it one interval after the start
            # (30s in generated images), so a ready app waited that long; checked every 5s
            # here as with a compose healthcheck (podman's checks are run by verify itself)
            argv += ["--health-interval", "5s"]
        # The same restrictions compose applies, so verify proves the app runs under them.
        for c in spec.cap_drop:
            argv += ["--cap-drop", c]
        for c in spec.cap_add:
            argv += ["--cap-add", c]
        for o in spec.security_opt:
            argv += ["--security-opt", o]
        if spec.read_only:
            argv += ["--read-only"]
        for k, v in spec.sysctls.items():
            argv += ["--sysctl", f"{k}={v}"]
        if spec.memory:
            argv += ["--memory", spec.memory.lower().removesuffix("b")]
        if spec.cpus:
            argv += ["--cpus", spec.cpus]
        if spec.user:
            argv += ["--user", spec.user]
        if spec.workdir:
            argv += ["--workdir", spec.workdir]
        command = list(spec.command)
        if spec.entrypoint is not None:
            # Both engines take one executable here; its arguments lead the command.
            argv += ["--entrypoint", spec.entrypoint[0] if spec.entrypoint else ""]
            command = [*spec.entrypoint[1:], *command]
        return argv + [spec.image, *command]

    def _health_arg(self, test: list[str]) -> str:
        """Compose ``test`` (CMD / CMD-SHELL form) as the engine's --health-cmd value."""
        if test[0] == "CMD-SHELL":
            return " ".join(test[1:])
        words = test[1:] if test[0] == "CMD" else test
        # podman takes a JSON array as exec form; docker only a shell string.
        return json.dumps(words) if self.name == "podman" else shlex.join(words)

    def tmpfs_mount(self, target: str) -> str:
        """A --mount value for a compose ``tmpfs:`` entry.

        docker (runc) gives a tmpfs over an image directory that directory's mode,
        so a dir the image made group-writable stays writable for the app; podman
        applies its umask instead (0755, root-owned). ``U=true`` hands the tmpfs to
        the container user so an app that works under docker is not failed here."""
        return f"type=tmpfs,dst={target}" + (",U=true" if self.name == "podman" else "")

    def port(self, container: str, port: int) -> list[str]:
        return [self.name, "port", container, f"{port}/tcp"]

    def state(self, container: str) -> list[str]:
        return [self.name, "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", container]

    def has_healthcheck(self, container: str) -> list[str]:
        return [self.name, "inspect", "--format", "{{json .Config.Healthcheck}}", container]

    def health(self, container: str) -> list[str]:
        """Exit 0 when healthy. Podman has no timer without systemd, so run the check."""
        if self.name == "podman":
            return [self.name, "healthcheck", "run", container]
        return [self.name, "inspect", "--format", "{{.State.Health.Status}}", container]

    def exec(self, container: str, command: list[str]) -> list[str]:
        return [self.name, "exec", container, *command]

    def docker_health_ok(self, out: str) -> bool:
        return out.strip() == "healthy"

    def logs(self, container: str, tail: int = 40) -> list[str]:
        return [self.name, "logs", "--tail", str(tail), container]

    def rm(self, containers: Sequence[str]) -> list[str]:
        return [self.name, "rm", "-f", "-v", *containers]

    def stop(self, containers: Sequence[str], seconds: int = 5) -> list[str]:
        return [self.name, "stop", "-t", str(seconds), *containers]

    def by_label(self, kind: str, label: str) -> list[str]:
        """IDs of containers/networks/volumes carrying ``label`` (cleanup safety net)."""
        if kind == "container":
            return [self.name, "ps", "-aq", "--filter", f"label={label}"]
        if kind == "network":
            # names, not IDs: cleanup removes networks by the name it created them with
            return [self.name, "network", "ls", "--filter", f"label={label}", "--format", "{{.Name}}"]
        return [self.name, "volume", "ls", "-q", "--filter", f"label={label}"]
