"""The second round trip: files detectors want, fetched in one read_files call."""

from __future__ import annotations

import logging
from typing import Optional

from .. import detect
from ..model import FileContent, HostFacts, ProbeError
from ..transport import TransportError
from .secrets import decode_text, mask_file

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 256 * 1024
MAX_FILES = 300


def default_wanted(facts: HostFacts) -> list[str]:
    """Files discovery always wants: how each running service is started."""
    paths: list[str] = []
    for svc in facts.services:
        if svc.state != "running":
            continue
        if svc.unit_path:
            paths.append(svc.unit_path)
        paths += [p for p in svc.environment_files if p.startswith("/") and "*" not in p]
        if svc.init in ("sysv", "upstart"):
            base = svc.name
            paths += [f"/etc/default/{base}", f"/etc/sysconfig/{base}"]
    return paths


def detector_wanted(facts: HostFacts) -> tuple[list[str], Optional[str]]:
    """``mta.detect.wanted_files(facts)``, and why it failed (a detector bug)."""
    try:
        return list(detect.wanted_files(facts)), None
    except Exception as exc:  # a detector bug must not lose the host
        return [], f"detect.wanted_files failed: {type(exc).__name__}: {exc}"


def fetch_files(transport, facts: HostFacts, *, max_bytes: int = MAX_FILE_BYTES, sudo: bool = False) -> None:
    """Fill ``facts.files`` in ONE ``read_files`` round trip; failures become errors.

    Glob patterns (``/etc/nginx/sites-enabled/*``) are expanded on the host in
    that same round trip; every file they match is added under its own path."""
    wanted, err = detector_wanted(facts)
    if err:
        facts.errors.append(ProbeError(section="files", message=err))
    seen: set[str] = {f.path for f in facts.files}
    candidates: list[str] = []
    for p in default_wanted(facts) + wanted:
        if isinstance(p, str) and p.startswith("/") and p not in seen and "\0" not in p:
            seen.add(p)
            candidates.append(p)
    paths, patterns = detect.split_globs(candidates)
    if len(paths) > MAX_FILES:
        facts.errors.append(ProbeError(section="files", message=f"{len(paths)} files wanted; fetched the first {MAX_FILES}"))
        paths = paths[:MAX_FILES]
    if not paths and not patterns:
        return
    try:
        got = transport.read_files(paths, max_bytes=max_bytes, sudo=sudo, patterns=patterns)
    except TransportError as exc:
        facts.errors.append(ProbeError(section="files", message=f"reading files failed: {exc}"))
        return
    have = {f.path for f in facts.files}
    for path, data in got.items():
        if data is None or path in have:
            continue
        have.add(path)
        facts.files.append(
            FileContent(
                path=path, size=len(data), truncated=len(data) >= max_bytes,
                content=mask_file(path, decode_text(data)),  # UTF-16/32 by byte-order mark, else UTF-8
            )
        )
