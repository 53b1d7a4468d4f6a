"""Base image choice: the runtime's official image with a tag that exists,
Debian plus distro packages, or a site mapping to an internal registry.

Tags are pinned to a major (or major.minor) line, never ``latest``. A VM
runtime too old for any published tag is moved to the closest one, and the
move is returned as a note so the runbook can say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from ..errors import InputError

DEBIAN_IMAGE = "debian:bookworm-slim"

#: image refs: [registry/]path[:tag][@digest]; no spaces, no shell characters.
IMAGE_REF = re.compile(
    r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$"
)


@dataclass
class BaseChoice:
    image: str
    builder: str = ""
    packages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    debian: bool = False


def check_image_ref(ref: str, where: str) -> str:
    """Reject refs that are malformed, untagged or ``latest``."""
    if not IMAGE_REF.match(ref or ""):
        raise InputError(f"{where}: {ref!r} is not a valid image reference")
    name, _, tag = _split_tag(ref)
    if "@sha256:" not in ref and (not tag or tag == "latest"):
        raise InputError(f"{where}: image {ref!r} needs a pinned tag (not 'latest')",
                         hint="use a version tag such as python:3.11-slim")
    return ref


def _split_tag(ref: str) -> tuple[str, str, str]:
    ref = ref.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ":", ref[colon + 1:]
    return ref, "", ""


def version_tuple(text: str) -> tuple[int, ...]:
    """'1.8.0_292' -> (1, 8, 0); '3.6.8' -> (3, 6, 8); '' -> ()."""
    m = re.match(r"\D*(\d+(?:\.\d+)*)", text or "")
    return tuple(int(p) for p in m.group(1).split(".")) if m else ()


def _closest(wanted: tuple[int, ...], known: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The known version equal to wanted, else the next newer, else the newest."""
    if wanted in known:
        return wanted
    newer = [k for k in known if k > wanted]
    return min(newer) if newer else max(known)


def _moved(kind: str, had: str, got: str) -> list[str]:
    return [f"{kind} {had} has no published image; using the closest available {got}"] if had and had != got else []


# --- per runtime -------------------------------------------------------------

JAVA_LTS = [(8,), (11,), (17,), (21,), (25,)]


def java_major(version: str) -> Optional[int]:
    v = version_tuple(version)
    if not v:
        return None
    return v[1] if v[0] == 1 and len(v) > 1 else v[0]


def java_line(version: str, default: int = 17) -> tuple[int, list[str]]:
    major = java_major(version)
    if major is None:
        return default, [f"Java version unknown; assuming {default}"]
    got = _closest((major,), JAVA_LTS)[0]
    return got, _moved("Java", str(major), str(got))


TOMCAT_LINES = {(8, 5): [8, 11, 17, 21], (9, 0): [8, 11, 17, 21], (10, 1): [11, 17, 21], (11, 0): [17, 21]}


def tomcat_image(tomcat_version: str, java_version: str) -> tuple[str, list[str]]:
    notes: list[str] = []
    tv = version_tuple(tomcat_version)[:2]
    if not tv:
        tv = (9, 0)
        notes.append("Tomcat version unknown; assuming 9.0")
    line = _closest(tv if len(tv) == 2 else (tv[0], 0), sorted(TOMCAT_LINES))
    notes += _moved("Tomcat", ".".join(map(str, tv)), "%d.%d" % line)
    jm, jnotes = java_line(java_version, default=TOMCAT_LINES[line][0])
    if java_major(java_version) is None:
        jnotes = [f"Java version unknown; assuming {jm} for Tomcat {line[0]}.{line[1]}"]
    jl = _closest((jm,), [(j,) for j in TOMCAT_LINES[line]])[0]
    notes += jnotes + (_moved(f"Java for Tomcat {line[0]}.{line[1]}", str(jm), str(jl)) if jl != jm else [])
    return f"tomcat:{line[0]}.{line[1]}-jre{jl}-temurin", notes


PYTHON = [(2, 7)] + [(3, m) for m in range(4, 14)]


def python_line(version: str) -> tuple[tuple[int, int], list[str]]:
    v = version_tuple(version)[:2]
    if len(v) < 2:
        return (3, 11), ["Python version unknown; assuming 3.11"]
    got = _closest(v, PYTHON)
    return got, _moved("Python", "%d.%d" % v, "%d.%d" % got)


def node_line(version: str) -> tuple[int, str, list[str]]:
    v = version_tuple(version)[:1]
    if not v:
        return 20, "bookworm", ["Node.js version unknown; assuming 20"]
    known = [(m,) for m in range(6, 25, 2)]
    got = _closest(v, known)[0]
    distro = "stretch" if got <= 8 else "buster" if got == 10 else "bullseye" if got <= 16 else "bookworm"
    return got, distro, _moved("Node.js", str(v[0]), str(got))


PHP = [(5, 6)] + [(7, m) for m in range(0, 5)] + [(8, m) for m in range(0, 5)]


def _minor_line(label: str, version: str, known: list, default: str, unknown: str) -> tuple[str, list[str]]:
    """The published major.minor line closest to ``version`` (a note when it moved)."""
    v = version_tuple(version)[:2]
    if len(v) < 2:
        return default, [unknown]
    got = _closest(v, known)
    return "%d.%d" % got, _moved(label, "%d.%d" % v, "%d.%d" % got)


def php_line(version: str) -> tuple[str, list[str]]:
    return _minor_line("PHP", version, PHP, "8.2", "PHP version unknown; assuming 8.2")


def nginx_line(version: str) -> tuple[str, list[str]]:
    return _minor_line("nginx", version, [(1, m) for m in range(10, 30)], "1.28",
                       "nginx version unknown; using the 1.28 stable line")


#: official ruby:<line> / ruby:<line>-slim tags; older lines have no published image
RUBY = [(2, m) for m in range(3, 8)] + [(3, m) for m in range(0, 5)]


def ruby_line(version: str) -> tuple[str, list[str]]:
    return _minor_line("Ruby", version, RUBY, "3.3", "Ruby version unknown; assuming 3.3")


#: mcr.microsoft.com/dotnet/{aspnet,runtime,runtime-deps}:<line>
DOTNET = [(2, 1), (3, 1), (5, 0), (6, 0), (7, 0), (8, 0), (9, 0), (10, 0)]


def dotnet_line(version: str) -> tuple[str, list[str]]:
    return _minor_line(".NET", version, DOTNET, "8.0", ".NET version unknown; assuming 8.0 (LTS)")


#: the last release of each WildFly major: jboss/wildfly (Docker Hub) up to 25,
#: quay.io/wildfly/wildfly from 26 (per JDK: 26 on 11, later on 17)
WILDFLY = {8: "8.2.1.Final", 9: "9.0.2.Final", 10: "10.1.0.Final", 11: "11.0.0.Final", 12: "12.0.0.Final",
           13: "13.0.0.Final", 14: "14.0.1.Final", 15: "15.0.1.Final", 16: "16.0.0.Final", 17: "17.0.1.Final",
           18: "18.0.1.Final", 19: "19.1.0.Final", 20: "20.0.1.Final", 21: "21.0.2.Final", 22: "22.0.1.Final",
           23: "23.0.2.Final", 24: "24.0.0.Final", 25: "25.0.0.Final", 26: "26.1.3.Final", 27: "27.0.1.Final",
           28: "28.0.1.Final", 29: "29.0.1.Final", 30: "30.0.1.Final", 31: "31.0.1.Final", 32: "32.0.1.Final",
           33: "33.0.2.Final", 34: "34.0.1.Final", 35: "35.0.1.Final"}
#: JBoss EAP (a subscription image) -> the WildFly line it was built from
EAP_TO_WILDFLY = {(6, 4): 8, (7, 0): 10, (7, 1): 11, (7, 2): 14, (7, 3): 18, (7, 4): 23, (8, 0): 28}


def wildfly_release(version: str, *, eap: bool = False, default: int = 26) -> tuple[str, list[str]]:
    """The full WildFly release ('26.1.3.Final') for a VM's WildFly, JBoss AS 7 or EAP version."""
    v = version_tuple(version)[:2]
    notes: list[str] = []
    if not v:
        major = default
        notes.append(f"WildFly version unknown; assuming {default} (the last javax.* line)")
    elif eap:
        major = EAP_TO_WILDFLY[_closest(v if len(v) == 2 else (v[0], 0), sorted(EAP_TO_WILDFLY))]
        notes.append(f"JBoss EAP {'.'.join(map(str, v))} runs on the community WildFly {major} it is based on; "
                     "the supported EAP image needs a Red Hat registry login (registry.redhat.io)")
    elif v[0] < 8:
        major = 8
        notes.append(f"JBoss AS {'.'.join(map(str, v))} has no image; using WildFly 8, its successor")
    else:
        major = _closest((v[0],), [(m,) for m in WILDFLY])[0]
        notes += _moved("WildFly", str(v[0]), str(major))
    return WILDFLY[major], notes


def wildfly_image(release: str) -> tuple[str, list[str]]:
    major = int(release.split(".")[0])
    if major <= 25:
        return f"jboss/wildfly:{release}", [f"WildFly {major} is only published as jboss/wildfly on Docker Hub "
                                            "(no longer updated); quay.io/wildfly/wildfly starts at 26"]
    jdk = 11 if major == 26 else 17
    return f"quay.io/wildfly/wildfly:{release}-jdk{jdk}", []


#: backing services: repo, known lines, how many version parts a tag has, suffix
BACKING = {
    "postgres": ("postgres", [(9, m) for m in range(0, 7)] + [(m,) for m in range(10, 18)], None, ""),
    "mysql": ("mysql", [(5, 5), (5, 6), (5, 7), (8, 0), (8, 4)], 2, ""),
    "mariadb": ("mariadb", [(10, m) for m in range(0, 12)] + [(11, m) for m in range(0, 9)], 2, ""),
    "redis": ("redis", [(3, 0), (3, 2), (4, 0), (5, 0), (6, 0), (6, 2), (7, 0), (7, 2), (7, 4), (8, 0)], 2, "-alpine"),
    "mongo": ("mongo", [(3, 4), (3, 6), (4, 0), (4, 2), (4, 4), (5, 0), (6, 0), (7, 0), (8, 0)], 2, ""),
    "memcached": ("memcached", [(1, 6)], 2, "-alpine"),
    "rabbitmq": ("rabbitmq", [(3, m) for m in range(6, 14)] + [(4, 0), (4, 1)], 2, "-management"),
}
BACKING_DEFAULT = {"postgres": "16", "mysql": "8.0", "mariadb": "10.11", "redis": "7.2", "mongo": "7.0",
                   "memcached": "1.6", "rabbitmq": "3.13"}


def backing_image(kind: str, version: str) -> tuple[str, list[str]]:
    repo, known, parts, suffix = BACKING[kind]
    v = version_tuple(version)
    if not v:
        return f"{repo}:{BACKING_DEFAULT[kind]}{suffix}", [f"{kind} version unknown; using {BACKING_DEFAULT[kind]}"]
    if kind == "postgres":
        want = v[:2] if v[0] < 10 else v[:1]
    else:
        want = (v + (0,))[:parts]
    got = _closest(want, known)
    had, tag = ".".join(map(str, want)), ".".join(map(str, got))
    return f"{repo}:{tag}{suffix}", _moved(kind, had, tag)


# --- site mapping ------------------------------------------------------------

def apply_mapping(ref: str, mapping: dict[str, str]) -> str:
    """Swap an official ref for the site's mirror: keys are repos ('python') or
    full refs ('python:3.6-slim'); a value without a tag keeps ours."""
    if not mapping or not ref:
        return ref
    if ref in mapping:
        return mapping[ref]
    repo, _, tag = _split_tag(ref)
    target = mapping.get(repo)
    if not target:
        return ref
    _, _, ttag = _split_tag(target)
    return target if ttag else f"{target}:{tag}"
