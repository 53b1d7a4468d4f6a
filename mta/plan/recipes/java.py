"""Java: plain JVM apps and Spring Boot jars, Tomcat, WildFly / JBoss AS / EAP.

Images: Eclipse Temurin JRE lines, the official tomcat tags, jboss/wildfly and
quay.io/wildfly/wildfly releases.
"""

from __future__ import annotations

import posixpath
from typing import Optional

from ...model import Build, ConfigFile
from .. import images
from ..shell import apt, q
from .common import MB, app_root, code_files, version_from
from .registry import Recipe, register


#: a naive lift: the JDK, a build tool and a servlet container on a full Debian
NAIVE = (780 * MB, "debian:bookworm + default-jdk + maven + tomcat10 (recommends)")


JAVA_LTS = [(8,), (11,), (17,), (21,), (25,)]


def java_major(version: str) -> Optional[int]:
    v = images.version_tuple(version)
    if not v:
        return None
    return v[1] if v[0] == 1 and len(v) > 1 else v[0]


def java_line(version: str, default: int = 17) -> tuple[int, list[str]]:
    major = java_major(version)
    if major is None:
        return default, [f"Java version unknown; assuming {default}"]
    got = images.closest((major,), JAVA_LTS)[0]
    return got, images.moved("Java", str(major), str(got))


TOMCAT_LINES = {(8, 5): [8, 11, 17, 21], (9, 0): [8, 11, 17, 21], (10, 1): [11, 17, 21], (11, 0): [17, 21]}


def tomcat_image(tomcat_version: str, java_version: str) -> tuple[str, list[str]]:
    notes: list[str] = []
    tv = images.version_tuple(tomcat_version)[:2]
    if not tv:
        tv = (9, 0)
        notes.append("Tomcat version unknown; assuming 9.0")
    line = images.closest(tv if len(tv) == 2 else (tv[0], 0), sorted(TOMCAT_LINES))
    notes += images.moved("Tomcat", ".".join(map(str, tv)), "%d.%d" % line)
    jm, jnotes = java_line(java_version, default=TOMCAT_LINES[line][0])
    if java_major(java_version) is None:
        jnotes = [f"Java version unknown; assuming {jm} for Tomcat {line[0]}.{line[1]}"]
    jl = images.closest((jm,), [(j,) for j in TOMCAT_LINES[line]])[0]
    notes += jnotes + (images.moved(f"Java for Tomcat {line[0]}.{line[1]}", str(jm), str(jl)) if jl != jm else [])
    return f"tomcat:{line[0]}.{line[1]}-jre{jl}-temurin", notes


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
    v = images.version_tuple(version)[:2]
    notes: list[str] = []
    if not v:
        major = default
        notes.append(f"WildFly version unknown; assuming {default} (the last javax.* line)")
    elif eap:
        major = EAP_TO_WILDFLY[images.closest(v if len(v) == 2 else (v[0], 0), sorted(EAP_TO_WILDFLY))]
        notes.append(f"JBoss EAP {'.'.join(map(str, v))} runs on the community WildFly {major} it is based on; "
                     "the supported EAP image needs a Red Hat registry login (registry.redhat.io)")
    elif v[0] < 8:
        major = 8
        notes.append(f"JBoss AS {'.'.join(map(str, v))} has no image; using WildFly 8, its successor")
    else:
        major = images.closest((v[0],), [(m,) for m in WILDFLY])[0]
        notes += images.moved("WildFly", str(v[0]), str(major))
    return WILDFLY[major], notes


def wildfly_image(release: str) -> tuple[str, list[str]]:
    major = int(release.split(".")[0])
    if major <= 25:
        return f"jboss/wildfly:{release}", [f"WildFly {major} is only published as jboss/wildfly on Docker Hub "
                                            "(no longer updated); quay.io/wildfly/wildfly starts at 26"]
    jdk = 11 if major == 26 else 17
    return f"quay.io/wildfly/wildfly:{release}-jdk{jdk}", []


@register("java", stacks=("java", "springboot", "jar", "elasticsearch", "kafka", "zookeeper", "activemq",
                           "jenkins", "solr", "jetty"), naive=NAIVE)
def _java(app, facts, debian: bool) -> Recipe:
    version = app.runtime_version if app.runtime in ("java", "") else ""
    version = version or version_from(facts, app, r"(?:jdk|jre|java)-?(1\.\d+|\d+)")
    notes: list[str] = []
    if debian:
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["openjdk-17-jre-headless"])
        major = java_major(version)
        if major and major != 17:
            notes.append(f"VM ran Java {major}; Debian 12 ships Java 17 - test, or use --base official")
    else:
        line, notes = java_line(version, default=17)
        b = Build(base_image=f"eclipse-temurin:{line}-jre")
    b.workdir = app_root(app)
    b.files = code_files(app, lambda p: p)
    return Recipe(build=b, tool="bash", notes=notes)


@register("tomcat", stacks=("tomcat",), naive=NAIVE)
def _tomcat(app, facts, debian: bool) -> Recipe:
    tv = app.runtime_version if app.runtime == "tomcat" else ""
    tv = tv or version_from(facts, app, r"tomcat-?(\d+\.\d+)") or version_from(facts, app, r"tomcat(\d)")
    jv = app.runtime_version if app.runtime == "java" else ""
    jv = jv or version_from(facts, app, r"(?:jdk|jre|java-)(1\.\d+|\d+)")
    if debian:
        home, cbase = "/usr/share/tomcat10", "/var/lib/tomcat10"
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["tomcat10"],
                  env={"CATALINA_HOME": home, "CATALINA_BASE": cbase, "CATALINA_TMPDIR": "/tmp"},
                  writable=[f"{cbase}/webapps", f"{cbase}/work", "/var/cache/tomcat10", "/var/log/tomcat10"],
                  # the package's conf is root:tomcat 0640; the container's uid is not in group tomcat
                  steps=["chmod -R a+rX /etc/tomcat10"])
        notes = ["Debian 12 ships Tomcat 10.1 (jakarta.*): apps built for javax.* need migration; "
                 "--base official keeps the VM's Tomcat line"]
        cmd = [f"{home}/bin/catalina.sh", "run"]
        conf = f"{cbase}/conf"
    else:
        cbase = "/usr/local/tomcat"
        image, notes = tomcat_image(tv, jv)
        b = Build(base_image=image, writable=[f"{cbase}/{d}" for d in ("logs", "work", "temp", "webapps")])
        cmd = ["catalina.sh", "run"]
        conf = f"{cbase}/conf"

    def code_target(p: str) -> str:
        name = posixpath.basename(p.rstrip("/"))
        if p.endswith((".war", ".ear")) or posixpath.basename(posixpath.dirname(p)) == "webapps":
            return f"{cbase}/webapps/{name}"
        if name == "webapps":
            return f"{cbase}/webapps"
        return p

    def config_target(p: str) -> str:
        name = posixpath.basename(p)
        if name == "setenv.sh":
            return f"{cbase.replace('/var/lib/tomcat10', '/usr/share/tomcat10')}/bin/setenv.sh"
        if "/conf/" in p or p.startswith("/etc/tomcat"):
            return f"{conf}/{name}"
        return p

    b.workdir = cbase
    b.files = code_files(app, code_target)
    return Recipe(build=b, tool="bash", notes=notes, code_target=code_target, config_target=config_target,
                  default_cmd=cmd, server=True)


@register("wildfly", stacks=("jboss", "wildfly"), naive=NAIVE)
def _wildfly(app, facts, debian: bool) -> Recipe:
    """WildFly / JBoss AS 7 / EAP (standalone): the server comes from an image, the
    VM gives deployments and standalone*.xml. The VM's server home is not extracted."""
    home = "/opt/jboss/wildfly"
    sbase = f"{home}/standalone"
    eap = any("Enterprise Application Platform" in (e.detail or "") for e in app.evidence)
    release, notes = wildfly_release(app.stack_version, eap=eap)
    if debian:
        major = int(release.split(".")[0])
        if major < 26:
            notes.append(f"WildFly {major} does not run on Java 17, the only JRE in Debian 12: the server moves to "
                         f"{WILDFLY[26]} (the last javax.* line) - test, or use --base official")
            release = WILDFLY[26]
        url = (f"https://github.com/wildfly/wildfly/releases/download/{release}/wildfly-{release}.tar.gz"
               if int(release.split(".")[0]) >= 25 else
               f"https://download.jboss.org/wildfly/{release}/wildfly-{release}.tar.gz")
        b = Build(base_image=images.DEBIAN_IMAGE, packages=["openjdk-17-jre-headless"],
                  builder_image=images.DEBIAN_IMAGE, env={"JBOSS_HOME": home},
                  builder_steps=[apt(["ca-certificates", "curl"]) + f" && curl -fsSL -o /tmp/wildfly.tar.gz {q(url)}"
                                 f" && mkdir -p {home} && tar -xzf /tmp/wildfly.tar.gz -C {home} --strip-components=1"
                                 " && rm -f /tmp/wildfly.tar.gz"],
                  artifacts=[ConfigFile(source=home, target=home, configmap=False)])
        notes.append(f"Debian 12 has no WildFly package: the build stage downloads the WildFly {release} "
                     "distribution and the image runs it on Debian's OpenJDK 17; only the VM's deployments and "
                     "server configuration are carried over, not its server home")
    else:
        image, inotes = wildfly_image(release)
        notes += inotes
        b = Build(base_image=image)
    # the VM's server base (…/standalone) maps onto the image's: deployments, data, configuration
    vm_base = posixpath.dirname(app.code_paths[0].rstrip("/")) if app.code_paths else ""

    def code_target(p: str) -> str:
        name = posixpath.basename(p.rstrip("/"))
        if vm_base and (p == vm_base or p.startswith(vm_base + "/")):
            return sbase + p[len(vm_base):]
        if p.endswith((".war", ".ear")):
            return f"{sbase}/deployments/{name}"
        return p

    def config_target(p: str) -> str:
        name = posixpath.basename(p)
        if name == "standalone.conf":
            return ""  # JAVA_HOME and paths of the VM; its JAVA_OPTS are noted below
        if name.endswith(".xml") and "/configuration/" in p:
            return f"{sbase}/configuration/{name}"
        return p

    cmd = [f"{home}/bin/standalone.sh", "-b", "0.0.0.0"]
    server_xml = next((posixpath.basename(p) for p in app.config_files if config_target(p).startswith(sbase)), "")
    if server_xml and server_xml != "standalone.xml":
        cmd += ["-c", server_xml]
    if any(posixpath.basename(p) == "standalone.conf" for p in app.config_files):
        notes.append("bin/standalone.conf of the VM is not copied (it names the VM's JAVA_HOME): "
                     "move its JAVA_OPTS (heap, system properties) to the JAVA_OPTS environment variable")
    if server_xml:
        notes.append(f"{server_xml} comes from the VM: a server moved to another WildFly line may reject it; "
                     "JDBC driver modules under the VM's modules/ are not copied")
    b.workdir = home
    b.files = code_files(app, code_target)
    b.writable = [f"{sbase}/{d}" for d in ("configuration", "data", "deployments", "log", "tmp")]
    # markers of failed/pending deploys on the VM would stop the scanner from deploying that content
    b.steps = ["rm -f " + " ".join(f"{sbase}/deployments/*.{m}" for m in ("failed", "isdeploying", "pending", "undeployed"))]
    return Recipe(build=b, tool="bash", notes=notes, code_target=code_target, config_target=config_target,
                  default_cmd=cmd, server=True)
