"""pytest plugin: a private Docker Engine (Debian's docker.io) for the suite.

There is no systemd here, so ``scripts/docker-setup.sh`` starts ``dockerd``
with its own data root, exec root, socket and pidfile, and loads the local
Debian base image podman-setup.sh builds. The session fixture ``docker`` runs it
once; in CI (``CI=true``) a daemon that cannot start FAILS the tests, elsewhere
they skip with the reason.

The daemon is stopped (by its pidfile) at the end of the session that started
it, unless another test session still uses it: each session holds a shared
flock on ``<state>/users.lock`` while it runs, and only a session that gets the
lock exclusively at its end stops the daemon. A daemon started by hand (not by
a test session) is left running.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP_SCRIPT = ROOT / "scripts" / "docker-setup.sh"
STATE = Path(os.environ.get("MTA_DOCKER_STATE", "/run/mta-docker"))
DOCKER_HOST = f"unix://{STATE}/docker.sock"
BASE_IMAGE = "docker.io/library/debian:bookworm-slim"
IN_CI = os.environ.get("CI", "").lower() == "true"
#: written when a test session started the daemon, so its end may stop it
MARKER = STATE / "started-by-tests"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"docker suite is required in CI but cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def docker_cmd(*args: str, timeout: float = 600, check: bool = True, input: Optional[bytes] = None):
    """Run ``docker -H <ours> ARGS`` (tests only; mta itself goes through mta.transport)."""
    proc = subprocess.run(["docker", "-H", DOCKER_HOST, *args], capture_output=True, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"docker {' '.join(args[:3])}… failed ({proc.returncode}): "
            + proc.stderr.decode("utf-8", "replace")[-2000:]
        )
    return proc


def _script(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SETUP_SCRIPT), *args], capture_output=True, timeout=timeout)


@dataclass
class Docker:
    host: str
    base_image: str
    storage_driver: str
    setup_seconds: float

    def run(self, *args: str, **kw):
        return docker_cmd(*args, **kw)


_state: dict[str, object] = {}


def setup_docker() -> Docker:
    """Start (or reuse) the suite's dockerd once per session; RuntimeError with the reason."""
    if "docker" in _state:
        return _state["docker"]  # type: ignore[return-value]
    if "error" in _state:
        raise RuntimeError(str(_state["error"]))
    try:
        if os.geteuid() != 0:
            raise RuntimeError("docker tests need root (they start their own dockerd)")
        if shutil.which("bash") is None:
            raise RuntimeError("bash not found")
        STATE.mkdir(parents=True, exist_ok=True)
        users = open(STATE / "users.lock", "a+")  # noqa: SIM115 - held until the session ends
        fcntl.flock(users, fcntl.LOCK_SH)
        _state["users"] = users
        started = time.monotonic()
        was_running = _script("status", timeout=60).returncode == 0
        proc = _script("start")
        if proc.returncode != 0:
            raise RuntimeError(
                "scripts/docker-setup.sh failed: " + proc.stderr.decode("utf-8", "replace").strip()[-1500:]
            )
        if not was_running:
            MARKER.write_text(f"{os.getpid()}\n")
        probe = docker_cmd("run", "--rm", "--network", "none", BASE_IMAGE, "true", check=False, timeout=120)
        if probe.returncode != 0:
            raise RuntimeError("docker run fails: " + probe.stderr.decode("utf-8", "replace").strip()[-800:])
        driver = docker_cmd("info", "--format", "{{.Driver}}").stdout.decode().strip()
        _state["setup_seconds"] = round(time.monotonic() - started, 1)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        _state["error"] = str(exc)
        raise RuntimeError(str(exc)) from None
    _state["docker"] = Docker(DOCKER_HOST, BASE_IMAGE, driver, float(_state["setup_seconds"]))
    return _state["docker"]  # type: ignore[return-value]


def teardown_docker() -> None:
    """Stop the daemon when a test session started it and no other session uses it."""
    users = _state.pop("users", None)
    if users is None:
        return
    try:
        fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        users.close()  # another session still runs docker tests: it stops the daemon
        return
    try:
        if MARKER.exists():
            proc = _script("stop", timeout=120)
            if proc.returncode == 0:
                MARKER.unlink(missing_ok=True)
    finally:
        users.close()


@pytest.fixture(scope="session")
def docker() -> Iterator[Docker]:
    """A running dockerd (``DOCKER_HOST`` = ``docker.host``) with the local base image."""
    try:
        got = setup_docker()
    except RuntimeError as exc:
        _unavailable(str(exc))
        raise  # unreachable: skip/fail raise
    try:
        yield got
    finally:
        teardown_docker()


@pytest.fixture
def docker_env(docker, monkeypatch) -> Docker:
    """``docker`` with DOCKER_HOST set for the test, so ``mta verify --engine docker`` finds it."""
    monkeypatch.setenv("DOCKER_HOST", docker.host)
    return docker
