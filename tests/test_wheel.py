"""The wheel carries the templates: build it, install it into a fresh venv
outside the source tree, and run `mta generate` from there."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mta.io import dump_model

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"


def _discovery(tmp: Path) -> Path:
    samples = sorted((ROOT / "samples").glob("*/discovery.yaml"))
    for s in samples:
        if "bare" not in s.parent.name:
            return s
    from tests.render.fixtures import shop_host

    facts, _ = shop_host()
    path = tmp / "discovery.yaml"
    path.write_text(dump_model(facts))
    return path


@pytest.mark.timeout(600)
def test_wheel_installs_and_generates(tmp_path):
    if importlib.util.find_spec("build") is None:
        (pytest.fail if IN_CI else pytest.skip)("python -m build is not installed")
    dist = tmp_path / "dist"
    # --no-isolation reuses the installed hatchling instead of downloading one
    no_iso = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", *no_iso, "--outdir", str(dist), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    wheel = next(dist.glob("mta-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for t in ("mta/templates/docker/Dockerfile.j2", "mta/templates/k8s/object.yaml.j2",
              "mta/templates/compose/compose.yaml.j2", "mta/templates/runbook/README.md.j2",
              "mta/estimate/prices.yaml"):  # the report's offline price tables
        assert t in names, t

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    proc = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--force-reinstall",
                           str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run([str(py), "-c", "import mta, mta.templates_path as t; print(mta.__file__); "
                            "print(t.templates_dir())"], cwd=work, capture_output=True, text=True, env=env)
    mod, tdir = where.stdout.split()
    assert mod.startswith(str(venv)) and tdir.startswith(str(venv)), where.stdout
    assert not tdir.startswith(str(ROOT))

    disc = _discovery(tmp_path)
    proc = subprocess.run([str(venv / "bin" / "mta"), "generate", str(disc), "-o", str(work / "out")],
                          cwd=work, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    host_dir = next((work / "out" / "hosts").iterdir())
    assert (host_dir / "README.md").read_text().strip()
    assert list(host_dir.glob("apps/*/Dockerfile"))
