"""Last resort: an unknown process that owns a listening TCP port (Go and other binaries).

Low confidence by design: it only says "something here serves a port"; a
person must confirm what it is and how it is built.
"""

from __future__ import annotations

from ..model import App, Evidence, HostFacts, Process
from .common import (
    basename, clamp, ev_port, ev_process, ev_service, is_interpreter, listening, parse_env_file, port_spec,
    process_fields, prog, script_arg, service_name, service_of, text_of, tree,
)
from .ignore import ignored
from .names import slug
from .registry import Detector, register

_SYSTEM_DIRS = ("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/usr/libexec/", "/lib/")
#: where a program's own files live, by kind (paths named by its working
#: directory, its arguments or its service's settings file)
_CODE_ROOTS = ("/srv/", "/opt/", "/var/www/", "/home/", "/usr/local/", "/app/")
_DATA_ROOTS = ("/var/lib/", "/var/opt/", "/var/spool/")
_LOG_ROOTS = ("/var/log/",)
#: a package built from the program under another name (busybox-static, nginx-light)
_PACKAGE_SUFFIXES = ("static", "bin", "server", "daemon", "core", "light", "full")


def _top(facts: HostFacts, p: Process) -> Process:
    """Climb to the master of a master/worker tree of the same program."""
    cur = p
    seen = {p.pid}  # a captured ppid chain may cycle (pid == ppid, or a loop)
    while True:
        parent = facts.process(cur.ppid)
        if parent is None or parent.pid <= 1 or parent.pid in seen or (parent.exe or prog(parent)) != (cur.exe or prog(cur)):
            return cur
        seen.add(parent.pid)
        cur = parent


def owner_package(facts: HostFacts, exe: str) -> str:
    """The OS package a program in a system directory most likely came from."""
    name = basename(exe)
    if not name:
        return ""
    names = {pk.name for pk in facts.packages}
    if name in names:
        return name
    for suffix in _PACKAGE_SUFFIXES:
        if f"{name}-{suffix}" in names:
            return f"{name}-{suffix}"
    return ""


def _settings_values(facts: HostFacts, svc) -> list[str]:
    """Values of the service's settings files (EnvironmentFile, /etc/default/<name>)."""
    if svc is None:
        return []
    files = list(svc.environment_files) + [f"/etc/default/{svc.name}", f"/etc/sysconfig/{svc.name}"]
    out: list[str] = []
    for path in files:
        out += parse_env_file(text_of(facts, path.lstrip("-"))).values()
    return out


def _named_paths(p: Process, settings: list[str]) -> dict[str, list[str]]:
    """Absolute paths the program is pointed at, sorted into code, data and logs."""
    # the working directory counts when the program lives in it or it is an
    # app root (/srv/x, /opt/x): a home directory or / is only where it was started
    cwd = (p.cwd or "").rstrip("/")
    cwd_is_app = bool(cwd) and (p.exe.startswith(cwd + "/") or cwd.startswith(("/srv/", "/opt/", "/var/www/", "/app/")))
    words = ([cwd] if cwd_is_app else []) + list(p.cmdline[1:]) + settings
    found: dict[str, list[str]] = {"code": [], "data": [], "logs": []}
    for w in words:
        w = w or ""
        if w.startswith("-") and "=" in w:
            w = w.split("=", 1)[1]  # --root=/srv/site
        if not w.startswith("/") or any(c in w for c in " *?[\n") or w.startswith(_SYSTEM_DIRS):
            continue
        path = w.rstrip("/") or "/"
        if path.count("/") < 2:
            continue  # /srv itself, /opt itself: too wide
        kind = ("code" if path.startswith(_CODE_ROOTS) else "data" if path.startswith(_DATA_ROOTS)
                else "logs" if path.startswith(_LOG_ROOTS) else "")
        if kind:
            found[kind].append(path)
    return {k: _outermost(v) for k, v in found.items()}


def _outermost(paths: list[str]) -> list[str]:
    """Paths without those inside another one of them."""
    keep = []
    for path in sorted(set(paths), key=len):
        if not any(path == k or path.startswith(k + "/") for k in keep):
            keep.append(path)
    return sorted(keep)


@register
class Fallback(Detector):
    name = "listening-process"
    stacks = ("binary", "python", "pypy", "node", "nodejs", "ruby", "perl", "php", "java", "bash", "sh",
              "dash")
    order = 90
    needs_port = True

    def detect(self, facts: HostFacts) -> list[App]:
        tops: dict[int, Process] = {}
        for s in facts.sockets:
            if s.protocol != "tcp" or not s.pid:
                continue
            p = facts.process(s.pid)
            if p is None or ignored(p):
                continue
            top = _top(facts, p)
            if not ignored(top):
                tops.setdefault(top.pid, top)
        return [self._one(facts, p) for p in sorted(tops.values(), key=lambda x: x.pid)]

    def _one(self, facts: HostFacts, p: Process) -> App:
        procs = tree(facts, p)
        svc = service_of(facts, procs)
        name = prog(p)
        runtime = ""
        code = p.exe
        interp = name if is_interpreter(name) else basename(p.exe) if is_interpreter(basename(p.exe)) else ""
        if interp:
            # the program's own name: a process title ("PM2 v4.5.6: God Daemon") is not a runtime
            runtime = "".join(ch for ch in interp if ch.isalpha())
            _, script = script_arg(p)
            if script:
                code = script if script.startswith("/") or not p.cwd else f"{p.cwd.rstrip('/')}/{script}"
                name = basename(script).rsplit(".", 1)[0] or name
        ev = [ev_process(p, "unrecognised program owning a listening port")]
        if svc:
            ev.append(ev_service(svc))
        ports = []
        for s in listening(facts, [x.pid for x in procs]):
            ev.append(ev_port(s))
            if s.protocol == "tcp":
                ports.append(port_spec(facts, s))
        notes = ["detected only by its listening port: confirm what it is and how it is built"]
        named = _named_paths(p, _settings_values(facts, svc))
        if any(named.values()):
            notes.append("paths named by its working directory, arguments or settings file are carried over: "
                         + ", ".join(sum(named.values(), [])))
        pkg = owner_package(facts, p.exe)
        if pkg:
            notes.append(f"the program comes from the OS package {pkg}; install it in the image instead of copying it")
            ev.append(Evidence(kind="package", ref=pkg, detail=f"package named like {p.exe}"))
        elif code.startswith(_SYSTEM_DIRS):
            notes.append(f"{code} lives in a system directory; it may belong to an OS package")
        elif not runtime:
            notes.append(f"{code} looks like a self-contained binary (Go, Rust, C): copy it onto a minimal base image")
        return App(
            name=slug(name, fallback="svc"),
            stack="binary" if not runtime else runtime,
            runtime=runtime,
            confidence=clamp(0.3 + (0.05 if svc else 0)),
            evidence=ev,
            **process_fields(facts, p, procs, svc),
            ports=ports,
            workdir=p.cwd,
            code_paths=_outermost(([code] if code and not code.startswith(_SYSTEM_DIRS) else []) + named["code"]),
            data_paths=named["data"],
            log_paths=named["logs"],
            service=service_name(svc),
            notes=notes,
        )
