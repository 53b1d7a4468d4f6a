"""make_plan: per-app decisions first, then the ones that need every app
(what is kept, who talks to whom, which cron job belongs where)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any, Mapping, Optional

from ..errors import InputError
from ..io import load_yaml
from ..model import (App, AppPlan, ConfigFile, EnvVar, Extract, Plan, PortSpec,
                     ScheduledJob, SecretRef, Targets, VolumeSpec)
from . import images, probes, resources
from ..detect import packaged
from ..detect.configs import ini_sections
from ..discover.secrets import env_is_secret, file_looks_secret
from .commands import interpreter, rewrite_command, secret_arg_refs, shell_interpreters, split_shell, to_five_fields
from .names import config_key, dns_label, image_repo_component, is_env_name
from .databases import link_databases
from .rewrite import Target, local_hosts, rewrite_host_var, rewrite_text
from .answers import Answers, validate_answers
from .paths import context_path
from .recipes import family_of, recipe
from .recipes.backing import BACKING_SPEC, backing_kind, debian_backing
from .shell import q

EXCLUDE_ALWAYS = ["**/.git", "**/node_modules", "**/venv", "**/.venv", "**/__pycache__", "**/*.pyc",
                  "**/*.log", "**/.cache"]
SECRETS_SHIM = "/usr/local/bin/mta-secrets-env"
#: set by the VM's init, shell or container runtime, not by the app: the new runtime sets its own
RUNTIME_ENV = {"container", "container_uuid", "container_ttys", "HOME", "PATH", "PWD", "OLDPWD", "SHLVL", "TERM",
               "HOSTNAME", "_", "INVOCATION_ID", "JOURNAL_STREAM", "NOTIFY_SOCKET", "SYSTEMD_EXEC_PID", "MANAGERPID",
               "USER", "LOGNAME", "SHELL", "MAIL", "RUNLEVEL", "PREVLEVEL", "INIT_VERSION", "CONSOLE"}


def load_mapping(path: str) -> dict[str, str]:
    """A --base FILE: {official repo or ref: internal image}."""
    data = load_yaml(path)
    if isinstance(data, dict) and isinstance(data.get("images"), dict):
        data = data["images"]
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise InputError(f"{path}: expected a mapping of official image -> internal image (strings)",
                         hint="e.g.  python: registry.example.com/mirror/python")
    for key, value in data.items():
        if not images.IMAGE_REF.match(value) or value.endswith(":latest"):
            raise InputError(f"{path}: field '{key}': {value!r} is not a pinned image reference")
    return dict(data)


_APP_ID = re.compile(r"^apps\.([^.]+)\.(.+)$")


def _renamed(apps: list[App], answers: dict) -> tuple[list[App], dict]:
    """``apps.<app>.name`` renames a detected app; its other answers (keyed by the
    detected name, the stable id) and merges into it follow the new name."""
    moves: dict[str, str] = {}
    for app in apps:
        new = answers.get(f"apps.{app.name}.name")  # a DNS-1123 label: the question checked it
        if new and new != app.name:
            moves[app.name] = new
    if not moves:
        return apps, answers
    names = [moves.get(a.name, a.name) for a in apps]
    for name in names:
        if names.count(name) > 1:
            raise InputError(f"answer 'apps.*.name': two apps would be named {name!r}", hint="pick another name")
    out: dict = {}
    for key, value in answers.items():
        m = _APP_ID.match(key)
        if m and m.group(1) in moves:
            if m.group(2) == "name":
                continue
            key = f"apps.{moves[m.group(1)]}.{m.group(2)}"
        if key.endswith(".merge_into") and value in moves:
            value = moves[value]
        out[key] = value
    return [a.model_copy(update={"name": moves.get(a.name, a.name)}) for a in apps], out


def _app_answers(answers: dict, name: str) -> dict[str, Any]:
    prefix = f"apps.{name}."
    return {k[len(prefix):]: v for k, v in answers.items() if k.startswith(prefix)}


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def make_plan(facts, apps: list[App], *, answers: Optional[Mapping[str, Any]] = None, base: str = "official",
              discovery_path: str = "") -> Plan:
    """Decide everything for every app; answers (flat ``{id: value}``) override defaults.

    ``answers`` are read as typed values: ``Answers`` from ``validate_answers``
    (or ``resolve_answers``) as they are, any other mapping is checked against
    the question registry first (InputError names the id)."""
    if answers and not isinstance(answers, Answers):
        answers = validate_answers(answers, facts, apps)
    answers = dict(answers or {})
    base = str(answers.get("base") or base or "official")
    mapping: dict[str, str] = {}
    mode = base
    if base not in ("official", "debian"):
        if not Path(base).is_file():
            raise InputError(f"--base {base!r}: expected official, debian or a mapping file that exists")
        mapping, mode = load_mapping(base), "official"
    plan = Plan(host=facts.host, discovery=discovery_path, base=base, targets=_targets(answers))
    apps, answers = _renamed(apps, answers)

    seen: set[str] = set()
    for app in apps:
        name = dns_label(app.name)
        while name in seen:
            name = dns_label(f"{name}-{len(seen)}")
        seen.add(name)
        if name != app.name:
            app = app.model_copy(update={"name": name})
        app = _with_served_dirs(facts, app, apps)
        plan.apps.append(_plan_app(facts, app, mode, mapping, _app_answers(answers, name)))

    _keep_or_drop(plan, answers)
    _size(plan, facts, answers)
    _fpm_clients(plan, facts)
    _wire(plan, facts)
    link_databases(plan)
    _cron(plan, facts)
    _publish(plan)
    if not apps:
        plan.notes.append(_nothing_found(facts))
    return plan


def _size(plan: Plan, facts, answers: dict) -> None:
    """Requests and limits from the estimate stage, so manifests and report agree."""
    strategies = {a.name: str(_app_answers(answers, a.name).get("resources") or "") for a in plan.apps}
    for name, res in resources.size_apps(facts, plan.apps, strategies).items():
        app = next(a for a in plan.apps if a.name == name)
        app.resources = res


def _targets(answers: dict) -> Targets:
    t = Targets()
    for key in ("compose", "swarm", "kubernetes", "security", "sbom"):
        if f"targets.{key}" in answers:
            setattr(t, key, answers[f"targets.{key}"])
    if answers.get("k8s.namespace"):
        t.namespace = answers["k8s.namespace"]
    if answers.get("k8s.ingress_host"):
        t.ingress_host = answers["k8s.ingress_host"]
    return t


_CTRL = re.compile(r"[\x00-\x1f\x7f]")
_COPY_UNSAFE = re.compile(r"[$\\*?\[\]\"']")
_WORKDIR_OK = re.compile(r"^/[A-Za-z0-9._/@+=,:~ -]*[^ ]$|^/$")  # as render.escape.SAFE_WORKDIR


def _sane_paths(app: App) -> tuple[App, list[str]]:
    """Drop discovered paths no artifact can carry safely, saying so."""
    notes: list[str] = []
    update: dict[str, Any] = {}
    for fld, copied in (("code_paths", True), ("config_files", True), ("data_paths", False), ("log_paths", False)):
        keep = []
        for p in getattr(app, fld):
            if not p.startswith("/") or _CTRL.search(p) or "/../" in p + "/" or (copied and _COPY_UNSAFE.search(p)):
                notes.append(f"{fld[:-1].replace('_', ' ')} {p!r} skipped: its characters cannot be carried "
                             "safely into a Dockerfile; copy it by hand")
            else:
                keep.append(p)
        update[fld] = keep
    if app.workdir and not _WORKDIR_OK.match(app.workdir):
        notes.append(f"workdir {app.workdir!r} replaced by /app: unusual characters")
        update["workdir"] = "/app"
    return app.model_copy(update=update), notes


_NGINX_ROOT = re.compile(r"(?:^|[{;])\s*(?:root|alias)\s+([^;\s]+)\s*;", re.M)


def _with_served_dirs(facts, app: App, apps: list[App]) -> App:
    """An nginx in front of an app often serves that app's static files from
    disk (root/alias); the image needs them too. Another app's data dirs
    (uploads) are left out with a note: a snapshot in the image goes stale."""
    if family_of(app) != "nginx":
        return app
    data = [p for a in apps if a is not app for p in a.data_paths]
    candidates = list(app.code_paths)
    for path in app.config_files:
        f = facts.file(path)
        for d in _NGINX_ROOT.findall(f.content if f else ""):
            d = d.strip("'\"").rstrip("/") or "/"
            if d.startswith("/") and d != "/" and not _under(d, candidates):
                candidates.append(d)
    keep, notes = [], []
    for d in candidates:
        if _under(d, data):
            notes.append(f"{d} is served from disk but holds another app's data: share it through a "
                         "volume or object storage instead of copying it into this image")
        else:
            keep.append(d)
    if keep == app.code_paths and not notes:
        return app
    return app.model_copy(update={"code_paths": keep, "notes": list(app.notes) + notes})


def _plan_app(facts, app: App, mode: str, mapping: dict, ans: dict) -> AppPlan:
    """One app's plan, section by section; ``ans`` are its typed answers (``apps.<app>.*``)."""
    base = str(ans.get("base") or mode)
    app, path_notes = _sane_paths(app)
    r = recipe(app, facts, base, mapping)
    ap = AppPlan(**app.model_dump())
    ap.notes = list(app.notes) + path_notes + r.notes
    if ap.build and not _WORKDIR_OK.match(ap.build.workdir):
        ap.notes.append(f"workdir {ap.build.workdir!r} replaced by /app: unusual characters")
        ap.build.workdir = "/app"
    ap.run_as_user = r.run_as_user
    host = image_repo_component(facts.host)
    ap.image = r.image or f"mta/{host}-{app.name}:0.1"
    ap.build = r.build
    kind = backing_kind(app)
    # a backing service built from the Debian base keeps its recipe's command,
    # entrypoint and files: the app-centric steps below (baked config, log links,
    # the VM's command, the secrets shim) are for apps whose code is copied
    app_build = None if kind else ap.build
    secret_name = f"{app.name}-secrets"

    _ports(ap, app, facts, ans)
    _env(ap, app, ans, kind, secret_name)
    baked = _config(ap, app, facts, r, ans, app_build)
    if app.stack == "php-fpm" and ap.build and not any(p.protocol == "tcp" for p in ap.expose):
        _fpm_over_tcp(ap, facts)
    _volumes(ap, app, facts, r, ans, kind)
    _logs(ap, app, app_build)
    if app_build:
        _run_command(ap, app, r, app_build, secret_name)
    _probes(ap, facts, r, kind)
    # resources: set for every app at once by _size (the estimate stage's numbers)
    _replicas(ap, ans, kind)
    _extract(ap, app, baked)
    _proxy_leaves_php_only(ap, facts)
    _linked_packages(ap, facts, base, app_build)
    _service_account(ap, app, facts, app_build, r.own_account)
    _default_site_config(ap, facts, app_build)
    _packaged_caches(ap, facts, app_build)
    if "include" in ans:
        ap.include = ans["include"]
    if ap.build and not app.code_paths and family_of(app) in ("java", "python", "node", "generic"):
        ap.notes.append("no code path was detected: list it in code_paths and extract.include, then run mta extract")
    return ap


def _ports(ap: AppPlan, app: App, facts, ans: dict) -> None:
    """The ports to expose: the answer's, else the detected ones; HTTP where discovery saw an answer."""
    if "ports" in ans:
        known = {p.port: p for p in app.ports}
        ports = []
        for n in ans["ports"]:
            http = known[n].http if n in known else any(h.port == n for h in facts.http)
            ports.append(known.get(n) or PortSpec(port=n, http=http, name="http" if http else ""))
        ap.expose = ports
    else:
        ap.expose = [p.model_copy() for p in app.ports]
    for p in ap.expose:
        if not p.http and any(h.port == p.port and h.status for h in facts.http):
            p.http = True


def _env(ap: AppPlan, app: App, ans: dict, kind: str, secret_name: str) -> None:
    """The app's environment: runtime variables dropped, secrets into the app's Secret
    (the answer's list, else the one detector), a backing image's own credentials added."""
    want_secret = set(ans.get("secrets") or ())
    env: list[EnvVar] = []
    for var in app.env:
        if var.name in RUNTIME_ENV:
            continue
        if not is_env_name(var.name):
            ap.notes.append(f"environment variable {var.name!r} dropped: not a valid name in a container")
            continue
        # the one detector (mta.discover.secrets) decides, unless the answers name the secrets
        secret = var.name in want_secret or env_is_secret(var.name, var.value, var.secret, guess=not want_secret)
        if secret:
            env.append(EnvVar(name=var.name, secret=secret_name))
            ap.secrets.append(SecretRef(name=secret_name, key=var.name,
                                        source=_env_source(app)))
        else:
            env.append(EnvVar(name=var.name, value=var.value))
    if kind:
        for key in BACKING_SPEC[kind][2]:
            if not any(e.name == key for e in env):
                env.append(EnvVar(name=key, secret=secret_name))
                ap.secrets.append(SecretRef(name=secret_name, key=key, source=f"new: the {kind} image needs it (the VM's own credentials keep working after a restore)"))
    ap.env = env


def _config(ap: AppPlan, app: App, facts, r, ans: dict, app_build) -> list[str]:
    """Config files: ConfigMap when the content is known and clean, Secret when
    it holds secrets, else baked into the image from the extracted context.
    Returns the baked ones (extract copies them)."""
    chosen = ans.get("configmaps") if "configmaps" in ans else None
    baked: list[str] = []
    for path in app.config_files:
        target = r.config_target(path)
        if not target:
            ap.notes.append(f"config {path} is not carried over: the image has its own")
            continue
        f = facts.file(path)
        # the file an app's DB settings come from holds its credentials even when discovery
        # could not tell which value is the password: never a ConfigMap, never baked in
        db_file = bool(app.database and app.database.file == path)
        # a secret file only when it holds a credential (by kind, or a value masked outside comments)
        if file_looks_secret(path, f.content if f else None) or db_file:
            ap.secrets.append(SecretRef(name=f"{app.name}-files", key=config_key(path), source=path, target=target))
        elif f and not f.truncated and (chosen is None or path in chosen):
            ap.config.append(ConfigFile(source=path, target=target, configmap=True))
        else:
            ap.config.append(ConfigFile(source=path, target=target, configmap=False))
            baked.append(path)
    if app_build:
        for path in baked:
            if not _under(path, app.code_paths):
                ap.build.files.append(ConfigFile(source=context_path(path), target=r.config_target(path),
                                                 configmap=False))
        if any(c.configmap and c.target.startswith(("/etc/nginx/conf.d/", "/etc/apache2/sites-enabled/"))
               for c in ap.config) or any(s.target.startswith("/etc/nginx/conf.d/") for s in ap.secrets):
            app_build.steps += r.drop_default_site
    return baked


def _volumes(ap: AppPlan, app: App, facts, r, ans: dict, kind: str) -> None:
    """Data volumes: the answer's, a backing service's data dir (empty: a dump restores it),
    else one per detected data path, sized from its mount; writable in the image."""
    if "volumes" in ans:
        ap.volumes = []
        for i, v in enumerate(ans["volumes"]):
            path, _, size = v.partition("=")
            path = path.strip()
            ap.volumes.append(VolumeSpec(name=dns_label(f"{app.name}-data-{i}" if i else f"{app.name}-data"),
                                         path=path, size=size.strip() or "1Gi"))
    elif kind and BACKING_SPEC[kind][0]:
        src = app.data_paths[0] if app.data_paths else ""
        ap.volumes = [VolumeSpec(name=f"{app.name}-data", path=BACKING_SPEC[kind][0], source_path=src,
                                 size=_size_for(facts, src))]
        ap.notes.append(f"the {kind} volume starts empty: restore a dump taken on the VM"
                        + (f" (data dir {src})" if src else ""))
    else:
        ap.volumes = [VolumeSpec(name=dns_label(f"{app.name}-data-{i}" if i else f"{app.name}-data"),
                                 path=r.code_target(p), source_path=p, size=_size_for(facts, p))
                      for i, p in enumerate(app.data_paths)]
    if ap.build:
        ap.build.writable += [v.path for v in ap.volumes if v.path not in ap.build.writable]


def _logs(ap: AppPlan, app: App, app_build) -> None:
    """Logs to stdout: known files become links, directories stay writable."""
    log_files = [p for p in app.log_paths
                 if p.endswith((".log", "_log")) or any(p.startswith(d.rstrip("/") + "/") for d in app.log_paths)]
    made: set[str] = set()
    for path in app.log_paths:
        if path in log_files and app_build:
            stream = "/dev/stderr" if "err" in posixpath.basename(path).lower() else "/dev/stdout"
            parent = posixpath.dirname(path)
            mkdir = "" if parent in made else f"mkdir -p {q(parent)} && "
            made.add(parent)
            app_build.steps.append(f"{mkdir}ln -sf {stream} {q(path)}")
            ap.notes.append(f"log file {path} now goes to {stream[5:]}")
        elif app_build and path not in log_files:
            app_build.writable.append(path)
            ap.notes.append(f"logs under {path}: kept writable; point the app's logging at stdout "
                            "(files in the container are lost on restart)")


def _run_command(ap: AppPlan, app: App, r, app_build, secret_name: str) -> None:
    """The image's command: the VM's, rewritten for a container; masked arguments
    and secret env come from the Secret at start (the secrets shim)."""
    cmd, cnotes = _command(app, r)
    ap.notes += cnotes
    # arguments discovery masked (--password=…, -p…, URL passwords) come from the Secret at start
    taken: dict[str, str] = {}  # MTA_ARG_* env names given to masked command-line arguments
    cmd, refs = secret_arg_refs(cmd, taken)
    for var, what in refs:
        _arg_secret(ap, secret_name, var, f"argument {what} of the VM's command line (masked at discovery)")
    app_build.cmd = cmd
    if ap.secrets and any(e.secret for e in ap.env):
        app_build.entrypoint = ["/bin/sh", SECRETS_SHIM]
        app_build.files.append(ConfigFile(source="mta-secrets-env.sh", target=SECRETS_SHIM, configmap=False))


def _probes(ap: AppPlan, facts, r, kind: str) -> None:
    """Readiness and liveness (a backing service's own exec probe), and the image's HEALTHCHECK."""
    spec = debian_backing(kind) if kind and ap.build else None
    exec_cmd = list(spec.probe) if spec else BACKING_SPEC[kind][3] if kind else None
    ap.readiness = probes.make_probe(facts, ap.expose, exec_command=exec_cmd or None)
    ap.liveness = ap.readiness.model_copy(update={"expect_text": []})  # content is verify's business
    if ap.build:
        hc, reason = probes.healthcheck(r.tool, ap.readiness)
        ap.build.healthcheck = hc
        if reason and not ap.readiness.reason:
            ap.readiness.reason = reason
            ap.liveness.reason = reason


def _replicas(ap: AppPlan, ans: dict, kind: str) -> None:
    """Replicas (the answer's) and the workload kind: a backing service with data is a StatefulSet."""
    if "replicas" in ans:
        ap.replicas = ans["replicas"]
    if ap.volumes and ap.replicas > 1:
        ap.notes.append(f"{ap.replicas} replicas share volumes: needs ReadWriteMany storage or one replica")
    ap.workload = "StatefulSet" if kind and ap.volumes else "Deployment"


def _extract(ap: AppPlan, app: App, baked: list[str]) -> None:
    """What ``mta extract`` copies: the code and the baked config, not data or logs."""
    excl = sorted(set(app.data_paths + app.log_paths))
    include = list(app.code_paths) + [p for p in baked if not _under(p, app.code_paths)]
    ap.extract = Extract(include=include, exclude=[e for e in excl if _under(e, app.code_paths)] + EXCLUDE_ALWAYS)


def _linked_packages(ap: AppPlan, facts, base: str, app_build) -> None:
    """A distro-packaged app's code tree links into other packages (Debian's WordPress:
    php-getid3, libjs-underscore…): on the Debian base the image installs them and the
    links are copied as they are; elsewhere they would dangle, which the notes say."""
    lay = packaged.layout_of(facts, list(ap.code_paths)) if app_build else None
    if not lay or not lay.links_into:
        return
    pkgs = list(dict.fromkeys(p for p, _ in lay.links_into))
    if base == "debian":
        app_build.packages = sorted(set(app_build.packages) | set(pkgs))
        ap.notes.append(f"{lay.package}'s code links into {', '.join(pkgs)}: the image installs them and the "
                        "links are kept as on the VM")
    else:
        ap.notes.append(f"{lay.package}'s code links into Debian's {', '.join(pkgs)}: those links are not copied; "
                        "use --base debian (installs them) or copy the files they point at")


_ACCOUNT_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
#: accounts that are nobody's own: never renumbered into the app's
_SHARED_ACCOUNTS = {"root", "nobody", "daemon", "bin", "sys", "nogroup", "users"}


def _server_names_account(app: App, facts) -> bool:
    """The app's server switches to a named account at start: uWSGI's uid=/gid= (ini or
    --uid/--gid), gunicorn's --user/--group. As a non-root container it cannot switch: it
    must already be that account, or it exits (uWSGI: 'cannot setuid() as non-root user')."""
    argv = list(app.command)
    if any(a.split("=", 1)[0] in ("--uid", "--gid", "--user", "--group", "-u", "-g") for a in argv[1:]):
        return True
    inis = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--ini"]
    inis += [a.split("=", 1)[1] for a in argv if a.startswith("--ini=")]
    inis += [a for a in argv[1:] if a.endswith(".ini") and a.startswith("/")]
    for path in inis:
        f = facts.file(path)
        section = ini_sections(f.content if f else "").get("uwsgi", {})
        if section.get("uid") or section.get("gid"):
            return True
    return False


def _service_account(ap: AppPlan, app: App, facts, app_build, own_account: bool) -> None:
    """The VM ran the app as a named account (Debian's barbican-api as barbican) that it relies
    on by name: its server switches to it (uWSGI uid=barbican), or the app's own package, which
    the recipe installs (``own_account``), made its directories for it (/etc/barbican 0750
    root:barbican). The image gives that account
    the container's uid and gid, with its files (or makes it when no package does), so the
    container's user *is* the account: names resolve to it, its directories open, and
    uWSGI's switch to itself is a no-op."""
    if not app_build:
        return
    users = {p.user for pid in app.pids for p in [facts.process(pid)] if p and p.user}
    if len(users) != 1:
        return
    name = users.pop()
    if name in _SHARED_ACCOUNTS or not _ACCOUNT_NAME.match(name) or not (own_account or _server_names_account(app, facts)):
        return
    uid = ap.run_as_user
    app_build.steps.append(
        f"if id -u {name} >/dev/null 2>&1; then u=$(id -u {name}) && g=$(id -g {name}) && usermod -u {uid} {name}"
        f" && find / -xdev -uid \"$u\" -exec chown -h {uid} {{}} + && if [ \"$(id -gn {name})\" = {name} ]; then"
        f" groupmod -g {uid} {name} && find / -xdev -gid \"$g\" -exec chgrp -h {uid} {{}} +; fi;"
        f" else groupadd -g {uid} {name} && useradd -u {uid} -g {uid} -M -d / -s /usr/sbin/nologin {name}; fi")
    ap.notes.append(f"the VM ran {app.name} as {name}, an account it relies on by name: the image gives {name} "
                    f"the container's uid and gid {uid} (with its files), so the container runs as {name}")


#: where the php-fpm recipes' pools listen (Debian's is set to it, the official image's is)
FPM_PORT = 9000
_FPM_LISTEN = re.compile(r"(?m)^[ \t]*listen[ \t]*=[ \t]*(/[^\s;]+)[ \t]*$")


def _fpm_sockets(ap: AppPlan, facts) -> dict[str, str]:
    """{unix socket path: the pool's listen line} of an fpm app's VM config."""
    out: dict[str, str] = {}
    for c in ap.config:
        f = facts.file(c.source)
        for m in _FPM_LISTEN.finditer(f.content if f else ""):
            out.setdefault(m.group(1), m.group(0).strip())
    return out


def _fpm_over_tcp(ap: AppPlan, facts) -> None:
    """php-fpm on the VM listened on a unix socket its web server shared: containers share
    no socket directory, so the pool listens on FPM_PORT (the VM's pool config, mounted
    over the image's, says so too) and the web server reaches it there (_fpm_clients)."""
    ap.expose = [*ap.expose, PortSpec(port=FPM_PORT, name="fastcgi")]
    for path, line in _fpm_sockets(ap, facts).items():
        ap.rewrites.append(f"config: {line} -> listen = {FPM_PORT}")
        ap.notes.append(f"php-fpm listened on unix socket {path}; in a container it listens on port {FPM_PORT}")


def _fpm_clients(plan: Plan, facts) -> None:
    """An nginx whose fastcgi_pass named an fpm pool's unix socket passes to that
    pool's service on FPM_PORT (``fastcgi_pass unix:/run/php/php8.2-fpm.sock`` ->
    ``fastcgi_pass web:9000``)."""
    kept = [a for a in plan.apps if a.include]
    for fpm in kept:
        if fpm.stack != "php-fpm" or not any(p.port == FPM_PORT for p in fpm.expose):
            continue
        for path in _fpm_sockets(fpm, facts):
            for web in kept:
                if web is fpm or family_of(web) != "nginx":
                    continue
                uses = [c for c in web.config if f"unix:{path}" in (getattr(facts.file(c.source), "content", "") or "")]
                if not uses:
                    continue
                entry = f"config: unix:{path} -> {fpm.name}:{FPM_PORT}"
                if entry not in web.rewrites:
                    web.rewrites.append(entry)
                if fpm.name not in web.depends_on:
                    web.depends_on.append(fpm.name)


def _proxy_leaves_php_only(ap: AppPlan, facts) -> None:
    """A proxy serving a packaged PHP app's static files (nginx in front of MediaWiki's
    php-fpm) needs the code tree for those and for the entry points' existence, not the
    parts only PHP reads: its image leaves them out (the app's image has the whole tree)."""
    if ap.role != "proxy" or not ap.build:
        return
    lay = packaged.layout_of(facts, list(ap.code_paths))
    if not lay or not lay.php_only:
        return
    skip = [p for p in lay.php_only if p.startswith("**") or _under(p, ap.code_paths)]
    ap.extract.exclude += [p for p in skip if p not in ap.extract.exclude]
    ap.notes.append(f"{lay.package}: the proxy's image leaves out what only PHP reads ({', '.join(skip)}); "
                    "the app's image has the whole tree")


def _packaged_caches(ap: AppPlan, facts, app_build) -> None:
    """What a packaged app writes besides data and logs (Debian's MediaWiki: its cache dir
    /var/cache/mediawiki) is writable for the app's user, an emptyDir/tmpfs under a read-only root."""
    lay = packaged.layout_of(facts, list(ap.code_paths)) if app_build and ap.role != "proxy" else None
    new = [w for w in (packaged.writable(facts, lay) if lay else []) if w not in app_build.writable]
    if new:
        app_build.writable += new
        ap.notes.append(f"{lay.package} writes to {', '.join(new)} at run time: writable, starts empty")


def _default_site_config(ap: AppPlan, facts, app_build) -> None:
    """Debian's WordPress picks /etc/wordpress/config-<Host header>.php and answers 404
    when none matches: the VM's site answered for its own names only, the container is
    reached as localhost (health checks, verify) or by its service name. Unless the VM
    has a default, the image links the site's settings file as the default, so the
    mounted file (a Secret: it holds the DB password) serves every name."""
    lay = packaged.layout_of(facts, list(ap.code_paths)) if app_build else None
    if not lay or not lay.default_config:
        return
    source, why = packaged.default_source(facts, lay)
    if why:
        ap.notes.append(why)
    target = next((t.target for t in [*ap.secrets, *ap.config] if t.target and t.source == source), "") if source else ""
    if not target:
        return
    dest = lay.default_config
    app_build.steps.append(f"mkdir -p {q(posixpath.dirname(dest))} && ln -sfn {q(target)} {q(dest)}")
    ap.notes.append(f"{lay.package}: {dest} links to {target} (the VM's site), so the site answers for any "
                    "host name, as a container is reached by names the VM never was (localhost, a service name)")


def _env_source(app: App) -> str:
    who = f"unit {app.service}" if app.service else f"pid {app.pids[0]}" if app.pids else "the app"
    return f"environment of {who} on the VM"


def _size_for(facts, path: str) -> str:
    """Room for what the VM holds there: the containing mount's use x2, at least 1Gi."""
    if not path:
        return "1Gi"
    best = None
    for m in facts.mounts:
        if _under(path, [m.mountpoint]) and (best is None or len(m.mountpoint) > len(best.mountpoint)):
            best = m
    if best is None or not best.used_bytes or best.mountpoint == "/":
        return "1Gi"
    gi = -(-best.used_bytes * 2 // (1024 ** 3))
    return f"{max(1, gi)}Gi"


_DAEMON_FLAGS = {"-D", "--daemon", "--daemonize"}


def _arg_secret(ap: AppPlan, secret_name: str, var: str, source: str) -> None:
    """A masked command-line argument passed as env ``var`` from the app's Secret."""
    if not any(e.name == var for e in ap.env):
        ap.env.append(EnvVar(name=var, secret=secret_name))
    if not any(s.key == var and s.name == secret_name for s in ap.secrets):
        ap.secrets.append(SecretRef(name=secret_name, key=var, source=source))


def _command(app: App, r) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    if r.server:
        if app.command:
            notes.append("the VM's server command is replaced by the image's foreground server: "
                         + " ".join(app.command)[:200])
        return list(r.default_cmd), notes
    if not app.command:
        notes.append("no command was detected; set build.cmd in plan.yaml")
        return list(r.default_cmd), notes
    cmd, notes = rewrite_command(app.command)
    out = []
    for arg in cmd:
        if arg in _DAEMON_FLAGS and cmd[0] in ("gunicorn", "uwsgi"):
            notes.append(f"{arg} dropped: a container runs in the foreground")
            continue
        fixed = re.sub(r"^(.*?)(?:127\.0\.0\.1|localhost):(\d+)$", r"\g<1>0.0.0.0:\2", arg)
        if fixed != arg:
            notes.append(f"listens on all interfaces in the container: {arg} -> {fixed}")
        out.append(fixed)
    return out, notes


def _keep_or_drop(plan: Plan, answers: dict) -> None:
    for ap in plan.apps:
        proxy = answers.get(f"apps.{ap.name}.proxy", "keep")
        if ap.role == "proxy" and proxy == "drop":
            ap.include = False
            ap.notes.append("proxy dropped: clients reach the services directly (or via the Ingress)")
        target = str(answers.get(f"apps.{ap.name}.merge_into") or "")
        if target:
            other = plan.app(target)
            if other is None or other is ap:
                raise InputError(f"answer 'apps.{ap.name}.merge_into': no other app named {target!r}")
            ap.include = False
            ap.notes.append(f"merged into {target}")
            other.extract.include += [p for p in ap.code_paths if p not in other.extract.include]
            other.notes.append(f"also carries {ap.name} ({', '.join(ap.code_paths) or 'no code paths'})")
            if other.build:
                other.build.files += [ConfigFile(source=context_path(p), target=p, configmap=False)
                                      for p in ap.code_paths]


def _wire(plan: Plan, facts) -> None:
    """Rewrite neighbour references to service names and derive depends_on."""
    hosts = local_hosts(facts)
    kept = [a for a in plan.apps if a.include]
    for ap in kept:
        # the proxy in front of an app is its public address, not a service it calls (MediaWiki's
        # $wgServer = "http://127.0.0.1"): pointing it at the proxy would make each wait on the other
        others = [Target(name=o.name, ports=tuple(p.port for p in o.expose), kind=backing_kind(o))
                  for o in kept if o is not ap and not (o.role == "proxy" and ap.name in o.depends_on)]
        used: set[str] = set()
        for var in ap.env:
            if var.value is None:
                continue
            new, changes = rewrite_text(var.value, hosts, others)
            hv = rewrite_host_var(var.name, var.value, hosts, others) if not changes else None
            if hv:
                new, changes = hv[1], [hv]
            for old, repl in changes:
                ap.rewrites.append(f"env {var.name}: {old} -> {repl}")
            if changes:
                var.value = new
                used.update(_target_of(repl, others) for _, repl in changes)
        for cf in ap.config + [ConfigFile(source=s.source, target=s.target) for s in ap.secrets if s.target]:
            f = facts.file(cf.source)
            if not f:
                continue
            _, changes = rewrite_text(f.content, hosts, others)
            for old, repl in dict.fromkeys(changes):
                entry = f"config: {old} -> {repl}"
                if entry not in ap.rewrites:
                    ap.rewrites.append(entry)
                used.add(_target_of(repl, others))
        pids = set(ap.pids)
        for c in facts.connections:
            if c.pid in pids and c.remote_address in hosts:
                for o in others:
                    if c.remote_port in o.ports:
                        used.add(o.name)
        deps = [d for d in list(ap.depends_on) + sorted(used - {""}) if plan.app(d) and plan.app(d).include]
        ap.depends_on = list(dict.fromkeys(d for d in deps if d != ap.name))


def _target_of(replacement: str, targets: list[Target]) -> str:
    for t in targets:
        if re.search(rf"(^|[/@]){re.escape(t.name)}(:|$)", replacement) or replacement == t.name:
            return t.name
    return ""


_VENV_PREFIX = re.compile(r"(?<![^\s'\"=])/[^\s'\"]*?/(?:venv|\.venv|env|virtualenv)[^/\s'\"]*/bin/")


def _cron(plan: Plan, facts) -> None:
    for job in facts.cron:
        owner = None
        for ap in plan.apps:
            roots = [p for p in ap.code_paths + ([ap.workdir] if ap.workdir else []) if p and p != "/"]
            if ap.include and ap.build and any(r in job.command for r in roots):
                owner = ap
                break
        if owner is None:
            plan.notes.append(f"cron job not tied to an app, left on the VM: {job.schedule} {job.command[:200]}"
                              + (f" ({job.source})" if job.source else ""))
            continue
        schedule = to_five_fields(job.schedule)
        if schedule is None:
            owner.notes.append(f"cron job {job.schedule!r} {job.command[:200]} cannot be scheduled in Kubernetes; "
                               "run it at container start or by hand")
            continue
        argv = split_shell(job.command)
        if argv[:2] == ["/bin/sh", "-c"]:
            argv[2] = shell_interpreters(argv[2])
        if any(a.target == "/opt/venv" for a in owner.build.artifacts):
            # the VM's virtualenv is rebuilt at /opt/venv in the image
            argv = [_VENV_PREFIX.sub("/opt/venv/bin/", a) for a in argv]
        name = interpreter(argv[0]) if argv and argv[0] != "/bin/sh" else None
        if name and not argv[0].startswith("/opt/venv/"):
            argv[0] = name
        # masked arguments: env references filled from the app's Secret (the CronJob gets the app's env)
        argv, refs = secret_arg_refs(argv, {e.name: "" for e in owner.env})
        for var, what in refs:
            _arg_secret(owner, f"{owner.name}-secrets", var, f"argument {what} of a cron line (masked at discovery)")
        owner.jobs.append(ScheduledJob(name=dns_label(f"{owner.name}-cron-{len(owner.jobs) + 1}", max_len=52),
                                       schedule=schedule, command=argv, user=job.user, source=job.source))


def _publish(plan: Plan) -> None:
    kept = [a for a in plan.apps if a.include and a.expose]
    proxies = [a for a in kept if a.role == "proxy"]
    for a in proxies or [a for a in kept if a.role == "app"]:
        a.publish = True


def _nothing_found(facts) -> str:
    ports = sorted({f"{s.protocol}/{s.port} ({s.process or '?'})" for s in facts.sockets})
    return ("no application was detected on this host: nothing matched a known stack. "
            f"Listening: {', '.join(ports) or 'nothing'}. {len(facts.processes)} processes were seen. "
            "Add an app to plan.yaml by hand, or re-run discovery with --sudo if processes were hidden.")
