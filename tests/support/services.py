"""pytest plugin: real nginx, redis, PostgreSQL and a gunicorn Flask app.

Fixture ``services`` (session) starts, on 127.0.0.1 at free ports and with
every file under one temp dir:

- ``gunicorn`` serving ``tests/ssh/app/hello.py`` (copied to ``<tmp>/srv/hello``)
  with ``DATABASE_URL``/``SECRET_KEY`` in its environment;
- ``nginx`` (own config) serving a static page with ``<title>mta static page</title>``
  at ``/`` and proxying ``/app/`` to gunicorn;
- ``redis-server`` with its own config file and dir;
- PostgreSQL 15: ``initdb`` as the postgres user (``runuser -u postgres``),
  ``pg_ctl start`` with the unix socket in the temp dir.

It yields a :class:`Services` with ``ports`` (name -> port), ``pids`` (name ->
main pid), ``configs`` (name -> config file path), ``dir`` and ``app_dir``.
Everything is stopped by pid at the end of the session. Needs root (postgres
runs as its own user); not root: skip; ``CI=true``: fail instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .sshd import free_port, unavailable

APP_SRC = Path(__file__).resolve().parent.parent / "ssh" / "app"

NGINX_CONF = """\
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/nginx-tmp/body;
    proxy_temp_path {dir}/nginx-tmp/proxy;
    fastcgi_temp_path {dir}/nginx-tmp/fastcgi;
    uwsgi_temp_path {dir}/nginx-tmp/uwsgi;
    scgi_temp_path {dir}/nginx-tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
        location / {{ index index.html; }}
        location /app/ {{
            proxy_pass http://127.0.0.1:{app_port}/;
            proxy_set_header Host $host;
        }}
    }}
}}
"""

REDIS_CONF = """\
bind 127.0.0.1
port {port}
dir {dir}/redis
pidfile {dir}/redis.pid
logfile {dir}/redis.log
daemonize no
save ""
appendonly no
"""


@dataclass
class Services:
    dir: Path
    app_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    configs: dict[str, str] = field(default_factory=dict)
    pg_bin: str = ""


def _wait_port(port: int, what: str, proc: subprocess.Popen | None = None, log: Path | None = None,
               timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port}: {_tail(log)}")


def _tail(log: Path | None) -> str:
    if log is None:
        return ""
    try:
        return log.read_text(errors="replace")[-1500:]
    except OSError:
        return ""


def _stop(pid: int, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Stop one process we started, by pid; SIGKILL if it lingers."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                return
        except ChildProcessError:  # not our child (postmaster): poll for existence
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _gunicorn() -> list[str]:
    """The gunicorn script itself (process name "gunicorn", as on a VM): the
    test interpreter's when it has gunicorn and flask, else Debian's
    (apt-get install gunicorn python3-flask). Empty when neither is there."""
    try:
        import flask  # noqa: F401
        import gunicorn  # noqa: F401

        script = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        return [script] if os.access(script, os.X_OK) else [sys.executable, "-m", "gunicorn"]
    except ImportError:
        pass
    if os.access("/usr/bin/gunicorn", os.X_OK) and subprocess.run(
        ["/usr/bin/python3", "-c", "import flask"], capture_output=True
    ).returncode == 0:
        return ["/usr/bin/gunicorn"]
    return []


def _pg_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    return os.path.dirname(found[-1])


def start_services(root: Path) -> tuple[Services, list[tuple[int, int]]]:
    """Start all four; returns the Services and (pid, stop signal) to stop."""
    stops: list[tuple[int, int]] = []
    os.chmod(root, 0o755)
    svc = Services(dir=root, app_dir=root / "srv" / "hello")
    env_base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    try:
        # gunicorn + flask
        shutil.copytree(APP_SRC, svc.app_dir)
        app_port = free_port()
        app_log = root / "gunicorn.log"
        with open(app_log, "wb") as log:
            gun = subprocess.Popen(
                _gunicorn() + ["--bind", f"127.0.0.1:{app_port}", "--workers", "1",
                 "--pid", str(root / "gunicorn.pid"), "--chdir", str(svc.app_dir), "hello:app"],
                cwd=svc.app_dir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**env_base, "DATABASE_URL": "postgresql://app:s3cret-pw@127.0.0.1/app",
                     "SECRET_KEY": "not-for-images", "APP_MODE": "test"},
            )
        stops.append((gun.pid, signal.SIGTERM))
        _wait_port(app_port, "gunicorn", gun, app_log)
        svc.ports["gunicorn"], svc.pids["gunicorn"] = app_port, gun.pid

        # nginx in front of it
        nginx_port = free_port()
        (root / "www").mkdir()
        (root / "www" / "index.html").write_text(
            "<html><head><title>mta static page</title></head><body>static</body></html>\n"
        )
        (root / "nginx-tmp").mkdir()
        conf = root / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=root, port=nginx_port, app_port=app_port))
        ngx = subprocess.Popen(
            ["/usr/sbin/nginx", "-c", str(conf), "-p", str(root), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=open(root / "nginx-stderr.log", "wb"), stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        stops.append((ngx.pid, signal.SIGQUIT))
        _wait_port(nginx_port, "nginx", ngx, root / "nginx-stderr.log")
        svc.ports["nginx"], svc.pids["nginx"], svc.configs["nginx"] = nginx_port, ngx.pid, str(conf)

        # redis
        redis_port = free_port()
        (root / "redis").mkdir()
        rconf = root / "redis.conf"
        rconf.write_text(REDIS_CONF.format(dir=root, port=redis_port))
        red = subprocess.Popen(
            ["/usr/bin/redis-server", str(rconf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        stops.append((red.pid, signal.SIGTERM))
        _wait_port(redis_port, "redis-server", red, root / "redis.log")
        svc.ports["redis"], svc.pids["redis"], svc.configs["redis"] = redis_port, red.pid, str(rconf)

        # PostgreSQL as its own user
        pg_bin = _pg_bin()
        svc.pg_bin = pg_bin
        pgdata, pgsock = root / "pgdata", root / "pgsock"
        pgdata.mkdir(mode=0o700)
        pgsock.mkdir()
        shutil.chown(pgdata, "postgres", "postgres")
        shutil.chown(pgsock, "postgres", "postgres")
        run = ["runuser", "-u", "postgres", "--"]
        init = subprocess.run(run + [f"{pg_bin}/initdb", "-D", str(pgdata), "-A", "trust", "-U", "postgres"],
                              capture_output=True, text=True)
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip()[-800:]}")
        pg_port = free_port()
        pg_log = root / "postgres.log"
        pg_log.touch()
        shutil.chown(pg_log, "postgres", "postgres")
        start = subprocess.run(
            run + [f"{pg_bin}/pg_ctl", "-D", str(pgdata), "-l", str(pg_log), "-w", "-t", "30", "-o",
                   f"-p {pg_port} -k {pgsock} -c listen_addresses=127.0.0.1", "start"],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        pid_file = pgdata / "postmaster.pid"
        if pid_file.exists():
            pg_pid = int(pid_file.read_text().split()[0])
            stops.append((pg_pid, signal.SIGINT))  # SIGINT = fast shutdown
        if start.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {start.stderr.strip()[-500:]} {_tail(pg_log)}")
        _wait_port(pg_port, "postgres", None, pg_log)
        svc.ports["postgres"], svc.pids["postgres"] = pg_port, pg_pid
        svc.configs["postgres"] = str(pgdata / "postgresql.conf")
    except BaseException:
        stop_services(stops)
        raise
    return svc, stops


def stop_services(stops: list[tuple[int, int]]) -> None:
    for pid, sig in reversed(stops):
        _stop(pid, sig)


@pytest.fixture(scope="session")
def services():
    """Real nginx -> gunicorn, redis and PostgreSQL on loopback (see module doc)."""
    if os.geteuid() != 0:
        unavailable("the services suite needs root (PostgreSQL runs as the postgres user)")
    for exe in ("/usr/sbin/nginx", "/usr/bin/redis-server"):
        if not os.path.exists(exe):
            unavailable(f"{exe} is not installed")
    if not _gunicorn():
        unavailable("gunicorn and flask are needed (pip install gunicorn flask, or apt-get install "
                    "gunicorn python3-flask)")
    root = Path(tempfile.mkdtemp(prefix="mta-services-"))
    try:
        svc, stops = start_services(root)
    except RuntimeError as exc:
        shutil.rmtree(root, ignore_errors=True)
        unavailable(f"cannot start services: {exc}")
    try:
        yield svc
    finally:
        stop_services(stops)
        shutil.rmtree(root, ignore_errors=True)
