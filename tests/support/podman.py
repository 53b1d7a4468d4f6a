"""pytest plugin: podman as root, the local Debian base image, cached test images.

There is no registry here, so ``scripts/podman-setup.sh`` makes podman usable
(containers.conf, runc) and builds ``debian:bookworm-slim`` with debootstrap.
The session fixture ``podman`` runs it once. In CI (``CI=true``) a podman that
cannot be set up FAILS the tests; elsewhere they skip with the reason.

Test images (the "legacy VMs") are tagged with a hash of their build context,
so a second run reuses them and an edit rebuilds only what changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP_SCRIPT = ROOT / "scripts" / "podman-setup.sh"
BASE_IMAGE = "docker.io/library/debian:bookworm-slim"
#: crun fails in this sandbox; runc works.
RUNTIME = os.environ.get("MTA_OCI_RUNTIME", "runc")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"podman suite is required in CI but cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def podman_cmd(*args: str, timeout: float = 600, check: bool = True, input: Optional[bytes] = None):
    """Run ``podman ARGS`` (tests only; mta itself goes through mta.transport)."""
    proc = subprocess.run(["podman", *args], capture_output=True, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"podman {' '.join(args[:3])}… failed ({proc.returncode}): "
            + proc.stderr.decode("utf-8", "replace")[-2000:]
        )
    return proc


def context_hash(context: Path, *extra: str) -> str:
    """A short stable hash of every file under ``context`` (names, modes, bytes)."""
    h = hashlib.sha256()
    for p in sorted(context.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(context)).encode())
            h.update(oct(p.stat().st_mode & 0o111).encode())
            h.update(p.read_bytes())
    for e in extra:
        h.update(e.encode())
    return h.hexdigest()[:12]


def ensure_image(
    repo: str, context: Path, *, build_args: Optional[dict[str, str]] = None, timeout: float = 1500
) -> str:
    """Build ``repo:<context hash>`` from ``context`` unless it exists; return the ref."""
    args = dict(build_args or {})
    tag = f"{repo}:{context_hash(context, *(f'{k}={v}' for k, v in sorted(args.items())))}"
    if podman_cmd("image", "exists", tag, check=False).returncode == 0:
        return tag
    cmd = ["build", "--runtime", RUNTIME, "-t", tag, "-f", str(context / "Containerfile")]
    for k, v in args.items():
        cmd += ["--build-arg", f"{k}={v}"]
    podman_cmd(*cmd, str(context), timeout=timeout)
    return tag


@dataclass
class Podman:
    base_image: str
    runtime: str = RUNTIME

    def run(self, *args: str, **kw):
        return podman_cmd(*args, **kw)


_state: dict[str, object] = {}


def setup_podman() -> Podman:
    """Run scripts/podman-setup.sh once per session; raise RuntimeError with the reason."""
    if "podman" in _state:
        return _state["podman"]  # type: ignore[return-value]
    if "error" in _state:
        raise RuntimeError(str(_state["error"]))
    try:
        if os.geteuid() != 0:
            raise RuntimeError("podman tests need root (rootful podman with runc)")
        if shutil.which("bash") is None:
            raise RuntimeError("bash not found")
        started = time.monotonic()
        proc = subprocess.run(["bash", str(SETUP_SCRIPT)], capture_output=True, timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(
                "scripts/podman-setup.sh failed: " + proc.stderr.decode("utf-8", "replace").strip()[-1500:]
            )
        probe = podman_cmd(
            "run", "--rm", "--runtime", RUNTIME, "--network", "none", BASE_IMAGE, "true", check=False, timeout=120
        )
        if probe.returncode != 0:
            raise RuntimeError("podman run fails: " + probe.stderr.decode("utf-8", "replace").strip()[-800:])
        _state["setup_seconds"] = round(time.monotonic() - started, 1)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        _state["error"] = str(exc)
        raise RuntimeError(str(exc)) from None
    _state["podman"] = Podman(base_image=BASE_IMAGE)
    return _state["podman"]  # type: ignore[return-value]


@pytest.fixture(scope="session")
def podman() -> Podman:
    """A working rootful podman and the local ``debian:bookworm-slim`` base image."""
    try:
        return setup_podman()
    except RuntimeError as exc:
        _unavailable(str(exc))
        raise  # unreachable: skip/fail raise
