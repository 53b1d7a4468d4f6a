"""Executable jars (``java -jar app.jar``), Spring Boot first among them."""

from __future__ import annotations

import re

from ..model import App, Evidence, HostFacts, Process
from . import versions
from .common import (
    argv, basename, clamp, env_value, ev_file, ev_port, ev_process, ev_service, existing, join, listening,
    opt, port_spec, process_fields, roots, service_env_files, service_name, service_of, text_of, tree, uniq,
    wrapper_parent,
)
from .registry import Detector, register
from .javaservers import _is_server
from .jboss import is_jboss
from .tomcat import is_java, is_tomcat

BOOT_LAUNCHERS = ("org.springframework.boot.loader.JarLauncher", "org.springframework.boot.loader.PropertiesLauncher",
                  "org.springframework.boot.loader.launch.JarLauncher")


def _jar(p: Process) -> str:
    path = opt(argv(p), "-jar") or ""
    if path and not path.startswith("/") and p.cwd:
        path = join(p.cwd, path)
    return path


def _main_class(p: Process) -> str:
    args = argv(p)
    i = 1
    while i < len(args):
        a = args[i]
        if a in ("-cp", "-classpath", "--class-path", "-jar"):
            if a == "-jar":
                return ""
            i += 2
            continue
        if a.startswith("-"):
            i += 1
            continue
        return a
    return ""


def is_java_app(p: Process) -> bool:
    if not is_java(p):
        return False
    return is_java(p) and bool(_jar(p) or _main_class(p)) and not (is_tomcat(p) or is_jboss(p) or _is_server(p))


def _config_dirs(p: Process, jar: str) -> list[str]:
    dirs = [p.cwd, join(p.cwd, "config")] if p.cwd else []
    if jar:
        d = jar.rsplit("/", 1)[0]
        dirs += [d, join(d, "config")]
    loc = opt(argv(p), "--spring.config.location", "-Dspring.config.location") or ""
    out = []
    for d in uniq(dirs):
        out += [join(d, "application.properties"), join(d, "application.yml"), join(d, "application.yaml")]
    for item in loc.split(","):
        item = item.removeprefix("file:").removeprefix("optional:file:")
        if item.startswith("/"):
            out.append(item if not item.endswith("/") else join(item, "application.properties"))
    return uniq(out)


def _artifact(jar: str) -> str:
    stem = basename(jar).removesuffix(".jar")
    return re.sub(r"[-_.]?\d+(\.\d+)*([-.](SNAPSHOT|RELEASE|Final|GA))?$", "", stem) or stem


@register
class JavaJar(Detector):
    name = "java-jar"
    stacks = ("springboot", "java")
    order = 20

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, is_java_app):
            jar = _jar(p)
            out += _config_dirs(p, jar)
            if jar:
                out.append(jar + "!/META-INF/MANIFEST.MF")
            out += service_env_files(facts, [p])
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        return [self._one(facts, p) for p in roots(facts, is_java_app)]

    def _one(self, facts: HostFacts, p: Process) -> App:
        procs = tree(facts, p)
        wrapper = wrapper_parent(facts, p)
        if wrapper:
            procs.insert(0, wrapper)
        svc = service_of(facts, procs)
        args = argv(p)
        jar = _jar(p)
        main = _main_class(p)
        ev = [ev_process(p, f"java -jar {jar}" if jar else f"java main class {main}")]
        if svc:
            ev.append(ev_service(svc))
        conf = 0.6
        boot = False
        manifest = text_of(facts, jar + "!/META-INF/MANIFEST.MF") if jar else ""
        mv = re.search(r"Spring-Boot-Version:\s*(\S+)", manifest)
        if mv:
            boot = True
            ev.append(ev_file(jar + "!/META-INF/MANIFEST.MF", f"Spring-Boot-Version {mv.group(1)}"))
        if main in BOOT_LAUNCHERS:
            boot = True
            ev.append(Evidence(kind="process", ref=f"pid {p.pid}", detail=f"main class {main}"))
        spring_args = [a for a in args if a.startswith(("--spring.", "-Dspring.", "--server.port", "-Dserver.port"))]
        if spring_args:
            boot = True
            ev.append(Evidence(kind="process", ref=f"pid {p.pid}", detail=f"Spring arguments: {' '.join(spring_args)[:150]}"))
        configs = existing(facts, _config_dirs(p, jar))
        if configs:
            boot = True
            ev.append(ev_file(configs[0], "Spring Boot externalised configuration"))
        spring_env = sorted(k for k in {**(svc.environment if svc else {}), **p.env} if k.startswith("SPRING_"))
        if spring_env:
            boot = True
            ev.append(Evidence(kind="other", ref=f"env of pid {p.pid}", detail=f"Spring variables: {', '.join(spring_env)}"))
        if boot:
            conf = 0.85 + (0.1 if mv else 0)
        jv, jev = versions.java(facts, p, env_value(facts, p, svc, "JAVA_HOME") or "")
        if jev:
            ev.append(jev)
        ports = []
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s))
            if s.port in (1099, 9010) or s.port == 5005:
                continue  # JMX / debugger, not a service port
            ports.append(port_spec(facts, s, http=True if boot else None))
        if ports:
            conf += 0.05
        name = _artifact(jar) if jar else (main.rsplit(".", 1)[-1] if main else "app")
        logs = [a.split("=", 1)[1] for a in args if a.startswith(("--logging.file", "-Dlogging.file", "--logging.path", "-Dlogging.path"))]
        for c in configs:
            m = re.search(r"^logging\.(?:file\.name|file|path|file\.path)\s*[=:]\s*(/\S+)", text_of(facts, c), re.M)
            if m:
                logs.append(m.group(1))
        return App(
            name=name,
            stack="springboot" if boot else "java",
            runtime="java",
            runtime_version=jv,
            framework="spring-boot" if boot else "",
            stack_version=mv.group(1) if mv else "",
            confidence=clamp(conf),
            evidence=ev,
            **process_fields(facts, p, procs, svc),
            ports=ports,
            workdir=p.cwd,
            code_paths=[jar] if jar else ([p.cwd] if p.cwd else []),
            config_files=configs,
            log_paths=logs,
            service=service_name(svc),
        )
