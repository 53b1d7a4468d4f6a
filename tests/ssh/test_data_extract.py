"""mta extract --data: real stores dumped over real SSH, the manifest, resume,
and the compose wiring verify reads."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from mta.dataextract import DataExtractor, safe_name, users_sql
from mta.render.restore import render_override
from mta.model import AppPlan, Build, Plan, PortSpec, VolumeSpec
from mta.verify.compose import load_project, start_order

REDIS_PW = "r3dis-pw-not-for-logs"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_vm(tmp_path):
    """A redis-server with a password in its config file and three keys."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed (tests/apt-packages.txt)")
    port = _free_port()
    d = tmp_path / "redis"
    d.mkdir()
    conf = d / "redis.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {d}\ndbfilename vm.rdb\nrequirepass {REDIS_PW}\n"
                    "save \"\"\nappendonly no\n")
    proc = subprocess.Popen([server, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "REDISCLI_AUTH": REDIS_PW}
    try:
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(port), "ping"], env=env, capture_output=True).stdout.strip() == b"PONG":
                break
            time.sleep(0.1)
        for i in range(3):
            subprocess.run(["redis-cli", "-p", str(port), "set", f"note:{i}", f"kept-{i}"], env=env, check=True,
                           capture_output=True)
        yield port, conf
    finally:
        proc.terminate()
        proc.wait(10)


def _redis_plan(port: int, conf: Path) -> Plan:
    cache = AppPlan(name="cache", role="backing", stack="redis", image="redis:7.0", build=None, run_as_user=999,
                    expose=[PortSpec(port=port, name="redis")], config_files=[str(conf)],
                    volumes=[VolumeSpec(name="cache-data", path="/data", source_path="/var/lib/redis")])
    return Plan(host="vm1", apps=[cache])


@pytest.mark.sshd
def test_redis_bgsave_over_ssh_manifest_and_resume(sshd, redis_vm, tmp_path):
    port, conf = redis_vm
    host_dir = tmp_path / "out" / "hosts" / "vm1"
    plan = _redis_plan(port, conf)
    seen: list[tuple[str, int, bool]] = []
    with sshd.transport() as t:
        report = DataExtractor(t, plan, host_dir, progress=lambda l, b, s, done: seen.append((l, b, done))).run()
    assert not report.failed, report.failed
    rdb = host_dir / "data" / "cache" / "dump.rdb"
    body = rdb.read_bytes()
    assert body.startswith(b"REDIS") and b"kept-2" in body
    assert stat.S_IMODE(rdb.stat().st_mode) == 0o600
    assert stat.S_IMODE((host_dir / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE((host_dir / "data" / "cache").stat().st_mode) == 0o700
    manifest = json.loads((host_dir / "data" / "manifest.json").read_text())
    rec = manifest["stores"]["cache"]["files"]["dump.rdb"]
    assert rec["bytes"] == len(body) and rec["sha256"] == hashlib.sha256(body).hexdigest()
    assert seen[-1] == ("cache/dump.rdb", len(body), True)
    # the password stays on the VM: not in the dump dir, the manifest or the override
    for p in host_dir.rglob("*"):
        if p.is_file() and p.name != "dump.rdb":
            assert REDIS_PW not in p.read_text(errors="replace"), p

    # resume: a complete file with a matching manifest entry is kept
    with sshd.transport() as t:
        again = DataExtractor(t, plan, host_dir).run()
        assert t.round_trips == 0
    assert [f.kept for f in again.stores[0].files] == [True]
    # a damaged file is taken again; so is everything with --force
    rdb.write_bytes(body[:-3] + b"xyz")
    with sshd.transport() as t:
        fixed = DataExtractor(t, plan, host_dir).run()
    assert [f.kept for f in fixed.stores[0].files] == [False] and rdb.read_bytes().startswith(b"REDIS")
    with sshd.transport() as t:
        forced = DataExtractor(t, plan, host_dir, force=True).run()
        assert t.round_trips == 1
    assert not forced.stores[0].files[0].kept

    # compose: a one-shot restore fills the data volume before redis starts
    (host_dir / "compose.yaml").write_text(
        "services:\n  cache:\n    image: redis:7.0\n    volumes:\n      - {type: volume, source: cache-data, target: /data}\n"
        "volumes:\n  cache-data: {}\n")
    project = load_project(host_dir)
    assert start_order(project.services) == ["cache-restore", "cache"]
    restore = project.services["cache-restore"]
    assert restore.one_shot and restore.user == "0" and restore.image == "redis:7.0"
    assert {(m.kind, m.target, m.read_only) for m in restore.mounts} == {
        ("bind", "/mta-dump", True), ("volume", "/restore", False)}
    assert project.services["cache"].completed_deps == ["cache-restore"]


@pytest.mark.sshd
def test_redis_unreachable_is_an_error_of_that_store(sshd, tmp_path):
    plan = _redis_plan(_free_port(), tmp_path / "none.conf")
    with sshd.transport() as t:
        report = DataExtractor(t, plan, tmp_path / "h").run()
    assert report.failed and "dump failed on the VM" in report.failed[0].error
    assert not (tmp_path / "h" / "data" / "cache" / "dump.rdb").exists()


@pytest.mark.sshd
def test_app_data_dir_is_tarred_and_restored_into_its_empty_volume(sshd, tmp_path):
    src = tmp_path / "vm" / "statusboard"
    (src / "msgs").mkdir(parents=True)
    (src / "msgs" / "1.txt").write_text("hello from the VM\n")
    app = AppPlan(name="board", stack="binary", image="mta/vm1-board:1", run_as_user=10001,
                  build=Build(base_image="debian:bookworm-slim"),
                  volumes=[VolumeSpec(name="board-data", path="/var/lib/statusboard", source_path=str(src))])
    host_dir = tmp_path / "out"
    with sshd.transport() as t:
        report = DataExtractor(t, Plan(host="vm1", apps=[app]), host_dir).run()
    assert not report.failed, report.failed
    tar = host_dir / "data" / "board" / f"{safe_name('board-data')}.tar.gz"
    with tarfile.open(tar) as tf:
        assert tf.extractfile("./msgs/1.txt").read() == b"hello from the VM\n"
    override = (host_dir / "compose.override.yaml").read_text()
    assert "debian:bookworm-slim" in override and "/restore/0" in override and "board-data" in override
    # compose interpolates $VAR: the script reaches sh as written, not with its variables emptied
    (host_dir / "compose.yaml").write_text("services:\n  board:\n    image: mta/vm1-board:1\n")
    restore = load_project(host_dir).services["board-restore"]
    assert restore.entrypoint[:2] == ["sh", "-c"] and '[ -n "$(ls -A /restore/0)" ]' in restore.entrypoint[2]


def test_mysql_accounts_keep_what_the_image_made():
    shown = ("CREATE USER `guestbook`@`%` IDENTIFIED BY PASSWORD '*AB12'\n"
             "GRANT USAGE ON *.* TO `guestbook`@`%` IDENTIFIED BY PASSWORD '*AB12'\n"
             "GRANT ALL PRIVILEGES ON `guestbook`.* TO `guestbook`@`%`\n"
             "CREATE USER IF NOT EXISTS `ro`@`localhost` IDENTIFIED VIA unix_socket\n")
    sql = users_sql(shown).decode()
    assert "CREATE USER IF NOT EXISTS `guestbook`@`%` IDENTIFIED BY PASSWORD '*AB12';" in sql
    assert "GRANT ALL PRIVILEGES ON `guestbook`.* TO `guestbook`@`%`;" in sql
    assert "GRANT USAGE ON *.* TO `guestbook`@`%`;" in sql  # no IDENTIFIED BY: it would reset a password
    assert sql.count("PASSWORD") == 1
    assert "CREATE USER IF NOT EXISTS `ro`@`localhost` IDENTIFIED VIA unix_socket;" in sql
    assert sql.rstrip().endswith("FLUSH PRIVILEGES;")


def test_local_password_accounts_also_admit_the_app_container():
    # Debian's WordPress: 'wordpress'@'localhost'; the app now connects from another container
    shown = ("CREATE USER `wordpress`@`localhost` IDENTIFIED BY PASSWORD '*AB12'\n"
             "GRANT USAGE ON *.* TO `wordpress`@`localhost` IDENTIFIED BY PASSWORD '*AB12'\n"
             "GRANT ALL PRIVILEGES ON `wordpress`.* TO `wordpress`@`localhost`\n"
             "CREATE USER `ro`@`localhost` IDENTIFIED VIA unix_socket\n"  # socket auth: never widened
             "CREATE USER `nopw`@`127.0.0.1`\n"  # no password: never widened
             "CREATE USER `both`@`localhost` IDENTIFIED BY PASSWORD '*CD'\n"
             "CREATE USER `both`@`10.0.0.%` IDENTIFIED BY PASSWORD '*CD'\n")  # the VM chose its remote hosts
    sql = users_sql(shown).decode()
    assert "CREATE USER IF NOT EXISTS `wordpress`@'%' IDENTIFIED BY PASSWORD '*AB12';" in sql
    assert "GRANT ALL PRIVILEGES ON `wordpress`.* TO `wordpress`@'%';" in sql
    assert "CREATE USER IF NOT EXISTS `wordpress`@`localhost` IDENTIFIED BY PASSWORD '*AB12';" in sql
    assert not any(f"`{u}`@'%'" in sql for u in ("ro", "nopw", "both"))
    assert sql.rstrip().endswith("FLUSH PRIVILEGES;")


def test_database_names_become_safe_distinct_file_names():
    assert safe_name("guestbook") == "guestbook"
    odd = [safe_name(n) for n in ("../etc", "a b", "a_b", "ünï")]
    assert len(set(odd)) == 4 and all("/" not in n and not n.startswith(".") for n in odd)


def test_database_restore_script_survives_compose_interpolation(tmp_path):
    db = AppPlan(name="db", role="backing", stack="mariadb", image="mariadb:10.11", run_as_user=999,
                 volumes=[VolumeSpec(name="db-data", path="/var/lib/mysql")])
    (tmp_path / "compose.override.yaml").write_text(render_override(Plan(host="vm1", apps=[db]), {"db": {"kind": "mysql"}}))
    (tmp_path / "compose.yaml").write_text("services:\n  db:\n    image: mariadb:10.11\n")
    p = load_project(tmp_path)
    script = p.services["db-restore"].entrypoint[2]
    assert 'case "$f" in' in script and 'cp "$f" /restore/' in script and "chown -R 999:0 /restore" in script
    assert [(m.source, m.target) for m in p.services["db"].mounts] == [("db-initdb", "/docker-entrypoint-initdb.d")]


def test_rabbitmq_definitions_restore_through_the_initdb_volume(tmp_path):
    """A broker's definitions (users with their password hashes) reach its image as the
    databases' dumps do: a one-shot copies them into <svc>-initdb, mounted read-only at
    /docker-entrypoint-initdb.d, which the image imports on an empty data dir only."""
    from mta.render.restore import k8s_restore, restore_by_hand, store_kind

    mq = AppPlan(name="mq", role="backing", stack="rabbitmq", image="mta/vm1-mq:0.1", run_as_user=999,
                 build=Build(base_image="debian:bookworm-slim"),
                 volumes=[VolumeSpec(name="mq-data", path="/var/lib/rabbitmq", source_path="/var/lib/rabbitmq")])
    assert store_kind(mq) == "rabbitmq"  # not a tar of the live mnesia dir (nor the VM's Erlang cookie)
    plan = Plan(host="vm1", apps=[mq])
    (tmp_path / "compose.override.yaml").write_text(render_override(plan, {"mq": {"kind": "rabbitmq"}}))
    (tmp_path / "compose.yaml").write_text("services:\n  mq:\n    image: mta/vm1-mq:0.1\n")
    p = load_project(tmp_path)
    script = p.services["mq-restore"].entrypoint[2]
    assert "*.json)" in script and 'cp "$f" /restore/' in script and "chown -R 999:0 /restore" in script
    assert [(m.source, m.target, m.read_only) for m in p.services["mq"].mounts] == [
        ("mq-initdb", "/docker-entrypoint-initdb.d", True)]
    assert restore_by_hand(mq) == ["$C rabbitmqctl import_definitions < data/mq/definitions.json"
                                   "   # users keep their VM passwords"]
    patch = next(v for k, v in k8s_restore(plan, {"mq": {"kind": "rabbitmq"}}, {"mq": 1}).items()
                 if k.endswith("mq-restore-patch.yaml"))
    assert "mountPath: /docker-entrypoint-initdb.d" in patch and "mta-initdb" in patch
    # the official rabbitmq image reads no /docker-entrypoint-initdb.d: the runbook's command restores there
    official = Plan(host="vm1", apps=[mq.model_copy(update={"build": None, "image": "rabbitmq:3.13-management"})])
    assert "mq-restore" not in render_override(official, {"mq": {"kind": "rabbitmq"}})
    assert k8s_restore(official, {"mq": {"kind": "rabbitmq"}}, {"mq": 1}) == {}
    from mta.model import HostFacts
    from mta.render.runbook import render_runbook

    facts = HostFacts(host="vm1", collector="sample")
    assert "k8s-restore/mq-dump-pvc.yaml" in render_runbook(facts, plan)
    book = render_runbook(facts, official)
    assert "k8s-restore/" not in book and "rabbitmqctl import_definitions < data/mq/definitions.json" in book


@pytest.mark.services
def test_postgres_dump_per_database_and_roles(services, tmp_path, monkeypatch):
    """pg_dump -Fc of each database and pg_dumpall --roles-only, run as the postgres user."""
    from mta.transport.local import LocalTransport

    port, sock, pg_bin = services.ports["postgres"], str(services.dir / "pgsock"), services.pg_bin
    psql = ["runuser", "-u", "postgres", "--", f"{pg_bin}/psql", "-X", "-q", "-h", sock, "-p", str(port)]
    db = f"shop_{os.getpid()}"
    subprocess.run(psql + ["-d", "postgres", "-c", f"CREATE DATABASE {db}"], check=True, capture_output=True)
    try:
        subprocess.run(psql + ["-d", db, "-c", "CREATE TABLE orders (id int, item text); "
                               "INSERT INTO orders VALUES (1, 'kept-order-row')"], check=True, capture_output=True)
        monkeypatch.setenv("PGHOST", sock)  # the "VM" cluster's socket dir (the VM's default one in real life)
        monkeypatch.setenv("PATH", f"{pg_bin}:{os.environ['PATH']}")
        app = AppPlan(name="pg", role="backing", stack="postgresql", image="postgres:15", run_as_user=999,
                      expose=[PortSpec(port=port, name="postgres")],
                      volumes=[VolumeSpec(name="pg-data", path="/var/lib/postgresql/data")])
        report = DataExtractor(LocalTransport("vm1"), Plan(host="vm1", apps=[app]), tmp_path).run()
        assert not report.failed, report.failed
        files = {f.name for f in report.stores[0].files}
        assert {f"db-{db}.dump", "roles.pgdumpall.gz", "restore.sh"} <= files
        dump = tmp_path / "data" / "pg" / f"db-{db}.dump"
        assert dump.read_bytes().startswith(b"PGDMP")  # custom format
        listing = subprocess.run([f"{pg_bin}/pg_restore", "-l", str(dump)], capture_output=True, text=True).stdout
        assert "TABLE DATA public orders" in listing and f"dbname: {db}" in listing
        roles = subprocess.run(["gunzip", "-c", str(tmp_path / "data" / "pg" / "roles.pgdumpall.gz")],
                               capture_output=True, text=True).stdout
        assert "CREATE ROLE postgres" in roles
        override = (tmp_path / "compose.override.yaml").read_text()
        assert "pg-initdb" in override and "/docker-entrypoint-initdb.d" in override
    finally:
        subprocess.run(psql + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {db}"], capture_output=True)


def test_kubernetes_restore_kustomization_builds(tmp_path):
    """k8s-restore/ patches the generated StatefulSet with an init container reading the dump PVC."""
    from mta.io import load_model

    from tests.conftest import IN_CI

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        if IN_CI:
            pytest.fail("kubectl is not installed (kubernetes-client in tests/apt-packages.txt)")
        pytest.skip("kubectl is not installed")
    golden = Path(__file__).parents[1] / "golden" / "debian10-lamp"
    shutil.copytree(golden / "k8s", tmp_path / "k8s")
    plan = load_model(golden / "plan.yaml", Plan)
    data = tmp_path / "data" / "db"
    data.mkdir(parents=True)
    (data / "db-wordpress.sql.gz").write_bytes(b"x")
    (tmp_path / "data" / "manifest.json").write_text(json.dumps({"stores": {"db": {"kind": "mysql", "files": {
        "db-wordpress.sql.gz": {"bytes": 1, "sha256": hashlib.sha256(b"x").hexdigest()}}}}}))
    DataExtractor(None, plan, tmp_path).write_override()
    out = subprocess.run([kubectl, "kustomize", str(tmp_path / "k8s-restore")], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    import yaml

    docs = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out.stdout) if d}
    assert ("PersistentVolumeClaim", "db-dump") in docs
    pod = docs[("StatefulSet", "db")]["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["mta-restore"]
    db = next(c for c in pod["containers"] if c["name"] == "db")
    assert {"name": "mta-initdb", "mountPath": "/docker-entrypoint-initdb.d", "readOnly": True} in db["volumeMounts"]
    assert any(m["mountPath"] == "/var/lib/mysql" for m in db["volumeMounts"])  # the generated mounts stay


def test_extract_cli_data_prints_progress_and_summary(tmp_path, capsys):
    from mta.cli import main
    from mta.io import dump_model, write_atomic

    src = tmp_path / "vm" / "uploads"
    src.mkdir(parents=True)
    (src / "a.txt").write_bytes(b"x" * 5000)
    app = AppPlan(name="board", stack="binary", image="mta/vm1-board:1", build=Build(base_image="debian:bookworm-slim"),
                  volumes=[VolumeSpec(name="board-data", path="/srv/uploads", source_path=str(src))])
    host_dir = tmp_path / "out" / "hosts" / "vm1"
    write_atomic(host_dir / "plan.yaml", dump_model(Plan(host="vm1", apps=[app])))
    rc = main(["extract", str(host_dir / "plan.yaml"), "--local", "--data"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "dumped board/board-data.tar.gz:" in out and "board (files): 1 file," in out
    assert "compose.override.yaml" in out and (host_dir / "data" / ".gitignore").read_text().endswith("*\n")
    rc = main(["extract", str(host_dir / "plan.yaml"), "--local", "--data"])
    assert rc == 0 and "1 kept from an earlier run" in capsys.readouterr().out
