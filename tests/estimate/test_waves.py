"""Effort, the dependency map, move groups and waves."""

from __future__ import annotations

from mta.cli import main
from mta.estimate.waves import HostNet, app_effort, dependencies, move_groups, waves
from mta.io import dump_model, write_atomic
from mta.model import Connection, Hardware, HostFacts, Process, Socket
from mta.model.report import Report


def test_effort_adds_up_with_reasons():
    days, why = app_effort("tomcat", "app", 0.9, ["low", "medium", "medium", "info"])
    assert days == 1.5 + 0.25 + 1.0
    assert why[0] == "1.5 d base for tomcat" and "+1 d for 2 medium findings" in why
    days, why = app_effort("weird", "worker", 0.3, ["blocker"])
    assert days == 0.75 + 5 + 0.5 and any("uncertain" in w for w in why)


def nets():
    return [
        HostNet("web1", ["10.0.0.1"], [80], ["10.0.0.2:5432", "10.0.0.3:6379", "8.8.8.8:53"], "Good", 1.0),
        HostNet("db1", ["10.0.0.2"], [5432], [], "Needs minor work", 1.5),
        HostNet("cache1", ["10.0.0.3"], [6379], [], "Excellent", 0.5),
        HostNet("lone", ["10.0.0.9"], [8080], ["10.0.0.2:22"], "Excellent", 0.25),  # 22 is not listened on
        HostNet("hard", ["10.0.0.7"], [80], [], "Needs major work", 4.0),
    ]


def test_dependencies_need_a_connection_to_a_listening_port_of_an_inventoried_host():
    edges = dependencies(nets())
    assert [(e.source, e.target, e.port) for e in edges] == [("web1", "cache1", 6379), ("web1", "db1", 5432)]


def test_connected_hosts_move_together_and_waves_follow_fit():
    groups = move_groups(nets(), dependencies(nets()))
    assert groups[0].hosts == ["cache1", "db1", "web1"] and groups[0].fit == "Needs minor work"
    assert groups[0].effort_days == 3.0
    planned = waves(groups)
    assert [w.number for w in planned] == [1, 2, 3]
    assert planned[0].hosts == ["lone"]
    assert planned[1].hosts == ["cache1", "db1", "web1"]
    assert planned[2].hosts == ["hard"]
    # every host in exactly one wave
    assert sorted(h for w in planned for h in w.hosts) == sorted(n.host for n in nets())


def _host(out, name, addr, listen, peers):
    facts = HostFacts(
        host=name, address=addr, collector="ssh", hardware=Hardware(cpu_count=2, memory_bytes=4 << 30),
        processes=[Process(pid=1, name="init"), Process(pid=10, ppid=1, name="redis-server", rss_bytes=50 << 20,
                                                        cpu_percent=1.0, cmdline=["redis-server", "*:6379"])],
        sockets=[Socket(protocol="tcp", address="0.0.0.0", port=p, pid=10, process="redis-server") for p in listen],
        connections=[Connection(local_address=addr, local_port=40000 + i, remote_address=a, remote_port=p)
                     for i, (a, p) in enumerate(peers)],
    )
    write_atomic(out / "hosts" / name / "discovery.yaml", dump_model(facts))


def test_report_draws_the_map_and_plans_waves(tmp_path):
    out = tmp_path / "out"
    _host(out, "app-a", "192.0.2.10", [8080], [("192.0.2.11", 6379)])
    _host(out, "cache-b", "192.0.2.11", [6379], [])
    _host(out, "other-c", "192.0.2.12", [6379], [])
    assert main(["report", str(out), "--format", "json,html,md,xlsx"]) == 0
    r = Report.model_validate_json((out / "report.json").read_text())
    assert [(d.source, d.target, d.port) for d in r.dependencies] == [("app-a", "cache-b", 6379)]
    together = next(g for g in r.move_groups if "app-a" in g.hosts)
    assert together.hosts == ["app-a", "cache-b"]
    assert sorted(h for w in r.waves for h in w.hosts) == ["app-a", "cache-b", "other-c"]
    html = (out / "report.html").read_text()
    assert 'id="waves"' in html and "app-a" in html and "<svg" in html
    md = (out / "report.md").read_text()
    assert "## Waves and move groups" in md and "app-a → cache-b" in md
