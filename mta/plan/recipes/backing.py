"""Backing services (databases, caches, brokers): the official image with a tag
that exists, or (``--base debian``) a build from bookworm's packages run by an
entrypoint that keeps the official image's contract.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from ...model import Build, ConfigFile
from .. import images
from .registry import Recipe, register


BACKING_KINDS = {
    "postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "mariadb": "mariadb",
    "redis": "redis", "mongodb": "mongo", "mongo": "mongo", "memcached": "memcached", "rabbitmq": "rabbitmq",
}


#: backing services: repo, known lines, how many version parts a tag has, suffix
BACKING = {
    "postgres": ("postgres", [(9, m) for m in range(0, 7)] + [(m,) for m in range(10, 18)], None, ""),
    "mysql": ("mysql", [(5, 5), (5, 6), (5, 7), (8, 0), (8, 4)], 2, ""),
    "mariadb": ("mariadb", [(10, m) for m in range(0, 12)] + [(11, m) for m in range(0, 9)], 2, ""),
    "redis": ("redis", [(3, 0), (3, 2), (4, 0), (5, 0), (6, 0), (6, 2), (7, 0), (7, 2), (7, 4), (8, 0)], 2, "-alpine"),
    "mongo": ("mongo", [(3, 4), (3, 6), (4, 0), (4, 2), (4, 4), (5, 0), (6, 0), (7, 0), (8, 0)], 2, ""),
    "memcached": ("memcached", [(1, 6)], 2, "-alpine"),
    "rabbitmq": ("rabbitmq", [(3, m) for m in range(6, 14)] + [(4, 0), (4, 1)], 2, "-management"),
}


BACKING_DEFAULT = {"postgres": "16", "mysql": "8.0", "mariadb": "10.11", "redis": "7.2", "mongo": "7.0",
                   "memcached": "1.6", "rabbitmq": "3.13"}


def backing_image(kind: str, version: str) -> tuple[str, list[str]]:
    repo, known, parts, suffix = BACKING[kind]
    v = images.version_tuple(version)
    if not v:
        return f"{repo}:{BACKING_DEFAULT[kind]}{suffix}", [f"{kind} version unknown; using {BACKING_DEFAULT[kind]}"]
    if kind == "postgres":
        want = v[:2] if v[0] < 10 else v[:1]
    else:
        want = (v + (0,))[:parts]
    got = images.closest(want, known)
    had, tag = ".".join(map(str, want)), ".".join(map(str, got))
    return f"{repo}:{tag}{suffix}", images.moved(kind, had, tag)


BACKING_SPEC = {
    # kind: (data path, uid, env secrets, exec probe)
    "postgres": ("/var/lib/postgresql/data", 999, ["POSTGRES_PASSWORD"], ["pg_isready", "-h", "127.0.0.1", "-U", "postgres"]),
    "mysql": ("/var/lib/mysql", 999, ["MYSQL_ROOT_PASSWORD"], ["mysqladmin", "ping", "-h", "127.0.0.1", "--silent"]),
    "mariadb": ("/var/lib/mysql", 999, ["MARIADB_ROOT_PASSWORD"], []),
    "redis": ("/data", 999, [], ["redis-cli", "ping"]),
    "mongo": ("/data/db", 999, [], []),
    "memcached": ("", 11211, [], []),
    "rabbitmq": ("/var/lib/rabbitmq", 999, [], ["rabbitmq-diagnostics", "-q", "ping"]),
}


def backing_kind(app) -> str:
    return BACKING_KINDS.get((app.stack or "").lower(), "")


@dataclass(frozen=True)
class DebianBacking:
    """A backing service built from the Debian base and bookworm's packages,
    run by an entrypoint (templates/docker/backing/) that keeps the official
    image's contract: env vars and their *_FILE variants, data dir, uid 999,
    /docker-entrypoint-initdb.d on an empty data dir."""

    label: str  # what the VM ran, in notes
    packages: tuple[str, ...]
    version: tuple[int, ...]  # bookworm's line
    account: str  # the uid-999 account, made before the packages so they reuse it
    home: str
    runtime_dirs: tuple[str, ...]  # besides the data dir, owned by the account
    cmd: tuple[str, ...]
    probe: tuple[str, ...]  # exec readiness; () = tcp on the port
    env: tuple[tuple[str, str], ...] = ()
    preinstall: str = ""  # before apt-get (e.g. no default cluster)
    postinstall: str = ""  # in the same layer, after apt-get (empty the data dir, listen on the network)
    stopsignal: str = ""
    helpers: tuple[str, ...] = ()  # programs the entrypoint runs besides the server (Falco's allow list)


#: what every backing entrypoint may run
ENTRYPOINT_TOOLS = ("cat", "chmod", "chown", "date", "find", "grep", "gzip", "head", "ls", "mkdir", "mktemp", "rm",
                    "sed", "setpriv", "sleep", "tr", "xz", "zstd")


_PG_BIN = "/usr/lib/postgresql/15/bin"


_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEBIAN_BACKING = {
    "mariadb": DebianBacking("MariaDB", ("mariadb-server",), (10, 11), "mysql", "/var/lib/mysql",
                             ("/run/mysqld",), ("mariadbd",), ("mariadb-admin", "ping", "--silent"),
                             helpers=("mariadb", "mariadb-admin", "mariadb-install-db", "my_print_defaults",
                                      "resolveip"),
                             postinstall="rm -rf /var/lib/mysql"
                                         r" && printf '[mysqld]\nbind-address = 0.0.0.0\nskip-name-resolve\n"
                                         r"skip-host-cache\n' > /etc/mysql/mariadb.conf.d/99-container.cnf"),
    "postgres": DebianBacking("PostgreSQL", ("postgresql-15",), (15,), "postgres", "/var/lib/postgresql",
                              ("/var/run/postgresql",), ("postgres",), ("pg_isready", "-h", "127.0.0.1", "-U", "postgres"),
                              env=(("PATH", f"{_PG_BIN}:{_PATH}"), ("PGDATA", "/var/lib/postgresql/data")),
                              preinstall="mkdir -p /etc/postgresql-common/createcluster.d"
                                         " && echo 'create_main_cluster = false'"
                                         " > /etc/postgresql-common/createcluster.d/mta.conf",
                              postinstall="sed -ri \"s/^#?(listen_addresses)\\s*=\\s*\\S+.*/\\1 = '*'/\" "
                                          "/usr/share/postgresql/15/postgresql.conf.sample",
                              stopsignal="SIGINT",
                              helpers=("initdb", "pg_ctl", "pg_isready", "pg_restore", "psql")),
    "redis": DebianBacking("Redis", ("redis-server",), (7, 0), "redis", "/data", (), ("redis-server",),
                           ("redis-cli", "ping"), helpers=("redis-cli",)),
    "memcached": DebianBacking("memcached", ("memcached",), (1, 6), "memcache", "/nonexistent", (),
                               ("memcached",), ()),
    "rabbitmq": DebianBacking("RabbitMQ", ("rabbitmq-server",), (3, 10), "rabbitmq", "/var/lib/rabbitmq",
                              ("/var/log/rabbitmq",), ("rabbitmq-server",), ("rabbitmq-diagnostics", "-q", "ping"),
                              # no Erlang cookie baked in: each volume gets its own on first start
                              postinstall="find /var/lib/rabbitmq -mindepth 1 -delete",
                              # the server's own scripts, not Debian's wrappers (they log to files, no exec)
                              env=(("PATH", f"/usr/lib/rabbitmq/bin:{_PATH}"), ("RABBITMQ_NODENAME", "rabbit@localhost")),
                              helpers=("beam.smp", "epmd", "erl", "erl_child_setup", "inet_gethost", "rabbitmq-diagnostics",
                                       "rabbitmq-env", "rabbitmqctl")),
}
DEBIAN_BACKING["mysql"] = replace(DEBIAN_BACKING["mariadb"], label="MySQL")
#: where the generated entrypoint goes, from apps/<app>/ (the build context)
BACKING_ENTRYPOINT = "docker-entrypoint.sh"


def debian_backing(kind: str) -> Optional[DebianBacking]:
    return DEBIAN_BACKING.get(kind)


def _debian_backing_notes(kind: str, spec: DebianBacking, version: str) -> list[str]:
    got = ".".join(map(str, spec.version))
    server = "MariaDB" if kind in ("mysql", "mariadb") else spec.label
    v = images.version_tuple(version)
    if not v:
        return [f"{spec.label} version unknown; Debian bookworm's {server} {got} is used"]
    had = ".".join(map(str, v[:len(spec.version)] if kind != "postgres" or v[0] >= 10 else v[:2]))
    notes = []
    if kind == "mysql":
        notes.append(f"MySQL {had} is not packaged in Debian bookworm: MariaDB {got} serves it (same protocol, "
                     "MYSQL_* variables and data dir); restore a mysqldump, not the data files, and check "
                     "clients that need MySQL 8 features (caching_sha2_password, JSON functions)")
    elif v[:len(spec.version)] != spec.version and (kind != "postgres" or v[:1] != spec.version):
        notes.append(f"{spec.label} {had} moves to {got}, the version Debian bookworm packages: "
                     + ("restore a pg_dump taken on the VM (pg_restore into 15); the VM's data dir "
                        "itself needs pg_upgrade" if kind == "postgres" else
                        "restore a dump, not the VM's data files" if kind == "mariadb" else
                        "check the app against the new version"))
    return notes


#: only by stack: a runtime named like a service (redis-server's) is not a backing stack
@register("backing", stacks=tuple(BACKING_KINDS), by_runtime=False)
def _backing(app, facts, debian: bool) -> Recipe:
    kind = backing_kind(app)
    spec = DEBIAN_BACKING.get(kind) if debian else None
    if spec is None:
        image, notes = backing_image(kind, app.runtime_version)
        if debian:
            notes = notes + [f"{kind} is not packaged in Debian bookworm: the official image is kept "
                             "(it needs a registry that has it)"]
        _, uid, _, _ = BACKING_SPEC[kind]
        return Recipe(build=None, image=image, notes=notes, run_as_user=uid)
    data, uid, _, _ = BACKING_SPEC[kind]
    b = Build(base_image=images.DEBIAN_IMAGE, packages=list(spec.packages), workdir=data or "/",
              user=str(uid), entrypoint=["/bin/sh", "/usr/local/bin/" + BACKING_ENTRYPOINT], cmd=list(spec.cmd),
              env=dict(spec.env), files=[ConfigFile(source=BACKING_ENTRYPOINT,
                                                    target="/usr/local/bin/" + BACKING_ENTRYPOINT, configmap=False)],
              writable=[d for d in (data, *spec.runtime_dirs) if d])
    if kind in ("mysql", "mariadb", "postgres", "rabbitmq"):
        b.steps.append("mkdir -p /docker-entrypoint-initdb.d")
    notes = _debian_backing_notes(kind, spec, app.runtime_version)
    contract = ("variables and *_FILE, data dir, uid {uid}, /docker-entrypoint-initdb.d"
                if kind in ("mysql", "mariadb", "postgres") else
                "variables and *_FILE, data dir, uid {uid}, definitions.json in /docker-entrypoint-initdb.d"
                if kind == "rabbitmq" else "data dir, uid {uid}" if data else "uid {uid}").format(uid=uid)
    notes.append(f"built from {images.DEBIAN_IMAGE} with Debian's {', '.join(spec.packages)}; its entrypoint keeps "
                 f"the official {kind} image's contract ({contract})")
    return Recipe(build=b, notes=notes, run_as_user=uid, tool="bash")
