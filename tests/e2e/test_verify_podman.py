"""mta verify against real podman on a hand-written DIR (independent of the
generator): success, a failing smoke test, and Ctrl-C, each leaving nothing
behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from mta.cli import main

from ..support.podman import RUNTIME, podman_cmd

pytestmark = [pytest.mark.podman, pytest.mark.timeout(900)]

HANDMADE = Path(__file__).parent / "fixtures" / "handmade"


def leftovers(run_id: str) -> list[str]:
    label = f"label=io.mta.verify={run_id}"
    out = []
    for argv in (["ps", "-aq", "--filter", label], ["network", "ls", "-q", "--filter", label],
                 ["volume", "ls", "-q", "--filter", label]):
        out += podman_cmd(*argv).stdout.decode().split()
    return out


@pytest.fixture
def handmade(tmp_path, podman):
    d = tmp_path / "handmade"
    shutil.copytree(HANDMADE, d)
    return d


def test_verify_handmade_dir(handmade, capsys):
    (handmade / "secrets").mkdir()
    (handmade / "secrets" / "web-token").write_text("tok-123456\n")
    assert main(["verify", str(handmade), "--runtime", RUNTIME]) == 0
    out = capsys.readouterr().out
    assert "Verify Demo" in out and "healthcheck" in out
    report = json.loads((handmade / "verify.json").read_text())
    assert report["ok"] is True
    host = report["hosts"][0]
    web = next(s for s in host["services"] if s["name"] == "web")
    assert web["build"] == "ok" and web["image_bytes"] > 50e6 and web["naive_bytes"] > web["image_bytes"]
    assert web["ready"] == "ok" and web["ready_seconds"] is not None
    assert web["smoke"] == {**web["smoke"], "status": "ok", "http_status": 200, "title": "Verify Demo"}
    assert "tok-123456" not in (handmade / "verify.json").read_text()
    assert leftovers(host["run_id"]) == []


def test_failing_smoke_exits_3_and_cleans_up(handmade, capsys):
    plan = yaml.safe_load((handmade / "plan.yaml").read_text())
    plan["apps"][0]["readiness"]["expect_title"] = "Something Else"
    (handmade / "plan.yaml").write_text(yaml.safe_dump(plan))
    assert main(["verify", str(handmade), "--runtime", RUNTIME, "--json", str(handmade / "v.json")]) == 3
    report = json.loads((handmade / "v.json").read_text())
    web = next(s for s in report["hosts"][0]["services"] if s["name"] == "web")
    assert web["smoke"]["status"] == "fail" and "expected 'Something Else'" in web["smoke"]["detail"]
    assert leftovers(report["hosts"][0]["run_id"]) == []


def test_interrupt_removes_everything(handmade):
    compose = yaml.safe_load((handmade / "compose.yaml").read_text())
    compose["services"]["web"]["healthcheck"] = {"test": ["CMD", "false"]}  # never ready
    (handmade / "compose.yaml").write_text(yaml.safe_dump(compose))
    proc = subprocess.Popen(
        [sys.executable, "-m", "mta", "verify", str(handmade), "--runtime", RUNTIME, "--timeout", "300"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "160"},
        # Ctrl-C as at a terminal: a suite started in the background (`.ci/run &`)
        # inherits SIGINT ignored, and a process that ignores it rightly keeps going
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    run_id = ""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        got = podman_cmd("ps", "--filter", "label=io.mta.verify", "--format",
                         '{{index .Labels "io.mta.verify"}} {{.Names}}').stdout.decode().split("\n")
        web = [line.split()[0] for line in got if line.strip().endswith("-web")]
        if web:
            run_id = web[0]
            break
        time.sleep(1)
    assert run_id, proc.communicate()[0].decode()[-2000:]
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    # the command running at the interrupt ends its own way first (SIGINT, up to 30 s)
    out = proc.communicate(timeout=180)[0].decode()
    assert proc.returncode == 130, out[-2000:]
    assert f"interrupted: removing what run {run_id} started" in out
    assert leftovers(run_id) == []


def test_setup_script_is_idempotent_and_keeps_other_settings(podman, tmp_path):
    from ..support.podman import SETUP_SCRIPT

    conf = tmp_path / "containers.conf"
    conf.write_text('[containers]\nlog_driver = "k8s-file"\n\n[network]\nnetwork_backend = "netavark"\n')
    env = {**os.environ, "MTA_CONTAINERS_CONF": str(conf)}
    first = subprocess.run(["bash", str(SETUP_SCRIPT)], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    text = conf.read_text()
    assert 'log_driver = "k8s-file"' in text and 'network_backend = "netavark"' in text
    assert text.count("[containers]") == 1 and "default_ulimits = []" in text
    assert '[engine]\ncgroup_manager = "cgroupfs"' in text
    again = subprocess.run(["bash", str(SETUP_SCRIPT)], capture_output=True, text=True, env=env)
    assert again.returncode == 0 and conf.read_text() == text
    assert "present" in again.stderr and "debootstrap" not in again.stderr
    assert again.stdout.strip() == podman.base_image
