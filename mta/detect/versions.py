"""Runtime versions from what the VM shows: exe paths, packages, cmdlines.

Each function returns ``(version, Evidence | None)``; the evidence says where
the version came from so a consultant can check it.
"""

from __future__ import annotations

import re
from typing import Optional

from ..model import Evidence, HostFacts, Process
from .common import ev_package, major_minor, package, packages_matching

Found = tuple[str, Optional[Evidence]]


def from_path(p: Process, rx: str, label: str) -> Found:
    for path in (p.exe, p.cmdline[0] if p.cmdline else ""):
        m = re.search(rx, path or "")
        if m:
            ver = ".".join(g for g in m.groups() if g is not None)
            return ver, Evidence(kind="process", ref=f"pid {p.pid}", detail=f"{label} {ver} from path {path}")
    return "", None


def java(facts: HostFacts, p: Process, java_home: str = "") -> Found:
    """Java feature release (8, 11, 17) from the JVM path, JAVA_HOME, then packages."""
    rxs = (
        r"java-1\.(\d+)\.\d",  # RHEL: /usr/lib/jvm/java-1.8.0-openjdk-1.8.0.292…/jre/bin/java
        r"java-(\d+)-openjdk",  # Debian/RHEL 11+: /usr/lib/jvm/java-11-openjdk-amd64
        r"jdk-?1\.(\d+)\.",  # Oracle: /usr/java/jdk1.8.0_201
        r"jre-?1\.(\d+)\.",
        r"jdk-(\d+)(?:[./]|$)",  # /opt/jdk-17.0.2
        r"temurin-(\d+)",
        r"zulu-?(\d+)",
    )
    for rx in rxs:
        for path in (p.exe, java_home, p.cmdline[0] if p.cmdline else ""):
            m = re.search(rx, path or "")
            if m:
                return m.group(1), Evidence(kind="process", ref=f"pid {p.pid}", detail=f"java {m.group(1)} from path {path}")
    pkgs = packages_matching(facts, r"java-1\.(\d+)\.0-openjdk(-headless)?|java-(\d+)-openjdk(-headless)?|openjdk-(\d+)-(jre|jdk)(-headless)?|jdk1?\.?\d.*|temurin-\d+-j(re|dk)")
    best = ""
    ev = None
    for pk in pkgs:
        m = re.search(r"java-1\.(\d+)|java-(\d+)|openjdk-(\d+)|temurin-(\d+)", pk.name)
        if m:
            v = next(g for g in m.groups() if g)
            if not best or int(v) > int(best):
                best, ev = v, ev_package(pk, f"java {v} installed ({pk.name} {pk.version})")
    return best, ev


def python(facts: HostFacts, p: Process) -> Found:
    ver, ev = from_path(p, r"python(\d)\.(\d+)", "python")
    if ver:
        return ver, ev
    ver, ev = from_path(p, r"/python-?(\d)\.(\d+)", "python")
    if ver:
        return ver, ev
    major = "2" if re.search(r"python2(?!\d)|/python$", p.exe or "") and "python3" not in (p.exe or "") else "3"
    for name in (f"python{major}", f"python{major}-minimal", f"python{major}.12", "python36", "python38", "python39", "python3.6", "python"):
        pk = package(facts, name)
        if pk:
            v = major_minor(pk.version)
            if v.startswith(major) or name == "python":
                return v, ev_package(pk, f"python {v} installed ({pk.name} {pk.version})")
    return "", None


def node(facts: HostFacts, p: Process) -> Found:
    ver, ev = from_path(p, r"node/v(\d+)\.(\d+)", "node")  # nvm, n
    if ver:
        return ver, ev
    ver, ev = from_path(p, r"node-v(\d+)\.(\d+)", "node")
    if ver:
        return ver, ev
    pk = package(facts, "nodejs", "node")
    if pk:
        v = major_minor(pk.version)
        return v, ev_package(pk, f"node {v} installed ({pk.name} {pk.version})")
    for pk in packages_matching(facts, r"nodejs(\d+)"):
        v = major_minor(pk.version)
        return v, ev_package(pk, f"node {v} installed")
    return "", None


def php(facts: HostFacts, p: Optional[Process] = None) -> Found:
    if p is not None:
        ver, ev = from_path(p, r"php-?fpm(\d)\.(\d)", "php")
        if ver:
            return ver, ev
        ver, ev = from_path(p, r"/php/(\d)\.(\d)/", "php")
        if ver:
            return ver, ev
        ver, ev = from_path(p, r"php(\d)\.(\d)", "php")
        if ver:
            return ver, ev
    for pk in packages_matching(facts, r"(libapache2-mod-php|php|php-fpm)(\d\.\d)(-fpm|-common|-cli)?"):
        m = re.search(r"(\d\.\d)", pk.name)
        if m:
            return m.group(1), ev_package(pk, f"php {m.group(1)} installed ({pk.name} {pk.version})")
    for name in ("php", "php-common", "php-fpm", "php-cli", "rh-php73-php-fpm", "php74-php-fpm"):
        pk = package(facts, name)
        if pk:
            v = major_minor(pk.version)
            return v, ev_package(pk, f"php {v} installed ({pk.name} {pk.version})")
    return "", None



def dotnet(facts: HostFacts, runtimeconfig: str = "") -> Found:
    m = re.search(r'"version"\s*:\s*"(\d+)\.(\d+)', runtimeconfig)
    if m:
        v = f"{m.group(1)}.{m.group(2)}"
        return v, None
    for pk in packages_matching(facts, r"(aspnetcore|dotnet)-runtime-(\d+\.\d+)"):
        m = re.search(r"(\d+\.\d+)$", pk.name)
        if m:
            return m.group(1), ev_package(pk, f".NET {m.group(1)} runtime installed")
    return "", None


def from_packages(facts: HostFacts, *names: str, label: str = "") -> Found:
    pk = package(facts, *names)
    if pk:
        v = major_minor(pk.version)
        return v, ev_package(pk, f"{label or pk.name} {v} installed ({pk.name} {pk.version})")
    return "", None
