"""What discovery saw one app do: its programs, listening ports, peers.

Shared by the NetworkPolicy and Falco generators so both allow exactly the
same behaviour.
"""

from __future__ import annotations

import ipaddress
import re
import posixpath
from dataclasses import dataclass, field

from ...model import AppPlan, HostFacts, Plan

_PROGRAM = re.compile(r"^[A-Za-z0-9._+-]+$")
_LOCAL = ("127.", "::1", "0.0.0.0", "::", "localhost")


@dataclass
class Peer:
    port: int
    protocol: str = "tcp"
    app: str = ""  # another app of this host
    address: str = ""  # an outside address (ipBlock), when no app serves it


@dataclass
class Observed:
    programs: list[str] = field(default_factory=list)  # process names (comm), sorted
    ports: list[tuple[int, str]] = field(default_factory=list)  # (port, protocol) it listens on
    peers: list[Peer] = field(default_factory=list)  # outbound destinations


def _is_local(addr: str) -> bool:
    return addr.startswith(_LOCAL) or addr.startswith("::ffff:127.")


def _public_ip(addr: str) -> str:
    a = addr.removeprefix("::ffff:")
    try:
        ipaddress.ip_address(a)
    except ValueError:
        return ""
    return a


def _server_of(plan: Plan, port: int, me: str) -> str:
    for other in plan.apps:
        if other.include and other.name != me and any(p.port == port for p in other.expose or other.ports):
            return other.name
    return ""


def observe(facts: HostFacts, plan: Plan, app: AppPlan) -> Observed:
    """Programs, ports and peers of ``app``: from its pids, then its plan."""
    pids = set(app.pids)
    # comm names only: renamed titles ("nginx: worker", "main: writer") are argv, not comm
    names = {p.name for p in facts.processes if p.pid in pids and _PROGRAM.match(p.name)}
    names |= {posixpath.basename(p.exe) for p in facts.processes if p.pid in pids and p.exe}
    if app.command:
        names.add(posixpath.basename(app.command[0]))
    if app.build and app.build.cmd:
        names.add(posixpath.basename(app.build.cmd[0]))
        names |= _shell_programs(app.build.cmd)
    ports = sorted({(p.port, p.protocol) for p in app.expose})
    peers: dict[tuple[int, str, str, str], Peer] = {}
    for c in facts.connections:
        if c.pid not in pids:
            continue
        if _is_local(c.remote_address):
            other = _server_of(plan, c.remote_port, app.name)
            if other:
                peers[(c.remote_port, c.protocol, other, "")] = Peer(c.remote_port, c.protocol, app=other)
        else:
            other = _server_of(plan, c.remote_port, app.name)
            ip = _public_ip(c.remote_address)
            if ip and not other:
                peers[(c.remote_port, c.protocol, "", ip)] = Peer(c.remote_port, c.protocol, address=ip)
            elif other:
                peers[(c.remote_port, c.protocol, other, "")] = Peer(c.remote_port, c.protocol, app=other)
    for dep in app.depends_on:
        other = plan.app(dep)
        if other is None or not other.include:
            continue
        for p in other.expose:
            peers.setdefault((p.port, p.protocol, dep, ""), Peer(p.port, p.protocol, app=dep))
    ordered = sorted(peers.values(), key=lambda p: (p.app, p.address, p.port, p.protocol))
    # Falco's proc.name is the kernel comm: at most 15 characters
    programs = sorted({n[:15] for n in names if n and _PROGRAM.match(n)})
    return Observed(programs, ports, ordered)


def _shell_programs(cmd: list[str]) -> set[str]:
    """The programs a ``sh -c SCRIPT`` command line runs: each simple command's first
    word (``exec`` skipped), as the generated ``mkdir -p … && exec apache2ctl …``."""
    if len(cmd) < 3 or posixpath.basename(cmd[0]) not in ("sh", "bash", "dash") or cmd[1] != "-c":
        return set()
    out = set()
    for part in re.split(r"&&|\|\||;|\|", cmd[2]):
        words = [w for w in part.split() if w != "exec"]
        if words and "=" not in words[0]:
            out.add(posixpath.basename(words[0]))
    return out
