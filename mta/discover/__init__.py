"""Discovery: the POSIX sh probe, its section parsers, and the local collector.

``discover(transport)`` is the one entry point for any host; it runs the probe
in one round trip, parses it, then fetches in a second round trip the files
detectors ask for. It never changes the host.
"""

from __future__ import annotations

import socket
import threading
from datetime import datetime, timezone
from typing import Iterable, Optional

from ..errors import MtaError
from ..model import HostFacts, facts as fact_models
from ..model.base import build_models
from ..transport.local import LocalTransport
from .files import fetch_files
from .local import LiveSample, apply_local
from .parse import build_facts, link, split_output
from .script import ALL_SECTIONS, probe_script
from .secrets import looks_secret, mask_env

__all__ = [
    "discover", "discover_local", "probe_script", "build_facts", "split_output",
    "looks_secret", "mask_env", "ProbeFailed",
]


class ProbeFailed(MtaError):
    """The probe printed nothing usable (no shell, sudo refused, killed)."""


def _run_probe(transport, script: str, *, sudo: bool, timeout: float) -> bytes:
    res = transport.run(["sh", "-s"], stdin=script.encode("utf-8"), sudo=sudo, timeout=timeout)
    if b"===MTA-PROBE v" not in res.stdout:
        err = res.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ProbeFailed(
            f"{transport.name}: the discovery probe produced no output (exit {res.exit_status})"
            + (f": {err[-1][:300]}" if err else ""),
            hint="check that /bin/sh works for this user; with --sudo, that sudo needs no password",
        )
    return res.stdout


def _build_models_meanwhile() -> threading.Thread:
    """The facts' validators built while the probe runs on the host (pydantic
    defers them to first use; the probe's round trip is idle time here)."""
    t = threading.Thread(target=build_models, args=(fact_models,), name="mta-build-models", daemon=True)
    t.start()
    return t


def discover(
    transport,
    *,
    host: Optional[str] = None,
    sudo: bool = False,
    sample_seconds: float = 0.0,
    http_checks: bool = True,
    timeout: float = 60.0,
    file_requests: bool = True,
    http_ports: Optional[Iterable[int]] = None,
) -> HostFacts:
    """HostFacts of the host behind ``transport``: one probe round trip, plus one
    ``read_files`` round trip when ``file_requests``. Never changes the host.

    Raises TransportError (unreachable, auth, timeout) or ProbeFailed; anything
    that fails inside the probe is recorded in ``facts.errors`` instead."""
    script = probe_script(sample_seconds=sample_seconds, http_checks=http_checks, http_ports=http_ports)
    models = _build_models_meanwhile()
    out = _run_probe(transport, script, sudo=sudo, timeout=timeout + max(0.0, sample_seconds))
    models.join()
    collector = "local" if isinstance(transport, LocalTransport) else "ssh"
    facts = build_facts(out, host=host or transport.name, collector=collector)
    if file_requests:
        fetch_files(transport, facts, sudo=sudo)
    return facts


def discover_local(
    *,
    host: Optional[str] = None,
    sudo: bool = False,
    sample_seconds: float = 0.0,
    http_checks: bool = True,
    timeout: float = 60.0,
    file_requests: bool = True,
    http_ports: Optional[Iterable[int]] = None,
) -> HostFacts:
    """HostFacts of this machine: the probe for distro, services, packages, cron,
    users and mounts; psutil for processes, sockets and utilization (sampled
    over the run, at least ``sample_seconds``)."""
    transport = LocalTransport(host or socket.gethostname())
    sample = LiveSample()
    sections = [s for s in ALL_SECTIONS if s not in ("processes", "sockets", "utilization")]
    script = probe_script(sample_seconds=0, http_checks=http_checks, sections=sections, http_ports=http_ports)
    models = _build_models_meanwhile()
    out = _run_probe(transport, script, sudo=sudo, timeout=timeout)
    models.join()
    facts = build_facts(out, host=transport.name, collector="local")
    apply_local(facts, sample, sample_seconds)
    facts.collected_at = datetime.now(timezone.utc)
    link(facts, {p.pid: p.cpu_percent for p in facts.processes if p.cpu_percent is not None})
    if file_requests:
        fetch_files(transport, facts, sudo=sudo)
    return facts
