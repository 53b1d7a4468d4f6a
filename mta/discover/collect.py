"""Collecting a host's facts: ``discover(transport)`` for any host (``local.discover_local()``
is this machine's, with psutil).

``discover`` runs the probe in one round trip (or takes the output of a probe the
caller already ran with ``script.run_probe``), parses it, then fetches in a
second round trip the files detectors ask for. It never changes the host.
"""

from __future__ import annotations

import threading
from typing import Iterable, Optional

from ..model import HostFacts, facts as fact_models
from ..model.base import build_models
from ..transport.local import LocalTransport
from .files import fetch_files
from .parse import build_facts, split_output
from .script import ProbeFailed, probe_script, run_probe
from .secrets import looks_secret, mask_env

__all__ = [
    "discover", "warm_up", "probe_script", "run_probe", "build_facts", "split_output",
    "looks_secret", "mask_env", "ProbeFailed",
]


def warm_up() -> None:
    """Build the facts' validators now (pydantic defers them to first use): for a
    caller with idle time, e.g. while its probes run."""
    build_models(fact_models)


def probe_building_models(transport, script: str, *, sudo: bool, timeout: float) -> bytes:
    """The probe's output; the facts' validators are built in a thread meanwhile
    (pydantic defers them to first use; the probe's round trip is idle time here)."""
    models = threading.Thread(target=build_models, args=(fact_models,), name="mta-build-models", daemon=True)
    models.start()
    try:
        return run_probe(transport, script, sudo=sudo, timeout=timeout)
    finally:
        models.join()


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
    probe_output: Optional[bytes] = None,
) -> HostFacts:
    """HostFacts of the host behind ``transport``: one probe round trip, plus one
    ``read_files`` round trip when ``file_requests``. Never changes the host.
    ``probe_output``: what ``script.run_probe`` already printed for this host
    (the caller ran the probe while it imported this module).

    Raises TransportError (unreachable, auth, timeout) or ProbeFailed; anything
    that fails inside the probe is recorded in ``facts.errors`` instead."""
    if probe_output is None:
        script = probe_script(sample_seconds=sample_seconds, http_checks=http_checks, http_ports=http_ports)
        out = probe_building_models(transport, script, sudo=sudo, timeout=timeout + max(0.0, sample_seconds))
    else:
        build_models(fact_models)  # at once when the caller's warm_up() already built them
        out = probe_output
    collector = "local" if isinstance(transport, LocalTransport) else "ssh"
    facts = build_facts(out, host=host or transport.name, collector=collector)
    if file_requests:
        fetch_files(transport, facts, sudo=sudo)
    return facts
