"""``mta discover`` over a real SSH connection to this machine, with real
nginx -> gunicorn, redis and PostgreSQL running, and a process with hostile
non-UTF-8 strings in its name and environment.

One discovery over SSH and one ``--local`` discovery are shared by the
module; the read-only proof snapshots /etc, /opt, /srv and /tmp around the
SSH one.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from mta.cli import main
from mta.io import load_model
from mta.model import HostFacts

pytestmark = [pytest.mark.sshd, pytest.mark.services, pytest.mark.timeout(300)]

HOSTILE_NAME = b"\xff\xfe evil\n$(touch${IFS}mta-pwned) '\"; {{x}} \x1b[31m"  # the exe name (comm)
HOSTILE_ARGV0 = b"\xff\xfe evil\n$(touch /tmp/mta-pwned) '\"; {{x}} \x1b[31m \\ -- --help"
HOSTILE_ENV = {
    b"PATH": b"/usr/bin:/bin",
    b"EVIL_\xff": b"\x1b[31m\xff'$(touch /tmp/mta-pwned)\n: {{ x }}",
    b"DB_PASSWORD": b"hunter2-very-secret",
    b"GREETING": "ünïcödé".encode(),
}

#: Paths that change on their own, whatever discovery does: not part of the proof.
#: (podman keeps its network state under /etc/containers/networks, and its CNI
#: network configs, e.g. mta verify's per-run networks, under /etc/cni/net.d.)
CHANGES_ON_ITS_OWN = re.compile(
    r"^/etc/(mtab|adjtime|ld\.so\.cache|resolv\.conf|hostname|hosts|containers/networks/.*|cni/net\.d/.*)$"
)
#: /tmp entries made by test tooling running alongside (pytest, python tempfile).
TMP_NOISE = re.compile(r"^(pytest-of-.*|tmp[a-z0-9_]{8}|mta-(sshd|services|bench)-.*|bash_.*|\.X.*)$")
#: Other suites share /tmp (and make mta-* dirs), in CI too (.ci/run runs three
#: streams at once): only names a probe would make count (mktemp's
#: tmp.XXXXXXXXXX, probe files, the injection marker).
PROBE_LIKE = re.compile(r"^(tmp\..*|.*probe.*|.*pwned.*)$", re.I)


def snapshot() -> dict[str, tuple]:
    """Content hash (/etc, /srv) or metadata (/opt: large files) of every entry."""
    seen: dict[str, tuple] = {}
    for top, hash_content in (("/etc", True), ("/srv", True), ("/opt", False)):
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                if CHANGES_ON_ITS_OWN.match(path):
                    continue
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                meta = (stat.S_IMODE(st.st_mode), stat.S_IFMT(st.st_mode), st.st_uid, st.st_gid)
                if stat.S_ISLNK(st.st_mode):
                    seen[path] = meta + (os.readlink(path),)
                elif stat.S_ISREG(st.st_mode):
                    digest = ""
                    if hash_content and st.st_size < 8 << 20:
                        try:
                            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                        except OSError:
                            digest = "unreadable"
                    seen[path] = meta + (st.st_size, st.st_mtime_ns, digest)
                elif not stat.S_ISDIR(st.st_mode):
                    seen[path] = meta
    for name in os.listdir("/tmp"):
        if not TMP_NOISE.match(name):
            seen["/tmp/" + name] = ("tmp-entry",)
    return seen


@pytest.fixture(scope="module")
def hostile_process(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    link = os.path.join(os.fsencode(d), HOSTILE_NAME)
    os.symlink(b"/bin/sleep", link)
    proc = subprocess.Popen([HOSTILE_ARGV0, b"600"], executable=link, env=HOSTILE_ENV, start_new_session=True)
    yield proc
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(5)


def _discover_cli(args, env) -> tuple[int, str, str]:
    """Run ``mta`` in-process, capturing its output without capsys (module scope)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.setenv("HOME", env.get("HOME", "/nonexistent-home"))
        mp.delenv("SSH_AUTH_SOCK", raising=False)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(args)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def ssh_run(sshd, services, hostile_process, tmp_path_factory):
    out = tmp_path_factory.mktemp("out-ssh")
    before = snapshot()
    rc, stdout, stderr = _discover_cli(
        ["discover", sshd.target(), *sshd.cli_args(), "-o", str(out), "--sample-seconds", "1"],
        {**sshd.env, "HOME": str(tmp_path_factory.mktemp("home"))},
    )
    after = snapshot()
    path = out / "hosts" / sshd.folder() / "discovery.yaml"
    return {"rc": rc, "stdout": stdout, "stderr": stderr, "path": path, "out": out,
            "before": before, "after": after}


@pytest.fixture(scope="module")
def ssh_facts(ssh_run) -> HostFacts:
    assert ssh_run["rc"] == 0, ssh_run["stderr"]
    return load_model(ssh_run["path"], HostFacts)


@pytest.fixture(scope="module")
def local_facts(services, hostile_process, tmp_path_factory) -> HostFacts:
    out = tmp_path_factory.mktemp("out-local")
    rc, _, stderr = _discover_cli(["discover", "--local", "-o", str(out), "--sample-seconds", "1"], {})
    assert rc == 0, stderr
    (path,) = list((out / "hosts").glob("*/discovery.yaml"))
    return load_model(path, HostFacts)


def _pids_listening(facts: HostFacts, port: int) -> set[int]:
    return {s.pid for s in facts.sockets if s.port == port and s.protocol == "tcp" and s.pid}


def _family(facts: HostFacts, pid: int) -> set[int]:
    """pid and its descendants (nginx/gunicorn workers share the socket)."""
    fam, todo = set(), [pid]
    while todo:
        p = todo.pop()
        fam.add(p)
        todo += [c.pid for c in facts.children(p) if c.pid not in fam]
    return fam


def test_cli_summary_and_file(ssh_run, ssh_facts, sshd):
    assert ssh_run["path"].is_file()
    assert sshd.host in ssh_run["stdout"] and "processes" in ssh_run["stdout"]
    assert "Traceback" not in ssh_run["stderr"]
    assert ssh_facts.collector == "ssh" and ssh_facts.host == sshd.folder()
    assert ssh_facts.privileged
    # atomic write: no temp files left beside it
    assert sorted(p.name for p in ssh_run["path"].parent.iterdir()) == ["discovery.yaml"]


@pytest.mark.parametrize("name", ["nginx", "redis", "postgres", "gunicorn"])
def test_finds_each_service_with_port_process_and_config(ssh_facts, services, name):
    port, pid = services.ports[name], services.pids[name]
    owners = _pids_listening(ssh_facts, port)
    assert owners, f"no listening socket for {name} on {port}"
    assert owners & _family(ssh_facts, pid), f"{name}: port {port} owned by {owners}, expected {pid} or children"
    proc = ssh_facts.process(pid)
    assert proc is not None
    cmd = " ".join(proc.cmdline)
    expected = {
        "nginx": services.configs.get("nginx", ""),
        "redis": "redis-server",  # redis rewrites its title; its config dir shows as cwd below
        "postgres": str(services.dir / "pgdata"),
        "gunicorn": "hello:app",
    }[name]
    assert expected in cmd, f"{name}: {cmd!r}"
    if name == "postgres":
        assert proc.user == "postgres"
    if name == "redis":
        assert proc.cwd == str(services.dir / "redis")
    if name == "gunicorn":
        assert proc.cwd == str(services.app_dir)


def test_nginx_config_file_was_fetched(ssh_facts, services):
    got = ssh_facts.file(services.configs["nginx"])
    assert got is not None, [f.path for f in ssh_facts.files]
    assert "proxy_pass" in got.content


def test_http_check_saw_the_page_titles(ssh_facts, services):
    by_port = {h.port: h for h in ssh_facts.http}
    assert by_port.get(services.ports["nginx"]) is not None, (by_port, ssh_facts.http_skipped)
    assert by_port[services.ports["nginx"]].title == "mta static page"


def test_secrets_in_environments_are_masked(ssh_run, ssh_facts, services):
    text = ssh_run["path"].read_text()
    for secret in ("hunter2-very-secret", "s3cret-pw", "not-for-images"):
        assert secret not in text
    gun = ssh_facts.process(services.pids["gunicorn"])
    assert gun.env.get("APP_MODE") == "test"


def test_hostile_strings_are_data(ssh_run, ssh_facts, hostile_process):
    assert not os.path.exists("/tmp/mta-pwned")
    proc = ssh_facts.process(hostile_process.pid)
    assert proc is not None
    assert "evil" in proc.cmdline[0] and proc.cmdline[-1] == "600"
    assert proc.env.get("GREETING") == "ünïcödé"
    assert "hunter2" not in str(proc.env)
    # the YAML round-trips: every string is a YAML string, nothing became structure
    data = yaml.safe_load(ssh_run["path"].read_text())
    assert isinstance(data["processes"], list)


def test_local_discovery_agrees_on_ports_and_processes(ssh_facts, local_facts, services):
    for name, port in services.ports.items():
        pid = services.pids[name]
        assert _pids_listening(local_facts, port) & _family(local_facts, pid), name
        assert _pids_listening(ssh_facts, port) & _family(ssh_facts, pid), name
        lp, sp = local_facts.process(pid), ssh_facts.process(pid)
        assert lp is not None and sp is not None
        # nginx and redis rewrite their titles without NULs: both collectors split them alike
        assert lp.cmdline == sp.cmdline, name
        assert lp.user == sp.user
    ports_ssh = {s.port for s in ssh_facts.sockets if s.protocol == "tcp"}
    ports_local = {s.port for s in local_facts.sockets if s.protocol == "tcp"}
    assert set(services.ports.values()) <= ports_ssh & ports_local


def test_discovery_over_ssh_is_read_only(ssh_run):
    before, after = ssh_run["before"], ssh_run["after"]
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    added = [p for p in added if not p.startswith("/tmp/") or PROBE_LIKE.match(p[5:])]
    removed = [p for p in removed if not p.startswith("/tmp/")]
    changed = sorted(p for p in set(before) & set(after) if before[p] != after[p])
    assert not (added or removed or changed), {"added": added[:20], "removed": removed[:20], "changed": changed[:20]}


def _environ_bytes() -> int:
    total = 0
    for env in Path("/proc").glob("[0-9]*/environ"):
        try:
            total += len(env.read_bytes())
        except OSError:
            pass
    return total


def test_round_trips_and_probe_size(sshd, services):
    from mta.discover.collect import discover

    with sshd.transport() as t:
        facts = discover(t, host="rt", sample_seconds=0)
        assert t.round_trips <= 2
        # the probe's own output stays under 1 MB; the processes' environments come on top
        # (escaped: up to ~7x their raw size), and they are the machine's (whatever else runs
        # here, with whatever environment), not the probe's
        assert t.bytes_received < 1_000_000 + 8 * _environ_bytes()
    assert facts.processes
