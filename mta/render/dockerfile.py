"""Dockerfile, .dockerignore and the build context skeleton of one app."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import GenerateError
from ..model import AppPlan
from ..plan.images import check_image_ref
from ..plan.recipes.backing import BACKING_ENTRYPOINT, backing_kind, debian_backing
from ..plan.shell import APT_INSTALL, q
from ..templates_path import templates_dir
from . import escape
from .env import render
from .security.hardening import write_plan

SHIM = "mta-secrets-env.sh"
#: world-writable (sticky) in every base image: a tmpfs over them is writable as it is
STICKY_DIRS = ("/tmp", "/var/tmp")
JAVA_PACKAGES = ("openjdk-", "default-jre", "default-jdk", "tomcat", "ca-certificates-java")


@dataclass
class Run:
    text: str
    ignore: str = ""  # hadolint rule ids, with the reason in the template


@dataclass
class DockerfileView:
    app: str
    host: str
    stack: str
    builder_image: str
    builder_copies: list[str]
    builder_runs: list[Run]
    base_image: str
    labels: list[str]
    env: list[str]
    pre_runs: list[Run]
    workdir: str
    copies: list[str]
    post_runs: list[Run]
    user: str
    expose: list[str]
    healthcheck: str
    healthcheck_reason: str
    entrypoint: str
    cmd: str
    notes: list[str] = field(default_factory=list)
    stopsignal: str = ""


def has_shell(image: str) -> bool:
    """Whether RUN steps can run in ``image`` (distroless and scratch have no shell)."""
    return image != "scratch" and "/distroless/" not in image


def _where(app: AppPlan, fld: str) -> str:
    return f"plan.yaml apps[{app.name}].build.{fld}"


def _copy(src: str, dst: str, where: str, chown: str = "", from_stage: str = "") -> str:
    flags = (f"--from={from_stage} " if from_stage else "") + (f"--chown={chown} " if chown else "")
    return flags + escape.exec_form([escape.copy_path(src, where), escape.copy_path(dst, where)])


def dockerfile_view(host: str, app: AppPlan) -> DockerfileView:
    b = app.build
    assert b is not None
    check_image_ref(b.base_image, _where(app, "base_image"))
    if b.builder_image:
        check_image_ref(b.builder_image, _where(app, "builder_image"))
    user = escape.user(b.user, _where(app, "user"))
    workdir = escape.workdir(b.workdir, _where(app, "workdir"))
    chown = f"{user.split(':')[0]}:0"
    spec = debian_backing(backing_kind(app))
    pre: list[Run] = []
    if b.packages:
        for p in b.packages:
            if not p.replace("-", "").replace(".", "").replace("+", "").isalnum():
                raise GenerateError(f"{_where(app, 'packages')}: {p!r} is not a package name")
        install = APT_INSTALL.format(pkgs=" ".join(sorted(set(b.packages))))
        if b.debconf:
            for i, line in enumerate(b.debconf):
                if len(line.split(None, 3)) < 4 or any(c in line for c in "\n\r\x00"):
                    raise GenerateError(f"{_where(app, f'debconf[{i}]')}: {line!r} is not 'package question type value'")
            answers = " ".join(q(line) for line in b.debconf)
            # a file, not a pipe: a failing step in a pipe would go unseen (hadolint DL4006)
            install = (f"printf '%s\\n' {answers} > /tmp/mta-debconf && debconf-set-selections /tmp/mta-debconf"
                       " && rm -f /tmp/mta-debconf && "
                       + install.replace("apt-get install", "DEBIAN_FRONTEND=noninteractive apt-get install", 1))
        if any(p.startswith(JAVA_PACKAGES) for p in b.packages):
            # slim images drop /usr/share/man; the JDK/JRE postinst fails without man1
            install = "mkdir -p /usr/share/man/man1 && " + install
        pre.append(Run(install, ignore="DL3008"))
    post = [escape.run_step(s, _where(app, f"steps[{i}]")) for i, s in enumerate(b.steps)]
    if spec and pre:
        # the official images' account: made before the packages so they reuse uid/gid 999
        uid = q(user.split(":")[0])
        account = (f"groupadd -r -g {uid} {spec.account} && useradd -r -g {spec.account} -u {uid} "
                   f"-d {q(spec.home)} -s /usr/sbin/nologin {spec.account}")
        pre[0].text = " \\\n    && ".join(x for x in (account, spec.preinstall, pre[0].text, spec.postinstall) if x)
    # the tmpfs compose mounts under a read-only root (nginx's /var/run for the pid file the
    # VM's nginx.conf names, log dirs): docker gives a tmpfs over an image dir that dir's mode
    # with root as owner (podman hands it to the container user)
    wp = write_plan(app)
    mounted = [p for p in wp.paths if p not in STICKY_DIRS] if wp.read_only else []
    writable = list(dict.fromkeys([*b.writable, *mounted]))
    if writable:
        paths = [escape.copy_path(d, _where(app, "writable")).rstrip("/") or "/" for d in writable]
        dirs = " ".join(q(d) for d in paths)
        # the trailing slash: a dir that is a symlink (/var/run -> /run) is changed, not the link;
        # symlinks inside (/var/log/README, dangling) stay links
        inside = " ".join(q(d + "/") for d in paths)
        post.append(f"mkdir -p {dirs} && chown -R {chown} {inside} && chmod -R g=u {inside}")
        # so each dir a tmpfs goes over is writable by any uid, sticky as /tmp (the official
        # images keep their socket/pid dirs so): the run uid's group is 0 only where the image
        # names no other (an app keeping its VM account, e.g. barbican, has its own group)
        tmpfs = list(dict.fromkeys([*(spec.runtime_dirs if spec else []), *mounted]))
        if tmpfs:
            post[-1] += " && chmod 1777 " + " ".join(q(d.rstrip("/") + "/") for d in tmpfs)
    uid, _, gid = user.partition(":")
    if uid != "0" and not spec and has_shell(b.base_image):
        # an account for the run uid: docker and Kubernetes add none (podman does), and
        # programs that ask who they run as fail without one (Passenger: "Cannot get user
        # database entry for user UID 10001"); home and shell as podman's entry has them
        entry = f"u{uid}:x:{uid}:{gid or 0}:{app.name}:{workdir}:/bin/sh"
        post.append(f"{{ grep -q {q(f'^[^:]*:[^:]*:{uid}:')} /etc/passwd || echo {q(entry)} >> /etc/passwd; }}")
    post_runs = [Run(" \\\n    && ".join(post))] if post else []
    builder_runs = [Run(escape.run_step(s, _where(app, f"builder_steps[{i}]")),
                        ignore="DL3008" if "apt-get install" in s else "")
                    for i, s in enumerate(b.builder_steps)]
    copies = [_copy(a.source, a.target, _where(app, "artifacts"), chown, "build") for a in b.artifacts]
    # a backing service's entrypoint stays root's: the server's uid must not rewrite it
    copies += [_copy(f.source, f.target, _where(app, "files"), "" if spec else chown) for f in b.files]
    labels = [f"org.opencontainers.image.title={escape.label_value(app.name)}",
              f"io.mta.host={escape.label_value(host)}",
              f"io.mta.stack={escape.label_value(app.stack)}"]
    env = [f"{k}={escape.quoted(v, _where(app, 'env.' + k))}" for k, v in b.env.items()
           if k.replace("_", "").isalnum()]
    hc = ""
    if b.healthcheck:
        if b.healthcheck[0] != "CMD" or len(b.healthcheck) < 2:
            raise GenerateError(f"{_where(app, 'healthcheck')}: expected [\"CMD\", program, args…]")
        hc = escape.exec_form(b.healthcheck[1:])
    return DockerfileView(
        app=app.name, host=host, stack=app.stack,
        builder_image=b.builder_image,
        builder_copies=[_copy(f.source, f.target, _where(app, "builder_files")) for f in b.builder_files],
        builder_runs=builder_runs,
        base_image=b.base_image, labels=labels, env=env, pre_runs=pre,
        workdir=workdir,
        copies=copies, post_runs=post_runs, user=user,
        expose=[f"{p.port}/{p.protocol}" if p.protocol == "udp" else str(p.port) for p in app.expose],
        healthcheck=hc,
        healthcheck_reason=app.readiness.reason or "no probe was decided",
        entrypoint=escape.exec_form(b.entrypoint) if b.entrypoint else "",
        cmd=escape.exec_form(b.cmd) if b.cmd else "",
        stopsignal=spec.stopsignal if spec else "",
    )


def dockerignore_lines(app: AppPlan) -> list[str]:
    lines = ["context/README.md", "context/.mta-extract.json"]
    for pat in app.extract.exclude:
        if pat.startswith("**/"):
            lines.append("context/" + pat)  # our own patterns, not discovered text
        elif pat.startswith("/"):
            lines.append("context" + escape.ignore_pattern(pat))
    return list(dict.fromkeys(lines))


def render_app(host: str, app: AppPlan) -> dict[str, str]:
    """apps/<app>/Dockerfile, .dockerignore, context/README.md (and the secrets shim)."""
    base = f"apps/{app.name}/"
    view = dockerfile_view(host, app)
    kind = backing_kind(app)
    if debian_backing(kind):
        # a backing service built from the Debian base: no code to extract, an entrypoint of ours
        script = templates_dir() / "docker" / "backing" / f"{'mariadb' if kind == 'mysql' else kind}-entrypoint.sh"
        return {base + "Dockerfile": render("docker/Dockerfile.backing.j2", v=view, kind=kind),
                base + ".dockerignore": "*\n!" + BACKING_ENTRYPOINT + "\n",
                base + BACKING_ENTRYPOINT: script.read_text(encoding="utf-8")}
    files = {
        base + "Dockerfile": render("docker/Dockerfile.j2", v=view),
        base + ".dockerignore": render("docker/dockerignore.j2", lines=dockerignore_lines(app)),
        base + "context/README.md": render("docker/context_README.md.j2", app=app),
    }
    if any(f.source == SHIM for f in app.build.files):
        files[base + SHIM] = render("docker/mta-secrets-env.sh.j2")
    return files
