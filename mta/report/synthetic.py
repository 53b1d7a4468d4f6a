"""Synthetic fleets: plausible HostFacts (and plans) for benchmarks and tests.

Seeded, so a fleet is the same on every run. The hosts look like small
legacy VMs: a Java, Python or Node app, sometimes a local database, the usual
agents, a week or a few hours of sysstat history, or only a process sample.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from ..io import dump_model, dump_yaml, write_atomic
from ..model import (
    App,
    CronJob,
    Evidence,
    Hardware,
    HostFacts,
    Mount,
    OSInfo,
    Plan,
    PortSpec,
    Process,
    Socket,
    Utilization,
    UtilSample,
)
from ..model.plan import AppPlan

MIB = 1024**2
GIB = 1024**3

_OSES = [
    ("centos", "7", "CentOS Linux 7 (Core)", "rhel", "3.10.0-1160.el7.x86_64"),
    ("centos", "6", "CentOS release 6.10 (Final)", "rhel", "2.6.32-754.el6.x86_64"),
    ("rhel", "8.6", "Red Hat Enterprise Linux 8.6 (Ootpa)", "rhel", "4.18.0-372.el8.x86_64"),
    ("ubuntu", "16.04", "Ubuntu 16.04.7 LTS", "debian", "4.4.0-210-generic"),
    ("ubuntu", "20.04", "Ubuntu 20.04.6 LTS", "debian", "5.4.0-150-generic"),
    ("debian", "10", "Debian GNU/Linux 10 (buster)", "debian", "4.19.0-24-amd64"),
]
_AGENTS = [("sshd", 6), ("rsyslogd", 12), ("crond", 3), ("chronyd", 2), ("auditd", 4), ("systemd-journald", 40),
           ("node_exporter", 25), ("splunkd", 180), ("falcon-sensor", 90), ("zabbix_agentd", 8)]


def _stack(rng: random.Random, k: int):
    """(name, stack, runtime, version, cmdline, port, user, rss_mib, cpu_pct) of one app."""
    kind = rng.choice(["java", "python", "node", "postgres", "redis", "php"])
    if kind == "java":
        ver = rng.choice(["1.8.0_292", "11.0.19", "1.7.0_80", "1.6.0_45", "17.0.7"])
        return (f"app{k}", "springboot", "java", ver,
                ["/usr/bin/java", "-Xmx1g", "-jar", f"/opt/app{k}/app.jar", "--db.host=10.20.30.40"],
                8080 + k, "app", rng.randint(300, 1500), rng.uniform(2, 60))
    if kind == "python":
        ver = rng.choice(["3.6.8", "2.7.5", "3.8.10", "2.6.6"])
        return (f"web{k}", "django", "python", ver,
                ["/srv/web/venv/bin/python", "/srv/web/venv/bin/gunicorn", "shop.wsgi:application", "-b", f"0.0.0.0:{8000 + k}"],
                8000 + k, "www", rng.randint(80, 600), rng.uniform(1, 40))
    if kind == "node":
        return (f"api{k}", "node", "node", rng.choice(["8.17.0", "12.22.1", "16.20.0"]),
                ["/usr/bin/node", f"/opt/api{k}/server.js"], 3000 + k, "node", rng.randint(60, 400), rng.uniform(1, 30))
    if kind == "postgres":
        return ("postgresql", "postgresql", "postgres", "10.19", ["/usr/lib/postgresql/10/bin/postgres", "-D", "/var/lib/postgresql/10/main"],
                5432, "postgres", rng.randint(100, 2000), rng.uniform(1, 30))
    if kind == "redis":
        return ("redis", "redis", "redis", "5.0.7", ["/usr/bin/redis-server", "127.0.0.1:6379"], 6379, "redis",
                rng.randint(20, 800), rng.uniform(0.5, 10))
    return ("php", "php-apache", "php", rng.choice(["5.4.16", "7.2.24"]), ["/usr/sbin/httpd", "-DFOREGROUND"], 80, "root",
            rng.randint(100, 700), rng.uniform(1, 35))


def make_host(name: str, seed: int = 0) -> tuple[HostFacts, list[App]]:
    """One synthetic VM and the apps on it."""
    rng = random.Random(f"{name}:{seed}")
    os_id, ver, pretty, family, kernel = rng.choice(_OSES)
    vcpu = rng.choice([1, 2, 2, 4, 4, 8, 16])
    mem = rng.choice([2, 4, 8, 8, 16, 32, 64]) * GIB
    procs: list[Process] = [Process(pid=1, name="systemd", user="root", rss_bytes=8 * MIB, cpu_percent=0.1)]
    pid = 100
    for agent, rss in rng.sample(_AGENTS, rng.randint(3, 7)):
        procs.append(Process(pid=pid, ppid=1, name=agent, user="root", cmdline=[f"/usr/sbin/{agent}"],
                             rss_bytes=int(rss * MIB * rng.uniform(0.7, 1.3)), cpu_percent=rng.uniform(0, 2)))
        pid += 1
    apps: list[App] = []
    sockets: list[Socket] = []
    mounts = [Mount(device="/dev/sda1", mountpoint="/", fstype="xfs", size_bytes=40 * GIB, used_bytes=12 * GIB)]
    for k in range(1, rng.choice([1, 1, 2, 2, 3]) + 1):
        app_name, stack, runtime, rver, cmd, port, user, rss, cpu = _stack(rng, k)
        if any(a.name == app_name for a in apps):
            continue
        pids = []
        workers = rng.choice([1, 1, 2, 4])
        for w in range(workers):
            procs.append(Process(pid=pid, ppid=1 if w == 0 else pids[0], name=cmd[0].rsplit("/", 1)[-1], user=user,
                                 cmdline=cmd, exe=cmd[0], rss_bytes=int(rss * MIB / workers),
                                 cpu_percent=cpu / workers, unit=f"{app_name}.service"))
            pids.append(pid)
            pid += 1
        sockets.append(Socket(protocol="tcp", address="0.0.0.0", port=port, pid=pids[0], process=cmd[0].rsplit("/", 1)[-1]))
        data = [f"/var/lib/{app_name}"] if stack in ("postgresql", "redis") else [f"/opt/{app_name}/uploads"]
        if stack == "postgresql" and rng.random() < 0.3:
            mounts.append(Mount(device="/dev/sdb1", mountpoint="/var/lib/postgresql", fstype="ext4",
                                size_bytes=200 * GIB, used_bytes=rng.randint(20, 180) * GIB))
        apps.append(App(
            name=app_name, stack=stack, runtime=runtime, runtime_version=rver,
            role="backing" if stack in ("postgresql", "redis") else "app", confidence=rng.choice([0.9, 0.8, 0.4]),
            evidence=[Evidence(kind="process", ref=f"pid {pids[0]}", detail=" ".join(cmd[:3])),
                      Evidence(kind="port", ref=f"tcp/{port}")],
            pids=pids, ports=[PortSpec(port=port, name="http" if stack not in ("postgresql", "redis") else stack)],
            command=cmd, user=user, data_paths=data, code_paths=[f"/opt/{app_name}"], service=f"{app_name}.service",
        ))
    if rng.random() < 0.15:
        mounts.append(Mount(device="filer:/export/shared", mountpoint="/mnt/shared", fstype="nfs4", network=True))
    cron = []
    if rng.random() < 0.4:
        cron.append(CronJob(schedule="*/15 * * * *", command="/opt/scripts/export.sh >/dev/null 2>&1", user="app",
                            source="/etc/cron.d/export"))
    cron.append(CronJob(schedule="7 * * * *", command="run-parts /etc/cron.hourly", source="/etc/crontab"))
    util = _history(rng, vcpu, mem, sum(p.rss_bytes for p in procs))
    facts = HostFacts(
        host=name, address=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", collector="sample",
        collected_at=datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc), privileged=True,
        os=OSInfo(id=os_id, version_id=ver, pretty_name=pretty, name=pretty.split(" release")[0], family=family,
                  kernel=kernel, arch="x86_64", hostname=name, init_system="sysv" if ver == "6" else "systemd"),
        hardware=Hardware(cpu_count=vcpu, cpu_model="Intel(R) Xeon(R) Gold 6248", memory_bytes=mem, swap_bytes=2 * GIB),
        mounts=mounts, processes=procs, sockets=sockets, cron=cron, utilization=util,
    )
    return facts, apps


def _history(rng: random.Random, vcpu: int, mem: int, rss: int) -> Utilization:
    kind = rng.choice(["week", "week", "day", "sample"])
    if kind == "sample":
        return Utilization(source="proc-sample", duration_seconds=10, interval_seconds=1,
                           samples=[UtilSample(timestamp=1.7e9 + i, cpu_percent=rng.uniform(2, 30),
                                               mem_used_bytes=int(rss * 1.1)) for i in range(10)])
    interval = 600
    n = 7 * 144 if kind == "week" else 144
    base = rng.uniform(3, 25)
    samples = []
    for i in range(n):
        hour = (i * interval / 3600) % 24
        busy = base * (1.6 if 9 <= hour <= 18 else 0.6) * rng.uniform(0.7, 1.3)
        samples.append(UtilSample(timestamp=1.7e9 + i * interval, cpu_percent=min(100.0, busy),
                                  mem_used_bytes=min(mem, int(rss * rng.uniform(1.0, 1.25)))))
    return Utilization(source="sysstat", duration_seconds=n * interval, interval_seconds=interval, samples=samples)


def write_fleet(out: Path, count: int, *, seed: int = 0, plans: bool = False, failed: int = 0) -> list[str]:
    """Write ``count`` synthetic hosts (and ``failed`` error.yaml hosts) under ``out/hosts``."""
    names = []
    for i in range(count):
        name = f"vm-{i:04d}"
        facts, apps = make_host(name, seed)
        d = out / "hosts" / name
        _write(d / "discovery.yaml", facts)
        if plans:
            _write(d / "plan.yaml", plan_for(facts, apps))
        names.append(name)
    for i in range(failed):
        d = out / "hosts" / f"down-{i:03d}"
        write_atomic(d / "error.yaml", dump_yaml({"host": d.name, "stage": "connect", "kind": "timeout",
                                                  "message": f"ssh: connect to {d.name}:22 timed out after 60s"}))
    return names


def _write(path: Path, model) -> None:
    # discovery.yaml as mta itself writes it (the fast writer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_model(model, fast=isinstance(model, HostFacts)), encoding="utf-8")


def plan_for(facts: HostFacts, apps: list[App], replicas: Optional[int] = None) -> Plan:
    """A minimal plan holding ``apps`` as they were detected."""
    return Plan(host=facts.host, discovery="discovery.yaml",
                apps=[AppPlan(**a.model_dump(), replicas=replicas or 1) for a in apps])
