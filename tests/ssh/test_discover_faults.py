"""``mta discover`` when things go wrong: each fault gives its typed one-line
error (or a correct discovery), never a traceback, never a partial file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mta.cli import main
from mta.io import load_model
from mta.model import HostFacts
from tests.support.sshd import closed_port, silent_listener

pytestmark = [pytest.mark.sshd, pytest.mark.timeout(180)]


def files_under(out) -> list[str]:
    """Output files, without the report's parse cache that discover seeds."""
    if not out.exists():
        return []
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and ".mta-cache" not in p.parts)


def run_cli(capsys, *args) -> tuple[int, str, str]:
    rc = main(list(args))
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err and "Traceback" not in cap.out
    return rc, cap.out, cap.err


def test_closed_port(capsys, tmp_path, sshd):
    out = tmp_path / "out"
    with closed_port() as port:
        rc, _, err = run_cli(capsys, "discover", f"root@127.0.0.1:{port}", *sshd.cli_args(), "-o", str(out))
    assert rc == 1
    assert "mta: error:" in err and "connection refused" in err and "hint:" in err
    assert files_under(out) == []


def test_listener_that_never_speaks_ssh(capsys, tmp_path):
    out = tmp_path / "out"
    with silent_listener() as port:
        start = time.monotonic()
        rc, _, err = run_cli(capsys, "discover", f"root@127.0.0.1:{port}", "--connect-timeout", "1", "-o", str(out))
        assert time.monotonic() - start < 30  # hang guard; the message proves the 1 s timeout
    assert rc == 1 and "no SSH banner within 1s" in err
    assert "raise --connect-timeout" in err  # the option that sets it (--timeout is per remote command)
    assert files_under(out) == []


def test_server_closing_at_once_is_one_error_line_in_a_real_process(tmp_path):
    """Run as a user runs it (its own process, no pytest log capture): paramiko's reader thread
    logs the failed handshake with a traceback, which must not reach the terminal."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]

    def close_each() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=close_each, daemon=True).start()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "MTA_SSH_CONFIG": ""}
    try:
        proc = subprocess.run([sys.executable, "-m", "mta", "discover", f"root@127.0.0.1:{port}", "--connect-timeout",
                               "2", "-o", str(tmp_path / "out")], capture_output=True, text=True, timeout=120,
                              env=env, cwd=tmp_path)
    finally:
        srv.close()
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("mta: error:")]
    assert len(errors) == 1 and f"127.0.0.1:{port}" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr and "Exception (client)" not in proc.stderr, proc.stderr
    assert "closed the connection before its SSH banner" in errors[0] and "hint:" in proc.stderr


def test_wrong_key(capsys, tmp_path, sshd, monkeypatch):
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    out = tmp_path / "out"
    rc, _, err = run_cli(capsys, "discover", sshd.target(), "-i", str(other), "-o", str(out))
    assert rc == 1 and "authentication failed for root" in err
    assert files_under(out) == []


def test_unknown_host_key_then_accept_new(capsys, tmp_path, sshd, isolated_home):
    out = tmp_path / "out"
    rc, _, err = run_cli(capsys, "discover", sshd.target(), *sshd.cli_args(), "-o", str(out))
    assert rc == 1 and "is not known" in err and sshd.host_key_fingerprint in err
    assert "--accept-new-host-key" in err
    assert files_under(out) == []


def test_changed_host_key(capsys, tmp_path, sshd, monkeypatch):
    import paramiko

    fake = paramiko.Ed25519Key.from_private_key_file(str(sshd.key_path))
    known = tmp_path / "known"
    known.write_text(f"[{sshd.host}]:{sshd.port} ssh-ed25519 {fake.get_base64()}\n")
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(known))
    out = tmp_path / "out"
    rc, _, err = run_cli(capsys, "discover", sshd.target(), *sshd.cli_args(), "--accept-new-host-key",
                         "-o", str(out))
    assert rc == 1 and "CHANGED" in err and sshd.host_key_fingerprint in err
    assert files_under(out) == []
    assert known.read_text().count("\n") == 1  # nothing recorded over it


def test_one_failing_target_does_not_stop_the_others(capsys, tmp_path, sshd, monkeypatch):
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    out = tmp_path / "out"
    with closed_port("127.0.0.9") as port:
        rc, stdout, err = run_cli(capsys, "discover", sshd.target(1), f"root@127.0.0.9:{port}", *sshd.cli_args(),
                                  "-o", str(out), "--sample-seconds", "0")
    assert rc == 3, err
    assert "connection refused" in err and "1 of 2 targets failed" in err
    assert files_under(out) == [f"hosts/{sshd.folder(1)}/discovery.yaml"]
    assert len(list((out / ".mta-cache" / "report").glob("*.json"))) == 1  # seeded for the good host only
    facts = load_model(out / "hosts" / sshd.folder(1) / "discovery.yaml", HostFacts)
    assert facts.processes
    assert facts.target == sshd.target(1) and facts.address == sshd.hosts[1]


def test_all_targets_failing_exits_1(capsys, tmp_path):
    out = tmp_path / "out"
    with closed_port("127.0.0.1") as one, closed_port("127.0.0.2") as two:
        rc, _, err = run_cli(capsys, "discover", f"root@127.0.0.1:{one}", f"root@127.0.0.2:{two}", "-o", str(out))
    assert rc == 1 and "all 2 targets failed" in err
    assert err.count("connection refused") == 2
    assert files_under(out) == []


@pytest.mark.parametrize("user,why", [("mtapw", "password"), ("mtatty", "tty")])
def test_sudo_refused_falls_back_to_unprivileged(capsys, tmp_path, sshd, sudo_users, monkeypatch, user, why):
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    out = tmp_path / "out"
    rc, _, err = run_cli(capsys, "discover", sshd.target(2, user=user), *sshd.cli_args(), "--sudo",
                         "-o", str(out), "--sample-seconds", "0")
    assert rc == 0, err
    facts = load_model(out / "hosts" / sshd.folder(2) / "discovery.yaml", HostFacts)
    sudo_errors = [e for e in facts.errors if e.section == "sudo"]
    assert sudo_errors and why in sudo_errors[0].message
    assert any("sudo" in n for n in facts.not_visible)
    assert not facts.privileged
    assert facts.processes  # what an unprivileged user sees is still there


def test_connection_cut_mid_probe_leaves_no_file(capsys, tmp_path, sshd_factory, monkeypatch):
    server = sshd_factory(hosts=["127.0.0.1"])
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(server.known_hosts))
    out = tmp_path / "out"
    result = {}

    def cut() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            # wait until the probe runs (the session shell has a child), then cut
            kids = server.children()
            busy = [k for k in kids if subprocess.run(["pgrep", "-P", str(k)], capture_output=True).stdout]
            if busy:
                time.sleep(0.5)
                for pid in kids:
                    os.kill(pid, 9)
                result["cut"] = True
                return
            time.sleep(0.05)

    th = threading.Thread(target=cut)
    th.start()
    rc, _, err = run_cli(capsys, "discover", server.target(), *server.cli_args(), "-o", str(out),
                         "--sample-seconds", "5")
    th.join()
    assert result.get("cut")
    assert rc == 1 and "connection lost" in err, err
    assert files_under(out) == []


def test_bad_target_syntax_is_a_usage_error(capsys, tmp_path):
    rc, _, err = run_cli(capsys, "discover", "user@", "-o", str(tmp_path / "out"))
    assert rc == 1 and "bad target" in err


def test_password_is_never_a_cli_option(capsys):
    rc = main(["discover", "--password", "x", "h", "-o", "o"])
    assert rc == 2


def test_ssh_config_alias_with_proxyjump(capsys, tmp_path, sshd, monkeypatch):
    """A Host alias from ssh_config (HostName, Port, User, IdentityFile, ProxyJump)."""
    cfg = tmp_path / "ssh_config"
    cfg.write_text(
        f"Host bastion\n  HostName {sshd.hosts[0]}\n  Port {sshd.port}\n  User root\n"
        f"  IdentityFile {sshd.key_path}\n"
        f"Host legacy-app\n  HostName {sshd.hosts[5]}\n  Port {sshd.port}\n  User root\n"
        f"  IdentityFile {sshd.key_path}\n  ProxyJump bastion\n"
    )
    monkeypatch.setenv("MTA_SSH_CONFIG", str(cfg))
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    out = tmp_path / "out"
    rc, stdout, err = run_cli(capsys, "discover", "legacy-app", "-o", str(out), "--sample-seconds", "0")
    assert rc == 0, err
    facts = load_model(out / "hosts" / sshd.folder(5) / "discovery.yaml", HostFacts)
    assert facts.host == sshd.folder(5) and facts.address == sshd.hosts[5] and facts.target == "legacy-app"
    assert "legacy-app" in stdout


def test_sudo_that_works_gives_a_privileged_discovery(capsys, tmp_path, sshd, sudo_users, monkeypatch):
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    out = tmp_path / "out"
    rc, _, err = run_cli(capsys, "discover", sshd.target(6, user="mtaok"), *sshd.cli_args(), "--sudo",
                         "-o", str(out), "--sample-seconds", "0")
    assert rc == 0, err
    facts = load_model(out / "hosts" / sshd.folder(6) / "discovery.yaml", HostFacts)
    assert facts.privileged and not [e for e in facts.errors if e.section == "sudo"]
    assert any(p.user == "root" and p.exe for p in facts.processes)  # root's /proc links are readable
