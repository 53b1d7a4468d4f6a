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

from .pty_driver import CTRL_C, DOWN, ENTER, UP, Wizard

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


def drive_defaults(w: Wizard, until: str, *, back_once_at_review: bool = False, skip_apps: bool = False) -> list[str]:
    """Answer every prompt with its default until a prompt containing
    ``until``; optionally choose Back once at the review step's Next, or
    skip every app."""
    nexts = 0
    went_back = False
    skipped: set[str] = set()
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
        if skip_apps and msg.endswith(": what to do") and msg not in skipped:
            skipped.add(msg)
            w.send(DOWN, ENTER)  # "skip it"; the next time round Enter keeps it
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


def test_ctrl_c_at_the_first_prompt(tmp_path):
    out = tmp_path / "out"
    w = Wizard(["wizard", "--discovery", str(DISCOVERY), "-o", str(out)], cwd=str(tmp_path))
    try:
        w.expect_prompt("Next")
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


def test_review_back_merge_list_one_base_summary_and_edit(tmp_path):
    """Back inside the per-app review, a merge list without skipped apps, the base
    image asked once for the host, the summary screen's Edit, and a rename."""
    needs("mta.pipeline")
    out = tmp_path / "out"
    w = Wizard(["wizard", "--discovery", str(DISCOVERY), "-o", str(out)], cwd=str(tmp_path))
    try:
        whats = []
        while len(whats) < 2:
            msg = w.next_prompt()
            assert msg is not None, w.text()[-3000:]
            if msg.endswith(": what to do"):
                whats.append(msg)
                if len(whats) == 2:
                    break
            w.send(ENTER)
        w.send(UP, ENTER)  # the last choice: back to the previous app
        assert w.next_prompt() == whats[0]
        first = whats[0].split(":")[0]
        w.send(DOWN, ENTER)  # skip the first app this time
        assert w.next_prompt() == whats[1]
        w.child.expect("back to")  # the choices are drawn
        w._read()
        choices = w.text().rsplit(whats[1], 1)[1]
        assert "merge its processes into" in choices  # the apps still kept are offered
        assert f"merge its processes into {first}" not in choices  # skipped: nothing to merge into
        w.send(ENTER)
        drive_defaults(w, "Write the artifacts")
        assert "Your choices" in w.text() and "skipped (stays on the VM)" in w.text()
        w.send(DOWN, DOWN, ENTER)  # Edit the apps
        assert w.next_prompt() == whats[0]
        w.send(DOWN, ENTER)  # from its answer (skip) one down: rename it
        w.expect_prompt(f"{first}: name")
        w.type_line("legacy-shop")
        assert w.next_prompt() == whats[0]  # the same app's choices again
        w.send(ENTER)  # its answer (skip) is kept
        drive_defaults(w, "Write the artifacts")
        assert f"{first} → legacy-shop" in w.text()
        w.send(ENTER)
        assert w.next_prompt() is None  # offline: no extract to offer
        assert w.wait_exit() == 0, w.text()[-3000:]
    finally:
        w.kill()
    assert not any(p.endswith(": base image") for p in w.prompts)  # not per app …
    assert w.prompts.count("base image") == 2  # … once for the host, per pass through the targets
    assert f"apps.{first}.name: legacy-shop" in (out / "mta-answers.yaml").read_text()


# -- against a real sshd ---------------------------------------------------

TEST_USER = "mtawiz"


def needs_discover() -> None:
    needs("mta.discover.collect")


@pytest.fixture
def password_sshd(sshd_factory):
    """A throw-away sshd that also takes a password for one test user.

    The suite's shared sshd is key-only; password login is enabled here for
    ``mtawiz`` alone with a Match block (sshd keeps the first value of a
    keyword, so the key-only defaults above it cannot simply be overridden)."""
    import secrets

    created = subprocess.run(["id", TEST_USER], capture_output=True).returncode != 0
    if created:
        res = subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", TEST_USER], capture_output=True, text=True)
        if res.returncode != 0:
            pytest.fail(f"cannot create test user: {res.stderr.strip()}") if IN_CI else pytest.skip(f"cannot create test user: {res.stderr.strip()}")
    password = "Pw-" + secrets.token_urlsafe(12)
    subprocess.run(["chpasswd"], input=f"{TEST_USER}:{password}\n", text=True, check=True, capture_output=True)
    try:
        server = sshd_factory(hosts=["127.0.0.1"], extra_config=f"Match User {TEST_USER}\n    PasswordAuthentication yes\n")
        yield server, password
    finally:
        if created:
            subprocess.run(["userdel", "--remove", TEST_USER], capture_output=True)


@pytest.mark.sshd
def test_ssh_run_with_wrong_password_retry_replays(password_sshd, tmp_path):
    needs("mta.pipeline")
    needs_discover()
    server, password = password_sshd
    out = tmp_path / "out"
    known = tmp_path / "known_hosts"  # empty: the wizard must ask to trust the key
    known.write_text("")
    env = {"MTA_KNOWN_HOSTS": str(known), "MTA_SSH_CONFIG": "", "HOME": str(tmp_path), "SSH_AUTH_SOCK": ""}
    w = Wizard(["wizard", f"{TEST_USER}@127.0.0.1:{server.port}", "-o", str(out)], env=env, cwd=str(tmp_path), timeout=60)
    try:
        w.expect_prompt("Host")
        w.send(ENTER)
        w.expect_prompt("User")
        w.send(ENTER)  # taken from the target
        w.expect_prompt("Log in with")
        w.send(DOWN, DOWN, ENTER)  # a password
        w.expect_prompt("sudo")
        w.send("n")
        w.expect_prompt("Jump host")
        w.send(ENTER)
        w.expect_prompt("Password for")
        w.type_line("not-the-password", clear=False)
        w.expect_prompt("Trust this host key")
        w.send("y")
        w.expect_prompt("Password for")  # the wrong password is asked again
        assert "authentication failed" in w.text()
        w.type_line(password, clear=False)
        # this machine's apps are many: skip them all, so the extract offered at the end copies nothing
        drive_defaults(w, "Write the artifacts", back_once_at_review=True, skip_apps=True)
        assert w.text().count("2. Discovery") == 2  # went Back once; discovery is not run again
        assert f"connected to 127.0.0.1:{server.port} as {TEST_USER}" in w.text()
        assert "Your choices" in w.text()  # the summary before anything is written
        w.send(ENTER)
        w.expect_prompt("Pull the apps' files from the VM now")
        w.send("y")
        msg = w.next_prompt()  # verify is offered when an engine answers
        if msg is not None:
            assert "Build and test the containers now" in msg
            w.send("n")
            assert w.next_prompt() is None
            assert "Later: mta verify" in w.text()
        else:
            assert not IN_CI, "CI has podman: verify should have been offered"
            assert "mta verify not offered" in w.text()
        assert w.wait_exit() == 0, w.text()[-3000:]
    finally:
        w.kill()
    assert password not in w.text()
    answers = (out / "mta-answers.yaml").read_text()
    assert password not in answers and "not-the-password" not in answers
    assert "auth: password" in answers
    assert known.read_text().strip(), "the trusted key was recorded"
    hosts = [p.name for p in (out / "hosts").iterdir()]
    assert len(hosts) == 1
    assert_replays(out, hosts[0], tmp_path)


@pytest.mark.sshd
def test_defaults_over_ssh_without_a_terminal(sshd, tmp_path):
    needs("mta.pipeline")
    needs_discover()
    out = tmp_path / "out"
    env = dict(os.environ, **sshd.env, MTA_SSH_CONFIG="")
    res = subprocess.run(
        [sys.executable, "-m", "mta", "wizard", "--defaults", sshd.target(), *sshd.cli_args(), "-o", str(out), "--set", "targets.swarm=false"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=150,
    )
    assert res.returncode == 0, res.stderr
    assert "targets.swarm: false" in (out / "mta-answers.yaml").read_text()
    hosts = [p.name for p in (out / "hosts").iterdir()]
    assert_replays(out, hosts[0], tmp_path)

    # the answers file remembers how to log in: a re-run needs no TARGET
    again = subprocess.run(
        [sys.executable, "-m", "mta", "wizard", "--answers", str(out / "mta-answers.yaml"), "-o", str(tmp_path / "again")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=150,
    )
    assert again.returncode == 0, again.stderr
    assert "targets.swarm: false" in (tmp_path / "again" / "mta-answers.yaml").read_text()
