"""OUT's cache of parsed files: ``OUT/.mta-cache/report/<key>.json``.

Parsing YAML dominates a large report (PyYAML builds every node in Python);
a validated model re-read from JSON is an order of magnitude faster. An entry
is keyed by the file as it is now (path, size, mtime), mta's version and a
fingerprint of the code that reads and judges hosts, so an edit or an
upgrade misses it. The standard library only: ``mta discover`` primes the
cache for every host it writes and must not pay for the report to do so.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Optional

from . import __version__

#: under the first OUT of a report
CACHE_DIR = ".mta-cache/report"

_FINGERPRINT: list[str] = []


def _code_fingerprint() -> str:
    """Changes when the code that reads or judges hosts changes (models,
    detectors, estimator, report), so cached results follow the code."""
    root = Path(__file__).resolve().parent
    stamps = []
    for pkg in ("model", "detect", "estimate", "report"):
        d = root / pkg
        if d.is_dir():
            stamps += sorted(f"{pkg}/{e.name}:{e.stat().st_size}:{e.stat().st_mtime_ns}"
                             for e in os.scandir(d) if e.name.endswith(".py"))
    return hashlib.sha256("|".join(stamps).encode()).hexdigest()[:16]


def prime_fingerprint() -> str:
    """Compute the code fingerprint once, before worker processes fork."""
    if not _FINGERPRINT:
        _FINGERPRINT.append(_code_fingerprint())
    return _FINGERPRINT[0]


def cache_entry(path: Path, cache: Path) -> Optional[Path]:
    """Cache file for ``path`` as it is now (None when it cannot be read)."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = f"{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}\0{__version__}\0{prime_fingerprint()}"
    return cache / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")


def write_cache(entry: Path, text: str) -> None:
    # Temp file + rename, but no fsync: a lost entry is only re-parsed.
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, entry)
    except OSError:
        pass  # a read-only OUT only loses the speed-up


def prime_cache(path: Path, model) -> None:
    """``path`` (OUT/hosts/<host>/discovery.yaml) was just written from
    ``model``: put the model in OUT's cache too, so the first ``mta report``
    after discover or batch reads JSON instead of parsing the YAML."""
    path = Path(path)
    if path.parent.parent.name != "hosts":
        return
    entry = cache_entry(path, path.parent.parent.parent / CACHE_DIR)
    if entry is not None:
        write_cache(entry, model.model_dump_json())
