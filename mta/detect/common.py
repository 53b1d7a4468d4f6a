"""Helpers every detector shares: process trees, ports, packages, env, evidence."""

from __future__ import annotations

import os
import re
from typing import Callable, Iterable, Optional

from ..model import (
    SECRET_MARKER,
    EnvVar,
    Evidence,
    HostFacts,
    Package,
    PortSpec,
    Process,
    Service,
    Socket,
)

# --- process identity ------------------------------------------------------


def basename(path: str) -> str:
    return os.path.basename(path.rstrip("/")) if path else ""


# Every detector asks prog() of every process, often several times: about
# 100 calls per process per host. The answer is kept in the process's own
# __dict__ under a key no field can have ("mta:..."): pydantic ignores it for
# ==, dumps and validation, and it goes away with the object. It is reused
# only while the process still has the same cmdline list (facts are not
# changed once detection starts; a reassignment drops it).


def prog(p: Process) -> str:
    """The program a process runs: argv[0] basename, else comm, else exe basename.

    A login shell's leading ``-`` and a ``name:`` process title are stripped.
    """
    d = p.__dict__
    hit = d.get("mta:prog")
    if hit is not None and hit[0] is d["cmdline"]:
        return hit[1]
    name = _prog(p)
    d["mta:prog"] = (d["cmdline"], name)
    return name


def _prog(p: Process) -> str:
    if p.cmdline and p.cmdline[0]:
        words = p.cmdline[0].split() or [""]
        first = words[0] if len(p.cmdline) == 1 else p.cmdline[0]
        name = basename(first).lstrip("-").rstrip(":")
        if name:
            return name
    return p.name or basename(p.exe)


def exe_name(p: Process) -> str:
    return basename(p.exe) or p.name


def argv(p: Process) -> list[str]:
    """The argument vector; a process title squashed into argv[0] is split on spaces."""
    if len(p.cmdline) == 1 and " " in p.cmdline[0]:
        return p.cmdline[0].split()
    return list(p.cmdline) if p.cmdline else ([p.name] if p.name else [])


def cmd_text(p: Process) -> str:
    return " ".join(p.cmdline) if p.cmdline else p.name


def short_cmd(p: Process, limit: int = 160) -> str:
    text = cmd_text(p).replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_kernel_thread(p: Process) -> bool:
    return not p.cmdline and not p.exe and (p.ppid == 2 or p.pid == 2 or p.ppid == 0 and p.pid != 1)


_INTERPRETER = re.compile(r"^(python[\d.]*|pypy[\d.]*|node(js)?|ruby[\d.]*|perl[\d.]*|php[\d.]*|java|bash|sh|dash)$")


def script_arg(p: Process) -> tuple[int, str]:
    """Index and value of the first non-option argument after the interpreter."""
    args = argv(p)
    i = 1
    while i < len(args):
        a = args[i]
        if a in ("-m", "-c"):
            return (i + 1, args[i + 1]) if i + 1 < len(args) else (-1, "")
        if a.startswith("-"):
            i += 1
            continue
        return i, a
    return -1, ""


def is_interpreter(name: str) -> bool:
    return bool(_INTERPRETER.match(name))


def runs(p: Process, *names: str) -> bool:
    """True when the process is one of ``names``: directly or as a script run by an interpreter."""
    direct, script = _identity(p)
    return (bool(script) and script in names) or not direct.isdisjoint(names)


def _identity(p: Process) -> tuple[frozenset, str]:
    """The names ``runs`` matches: program, exe and comm, plus the script's
    basename when an interpreter runs one. Kept on the process, like prog()."""
    d = p.__dict__
    hit = d.get("mta:identity")
    if hit is not None and hit[0] is d["cmdline"]:
        return hit[1], hit[2]
    direct = frozenset((prog(p), exe_name(p), p.name))
    script = ""
    if is_interpreter(prog(p)) or is_interpreter(exe_name(p)):
        script = basename(script_arg(p)[1])
    d["mta:identity"] = (d["cmdline"], direct, script)
    return direct, script


def opt(args: list[str], *flags: str) -> Optional[str]:
    """Value of an option: ``--bind=x``, ``--bind x``, ``-b x``, ``-bx``, ``-Dkey=value`` (flag ``-Dkey``)."""
    for i, a in enumerate(args):
        for f in flags:
            if a == f and i + 1 < len(args):
                return args[i + 1]
            if a.startswith(f + "="):
                return a[len(f) + 1 :]
            if len(f) == 2 and f[0] == "-" and f[1] != "-" and a.startswith(f) and len(a) > 2:
                return a[2:]
    return None


def sysprop(args: list[str], key: str) -> Optional[str]:
    """A Java ``-Dkey=value`` system property."""
    prefix = f"-D{key}="
    for a in args:
        if a.startswith(prefix):
            return a[len(prefix) :]
    return None


# --- process trees ---------------------------------------------------------


def children(facts: HostFacts, pid: int) -> list[Process]:
    """``facts.children(pid)`` through an index built once per facts (kept
    in its __dict__ like prog()'s answers, while the process list is the same)."""
    d = facts.__dict__
    hit = d.get("mta:children")
    procs = d["processes"]
    if hit is None or hit[0] is not procs or hit[1] != len(procs):
        index: dict[int, list[Process]] = {}
        for p in procs:
            index.setdefault(p.ppid, []).append(p)
        hit = d["mta:children"] = (procs, len(procs), index)
    return list(hit[2].get(pid, ()))


def descendants(facts: HostFacts, pid: int) -> list[Process]:
    out: list[Process] = []
    todo = [pid]
    seen = {pid}
    while todo:
        cur = todo.pop()
        for c in children(facts, cur):
            if c.pid not in seen:
                seen.add(c.pid)
                out.append(c)
                todo.append(c.pid)
    return sorted(out, key=lambda p: p.pid)


def roots(facts: HostFacts, match: Callable[[Process], bool]) -> list[Process]:
    """Matching processes whose parent does not match: one per master/worker tree."""
    hits = [p for p in facts.processes if match(p)]
    pids = {p.pid for p in hits}
    return sorted((p for p in hits if p.ppid not in pids), key=lambda p: p.pid)


def tree(facts: HostFacts, root: Process) -> list[Process]:
    """The root and every descendant: a master and its workers are one app."""
    return [root] + descendants(facts, root.pid)


def wrapper_parent(facts: HostFacts, p: Process) -> Optional[Process]:
    """A shell, ``npm`` or ``runuser`` that only launched ``p`` (belongs to the same app)."""
    parent = facts.process(p.ppid)
    if parent is None or parent.pid <= 1:
        return None
    name = prog(parent)
    if name in ("sh", "bash", "dash", "su", "runuser", "sudo", "npm", "yarn", "setsid", "nohup", "authbind", "jsvc", "daemon", "start-stop-daemon"):
        if len(children(facts, parent.pid)) == 1:
            return parent
    return None


# --- sockets and ports -----------------------------------------------------


def listening(facts: HostFacts, pids: Iterable[int]) -> list[Socket]:
    """Listening sockets of these pids, one per (protocol, port)."""
    pidset = set(pids)
    seen: set[tuple[str, int]] = set()
    out: list[Socket] = []
    for s in sorted(facts.sockets, key=lambda s: (s.port, s.protocol, s.family)):
        if s.pid in pidset and (s.protocol, s.port) not in seen:
            seen.add((s.protocol, s.port))
            out.append(s)
    return out


def http_checked(facts: HostFacts, port: int) -> bool:
    """The port answered an HTTP GET during discovery."""
    return any(h.port == port and h.status is not None and not h.error for h in facts.http)


def port_spec(facts: HostFacts, s: Socket, name: str = "", http: Optional[bool] = None) -> PortSpec:
    is_http = http_checked(facts, s.port) if http is None else (http or http_checked(facts, s.port))
    if not name:
        name = "https" if s.port in (443, 8443) else ("http" if is_http else "")
    return PortSpec(port=s.port, protocol=s.protocol, name=name, http=bool(is_http))


# --- packages --------------------------------------------------------------


def package(facts: HostFacts, *names: str) -> Optional[Package]:
    for n in names:
        for p in facts.packages:
            if p.name == n:
                return p
    return None


def packages_matching(facts: HostFacts, pattern: str) -> list[Package]:
    rx = re.compile(pattern)
    return [p for p in facts.packages if rx.fullmatch(p.name)]


def major_minor(version: str) -> str:
    """``3:3.0.6-1ubuntu0.4`` -> ``3.0``; ``10`` -> ``10``."""
    v = version.split(":", 1)[-1]
    m = re.match(r"(\d+)(?:\.(\d+))?", v)
    if not m:
        return ""
    return f"{m.group(1)}.{m.group(2)}" if m.group(2) is not None else m.group(1)


def pkg_label(p: Package) -> str:
    v = f"{p.epoch}:{p.version}" if p.epoch else p.version
    return f"{p.name} {v}-{p.release}" if p.release else f"{p.name} {v}"


# --- services --------------------------------------------------------------


def service_of(facts: HostFacts, procs: list[Process]) -> Optional[Service]:
    """The unit that runs these processes: by main pid, then by the process's unit."""
    pids = {p.pid for p in procs}
    for s in facts.services:
        if s.main_pid and s.main_pid in pids:
            return s
    for p in procs:
        if p.unit:
            for s in facts.services:
                if s.name == p.unit or s.name == p.unit.removesuffix(".service") or f"{s.name}.service" == p.unit:
                    return s
    return None


def service_name(svc: Optional[Service]) -> str:
    return svc.name if svc else ""


# --- environment -----------------------------------------------------------

#: Variables every login or unit has; not part of the app's configuration.
NOISE_ENV = {
    "PATH", "HOME", "LANG", "LANGUAGE", "TERM", "SHELL", "USER", "LOGNAME", "PWD", "OLDPWD", "SHLVL", "_",
    "MAIL", "HOSTNAME", "INVOCATION_ID", "JOURNAL_STREAM", "LS_COLORS", "NOTIFY_SOCKET", "SYSTEMD_EXEC_PID",
    "MANAGERPID", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "WATCHDOG_PID", "WATCHDOG_USEC", "HISTSIZE",
    "HISTCONTROL", "LESSOPEN", "QTDIR", "QTINC", "QTLIB", "KDEDIRS", "G_BROKEN_FILENAMES", "SUDO_USER",
    "SUDO_UID", "SUDO_GID", "SUDO_COMMAND", "RUNLEVEL", "PREVLEVEL", "CONSOLE", "INIT_VERSION", "UPSTART_JOB",
    "UPSTART_INSTANCE", "UPSTART_EVENTS", "TMUX", "TMUX_PANE", "DISPLAY", "EDITOR", "PAGER", "MOTD_SHOWN",
    "PM2_HOME", "PM2_USAGE", "PM2_JSON_PROCESSING", "PM2_INTERACTOR_PROCESSING", "PM2_DISCRETE_MODE",
    "PM2_PROGRAMMATIC", "pm_id", "pm_uptime", "pm_cwd", "pm_exec_path", "pm_out_log_path", "pm_err_log_path",
    "pm_pid_path", "unique_id", "km_link", "vizion_running", "status", "restart_time", "unstable_restarts",
    "created_at", "axm_actions", "axm_monitor", "axm_options", "axm_dynamic", "instance_var", "exit_code",
    "node_version", "version", "namespace", "filter_env", "merge_logs", "prev_restart_delay", "windowsHide",
    "username", "autorestart", "vizion", "treekill", "env", "exec_interpreter", "exec_mode", "instances",
    "NODE_APP_INSTANCE", "name", "args", "node_args", "kill_retry_time", "automation", "pmx",
}


def is_secret_value(value: Optional[str]) -> bool:
    return value is not None and SECRET_MARKER in value


def env_vars(*sources: dict[str, str]) -> list[EnvVar]:
    """Merge env dicts (later wins) into EnvVars; masked values become secrets.

    The secret's name is filled in once the app has its final name.
    """
    merged: dict[str, str] = {}
    for src in sources:
        for k, v in src.items():
            if k in NOISE_ENV or k.startswith(("LC_", "XDG_", "SSH_", "DBUS_", "BASH_FUNC_", "npm_")):
                continue
            merged[k] = v
    out = []
    for k in sorted(merged):
        v = merged[k]
        if is_secret_value(v):
            out.append(EnvVar(name=k, value=None, secret=k))
        else:
            out.append(EnvVar(name=k, value=v))
    return out


def parse_env_file(text: str) -> dict[str, str]:
    """KEY=VALUE lines of an EnvironmentFile / /etc/default / sysconfig file."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].strip()
        if "=" not in line:
            continue
        k, v = line.split("=", 1)
        k = k.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
            continue
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        out[k] = v
    return out


def app_env(facts: HostFacts, proc: Process, svc: Optional[Service]) -> list[EnvVar]:
    """The app's environment: unit EnvironmentFile(s), unit Environment=, then the process."""
    layers: list[dict[str, str]] = []
    if svc:
        for path in svc.environment_files:
            f = facts.file(path.lstrip("-"))
            if f:
                layers.append(parse_env_file(f.content))
        layers.append(svc.environment)
    layers.append(proc.env)
    return env_vars(*layers)


def process_fields(facts: HostFacts, proc: Process, procs: list[Process], svc: Optional[Service]) -> dict:
    """The App fields every detector takes from the main process, its tree and its unit."""
    return {
        "pids": [x.pid for x in procs],
        "command": list(proc.cmdline),
        "user": proc.user or (svc.user if svc else ""),
        "env": app_env(facts, proc, svc),
    }


def env_value(facts: HostFacts, proc: Process, svc: Optional[Service], key: str) -> Optional[str]:
    if key in proc.env:
        return proc.env[key]
    if svc:
        if key in svc.environment:
            return svc.environment[key]
        for path in svc.environment_files:
            f = facts.file(path.lstrip("-"))
            if f:
                val = parse_env_file(f.content).get(key)
                if val is not None:
                    return val
    return None


def service_env_files(facts: HostFacts, procs: list[Process]) -> list[str]:
    svc = service_of(facts, procs)
    return [p.lstrip("-") for p in svc.environment_files] if svc else []


# --- files -----------------------------------------------------------------


def text_of(facts: HostFacts, path: str) -> str:
    f = facts.file(path)
    return f.content if f else ""


def files_under(facts: HostFacts, directory: str, suffix: str = "") -> list[str]:
    d = directory.rstrip("/") + "/"
    return sorted(f.path for f in facts.files if f.path.startswith(d) and f.path.endswith(suffix))


def existing(facts: HostFacts, paths: Iterable[str]) -> list[str]:
    """The paths that were fetched (so exist on the VM), in order."""
    have = {f.path for f in facts.files}
    return [p for p in paths if p in have]


def join(base: str, *parts: str) -> str:
    return os.path.normpath(os.path.join(base, *parts)) if base else ""


# --- evidence --------------------------------------------------------------


def ev_process(p: Process, detail: str = "") -> Evidence:
    return Evidence(kind="process", ref=f"pid {p.pid}", detail=(f"{detail}: " if detail else "") + short_cmd(p))


def ev_port(s: Socket, detail: str = "") -> Evidence:
    where = f"{s.address}:{s.port}"
    owner = f" by pid {s.pid}" if s.pid else ""
    return Evidence(kind="port", ref=f"{s.protocol}/{s.port}", detail=detail or f"listening on {where}{owner}")


def ev_file(path: str, detail: str) -> Evidence:
    return Evidence(kind="file", ref=path, detail=detail)


def ev_package(p: Package, detail: str = "") -> Evidence:
    return Evidence(kind="package", ref=p.name, detail=detail or f"installed {pkg_label(p)}")


def ev_service(s: Service, detail: str = "") -> Evidence:
    return Evidence(kind="service", ref=s.name, detail=detail or (s.exec_start or s.description or s.state)[:200])


def uniq(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for i in items:
        if i and i not in out:
            out.append(i)
    return out


def clamp(x: float) -> float:
    return round(max(0.05, min(0.99, x)), 2)
