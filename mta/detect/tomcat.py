"""Java web applications on Apache Tomcat (tarball or distro package)."""

from __future__ import annotations

import re

from ..model import App, Evidence, HostFacts, Process
from . import versions
from .common import (
    argv, clamp, env_value, ev_file, ev_port, ev_process, ev_service, existing, files_under, join, listening,
    package, port_spec, process_fields, prog, roots, service_env_files, service_name, service_of, sysprop,
    text_of, tree, uniq, wrapper_parent,
)
from .registry import Detector, register

BOOTSTRAP = "org.apache.catalina.startup.Bootstrap"


def is_java(p: Process) -> bool:
    return prog(p) == "java" or p.name == "java" or p.exe.endswith("/java")


def is_tomcat(p: Process) -> bool:
    if not is_java(p):
        return False
    args = argv(p)
    return BOOTSTRAP in args or any(a.startswith("-Dcatalina.base=") or a.startswith("-Dcatalina.home=") for a in args)


def layout(p: Process) -> dict[str, str]:
    """CATALINA_BASE/HOME and the directories a distro package moves elsewhere."""
    args = argv(p)
    base = sysprop(args, "catalina.base") or sysprop(args, "catalina.home") or p.cwd
    home = sysprop(args, "catalina.home") or base
    conf, webapps, logs = join(base, "conf"), join(base, "webapps"), join(base, "logs")
    m = re.fullmatch(r"/usr/share/(tomcat\d*)", base)
    if m:  # RHEL package: conf -> /etc/tomcat, webapps -> /var/lib/tomcat/webapps
        conf, webapps, logs = f"/etc/{m.group(1)}", f"/var/lib/{m.group(1)}/webapps", f"/var/log/{m.group(1)}"
    m = re.fullmatch(r"/var/lib/(tomcat\d*)", base)
    if m:  # Debian package: conf -> /etc/tomcatN, logs -> /var/log/tomcatN
        conf, logs = f"/etc/{m.group(1)}", f"/var/log/{m.group(1)}"
    return {"base": base, "home": home, "conf": conf, "webapps": webapps, "logs": logs}


def tomcat_version(facts: HostFacts, lay: dict[str, str]) -> tuple[str, Evidence | None]:
    for path in (join(lay["home"], "RELEASE-NOTES"), join(lay["home"], "RUNNING.txt")):
        m = re.search(r"Apache Tomcat Version (\d+\.\d+)(\.\d+)?", text_of(facts, path))
        if m:
            return m.group(1), ev_file(path, f"Apache Tomcat {m.group(1)}{m.group(2) or ''}")
    m = re.search(r"(?:apache-)?tomcat-?(\d+)\.(\d+)", lay["home"])
    if m:
        return f"{m.group(1)}.{m.group(2)}", Evidence(kind="other", ref=lay["home"], detail="tomcat version from the install path")
    for name in ("tomcat", "tomcat9", "tomcat8", "tomcat7", "tomcat6"):
        pk = package(facts, name)
        if pk:
            v = ".".join(pk.version.split(":")[-1].split(".")[:2])
            return v, Evidence(kind="package", ref=pk.name, detail=f"tomcat {pk.version} installed")
    return "", None


def framework_of(text: str) -> str:
    if "org.springframework" in text:
        return "spring"
    if "struts" in text.lower():
        return "struts"
    if "javax.faces" in text or "jakarta.faces" in text:
        return "jsf"
    if "jersey" in text or "resteasy" in text.lower():
        return "jax-rs"
    return ""


@register
class Tomcat(Detector):
    name = "tomcat"
    stacks = ("tomcat",)
    order = 10

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, is_tomcat):
            lay = layout(p)
            out += [
                join(lay["conf"], "server.xml"), join(lay["conf"], "context.xml"),
                join(lay["conf"], "Catalina/localhost/*.xml"), join(lay["home"], "RELEASE-NOTES"),
                join(lay["base"], "bin/setenv.sh"), join(lay["home"], "bin/setenv.sh"),
                join(lay["webapps"], "*/WEB-INF/web.xml"), join(lay["webapps"], "*/META-INF/context.xml"),
                join(lay["webapps"], "*/WEB-INF/classes/application.properties"),
                "/etc/tomcat/tomcat.conf", "/etc/sysconfig/tomcat", "/etc/default/tomcat8", "/etc/default/tomcat9",
            ]
            out += service_env_files(facts, [p])
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for root in roots(facts, is_tomcat):
            apps.append(self._one(facts, root))
        return apps

    def _one(self, facts: HostFacts, p: Process) -> App:
        lay = layout(p)
        procs = tree(facts, p)
        wrapper = wrapper_parent(facts, p)
        if wrapper:
            procs.insert(0, wrapper)
        svc = service_of(facts, procs)
        ev = [ev_process(p, "JVM running Tomcat (catalina.base " + lay["base"] + ")")]
        conf = 0.7
        if BOOTSTRAP in argv(p):
            conf += 0.15
            ev.append(Evidence(kind="process", ref=f"pid {p.pid}", detail=f"main class {BOOTSTRAP}"))
        if svc:
            ev.append(ev_service(svc))
        jv, jev = versions.java(facts, p, env_value(facts, p, svc, "JAVA_HOME") or "")
        if jev:
            ev.append(jev)
        tv, tev = tomcat_version(facts, lay)
        if tev:
            ev.append(tev)
        server_xml = join(lay["conf"], "server.xml")
        sx = text_of(facts, server_xml)
        shutdown = re.search(r"<Server[^>]*\bport=\"(\d+)\"", sx)
        ajp = {int(m.group(1)) for m in re.finditer(r"<Connector[^>]*port=\"(\d+)\"[^>]*protocol=\"AJP", sx)}
        ajp |= {int(m.group(1)) for m in re.finditer(r"<Connector[^>]*protocol=\"AJP[^\"]*\"[^>]*port=\"(\d+)\"", sx)}
        http_ports = {int(m.group(1)) for m in re.finditer(r"<Connector\s[^>]*port=\"(\d+)\"", sx)} - ajp
        if sx:
            conf += 0.05
            ev.append(ev_file(server_xml, f"connectors: http {sorted(http_ports) or '-'}, ajp {sorted(ajp) or '-'}"))
        ports = []
        notes = []
        for s in listening(facts, [x.pid for x in procs]):
            if shutdown and s.port == int(shutdown.group(1)) or (not sx and s.port == 8005):
                notes.append(f"port {s.port} is Tomcat's shutdown port; not exposed")
                continue
            if s.port in ajp or (not sx and s.port == 8009):
                ports.append(port_spec(facts, s, name="ajp", http=False))
            else:
                ports.append(port_spec(facts, s, name="http", http=True))
            ev.append(ev_port(s))
        app_base = re.search(r"<Host[^>]*appBase=\"([^\"]+)\"", sx)
        webapps = lay["webapps"]
        if app_base and app_base.group(1) != "webapps":
            webapps = app_base.group(1) if app_base.group(1).startswith("/") else join(lay["base"], app_base.group(1))
        webxmls = [f for f in files_under(facts, webapps, "/WEB-INF/web.xml")]
        contexts = [m.group(1) for m in re.finditer(r"<Context[^>]*docBase=\"([^\"]+)\"", sx)]
        names = sorted({f[len(webapps) + 1 :].split("/")[0] for f in webxmls})
        framework = ""
        for f in webxmls:
            fw = framework_of(text_of(facts, f))
            if fw:
                framework = framework or fw
                ev.append(ev_file(f, f"web application uses {fw}"))
        if names:
            ev.append(Evidence(kind="file", ref=webapps, detail=f"web applications: {', '.join(names)}"))
        code = [webapps] + [c if c.startswith("/") else join(webapps, c) for c in contexts]
        configs = existing(facts, [
            server_xml, join(lay["conf"], "context.xml"), join(lay["base"], "bin/setenv.sh"),
            join(lay["home"], "bin/setenv.sh"), "/etc/tomcat/tomcat.conf", "/etc/sysconfig/tomcat",
            "/etc/default/tomcat8", "/etc/default/tomcat9",
        ]) + files_under(facts, join(lay["conf"], "Catalina/localhost"), ".xml") + webxmls
        configs += [f for f in files_under(facts, webapps) if f.endswith(("/META-INF/context.xml", "/application.properties"))]
        if "Welcome to Tomcat" in text_of(facts, join(webapps, "ROOT/WEB-INF/web.xml")):
            notes.append(f"{join(webapps, 'ROOT')} is Tomcat's stock welcome page")
        if not lay["base"].startswith(("/usr/share/", "/var/lib/")):
            notes.append("a tarball install: leave Tomcat's stock webapps (docs, examples, manager, host-manager) out of the image")
        if any("jdbc:" in text_of(facts, c) for c in configs):
            notes.append(f"JDBC driver jars may live in {join(lay['home'], 'lib')}; copy them with the webapps")
        return App(
            name="tomcat",
            stack="tomcat",
            runtime="java",
            runtime_version=jv,
            framework=framework,
            stack_version=tv,
            confidence=clamp(conf),
            evidence=ev,
            **process_fields(facts, p, procs, svc),
            ports=ports,
            workdir=p.cwd or lay["base"],
            code_paths=uniq(code),
            config_files=uniq(configs),
            log_paths=[lay["logs"]],
            service=service_name(svc),
            notes=notes,
        )
