"""Plain Node.js apps: ``node server.js``, possibly behind npm/forever/nodemon."""

from __future__ import annotations

from ..model import App, HostFacts, Process
from . import versions
from .common import (
    basename, clamp, ev_port, ev_process, ev_service, existing, join, listening, port_spec, process_fields,
    roots, service_env_files, service_name, service_of, tree, uniq, wrapper_parent,
)
from .names import slug
from .nodeapp import engines_node, framework, is_launcher, is_node, package_json, package_json_paths, real_main, script
from .pm2 import is_pm2_daemon
from .registry import Detector, register


def _is_plain_node(facts: HostFacts):
    pm2_pids = {p.pid for p in facts.processes if is_pm2_daemon(p)}

    def match(p: Process) -> bool:
        return is_node(p) and p.ppid not in pm2_pids and not is_pm2_daemon(p)

    return match


@register
class Node(Detector):
    name = "node"
    stacks = ("node",)
    order = 25

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for root in roots(facts, _is_plain_node(facts)):
            main = real_main(facts, root)
            out += package_json_paths(main)
            if main.cwd:
                out += [join(main.cwd, ".env"), join(main.cwd, "ecosystem.config.js"), join(main.cwd, "config/default.json"),
                        join(main.cwd, "config/production.json")]
            out += service_env_files(facts, [root])
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        apps = []
        for root in roots(facts, _is_plain_node(facts)):
            main = real_main(facts, root)
            if is_launcher(main):
                continue  # a bare npm/yarn with no app under it
            apps.append(self._one(facts, root, main))
        return apps

    def _one(self, facts: HostFacts, root: Process, main: Process) -> App:
        procs = tree(facts, root)
        wrapper = wrapper_parent(facts, root)
        if wrapper:
            procs.insert(0, wrapper)
        svc = service_of(facts, procs)
        ev = [ev_process(main, "node application")]
        if root is not main:
            ev.append(ev_process(root, "launched by"))
        if svc:
            ev.append(ev_service(svc))
        pkg_path, pkg = package_json(facts, package_json_paths(main))
        fw, fev = framework(pkg_path, pkg)
        if fev:
            ev.append(fev)
        nv, nev = versions.node(facts, main)
        if nev:
            ev.append(nev)
        if not nv and engines_node(pkg):
            nv = engines_node(pkg)
        ports = []
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s))
            ports.append(port_spec(facts, s, http=True if fw else None))
        conf = 0.6 + (0.15 if pkg else 0) + (0.1 if ports else 0) + (0.05 if fw else 0)
        s = script(main)
        workdir = main.cwd or (s.rsplit("/", 1)[0] if s.startswith("/") else "")
        code_root = pkg_path.rsplit("/", 1)[0] if pkg_path else workdir
        name = pkg.get("name") if isinstance(pkg.get("name"), str) else ""
        name = slug(name.split("/")[-1]) if name else (slug(basename(code_root)) if code_root else "node")
        return App(
            name=name,
            stack="node",
            runtime="node",
            runtime_version=nv,
            framework=fw,
            confidence=clamp(conf),
            evidence=ev,
            **process_fields(facts, main, procs, svc),
            ports=ports,
            workdir=workdir,
            code_paths=[code_root] if code_root else ([s] if s else []),
            config_files=existing(facts, [join(workdir, ".env"), join(workdir, "config/default.json"),
                                          join(workdir, "config/production.json")]) if workdir else [],
            service=service_name(svc),
            notes=["node_modules: reinstall with npm ci from package-lock.json instead of copying"] if pkg else [],
        )
