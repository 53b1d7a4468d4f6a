"""Well-known servers that run on the JVM: Elasticsearch, Kafka, ZooKeeper, ActiveMQ, Solr, Jetty, Jenkins.

They would otherwise look like "a java main class on a port"; naming them
lets the plan use their official images and move their data properly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import App, Evidence, HostFacts, Process
from . import versions
from .backing import backing_app
from .common import (
    argv, clamp, env_value, ev_file, ev_port, ev_process, ev_service, existing, join, listening, port_spec,
    process_fields, roots, service_name, service_of, sysprop, text_of, tree, uniq,
)
from .configs import keyvalues
from .registry import Detector, register
from .tomcat import is_java


@dataclass(frozen=True)
class Server:
    stack: str
    name: str
    role: str
    port_name: str
    package: tuple[str, ...]
    default_data: str
    default_conf: str


SERVERS = {
    "org.elasticsearch.bootstrap.Elasticsearch": Server("elasticsearch", "elasticsearch", "backing", "http", ("elasticsearch",),
                                                        "/var/lib/elasticsearch", "/etc/elasticsearch/elasticsearch.yml"),
    "kafka.Kafka": Server("kafka", "kafka", "backing", "kafka", ("kafka", "confluent-kafka"), "/tmp/kafka-logs", ""),
    "org.apache.zookeeper.server.quorum.QuorumPeerMain": Server("zookeeper", "zookeeper", "backing", "zookeeper",
                                                                ("zookeeper", "zookeeperd"), "/var/lib/zookeeper", "/etc/zookeeper/conf/zoo.cfg"),
    "org.apache.activemq.console.Main": Server("activemq", "activemq", "backing", "openwire", ("activemq",), "", ""),
}


def _kind(p: Process) -> tuple[str, str]:
    """(main class or marker, what) for a JVM running a known server."""
    if not is_java(p):
        return "", ""
    args = argv(p)
    for cls in SERVERS:
        if cls in args:
            return cls, SERVERS[cls].stack
    jar = next((a for a in args if a.endswith(".jar") and args[args.index(a) - 1] == "-jar"), "") if "-jar" in args else ""
    if jar.endswith("jenkins.war") or any(a.endswith("jenkins.war") for a in args):
        return "jenkins", "jenkins"
    if sysprop(args, "solr.solr.home") or sysprop(args, "solr.install.dir"):
        return "solr", "solr"
    if jar.endswith("start.jar") and (sysprop(args, "jetty.home") or sysprop(args, "jetty.base")):
        return "jetty", "jetty"
    return "", ""


def _is_server(p: Process) -> bool:
    return bool(_kind(p)[0])


def _config_arg(p: Process, cls: str) -> str:
    args = argv(p)
    if cls in args:
        rest = args[args.index(cls) + 1 :]
        return next((a for a in rest if a.endswith((".properties", ".cfg", ".xml"))), "")
    return ""


@register
class JavaServers(Detector):
    name = "java-servers"
    stacks = tuple(s.stack for s in SERVERS.values()) + ("jenkins", "solr", "jetty")
    order = 9

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, _is_server):
            cls, stack = _kind(p)
            conf = _config_arg(p, cls) or (SERVERS[cls].default_conf if cls in SERVERS else "")
            if stack == "elasticsearch":
                home = sysprop(argv(p), "es.path.conf") or "/etc/elasticsearch"
                conf = join(home, "elasticsearch.yml")
            if stack == "jetty":
                base = sysprop(argv(p), "jetty.base") or sysprop(argv(p), "jetty.home") or p.cwd
                out += [join(base, "start.ini"), join(base, "start.d/*.ini")]
            out += [conf] if conf else []
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for p in roots(facts, _is_server):
            cls, stack = _kind(p)
            if cls in SERVERS:
                apps.append(self._backing(facts, p, cls))
            else:
                apps.append(self._app(facts, p, stack))
        return apps

    def _backing(self, facts: HostFacts, p: Process, cls: str) -> App:
        srv = SERVERS[cls]
        conf = _config_arg(p, cls) or srv.default_conf
        if srv.stack == "elasticsearch":
            conf = join(sysprop(argv(p), "es.path.conf") or "/etc/elasticsearch", "elasticsearch.yml")
        text = text_of(facts, conf) if conf else ""
        data = srv.default_data
        ev: list[Evidence] = [Evidence(kind="process", ref=f"pid {p.pid}", detail=f"main class {cls}")]
        if text:
            kv = keyvalues(text.replace(": ", "="))
            data = kv.get("path.data") or kv.get("log.dirs") or kv.get("dataDir") or data
            ev.append(ev_file(conf, f"data in {data}"))
        ver, vev = versions.from_packages(facts, *srv.package, label=srv.stack)
        jv, _ = versions.java(facts, p)
        notes = [f"runs on java {jv}"] if jv else []
        return backing_app(facts, p, name=srv.name, stack=srv.stack, runtime="java", version=ver, version_ev=vev,
                           port_name=srv.port_name, data_paths=[data.split(",")[0]] if data else [],
                           config_files=existing(facts, [conf]) if conf else [], log_paths=[], extra_ev=ev, notes=notes)

    def _app(self, facts: HostFacts, p: Process, stack: str) -> App:
        procs = tree(facts, p)
        svc = service_of(facts, procs)
        args = argv(p)
        ev = [ev_process(p, f"{stack} on the JVM")]
        if svc:
            ev.append(ev_service(svc))
        jv, jev = versions.java(facts, p, env_value(facts, p, svc, "JAVA_HOME") or "")
        if jev:
            ev.append(jev)
        code, data, configs = [], [], []
        if stack == "jenkins":
            home = env_value(facts, p, svc, "JENKINS_HOME") or sysprop(args, "JENKINS_HOME") or "/var/lib/jenkins"
            war = next((a for a in args if a.endswith("jenkins.war")), "")
            code, data = ([war] if war else []), [home]
        elif stack == "solr":
            home = sysprop(args, "solr.solr.home") or "/var/solr/data"
            code, data = [sysprop(args, "solr.install.dir") or "/opt/solr"], [home]
        else:  # jetty
            base = sysprop(args, "jetty.base") or sysprop(args, "jetty.home") or p.cwd
            code = [join(base, "webapps")]
            configs = existing(facts, [join(base, "start.ini")])
            m = re.search(r"^jetty\.(?:http\.)?port=(\d+)", text_of(facts, join(base, "start.ini")), re.M)
            if m:
                ev.append(ev_file(join(base, "start.ini"), f"http port {m.group(1)}"))
        ports = []
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s))
            ports.append(port_spec(facts, s, http=True if s.port != 50000 else None))  # 50000: Jenkins agents
        return App(
            name=stack,
            role="backing" if stack == "solr" else "app",
            stack=stack,
            runtime="java",
            runtime_version=jv,
            confidence=clamp(0.85),
            evidence=ev,
            **process_fields(facts, p, procs, svc),
            ports=ports,
            workdir=p.cwd,
            code_paths=code,
            config_files=configs,
            data_paths=data,
            service=service_name(svc),
        )
