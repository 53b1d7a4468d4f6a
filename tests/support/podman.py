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
import re
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


#: lines in which apt, dpkg, a maintainer script, the JVM or podman itself say what went wrong
_TOOL_ERROR = re.compile(
    r"^(?:E: |dpkg: error|dpkg: dependency problems|dpkg-deb: error|Errors were encountered"
    r"|update-alternatives: error|Error occurred during initialization of VM|Error: |error: |ERRO\[)"
    r"|(?:post|pre)-(?:installation|removal) script (?:subprocess )?returned error"
    r"|No space left on device|Cannot allocate memory|Killed|cannot open .* No such file"
)
_DPKG_FAILED = re.compile(r"^dpkg: error processing package ([^\s:]+)(?::\S+)? \(")


def tool_errors(text: str, limit: int = 80) -> str:
    """The lines of a failed build or start that say why, in order: apt's
    ``E:`` lines, dpkg's errors, the failing package's own maintainer-script
    output (from its "Setting up PKG" line to dpkg's error about it) and the
    step podman was running. Empty when nothing matched."""
    lines = text.splitlines()
    keep: set[int] = set()
    for i, line in enumerate(lines):
        if _TOOL_ERROR.search(line):
            keep.add(i)
        if line.startswith("Errors were encountered"):  # then the packages, one an indented line
            keep.update(j for j in range(i + 1, min(len(lines), i + 20)) if lines[j].startswith(" "))
        m = _DPKG_FAILED.match(line)
        if m:
            for j in range(i - 1, max(-1, i - 200), -1):
                if lines[j].startswith((f"Setting up {m.group(1)} ", f"Setting up {m.group(1)}:")):
                    keep.update(range(j, i))
                    break
    step = next((j for j in range(len(lines) - 1, -1, -1) if lines[j].startswith("STEP ")), None)
    if step is not None and keep:
        keep.add(step)
    picked = [lines[i] for i in sorted(keep)]
    if len(picked) > limit:
        picked = picked[: limit // 2] + ["[...]"] + picked[-limit // 2:]
    return "\n".join(picked)


def failure_message(what: str, returncode: int, stdout: bytes, stderr: bytes, tail: int = 2000) -> str:
    """``what`` failed: the tool's own error lines first (podman build prints
    a RUN step's output on stdout, so both streams are read), then the tail."""
    out = stdout.decode("utf-8", "replace")
    err = stderr.decode("utf-8", "replace")
    errors = tool_errors(out + "\n" + err)
    msg = f"{what} failed ({returncode})"
    if errors:
        msg += ":\n--- the tool's own error lines ---\n" + errors
    return msg + "\n--- last output ---\n" + (err.strip() or out.strip())[-tail:]


def podman_cmd(*args: str, timeout: float = 600, check: bool = True, input: Optional[bytes] = None):
    """Run ``podman ARGS`` (tests only; mta itself goes through mta.transport)."""
    proc = subprocess.run(["podman", *args], capture_output=True, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise RuntimeError(failure_message(f"podman {' '.join(args[:3])}…", proc.returncode, proc.stdout, proc.stderr))
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
