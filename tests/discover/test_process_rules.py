"""Which environments the probe reads, and command lines both collectors agree on."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from mta.discover.local import collect_processes
from mta.discover.parse import build_facts
from mta.discover.parsers.processes import normalize_cmdline
from mta.discover.script import probe_script
from mta.transport.local import LocalTransport

from .test_probe_live import SHELLS, need

SUPERVISOR = r"""
import os, subprocess, sys, time
if sys.argv[1:] == ["app"]:
    time.sleep(600)
    sys.exit()
subprocess.Popen([sys.executable, __file__, "app"], env=dict(os.environ, MTA_APP_ENV="app"))
if os.fork() == 0:  # a pre-fork worker: same name, exe and command line
    time.sleep(600)
    os._exit(0)
time.sleep(600)
"""


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(x) for x in fh.read().split()]


@pytest.fixture
def supervisor(tmp_path):
    """A python supervisor starting a python app (own command line) and forking a worker."""
    script = tmp_path / "sup.py"
    script.write_text(SUPERVISOR)
    proc = subprocess.Popen([sys.executable, str(script)], env=dict(os.environ, MTA_SUP_ENV="sup"))
    deadline = time.monotonic() + 30  # hang guard; python starts in well under a second
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    kids = _children(proc.pid)
    assert len(kids) == 2
    with open(f"/proc/{kids[0]}/cmdline", "rb") as fh:
        app, worker = kids if fh.read().endswith(b"app\0") else kids[::-1]
    yield proc.pid, app, worker
    for pid in (app, worker, proc.pid):
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    proc.wait()


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_env_of_an_app_started_by_a_same_named_supervisor(supervisor, shell):
    need(SHELLS[shell][0])
    sup, app, worker = supervisor
    script = probe_script(sample_seconds=0, http_checks=False, sections=["meta", "processes"])
    res = LocalTransport().run(SHELLS[shell], stdin=script.encode(), timeout=120)
    facts = build_facts(res.stdout, host="x")
    assert facts.process(sup).env.get("MTA_SUP_ENV") == "sup"
    assert facts.process(app).env.get("MTA_APP_ENV") == "app", "python app under a python supervisor"
    assert facts.process(worker).env == {}, "a real pre-fork worker is skipped"
    assert facts.process(worker).cmdline == facts.process(sup).cmdline


def test_normalize_cmdline_like_psutil():
    assert normalize_cmdline(["nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf"]) == [
        "nginx:", "master", "process", "/usr/sbin/nginx", "-c", "/etc/nginx/nginx.conf"]
    assert normalize_cmdline(["redis-server 127.0.0.1:6379", "", "", ""]) == ["redis-server", "127.0.0.1:6379"]
    assert normalize_cmdline(["python3", "a b.py", ""]) == ["python3", "a b.py"]
    assert normalize_cmdline(["", ""]) == [] and normalize_cmdline([]) == []


@pytest.fixture
def retitled(tmp_path):
    """redis rewrites its title into one NUL-padded string."""
    exe = need("redis-server")
    sock = tmp_path / "r.sock"
    proc = subprocess.Popen([exe, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30  # hang guard; python starts in well under a second
    while not sock.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield proc.pid
    proc.kill()
    proc.wait()


@pytest.mark.parametrize("batch", [1, 0], ids=["batched", "per-process"])
def test_probe_and_psutil_agree_on_a_rewritten_title(retitled, batch):
    with open(f"/proc/{retitled}/cmdline", "rb") as fh:
        raw = fh.read()
    assert b" " in raw.rstrip(b"\0") and b"\0" not in raw.rstrip(b"\0"), raw
    script = f"BATCH={batch}\n" + probe_script(sample_seconds=0, http_checks=False, sections=["meta", "processes"])
    res = LocalTransport().run(["sh", "-s"], stdin=script.encode(), timeout=120)
    probed = build_facts(res.stdout, host="x").process(retitled)
    local = next(p for p in collect_processes()[0] if p.pid == retitled)
    assert probed.cmdline == local.cmdline
    assert probed.cmdline[0].endswith("redis-server") and len(probed.cmdline) >= 2
