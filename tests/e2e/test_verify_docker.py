"""mta verify on Docker Engine (Debian's docker.io, dockerd 20.10, started by the
suite through scripts/docker-setup.sh): the hand-written DIR, one clear error
when no daemon answers, and the setup script's idempotence."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from mta.cli import main

from ..support.docker import SETUP_SCRIPT, docker_cmd

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

HANDMADE = Path(__file__).parent / "fixtures" / "handmade"


def leftovers(run_id: str) -> list[str]:
    label = f"label=io.mta.verify={run_id}"
    out = []
    for argv in (["ps", "-aq", "--filter", label], ["network", "ls", "-q", "--filter", label],
                 ["volume", "ls", "-q", "--filter", label]):
        out += docker_cmd(*argv).stdout.decode().split()
    return out


@pytest.fixture
def handmade(tmp_path, docker_env):
    d = tmp_path / "handmade"
    shutil.copytree(HANDMADE, d)
    (d / "secrets").mkdir()
    (d / "secrets" / "web-token").write_text("tok-123456\n")
    return d


def test_verify_handmade_dir_on_docker(handmade, capsys):
    assert main(["verify", str(handmade), "--engine", "docker"]) == 0
    out = capsys.readouterr().out
    assert "Verify Demo" in out and "healthcheck" in out and "cleanup" not in out
    report = json.loads((handmade / "verify.json").read_text())
    assert report["ok"] is True and report["engine"] == "docker"
    host = report["hosts"][0]
    assert host["notes"] == []  # nothing left to clean up by hand
    web = next(s for s in host["services"] if s["name"] == "web")
    assert web["build"] == "ok" and web["image_bytes"] > 50e6 and web["naive_bytes"] > web["image_bytes"]
    assert web["ready"] == "ok" and web["ready_by"] == "healthcheck"
    assert web["smoke"] == {**web["smoke"], "status": "ok", "http_status": 200, "title": "Verify Demo"}
    cache = next(s for s in host["services"] if s["name"] == "cache")
    assert cache["ready"] == "ok" and cache["ready_by"] == "healthcheck"
    assert "tok-123456" not in (handmade / "verify.json").read_text()
    assert leftovers(host["run_id"]) == []
    # the images were built by this daemon, FROM the base image the setup loaded
    assert docker_cmd("image", "inspect", web["image"], check=False).returncode == 0


def test_no_daemon_is_one_clear_error(handmade, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    assert main(["verify", str(handmade), "--engine", "docker"]) != 0
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert text.count("Cannot connect to the Docker daemon") == 1, text
    assert f"not reachable at unix://{tmp_path}/nothing.sock" in text
    assert "hint:" in text and "DOCKER_HOST" in text
    assert not (handmade / "verify.json").exists()  # nothing was attempted


def test_setup_script_is_idempotent(docker):
    again = subprocess.run(["bash", str(SETUP_SCRIPT)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"DOCKER_HOST={docker.host}"
    assert "running at" in again.stderr and "started dockerd" not in again.stderr
    assert "base image" in again.stderr and "present" in again.stderr
    assert subprocess.run(["bash", str(SETUP_SCRIPT), "status"], timeout=60).returncode == 0
    # the extra names generated Dockerfiles may use resolve to the same image
    ids = {docker_cmd("image", "inspect", "--format", "{{.Id}}", ref).stdout.strip()
           for ref in ("debian:bookworm-slim", "debian:bookworm", "debian:12-slim", "debian:12")}
    assert len(ids) == 1
