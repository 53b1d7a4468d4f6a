"""The real probe on this machine, under dash and busybox sh, with hostile processes."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
import yaml

from mta.discover.collect import discover
from mta.discover.local import discover_local
from mta.discover.parse import build_facts, split_output
from mta.discover.script import ALL_SECTIONS, probe_script
from mta.io import dump_model
from mta.model import SECRET_MARKER, HostFacts
from mta.transport.local import LocalTransport

HOSTILE_ARGS = [
    "multi\nline arg",
    "quote's \"double\"",
    "{{ jinja }} {% raw %}",
    "$(touch /tmp/pwned) `id` ; rm -rf / && | > <",
    "===MTA:deadbeef:S fake",
    "",
    "tab\there",
]
HOSTILE_ENV = {
    "MTA_HOSTILE_NL": "a\nb",
    "MTA_HOSTILE_TPL": "{{ x }}$(id)",
    "MTA_DB_PASSWORD": "hunter2",
    "MTA_URL": "https://bob:pa55@example.com/x",
}


@pytest.fixture(scope="module")
def hostile_process(tmp_path_factory):
    """A running process whose name, argv and environment are hostile (incl. invalid UTF-8)."""
    d = tmp_path_factory.mktemp("hostile")
    link = d / "ev'il\n{{x}}$(id)"
    os.symlink(sys.executable, link)
    argv = [os.fsencode(link), b"-c", b"import time; time.sleep(3600)"]
    argv += [a.encode() for a in HOSTILE_ARGS] + [b"bad-\xff\xfe-bytes"]
    env = {k.encode(): v.encode() for k, v in HOSTILE_ENV.items()}
    env[b"MTA_BAD_BYTES"] = b"x\xffy"
    env[b"PATH"] = b"/usr/bin:/bin"
    proc = subprocess.Popen(argv, env=env, cwd=d)
    time.sleep(0.3)
    yield proc
    proc.kill()
    proc.wait()


def _serve(answer):
    """A threaded web server on a free loopback port; ``answer(path, port)`` gives
    (status, headers, body) for each GET. The caller shuts it down."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            status, headers, body = answer(self.path, self.server.server_address[1])
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def web_port():
    # a CMS's inline styles push its text past the first 32 KiB (WordPress: ~40 KiB of <head>)
    body = (b"<html><head><title>Probe &amp; Test</title><style>" + b"p{margin:0}" * 4000
            + b"</style></head><body><p>Kept past a large head</p></body></html>")
    server = _serve(lambda path, port: (200, {"Content-Type": "text/html; charset=utf-8"}, body))
    yield server.server_address[1]
    server.shutdown()


def _expected_argv():
    return ["-c", "import time; time.sleep(3600)", *HOSTILE_ARGS, "bad-\ufffd\ufffd-bytes"]


def _check_hostile(facts: HostFacts, proc) -> None:
    p = facts.process(proc.pid)
    assert p is not None, "hostile process not discovered"
    assert p.cmdline[1:] == _expected_argv()
    assert "ev'il" in p.name
    assert p.env["MTA_HOSTILE_NL"] == "a\nb"
    assert p.env["MTA_HOSTILE_TPL"] == "{{ x }}$(id)"
    assert p.env["MTA_DB_PASSWORD"] == SECRET_MARKER
    assert p.env["MTA_URL"] == f"https://bob:{SECRET_MARKER}@example.com/x"
    assert p.env["MTA_BAD_BYTES"] == "x\ufffdy"
    # discovery.yaml keeps every byte of it as data
    again = HostFacts.model_validate(yaml.safe_load(dump_model(facts)))
    assert again.process(proc.pid) == p
    assert not os.path.exists("/tmp/pwned")


def _plausible(facts: HostFacts) -> None:
    assert facts.os.id != "unknown" and facts.os.kernel and facts.os.hostname
    assert facts.hardware.cpu_count >= 1 and facts.hardware.memory_bytes > 0
    assert any(u.name == "root" and u.uid == 0 for u in facts.users)
    assert any(m.mountpoint == "/" for m in facts.mounts)
    assert len(facts.processes) > 3
    assert facts.packages, "dpkg/rpm database read"
    me = facts.process(os.getpid())
    assert me is not None and me.cmdline and me.exe
    assert not facts.errors, facts.errors


SHELLS = {"dash": ["dash", "-s"], "busybox": ["busybox", "sh", "-s"]}
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(tool: str) -> str:
    """Path of ``tool``; skip without it, but fail in CI, which installs tests/apt-packages.txt."""
    path = shutil.which(tool)
    if path is None:
        if IN_CI:
            pytest.fail(f"{tool} missing in CI (tests/apt-packages.txt lists it)")
        pytest.skip(f"{tool} not installed (tests/apt-packages.txt lists it)")
    return path


@pytest.mark.parametrize("beside", [1, 0], ids=["http-beside", "http-after"])
@pytest.mark.parametrize("batch", [1, 0], ids=["batched", "per-process"])
@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_probe_runs_under_posix_shells(shell, batch, beside, hostile_process, web_port):
    """batched: grep -z/find -printf reads; per-process: the fallback for hosts without them.
    http-beside: the HTTP checks run beside the other sections (a pipe), as by default."""
    need(SHELLS[shell][0])
    script = f"BATCH={batch}\nBESIDE={beside}\n" + probe_script(http_ports=[web_port])
    res = LocalTransport().run(SHELLS[shell], stdin=script.encode(), timeout=120)
    assert res.exit_status == 0, res.stderr[-2000:]
    facts = build_facts(res.stdout, host="here", collector="local")
    _plausible(facts)
    _check_hostile(facts, hostile_process)
    assert facts.utilization.source in ("proc-sample", "sysstat") and facts.utilization.samples
    assert facts.process(hostile_process.pid).cpu_percent is not None
    # per-section times, in the order they ran: the sample's section last, as
    # it started before the others (its first reading precedes meta's date)
    assert list(facts.probe.timings) == [s for s in ALL_SECTIONS if s != "utilization"] + ["utilization", "total"]
    blocks = split_output(res.stdout).sections
    if facts.utilization.source == "proc-sample":
        sample = blocks["utilization"].blocks["sample"]
        first = float(sample.split("\n")[0].removeprefix("T "))
        assert int(first) <= int(blocks["meta"].blocks["meta"].split("date=")[1].split()[0])
        # the probe's own CPU grows over the window, the side running the HTTP checks included
        ticks = [int(line.split()[1]) for line in sample.splitlines() if line.startswith("P ")]
        assert len(ticks) >= 2 and ticks[-1] > ticks[0], sample
    assert [(h.port, h.status, h.title) for h in facts.http] == [(web_port, 200, "Probe & Test")]
    assert "Kept past a large head" in facts.http[0].fingerprint
    sock = [s for s in facts.sockets if s.port == web_port]
    assert sock and sock[0].pid == os.getpid()


class CountingTransport(LocalTransport):
    def __init__(self):
        super().__init__("counted")
        self.runs = 0
        self.reads: list[list[str]] = []

    def run(self, *a, **kw):
        self.runs += 1
        return super().run(*a, **kw)

    def read_files(self, paths, *, max_bytes=1 << 20, **kw):
        self.reads.append(list(paths) + list(kw.get("patterns", ())))
        runs = self.runs
        try:
            return super().read_files(paths, max_bytes=max_bytes, **kw)
        finally:
            self.runs = runs  # LocalTransport reads through run(): still one round trip


def test_discover_two_round_trips_and_masked_files(tmp_path, hostile_process, monkeypatch):
    envfile = tmp_path / "app.env"
    envfile.write_text("DB_HOST=db\nDB_PASSWORD=s3cret\nexport API_TOKEN='abc'\nURL=mysql://u:pw@h/db\n")
    import mta.detect

    monkeypatch.setattr(mta.detect, "wanted_files", lambda facts: [str(envfile), "/nonexistent/file"], raising=False)
    t = CountingTransport()
    facts = discover(t, sample_seconds=0, http_checks=False)
    assert t.runs == 1 and len(t.reads) == 1, "probe + one read_files round trip"
    assert facts.collector == "local" and facts.host == "counted"
    _check_hostile(facts, hostile_process)
    f = facts.file(str(envfile))
    assert f is not None and "s3cret" not in f.content and "abc" not in f.content and "pw@" not in f.content
    assert "DB_HOST=db" in f.content and f"DB_PASSWORD={SECRET_MARKER}" in f.content
    assert facts.file("/nonexistent/file") is None


def test_wanted_files_failure_is_recorded(monkeypatch):
    import mta.detect

    def boom(facts):
        raise RuntimeError("detector bug")

    monkeypatch.setattr(mta.detect, "wanted_files", boom, raising=False)
    facts = discover(LocalTransport(), sample_seconds=0, http_checks=False)
    assert any(e.section == "files" and "detector bug" in e.message for e in facts.errors)
    assert facts.processes


def test_discover_local_psutil(hostile_process):
    facts = discover_local(sample_seconds=1, http_checks=False)
    assert facts.collector == "local" and facts.privileged == (os.geteuid() == 0)
    _plausible(facts)
    _check_hostile(facts, hostile_process)
    assert facts.utilization.source == "psutil" and facts.utilization.samples


def _run_probe_text(script: str) -> HostFacts:
    res = LocalTransport().run(["sh", "-s"], stdin=script.encode(), timeout=120)
    return build_facts(res.stdout, host="x")


def test_failing_section_is_recorded_and_the_rest_continues():
    script = probe_script(sample_seconds=0, http_checks=False).replace(
        "sec_users() { fblk /etc/passwd; }", "sec_users() { echo 'users exploded' >&2; exit 3; }"
    )
    assert "users exploded" in script
    facts = _run_probe_text(script)
    assert [e.section for e in facts.errors] == ["users"]
    assert "users exploded" in facts.errors[0].message
    assert facts.users == [] and facts.processes and facts.packages and facts.os.id != "unknown"


def test_truncated_section_is_recorded():
    facts = _run_probe_text("SECTION_CAP=3000\n" + probe_script(sample_seconds=0, http_checks=False))
    truncated = {e.section for e in facts.errors if "truncated" in e.message}
    assert "processes" in truncated and "packages" in truncated
    assert facts.os.id != "unknown" and facts.users


def test_cut_short_output_is_recorded():
    res = LocalTransport().run(["sh", "-s"], stdin=probe_script(sample_seconds=0, http_checks=False).encode())
    half = res.stdout[: len(res.stdout) // 2]
    facts = build_facts(half, host="x")
    assert any(e.section == "probe" for e in facts.errors)
    assert facts.os.id != "unknown"


def test_parser_exception_becomes_error(monkeypatch):
    from mta.discover.parsers import packages

    def broken(blocks):
        raise ValueError("bad rpm line")

    monkeypatch.setattr(packages, "parse", broken)
    res = LocalTransport().run(["sh", "-s"], stdin=probe_script(sample_seconds=0, http_checks=False).encode())
    facts = build_facts(res.stdout, host="x")
    assert [e.section for e in facts.errors] == ["packages"] and "bad rpm line" in facts.errors[0].message
    assert facts.packages == [] and facts.processes


NOBODY_SCRIPT = """
import json, os
from mta.discover.local import discover_local
f = discover_local(sample_seconds=0, http_checks=False, file_requests=False)
print(json.dumps({"privileged": f.privileged, "not_visible": f.not_visible, "uid": os.geteuid(),
                  "n": len(f.processes), "root_envs": [p.env for p in f.processes if p.uid == 0 and p.env]}))
"""
#: what ``from mta.discover.local import discover_local`` imports outside the stdlib
NOBODY_PACKAGES = ("mta", "pydantic", "pydantic_core", "typing_extensions", "annotated_types",
                   "typing_inspection", "psutil")


def _readable_copy_of_packages() -> str:
    """Copy the packages into a world-readable dir: this python's own may sit under /root."""
    import importlib.util
    import tempfile

    root = tempfile.mkdtemp(prefix="mta-nobody-", dir="/tmp")
    os.chmod(root, 0o755)
    for name in NOBODY_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        src = os.path.dirname(spec.origin) if spec.submodule_search_locations else spec.origin
        dst = os.path.join(root, os.path.basename(src))
        if os.path.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "tests"))
        else:
            shutil.copy2(src, dst)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)
    return root


def test_discover_local_unprivileged_records_not_visible(hostile_process):
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to drop to nobody")
    import json

    pkgs = _readable_copy_of_packages()
    try:
        res = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-I", "-c",
             f"import sys; sys.path.insert(0, {pkgs!r})\n" + NOBODY_SCRIPT],
            capture_output=True, text=True, timeout=120, cwd="/",
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
    finally:
        shutil.rmtree(pkgs, ignore_errors=True)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["uid"] == 65534 and out["privileged"] is False and out["n"] > 0
    assert any("processes" in n for n in out["not_visible"]), out["not_visible"]
    assert out["root_envs"] == [], "environments of root's processes are not readable by nobody"


def test_probe_as_nobody_hides_other_users_details(hostile_process):
    """The SSH-as-unprivileged-user case: the probe itself run as nobody."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to drop to nobody")
    script = probe_script(sample_seconds=0, http_checks=False)
    res = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-s"],
        input=script.encode(), capture_output=True, timeout=120, cwd="/",
    )
    assert res.returncode == 0, res.stderr[-2000:]
    facts = build_facts(res.stdout, host="x")
    assert facts.privileged is False
    assert any("processes of other users" in n for n in facts.not_visible)
    p = facts.process(hostile_process.pid)
    assert p is not None and p.cmdline[1:] == _expected_argv()
    assert p.env == {} and p.cwd == "" and p.exe == ""
    assert p.user == "root"


def test_workers_sharing_their_parents_name_skip_the_environment(tmp_path):
    """Pre-fork servers: the master's environment is read once, not per worker
    (same name, exe and command line as the parent: a fork)."""
    link = tmp_path / "mtaworker"
    os.symlink(sys.executable, link)
    parent = subprocess.Popen(
        [str(link), "-c", "import os, time; os.fork() == 0 and time.sleep(60); time.sleep(60)"],
        env={"PATH": "/usr/bin:/bin", "MTA_MARK": "master"},
    )
    facts = None
    try:
        time.sleep(0.5)
        facts = _run_probe_text(probe_script(sample_seconds=0, http_checks=False, sections=["meta", "processes"]))
        master = facts.process(parent.pid)
        workers = facts.children(parent.pid)
        assert master is not None and master.env.get("MTA_MARK") == "master"
        assert len(workers) == 1 and workers[0].name == "mtaworker" and workers[0].env == {}
    finally:
        for p in facts.children(parent.pid) if facts else []:
            try:
                os.kill(p.pid, 9)
            except ProcessLookupError:
                pass
        parent.kill()
        parent.wait()


@pytest.mark.parametrize("netstat", [True, False], ids=["busybox-netstat", "proc-net"])
def test_busybox_only_host(tmp_path, netstat, web_port):
    """Only busybox applets on PATH (no ss, no GNU find, no curl): every fallback path."""
    bb = need("busybox")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    applets = subprocess.run([bb, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for name in applets:
        if name == "netstat" and not netstat:
            continue
        os.symlink(bb, bindir / name)
    script = f"PROBE_PATH={bindir}\n" + probe_script(http_ports=[web_port])
    res = LocalTransport().run([bb, "sh", "-s"], stdin=script.encode(), timeout=120)
    assert res.exit_status == 0, res.stderr[-2000:]
    out = res.stdout
    facts = build_facts(out, host="bb")
    assert not facts.errors, facts.errors
    netstat_p = subprocess.run([bb, "netstat", "-tulpn"], capture_output=True).returncode == 0
    assert (b"B netstat-listen" in out) == (netstat and netstat_p)
    assert (b"B proc-net tcp" in out) == (not (netstat and netstat_p))
    assert b"B links" not in out  # busybox find has no -printf: per-process readlink
    me = facts.process(os.getpid())
    assert me is not None and me.exe and me.cmdline
    sock = [s for s in facts.sockets if s.port == web_port]
    assert sock and sock[0].pid == os.getpid()
    assert [(h.port, h.status, h.title) for h in facts.http] == [(web_port, 200, "Probe & Test")]
    assert facts.utilization.samples and facts.os.id != "unknown"


SADC = "/usr/lib/sysstat/sadc"


def test_sysstat_history_is_read_with_sadf(tmp_path):
    """Real sadc data files read back by the probe's sadf, parsed as utilization."""
    need("sadf")
    if not os.path.exists(SADC):
        pytest.fail(f"{SADC} missing although sadf is installed")
    day = time.strftime("%d")
    subprocess.run([SADC, "1", "3", str(tmp_path / f"sa{day}")], check=True, timeout=30)
    script = f"SA_DIRS={tmp_path}\n" + probe_script(
        sample_seconds=0, http_checks=False, sections=["meta", "hardware", "utilization"])
    res = LocalTransport().run(["sh", "-s"], stdin=script.encode(), timeout=60)
    facts = build_facts(res.stdout, host="x")
    assert not facts.errors, facts.errors
    util = facts.utilization
    assert util.source == "sysstat" and len(util.samples) == 2 and util.interval_seconds == 1.0
    now = time.time()
    for s in util.samples:
        assert abs(s.timestamp - now) < 120 and 0 <= s.cpu_percent <= 100
        assert 0 < s.mem_used_bytes < facts.hardware.memory_bytes



@pytest.mark.parametrize("seconds", [0, 1])
def test_the_live_sample_spans_the_probe_and_waits_only_when_asked(tmp_path, seconds):
    """Counters read first and last: by default the sample is the probe's own
    run (nothing waits); --sample-seconds N makes it at least N seconds. The
    readings in between are a step apart, and the last never leaves a sliver."""
    script = f"SA_DIRS={tmp_path}\n" + probe_script(sample_seconds=seconds, http_checks=False)
    res = LocalTransport().run(["sh", "-s"], stdin=script.encode(), timeout=120)
    facts = build_facts(res.stdout, host="x", collector="local")
    util = facts.utilization
    assert util.source == "proc-sample" and util.samples, res.stdout[-2000:]
    total = facts.probe.timings["total"]
    if seconds:
        assert util.duration_seconds >= seconds - 0.02 and total >= seconds
        assert len(util.samples) >= 3  # a step is a quarter second under 2 s
    else:
        assert util.duration_seconds <= total + 0.02  # inside the probe's run
    stamps = [s.timestamp for s in util.samples]
    assert all(b - a >= 0.12 for a, b in zip(stamps, stamps[1:])), stamps
    assert any(p.cpu_percent is not None for p in facts.processes)
    assert f"sample_seconds={seconds}\n".encode() in res.stdout


_LISTENERS = r"""
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)  # PR_SET_NAME: what ss -p shows
socks = []
for _ in range(int(sys.argv[2])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks), flush=True)
sys.stdin.read()
"""


@pytest.fixture
def listeners():
    """Start a process named NAME holding N silent listening sockets; yields
    its ports. Everything started here is ended here, by pid."""
    procs = []

    def start(name: str, count: int) -> list[int]:
        proc = subprocess.Popen([sys.executable, "-c", _LISTENERS, name, str(count)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        return [int(p) for p in proc.stdout.readline().split()]

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_http_checks_go_to_the_web_server_first(shell, tmp_path, listeners):
    """A host with more listeners than HTTP_MAX_PORTS: the web server's port
    is checked, the rest are recorded as skipped with the reason."""
    need(SHELLS[shell][0])
    bb = need("busybox")
    from tests.support.sshd import free_port

    others = listeners("mta-listener", 30)  # unrelated programs, on ports that mean nothing
    apps = listeners("python3", 4)  # an app runtime's ports: after the web server's, before the rest
    cache = listeners("redis-server", 1)  # a daemon that does not speak HTTP
    (tmp_path / "index.html").write_text("<html><head><title>busybox web</title></head></html>\n")
    web = free_port()
    httpd = subprocess.Popen([bb, "httpd", "-f", "-p", f"127.0.0.1:{web}", "-h", str(tmp_path)])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                import socket

                socket.create_connection(("127.0.0.1", web), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        # only the ports this test opened are candidates: the machine's own listeners are not our business
        script = "HTTP_MAX_PORTS=3\n" + probe_script(
            sample_seconds=0, sections=["meta", "http"], http_ports=[*others, *apps, *cache, web])
        res = LocalTransport().run(SHELLS[shell], stdin=script.encode(), timeout=120)
        assert res.exit_status == 0, res.stderr[-2000:]
        facts = build_facts(res.stdout, host="here", collector="local")
    finally:
        httpd.kill()
        httpd.wait()
    checked = {h.port: h for h in facts.http}
    assert web in checked and checked[web].status == 200 and checked[web].title == "busybox web", checked
    assert len(checked) == 3 and set(checked) - {web} == set(sorted(apps)[:2])
    skipped = {s.port: s.reason for s in facts.http_skipped}
    assert skipped[cache[0]] == "not-http-daemon"
    assert {p for p, r in skipped.items() if r == "budget"} == set(others) | set(sorted(apps)[2:])
    assert cache[0] not in checked
    # and discovery.yaml carries the list
    data = yaml.safe_load(dump_model(facts))
    assert {"port": cache[0], "reason": "not-http-daemon"} in data["http_skipped"]


def _redirecting_server(location: str):
    """A web server whose "/" answers 301 to ``location`` (``{port}``: its own
    port) and whose other paths answer a page naming the path."""

    def answer(path: str, port: int):
        if path == "/":
            return 301, {"Location": location.format(port=port)}, b""
        page = f"<html><head><title>Wiki</title></head><body><p>page {path}</p></body></html>".encode()
        return 200, {"Content-Type": "text/html"}, page

    return _serve(answer)


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_root_redirect_on_the_same_server_is_followed_once(shell):
    """MediaWiki's "/" answers 301 to /index.php?title=Main_Page: the content is
    there, so the check records that path; a redirect off the server is not followed."""
    need(SHELLS[shell][0])
    need("curl")
    cases = {
        "relative": ("/index.php?title=Main_Page", "/index.php?title=Main_Page"),
        "absolute": ("http://127.0.0.1:{port}/wiki/Main_Page", "/wiki/Main_Page"),
        "localhost": ("http://localhost:{port}/", "/"),
        "off-host": ("http://example.org/wiki/Main_Page", None),
        "other-port": ("http://127.0.0.1:1/elsewhere", None),
        "https": ("https://127.0.0.1:{port}/secure", None),
    }
    servers = {name: _redirecting_server(loc) for name, (loc, _) in cases.items()}
    try:
        ports = {name: s.server_address[1] for name, s in servers.items()}
        script = "HTTP_MAX_PORTS=10\n" + probe_script(sample_seconds=0, sections=["meta", "http"],
                                                      http_ports=sorted(ports.values()))
        res = LocalTransport().run(SHELLS[shell], stdin=script.encode(), timeout=120)
        assert res.exit_status == 0, res.stderr[-2000:]
        facts = build_facts(res.stdout, host="here", collector="local")
    finally:
        for s in servers.values():
            s.shutdown()
            s.server_close()
    got = {h.port: h for h in facts.http}
    for name, (_, path) in cases.items():
        check = got[ports[name]]
        if path is None or path == "/":
            assert (check.path, check.status) == ("/", 301), (name, check)
        else:
            assert (check.path, check.status, check.title) == (path, 200, "Wiki"), (name, check)
            assert f"page {path}" in check.fingerprint, (name, check.fingerprint)
