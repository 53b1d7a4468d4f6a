"""discover_local: the machine mta runs on, with psutil for processes and sockets.

The probe still supplies distro, services, packages, cron, users and mounts, so
the same parsers serve both collectors. (Its own module: psutil loads only
for this machine, never on the way to an SSH host.)
"""

from __future__ import annotations

import os
import re
import socket as _socket
import time
from datetime import datetime, timezone
from typing import Iterable, Optional

import psutil

from ..model import Connection, Process, Socket, Utilization, UtilSample
from ..model import HostFacts
from ..transport.local import LocalTransport
from .collect import probe_building_models
from .files import fetch_files
from .parse import build_facts, link
from .parsers.processes import normalize_cmdline, unit_of
from .script import ALL_SECTIONS, env_skip, probe_script
from .secrets import mask_argv, mask_env

ENV_CAP = 8192
_CGROUP_PATH = re.compile(r"^[^:]*:(?:name=systemd)?:(.*)$", re.M)


def clean(text: str) -> str:
    """psutil keeps undecodable bytes as surrogates; YAML cannot hold them."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _cgroup(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cgroup", encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def _env(proc: psutil.Process) -> dict[str, str]:
    env: dict[str, str] = {}
    used = 0
    for k, v in proc.environ().items():
        used += len(k) + len(v) + 2
        if used > ENV_CAP:
            break
        env[clean(k)] = clean(v)
    return mask_env(env)


def collect_processes() -> tuple[list[Process], int]:
    """(processes, how many had cwd/exe/environment hidden from us)."""
    skip = env_skip()
    out: list[Process] = []
    hidden = 0
    for proc in psutil.process_iter():
        try:
            with proc.oneshot():
                pid, ppid = proc.pid, proc.ppid()
                if pid == 2 or ppid == 2:
                    continue
                p = Process(pid=pid, ppid=ppid, name=clean(proc.name()))
                uids = proc.uids()
                p.uid = uids.real
                try:
                    p.user = clean(proc.username())
                except (KeyError, psutil.Error):
                    p.user = str(uids.real)
                p.cmdline = mask_argv(normalize_cmdline([clean(a) for a in proc.cmdline()]))[0]
                mem = proc.memory_info()
                p.rss_bytes = mem.rss
                t = proc.cpu_times()
                p.cpu_seconds = round(t.user + t.system, 2)
                p.start_time = round(proc.create_time(), 2)
                denied = False
                for attr in ("exe", "cwd"):
                    try:
                        setattr(p, attr, clean(getattr(proc, attr)()))
                    except psutil.AccessDenied:
                        denied = True
                    except (psutil.ZombieProcess, OSError):
                        pass
                if p.name not in skip:
                    try:
                        p.env = _env(proc)
                    except psutil.AccessDenied:
                        denied = True
                    except (psutil.ZombieProcess, OSError):
                        pass
                hidden += denied
                cg = _cgroup(pid)
                m = _CGROUP_PATH.search(cg)
                p.cgroup = clean(m.group(1)) if m else ""
                p.unit = unit_of(cg)
                out.append(p)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
        except psutil.AccessDenied:
            hidden += 1
    return out, hidden


def collect_sockets() -> tuple[list[Socket], list[Connection], int]:
    """(listening sockets, outbound connections, sockets whose owner is hidden)."""
    listen: dict[tuple, Socket] = {}
    conns: list[Connection] = []
    unknown = 0
    try:
        entries = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        return [], [], -1
    for c in entries:
        proto = "tcp" if c.type == _socket.SOCK_STREAM else "udp"
        family = "ipv6" if c.family == _socket.AF_INET6 else "ipv4"
        if not c.laddr:
            continue
        addr = c.laddr.ip
        if addr.startswith("::ffff:") and "." in addr:
            addr, family = addr[7:], "ipv4"
        is_listen = (proto == "tcp" and c.status == psutil.CONN_LISTEN) or (proto == "udp" and not c.raddr)
        if is_listen:
            key = (proto, addr, c.laddr.port, family)
            if key not in listen or (listen[key].pid is None and c.pid):
                listen[key] = Socket(protocol=proto, address=addr, port=c.laddr.port, family=family, pid=c.pid)
            if c.pid is None:
                unknown += 1
        elif proto == "tcp" and c.status == psutil.CONN_ESTABLISHED and c.raddr:
            conns.append(
                Connection(local_address=addr, local_port=c.laddr.port, remote_address=c.raddr.ip,
                           remote_port=c.raddr.port, pid=c.pid)
            )
    ports = {s.port for s in listen.values() if s.protocol == "tcp"}
    conns = [c for c in conns if c.local_port not in ports]
    return sorted(listen.values(), key=lambda s: (s.protocol, s.port, s.address)), conns, unknown


class LiveSample:
    """psutil's counters primed when discovery starts and read when it ends, so
    the sample spans the run (as the probe's does); ``finish(seconds)`` makes
    it at least that long, with a reading a second over the rest."""

    def __init__(self) -> None:
        self.procs: dict[int, psutil.Process] = {}
        for p in psutil.process_iter():
            try:
                p.cpu_percent(None)
                self.procs[p.pid] = p
            except psutil.Error:
                pass
        psutil.cpu_percent(None)
        self.start = time.time()
        self.samples: list[UtilSample] = []

    def _reading(self) -> None:
        vm = psutil.virtual_memory()
        self.samples.append(
            UtilSample(timestamp=round(time.time(), 3), cpu_percent=psutil.cpu_percent(None),
                       mem_used_bytes=max(0, vm.total - vm.available))
        )

    def finish(self, seconds: float = 0.0) -> tuple[Utilization, dict[int, float]]:
        """Whole-host samples and each process's CPU share over the window."""
        end = self.start + max(0.0, seconds)
        while time.time() < end - 0.5:
            time.sleep(min(1.0, end - time.time()))
            self._reading()
        time.sleep(max(0.0, end - time.time()))
        self._reading()
        cpu: dict[int, float] = {}
        for pid, p in self.procs.items():
            try:
                cpu[pid] = round(p.cpu_percent(None), 2)
            except psutil.Error:
                pass
        duration = time.time() - self.start
        interval = duration / len(self.samples)
        util = Utilization(source="psutil", samples=self.samples, interval_seconds=round(interval, 3),
                           duration_seconds=round(duration, 3))
        return util, cpu


def apply_local(facts: HostFacts, sample: LiveSample, sample_seconds: float = 0.0) -> None:
    """Replace the probe's process/socket/utilization facts by psutil's
    (``sample`` was started before the probe ran)."""
    privileged = os.geteuid() == 0
    facts.processes, hidden = collect_processes()
    facts.sockets, facts.connections, unknown = collect_sockets()
    facts.utilization, cpu = sample.finish(sample_seconds)
    for p in facts.processes:
        if p.pid in cpu:
            p.cpu_percent = cpu[p.pid]
    facts.privileged = privileged
    notes = [n for n in facts.not_visible if "process" not in n and "socket" not in n]
    if hidden:
        who = "permission denied" if privileged else "other users' processes"
        notes.append(f"cwd, exe and environment of {hidden} processes ({who})")
    if unknown > 0:
        notes.append(f"owning process of {unknown} listening sockets" + ("" if privileged else " of other users"))
    elif unknown < 0:
        notes.append("sockets (psutil was denied /proc/net access)")
    facts.not_visible = [] if privileged and not hidden and unknown <= 0 else notes


def discover_local(
    *,
    host: Optional[str] = None,
    sudo: bool = False,
    sample_seconds: float = 0.0,
    http_checks: bool = True,
    timeout: float = 60.0,
    file_requests: bool = True,
    http_ports: Optional[Iterable[int]] = None,
) -> HostFacts:
    """HostFacts of this machine: the probe for distro, services, packages, cron,
    users and mounts; psutil for processes, sockets and utilization (sampled
    over the run, at least ``sample_seconds``)."""
    transport = LocalTransport(host or _socket.gethostname())
    sample = LiveSample()
    sections = [s for s in ALL_SECTIONS if s not in ("processes", "sockets", "utilization")]
    script = probe_script(sample_seconds=0, http_checks=http_checks, sections=sections, http_ports=http_ports)
    out = probe_building_models(transport, script, sudo=sudo, timeout=timeout)
    facts = build_facts(out, host=transport.name, collector="local")
    apply_local(facts, sample, sample_seconds)
    facts.collected_at = datetime.now(timezone.utc)
    link(facts, {p.pid: p.cpu_percent for p in facts.processes if p.cpu_percent is not None})
    if file_requests:
        fetch_files(transport, facts, sudo=sudo)
    return facts
