"""Node.js apps under pm2: one app per pm2 process name (cluster instances together)."""

from __future__ import annotations

import json
import re

from ..model import App, HostFacts, Process
from . import versions
from .common import (
    basename, clamp, descendants, env_vars, ev_file, ev_port, ev_process, ev_service, join, listening, port_spec,
    prog, service_of, service_name, text_of, uniq,
)
from .names import slug
from .nodeapp import engines_node, framework, package_json, script
from .registry import Detector, register


def is_pm2_daemon(p: Process) -> bool:
    text = " ".join(p.cmdline) if p.cmdline else p.name
    return text.startswith("PM2 ") and "God Daemon" in text or prog(p) == "PM2"


def pm2_home(p: Process) -> str:
    m = re.search(r"God Daemon \(([^)]+)\)", " ".join(p.cmdline))
    if m:
        return m.group(1)
    return p.env.get("PM2_HOME", "")


def _dump(facts: HostFacts, home: str) -> tuple[str, list[dict]]:
    path = join(home, "dump.pm2") if home else ""
    t = text_of(facts, path) if path else ""
    if not t:
        return "", []
    try:
        data = json.loads(t)
    except ValueError:
        return path, []
    return path, [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def _key(p: Process, dump: list[dict]) -> str:
    """The pm2 app name of a child: its ``name`` env, else the dump entry running its script."""
    if p.env.get("name") and "pm_id" in p.env:
        return p.env["name"]
    s = script(p)
    for d in dump:
        if d.get("pm_exec_path") == s:
            return str(d.get("name", ""))
    return basename(s).rsplit(".", 1)[0] or f"pm2-{p.pid}"


@register
class Pm2(Detector):
    name = "pm2"
    stacks = ("pm2",)
    order = 15

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for d in facts.processes:
            if not is_pm2_daemon(d):
                continue
            home = pm2_home(d)
            if home:
                out.append(join(home, "dump.pm2"))
            _, dump = _dump(facts, home)
            cwds = [str(x.get("pm_cwd", "")) for x in dump] + [c.cwd for c in facts.children(d.pid)]
            for cwd in uniq(c for c in cwds if c.startswith("/")):
                out += [join(cwd, "package.json"), join(cwd, "ecosystem.config.js"), join(cwd, "process.json"), join(cwd, ".env")]
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        apps: list[App] = []
        for d in facts.processes:
            if is_pm2_daemon(d):
                apps += self._daemon(facts, d)
        return apps

    def _daemon(self, facts: HostFacts, daemon: Process) -> list[App]:
        home = pm2_home(daemon)
        dump_path, dump = _dump(facts, home)
        svc = service_of(facts, [daemon])
        groups: dict[str, list[Process]] = {}
        for c in facts.children(daemon.pid):
            groups.setdefault(_key(c, dump), []).append(c)
        apps = []
        for name, members in groups.items():
            entry = next((x for x in dump if x.get("name") == name), {})
            main = members[0]
            procs = []
            for m in members:
                procs += [m] + descendants(facts, m.pid)
            ev = [ev_process(daemon, f"pm2 daemon (home {home or '?'})")]
            ev += [ev_process(m, f"pm2 process {name!r}") for m in members]
            if svc:
                ev.append(ev_service(svc, f"pm2 started at boot by {svc.name}"))
            if entry:
                ev.append(ev_file(dump_path, f"pm2 app {name!r}: {entry.get('exec_mode', '?')}, "
                                             f"instances {entry.get('instances', 1)}, script {entry.get('pm_exec_path', '?')}"))
            cwd = str(entry.get("pm_cwd") or main.cwd)
            pkg_path, pkg = package_json(facts, [join(cwd, "package.json")] if cwd else [])
            fw, fev = framework(pkg_path, pkg)
            if fev:
                ev.append(fev)
            nv, nev = versions.node(facts, main)
            if nev:
                ev.append(nev)
            nv = nv or engines_node(pkg)
            ports = []
            for s in listening(facts, [x.pid for x in procs] + ([daemon.pid] if entry.get("exec_mode") == "cluster_mode" else [])):
                ev.append(ev_port(s))
                ports.append(port_spec(facts, s, http=True if fw else None))
            # Cluster mode: the daemon owns the listening socket; only claim it when one app is clustered.
            dump_env = entry.get("env") if isinstance(entry.get("env"), dict) else {}
            user_env = {k: str(v) for k, v in dump_env.items() if not isinstance(v, (dict, list))}
            env = env_vars({k: v for k, v in user_env.items() if k in main.env or k not in _pm2_inherited(daemon)}, main.env)
            logs = [str(entry[k]) for k in ("pm_out_log_path", "pm_err_log_path") if entry.get(k)]
            instances = entry.get("instances", len(members))
            apps.append(App(
                name=slug(name),
                stack="pm2",
                runtime="node",
                runtime_version=nv,
                framework=fw,
                confidence=clamp(0.8 + (0.1 if entry else 0) + (0.05 if ports else 0)),
                evidence=ev,
                pids=[x.pid for x in procs],
                ports=ports,
                command=list(main.cmdline),
                workdir=cwd,
                user=main.user or daemon.user,
                env=env,
                code_paths=[cwd] if cwd else [],
                config_files=[f for f in (join(cwd, "ecosystem.config.js"), join(cwd, "process.json"), join(cwd, ".env"))
                              if cwd and facts.file(f)],
                log_paths=uniq(logs) or ([join(home, "logs")] if home else []),
                service=service_name(svc),
                notes=[f"pm2 {entry.get('exec_mode', 'fork_mode')} with {instances} instance(s): "
                       "run one process per container and scale with replicas"] if entry or len(members) > 1 else [],
            ))
        return apps


def _pm2_inherited(daemon: Process) -> set[str]:
    # pm2 copies the daemon's own environment into every app; that is not app config.
    return set(daemon.env)
