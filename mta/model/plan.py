"""App (what a detector found) and Plan (every decision, ``plan.yaml``).

A detector returns ``App``; ``mta.plan`` turns each into an ``AppPlan`` by
adding decisions. A user may edit ``plan.yaml`` and feed it back to
``mta generate``; the decisions are then taken as written.
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import Field

from .base import SCHEMA_VERSION, Strict

AppRole = Literal["app", "backing", "proxy", "worker"]


class Evidence(Strict):
    """Why a detector decided: which process, port, file, package or unit."""

    kind: Literal["process", "port", "file", "package", "service", "cron", "other"]
    ref: str  # "pid 1234", "tcp/8080", "/etc/nginx/sites-enabled/app"
    detail: str = ""


class PortSpec(Strict):
    port: int = Field(ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"
    name: str = ""  # "http", "postgres"
    http: bool = False


class EnvVar(Strict):
    name: str
    value: Optional[str] = None  # None when it is a secret
    secret: Optional[str] = None  # name of the SecretRef that supplies it


class SecretRef(Strict):
    """A secret the app needs; the value is never stored in a plan."""

    name: str  # DNS-1123: "web-db-password"
    key: str  # env var name or file key
    source: str  # where it was found: "env of pid 12", "/var/www/wp-config.php"
    target: str = ""  # file mount path in the container; empty: supplied as env var ``key``
    shared: str = ""  # "<app>/<KEY>": the same value as that app's secret KEY (one secret, two consumers)


class ConfigFile(Strict):
    source: str  # path on the VM
    target: str  # path in the container
    configmap: bool = True  # else baked into the image context


class VolumeSpec(Strict):
    name: str
    path: str  # mount path in the container
    kind: Literal["data", "logs", "cache", "uploads", "config"] = "data"
    size: str = "1Gi"
    source_path: str = ""  # path on the VM, when different


class Probe(Strict):
    kind: Literal["http", "tcp", "exec", "none"] = "tcp"
    port: Optional[int] = None
    path: str = "/"
    command: list[str] = Field(default_factory=list)
    expect_status: Optional[int] = None
    expect_title: str = ""
    # lines of the page's visible text seen on the VM; most must come back (mta verify)
    expect_text: list[str] = Field(default_factory=list)
    reason: str = ""  # why none, when kind == none


class Resources(Strict):
    cpu_request: str = "100m"
    cpu_limit: Optional[str] = None
    memory_request: str = "128Mi"
    memory_limit: str = "256Mi"
    strategy: Literal["as-is", "p95", "peak", "default"] = "default"
    basis: str = ""  # the numbers they came from


class ScheduledJob(Strict):
    """A cron job or timer that becomes a CronJob / scheduler service."""

    name: str
    schedule: str  # five-field cron, converted when it was an @alias
    command: list[str]
    user: str = ""
    source: str = ""


class DbSettings(Strict):
    """Database settings an app's own config names (config.php, .env…); never a password value."""

    file: str = ""  # VM path they were read from
    kind: str = ""  # mysql | postgres
    host: str = ""  # as written: localhost, 127.0.0.1, localhost:/run/mysqld/mysqld.sock
    port: int = 0
    name: str = ""
    user: str = ""
    # environment variables the config reads each setting from first (getenv('DB_HOST') ?: 'localhost')
    host_env: str = ""
    name_env: str = ""
    user_env: str = ""
    password_env: str = ""


class App(Strict):
    """What a detector found: one workload, with the evidence for it."""

    name: str  # DNS-1123 label, unique per host
    role: AppRole = "app"
    stack: str  # tomcat, springboot, django, flask, wsgi, node, pm2, php-apache, php-fpm,
    #             static-nginx, static-apache, postgresql, mysql, mariadb, redis, …
    runtime: str = ""  # java, python, node, php, nginx, httpd, postgres…
    runtime_version: str = ""  # "8", "3.6", "10.19"
    framework: str = ""  # spring-boot, django, flask, express…
    stack_version: str = ""  # of the server itself when it matters: tomcat "8.5", nginx "1.10", httpd "2.4"
    confidence: float = Field(default=0.5, ge=0, le=1)
    evidence: list[Evidence] = Field(default_factory=list)
    pids: list[int] = Field(default_factory=list)
    ports: list[PortSpec] = Field(default_factory=list)
    command: list[str] = Field(default_factory=list)  # as run on the VM
    workdir: str = ""
    user: str = ""
    env: list[EnvVar] = Field(default_factory=list)
    code_paths: list[str] = Field(default_factory=list)  # what to pull into the context
    config_files: list[str] = Field(default_factory=list)  # VM paths
    data_paths: list[str] = Field(default_factory=list)
    log_paths: list[str] = Field(default_factory=list)
    service: str = ""  # systemd unit / init script on the VM
    depends_on: list[str] = Field(default_factory=list)  # other app names
    database: Optional[DbSettings] = None  # the app's own DB settings, when its config names them
    notes: list[str] = Field(default_factory=list)


class Build(Strict):
    """How the image is made. Empty for backing services (official image)."""

    base_image: str  # always with a tag, never latest
    builder_image: str = ""  # multi-stage: where something is compiled
    packages: list[str] = Field(default_factory=list)  # OS packages to add
    #: debconf answers given before the packages install ("pkg question type value", as
    #: debconf-set-selections reads them): a distro-packaged app's postinst must not set up
    #: a database in the image (Debian's redmine: dbconfig-install false)
    debconf: list[str] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)  # extra RUN steps (shell form, reviewed)
    files: list[ConfigFile] = Field(default_factory=list)  # context path -> image path (COPY)
    workdir: str = "/app"
    user: str = "10001"
    entrypoint: list[str] = Field(default_factory=list)
    cmd: list[str] = Field(default_factory=list)
    healthcheck: list[str] = Field(default_factory=list)  # exec form; empty = see probe.reason
    env: dict[str, str] = Field(default_factory=dict)  # image ENV (not discovered values)
    builder_files: list[ConfigFile] = Field(default_factory=list)  # COPY into the builder stage
    builder_steps: list[str] = Field(default_factory=list)  # RUN in the builder stage
    artifacts: list[ConfigFile] = Field(default_factory=list)  # builder path -> image path
    writable: list[str] = Field(default_factory=list)  # image dirs the non-root user must own


class Extract(Strict):
    """What to pull from the VM into apps/<app>/context/."""

    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    max_bytes: int = 512 * 1024 * 1024
    copy_secret_files: bool = False


class AppPlan(App):
    """An App plus every decision made for it."""

    include: bool = True
    image: str = ""  # final image name: mta/<host>-<app>:<tag>, or an official image
    build: Optional[Build] = None  # None: run ``image`` as is (backing services)
    extract: Extract = Field(default_factory=Extract)
    expose: list[PortSpec] = Field(default_factory=list)
    config: list[ConfigFile] = Field(default_factory=list)
    volumes: list[VolumeSpec] = Field(default_factory=list)
    secrets: list[SecretRef] = Field(default_factory=list)
    readiness: Probe = Field(default_factory=Probe)
    liveness: Probe = Field(default_factory=Probe)
    resources: Resources = Field(default_factory=Resources)
    replicas: int = Field(default=1, ge=0)
    workload: Literal["Deployment", "StatefulSet"] = "Deployment"
    jobs: list[ScheduledJob] = Field(default_factory=list)
    rewrites: list[str] = Field(default_factory=list)  # "localhost:5432 -> db:5432" etc.
    run_as_user: int = 10001  # official backing images keep their own uid (999…)
    publish: bool = False  # publish ports on the compose host (entry points only)


class Targets(Strict):
    compose: bool = True
    swarm: bool = True
    kubernetes: bool = True
    security: bool = True
    sbom: bool = True
    namespace: str = "default"
    ingress_host: str = ""


class Plan(Strict):
    schema_version: int = SCHEMA_VERSION
    host: str
    discovery: str = ""  # path of the discovery.yaml it came from
    base: str = "official"  # official | debian | path of a mapping file
    targets: Targets = Field(default_factory=Targets)
    apps: list[AppPlan] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def app(self, name: str) -> Optional[AppPlan]:
        for a in self.apps:
            if a.name == name:
                return a
        return None


# ------------------------------------------------------------- checks of an edited plan

#: a DNS-1123 label that also starts with a letter (so it is a valid Service
#: name too): what Kubernetes needs of metadata.name, compose of a service name
#: and mta of a directory name under apps/
_LABEL = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
#: a DNS-1123 subdomain (Secret and ConfigMap names)
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# an image reference as the distribution spec reads it: [host[:port]/]path[:tag][@digest]
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(
    rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)
_LABEL_RULE = ("lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, "
               "at most 63 characters")


def label_like(text: str) -> str:
    """``text`` made into a name _LABEL accepts ("Web_Flask" -> "web-flask")."""
    s = re.sub(r"[^a-z0-9-]+", "-", text.lower())
    s = re.sub(r"-{2,}", "-", s).strip("-")
    if s and not s[0].isalpha():
        s = "app-" + s
    return s[:63].rstrip("-") or "app"


def valid_image(ref: str) -> bool:
    """Whether ``ref`` is an image reference an engine accepts (no spaces,
    newlines or uppercase repository, a tag of at most 128 characters)."""
    return len(ref) <= 512 and _IMAGE.fullmatch(ref) is not None


def plan_problems(plan: "Plan") -> list[str]:
    """What in ``plan`` cannot become a container, compose service or
    Kubernetes object (each with the rule and an accepted example): app names
    that are not DNS labels or repeat, image references that an engine would
    refuse, Secret and volume names Kubernetes refuses."""
    out: list[str] = []
    seen: set[str] = set()
    for i, app in enumerate(plan.apps):
        where = f"apps[{i}]"
        name = app.name
        if not _LABEL.fullmatch(name):
            out.append(f"{where}.name {name!r} is not a valid app name: it names the container, the compose "
                       f"service, the Kubernetes objects and the folder apps/<name>, so it must be a DNS-1123 "
                       f"label: {_LABEL_RULE} (for example {label_like(name)!r})")
        elif name in seen:
            out.append(f"{where}.name {name!r} is used by two apps; each app needs its own name")
        seen.add(name)
        images = [("image", app.image)]
        if app.build is not None:
            images += [("build.base_image", app.build.base_image), ("build.builder_image", app.build.builder_image)]
        for field, ref in images:
            if ref and not valid_image(ref):
                out.append(f"{where}.{field} {ref!r} is not a valid image reference: expected "
                           "[registry[:port]/]name[:tag][@sha256:digest] with a lowercase name and no spaces "
                           "(for example 'registry.example.com/team/web:1.2')")
        if app.build is not None and not app.build.base_image:
            out.append(f"{where}.build.base_image is empty: a build needs a base image (for example 'debian:bookworm-slim')")
        for j, secret in enumerate(app.secrets):
            if len(secret.name) > 253 or not _SUBDOMAIN.fullmatch(secret.name):
                out.append(f"{where}.secrets[{j}].name {secret.name!r} is not a valid Secret name: "
                           f"lowercase letters, digits, '-' and '.' (for example {label_like(secret.name)!r})")
        for j, vol in enumerate(app.volumes):
            if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", vol.name):
                out.append(f"{where}.volumes[{j}].name {vol.name!r} is not a valid volume name: {_LABEL_RULE} "
                           f"(for example {label_like(vol.name)!r})")
    return out
