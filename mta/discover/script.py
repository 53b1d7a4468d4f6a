"""The probe script text, with its settings filled in, and its one run on a host.

Standard library and ``mta.errors`` only (the transport comes as an argument):
``mta discover`` starts a probe before it imports the parsers and models."""

from __future__ import annotations

import re
import shlex
from functools import lru_cache
from importlib import resources
from typing import Iterable, Optional

from ..errors import MtaError

ALL_SECTIONS = (
    "meta", "os", "hardware", "mounts", "users", "processes", "sockets",
    "services", "packages", "cron", "utilization", "http",
)


@lru_cache(maxsize=1)
def probe_text() -> str:
    return resources.files("mta.discover").joinpath("probe.sh").read_text(encoding="utf-8")


def env_skip() -> frozenset[str]:
    """Process names whose environment the probe skips (one list for probe and psutil)."""
    m = re.search(r'^ENV_SKIP="([^"]*)"', probe_text(), re.M)
    return frozenset(m.group(1).split()) if m else frozenset()


def probe_script(
    *,
    sample_seconds: float = 0.0,
    http_checks: bool = True,
    sections: Optional[Iterable[str]] = None,
    http_ports: Optional[Iterable[int]] = None,
    header: str = "",
) -> str:
    """The probe with settings prepended as shell assignments (quoted).

    The utilization sample spans the probe's run; ``sample_seconds`` makes it
    at least that long (0: no wait)."""
    secs = " ".join(sections) if sections is not None else " ".join(ALL_SECTIONS)
    unknown = set(secs.split()) - set(ALL_SECTIONS)
    if unknown:
        raise ValueError(f"unknown probe sections: {', '.join(sorted(unknown))}")
    seconds = max(0.0, float(sample_seconds))
    settings = {
        # fixed point, hundredths: the probe's arithmetic reads no exponent
        "SAMPLE_SECONDS": f"{seconds:.2f}".rstrip("0").rstrip("."),
        "HTTP_CHECKS": "1" if http_checks else "0",
        "SECTIONS": secs,
    }
    if http_ports is not None:
        settings["HTTP_ONLY_PORTS"] = " ".join(str(int(p)) for p in http_ports)
    lines = ["#!/bin/sh"] if header else []
    if header:
        lines.append(header.rstrip("\n"))
    lines += [f"{k}={shlex.quote(v)}" for k, v in settings.items()]
    return "\n".join(lines) + "\n" + probe_text()


class ProbeFailed(MtaError):
    """The probe printed nothing usable (no shell, sudo refused, killed)."""


def run_probe(transport, script: str, *, sudo: bool, timeout: float) -> bytes:
    """The probe's output from ``sh -s`` on the host behind ``transport``."""
    res = transport.run(["sh", "-s"], stdin=script.encode("utf-8"), sudo=sudo, timeout=timeout)
    if b"===MTA-PROBE v" not in res.stdout:
        err = res.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ProbeFailed(
            f"{transport.name}: the discovery probe produced no output (exit {res.exit_status})"
            + (f": {err[-1][:300]}" if err else ""),
            hint="check that /bin/sh works for this user; with --sudo, that sudo needs no password",
        )
    return res.stdout
