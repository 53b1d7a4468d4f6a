"""Python background workers: Celery workers and beat, RQ, Dramatiq (role ``worker``)."""

from __future__ import annotations

from ..model import App, Evidence, HostFacts, Process
from . import versions
from .common import (
    clamp, ev_process, ev_service, existing, join, opt, process_fields, prog, roots, runs, service_env_files,
    service_name, service_of, tree, uniq, wrapper_parent,
)
from .pyapp import framework, requirement, requirement_files, script_args, venv_of
from .registry import Detector, register


def kind_of(p: Process) -> str:
    if runs(p, "celery", "celeryd", "celerybeat") or prog(p).startswith("celery") or "celery" in p.cmdline[1:3]:
        args = script_args(p)
        return "celery-beat" if "beat" in args or prog(p) == "celerybeat" else "celery"
    if runs(p, "rq", "rqworker") and ("worker" in p.cmdline or prog(p) == "rqworker" or runs(p, "rqworker")):
        return "rq"
    if runs(p, "dramatiq"):
        return "dramatiq"
    if runs(p, "huey_consumer", "huey_consumer.py"):
        return "huey"
    return ""


def _is_worker(p: Process) -> bool:
    return bool(kind_of(p))


@register
class PythonWorker(Detector):
    name = "python-worker"
    stacks = ("celery", "celery-beat", "rq", "dramatiq", "huey")
    order = 21

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, _is_worker):
            wd = p.cwd or (service_of(facts, [p]).working_directory if service_of(facts, [p]) else "")
            app_mod = opt(script_args(p), "-A", "--app") or ""
            pkg = app_mod.split(".")[0].split(":")[0]
            if wd and pkg:
                out += [join(wd, pkg, "celery.py"), join(wd, pkg, "settings.py"), join(wd, pkg + ".py")]
            out += requirement_files(wd) + service_env_files(facts, [p])
        return uniq(out)

    def detect(self, facts: HostFacts) -> list[App]:
        return [self._one(facts, p) for p in roots(facts, _is_worker)]

    def _one(self, facts: HostFacts, p: Process) -> App:
        kind = kind_of(p)
        procs = tree(facts, p)
        wrapper = wrapper_parent(facts, p)
        if wrapper:
            procs.insert(0, wrapper)
        svc = service_of(facts, procs)
        wd = p.cwd or (svc.working_directory if svc else "")
        args = script_args(p)
        ev = [ev_process(p, f"{kind} {'scheduler' if kind.endswith('beat') else 'worker'}")]
        if len(procs) > 1:
            ev.append(Evidence(kind="process", ref=", ".join(f"pid {x.pid}" for x in procs[1:9]),
                               detail=f"{len(procs) - 1} pool/child process(es)"))
        if svc:
            ev.append(ev_service(svc))
        lib = kind.split("-")[0]
        ver, rev = requirement(facts, wd, lib)
        if rev:
            ev.append(rev)
        app_mod = opt(args, "-A", "--app") or ""
        pkg = app_mod.split(".")[0].split(":")[0]
        configs = existing(facts, [join(wd, pkg, "celery.py"), join(wd, pkg, "settings.py"), join(wd, pkg + ".py")] if pkg and wd else [])
        fw, fev, _ = framework(facts, wd, [])
        pv, pev = versions.python(facts, p)
        if pev:
            ev.append(pev)
        notes = []
        if venv_of(p):
            notes.append(f"virtualenv {venv_of(p)}: rebuild it from the requirements file instead of copying it")
        if kind == "celery-beat":
            notes.append("celery beat must run as exactly one replica")
        logs = [v for v in [opt(args, "-f", "--logfile")] if v and v.startswith("/")]
        return App(
            name="beat" if kind == "celery-beat" else "worker",
            role="worker",
            stack=kind,
            runtime="python",
            runtime_version=pv,
            framework=fw,
            stack_version="" if ver in ("", "*") else ver,
            confidence=clamp(0.85 + (0.05 if rev else 0)),
            evidence=ev,
            **process_fields(facts, p, procs, svc),
            workdir=wd,
            code_paths=[wd] if wd else [],
            config_files=configs,
            log_paths=logs,
            service=service_name(svc),
            notes=notes,
        )
