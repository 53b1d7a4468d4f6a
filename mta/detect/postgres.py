"""PostgreSQL server (role ``backing``)."""

from __future__ import annotations

import re

from ..model import App, Evidence, HostFacts, Process
from . import versions
from .backing import backing_app
from .common import argv, descendants, ev_file, existing, join, opt, prog, roots, text_of, uniq
from .configs import keyvalues
from .registry import Detector, register


def is_postgres(p: Process) -> bool:
    text = " ".join(p.cmdline) if p.cmdline else p.name
    return prog(p) in ("postgres", "postmaster") or text.startswith("postgres:") or p.name in ("postgres", "postmaster")


def _paths(p: Process) -> tuple[str, str]:
    args = argv(p)
    data = opt(args, "-D") or p.env.get("PGDATA", "")
    conf = ""
    for i, a in enumerate(args):
        if a == "-c" and i + 1 < len(args) and args[i + 1].startswith("config_file="):
            conf = args[i + 1].split("=", 1)[1]
        elif a.startswith("--config-file=") or a.startswith("--config_file="):
            conf = a.split("=", 1)[1]
    if not conf and data:
        conf = join(data, "postgresql.conf")
    return data.rstrip("/"), conf


def _version(facts: HostFacts, p: Process) -> tuple[str, Evidence | None]:
    for rx in (r"/postgresql/(\d+(?:\.\d+)?)/", r"pgsql-?(\d+(?:\.\d+)?)/", r"/pgsql/(\d+)/"):
        m = re.search(rx, f"{p.exe} {' '.join(p.cmdline[:3])}")
        if m:
            return m.group(1), Evidence(kind="process", ref=f"pid {p.pid}", detail=f"postgres {m.group(1)} from path")
    for pk in sorted(facts.packages, key=lambda x: x.name):
        m = re.fullmatch(r"postgresql(\d+(?:\.\d+)?)?(-server)?|postgresql-(\d+(?:\.\d+)?)|postgresql(\d\d)-server", pk.name)
        if m and (m.group(2) or m.group(3) or m.group(4) or pk.name in ("postgresql-server",)):
            v = m.group(3) or m.group(4) or pk.version
            mm = re.match(r"(\d+)(?:\.(\d+))?", v.split(":")[-1])
            if mm:
                ver = mm.group(1) if int(mm.group(1)) >= 10 else f"{mm.group(1)}.{mm.group(2)}"
                return ver, Evidence(kind="package", ref=pk.name, detail=f"postgresql {pk.version} installed")
    return versions.from_packages(facts, "postgresql", label="postgresql")


@register
class Postgres(Detector):
    name = "postgresql"
    stacks = ("postgresql",)
    order = 30

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, is_postgres):
            data, conf = _paths(p)
            out += [conf] if conf else []
            if conf:
                out.append(join(conf.rsplit("/", 1)[0], "pg_hba.conf"))
            if data:
                out.append(join(data, "PG_VERSION"))
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for p in roots(facts, is_postgres):
            data, conf = _paths(p)
            kv = keyvalues(text_of(facts, conf)) if conf else {}
            ev = []
            if kv:
                ev.append(ev_file(conf, f"port {kv.get('port', '5432')}, data_directory {kv.get('data_directory', data or '?')}"))
            data = kv.get("data_directory", data) or "/var/lib/pgsql/data"
            ver, vev = _version(facts, p)
            pv = text_of(facts, join(data, "PG_VERSION")).strip()
            if pv:
                ver = pv
                vev = ev_file(join(data, "PG_VERSION"), f"cluster format {pv}")
            dbs = sorted({m.group(2) for c in descendants(facts, p.pid)
                          if (m := re.match(r"postgres: (?:[\w./-]+: )?(\S+) (\S+) (?:[\w.:\[\]-]+\(\d+\)|\[local\])", " ".join(c.cmdline)))})
            notes = [f"databases in use: {', '.join(dbs)}"] if dbs else []
            notes.append("move the data with pg_dump/pg_restore or a base backup, not by copying files of a running server")
            log_dir = kv.get("log_directory", "")
            if log_dir.startswith("/"):
                logs = [log_dir]
            elif log_dir or not conf.startswith("/etc/postgresql/"):
                logs = [join(data, log_dir or ("log" if ver[:2].isdigit() and int(ver.split(".")[0]) >= 10 else "pg_log"))]
            else:  # Debian/Ubuntu: pg_ctlcluster sends the server log to /var/log/postgresql
                logs = ["/var/log/postgresql"]
            apps.append(backing_app(
                facts, p, name="db", stack="postgresql", runtime="postgres", version=ver, version_ev=vev,
                port_name="postgres", data_paths=[data], config_files=existing(facts, [conf, join(conf.rsplit("/", 1)[0], "pg_hba.conf")] if conf else []),
                log_paths=logs, extra_ev=ev, notes=notes,
            ))
        return apps
