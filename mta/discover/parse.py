"""Split probe output into sections and build HostFacts from them.

Every section parser runs on its own: an exception, a truncated section or a
section's stderr becomes a ProbeError in ``HostFacts.errors`` and the rest goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Optional, Union

from ..errors import InputError
from ..model import HostFacts, ProbeError
from ..model.identity import machine_id_hash
from .parsers import cron, hardware, http, meta, mounts, osinfo, packages, processes, services, sockets
from .parsers import to_int, users, utilization

_HEADER = re.compile(rb"(?m)^===MTA-PROBE v(\d+) nonce=([0-9A-Za-z]+)\s*$")
MAX_ERROR_CHARS = 2000


@dataclass
class Section:
    name: str
    blocks: dict[str, str] = field(default_factory=dict)
    cap: int = 0
    size: int = 0
    stderr: str = ""

    @property
    def truncated(self) -> bool:
        return bool(self.cap) and self.size >= self.cap


@dataclass
class ProbeOutput:
    version: int
    sections: dict[str, Section]
    complete: bool  # the END marker arrived
    timings: dict[str, float] = field(default_factory=dict)  # section -> seconds on the host


def split_output(data: Union[bytes, str]) -> ProbeOutput:
    """Cut the probe's output at its nonce markers; bodies decoded with errors="replace"."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    m = _HEADER.search(raw)
    if not m:
        raise InputError(
            "not mta probe output: no '===MTA-PROBE' header line",
            hint="produce it with: mta collect-script > collect.sh; sh collect.sh > host.mta",
        )
    marker = b"\n===MTA:" + m.group(2) + b":"
    chunks = raw[m.end():].split(marker)
    sections: dict[str, Section] = {}
    current: Optional[Section] = None
    block_key: Optional[str] = None
    complete = False
    timings: dict[str, float] = {}
    for chunk in chunks[1:]:
        head, _, body = chunk.partition(b"\n")
        head_s = head.decode("utf-8", "replace").rstrip("\r")  # survives a CRLF conversion
        kind, _, arg = head_s.partition(" ")
        if kind == "S":
            name, _, cap = arg.partition(" ")
            current = sections.setdefault(name, Section(name, cap=to_int(cap)))
            block_key = None
        elif kind == "B" and current is not None:
            block_key = arg
            text = body.decode("utf-8", "replace")
            prev = current.blocks.get(block_key)
            current.blocks[block_key] = text if prev is None else prev + text
        elif kind == "E":
            sec = sections.setdefault(arg, Section(arg))
            sec.stderr += body.decode("utf-8", "replace")
            current = None
        elif kind == "T":
            name, _, hundredths = arg.partition(" ")
            if hundredths.strip().isdigit():
                timings[name] = int(hundredths) / 100
        elif kind == "END":
            complete = True
            break
        if current is not None and kind in ("S", "B"):
            current.size += len(head) + len(body) + len(marker)
    return ProbeOutput(version=int(m.group(1)), sections=sections, complete=complete, timings=timings)


class _Collector:
    """Runs parsers, turning any failure into a ProbeError."""

    def __init__(self, out: ProbeOutput) -> None:
        self.out = out
        self.errors: list[ProbeError] = []

    def blocks(self, name: str) -> dict[str, str]:
        sec = self.out.sections.get(name)
        return sec.blocks if sec else {}

    def run(self, name: str, fn: Callable, default):
        try:
            return fn()
        except Exception as exc:  # a parser bug must not lose the host
            self.errors.append(ProbeError(section=name, message=f"parser failed: {type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]))
            return default


def build_facts(
    data: Union[bytes, str],
    *,
    host: Optional[str] = None,
    collector: str = "ssh",
    address: str = "",
) -> HostFacts:
    """HostFacts from one probe output. ``host`` defaults to the host's own name."""
    out = split_output(data)
    c = _Collector(out)
    m = c.run("meta", lambda: meta.parse(c.blocks("meta")), {})
    os_info = c.run("os", lambda: osinfo.parse(c.blocks("os")), None)
    name = host or (os_info.hostname if os_info and os_info.hostname else "") or "unknown-host"
    facts = HostFacts(host=name, address=address, collector=collector)
    if os_info is not None:
        facts.os = os_info
    date = to_int(m.get("date", "0"))
    facts.collected_at = datetime.fromtimestamp(date, timezone.utc) if date else datetime.now(timezone.utc)
    facts.fingerprint.machine_id = machine_id_hash(m.get("machine_id", ""))
    uid = m.get("uid", "")
    facts.privileged = uid == "0"
    facts.hardware = c.run("hardware", lambda: hardware.parse(c.blocks("hardware")), facts.hardware)
    facts.mounts = c.run("mounts", lambda: mounts.parse(c.blocks("mounts")), [])
    facts.users = c.run("users", lambda: users.parse(c.blocks("users")), [])
    facts.processes = c.run("processes", lambda: processes.parse(c.blocks("processes"), m), [])
    socks = c.run("sockets", lambda: sockets.parse(c.blocks("sockets")), ([], []))
    facts.sockets, facts.connections = socks
    facts.services = c.run("services", lambda: services.parse(c.blocks("services")), [])
    facts.packages = c.run("packages", lambda: packages.parse(c.blocks("packages")), [])
    facts.cron = c.run("cron", lambda: cron.parse(c.blocks("cron")), [])
    util_blocks = c.blocks("utilization")
    facts.utilization = c.run(
        "utilization", lambda: utilization.parse(util_blocks, facts.hardware.memory_bytes), facts.utilization
    )
    clk = to_int(m.get("clk_tck", "100"), 100) or 100
    cpu = c.run("utilization", lambda: utilization.process_cpu(util_blocks, clk), {})
    facts.http = c.run("http", lambda: http.parse(c.blocks("http")), [])
    facts.http_skipped = c.run("http", lambda: http.parse_skipped(c.blocks("http")), [])
    c.run("processes", lambda: link(facts, cpu), None)
    if not facts.privileged and uid:
        facts.not_visible = not_visible_unprivileged(bool(c.blocks("sockets")))
    facts.errors = section_errors(out) + c.errors
    facts.probe.timings = out.timings
    return facts


def link(facts: HostFacts, cpu: dict[int, float]) -> None:
    """Cross-section facts: user names, CPU shares, owning units, timer commands."""
    names = {u.uid: u.name for u in facts.users}
    by_main_pid = {s.main_pid: s.name for s in facts.services if s.main_pid}
    procs = {p.pid: p for p in facts.processes}
    for p in facts.processes:
        if p.uid is not None and not p.user:
            p.user = names.get(p.uid, str(p.uid))
        if p.pid in cpu:
            p.cpu_percent = cpu[p.pid]
    for p in facts.processes:
        if not p.unit:
            # no cgroup to go by (upstart, SysV): walk up to a service's main pid
            q, hops = p, 0
            while q is not None and hops < 64:
                if q.pid in by_main_pid:
                    p.unit = by_main_pid[q.pid]
                    break
                q, hops = procs.get(q.ppid), hops + 1
    for s in facts.sockets:
        if s.pid is not None and not s.process and s.pid in procs:
            s.process = procs[s.pid].name
    for conn in facts.connections:
        if conn.pid is not None and not conn.process and conn.pid in procs:
            conn.process = procs[conn.pid].name
    svc = {s.name: s for s in facts.services}
    for job in facts.cron:
        if job.kind == "systemd-timer":
            target = svc.get(job.command) or svc.get(job.source.replace(".timer", ".service"))
            if target is not None:
                job.command = target.exec_start or job.command
                job.user = target.user or "root"


def not_visible_unprivileged(have_sockets: bool) -> list[str]:
    items = [
        "cwd, exe and environment of processes of other users",
        "files readable only by root (other users' crontabs, some configuration)",
    ]
    if have_sockets:
        items.append("owning process of sockets of other users")
    return items


def section_errors(out: ProbeOutput) -> list[ProbeError]:
    errs = []
    for sec in out.sections.values():
        if sec.stderr.strip():
            errs.append(ProbeError(section=sec.name, message=("stderr: " + sec.stderr.strip())[:MAX_ERROR_CHARS]))
        if sec.truncated:
            errs.append(ProbeError(section=sec.name, message=f"output truncated at {sec.cap} bytes"))
    if not out.complete:
        errs.append(ProbeError(section="probe", message="probe output ended early (no END marker): the run was cut short"))
    return errs
