"""Java EE applications on JBoss AS / EAP / WildFly (standalone mode)."""

from __future__ import annotations

import re

from ..model import App, Evidence, HostFacts, Process
from . import versions
from .common import (
    argv, basename, clamp, env_value, ev_file, ev_port, ev_process, ev_service, existing, files_under, join,
    listening, opt, port_spec, process_fields, roots, service_env_files, service_name, service_of, sysprop,
    text_of, tree, uniq, wrapper_parent,
)
from .registry import Detector, register
from .tomcat import is_java


def is_jboss(p: Process) -> bool:
    if not is_java(p):
        return False
    args = argv(p)
    return any("jboss-modules.jar" in a for a in args) or "org.jboss.as.standalone" in args or any(
        a.startswith("-Djboss.home.dir=") for a in args
    )


def _layout(p: Process) -> dict[str, str]:
    args = argv(p)
    home = sysprop(args, "jboss.home.dir") or ""
    if not home:
        jar = next((a for a in args if a.endswith("jboss-modules.jar")), "")
        home = jar.rsplit("/", 1)[0] if "/" in jar else p.cwd
    base = sysprop(args, "jboss.server.base.dir") or join(home, "standalone")
    cfg = opt(args, "-c", "--server-config") or sysprop(args, "jboss.server.default.config") or "standalone.xml"
    return {
        "home": home,
        "base": base,
        "config": cfg if cfg.startswith("/") else join(base, "configuration", cfg),
        "deployments": join(base, "deployments"),
        "log": sysprop(args, "jboss.server.log.dir") or join(base, "log"),
        "data": join(base, "data"),
    }


@register
class JBoss(Detector):
    name = "jboss"
    stacks = ("jboss", "wildfly")
    order = 10

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, is_jboss):
            lay = _layout(p)
            out += [lay["config"], join(lay["home"], "version.txt"), join(lay["home"], "bin/standalone.conf"),
                    join(lay["deployments"], "*.dodeploy"), join(lay["deployments"], "*.deployed")]
            out += service_env_files(facts, [p])
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        return [self._one(facts, p) for p in roots(facts, is_jboss)]

    def _one(self, facts: HostFacts, p: Process) -> App:
        lay = _layout(p)
        procs = tree(facts, p)
        wrapper = wrapper_parent(facts, p)
        if wrapper:
            procs.insert(0, wrapper)
        svc = service_of(facts, procs)
        ev = [ev_process(p, "JVM running JBoss Modules (jboss.home " + lay["home"] + ")")]
        if svc:
            ev.append(ev_service(svc))
        jv, jev = versions.java(facts, p, env_value(facts, p, svc, "JAVA_HOME") or "")
        if jev:
            ev.append(jev)
        vt = text_of(facts, join(lay["home"], "version.txt"))
        m = re.search(r"(WildFly|JBoss[\w ]*?)\s+(?:Full\s+|Application Platform - Version\s+)?(\d+)\.(\d+)", vt)
        stack = "wildfly" if "wildfly" in (vt + lay["home"]).lower() else "jboss"
        version = ""
        if m:
            version = f"{m.group(2)}.{m.group(3)}"
            ev.append(ev_file(join(lay["home"], "version.txt"), vt.strip().splitlines()[0][:120]))
        else:
            mm = re.search(r"(?:wildfly|jboss[-\w]*?)-(\d+)\.(\d+)", lay["home"], re.I)
            if mm:
                version = f"{mm.group(1)}.{mm.group(2)}"
        cfg = text_of(facts, lay["config"])
        if cfg:
            ev.append(ev_file(lay["config"], "server configuration"))
        ports, notes = [], []
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s))
            if s.port in (9990, 9993, 9999):
                notes.append(f"port {s.port} is the management interface; not exposed")
                continue
            ports.append(port_spec(facts, s, name="http" if s.port != 8443 else "https", http=s.port not in (8009,)))
        deployed = sorted({basename(f).rsplit(".", 1)[0] for f in files_under(facts, lay["deployments"])
                           if f.endswith((".deployed", ".dodeploy"))})
        if deployed:
            ev.append(Evidence(kind="file", ref=lay["deployments"], detail=f"deployments: {', '.join(deployed)}"))
        if "<datasource" in cfg:
            notes.append(f"datasources and their drivers are defined in {lay['config']} and {join(lay['home'], 'modules')}")
        return App(
            name=stack,
            stack=stack,
            runtime="java",
            runtime_version=jv,
            framework="jakarta-ee",
            stack_version=version,
            confidence=clamp(0.85 + (0.05 if cfg else 0)),
            evidence=ev,
            **process_fields(facts, p, procs, svc),
            ports=ports,
            workdir=p.cwd or lay["home"],
            code_paths=[lay["deployments"]],
            config_files=existing(facts, [lay["config"], join(lay["home"], "bin/standalone.conf")]),
            data_paths=[lay["data"]],
            log_paths=[lay["log"]],
            service=service_name(svc),
            notes=notes,
        )
