"""Fit rules: explicit checks, each with an id, a severity, an explanation and evidence.

A rule is a function returning evidence strings (empty: the rule does not
fire). App rules look at one app, host rules at the whole VM. ``mta rules``
lists them; a rules file switches them off or changes their severity.

The fit score is the worst severity found: none or info -> Excellent,
low -> Good, medium -> Needs minor work, high -> Needs major work,
blocker -> Not recommended. A host with no process list or no detectable
app is "Insufficient data", whatever else fires.

Evidence names files, lines, ports and processes, never the values of
settings: a line holding an IP may also hold a password.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date, timedelta
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from ..model import App, HostFacts
from ..model.estimate import Finding, FitScore, Rule, RulesFile, Severity
from . import eol
from .rightsize import process_names

SCORE_OF_SEVERITY: dict[str, FitScore] = {
    "info": "Excellent",
    "low": "Good",
    "medium": "Needs minor work",
    "high": "Needs major work",
    "blocker": "Not recommended",
}
_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "blocker": 4}


@dataclass
class Context:
    """What rules look at: the facts, the apps and each app's process names."""

    facts: HostFacts
    apps: Sequence[App]
    names: list[set[str]] = field(default_factory=list)

    @classmethod
    def build(cls, facts: HostFacts, apps: Sequence[App]) -> "Context":
        return cls(facts, apps, process_names(facts, apps))


AppCheck = Callable[[Context, App, int], list[str]]
HostCheck = Callable[[Context], list[str]]


@dataclass(frozen=True)
class RuleDef:
    id: str
    title: str
    scope: str  # app | host
    severity: Severity
    explanation: str
    check: Callable


RULES: dict[str, RuleDef] = {}


def rule(id: str, title: str, scope: str, severity: Severity, explanation: str):
    def register(fn: Callable) -> Callable:
        RULES[id] = RuleDef(id, title, scope, severity, explanation, fn)
        return fn

    return register


# --- host rules -------------------------------------------------------------


@rule(
    "no-app",
    "No detectable application",
    "host",
    "medium",
    "No detector recognised a workload on this VM. It may run something bespoke, or nothing worth "
    "moving; look at the process list before deciding. The host is scored Insufficient data.",
)
def _no_app(ctx: Context) -> list[str]:
    if ctx.apps:
        return []
    busy = sorted(ctx.facts.processes, key=lambda p: -p.rss_bytes)[:5]
    ev = [f"{len(ctx.facts.processes)} processes seen, none matched a detector"]
    ev += [f"pid {p.pid} {p.name} (RSS {p.rss_bytes // 1048576} MiB)" for p in busy if p.rss_bytes]
    return ev


@rule(
    "kernel-modules",
    "Kernel modules or custom drivers",
    "host",
    "high",
    "Containers share the node's kernel and cannot load their own modules. Out-of-tree drivers "
    "(DKMS, kmod packages) must be installed on the nodes or the workload stays on a VM.",
)
def _kernel_modules(ctx: Context) -> list[str]:
    ev = [
        f"package {p.name} {p.version}"
        for p in ctx.facts.packages
        if p.name.endswith("-dkms") or p.name.startswith("kmod-") or "kernel-module" in p.name
    ]
    modules = ctx.facts.file("/proc/modules")
    if modules is not None:
        for line in modules.content.splitlines():
            # "(O)" marks an out-of-tree module, "(P)" a proprietary one.
            if re.search(r"\((?:[A-Z]*[OP][A-Z]*)\)", line):
                ev.append(f"/proc/modules: {line.split()[0]} is out-of-tree or proprietary")
    for m in ctx.facts.mounts:
        if m.fstype in {"vboxsf", "vmhgfs", "fuse.vmhgfs-fuse", "zfs", "gpfs", "ocfs2"}:
            ev.append(f"mount {m.mountpoint} uses {m.fstype}, which needs a kernel module")
    return ev


_GUI_PROCS = {"Xorg", "X", "Xvfb", "Xvnc", "Xtightvnc", "vncserver", "gnome-session", "gnome-shell",
              "kdeinit", "kdeinit5", "xfce4-session", "lightdm", "gdm", "gdm3", "sddm", "x11vnc"}


@rule(
    "gui-x11",
    "Graphical desktop or X11",
    "host",
    "high",
    "An X server or desktop session runs here. Containers have no display; a GUI application "
    "needs a rework (web front end) or a virtual desktop kept on a VM.",
)
def _gui(ctx: Context) -> list[str]:
    ev = [f"pid {p.pid} {p.name}" for p in ctx.facts.processes if p.name in _GUI_PROCS]
    ev += [f"listening on {s.protocol}/{s.port} (X11/VNC)" for s in ctx.facts.sockets
           if 6000 <= s.port <= 6063 or 5900 <= s.port <= 5910]
    return ev


_LICENSED = re.compile(r"^(ora_pmon_|ora_smon_|tnslsnr|db2sysc|db2fmp|db2acd|sqlservr|dataserver|oninit)")


@rule(
    "licensed-db",
    "Licensed database engine",
    "host",
    "blocker",
    "Oracle, DB2, SQL Server, Sybase or Informix run here. Their licences count the cores of every "
    "node a container may land on, and vendor support for containers is limited. Keep them on a VM "
    "or move to a managed service; containerise the apps that use them.",
)
def _licensed_db(ctx: Context) -> list[str]:
    ev = [f"pid {p.pid} {p.name}" for p in ctx.facts.processes if _LICENSED.match(p.name or "")]
    ev += [
        f"package {p.name} {p.version}"
        for p in ctx.facts.packages
        if re.match(r"^(oracle-database|oracle-instantclient-server|db2|ibm-db2|mssql-server|sybase)", p.name)
    ]
    ev += [f"app {a.name} is {a.stack}" for a in ctx.apps if a.stack in {"oracle", "db2", "mssql", "sybase", "informix"}]
    return ev


@rule(
    "nfs-mounts",
    "Network file systems",
    "host",
    "medium",
    "NFS/CIFS mounts become PersistentVolumes (NFS CSI driver or a storage class); check export "
    "permissions for the container's uid and the nodes' network access.",
)
def _nfs(ctx: Context) -> list[str]:
    return [f"{m.device} on {m.mountpoint} ({m.fstype})" for m in ctx.facts.mounts
            if m.network or m.fstype.startswith(("nfs", "cifs", "smb", "glusterfs", "ceph"))]


_SYSTEM_CRON = re.compile(
    r"run-parts|logrotate|debian-sa1|/sa[12]\b|sa1|sa2|e2scrub|popularity-contest|man-db|apt|"
    r"sessionclean|certbot|anacron|0anacron|mlocate|updatedb|rpm|yum|dnf|tmpwatch|systemd-tmpfiles|fstrim"
)


@rule(
    "cron-jobs",
    "Scheduled jobs",
    "host",
    "low",
    "Cron jobs and timers become Kubernetes CronJobs (or a scheduler service in compose); check "
    "they do not rely on files or tools only the VM has.",
)
def _cron(ctx: Context) -> list[str]:
    return [
        f"{c.source or c.kind}: {c.schedule} as {c.user or 'root'}: {_short(c.command)}"
        for c in ctx.facts.cron
        if not _SYSTEM_CRON.search(c.command)
    ]


@rule(
    "partial-discovery",
    "Partial discovery",
    "host",
    "info",
    "Discovery ran without root or some probes failed, so some facts are missing; findings may be "
    "incomplete.",
)
def _partial(ctx: Context) -> list[str]:
    ev = [f"not visible: {x}" for x in ctx.facts.not_visible]
    ev += [f"probe {e.section} failed: {_short(e.message)}" for e in ctx.facts.errors]
    return ev


# --- app rules --------------------------------------------------------------

#: Distinct process names above which an app is a bundle of services, not one.
COUPLED_PROCESS_NAMES = 6


@rule(
    "tightly-coupled",
    "Many tightly coupled processes",
    "app",
    "medium",
    f"More than {COUPLED_PROCESS_NAMES} different programs make up this app. One container should "
    "run one concern; split it into several containers or run a supervisor knowingly.",
)
def _coupled(ctx: Context, app: App, i: int) -> list[str]:
    names = ctx.names[i] if i < len(ctx.names) else set()
    if len(names) > COUPLED_PROCESS_NAMES:
        return [f"{len(names)} distinct programs: {', '.join(sorted(names)[:12])}"]
    return []


#: Bytes on a data mount above which moving the state is a project of its own.
LARGE_STATE_BYTES = 50 * 1024**3


def _mount_of(facts: HostFacts, path: str):
    best = None
    for m in facts.mounts:
        mp = m.mountpoint.rstrip("/") or "/"
        if path == mp or path.startswith(mp.rstrip("/") + "/") or mp == "/":
            if best is None or len(mp) > len(best.mountpoint.rstrip("/") or "/"):
                best = m
    return best


@rule(
    "large-local-state",
    "Large local state",
    "app",
    "medium",
    f"The app keeps data on a local file system holding more than {LARGE_STATE_BYTES // 1024**3} GiB. "
    "Moving it needs a storage plan (PersistentVolume, copy window, backups), not just an image.",
)
def _large_state(ctx: Context, app: App, i: int) -> list[str]:
    ev = []
    seen = set()
    for path in app.data_paths:
        m = _mount_of(ctx.facts, path)
        if m is None or m.mountpoint == "/" or m.network or m.mountpoint in seen:
            continue
        if (m.used_bytes or 0) > LARGE_STATE_BYTES:
            seen.add(m.mountpoint)
            ev.append(f"{path} is on {m.mountpoint} with {(m.used_bytes or 0) / 1024**3:.0f} GiB used")
    return ev


#: Where well-behaved apps keep state; anything else is a surprise in a container.
KNOWN_DATA_DIRS = ("/var/lib/", "/var/log/", "/var/cache/", "/var/spool/", "/srv/", "/data/", "/var/opt/",
                   "/var/run/", "/run/", "/var/tmp/", "/tmp/")


@rule(
    "writes-outside-data-dirs",
    "Writes outside known data directories",
    "app",
    "low",
    "The app writes next to its code or in home directories. Those paths must become volumes, or "
    "the image must be writable there (the generated image runs with a read-only root where it can).",
)
def _writes(ctx: Context, app: App, i: int) -> list[str]:
    ev = []
    for path in list(app.data_paths) + list(app.log_paths):
        p = path.rstrip("/") + "/"
        inside_code = any(p.startswith(c.rstrip("/") + "/") for c in app.code_paths if c)
        if inside_code:
            ev.append(f"{path} is inside the code directory")
        elif not p.startswith(KNOWN_DATA_DIRS):
            ev.append(f"{path} is outside the usual data directories")
    return ev


_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")


def _routable(text: str) -> list[str]:
    out = []
    for raw in _IPV4.findall(text):
        try:
            ip = ipaddress.IPv4Address(raw)
        except ValueError:
            continue
        if ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_reserved or ip.is_link_local:
            continue
        if raw.startswith("255.") or raw.endswith(".0"):  # netmasks, networks
            continue
        out.append(raw)
    return out


@rule(
    "hard-coded-ips",
    "Hard-coded IP addresses",
    "app",
    "medium",
    "Configuration or command lines name IP addresses. Pods get new addresses; use service names "
    "(DNS) or ConfigMap values instead.",
)
def _ips(ctx: Context, app: App, i: int) -> list[str]:
    ev = []
    for path in app.config_files:
        f = ctx.facts.file(path)
        if f is None:
            continue
        for n, line in enumerate(f.content.splitlines(), 1):
            if line.lstrip().startswith(("#", ";", "//")):
                continue
            for ip in _routable(line):
                ev.append(f"{path}:{n}: {ip}")
    for arg in app.command:
        for ip in _routable(arg):
            ev.append(f"command line: {ip}")
    for env in app.env:
        if env.value:
            for ip in _routable(env.value):
                ev.append(f"env {env.name}: {ip}")
    return sorted(set(ev))[:20]


@rule(
    "privileged",
    "Privileged ports, root or capabilities",
    "app",
    "low",
    "The app binds ports below 1024, runs as root or is granted Linux capabilities by its unit. In a "
    "container it can listen on a high port behind a Service and run as an unprivileged uid; any "
    "capability it really needs must be added to the pod's securityContext explicitly.",
)
def _privileged(ctx: Context, app: App, i: int) -> list[str]:
    ev = [f"listens on {p.protocol}/{p.port}" for p in app.ports if p.port < 1024]
    if app.user in {"root", "0"}:
        ev.append("runs as root")
    ev += _unit_capabilities(ctx.facts, app.service)
    return ev


_CAPS = re.compile(r"^\s*(AmbientCapabilities|CapabilityBoundingSet)\s*=\s*(\S.*)$", re.M)


def _unit_capabilities(facts: HostFacts, service: str) -> list[str]:
    """Capabilities a systemd unit grants, when its file was fetched."""
    if not service:
        return []
    names = {service, service + ".service", service.removesuffix(".service")}
    for svc in facts.services:
        if svc.name in names and svc.unit_path:
            unit = facts.file(svc.unit_path)
            if unit is not None:
                return [f"{svc.unit_path}: {m.group(1)}={m.group(2).strip()}" for m in _CAPS.finditer(unit.content)
                        if m.group(2).strip() not in ("", "~")]
    return []


#: runtime -> (predicate on (major, minor), why).
_UNSUPPORTED: dict[str, list[tuple[Callable[[int, int], bool], str]]] = {
    "java": [(lambda a, b: (a == 1 and b <= 6) or 2 <= a <= 6, "Java 6 and older: no maintained images, no TLS 1.2 by default")],
    "python": [(lambda a, b: a == 2 and b <= 6, "Python 2.6 and older: no images, no pip"),
               (lambda a, b: a == 2, "Python 2.7 is end of life (2020); only Debian-based images remain")],
    "php": [(lambda a, b: a <= 5, "PHP 5 is end of life; official images stop at 5.6")],
    "node": [(lambda a, b: a == 0 or a < 10, "Node.js older than 10 has no maintained images")],
    "ruby": [(lambda a, b: a < 2, "Ruby 1.x has no maintained images")],
}


def _version(text: str) -> Optional[tuple[int, int]]:
    m = re.match(r"\D*(\d+)(?:\.(\d+))?", text or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2) or 0)


@rule(
    "unsupported-runtime",
    "Unsupported runtime version",
    "app",
    "high",
    "The language runtime is so old that no maintained base image exists (Java 6, Python 2.6, "
    "PHP 5…). Expect an upgrade, or an unmaintained image you own.",
)
def _runtime(ctx: Context, app: App, i: int) -> list[str]:
    v = _version(app.runtime_version)
    if v is None:
        return []
    for check, why in _UNSUPPORTED.get(app.runtime.lower(), []):
        if check(*v):
            return [f"{app.runtime} {app.runtime_version}: {why}"]
    return []


#: a release line whose support ends within this many days is named ahead of time
EOL_SOON_DAYS = 365


def _today() -> date:
    return date.today()


def _eol_split(statuses: list, *, ended: bool) -> list[str]:
    today = _today()
    soon = today + timedelta(days=EOL_SOON_DAYS)
    return [s.text(today) for s in statuses
            if (s.ended(today) if ended else (not s.ended(today) and s.line.ends <= soon))]


@rule(
    "end-of-life",
    "End-of-life software",
    "app",
    "medium",
    "The runtime, server or database version seen on the VM no longer gets security fixes from its "
    "project. The plan keeps the same major version so the app moves unchanged; plan the upgrade to "
    f"the named target as its own step. Dates: {eol.SOURCE}, checked {eol.TABLE_DATE.isoformat()}.",
)
def _eol(ctx: Context, app: App, i: int) -> list[str]:
    statuses = eol.app_statuses(app.runtime, app.runtime_version, app.stack, app.stack_version)
    if _runtime(ctx, app, i):  # "unsupported-runtime" already says it, louder
        statuses = [s for s in statuses if s.product != eol.RUNTIMES.get(app.runtime.lower())]
    return _eol_split(statuses, ended=True)


@rule(
    "end-of-life-soon",
    "Support ends within a year",
    "app",
    "low",
    f"Support for this version ends within {EOL_SOON_DAYS} days; schedule the upgrade with the move.",
)
def _eol_soon(ctx: Context, app: App, i: int) -> list[str]:
    return _eol_split(eol.app_statuses(app.runtime, app.runtime_version, app.stack, app.stack_version), ended=False)


@rule(
    "os-end-of-life",
    "End-of-life operating system",
    "host",
    "low",
    "The VM's operating system no longer gets standard support. Containerizing takes the app off it "
    "(the image gets a supported base), which is itself a reason to move this host early.",
)
def _os_eol(ctx: Context) -> list[str]:
    s = eol.os_status(ctx.facts.os.id, ctx.facts.os.version_id)
    return [s.text(_today())] if s is not None and s.ended(_today()) else []


@rule(
    "low-confidence-detection",
    "Uncertain detection",
    "app",
    "low",
    "The detector was not sure what this app is; review the plan before generating.",
)
def _low_confidence(ctx: Context, app: App, i: int) -> list[str]:
    if app.confidence < 0.5:
        return [f"detector confidence {app.confidence:.0%} for stack {app.stack}"]
    return []


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- evaluation -------------------------------------------------------------


def list_rules(overrides: Optional[RulesFile] = None) -> list[Rule]:
    """Every rule with its effective severity and state."""
    out = []
    for r in RULES.values():
        o = overrides.rules.get(r.id) if overrides else None
        out.append(
            Rule(
                id=r.id,
                title=r.title,
                scope=r.scope,  # type: ignore[arg-type]
                severity=(o.severity if o and o.severity else r.severity),
                enabled=o.enabled if o else True,
                explanation=r.explanation,
            )
        )
    return out


def evaluate_rules(
    facts: HostFacts, apps: Sequence[App], rules: Optional[Sequence[Rule]] = None
) -> tuple[list[Finding], list[list[Finding]]]:
    """(host findings, findings per app in ``apps`` order)."""
    effective = {r.id: r for r in (rules if rules is not None else list_rules())}
    ctx = Context.build(facts, apps)
    host_findings: list[Finding] = []
    app_findings: list[list[Finding]] = [[] for _ in apps]
    for rid, rdef in RULES.items():
        r = effective.get(rid)
        if r is None or not r.enabled:
            continue
        if rdef.scope == "host":
            ev = rdef.check(ctx)
            if ev:
                host_findings.append(_finding(r, facts.host, "", ev))
        else:
            for i, app in enumerate(apps):
                ev = rdef.check(ctx, app, i)
                if ev:
                    app_findings[i].append(_finding(r, facts.host, app.name, ev))
    return host_findings, app_findings


def _finding(r: Rule, host: str, app: str, evidence: list[str]) -> Finding:
    return Finding(rule=r.id, severity=r.severity, title=r.title, host=host, app=app,
                   explanation=r.explanation, evidence=evidence)


def fit_score(findings: Sequence[Finding], *, insufficient: bool = False) -> FitScore:
    """The worst severity among ``findings`` as a score."""
    if insufficient:
        return "Insufficient data"
    worst = max((_RANK[f.severity] for f in findings), default=0)
    return SCORE_OF_SEVERITY[[k for k, v in _RANK.items() if v == worst][0]]
