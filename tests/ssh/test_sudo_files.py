"""``--sudo`` reaches the file round trip and extraction; ``--no-http-checks``."""

from __future__ import annotations

import http.server
import os
import threading

import pytest

from mta.cli import main
from mta.discover.collect import discover
from mta.extract import extract_host
from mta.io import dump_model, load_model, write_atomic
from mta.model import AppPlan, Build, Extract, HostFacts, Plan

pytestmark = [pytest.mark.sshd, pytest.mark.timeout(180)]


@pytest.fixture
def root_only(tmp_path):
    """A 0700 root directory under a traversable path: only sudo can read it."""
    os.chmod(tmp_path, 0o755)
    secret_dir = tmp_path / "rootonly"
    secret_dir.mkdir(mode=0o700)
    (secret_dir / "app.conf").write_text("listen = 8080\n")
    (secret_dir / "main.py").write_text("print('hi')\n")
    return secret_dir


def test_discover_with_sudo_reads_root_only_files(sshd, sudo_users, root_only, monkeypatch):
    import mta.detect

    wanted = [str(root_only / "app.conf"), str(root_only / "*.py")]
    monkeypatch.setattr(mta.detect, "wanted_files", lambda facts: wanted)
    with sshd.transport(user="mtaok") as t:
        assert t.sudo is False  # the transport's own default says no: discover's sudo decides
        plain = discover(t, host="x", sample_seconds=0, http_checks=False)
        assert plain.file(wanted[0]) is None and plain.file(str(root_only / "main.py")) is None
        t.round_trips = 0
        facts = discover(t, host="x", sudo=True, sample_seconds=0, http_checks=False)
        assert t.round_trips == 2
    assert facts.privileged
    assert facts.file(wanted[0]).content == "listen = 8080\n"
    assert facts.file(str(root_only / "main.py")).content == "print('hi')\n"  # a glob, expanded as root


def _plan(root) -> Plan:
    app = AppPlan(name="svc", stack="python", runtime="python", code_paths=[str(root)],
                  build=Build(base_image="python:3.11-slim"), extract=Extract(include=[str(root)]))
    return Plan(host="vm1", apps=[app])


def test_extract_with_sudo_copies_root_only_files(sshd, sudo_users, root_only, tmp_path):
    ctx = tmp_path / "out" / "hosts" / "vm1" / "apps" / "svc" / "context" / str(root_only).lstrip("/")
    with sshd.transport(user="mtaok") as t:
        report = extract_host(t, _plan(root_only), tmp_path / "out" / "hosts" / "vm1")
        assert not (ctx / "main.py").exists() and report.apps[0].skipped
        report = extract_host(t, _plan(root_only), tmp_path / "out" / "hosts" / "vm1", sudo=True)
    assert not report.failed
    assert (ctx / "main.py").read_text() == "print('hi')\n"


def test_extract_cli_sudo(capsys, sshd, sudo_users, root_only, tmp_path, monkeypatch):
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    host_dir = tmp_path / "out" / "hosts" / "vm1"
    write_atomic(host_dir / "plan.yaml", dump_model(_plan(root_only)))
    rc = main(["extract", str(host_dir / "plan.yaml"), sshd.target(user="mtaok"), *sshd.cli_args(), "--sudo"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    ctx = host_dir / "apps" / "svc" / "context" / str(root_only).lstrip("/")
    assert (ctx / "app.conf").read_text() == "listen = 8080\n"


@pytest.fixture
def web_port():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.mark.parametrize("where", ["ssh", "local"])
def test_no_http_checks_option(capsys, sshd, tmp_path, monkeypatch, web_port, where):
    monkeypatch.setenv("MTA_KNOWN_HOSTS", str(sshd.known_hosts))
    out = tmp_path / "out"
    target = ["--local"] if where == "local" else [sshd.target(), *sshd.cli_args()]
    rc = main(["discover", *target, "-o", str(out), "--sample-seconds", "0", "--no-http-checks"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    (path,) = list((out / "hosts").glob("*/discovery.yaml"))
    facts = load_model(path, HostFacts)
    assert any(s.port == web_port for s in facts.sockets), "the web server is seen listening"
    assert facts.http == [], "but nothing was sent to it"
