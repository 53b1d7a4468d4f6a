"""Migration effort, the dependency map, move groups and waves.

Effort is rules-based and explainable: a base per kind of workload, plus
work for each finding by severity, for data to move and for an uncertain
detection; every addition is a reason a reader can check.

Dependencies come from what discovery saw: an established outbound
connection from host A to an address of inventoried host B, on a port B
listens on. Hosts connected that way (in either direction) form a move
group: they move together, so no wave leaves a dependency behind on the
other side. Groups then go into waves by fit, easiest first: a pilot wave
of groups that need no work, then minor work, major work, and last what is
not recommended or lacks data (assess those further before planning).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

#: person-days to containerize one app, by stack (before findings)
BASE_DAYS = {
    "static-nginx": 0.25, "static-apache": 0.25, "nginx-proxy": 0.25, "apache-proxy": 0.25,
    "redis": 0.5, "memcached": 0.25, "postgresql": 1.0, "mysql": 1.0, "mariadb": 1.0, "mongodb": 1.0,
    "rabbitmq": 0.75, "elasticsearch": 1.5, "kafka": 2.0, "zookeeper": 1.0, "activemq": 1.0,
    "tomcat": 1.5, "springboot": 1.0, "jboss": 3.0, "wildfly": 3.0, "java": 1.5,
    "binary": 1.5, "generic": 2.0, "dotnet": 1.5,
}
#: by role, when the stack is not listed
ROLE_DAYS = {"app": 1.0, "worker": 0.75, "backing": 1.0, "proxy": 0.25}
SEVERITY_DAYS = {"info": 0.0, "low": 0.25, "medium": 0.5, "high": 2.0, "blocker": 5.0}
LOW_CONFIDENCE_DAYS = 0.5
#: fit score -> wave; lower goes first
WAVE_OF_FIT = {
    "Excellent": 1, "Good": 1, "Needs minor work": 2, "Needs major work": 3,
    "Not recommended": 4, "Insufficient data": 4,
}
WAVE_NAMES = {
    1: ("Wave 1: pilot", "fit Excellent or Good: little or no change, proves the pipeline"),
    2: ("Wave 2: minor work", "fit 'Needs minor work': configuration changes, volumes, secrets"),
    3: ("Wave 3: major work", "fit 'Needs major work': code or platform changes first"),
    4: ("Wave 4: assess further", "not recommended or too little data: decide case by case"),
}


def app_effort(stack: str, role: str, confidence: float, severities: Iterable[str]) -> tuple[float, list[str]]:
    """(person-days, reasons) for one app."""
    base = BASE_DAYS.get(stack)
    reasons = []
    if base is None:
        base = ROLE_DAYS.get(role, 1.0)
        reasons.append(f"{base:g} d base for a {role} ({stack or 'unknown stack'})")
    else:
        reasons.append(f"{base:g} d base for {stack}")
    days = base
    counts: dict[str, int] = {}
    for sev in severities:
        counts[sev] = counts.get(sev, 0) + 1
    for sev, n in counts.items():
        add = SEVERITY_DAYS.get(sev, 0.0) * n
        if add:
            days += add
            reasons.append(f"+{add:g} d for {n} {sev} finding{'s' if n > 1 else ''}")
    if confidence < 0.5:
        days += LOW_CONFIDENCE_DAYS
        reasons.append(f"+{LOW_CONFIDENCE_DAYS:g} d: uncertain detection, review the plan")
    return round(days, 2), reasons


@dataclass
class HostNet:
    """What the dependency map needs of one host."""

    host: str
    addresses: Sequence[str]
    listen_ports: Sequence[int]
    peers: Sequence[str]  # "ip:port"
    fit: str = "Insufficient data"
    effort_days: float = 0.0


@dataclass
class Edge:
    source: str
    target: str
    port: int


def _routable(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr.strip("[]"))
    except ValueError:
        return bool(addr) and addr not in ("localhost",)
    return not (ip.is_loopback or ip.is_unspecified)


def _split_peer(peer: str) -> Optional[tuple[str, int]]:
    addr, _, port = peer.rpartition(":")
    if not addr or not port.isdigit():
        return None
    return addr.strip("[]"), int(port)


def dependencies(hosts: Sequence[HostNet]) -> list[Edge]:
    """Edges A -> B where A holds a connection to an address of B on a port B listens on."""
    owner: dict[str, str] = {}
    for h in hosts:
        for a in h.addresses:
            if _routable(a):
                owner.setdefault(a.strip("[]"), h.host)
    listens = {h.host: set(h.listen_ports) for h in hosts}
    edges: dict[tuple[str, str, int], Edge] = {}
    for h in hosts:
        for peer in h.peers:
            sp = _split_peer(peer)
            if sp is None:
                continue
            target = owner.get(sp[0])
            if target is None or target == h.host or sp[1] not in listens.get(target, ()):
                continue
            edges.setdefault((h.host, target, sp[1]), Edge(h.host, target, sp[1]))
    return sorted(edges.values(), key=lambda e: (e.source, e.target, e.port))


@dataclass
class Group:
    id: int
    hosts: list[str]
    effort_days: float
    fit: str
    wave: int = 0


def move_groups(hosts: Sequence[HostNet], edges: Sequence[Edge]) -> list[Group]:
    """Connected components of the (undirected) dependency graph; single hosts are groups too."""
    parent = {h.host: h.host for h in hosts}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for e in edges:
        a, b = find(e.source), find(e.target)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = {}
    for h in hosts:
        members.setdefault(find(h.host), []).append(h.host)
    by_name = {h.host: h for h in hosts}
    rank = {k: i for i, k in enumerate(WAVE_OF_FIT)}
    groups = []
    # bigger groups first, then by name: ids are stable for the same inventory
    for i, names in enumerate(sorted(members.values(), key=lambda m: (-len(m), sorted(m)[0])), start=1):
        names = sorted(names)
        fit = max((by_name[n].fit for n in names), key=lambda f: (WAVE_OF_FIT.get(f, 4), rank.get(f, 99)))
        groups.append(Group(i, names, round(sum(by_name[n].effort_days for n in names), 2), fit))
    return groups


@dataclass
class PlannedWave:
    number: int
    name: str
    why: str
    groups: list[int] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    effort_days: float = 0.0


def waves(groups: Sequence[Group]) -> list[PlannedWave]:
    """Groups into waves by their worst fit; within a wave, the least effort first."""
    out: dict[int, PlannedWave] = {}
    for g in sorted(groups, key=lambda g: (WAVE_OF_FIT.get(g.fit, 4), g.effort_days, g.id)):
        n = WAVE_OF_FIT.get(g.fit, 4)
        g.wave = n
        w = out.setdefault(n, PlannedWave(n, *WAVE_NAMES[n]))
        w.groups.append(g.id)
        w.hosts += g.hosts
        w.effort_days = round(w.effort_days + g.effort_days, 2)
    return [out[k] for k in sorted(out)]
