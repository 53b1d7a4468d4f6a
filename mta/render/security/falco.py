"""Falco rules per app, from what discovery saw the app do on its VM.

Each app gets lists of its programs, ports, peer ports and writable paths,
and six rules: an unexpected program, a shell, an unexpected listening port,
an unexpected outbound connection, a change under /usr/bin, /usr/sbin, /bin
or /etc, and a write outside the app's data paths. Rules match the app's
containers by image repository, so they work under Docker, Swarm and
Kubernetes alike. Checked offline by ``falco_check``.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from ...io import dump_yaml
from ...model import AppPlan, HostFacts, Plan
from ...plan.recipes.backing import ENTRYPOINT_TOOLS, backing_kind, debian_backing
from ...text import one_line
from .observed import observe

ENGINE_VERSION = "0.31.0"  # pmatch, evt.is_open_write, fd.sip.name
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._/+@-]*$")
SHELLS = ["ash", "bash", "busybox", "csh", "dash", "ksh", "sh", "tcsh", "zsh"]
BIN_DIRS = ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]
# programs an official image runs besides the server itself (entrypoint scripts)
_IMAGE_EXTRAS = ["docker-entrypoi", "gosu", "su-exec", "tini", "dumb-init"]
_ALWAYS_WRITABLE = ["/tmp", "/var/tmp", "/dev", "/proc", "/run/secrets"]
_OUTPUT = ("(app={app} host={host} proc=%proc.name cmd=%proc.cmdline parent=%proc.pname user=%user.uid "
           "image=%container.image.repository container=%container.name pod=%k8s.pod.name{extra})")


def ident(text: str) -> str:
    """A Falco list/macro name: letters, digits and underscores."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def repository(image: str) -> str:
    """The repository part of an image reference (no tag, no digest)."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
    return ref


def _write_paths(app: AppPlan) -> list[str]:
    paths = [v.path for v in app.volumes] + list(app.data_paths)
    paths += [posixpath.dirname(p) if posixpath.splitext(p)[1] else p for p in app.log_paths]
    if app.build:
        paths += app.build.writable
    paths += _ALWAYS_WRITABLE
    return sorted({p.rstrip("/") or "/" for p in paths if _SAFE_PATH.match(p)})


def app_rules(facts: HostFacts, plan: Plan, app: AppPlan) -> list[dict[str, Any]]:
    """Lists, a macro and six rules for one app."""
    seen = observe(facts, plan, app)
    a = ident(app.name)
    repo = repository(app.image)
    spec = debian_backing(backing_kind(app)) if app.build else None
    programs = sorted(set(seen.programs) | ({"sh"} if app.build and app.build.entrypoint else set())
                      | (set(_IMAGE_EXTRAS) if app.build is None else set())
                      | ({p[:15] for p in ENTRYPOINT_TOOLS + spec.helpers + spec.cmd} if spec else set()))
    ports = sorted({p for p, _ in seen.ports})
    peer_ports = sorted({p.port for p in seen.peers} | {53})
    items: list[dict[str, Any]] = [
        {"list": f"mta_{a}_programs", "items": programs},
        {"list": f"mta_{a}_ports", "items": ports},
        {"list": f"mta_{a}_peer_ports", "items": peer_ports},
        {"list": f"mta_{a}_write_paths", "items": _write_paths(app)},
        {"macro": f"mta_{a}_container",
         "condition": f'(container.image.repository = "{repo}" or container.image.repository endswith "/{repo}")'},
    ]
    c = f"mta_{a}_container"
    tags = ["mta", f"mta_host_{ident(plan.host)}", f"mta_app_{a}"]

    def rule(title: str, desc: str, cond: str, prio: str, extra: str, more_tags: list[str]) -> dict[str, Any]:
        return {"rule": f"mta {plan.host} {app.name}: {title}", "desc": desc, "condition": cond,
                "output": f"{title} " + _OUTPUT.format(app=app.name, host=plan.host, extra=extra),
                "priority": prio, "tags": tags + more_tags}

    listen_ok = f" and not fd.sport in (mta_{a}_ports)" if ports else ""
    items += [
        rule("unexpected program", f"A program other than those {app.name} ran on the VM started in its container.",
             f"mta_spawned_process and {c} and not proc.name in (mta_{a}_programs) and not proc.name in (mta_shells)",
             "WARNING", "", ["process"]),
        rule("shell in container", "A shell started in the container after startup (the VM app never needed one).",
             f"mta_spawned_process and {c} and proc.name in (mta_shells) and not proc.vpid = 1",
             "WARNING", "", ["process", "shell"]),
        rule("unexpected listening port", f"{app.name} listened on a port it did not listen on on the VM.",
             f"evt.type = listen and evt.dir = < and {c}{listen_ok}",
             "WARNING", " port=%fd.sport", ["network"]),
        rule("unexpected outbound connection",
             f"{app.name} connected to a port none of its observed peers (or DNS) serve.",
             f"evt.type = connect and evt.dir = < and {c} and fd.l4proto in (tcp, udp) "
             f'and not fd.snet = "127.0.0.0/8" and not fd.sport in (mta_{a}_peer_ports)',
             "NOTICE", " dest=%fd.sip:%fd.sport", ["network"]),
        rule("system files changed", "A file under /bin, /sbin, /usr/bin, /usr/sbin or /etc was opened for writing.",
             f'mta_open_write and {c} and (fd.directory in (mta_bin_dirs) or fd.name startswith "/etc/")',
             "ERROR", " file=%fd.name", ["filesystem"]),
        rule("write outside data paths", f"{app.name} wrote outside the paths it wrote on the VM.",
             f"mta_open_write and {c} and not fd.name pmatch (mta_{a}_write_paths) "
             f'and not fd.directory in (mta_bin_dirs) and not fd.name startswith "/etc/"',
             "NOTICE", " file=%fd.name", ["filesystem"]),
    ]
    return items


def common_items() -> list[dict[str, Any]]:
    return [
        {"required_engine_version": ENGINE_VERSION},
        {"list": "mta_shells", "items": SHELLS},
        {"list": "mta_bin_dirs", "items": BIN_DIRS},
        {"macro": "mta_spawned_process", "condition": "evt.type in (execve, execveat) and evt.dir = <"},
        {"macro": "mta_open_write",
         "condition": "evt.type in (open, openat, openat2) and evt.is_open_write = true and fd.typechar = f "
                      "and fd.num >= 0"},
    ]


def falco_items(facts: HostFacts, plan: Plan) -> list[dict[str, Any]]:
    items = common_items()
    for app in plan.apps:
        if app.include and app.image:
            items += app_rules(facts, plan, app)
    return items


def render_falco(facts: HostFacts, plan: Plan) -> str:
    header = (f"# Generated by mta for host {one_line(plan.host)}: Falco rules from what discovery observed.\n"
              "# Load with: falco -r /etc/falco/falco_rules.yaml -r security/falco-rules.yaml\n")
    return header + dump_yaml(falco_items(facts, plan))
