"""A worker started by its own service: an interpreter running a program that
listens on no port, under an init script or unit of its own (``barbican-worker``,
``gnocchi-metricd``, a site's ``mailer`` daemon).

Web apps are found by their ports; a worker has none, so without this it would
be left on the VM while the app that hands it work moves (orders queued on
RabbitMQ that nothing takes). Only processes a service runs count: a shell a
person left running is not an app. Known workers (Celery, RQ, Sidekiq…) are
claimed first by their own detectors; the operating system's daemons are
never apps (``ignore``).
"""

from __future__ import annotations

from ..model import App, Evidence, HostFacts, Process
from .common import (
    basename, clamp, ev_process, ev_service, is_interpreter, listening, process_fields, roots, script_arg,
    service_name, service_of, tree, wrapper_parent,
)
from .fallback import _named_paths, _settings_values, owner_package
from . import packaged
from .ignore import ignored
from .names import slug
from .registry import Detector, register

#: interpreters whose programs this detector names by their script
_RUNTIMES = ("python", "ruby", "perl", "php", "node")


def _worker(facts: HostFacts, p: Process) -> bool:
    if ignored(p) or not p.unit or not p.cmdline or listening(facts, [p.pid]):
        return False
    # the interpreter as argv[0]: a process that retitled itself ("PM2 v5: God Daemon") is not a script run
    interp = basename(p.cmdline[0])
    runtime = "".join(ch for ch in interp if ch.isalpha()) if is_interpreter(interp) else ""
    if runtime not in _RUNTIMES:
        return False
    _, script = script_arg(p)
    if not script.startswith("/") or ignored(p.model_copy(update={"name": basename(script)})):
        return False
    # the service's main process: a child of its own unit is a worker of that app (gunicorn's, the worker's)
    parent = facts.process(p.ppid)
    return parent is None or parent.unit != p.unit or parent.pid <= 1


@register
class ServiceWorker(Detector):
    name = "service-worker"
    stacks = ("python", "ruby", "perl", "php", "node")
    order = 89

    def wants(self, facts: HostFacts) -> list[str]:
        out: list[str] = []
        for p in roots(facts, lambda x: _worker(facts, x)):
            out += packaged.service_config_wanted(facts, service_name(service_of(facts, [p])))
        return list(dict.fromkeys(out))

    def detect(self, facts: HostFacts) -> list[App]:
        return [self._one(facts, p) for p in roots(facts, lambda x: _worker(facts, x))]

    def _one(self, facts: HostFacts, p: Process) -> App:
        procs = tree(facts, p)
        wrapper = wrapper_parent(facts, p)
        if wrapper:
            procs.insert(0, wrapper)
        svc = service_of(facts, procs)
        runtime = "".join(ch for ch in basename(p.cmdline[0]) if ch.isalpha())
        _, script = script_arg(p)
        name = basename(script).rsplit(".", 1)[0]
        ev = [ev_process(p, f"{runtime} program {script} run by service {p.unit}, listening on no port")]
        if svc:
            ev.append(ev_service(svc))
        notes = ["a worker found by its service alone: it takes work from a queue, a schedule or the database"]
        named = _named_paths(p, _settings_values(facts, svc))
        pkg = owner_package(facts, script)
        if pkg:
            ev.append(Evidence(kind="package", ref=pkg, detail=f"package named like {script}"))
        system = script.startswith(("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/usr/share/"))
        return App(
            name=slug(name, fallback="worker"),
            role="worker",
            stack=runtime,
            runtime=runtime,
            confidence=clamp(0.5 + (0.1 if svc else 0)),
            evidence=ev,
            **process_fields(facts, p, procs, svc),
            workdir=p.cwd if p.cwd not in ("", "/") else "",
            code_paths=named["code"] + ([script] if script.startswith("/") and not system else []),
            data_paths=named["data"],
            log_paths=named["logs"],
            config_files=packaged.service_config_files(facts, service_name(svc)),
            service=service_name(svc),
            notes=notes,
        )
