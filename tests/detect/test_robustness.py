"""Detectors never crash on odd facts: broken configs, strange command lines, missing pids."""

from __future__ import annotations

import random

import pytest

from mta.detect import detect_apps, wanted_files
from mta.model import Connection, FileContent, HostFacts, Process, Service, Socket


WEIRD = ["", " ", "\n", "'", '"', "$(x)", "{{", "}", "{", ";", "\x00", "é漢字", "-", "--", "-D", "-jar", "=", "[", "]", "(", ")",
         "a" * 5000, "../../etc/passwd", "//", "node", "python3", "java", "gunicorn", "uwsgi", "php-fpm: pool", "nginx:",
         "PM2 v1: God Daemon (", "postgres:", "-Dcatalina.base=", "--bind", "-c", "config_file=", "manage.py", "runserver",
         "celery", "-A", "worker", "puma", "dotnet", "x.dll", "--ini", "/srv/app/app.py", "app:app", "unix:/x.sock"]

GARBAGE = ["", "{", "}}}}", "server {", "<VirtualHost", "[uwsgi]\nchdir", "null", "[]", "[1, 2]", '{"name": 5}',
           '{"dependencies": []}', "\x00\x01\x02", "include ;", "upstream { server ; }", "<Connector port=\"x\"/>",
           "proxy_pass ;", "location ~ \\.php$ { fastcgi_pass ; }", "DB_HOST", "define('DB_HOST', '');", "jdbc:mysql://:/x",
           "postgres://@:/", "ENGINE': 'postgresql'", "adapter: mysql2\n  port: x"]


def random_facts(seed: int) -> HostFacts:
    rnd = random.Random(seed)
    procs = [Process(pid=1, ppid=0, name="init", cmdline=["/sbin/init"])]
    for pid in range(2, 40):
        cmd = [rnd.choice(WEIRD) for _ in range(rnd.randint(0, 8))]
        procs.append(Process(pid=pid, ppid=rnd.choice([0, 1, 2, pid - 1, 999]), name=rnd.choice(WEIRD)[:15], exe=rnd.choice(["", "/usr/bin/java", "/usr/bin/node", "/usr/bin/python3.6", "/x"]),
                             cmdline=cmd, cwd=rnd.choice(["", "/", "/srv/app", "relative"]), user=rnd.choice(["", "root", "app"]),
                             env={rnd.choice(["A", "name", "pm_id", "DATABASE_URL"]): rnd.choice(WEIRD)}))
    sockets = [Socket(protocol=rnd.choice(["tcp", "udp"]), address=rnd.choice(["0.0.0.0", "::", "127.0.0.1", ""]),
                      port=rnd.randint(1, 65535), pid=rnd.choice([None, 1, 5, 17, 33, 12345])) for _ in range(10)]
    conns = [Connection(local_address="127.0.0.1", local_port=rnd.randint(1, 65535), remote_address=rnd.choice(["127.0.0.1", "10.0.0.1", "", "::1"]),
                        remote_port=s.port, pid=rnd.choice([None, 3, 7, 11])) for s in sockets]
    base = HostFacts(host="fuzz", processes=procs, sockets=sockets, connections=conns,
                     services=[Service(name="x", main_pid=rnd.choice([None, 3, 4]), environment_files=["-", "", "/etc/default/x"])])
    files = [FileContent(path=p, content=rnd.choice(GARBAGE)) for p in wanted_files(base, strict=True)[:60]]
    return base.model_copy(update={"files": files})


@pytest.mark.parametrize("seed", range(25))
def test_random_facts_never_crash(seed):
    facts = random_facts(seed)
    apps = detect_apps(facts, strict=True)
    names = [a.name for a in apps]
    assert len(names) == len(set(names))
    claimed = [pid for a in apps for pid in a.pids]
    assert len(claimed) == len(set(claimed)), "a pid belongs to one app only"
    wanted_files(facts, strict=True)


@pytest.mark.parametrize("name", ["ubuntu1604-django", "debian10-lamp", "ubuntu1804-node-pm2", "centos7-tomcat"])
def test_garbage_configs_degrade_gracefully(samples, name):
    """The same host with every fetched file replaced by garbage still yields its apps."""
    facts = samples[name]
    good = {a.name for a in detect_apps(facts, strict=True)}
    for junk in GARBAGE:
        broken = facts.model_copy(update={"files": [f.model_copy(update={"content": junk}) for f in facts.files]})
        got = detect_apps(broken, strict=True)
        assert got, (name, junk)
        assert {a.name for a in got} <= good | {"static", "static-2"}, (name, junk)


def test_without_any_files_apps_are_still_found(samples):
    for name in ("ubuntu1604-django", "debian10-lamp", "ubuntu1804-node-pm2", "centos7-tomcat", "rhel8-springboot", "centos6-static"):
        facts = samples[name]
        bare = facts.model_copy(update={"files": []})
        full = detect_apps(facts, strict=True)
        got = detect_apps(bare, strict=True)
        assert [a.name for a in got if a.role != "proxy"], name
        for a in got:
            assert a.confidence <= max(b.confidence for b in full) + 1e-9
