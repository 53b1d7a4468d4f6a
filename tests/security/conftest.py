"""Fixtures of the security suite: every sample generated once; checkov in its own venv."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p.parent.name for p in (ROOT / "samples").glob("*/discovery.yaml"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(msg: str) -> None:
    if IN_CI:
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    """OUT with every sample planned and rendered (hardening, policies, falco, sbom)."""
    from mta.pipeline import generate_host, load_discovery

    out = tmp_path_factory.mktemp("sec-out")
    for name in SAMPLES:
        path = ROOT / "samples" / name / "discovery.yaml"
        generate_host(load_discovery(path), None, out, discovery_path=str(path))
    return out


@pytest.fixture(scope="session")
def checkov() -> str:
    """Path of checkov, installed once into a cached venv by scripts/checkov-venv.sh."""
    try:
        proc = subprocess.run(["sh", str(ROOT / "scripts" / "checkov-venv.sh")], capture_output=True, text=True,
                              timeout=1200)
    except subprocess.TimeoutExpired:
        unavailable("installing checkov took too long")
    exe = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if proc.returncode != 0 or not exe or not Path(exe).exists():
        unavailable(f"checkov could not be installed (offline?): {proc.stderr.strip()[-400:]}")
    return exe
