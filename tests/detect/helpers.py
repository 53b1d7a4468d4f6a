"""Small builders for synthetic HostFacts in tests."""

from __future__ import annotations

from mta.model import FileContent, HostFacts, Package, Process, Service, Socket


def proc(pid, cmd, *, ppid=1, user="app", exe="", cwd="/", env=None, unit="") -> Process:
    cmdline = cmd.split() if isinstance(cmd, str) else list(cmd)
    return Process(pid=pid, ppid=ppid, user=user, name=(cmdline[0].rsplit("/", 1)[-1] if cmdline else "")[:15], exe=exe,
                   cmdline=cmdline, cwd=cwd, env=env or {}, unit=unit)


def sock(port, pid, addr="0.0.0.0", proto="tcp") -> Socket:
    return Socket(protocol=proto, address=addr, port=port, pid=pid)


def file(path, content) -> FileContent:
    return FileContent(path=path, size=len(content), content=content)


def pkg(name, version, manager="dpkg") -> Package:
    return Package(name=name, version=version, manager=manager)


def facts(*, processes=(), sockets=(), files=(), packages=(), services=(), **kw) -> HostFacts:
    base = [Process(pid=1, ppid=0, user="root", name="systemd", exe="/lib/systemd/systemd", cmdline=["/sbin/init"])]
    return HostFacts(host="vm", collector="sample", processes=base + list(processes), sockets=list(sockets), files=list(files),
                     packages=list(packages), services=list(services), **kw)


def svc(name, pid, **kw) -> Service:
    return Service(name=name, main_pid=pid, state="running", **kw)
