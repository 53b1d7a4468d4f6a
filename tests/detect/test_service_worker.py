"""A worker started by a service of its own and listening on no port (the shape
of Debian's barbican-worker, gnocchi-metricd…) is an app of role worker; the
Erlang port mapper RabbitMQ starts is not an app of its own."""

from __future__ import annotations

from mta.detect import detect_apps
from mta.model import HostFacts, Package, Process, Service, Socket


def _facts() -> HostFacts:
    py = "/usr/bin/python3"
    return HostFacts(
        host="vault",
        processes=[
            Process(pid=1, name="sshd", exe="/usr/sbin/sshd", cmdline=["/usr/sbin/sshd", "-D"]),
            # the worker: an interpreter running a packaged program, under its own init script
            Process(pid=410, ppid=1, user="barbican", name="barbican-worker", exe=py, unit="barbican-worker",
                    cmdline=[py, "/usr/bin/barbican-worker", "--log-file=/var/log/barbican/barbican-worker.log"]),
            # uwsgi serving the API (a port: the wsgi detector's)
            Process(pid=423, ppid=1, user="barbican", name="uwsgi", exe="/usr/bin/uwsgi-core", unit="barbican-api",
                    cmdline=["/usr/bin/uwsgi_python311", "--http-socket", ":9311", "--ini",
                             "/etc/barbican/barbican-api-uwsgi.ini"]),
            # RabbitMQ and the port mapper it started
            Process(pid=241, ppid=1, user="rabbitmq", name="epmd", exe="/usr/lib/erlang/erts-13.1.5/bin/epmd",
                    cmdline=["/usr/lib/erlang/erts-13.1.5/bin/epmd", "-daemon"]),
            Process(pid=291, ppid=1, user="rabbitmq", name="beam.smp", unit="rabbitmq-server",
                    exe="/usr/lib/erlang/erts-13.1.5/bin/beam.smp",
                    cmdline=["/usr/lib/erlang/erts-13.1.5/bin/beam.smp", "--", "-root", "/usr/lib/erlang", "--",
                             "-s", "rabbit", "boot"]),
            # not workers: a retitled process, a one-liner, an OS daemon in Python, a script nobody's service runs
            Process(pid=500, ppid=1, name="node", exe="/usr/bin/node", unit="pm2-root",
                    cmdline=["PM2 v4.5.6: God Daemon (/root/.pm2)"]),
            Process(pid=501, ppid=1, name="python3", exe=py, unit="oneliner", cmdline=[py, "-c", "import time"]),
            Process(pid=502, ppid=1, name="networkd-dispat", exe=py, unit="networkd-dispatcher",
                    cmdline=[py, "/usr/bin/networkd-dispatcher", "--run-startup-triggers"]),
            Process(pid=503, ppid=1, name="python3", exe=py, cmdline=[py, "/root/scratch.py"]),
        ],
        sockets=[Socket(protocol="tcp", address="0.0.0.0", port=9311, pid=423),
                 Socket(protocol="tcp", address="0.0.0.0", port=4369, pid=241),
                 Socket(protocol="tcp", address="0.0.0.0", port=5672, pid=291)],
        services=[Service(name=n, init="sysv", state="running", unit_path=f"/etc/init.d/{n}")
                  for n in ("barbican-worker", "barbican-api", "rabbitmq-server", "pm2-root", "oneliner",
                            "networkd-dispatcher")],
        packages=[Package(name="barbican-common", version="1:15.0.1-2", manager="dpkg"),
                  Package(name="rabbitmq-server", version="3.10.8-1.1", manager="dpkg")],
    )


def test_a_worker_run_by_its_own_service_is_an_app():
    apps = {a.name: a for a in detect_apps(_facts(), strict=True)}
    worker = apps["barbican-worker"]
    assert (worker.role, worker.stack, worker.runtime, worker.pids) == ("worker", "python", "python", [410])
    assert worker.service == "barbican-worker"
    assert worker.log_paths == [] or worker.log_paths == ["/var/log/barbican/barbican-worker.log"]
    assert any(e.kind == "service" for e in worker.evidence)


def test_what_is_not_a_worker():
    apps = detect_apps(_facts(), strict=True)
    pids = {p for a in apps for p in a.pids}
    assert not {500, 501, 502, 503} & pids, [(a.name, a.pids) for a in apps]
    # epmd belongs to the RabbitMQ that started it: no app of its own, its port not an app's
    assert 241 not in pids and "epmd" not in {a.name for a in apps}
    assert "rabbitmq" in {a.name for a in apps}


def test_a_packaged_service_brings_its_etc_settings():
    """/etc/<project>/ of a service Debian packages under its own name follows the app
    (Debian's barbican reads /etc/barbican/barbican.conf by convention, named by no argument)."""
    from mta.detect import wanted_files
    from mta.model import FileContent

    facts = _facts()
    facts.packages += [Package(name="barbican-worker", version="1", manager="dpkg")]
    assert "/etc/barbican/*.conf" in wanted_files(facts, strict=True)
    facts.files += [FileContent(path=p, content="[DEFAULT]\n") for p in (
        "/etc/barbican/barbican.conf", "/etc/barbican/barbican-api-paste.ini", "/etc/barbican/policy.d/x.yaml",
        "/etc/barbican/kek.key")]
    worker = next(a for a in detect_apps(facts, strict=True) if a.name == "barbican-worker")
    assert worker.config_files == ["/etc/barbican/barbican-api-paste.ini", "/etc/barbican/barbican.conf"]


def test_urls_with_a_driver_or_oslo_scheme_point_at_the_service():
    from mta.plan.rewrite import Target, rewrite_text

    text = ("sql_connection = mysql+pymysql://barbican:pw@localhost/barbican\n"
            "transport_url = rabbit://barbican:pw@localhost:5672/\n")
    out, changes = rewrite_text(text, ["localhost"], [Target("db", (3306,), "mariadb"),
                                                      Target("rabbitmq", (5672,), "rabbitmq")])
    assert out == ("sql_connection = mysql+pymysql://barbican:pw@db/barbican\n"
                   "transport_url = rabbit://barbican:pw@rabbitmq:5672/\n"), changes


def test_a_worker_and_its_forked_children_are_one_app():
    facts = _facts()
    main = next(p for p in facts.processes if p.pid == 410)
    facts.processes.append(main.model_copy(update={"pid": 411, "ppid": 410}))
    apps = [a for a in detect_apps(facts, strict=True) if a.name == "barbican-worker"]
    assert [a.pids for a in apps] == [[410, 411]]
