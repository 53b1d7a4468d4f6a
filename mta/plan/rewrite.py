"""Hard-coded references to other apps on the same VM (localhost:5432,
10.0.0.5:6379, postgres://127.0.0.1/db) become the other app's service name,
which resolves both in compose networks and in Kubernetes namespaces."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: default ports of URL schemes, for references that omit the port.
SCHEME_PORTS = {
    "postgres": 5432, "postgresql": 5432, "mysql": 3306, "mariadb": 3306, "redis": 6379,
    "mongodb": 27017, "amqp": 5672, "memcached": 11211, "http": 80, "https": 443,
    "rabbit": 5672,  # oslo.messaging's transport_url
}
#: FOO_HOST=localhost: which backing stacks a prefix points at.
HOST_VAR_HINTS = {
    "DB": ("postgres", "mysql", "mariadb", "mongo"), "DATABASE": ("postgres", "mysql", "mariadb", "mongo"),
    "PG": ("postgres",), "POSTGRES": ("postgres",), "POSTGRESQL": ("postgres",),
    "MYSQL": ("mysql", "mariadb"), "MARIADB": ("mariadb", "mysql"),
    "REDIS": ("redis",), "CACHE": ("redis", "memcached"), "MEMCACHED": ("memcached",),
    "MONGO": ("mongo",), "MONGODB": ("mongo",), "AMQP": ("rabbitmq",), "RABBITMQ": ("rabbitmq",),
}


@dataclass(frozen=True)
class Target:
    name: str  # service name of the other app
    ports: tuple[int, ...]
    kind: str  # backing kind (postgres, redis…) or ""


def local_hosts(facts) -> list[str]:
    """Names by which an app on the VM reaches its neighbours."""
    hosts = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1"}
    for h in (facts.address, facts.os.hostname, facts.host):
        if h:
            hosts.add(h)
    for s in facts.sockets:
        if s.address not in ("0.0.0.0", "::", "*", ""):
            hosts.add(s.address)
    # longest first so "127.0.0.1" is not seen inside "127.0.0.10"
    return sorted(hosts, key=len, reverse=True)


def rewrite_text(text: str, hosts: list[str], targets: list[Target]) -> tuple[str, list[tuple[str, str]]]:
    """Replace host:port and scheme://host/ references; returns (text, [(old, new)])."""
    by_port = {}
    for t in targets:
        for p in t.ports:
            by_port.setdefault(p, t)
    changes: list[tuple[str, str]] = []
    host_alt = "|".join(re.escape(h) for h in hosts)
    edge = r"(?<![A-Za-z0-9_.-])"

    def sub_port(m: re.Match) -> str:
        t = by_port.get(int(m.group(2)))
        if not t:
            return m.group(0)
        new = f"{t.name}:{m.group(2)}"
        changes.append((m.group(0), new))
        return new

    text = re.sub(rf"{edge}({host_alt}):(\d{{1,5}})(?!\d)", sub_port, text)

    def sub_scheme(m: re.Match) -> str:
        # SQLAlchemy's dialect+driver (mysql+pymysql://) is the dialect's port
        port = SCHEME_PORTS.get(m.group(1).lower().split("+", 1)[0])
        t = by_port.get(port) if port else None
        if not t:
            return m.group(0)
        old = m.group(0)
        new = f"{m.group(1)}://{m.group(2) or ''}{t.name}"
        changes.append((old, new))
        return new

    text = re.sub(rf"\b([A-Za-z][A-Za-z0-9+]*)://([^/@\s]*@)?({host_alt})(?![:\w.-])", sub_scheme, text)
    return text, changes


def rewrite_host_var(name: str, value: str, hosts: list[str], targets: list[Target]) -> tuple[str, str] | None:
    """DB_HOST=localhost -> DB_HOST=db when exactly one neighbour fits the prefix."""
    m = re.match(r"^([A-Z0-9]+?)_?(HOST|HOSTNAME|SERVER|ADDR|ADDRESS)$", name.upper())
    if not m or value not in hosts:
        return None
    kinds = HOST_VAR_HINTS.get(m.group(1))
    if not kinds:
        return None
    fits = [t for t in targets if t.kind in kinds]
    if len(fits) != 1:
        return None
    return value, fits[0].name


#: the plan's record of a hard-coded database host (plan/databases.py writes it)
DB_HOST_REWRITE = re.compile(r"^config (?P<file>/\S+): database host (?P<old>\S+) -> (?P<new>[A-Za-z0-9][A-Za-z0-9.-]*)$")


def db_host_rewrites(rewrites: list[str], path: str) -> list[tuple[str, str]]:
    """(old, new) database hosts the plan moved for the settings file ``path``."""
    return [(m.group("old"), m.group("new")) for r in rewrites for m in [DB_HOST_REWRITE.match(r)]
            if m and m.group("file") == path]


def rewrite_db_host(text: str, old: str, new: str) -> tuple[str, int]:
    """Point a settings file's database host at ``new``: a value ``old`` (quoted or bare,
    with an optional :port or :socket) on a line whose key names a host or server,
    e.g. PHP ``define('DB_HOST', 'localhost');``, ``$wgDBserver = "localhost";``, YAML
    ``host: localhost``, INI ``host = 127.0.0.1``. Everything else stays byte for byte."""
    key = r"(?:[A-Za-z0-9_$]*(?:host|server)[A-Za-z0-9_]*)"
    rx = re.compile(
        rf"(?im)^(?P<head>[^\n#;]*?(?<![A-Za-z0-9_]){key}['\"]?\s*(?:,|=>|=|:)\s*(?P<q>['\"]?))"
        rf"{re.escape(old)}(?P<tail>(?::[^'\"\s,;)]*)?)(?=(?P=q))")

    done = 0

    def sub(m: re.Match) -> str:
        nonlocal done
        nxt = m.string[m.end():m.end() + 1]
        if not m.group("q") and nxt and (nxt.isalnum() or nxt in "_.-"):
            return m.group(0)  # a bare value that only starts with the old host
        tail = m.group("tail")
        if tail.startswith(":/"):  # a unix socket path: the service is reached over TCP now
            tail = ""
        done += 1
        return m.group("head") + new + tail

    return rx.sub(sub, text), done
