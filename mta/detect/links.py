"""After every detector ran: final names, secret names, dependencies, cron.

Dependencies come from three places, each recorded as evidence:
established TCP connections, endpoints named in the app's environment and
config files (DATABASE_URL, settings.py, wp-config.php, JDBC URLs), and
proxy targets (proxy_pass / fastcgi_pass). A target that is not on this host
becomes a note ("external dependency"), which the consultant must wire up.
"""

from __future__ import annotations

import re
import shlex
from typing import Optional

from ..model import App, Evidence, HostFacts
from .common import parse_env_file, uniq
from .configs import Endpoint, endpoints
from .names import slug, unique

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "::", "ip6-localhost", "localhost.localdomain"}


def finalize(facts: HostFacts, apps: list[App]) -> list[App]:
    """Unique names, secret names, depends_on and cron evidence for detected apps."""
    _proxy_by_connection(facts, apps)
    taken: set[str] = set()
    renamed: dict[str, str] = {}
    for app in apps:
        new = unique(app.name, taken, alt=app.stack)
        renamed.setdefault(app.name, new)
        app.name = new
    # Detectors may refer to each other by their proposed names (proxy -> "web").
    for app in apps:
        app.depends_on = uniq(renamed.get(d, d) for d in app.depends_on if renamed.get(d, d) != app.name)
        for env in app.env:
            if env.value is None:
                env.secret = slug(f"{app.name}-{env.name}")
    for app in apps:
        _unique_port_names(app)
        _network_mounts(facts, app)
    _link(facts, apps)
    _no_wait_on_own_proxy(apps)
    _shared_paths(apps)
    _attach_cron(facts, apps)
    return apps


def _no_wait_on_own_proxy(apps: list[App]) -> None:
    """An app that names the proxy in front of it (MediaWiki's $wgServer = "http://127.0.0.1")
    names its own public address, not a service it calls: it does not wait on that proxy,
    which waits on it (a cycle no orchestrator starts)."""
    by_name = {a.name: a for a in apps}
    for app in apps:
        fronts = [d for d in app.depends_on if by_name.get(d) is not None and by_name[d].role == "proxy"
                  and app.name in by_name[d].depends_on and app.role != "proxy"]
        for d in fronts:
            app.depends_on.remove(d)
            app.notes.append(f"names {d}, the proxy in front of it (its public address): not a start dependency")


def _shared_paths(apps: list[App]) -> None:
    """A proxy serving files another app writes (Django MEDIA_ROOT) needs a shared volume."""
    for proxy in apps:
        if proxy.role != "proxy":
            continue
        for path in proxy.code_paths:
            for other in apps:
                for data in other.data_paths if other is not proxy else []:
                    d = data.rstrip("/")
                    if path.rstrip("/") == d or path.startswith(d + "/"):
                        note = f"serves {path}, which {other.name} writes ({data}): share one volume between them"
                        if note not in proxy.notes:
                            proxy.notes.append(note)


def _proxy_by_connection(facts: HostFacts, apps: list[App]) -> None:
    """A web server whose site configs we could not read, but whose workers talk to a local
    app's port, is that app's reverse proxy: the connection is the evidence."""
    owners = _port_owners(facts, apps)
    for app in apps:
        if not app.stack.startswith("static-") or any("serves files from" in e.detail for e in app.evidence):
            continue
        pids = set(app.pids)
        seen = []
        for c in facts.connections:
            target = owners.get(c.remote_port) if c.pid in pids and _is_local(facts, c.remote_address) else None
            if target is not None and target is not app and target.role in ("app", "worker"):
                seen.append(Evidence(kind="port", ref=f"tcp/{c.remote_port}",
                                     detail=f"pid {c.pid} ({c.process or 'worker'}) passes HTTP to {c.remote_address}:{c.remote_port}"))
        if seen:
            kind = app.stack.split("-", 1)[1]
            app.role, app.stack, app.name = "proxy", f"{kind}-proxy", kind
            app.code_paths = []
            app.evidence += seen
            app.notes = [n for n in app.notes if "document roots guessed" not in n]
            app.notes.append("site configuration not read; proxying seen in open connections")


def _unique_port_names(app: App) -> None:
    # Kubernetes wants port names unique per container and at most 15 characters.
    seen: set[str] = set()
    for p in app.ports:
        if not p.name:
            continue
        name = p.name if p.name not in seen else f"{p.name}-{p.port}"
        p.name = name[:15]
        seen.add(p.name)


def _network_mounts(facts: HostFacts, app: App) -> None:
    nets = sorted((m for m in facts.mounts if m.network), key=lambda m: -len(m.mountpoint))
    for path in app.code_paths + app.data_paths:
        for m in nets:
            mp = m.mountpoint.rstrip("/")
            if path == mp or path.startswith(mp + "/"):
                note = f"{path} is on {m.fstype} mount {m.device} at {m.mountpoint}: mount it as a volume rather than copying it into the image"
                if note not in app.notes:
                    app.notes.append(note)
                    app.evidence.append(Evidence(kind="other", ref=m.mountpoint, detail=f"{m.fstype} {m.device} ({m.options})"[:200]))
                break


def _is_local(facts: HostFacts, host: str) -> bool:
    h = host.lower().strip("[]")
    if h in _LOCAL_HOSTS or h.startswith("127.") or h.startswith("::ffff:127."):
        return True
    names = {facts.host.lower(), facts.os.hostname.lower(), facts.address.lower()}
    short = {n.split(".")[0] for n in names if n}
    return bool(h) and (h in names or h in short)


def _port_owners(facts: HostFacts, apps: list[App]) -> dict[int, App]:
    owners: dict[int, App] = {}
    for app in apps:
        pids = set(app.pids)
        for s in facts.sockets:
            if s.pid in pids:
                owners.setdefault(s.port, app)
        for p in app.ports:
            owners.setdefault(p.port, app)
    return owners


def _add_dep(app: App, target: App, ev: Evidence) -> None:
    if target is app:
        return
    if target.name not in app.depends_on:
        app.depends_on.append(target.name)
    # Every independent reason is kept: a connection seen once may be chance, config is intent.
    if not any(e.ref == ev.ref and e.detail == ev.detail for e in app.evidence):
        app.evidence.append(ev)


def _link(facts: HostFacts, apps: list[App]) -> None:
    owners = _port_owners(facts, apps)
    for app in apps:
        pids = set(app.pids)
        for c in facts.connections:
            if c.pid not in pids or not _is_local(facts, c.remote_address):
                continue
            target = owners.get(c.remote_port)
            if target is not None:
                _add_dep(app, target, Evidence(
                    kind="port", ref=f"tcp/{c.remote_port}",
                    detail=f"pid {c.pid} ({c.process or 'process'}) connected to {c.remote_address}:{c.remote_port} ({target.name})",
                ))
        found: list[Endpoint] = []
        # Raw values: a masked password inside DATABASE_URL still names the host.
        for name, value in _raw_env(facts, app).items():
            found += endpoints(value, f"{name} in environment")
        for path in app.config_files:
            f = facts.file(path)
            if f:
                found += endpoints(f.content, path)
        for ep in found:
            if _is_local(facts, ep.host):
                target = owners.get(ep.port)
                if target is not None:
                    _add_dep(app, target, Evidence(kind="file" if ep.where.startswith("/") else "other", ref=ep.where,
                                                   detail=f"names {ep.scheme} at {ep.host}:{ep.port} ({target.name})"))
                elif ep.scheme not in ("http", "https"):
                    note = f"{ep.where} names {ep.scheme} at {ep.host}:{ep.port}, but nothing listens there"
                    if note not in app.notes:
                        app.notes.append(note)
            elif ep.scheme in ("http", "https"):
                continue  # XML namespaces, docs links, upstream names: too noisy to report
            elif ep.host and not ep.host.startswith("$") and "{" not in ep.host:
                _external(app, ep.host, ep.port, f"{ep.scheme}, from {ep.where}")
        for c in facts.connections:
            if c.pid in pids and not _is_local(facts, c.remote_address) and c.remote_port not in _own_ports(facts, pids):
                _external(app, c.remote_address, c.remote_port, f"open connection from pid {c.pid}")
        # Web servers state their upstreams in evidence: "passes to 127.0.0.1:8000".
        for ev in list(app.evidence):
            for m in re.finditer(r"passes (?:\w+ )?to (\[[^\]]+\]|[\w.-]+):(\d+)", ev.detail):
                target = owners.get(int(m.group(2))) if _is_local(facts, m.group(1)) else None
                if target is not None:
                    _add_dep(app, target, Evidence(kind=ev.kind, ref=ev.ref, detail=f"{m.group(0)} ({target.name})"))
            m = re.search(r"passes \w+ to app (/\S*)", ev.detail)
            if m:
                for other in apps:
                    roots = [r.rstrip("/") for r in other.code_paths + [other.workdir] if r and r != "/"]
                    if other is not app and any(m.group(1) == r or m.group(1).startswith(r + "/") for r in roots):
                        _add_dep(app, other, Evidence(kind=ev.kind, ref=ev.ref, detail=f"{m.group(0)} ({other.name})"))
            m = re.search(r"passes (?:\w+ )?to unix:(\S+)", ev.detail)
            if m:
                for other in apps:
                    if other.stack == "php-fpm" and any(m.group(1) in (facts.file(c).content if facts.file(c) else "") for c in other.config_files):
                        _add_dep(app, other, Evidence(kind=ev.kind, ref=ev.ref, detail=f"{m.group(0)} ({other.name})"))


def _external(app: App, host: str, port: int, why: str) -> None:
    """One note per external host:port; the consultant must make it reachable from the cluster."""
    key = f"external dependency: {host}:{port} "
    if not any(n.startswith(key) for n in app.notes):
        app.notes.append(f"{key}({why})")


def _own_ports(facts: HostFacts, pids: set[int]) -> set[int]:
    return {s.port for s in facts.sockets if s.pid in pids}


def _raw_env(facts: HostFacts, app: App) -> dict[str, str]:
    out: dict[str, str] = {}
    svc = next((s for s in facts.services if s.name == app.service), None) if app.service else None
    if svc:
        for path in svc.environment_files:
            f = facts.file(path.lstrip("-"))
            if f:
                out.update(parse_env_file(f.content))
        out.update(svc.environment)
    for pid in app.pids:
        p = facts.process(pid)
        if p:
            out.update(p.env)
    names = {e.name for e in app.env}
    return {k: v for k, v in out.items() if k in names}


def _cron_words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def _attach_cron(facts: HostFacts, apps: list[App]) -> None:
    """Evidence of cron jobs that run an app's code; the jobs themselves stay in facts."""
    for job in facts.cron:
        words = _cron_words(job.command)
        best: Optional[App] = None
        best_len = 0
        for app in apps:
            if app.role == "backing":
                continue
            roots = [p for p in app.code_paths + ([app.workdir] if app.workdir else []) if p and p != "/"]
            for root in roots:
                r = root.rstrip("/")
                if any(w == r or w.startswith(r + "/") or f"cd {r}" in job.command for w in words) or f"{r}/" in job.command:
                    if len(r) > best_len:
                        best, best_len = app, len(r)
        if best is not None:
            best.evidence.append(Evidence(kind="cron", ref=job.source or "crontab",
                                          detail=f"{job.schedule} {job.user + ' ' if job.user else ''}{job.command}"[:300]))
