"""Other backing services a legacy VM often runs: memcached, MongoDB, RabbitMQ."""

from __future__ import annotations

import re

from ..model import App, HostFacts, Process
from . import versions
from .backing import backing_app
from .common import argv, ev_file, existing, opt, prog, roots, runs, text_of
from .registry import Detector, register


def is_memcached(p: Process) -> bool:
    return runs(p, "memcached")


def is_mongod(p: Process) -> bool:
    return runs(p, "mongod")


def is_rabbit(p: Process) -> bool:
    args = argv(p)
    return prog(p) in ("beam.smp", "beam") and ("rabbit" in args or any("rabbitmq" in a for a in args[:40]))


@register
class Memcached(Detector):
    name = "memcached"
    stacks = ("memcached",)
    order = 31

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for p in roots(facts, is_memcached):
            ver, vev = versions.from_packages(facts, "memcached", label="memcached")
            mem = opt(argv(p), "-m", "--memory-limit")
            apps.append(backing_app(
                facts, p, name="memcached", stack="memcached", runtime="memcached", version=ver, version_ev=vev,
                port_name="memcached", data_paths=[], config_files=existing(facts, ["/etc/memcached.conf", "/etc/sysconfig/memcached"]),
                log_paths=[], extra_ev=[], notes=[f"cache of {mem} MB; no data to move" if mem else "a cache; no data to move"],
            ))
        return apps

    def wants(self, facts: HostFacts) -> list[str]:
        return ["/etc/memcached.conf", "/etc/sysconfig/memcached"] if any(is_memcached(p) for p in facts.processes) else []


@register
class MongoDB(Detector):
    name = "mongodb"
    stacks = ("mongodb",)
    order = 31

    def wants(self, facts: HostFacts) -> list[str]:
        out = []
        for p in roots(facts, is_mongod):
            out.append(opt(argv(p), "--config", "-f") or "/etc/mongod.conf")
        return out

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for p in roots(facts, is_mongod):
            conf = opt(argv(p), "--config", "-f") or "/etc/mongod.conf"
            text = text_of(facts, conf)
            m = re.search(r"dbPath:\s*(\S+)", text)
            data = opt(argv(p), "--dbpath") or (m.group(1) if m else "/var/lib/mongodb")
            lm = re.search(r"systemLog:(?:.|\n)*?path:\s*(\S+)", text)
            ver, vev = versions.from_packages(facts, "mongodb-org-server", "mongodb-server", "mongodb", label="mongodb")
            apps.append(backing_app(
                facts, p, name="mongodb", stack="mongodb", runtime="mongod", version=ver, version_ev=vev, port_name="mongodb",
                data_paths=[data], config_files=existing(facts, [conf]), log_paths=[lm.group(1)] if lm else [],
                extra_ev=[ev_file(conf, f"dbPath {data}")] if text else [],
                notes=["move the data with mongodump/mongorestore"],
            ))
        return apps


@register
class RabbitMQ(Detector):
    name = "rabbitmq"
    stacks = ("rabbitmq",)
    order = 31

    def wants(self, facts: HostFacts) -> list[str]:
        if any(is_rabbit(p) for p in facts.processes):
            return ["/etc/rabbitmq/rabbitmq.conf", "/etc/rabbitmq/rabbitmq.config", "/etc/rabbitmq/rabbitmq-env.conf"]
        return []

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for p in roots(facts, is_rabbit):
            ver, vev = versions.from_packages(facts, "rabbitmq-server", label="rabbitmq")
            apps.append(backing_app(
                facts, p, name="rabbitmq", stack="rabbitmq", runtime="erlang", version=ver, version_ev=vev, port_name="amqp",
                data_paths=["/var/lib/rabbitmq"], log_paths=["/var/log/rabbitmq"],
                config_files=existing(facts, ["/etc/rabbitmq/rabbitmq.conf", "/etc/rabbitmq/rabbitmq.config", "/etc/rabbitmq/rabbitmq-env.conf"]),
                extra_ev=[], notes=["queues and users: export definitions with rabbitmqctl export_definitions"],
            ))
        return apps
