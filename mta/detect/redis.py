"""Redis server (role ``backing``)."""

from __future__ import annotations

import re

from ..model import App, HostFacts, Process
from . import versions
from .backing import backing_app
from .common import argv, ev_file, existing, listening, roots, runs, service_of, text_of, uniq
from .configs import redis_conf
from .registry import Detector, register


def is_redis(p: Process) -> bool:
    return runs(p, "redis-server", "redis-sentinel") or (p.name == "redis-server")


def _port(conf_text: str) -> int:
    value = redis_conf(conf_text).get("port", "6379")
    return int(value) if value.isdigit() else 0


def _in_unit(facts: HostFacts, p: Process, path: str) -> bool:
    svc = service_of(facts, [p])
    return bool(svc and path in svc.exec_start)


def _conf(facts: HostFacts, p: Process) -> list[str]:
    args = argv(p)
    out = [a for a in args[1:] if a.endswith(".conf")]
    svc = service_of(facts, [p])
    if svc:
        out += re.findall(r"(/\S+\.conf)", svc.exec_start)
    return uniq(out + ["/etc/redis/redis.conf", "/etc/redis.conf", "/etc/redis/6379.conf"])


@register
class Redis(Detector):
    name = "redis"
    stacks = ("redis",)
    order = 30

    def wants(self, facts: HostFacts) -> list[str]:
        return uniq(c for p in roots(facts, is_redis) for c in _conf(facts, p))

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for p in roots(facts, is_redis):
            ports = {s.port for s in listening(facts, [p.pid])}
            named = [c for c in _conf(facts, p) if c in " ".join(argv(p)) or _in_unit(facts, p, c)]
            # A default config counts only when its port is the one this server listens on.
            confs = [c for c in existing(facts, _conf(facts, p))
                     if c in named or _port(text_of(facts, c)) in ports]
            kv = redis_conf(text_of(facts, confs[0])) if confs else {}
            ev = [ev_file(confs[0], f"dir {kv.get('dir', '?')}, port {kv.get('port', '6379')}, "
                                    f"appendonly {kv.get('appendonly', 'no')}")] if confs else []
            ver, vev = versions.from_packages(facts, "redis-server", "redis", "redis5", "redis6", label="redis")
            notes = []
            if kv.get("requirepass"):
                notes.append("requirepass is set: the password becomes a secret")
            if kv.get("save") == '""' or ("save" not in kv and kv.get("appendonly", "no") == "no" and confs):
                notes.append("no persistence configured: a cache; the volume may be dropped")
            apps.append(backing_app(
                facts, p, name="redis", stack="redis", runtime="redis", version=ver, version_ev=vev, port_name="redis",
                # redis chdirs into its data dir at start: the cwd is the truth even without a config
                data_paths=[p.cwd if p.cwd not in ("", "/") else kv.get("dir", "/var/lib/redis").strip('"')], config_files=confs[:1],
                log_paths=[kv["logfile"]] if kv.get("logfile", "").startswith("/") else [], extra_ev=ev, notes=notes,
            ))
        return apps
