"""MySQL / MariaDB server (role ``backing``)."""

from __future__ import annotations

import re

from ..model import App, Evidence, HostFacts, Process
from .backing import backing_app
from .common import argv, ev_file, existing, major_minor, opt, packages_matching, roots, runs, text_of, uniq
from .configs import ini_sections
from .registry import Detector, register

CNF = ["/etc/my.cnf", "/etc/mysql/my.cnf", "/etc/mysql/mysql.conf.d/mysqld.cnf", "/etc/mysql/mariadb.conf.d/50-server.cnf",
       "/etc/mysql/conf.d/*.cnf", "/etc/my.cnf.d/*.cnf", "/etc/mysql/mariadb.cnf"]


def is_mysql(p: Process) -> bool:
    return runs(p, "mysqld", "mariadbd", "mysqld_safe", "mariadbd-safe")


def _version(facts: HostFacts) -> tuple[str, str, Evidence | None]:
    for pk in packages_matching(facts, r"(mariadb|MariaDB)-server(-core)?(-\d+\.\d+)?|mysql-(community-)?server(-core)?(-\d+\.\d+)?|mysql\d\d-server|rh-mysql\d\d-mysql-server"):
        stack = "mariadb" if "mariadb" in pk.name.lower() else "mysql"
        m = re.search(r"-(\d+\.\d+)$", pk.name)
        ver = m.group(1) if m else major_minor(pk.version)
        return stack, ver, Evidence(kind="package", ref=pk.name, detail=f"{stack} {pk.version} installed")
    return "mysql", "", None


@register
class MySQL(Detector):
    name = "mysql"
    stacks = ("mysql", "mariadb")
    order = 30

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, is_mysql):
            df = opt(argv(p), "--defaults-file")
            out += ([df] if df else []) + CNF
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for p in roots(facts, is_mysql):
            args = argv(p) + [a for c in facts.children(p.pid) for a in argv(c)]
            stack, ver, vev = _version(facts)
            if "mariadb" in " ".join(args).lower() or runs(p, "mariadbd"):
                stack = "mariadb"
            files = [f.path for f in facts.files if f.path.startswith(("/etc/my.cnf", "/etc/mysql/")) and f.path.endswith((".cnf",))]
            files = uniq(([opt(argv(p), "--defaults-file")] if opt(argv(p), "--defaults-file") else []) + files)
            settings: dict[str, str] = {}
            ev = []
            for f in existing(facts, files):
                secs = ini_sections(text_of(facts, f))
                for name in ("mysqld", "mariadb", "server", "mysqld_safe"):
                    for k, v in secs.get(name, {}).items():
                        settings[k.replace("_", "-")] = v
                if any(k in secs for k in ("mysqld", "mariadb", "server")):
                    ev.append(ev_file(f, "server settings"))
            datadir = opt(args, "--datadir") or settings.get("datadir", "/var/lib/mysql")
            logs = [v for v in (opt(args, "--log-error") or settings.get("log-error", ""), settings.get("slow-query-log-file", "")) if v]
            notes = ["move the data with mysqldump/mariadb-dump or a physical backup, not by copying files of a running server"]
            if settings.get("bind-address") in ("127.0.0.1", "localhost"):
                notes.append("bind-address is 127.0.0.1; in a container the server must listen on all interfaces")
            apps.append(backing_app(
                facts, p, name="db", stack=stack, runtime="mysqld", version=ver, version_ev=vev, port_name="mysql",
                data_paths=[datadir.rstrip("/")], config_files=existing(facts, files), log_paths=logs or ["/var/log/mysql"],
                extra_ev=ev, notes=notes,
            ))
        return apps
