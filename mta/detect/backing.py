"""What backing services (databases, caches) share: one App of role ``backing``."""

from __future__ import annotations

from typing import Optional

from ..model import App, Evidence, HostFacts, Process
from .common import (
    clamp, ev_port, ev_process, ev_service, listening, port_spec, process_fields, service_of, service_name, tree,
)


def backing_app(
    facts: HostFacts,
    root: Process,
    *,
    name: str,
    stack: str,
    runtime: str,
    version: str,
    version_ev: Optional[Evidence],
    port_name: str,
    data_paths: list[str],
    config_files: list[str],
    log_paths: list[str],
    extra_ev: list[Evidence],
    notes: Optional[list[str]] = None,
    base_conf: float = 0.85,
) -> App:
    procs = tree(facts, root)
    svc = service_of(facts, procs)
    ev = [ev_process(root, f"{stack} server")]
    if len(procs) > 1:
        ev.append(Evidence(kind="process", ref=", ".join(f"pid {x.pid}" for x in procs[1:9]),
                           detail=f"{len(procs) - 1} child process(es)"))
    if svc:
        ev.append(ev_service(svc))
    if version_ev:
        ev.append(version_ev)
    ev += extra_ev
    ports = []
    for s in listening(facts, [x.pid for x in procs]):
        ev.append(ev_port(s))
        ports.append(port_spec(facts, s, name=port_name, http=False))
    return App(
        name=name,
        role="backing",
        stack=stack,
        runtime=runtime,
        runtime_version=version,
        confidence=clamp(base_conf + 0.05 * bool(ports) + 0.05 * bool(version)),
        evidence=ev,
        **process_fields(facts, root, procs, svc),
        ports=ports,
        workdir=root.cwd,
        config_files=config_files,
        data_paths=data_paths,
        log_paths=log_paths,
        service=service_name(svc),
        notes=notes or [],
    )
