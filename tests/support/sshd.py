"""pytest plugin: a REAL OpenSSH server on loopback for the SSH suites.

Fixtures
--------
``sshd`` (session)
    One ``/usr/sbin/sshd -D -e`` listening on several loopback addresses
    (``127.0.0.1`` … ``127.0.0.8``) at one free high port, so a test can reach
    this machine as up to eight "hosts". It yields an :class:`SshdServer`:

    - ``host`` / ``hosts``: the first address / every address it listens on
    - ``port``, ``user`` (``root``), ``key_path`` (private key of the test user)
    - ``known_hosts``: a known_hosts file holding the server key for every address
    - ``host_key_fingerprint``: ``SHA256:…`` of the server key
    - ``target(i=0)``: ``"root@127.0.0.1:PORT"`` for the CLI
    - ``cli_args(i=0)``: CLI options (``-i``, ``-p``) plus the known_hosts env to set
    - ``transport(i=0, **kw)``: a connected-on-demand ``SSHTransport``
    - ``env``: environment variables (``MTA_KNOWN_HOSTS``) that make the CLI trust it

``sshd_factory`` (function)
    Starts extra throw-away servers for fault injection (killing
    per-connection children) or other settings:
    ``sshd_factory(options={"PasswordAuthentication": "yes"}, host_key_type="rsa",
    user_key=path, hosts=["127.0.0.1"], machine=("vm-a", "<32 hex>"))``;
    ``options`` replace the defaults; ``machine`` gives the server its own
    hostname and /etc/machine-id (a second VM behind one address).

Every server runs as root because sshd needs root to switch users. Not root:
the suites skip with the reason; with ``CI=true`` they fail instead, because
CI must exercise the real server. Servers are stopped by their pid.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import pytest

SSHD = "/usr/sbin/sshd"
LOOPBACKS = [f"127.0.0.{i}" for i in range(1, 9)]
IN_CI = os.environ.get("CI", "").lower() == "true"


@contextmanager
def silent_listener(host: str = "127.0.0.1", backlog: int = 16) -> Iterator[int]:
    """A port whose connections the kernel accepts and nobody ever answers
    (no SSH banner): yields the port, closes it afterwards."""
    srv = socket.socket()
    try:
        srv.bind((host, 0))
        srv.listen(backlog)
        yield srv.getsockname()[1]
    finally:
        srv.close()


@contextmanager
def closed_port(host: str = "127.0.0.1") -> Iterator[int]:
    """A port that refuses connections for as long as the block runs: bound
    here but never listening, so no other program can take it meanwhile (a
    port found free and let go can be taken by a busy machine's next bind)."""
    s = socket.socket()
    try:
        s.bind((host, 0))
        yield s.getsockname()[1]
    finally:
        s.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (on every loopback we use)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if port < 20000:
            continue
        try:
            for addr in LOOPBACKS:
                with socket.socket() as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    probe.bind((addr, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port found")


def unavailable(reason: str) -> None:
    """Skip outside CI, fail in CI: real infrastructure is required there."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def fingerprint_of_pubfile(pub: Path) -> str:
    blob = base64.b64decode(pub.read_text().split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@dataclass
class SshdServer:
    dir: Path
    port: int
    hosts: list[str]
    user: str
    key_path: Path
    known_hosts: Path
    host_key: Path
    pid: int
    log: Path
    host_key_fingerprint: str = ""
    env: dict[str, str] = field(default_factory=dict)
    machine_hostname: str = ""  # set when started with machine=(hostname, machine_id)

    @property
    def host(self) -> str:
        return self.hosts[0]

    def target(self, i: int = 0, user: Optional[str] = None) -> str:
        return f"{user or self.user}@{self.hosts[i]}:{self.port}"

    def folder(self, i: int = 0) -> str:
        """The OUT/hosts/<folder> ``mta discover`` picks for address ``i``:
        the machine's own hostname (the address when it has none)."""
        from mta.model.identity import PLACEHOLDER_HOSTNAMES, folder_name

        own = self.machine_hostname or Path("/proc/sys/kernel/hostname").read_text().strip()
        return folder_name(self.hosts[i] if own.lower() in PLACEHOLDER_HOSTNAMES else own)

    def cli_args(self) -> list[str]:
        """Options that make ``mta discover``/``extract`` use the test key."""
        return ["-i", str(self.key_path)]

    def transport(self, i: int = 0, **kw):
        """An SSHTransport to address ``i`` trusting this server's key."""
        from mta.transport.ssh import SSHTransport

        kw.setdefault("key_filename", str(self.key_path))
        kw.setdefault("known_hosts", [str(self.known_hosts)])
        kw.setdefault("use_agent", False)
        kw.setdefault("ssh_config", "")
        return SSHTransport(self.target(i, kw.pop("user", None)), **kw)

    def children(self) -> list[int]:
        """Pids of the per-connection sshd processes (to cut connections)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.pid)], capture_output=True, text=True)
        return [int(x) for x in out.stdout.split()]

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


def _keygen(path: Path, kind: str = "ed25519") -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "mta-test", "-f", str(path)],
        check=True,
        capture_output=True,
    )


def _wait_listening(host: str, port: int, proc: subprocess.Popen, log: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection((host, port), timeout=0.5) as s:
                s.settimeout(2)
                if s.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not listen on {host}:{port}: {log.read_text(errors='replace')[-2000:]}")


def start_sshd(
    workdir: Path,
    *,
    hosts: Optional[list[str]] = None,
    extra_config: str = "",
    options: Optional[dict[str, str]] = None,
    host_key_type: str = "ed25519",
    user_key: Optional[Path] = None,
    machine: Optional[tuple[str, str]] = None,
) -> tuple[SshdServer, subprocess.Popen]:
    """Start one sshd in ``workdir``; the caller stops it with :func:`stop_sshd`.

    ``machine=(hostname, machine_id)`` makes it another machine as far as a
    login can tell: sshd runs in its own UTS and mount namespaces (unshare)
    with that hostname and that /etc/machine-id bind-mounted, so every
    session it serves sees them, as on a second VM behind the same address."""
    if not os.path.exists(SSHD):
        unavailable(f"{SSHD} is not installed (apt-get install openssh-server)")
    if os.geteuid() != 0:
        unavailable("the real-sshd suite needs root (sshd must switch users)")
    hosts = hosts or list(LOOPBACKS)
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation dir

    host_key = workdir / f"ssh_host_{host_key_type}_key"
    _keygen(host_key, host_key_type)
    if user_key is None:
        user_key = workdir / "id_test"
        _keygen(user_key)
    auth_keys = workdir / "authorized_keys"
    auth_keys.write_text(Path(str(user_key) + ".pub").read_text())
    os.chmod(auth_keys, 0o644)

    port = free_port()
    pidfile = workdir / "sshd.pid"
    config = workdir / "sshd_config"
    settings = {
        "Port": str(port),
        "HostKey": str(host_key),
        "PidFile": str(pidfile),
        "AuthorizedKeysFile": str(auth_keys),
        "StrictModes": "no",
        "PermitRootLogin": "prohibit-password",
        "PubkeyAuthentication": "yes",
        "PasswordAuthentication": "no",
        "KbdInteractiveAuthentication": "no",
        "UsePAM": "no",
        "UseDNS": "no",
        "MaxStartups": "100:30:200",
        "MaxSessions": "50",
        "LoginGraceTime": "20",
        "LogLevel": "VERBOSE",
        "Subsystem": "sftp internal-sftp",
    }
    # sshd keeps the FIRST value of a keyword, so overrides replace defaults here
    settings.update(options or {})
    lines = [f"{k} {v}" for k, v in settings.items()] + [f"ListenAddress {h}" for h in hosts]
    config.write_text("# mta test sshd: loopback only\n" + "\n".join(lines) + "\n" + extra_config + "\n")
    test = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True)
    if test.returncode != 0:
        raise RuntimeError(f"sshd -t rejected the config: {test.stderr.strip()}")
    log = workdir / "sshd.log"
    argv = [SSHD, "-D", "-e", "-f", str(config)]
    if machine is not None:
        argv = _as_machine(workdir, *machine) + argv
    logfh = open(log, "wb")
    proc = subprocess.Popen(
        argv,
        stdout=logfh,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    logfh.close()
    try:
        _wait_listening(hosts[0], port, proc, log)
    except Exception:
        stop_sshd(proc)
        raise

    pub = Path(str(host_key) + ".pub").read_text().split()
    known = workdir / "known_hosts"
    known.write_text("".join(f"[{h}]:{port} {pub[0]} {pub[1]}\n" for h in hosts))
    server = SshdServer(
        dir=workdir,
        port=port,
        hosts=hosts,
        user="root",
        key_path=user_key,
        known_hosts=known,
        host_key=host_key,
        pid=proc.pid,
        log=log,
        host_key_fingerprint=fingerprint_of_pubfile(Path(str(host_key) + ".pub")),
        env={"MTA_KNOWN_HOSTS": str(known)},
        machine_hostname=machine[0] if machine else "",
    )
    return server, proc


def _as_machine(workdir: Path, hostname: str, machine_id: str) -> list[str]:
    """A command prefix that runs the rest as machine ``hostname``: own UTS and
    mount namespace, that hostname, that /etc/machine-id (exec keeps the pid)."""
    if not shutil.which("unshare"):
        unavailable("unshare (util-linux) is needed to give a test sshd its own hostname")
    if not Path("/etc/machine-id").is_file():
        unavailable("/etc/machine-id is missing: nothing to bind-mount a test machine-id over")
    mid = workdir / "machine-id"
    mid.write_text(machine_id + "\n")
    script = ('hostname "$1" && mount --bind "$2" /etc/machine-id && shift 2 && exec "$@"')
    return ["unshare", "--uts", "--mount", "--propagation", "private", "sh", "-c", script, "sh", hostname, str(mid)]


def stop_sshd(proc: subprocess.Popen) -> None:
    """Stop the listener by its pid; its connection children get SIGHUP/close."""
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def sshd():
    """A real OpenSSH server on 127.0.0.1-8 at one free port (see module doc)."""
    workdir = Path(tempfile.mkdtemp(prefix="mta-sshd-"))
    try:
        server, proc = start_sshd(workdir)
    except RuntimeError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        unavailable(f"cannot start sshd: {exc}")
    try:
        yield server
    finally:
        stop_sshd(proc)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def sshd_factory(tmp_path):
    """Start throw-away servers: ``sshd_factory(extra_config=..., hosts=[...])``."""
    started: list[subprocess.Popen] = []
    counter = [0]

    def make(**kw) -> SshdServer:
        counter[0] += 1
        server, proc = start_sshd(tmp_path / f"sshd{counter[0]}", **kw)
        started.append(proc)
        return server

    yield make
    for proc in started:
        stop_sshd(proc)
