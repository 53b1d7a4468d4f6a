"""Real validators as a pytest plugin: hadolint, kubernetes-validate, kubectl
kustomize, compose.

Each helper returns a list of problems (empty = valid). When a tool is
missing the test skips with the reason, except in CI (CI=true) where it
fails: the validators are declared test dependencies there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Union

import pytest
import yaml

#: Kubernetes schemas to check against (override with MTA_KUBE_VERSION).
KUBE_VERSION = os.environ.get("MTA_KUBE_VERSION", "1.34.0")
IN_CI = os.environ.get("CI", "").lower() == "true"
Pathish = Union[str, Path]


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    msg = f"{tool} is not installed (pip install -e '.[test]' / apt-get install docker-compose)"
    if IN_CI:
        pytest.fail(msg)
    pytest.skip(msg)


def hadolint(path: Pathish) -> list[str]:
    """hadolint findings at level warning or error, as 'line RULE message'."""
    exe = _need("hadolint")
    proc = subprocess.run([exe, "--no-fail", "-f", "json", str(path)], capture_output=True, text=True, timeout=60)
    try:
        findings = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        return [f"hadolint could not run: {proc.stderr.strip() or proc.stdout.strip()}"]
    return [f"{f['line']} {f['code']} {f['message']}" for f in findings if f.get("level") in ("error", "warning")]


def kube_validate(paths: Iterable[Pathish]) -> list[str]:
    """kubernetes-validate --strict on Kubernetes objects (kustomization files are skipped)."""
    files = [str(p) for p in paths if Path(p).name != "kustomization.yaml"]
    if not files:
        return []
    exe = _need("kubernetes-validate")
    proc = subprocess.run([exe, "--strict", "--quiet", "-k", KUBE_VERSION, *files],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode == 0:
        return []
    return [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()] or [f"exit {proc.returncode}"]


def compose_spec_path() -> Path | None:
    try:
        import compose  # Debian's docker-compose 1.29 ships the schema
    except ImportError:
        for cand in Path("/usr/lib/python3/dist-packages/compose/config").glob("compose_spec.json"):
            return cand
        return None
    cand = Path(compose.__file__).parent / "config" / "compose_spec.json"
    return cand if cand.exists() else None


def compose_validate(path: Pathish) -> list[str]:
    """`docker-compose config -q` (no engine needed) plus the Compose Spec JSON schema."""
    exe = _need("docker-compose")
    path = Path(path)
    problems: list[str] = []
    proc = subprocess.run([exe, "-f", path.name, "config", "-q"], cwd=path.parent, capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != 0:
        problems.append(proc.stderr.strip() or f"docker-compose exit {proc.returncode}")
    spec = compose_spec_path()
    if spec is not None:
        import jsonschema

        schema = json.loads(spec.read_text())
        data = yaml.safe_load(path.read_text())
        validator = jsonschema.Draft7Validator(schema)
        problems += [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(data)]
    return problems


def kustomize(path: Pathish) -> tuple[list[str], list[dict]]:
    """`kubectl kustomize DIR` (offline; kustomize is built into kubectl): (problems, objects)."""
    exe = _need("kubectl")
    proc = subprocess.run([exe, "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return [line for line in proc.stderr.splitlines() if line.strip()] or [f"exit {proc.returncode}"], []
    return [], [d for d in yaml.safe_load_all(proc.stdout) if d]


class Validators:
    kustomize = staticmethod(kustomize)
    hadolint = staticmethod(hadolint)
    kube_validate = staticmethod(kube_validate)
    compose_validate = staticmethod(compose_validate)


@pytest.fixture(scope="session")
def validators() -> Validators:
    return Validators()
