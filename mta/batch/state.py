"""What a host's output directory says about past runs: complete or failed.

``.mta-complete`` is written last (its directory is swapped in whole), and
holds a digest of the inputs, so ``--resume`` only trusts output made from
the same inventory entry, answers and files. ``error.yaml`` records a failed
host for the summary and the report.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any, Optional

from .. import __version__
from ..inventory import Target
from ..io import dump_yaml, write_atomic

MARKER = ".mta-complete"
ERROR_FILE = "error.yaml"


def _file_digest(path: str) -> str:
    if not path or not os.path.isfile(path):
        return ""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def inputs_digest(target: Target) -> str:
    """Digest of everything that shapes a host's output, but not where it came from."""
    data = asdict(target)
    for unstable in ("source", "groups", "deadline"):
        data.pop(unstable, None)
    data["discovery_sha256"] = _file_digest(target.discovery)
    data["plan_sha256"] = _file_digest(target.plan)
    data["base_sha256"] = _file_digest(target.base) if target.base not in ("official", "debian") else ""
    data["mta"] = __version__
    text = json.dumps(data, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _listing(host_dir: Path) -> dict[str, int]:
    files = {}
    for root, _dirs, names in os.walk(host_dir):
        for n in names:
            p = Path(root) / n
            rel = p.relative_to(host_dir).as_posix()
            if rel != MARKER:
                files[rel] = p.lstat().st_size
    return files


def write_marker(host_dir: Path, digest: str, **extra: Any) -> None:
    """Record that ``host_dir`` is complete for ``digest``; call it last."""
    doc = {"digest": digest, "mta": __version__, **extra, "files": _listing(host_dir)}
    write_atomic(host_dir / MARKER, json.dumps(doc, indent=1, sort_keys=True) + "\n")


def read_marker(host_dir: Path) -> Optional[dict]:
    try:
        doc = json.loads((host_dir / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def is_complete(host_dir: Path, digest: str) -> bool:
    """True when the marker matches ``digest`` and every file it lists is still there."""
    doc = read_marker(host_dir)
    if not doc or doc.get("digest") != digest:
        return False
    for rel, size in (doc.get("files") or {}).items():
        try:
            if (host_dir / rel).lstat().st_size != size:
                return False
        except OSError:
            return False
    return True


def write_error(host_dir: Path, host: str, stage: str, kind: str, message: str, hint: str = "") -> None:
    """The failed-host record the report reads: {host, stage, kind, message, hint}."""
    doc = {"host": host, "stage": stage, "kind": kind, "message": message}
    if hint:
        doc["hint"] = hint
    write_atomic(host_dir / ERROR_FILE, dump_yaml(doc))


