"""The backing-service images ``mta generate --base debian`` writes, built from
the local Debian base and run on real podman the way compose.yaml runs them
(its uid, a read-only root with tmpfs, a named volume, secrets as files and
*_FILE variables): each starts on an empty volume, runs /docker-entrypoint-initdb.d
(MariaDB .sql/.sql.gz, PostgreSQL .sql and a pg_dump -Fc .dump, RabbitMQ's
definitions.json with a user's password hash, taken back by `extract --data`), runs its server
as PID 1 under the official uid, stops cleanly on SIGTERM/SIGINT and keeps its
data across a restart. Figures (image size, build and ready time) are printed."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from mta.dataextract import DataExtractor
from mta.model import App, HostFacts, Plan, PortSpec, Socket
from mta.plan import make_plan
from mta.render import render_host
from mta.transport.local import LocalTransport

from ..render.cases import write
from ..support.podman import RUNTIME, context_hash, podman_cmd

pytestmark = [pytest.mark.podman, pytest.mark.timeout(1500)]

LABEL = "io.mta.test=backing"
ROOT_PW = "r00t'pw\\x \"$HOME\""  # quotes, a backslash and a dollar reach the server verbatim
APP_PW = "app'pw\\\" $(id)"
SERVICES = {"maria": ("mariadb", 3306), "pg": ("postgresql", 5432), "cache": ("redis", 6379),
            "mc": ("memcached", 11211), "mq": ("rabbitmq", 5672)}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """apps/<svc>/ as `mta generate --base debian` writes them, with the plan."""
    facts = HostFacts(host="data-01", collector="sample",
                      sockets=[Socket(protocol="tcp", address="127.0.0.1", port=port, pid=20 + i)
                               for i, (_, port) in enumerate(SERVICES.values())])
    apps = [App(name=name, role="backing", stack=stack, pids=[20 + i], ports=[PortSpec(port=port)])
            for i, (name, (stack, port)) in enumerate(SERVICES.items())]
    plan = make_plan(facts, apps, base="debian")
    root = write(render_host(facts, plan), tmp_path_factory.mktemp("backing"))
    return plan, root


FIGURES: dict[str, dict[str, float]] = {}


def build(root: Path, name: str) -> str:
    """The image of apps/<name>/, cached by a hash of its context."""
    ctx = root / "apps" / name
    tag = f"localhost/mta-e2e/backing-{name}:{context_hash(ctx)}"
    fig = FIGURES.setdefault(name, {})
    if podman_cmd("image", "exists", tag, check=False).returncode != 0:
        started = time.monotonic()
        podman_cmd("build", "--runtime", RUNTIME, "-t", tag, str(ctx), timeout=1500)
        fig["build_s"] = round(time.monotonic() - started, 1)
    fig["size_mb"] = round(int(podman_cmd("image", "inspect", "--format", "{{.Size}}", tag).stdout) / 1e6, 1)
    return tag


class Service:
    """One container run as compose.yaml runs it, removed (with its volume) at the end."""

    def __init__(self, plan, name: str, image: str, tmp: Path, *, env=None, secrets=None, initdb: Path | None = None):
        self.app = plan.app(name)
        self.name = f"mta-backing-{name}-{uuid.uuid4().hex[:8]}"
        self.volume = self.name + "-data"
        argv = ["run", "-d", "--runtime", RUNTIME, "--name", self.name, "--label", LABEL,
                "--user", str(self.app.run_as_user), "--read-only", "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges"]
        # the service's tmpfs list, as compose.yaml has it (U=true: podman's tmpfs is root's 0755)
        for path in ["/tmp"] + [p for p in self.app.build.writable if p not in [v.path for v in self.app.volumes]]:
            argv += ["--mount", f"type=tmpfs,dst={path},U=true"]
        for v in self.app.volumes:
            podman_cmd("volume", "create", "--label", LABEL, self.volume)
            argv += ["-v", f"{self.volume}:{v.path}"]
        for key, value in (secrets or {}).items():
            f = tmp / f"{name}-{key}"
            f.write_text(value + "\n")  # a trailing newline, as editors leave it
            f.chmod(0o444)
            argv += ["-v", f"{f}:/run/secrets/{key}:ro", "-e", f"{key}_FILE=/run/secrets/{key}"]
        for k, v in (env or {}).items():
            argv += ["-e", f"{k}={v}"]
        if initdb is not None:
            argv += ["-v", f"{initdb}:/docker-entrypoint-initdb.d:ro"]
        started = time.monotonic()
        podman_cmd(*argv, image)
        self.ready_s = self.wait_ready(started)

    def wait_ready(self, started: float, timeout: float = 180) -> float:
        probe = self.app.readiness
        while time.monotonic() - started < timeout:
            if probe.kind == "exec":
                ok = self.exec(*probe.command, check=False).returncode == 0
            else:  # memcached: the port answers
                ok = self.exec("bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{probe.port}", check=False).returncode == 0
            if ok:
                return round(time.monotonic() - started, 1)
            state = podman_cmd("inspect", "--format", "{{.State.Running}}", self.name).stdout.decode().strip()
            assert state == "true", self.logs()
            time.sleep(0.3)
        raise AssertionError(f"{self.name} not ready in {timeout} s:\n{self.logs()}")

    def exec(self, *argv: str, env=None, check=True):
        flags = [x for k, v in (env or {}).items() for x in ("-e", f"{k}={v}")]
        return podman_cmd("exec", *flags, self.name, *argv, check=check, timeout=120)

    def out(self, *argv: str, env=None) -> str:
        return self.exec(*argv, env=env).stdout.decode().strip()

    def logs(self, tail: int = 3000) -> str:
        proc = podman_cmd("logs", self.name, check=False)
        text = (proc.stdout + proc.stderr).decode("utf-8", "replace")
        return text[-tail:] if tail else text  # 0: all of it

    def restart(self) -> float:
        """Stop (the image's STOPSIGNAL, to PID 1), check the clean exit, start again."""
        podman_cmd("stop", "-t", "60", self.name, timeout=120)
        code = podman_cmd("inspect", "--format", "{{.State.ExitCode}}", self.name).stdout.decode().strip()
        assert code == "0", f"unclean stop ({code}):\n{self.logs()}"
        started = time.monotonic()
        podman_cmd("start", self.name)
        return self.wait_ready(started)

    def remove(self) -> None:
        podman_cmd("rm", "-f", "-t", "0", self.name, check=False)
        podman_cmd("volume", "rm", "-f", self.volume, check=False)

    def assert_runs_as(self, uid: int, server: str) -> None:
        assert self.out("id", "-u") == str(uid)
        assert self.out("cat", "/proc/1/comm") == server  # the server itself is PID 1: it gets the signals
        assert self.out("sh", "-c", "stat -c %u /proc/1") == str(uid)


@pytest.fixture
def service(generated, podman, tmp_path):
    plan, root = generated
    started: list[Service] = []

    def start(name: str, **kw) -> Service:
        s = Service(plan, name, build(root, name), tmp_path, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.remove()


def report(name: str, svc: Service, restart_s: float) -> None:
    fig = FIGURES[name]
    fig.update(ready_s=svc.ready_s, restart_ready_s=restart_s)
    print(f"\n[figures] {name}: image {fig['size_mb']} MB, build "
          f"{fig.get('build_s', 'cached')} s, ready {svc.ready_s} s (empty volume, init), "
          f"{restart_s} s after a restart")


def test_mariadb_contract(service, tmp_path):
    initdb = tmp_path / "initdb-maria"
    initdb.mkdir()
    (initdb / "01-schema.sql").write_text("CREATE TABLE t (v VARCHAR(40));\nINSERT INTO t VALUES ('from-sql');\n")
    (initdb / "02-more.sql.gz").write_bytes(gzip.compress(b"INSERT INTO t VALUES ('from-sql-gz');\n"))
    (initdb / "03-hook.sh").write_text('echo "hook saw database $MARIADB_DATABASE" >&2\n')
    initdb.chmod(0o755)
    for f in initdb.iterdir():
        f.chmod(0o644)
    db = service("maria", initdb=initdb, env={"MARIADB_DATABASE": "shop", "MYSQL_USER": "shop"},
                 secrets={"MARIADB_ROOT_PASSWORD": ROOT_PW, "MARIADB_PASSWORD": APP_PW})
    db.assert_runs_as(999, "mariadbd")
    logs = db.logs(tail=0)
    assert "hook saw database shop" in logs and "GENERATED ROOT PASSWORD" not in logs
    assert ROOT_PW not in logs and APP_PW not in logs

    def query(sql: str, user="shop", pw=APP_PW, check=True):
        return db.exec("mariadb", "-h", "127.0.0.1", "-u", user, "-N", "-B", "shop", "-e", sql,
                       env={"MYSQL_PWD": pw}, check=check)

    assert query("SELECT v FROM t ORDER BY v").stdout.decode().split() == ["from-sql", "from-sql-gz"]
    assert query("SELECT 1", pw="wrong", check=False).returncode != 0
    assert query("SELECT CURRENT_USER()", user="root", pw=ROOT_PW).stdout.decode().strip() == "root@%"
    query("INSERT INTO t VALUES ('written-in-container')")
    restart_s = db.restart()
    assert query("SELECT v FROM t ORDER BY v").stdout.decode().split() == \
        ["from-sql", "from-sql-gz", "written-in-container"]  # kept, and the init scripts did not run again
    assert db.logs(tail=0).count("initializing an empty") == 1
    report("maria", db, restart_s)


def pg_dump_archive(image: str, tmp: Path) -> Path:
    """A custom-format dump (pg_dump -Fc) made by the image's own server, as `extract --data` takes one."""
    script = ("initdb -D /tmp/d -U vmowner >/dev/null && pg_ctl -D /tmp/d -o \"-c listen_addresses=''\" -w start "
              ">/dev/null && psql -q -U vmowner -d postgres -c \"CREATE TABLE dumped (v text); "
              "INSERT INTO dumped VALUES ('from-dump')\" && pg_dump -Fc -U vmowner -d postgres")
    proc = podman_cmd("run", "--rm", "--runtime", RUNTIME, "--user", "999", "--label", LABEL,
                      "--entrypoint", "sh", image, "-c", script, timeout=300)
    path = tmp / "02-data.dump"
    path.write_bytes(proc.stdout)
    assert proc.stdout.startswith(b"PGDMP")
    return path


def test_postgres_contract(service, generated, tmp_path):
    plan, root = generated
    initdb = tmp_path / "initdb-pg"
    initdb.mkdir()
    (initdb / "01-schema.sql").write_text("CREATE TABLE t (v text);\nINSERT INTO t VALUES ('from-sql');\n")
    pg_dump_archive(build(root, "pg"), initdb)
    initdb.chmod(0o755)
    for f in initdb.iterdir():
        f.chmod(0o644)
    db = service("pg", initdb=initdb, env={"POSTGRES_USER": "app", "POSTGRES_DB": "appdb"},
                 secrets={"POSTGRES_PASSWORD": APP_PW})
    db.assert_runs_as(999, "postgres")
    assert APP_PW not in db.logs(tail=0)

    def query(sql: str, pw=APP_PW, check=True):
        # over TCP, so the password is checked (scram-sha-256, as the official image sets up)
        return db.exec("psql", "-h", "127.0.0.1", "-U", "app", "-d", "appdb", "-At", "-c", sql,
                       env={"PGPASSWORD": pw}, check=check)

    assert query("SELECT v FROM t").stdout.decode().split() == ["from-sql"]
    assert query("SELECT v FROM dumped").stdout.decode().split() == ["from-dump"]
    # restored without the VM's roles: the objects belong to POSTGRES_USER
    assert query("SELECT tableowner FROM pg_tables WHERE tablename = 'dumped'").stdout.decode().strip() == "app"
    hba = db.out("sh", "-c", 'tail -n 1 "$PGDATA/pg_hba.conf"')
    assert hba == "host all all all scram-sha-256"
    assert db.out("stat", "-c", "%u %a", "/var/lib/postgresql/data") == "999 700"
    query("INSERT INTO t VALUES ('written-in-container')")
    restart_s = db.restart()
    assert query("SELECT v FROM t ORDER BY v").stdout.decode().split() == ["from-sql", "written-in-container"]
    assert db.logs(tail=0).count("initializing an empty") == 1
    report("pg", db, restart_s)


def test_redis_contract(service):
    cache = service("cache")
    cache.assert_runs_as(999, "redis-server")
    assert cache.out("redis-cli", "config", "get", "dir").split() == ["dir", "/data"]
    assert cache.out("redis-cli", "config", "get", "protected-mode").split() == ["protected-mode", "no"]
    assert cache.out("redis-cli", "set", "greeting", "kept") == "OK"
    restart_s = cache.restart()  # SIGTERM: redis saves its RDB on the way down
    assert cache.out("redis-cli", "get", "greeting") == "kept"
    assert cache.out("stat", "-c", "%u %a", "/data/dump.rdb") == "999 600"
    report("cache", cache, restart_s)


def test_memcached_contract(service):
    mc = service("mc")
    mc.assert_runs_as(11211, "memcached")
    answer = mc.out("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/11211; printf 'version\\r\\n' >&3; head -n 1 <&3")
    assert answer.startswith("VERSION 1.6")
    restart_s = mc.restart()
    report("mc", mc, restart_s)


def rabbit_hash(password: str, salt: bytes = b"mta1") -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def test_rabbitmq_contract(service, generated, tmp_path, monkeypatch):
    """definitions.json (what `extract --data` takes of a broker) is imported on an empty data dir:
    the VM's user logs in with its old password, known only by its hash; `extract --data` takes
    the same definitions back through the broker's own rabbitmqctl; a later start keeps what the
    broker holds (a user deleted since stays deleted)."""
    plan, _ = generated
    initdb = tmp_path / "initdb-mq"
    initdb.mkdir()
    defs = {"users": [{"name": "vault", "password_hash": rabbit_hash(APP_PW), "tags": [], "limits": {},
                       "hashing_algorithm": "rabbit_password_hashing_sha256"}],
            "vhosts": [{"name": "orders"}],
            "permissions": [{"user": "vault", "vhost": "orders", "configure": ".*", "write": ".*", "read": ".*"}],
            "queues": [{"name": "work", "vhost": "orders", "durable": True, "auto_delete": False, "arguments": {}}]}
    (initdb / "definitions.json").write_text(json.dumps(defs))
    initdb.chmod(0o755)
    (initdb / "definitions.json").chmod(0o644)
    mq = service("mq", initdb=initdb)
    # RabbitMQ's own start script stays PID 1, as in the official image: it passes SIGTERM on to the node
    mq.assert_runs_as(999, "rabbitmq-server")

    def login(pw: str):
        return mq.exec("rabbitmqctl", "-q", "authenticate_user", "vault", pw, check=False).returncode

    # the probe (rabbitmq-diagnostics ping, as the official image's) answers once the Erlang node
    # runs; the definitions are imported by a boot step of the broker after that
    mq.exec("rabbitmqctl", "-q", "await_startup")
    assert login(APP_PW) == 0 and login("wrong") != 0
    # the VM's guest (if it came along) stays a localhost-only account, as RabbitMQ has it by default
    assert "loopback_users" not in mq.out("cat", "/var/lib/rabbitmq/mta-rabbitmq.conf")
    assert mq.out("rabbitmqctl", "-q", "list_queues", "-p", "orders", "name").split() == ["name", "work"]

    # extract --data on the "VM": its own rabbitmqctl, reached as the SSH session would run it
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "rabbitmqctl").write_text(f'#!/bin/sh\nexec {shutil.which("podman")} exec -i {mq.name} rabbitmqctl "$@"\n')
    (shim / "rabbitmqctl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}:{os.environ['PATH']}")
    out = tmp_path / "out"
    report_ = DataExtractor(LocalTransport("vm1"), Plan(host="vm1", apps=[plan.app("mq")]), out).run()
    assert not report_.failed, report_.failed
    taken = out / "data" / "mq" / "definitions.json"
    assert oct(taken.stat().st_mode & 0o777) == "0o600"  # password hashes: a secret like the dumps
    users = {u["name"]: u for u in json.loads(taken.read_text())["users"]}
    assert users["vault"]["password_hash"] == rabbit_hash(APP_PW)
    assert rabbit_hash(APP_PW) not in mq.logs(tail=0)

    mq.exec("rabbitmqctl", "-q", "delete_user", "vault")
    restart_s = mq.restart()
    mq.exec("rabbitmqctl", "-q", "await_startup")
    assert login(APP_PW) != 0  # not imported again: the volume holds the broker's own state
    assert mq.logs(tail=0).count("importing /docker-entrypoint-initdb.d/definitions.json") == 1
    report("mq", mq, restart_s)
