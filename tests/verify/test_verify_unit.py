"""mta verify without an engine: compose reading, command lines, smoke judging,
and cleanup bookkeeping through a fake runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mta.errors import InputError
from mta.transport.base import CommandResult
from mta.verify import Engine, verify_dirs
from mta.verify.compose import interpolate, load_project, parse_env_file, start_order
from mta.verify.engine import RunSpec
from mta.plan.recipes import naive_size
from mta.verify.runner import host_dirs
from mta.verify.smoke import judge, page_title

HANDMADE = Path(__file__).resolve().parents[1] / "e2e" / "fixtures" / "handmade"


def test_interpolation_follows_compose_rules():
    env = {"A": "1", "EMPTY": ""}
    assert interpolate("${A}-$A-${B:-x}-${EMPTY:-d}-${EMPTY-d}-$$A", env) == "1-1-x-d--$A"
    assert interpolate({"k": ["${A}"]}, env) == {"k": ["1"]}


def test_env_file_parsing(tmp_path):
    p = tmp_path / ".env"
    p.write_text("# c\nexport DB_PASSWORD='s3 cret'\nEMPTY=\nX=1=2\n\n")
    assert parse_env_file(p) == {"DB_PASSWORD": "s3 cret", "EMPTY": "", "X": "1=2"}


def test_load_handmade_project():
    proj = load_project(HANDMADE)
    web, cache = proj.services["web"], proj.services["cache"]
    assert web.build_context == (HANDMADE / "apps/web").resolve()
    assert web.env == {"CACHE_HOST": "cache", "GREETING": "hello"}
    assert web.ports == [8000]
    assert web.depends_on == ["cache"]
    assert [(s.name, s.target) for s in web.secrets] == [("web-token", "/run/secrets/web-token")]
    assert cache.health_cmd == ["CMD", "redis-cli", "ping"]
    assert [(m.kind, m.source, m.target) for m in cache.mounts] == [("volume", "cache-data", "/var/lib/redis")]
    assert start_order(proj.services) == ["cache", "web"]


def test_dotenv_feeds_interpolation(tmp_path):
    d = tmp_path / "h"
    shutil.copytree(HANDMADE, d)
    (d / ".env").write_text("GREETING=bonjour\n")
    assert load_project(d).services["web"].env["GREETING"] == "bonjour"


def test_depends_on_cycle_and_unknown_are_input_errors(tmp_path):
    (tmp_path / "compose.yaml").write_text(
        "services:\n  a: {image: x:1, depends_on: [b]}\n  b: {image: x:1, depends_on: [a]}\n"
    )
    with pytest.raises(InputError, match="cycle"):
        start_order(load_project(tmp_path).services)
    (tmp_path / "compose.yaml").write_text("services:\n  a: {image: x:1, depends_on: [nope]}\n")
    with pytest.raises(InputError, match="unknown service 'nope'"):
        load_project(tmp_path)


def test_host_dirs(tmp_path):
    with pytest.raises(InputError, match="no compose.yaml"):
        host_dirs(tmp_path)
    for h in ("b", "a"):
        (tmp_path / "hosts" / h).mkdir(parents=True)
        (tmp_path / "hosts" / h / "compose.yaml").write_text("services: {}\n")
    assert [p.name for p in host_dirs(tmp_path)] == ["a", "b"]
    assert host_dirs(tmp_path / "hosts" / "a") == [(tmp_path / "hosts" / "a").resolve()]


def test_engine_command_lines():
    pod = Engine("podman", "runc")
    assert pod.build("t:1", "/ctx", "/ctx/Dockerfile", {}) == [
        "podman", "build", "-t", "t:1", "-f", "/ctx/Dockerfile", "--runtime", "runc", "--format", "docker", "/ctx",
    ]
    spec = RunSpec(
        name="c", image="i:1", network="n", aliases=["web"], env={"A": "b c"}, publish=[8080],
        health_cmd=["CMD", "curl", "-f", "http://x/"], entrypoint=["/bin/sh", "-c"], command=["echo hi"],
    )
    argv = pod.run(spec)
    assert argv[:5] == ["podman", "run", "-d", "--runtime", "runc"]
    assert ["--network-alias", "web"] == argv[argv.index("--network-alias"):][:2]
    assert "-e" in argv and "A=b c" in argv
    assert "127.0.0.1::8080" in argv
    assert argv[argv.index("--health-cmd") + 1] == '["curl", "-f", "http://x/"]'
    assert argv[-5:] == ["--entrypoint", "/bin/sh", "i:1", "-c", "echo hi"]
    dock = Engine("docker", "runc")
    assert "--runtime" not in dock.build("t", "/c", "/c/D", {})
    assert dock.run(spec)[dock.run(spec).index("--health-cmd") + 1] == "curl -f http://x/"
    assert dock.health("c")[:2] == ["docker", "inspect"]
    assert pod.health("c") == ["podman", "healthcheck", "run", "c"]
    assert pod.tmpfs_mount("/run/x") == "type=tmpfs,dst=/run/x,U=true"
    assert dock.tmpfs_mount("/run/x") == "type=tmpfs,dst=/run/x"
    assert dock.network_rm("n") == ["docker", "network", "rm", "n"]
    with pytest.raises(ValueError):
        Engine("lxc")


def test_smoke_judging():
    body = b"<html><head><title>\n  Team &amp; Notes </title></head></html>"
    assert page_title(body) == "Team & Notes"
    assert judge("/", 200, body, 200, "Team & Notes").status == "ok"
    bad = judge("/", 500, body, 200, "Other")
    assert bad.status == "fail" and "status 500" in bad.detail and "title" in bad.detail
    assert judge("/", 302, b"", None, "").status == "ok"
    assert judge("/", None, b"", 200, "").detail == "no HTTP answer"


def test_smoke_compares_the_page_text_seen_on_the_vm():
    expect = ["Guestbook", "Entries: 2", "first visitor", "e2e-1234abcd-vm", "Sign"]
    full = (b"<html><head><title>Guestbook</title></head><body><h1>Guestbook</h1><p>Entries: 2</p>"
            b"<ul><li>first visitor</li><li>e2e-1234abcd-vm</li></ul><form><button>Sign</button></form></body></html>")
    ok = judge("/", 200, full, 200, "Guestbook", expect)
    assert ok.status == "ok" and ok.text_matched == 5 and ok.text_missing == []
    # an empty database: same status and title, but the rows are gone
    empty = b"<html><head><title>Guestbook</title></head><body><h1>Guestbook</h1><p>Entries: 0</p><ul></ul>" \
            b"<form><button>Sign</button></form></body></html>"
    bad = judge("/", 200, empty, 200, "Guestbook", expect)
    assert bad.status == "fail" and bad.text_matched == 2
    assert bad.text_missing == ["Entries: 2", "first visitor", "e2e-1234abcd-vm"]
    assert "content: 2 of 5 lines seen on the VM (needs 3)" in bad.detail and "'first visitor'" in bad.detail
    # one row more than at discovery still passes
    more = full.replace(b"Entries: 2", b"Entries: 3").replace(b"</ul>", b"<li>later</li></ul>")
    assert judge("/", 200, more, 200, "Guestbook", expect).status == "ok"
    # nothing recorded: nothing compared
    assert judge("/", 200, empty, 200, "Guestbook").text_matched is None


def test_naive_sizes_known_for_main_runtimes():
    for rt in ("java", "python", "php", "node"):
        assert naive_size(rt)[0] > 300e6
    assert naive_size("", "tomcat") == naive_size("java")
    assert naive_size("postgres") is None


class FakeRunner:
    """Records command lines; fails the run of the service named in ``fail``."""

    def __init__(self, fail: str = ""):
        self.calls: list[list[str]] = []
        self.fail = fail

    def run(self, argv, *, timeout=None):
        argv = list(argv)
        self.calls.append(argv)
        if argv[1] == "run" and self.fail and any(a.endswith("-" + self.fail) for a in argv):
            return CommandResult(125, b"", b"boom")
        if argv[1] == "inspect" and "{{.State.Status}}" in " ".join(argv):
            return CommandResult(0, b"running 0", b"")
        if argv[1] == "inspect":
            return CommandResult(0, b"null", b"")
        if argv[1] == "image" and argv[2] == "inspect":
            return CommandResult(0, b"1000", b"")
        if argv[1] == "port":
            return CommandResult(0, b"127.0.0.1:1", b"")
        if argv[1] in ("ps", "network", "volume") and argv[2] in ("-aq", "ls"):
            return CommandResult(0, b"", b"")
        return CommandResult(0, b"", b"")

    def timed(self, argv, *, timeout=None):
        return self.run(argv, timeout=timeout), 0.1

    @staticmethod
    def tcp_open(host, port, timeout=2.0):
        return True

    @staticmethod
    def http_get(*a, **k):
        from mta.transport.engine import HttpReply

        return HttpReply(200, b"<title>Verify Demo</title>", 0.01)


def test_failed_start_still_cleans_everything(tmp_path):
    d = tmp_path / "h"
    shutil.copytree(HANDMADE, d)
    runner = FakeRunner(fail="web")
    report = verify_dirs(d, Engine("podman", "runc"), runner=runner, timeout=5)
    assert not report.ok
    web = next(s for s in report.hosts[0].services if s.name == "web")
    assert "did not start" in web.error
    verbs = [c[1:3] for c in runner.calls]
    assert ["rm", "-f"] in verbs  # the cache container
    assert any(c[1:3] == ["network", "rm"] for c in runner.calls)
    assert any(c[1:3] == ["volume", "rm"] for c in runner.calls)
    # a secret value was generated and never written into the report
    assert "generated test value" in " ".join(report.hosts[0].notes)


def test_all_ok_with_fake_engine(tmp_path):
    d = tmp_path / "h"
    shutil.copytree(HANDMADE, d)
    report = verify_dirs(d, Engine("podman", "runc"), runner=FakeRunner(), timeout=5)
    assert report.ok, report.model_dump_json(indent=1)
    web = next(s for s in report.hosts[0].services if s.name == "web")
    assert web.smoke.status == "ok" and web.smoke.title == "Verify Demo"
    assert web.naive_bytes and web.image_bytes == 1000


def test_missing_secret_file_blocks_only_its_service(tmp_path):
    d = tmp_path / "h"
    shutil.copytree(HANDMADE, d)
    text = (d / "compose.yaml").read_text().replace("./secrets/web-token", "./secrets/web/files/app.ini")
    (d / "compose.yaml").write_text(text)
    report = verify_dirs(d, Engine("podman", "runc"), runner=FakeRunner(), timeout=5)
    web = next(s for s in report.hosts[0].services if s.name == "web")
    cache = next(s for s in report.hosts[0].services if s.name == "cache")
    assert "secret file ./secrets/web/files/app.ini missing" in web.error
    assert cache.ok and not report.ok


class LeakyRunner(FakeRunner):
    """A web container that exits and prints its secret in the logs."""

    def run(self, argv, *, timeout=None):
        argv = list(argv)
        if argv[1] == "inspect" and "{{.State.Status}}" in " ".join(argv) and argv[-1].endswith("-web"):
            self.calls.append(argv)
            return CommandResult(0, b"exited 1", b"")
        if argv[1] == "logs":
            self.calls.append(argv)
            return CommandResult(0, b"starting with token tok-0123456789\n", b"")
        return super().run(argv, timeout=timeout)


def test_secret_values_are_masked_and_images_removed_on_request(tmp_path):
    d = tmp_path / "h"
    shutil.copytree(HANDMADE, d)
    (d / "secrets").mkdir()
    (d / "secrets" / "web-token").write_text("tok-0123456789\n")
    runner = LeakyRunner()
    report = verify_dirs(d, Engine("podman", "runc"), runner=runner, timeout=5, rm_images=True)
    text = report.model_dump_json()
    web = next(s for s in report.hosts[0].services if s.name == "web")
    assert "exited" in web.error and "******" in " ".join(web.log_tail)
    assert "tok-0123456789" not in text
    removed = [c[-1] for c in runner.calls if c[1] == "rmi"]
    assert sorted(removed) == ["localhost/mta-test/handmade-cache:1", "localhost/mta-test/handmade-web:1"]


def test_exec_probe_used_when_no_healthcheck(tmp_path):
    import yaml

    d = tmp_path / "h"
    shutil.copytree(HANDMADE, d)
    compose = yaml.safe_load((d / "compose.yaml").read_text())
    del compose["services"]["cache"]["healthcheck"]
    (d / "compose.yaml").write_text(yaml.safe_dump(compose))
    plan = yaml.safe_load((d / "plan.yaml").read_text())
    plan["apps"][1]["readiness"] = {"kind": "exec", "command": ["redis-cli", "ping"]}
    (d / "plan.yaml").write_text(yaml.safe_dump(plan))
    runner = FakeRunner()
    report = verify_dirs(d, Engine("podman", "runc"), runner=runner, timeout=5)
    cache = next(s for s in report.hosts[0].services if s.name == "cache")
    assert cache.ready == "ok" and cache.ready_by == "exec"
    assert any(c[1] == "exec" and c[-2:] == ["redis-cli", "ping"] for c in runner.calls)


def test_override_file_is_merged_like_compose_does(tmp_path):
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  db:\n    image: mariadb:10.11\n    volumes: ['db-data:/var/lib/mysql']\n"
        "  web:\n    image: web:1\n    depends_on: [db]\n"
        "volumes:\n  db-data: {}\n")
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n"
        "  db-restore:\n    image: mariadb:10.11\n    user: '0'\n    restart: 'no'\n"
        "    volumes: [{type: bind, source: ./data/db, target: /mta-dump, read_only: true},"
        " {type: volume, source: db-initdb, target: /restore}]\n"
        "  db:\n    depends_on: {db-restore: {condition: service_completed_successfully}}\n"
        "    volumes: [{type: volume, source: db-initdb, target: /docker-entrypoint-initdb.d, read_only: true}]\n"
        "volumes:\n  db-initdb: {}\n")
    p = load_project(tmp_path)
    assert start_order(p.services) == ["db-restore", "db", "web"]
    assert p.services["db-restore"].one_shot and not p.services["db"].one_shot
    assert p.services["db"].completed_deps == ["db-restore"] and p.services["web"].completed_deps == []
    assert [(m.source, m.target, m.read_only) for m in p.services["db"].mounts] == [
        ("db-data", "/var/lib/mysql", False), ("db-initdb", "/docker-entrypoint-initdb.d", True)]
    bind = p.services["db-restore"].mounts[0]
    assert bind.kind == "bind" and bind.source == str((tmp_path / "data" / "db").resolve())
    assert sorted(p.volumes) == ["db-data", "db-initdb"]


class BuildsFirstRunner(FakeRunner):
    """An engine with no image until it is built: `image exists` fails before the build."""

    def __init__(self):
        super().__init__()
        self.built: set[str] = set()

    def run(self, argv, *, timeout=None):
        argv = list(argv)
        if argv[1] == "build":
            self.built.add(argv[argv.index("-t") + 1])
        if argv[1] == "image" and argv[2] == "exists":
            self.calls.append(argv)
            return CommandResult(0 if argv[3] in self.built else 1, b"", b"")
        if argv[1] == "pull":
            self.calls.append(argv)
            return CommandResult(125, b"", b"no registry")
        return super().run(argv, timeout=timeout)


def test_a_restore_service_runs_the_image_its_store_builds(tmp_path):
    (tmp_path / "apps" / "db").mkdir(parents=True)
    (tmp_path / "apps" / "db" / "Dockerfile").write_text("FROM debian:bookworm-slim\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  db:\n    image: mta/vm-db:0.1\n    build: {context: apps/db}\n    volumes: ['db-data:/var/lib/mysql']\n"
        "volumes:\n  db-data: {}\n")
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n"
        "  db-restore:\n    image: mta/vm-db:0.1\n    user: '0'\n    restart: 'no'\n"
        "  db:\n    depends_on: {db-restore: {condition: service_completed_successfully}}\n")
    runner = BuildsFirstRunner()
    report = verify_dirs(tmp_path, Engine("podman", "runc"), runner=runner, timeout=5)
    restore = next(s for s in report.hosts[0].services if s.name == "db-restore")
    assert "pulled" not in (restore.error or ""), restore.error  # (this fake never lets it finish)
    assert restore.build == "skipped" and not any(c[1] == "pull" for c in runner.calls)
    assert "mta/vm-db:0.1" in runner.built


def test_docker_checks_the_images_healthcheck_every_5s_while_verifying():
    """dockerd runs an image's HEALTHCHECK first one interval after the start (30s in
    generated images): on docker every ready web service waited ~32s. The interval is
    given without a command (docker keeps the image's test); podman's checks are run by
    verify itself. A container whose only health setting is that interval has no check."""
    from mta.verify.runner import _health_test

    spec = RunSpec(name="c", image="i:1", network="n")
    argv = Engine("docker").run(spec)
    assert argv[argv.index("--health-interval") + 1] == "5s" and "--health-cmd" not in argv
    assert "--health-interval" not in Engine("podman", "runc").run(spec)
    off = Engine("docker").run(RunSpec(name="c", image="i:1", network="n", health_disable=True))
    assert "--no-healthcheck" in off and "--health-interval" not in off
    assert _health_test('{"Test":["CMD","true"],"Interval":30000000000}')
    assert not _health_test('{"Interval":5000000000}')  # an image without HEALTHCHECK, on docker
    assert not _health_test('{"Test":["NONE"]}') and not _health_test("null") and not _health_test("")
