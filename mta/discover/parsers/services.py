"""Section ``services``: systemd units, upstart jobs, SysV init scripts."""

from __future__ import annotations

import re
import shlex

from ...model import Service
from ..secrets import mask_command_line, mask_env
from . import Blocks, lines, systemctl_records, to_int

_ARGV = re.compile(r"argv\[\]=(.*?) ; ignore_errors=")
_PATH = re.compile(r"path=(\S+)")


def exec_start(value: str) -> str:
    """The first command line of an ExecStart= property as shown by systemctl."""
    m = _ARGV.search(value)
    if m:
        return mask_command_line(m.group(1).strip())
    m = _PATH.search(value)
    return m.group(1) if m else mask_command_line(value.strip("{} "))


def environment(value: str) -> dict[str, str]:
    """Environment= of ``systemctl show``: space separated, values with spaces quoted."""
    try:
        items = shlex.split(value.replace("\n", " "))
    except ValueError:
        items = value.split()
    env = {}
    for item in items:
        k, sep, v = item.partition("=")
        if sep and k:
            env[k] = v
    return mask_env(env)


def environment_files(value: str) -> list[str]:
    out = []
    for part in value.splitlines():
        path = re.sub(r"\s*\(ignore_errors=\w+\)\s*$", "", part.strip())
        if path:
            out.append(path.lstrip("-"))
    return out


def _enabled(state: str):
    if state.startswith("enabled") or state in ("linked", "alias"):
        return True
    if state in ("disabled", "masked", "masked-runtime", "indirect"):
        return False
    return None  # static, generated, transient: started by something else


def _systemd(blocks: Blocks) -> list[Service]:
    files: dict[str, str] = {}
    for line in lines(blocks.get("systemd-unit-files", "")):
        parts = line.split()
        if len(parts) >= 2:
            files[parts[0]] = parts[1]
    services = []
    for rec in systemctl_records(blocks.get("systemd-show", "")):
        name = rec.get("Id", "")
        if not name or rec.get("LoadState", "loaded") not in ("loaded", ""):
            continue
        active, sub = rec.get("ActiveState", ""), rec.get("SubState", "")
        ufs = rec.get("UnitFileState", "") or files.get(name, "")
        pid = to_int(rec.get("MainPID", "0"))
        services.append(
            Service(
                name=name, init="systemd", state=sub or active, enabled=_enabled(ufs),
                unit_path=rec.get("FragmentPath", ""), description=rec.get("Description", ""),
                exec_start=exec_start(rec.get("ExecStart", "")), user=rec.get("User", ""),
                group=rec.get("Group", ""), working_directory=rec.get("WorkingDirectory", "").lstrip("!-"),
                environment=environment(rec.get("Environment", "")),
                environment_files=environment_files(rec.get("EnvironmentFile", "")),
                main_pid=pid or None,
            )
        )
    return services


_INITCTL = re.compile(r"^(?P<name>\S+)(?: \((?P<inst>[^)]*)\))? (?P<goal>\w+)/(?P<state>[\w-]+)(?:, process (?P<pid>\d+))?")


# Jobs that only run the boot sequence and consoles (all of upstart on RHEL 6).
_UPSTART_PLUMBING = {
    "rc", "rcS", "rcS-sulogin", "rcS-emergency", "rc-sysinit", "tty", "start-ttys", "control-alt-delete",
    "prefdm", "serial", "plymouth-shutdown", "quit-plymouth", "splash-manager", "init-system-dbus",
    "ck-log-system-start", "ck-log-system-restart", "ck-log-system-stop", "kexec-disable",
}


def _upstart(blocks: Blocks) -> list[Service]:
    status: dict[str, tuple[str, int]] = {}
    for line in lines(blocks.get("initctl-list", "")):
        m = _INITCTL.match(line.strip())
        if m:
            name = m.group("name")
            running = m.group("state") == "running"
            prev = status.get(name)
            if prev is None or running:
                state = {"start/running": "running", "stop/waiting": "stopped"}.get(
                    f"{m.group('goal')}/{m.group('state')}", f"{m.group('goal')}/{m.group('state')}"
                )
                status[name] = (state, to_int(m.group("pid") or "0"))
    services = []
    for key, text in blocks.items():
        if not key.startswith("upstart-conf "):
            continue
        path = key.split(" ", 1)[1]
        name = path.rsplit("/", 1)[-1][: -len(".conf")] if path.endswith(".conf") else path.rsplit("/", 1)[-1]
        if name in _UPSTART_PLUMBING:
            continue
        svc = Service(name=name, init="upstart", unit_path=path)
        env: dict[str, str] = {}
        in_script = False
        start_on = False
        for line in lines(text):
            s = line.strip()
            word, _, rest = s.partition(" ")
            if in_script:
                if s == "end script":
                    in_script = False
                elif s.startswith("exec ") and not svc.exec_start:
                    svc.exec_start = mask_command_line(s[5:].strip())
                continue
            if word == "script":
                in_script = True
            elif word == "exec" and not svc.exec_start:
                svc.exec_start = mask_command_line(rest.strip())
            elif word == "description":
                svc.description = rest.strip().strip('"')
            elif word == "setuid":
                svc.user = rest.strip()
            elif word == "setgid":
                svc.group = rest.strip()
            elif word == "chdir":
                svc.working_directory = rest.strip()
            elif word == "env":
                k, sep, v = rest.strip().partition("=")
                if sep:
                    env[k] = v.strip().strip('"').strip("'")
            elif word == "start" and rest.startswith("on"):
                start_on = True
            elif word == "manual":
                start_on = False
        svc.environment = mask_env(env)
        svc.enabled = start_on
        st = status.get(name)
        if st:
            svc.state = st[0]
            svc.main_pid = st[1] or None
        services.append(svc)
    return services


def _runlevel(blocks: Blocks) -> str:
    for line in lines(blocks.get("runlevel", "")):
        parts = line.split()
        if parts and parts[0] == "run-level" and len(parts) > 1:
            return parts[1]
        if len(parts) == 2 and parts[1].isalnum():
            return parts[1]
    for line in lines(blocks.get("inittab", "")):
        parts = line.split(":")
        if len(parts) >= 3 and parts[2] == "initdefault":
            return parts[1]
    return ""


def _sysv(blocks: Blocks) -> list[Service]:
    scripts = [s.strip() for s in lines(blocks.get("sysv-scripts", ""))]
    if not scripts:
        return []
    level = _runlevel(blocks)
    starts: dict[str, set[str]] = {}
    for link in lines(blocks.get("sysv-links", "")):
        m = re.search(r"rc([0-6S])\.d/([SK])\d*(.+)$", link.strip())
        if m and m.group(2) == "S":
            starts.setdefault(m.group(3), set()).add(m.group(1))
    pids: dict[str, tuple[int, bool]] = {}
    for line in lines(blocks.get("pidfiles", "")):
        parts = line.split()
        if len(parts) != 3:
            continue
        pid, path, alive = int(parts[0]), parts[1], parts[2] == "alive"
        base = path.rsplit("/", 1)[-1][:-4]
        parent = path.rsplit("/", 2)[-2] if path.count("/") >= 3 else ""
        for name in {base, parent} - {"", "run"}:
            if name not in pids or alive:
                pids[name] = (pid, alive)
    skip = {"functions", "halt", "killall", "README", "rc", "rcS", "skeleton", "single", "reboot", "sendsigs",
            "umountfs", "umountroot", "umountnfs.sh", "netconsole", "upstart-job"}
    services = []
    for name in scripts:
        if name in skip or name.endswith((".dpkg-old", ".rpmsave", ".rpmnew", "~")):
            continue
        levels = starts.get(name, set())
        svc = Service(name=name, init="sysv", unit_path=f"/etc/init.d/{name}")
        if level:
            svc.enabled = level in levels or "S" in levels
        elif levels:
            svc.enabled = True
        candidates = [name, name.rstrip("d"), name + "d", name.split("-")[0]]
        for c in candidates:
            if c in pids:
                pid, alive = pids[c]
                svc.state = "running" if alive else "stopped"
                svc.main_pid = pid if alive else None
                break
        services.append(svc)
    return services


def parse(blocks: Blocks) -> list[Service]:
    systemd = _systemd(blocks)
    if systemd:
        return systemd  # systemd also wraps every SysV script as a unit
    services = _upstart(blocks)
    known = {s.name for s in services}
    services += [s for s in _sysv(blocks) if s.name not in known]
    return services
