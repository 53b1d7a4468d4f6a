"""Read OUT directories: each host's facts, plan and error file.

Layout read (see ``mta.model.report`` for error.yaml)::

    OUT/hosts/<host>/discovery.yaml   HostFacts (required to assess the host)
    OUT/hosts/<host>/plan.yaml        Plan (optional; else the detectors run)
    OUT/hosts/<host>/error.yaml       HostError (optional; written by batch)
    OUT/hosts/<host>/vulnerabilities.json  CVE findings (optional; written by `mta scan`)

One unreadable host becomes a HostError; it never stops the report.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from pydantic import TypeAdapter, ValidationError

from .. import yamlload
from ..detect import detect_apps
from ..errors import InputError
from ..io import describe_validation_error
from ..model import App, HostFacts, Plan
from ..model.report import HostError, VulnerabilityCounts
from ..outcache import CACHE_DIR, cache_entry as _cache_entry, prime_cache, prime_fingerprint, write_cache

_APPS = TypeAdapter(list[App])


@dataclass
class HostInput:
    host: str
    dir: Path
    facts: Optional[HostFacts] = None
    plan: Optional[Plan] = None
    errors: list[HostError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _load(path: Path, model: type, cache: Optional[Path] = None):
    """``path`` validated as ``model``; through the JSON cache when one is given."""
    entry = _cache_entry(path, cache) if cache is not None else None
    if entry is not None and entry.is_file():
        try:
            return model.model_validate_json(entry.read_bytes())
        except (OSError, ValidationError):
            pass  # a stale or torn entry: parse afresh
    data = yamlload.load_file(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping at the top level")
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error(path, exc)) from None
    if entry is not None:
        write_cache(entry, obj.model_dump_json())
    return obj


def prune_cache(cache: Path, keep: set[str]) -> None:
    """Remove cache entries not used by this run."""
    if not cache.is_dir():
        return
    for e in os.scandir(cache):
        if e.name not in keep and e.name.endswith(".json"):
            try:
                os.unlink(e.path)
            except OSError:
                pass


def host_entry(d: Path, cache: Path, salt: str) -> Optional[Path]:
    """Cache file of a host's assessment: its inputs as they are now, the
    detectors, and ``salt`` (the rightsizing settings and rules in force).
    Node size and prices are not in the key: a what-if on them re-uses it."""
    parts = []
    for f in ("discovery.yaml", "plan.yaml"):
        entry = _cache_entry(d / f, cache) if (d / f).is_file() else None
        parts.append(entry.stem if entry is not None else "-")
    if parts[0] == "-":
        return None
    key = hashlib.sha256("|".join([*parts, prime_fingerprint(), salt]).encode()).hexdigest()[:32]
    return cache / f"host-{key}.json"


def cache_names(d: Path, cache: Path, salt: str = "") -> set[str]:
    """Names of the cache entries that belong to host directory ``d`` as it is now."""
    names = set()
    host = host_entry(d, cache, salt)
    if host is not None:
        names.add(host.name)
    for f in ("discovery.yaml", "plan.yaml"):
        entry = _cache_entry(d / f, cache) if (d / f).is_file() else None
        if entry is not None:
            names.add(entry.name)
            names.add(f"{entry.stem}-apps-{prime_fingerprint()}.json")
    return names


def host_dirs(out: Path) -> list[Path]:
    """Host directories of ``out``: ``out/hosts/*``, or ``out/*`` holding a discovery.yaml
    (a directory of snapshots such as ``samples/``)."""
    hosts = out / "hosts"
    if hosts.is_dir():
        return sorted((Path(e.path) for e in os.scandir(hosts) if e.is_dir() and not e.name.startswith(".")),
                      key=lambda p: p.name)
    flat = sorted((Path(e.path) for e in os.scandir(out)
                   if e.is_dir() and not e.name.startswith(".") and (Path(e.path) / "discovery.yaml").is_file()),
                  key=lambda p: p.name)
    if flat:
        return flat
    raise InputError(f"{out}: no hosts/ directory", hint="pass the -o directory of `mta discover` or `mta batch`")


def read_errors(d: Path) -> list[HostError]:
    """The batch's error.yaml of one host directory, if any."""
    err = d / "error.yaml"
    if not err.is_file():
        return []
    try:
        return [_load(err, HostError)]
    except InputError as exc:
        return [HostError(host=d.name, stage="report", kind="invalid", message=exc.message)]


VULNS = "vulnerabilities.json"
SEVERITIES = ("critical", "high", "medium", "low", "negligible", "unknown")
# distro words (Red Hat, Ubuntu, Debian urgency) on the common scale
_SEVERITY_WORDS = {"important": "high", "moderate": "medium", "unimportant": "negligible", "minor": "low"}


def read_vulnerabilities(d: Path, href: str = "") -> Optional[VulnerabilityCounts]:
    """Counts of a host's vulnerabilities.json; None when the host was not scanned.

    Counted from the findings (not the file's own totals), so a hand-edited or
    older file still adds up; a broken file says so instead of failing the report."""
    path = d / VULNS
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("findings", []), list):
            raise ValueError("expected an object with a findings list")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return VulnerabilityCounts(errors=[f"{VULNS} unreadable: {exc}"], href=href)
    by_sev: Counter = Counter()
    by_target: Counter = Counter()
    for f in data.get("findings") or []:
        if not isinstance(f, dict):
            continue
        sev = str(f.get("severity") or "unknown").lower().rstrip("*").strip()
        sev = _SEVERITY_WORDS.get(sev, sev)
        by_sev[sev if sev in SEVERITIES else "unknown"] += 1
        by_target[str(f.get("target") or "vm")] += 1
    return VulnerabilityCounts(
        scanner=str(data.get("scanner") or ""), source=str(data.get("source") or ""),
        total=sum(by_sev.values()),
        by_severity={s: by_sev[s] for s in SEVERITIES if by_sev[s]},
        by_target=dict(sorted(by_target.items())),
        errors=[str(e) for e in data.get("errors") or []], href=href)


def read_host(d: Path, cache: Optional[Path] = None) -> HostInput:
    """Facts, plan and errors of one host directory; problems become HostErrors."""
    item = HostInput(host=d.name, dir=d, errors=read_errors(d))
    disc = d / "discovery.yaml"
    if disc.is_file():
        try:
            item.facts = _load(disc, HostFacts, cache)
        except InputError as exc:
            item.errors.append(HostError(host=d.name, stage="report", kind="invalid", message=exc.message))
    elif not item.errors:
        item.errors.append(HostError(host=d.name, stage="discover", kind="missing",
                                     message="no discovery.yaml and no error.yaml in the host directory"))
    plan = d / "plan.yaml"
    if item.facts is not None and plan.is_file():
        try:
            item.plan = _load(plan, Plan, cache)
        except InputError as exc:
            item.notes.append(f"plan.yaml ignored ({exc.message}); apps detected afresh")
    return item


def scan(outs: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Every host directory of every OUT; a host seen twice is taken from the first OUT."""
    seen: dict[str, Path] = {}
    notes = []
    for out in outs:
        for d in host_dirs(out):
            if d.name in seen:
                notes.append(f"host {d.name} appears in {seen[d.name].parent.parent} and {out}; the first is used")
                continue
            seen[d.name] = d
    return list(seen.values()), notes


def detect(facts: HostFacts, source: Optional[Path] = None, cache: Optional[Path] = None) -> tuple[Optional[list], str]:
    """Apps from the detectors, or (None, why) when they are missing or fail.

    With ``cache``, the result for ``source`` (the discovery.yaml) is kept
    next to the parsed facts: detectors are the other big cost of a report.
    """
    entry = None
    if cache is not None and source is not None:
        base = _cache_entry(source, cache)
        if base is not None:
            entry = base.with_name(base.stem + f"-apps-{prime_fingerprint()}.json")
            if entry.is_file():
                try:
                    return _APPS.validate_json(entry.read_bytes()), ""
                except (OSError, ValidationError):
                    pass
    try:
        apps = list(detect_apps(facts))
    except Exception as exc:  # one host's detector bug must not sink the portfolio report
        return None, f"detection failed: {type(exc).__name__}: {exc}"
    if entry is not None:
        write_cache(entry, _APPS.dump_json(apps).decode())
    return apps, ""


#: Files worth linking from the report, relative to a host directory.
_TOP = ("README.md", "plan.yaml", "discovery.yaml", "compose.yaml", "sbom.cdx.json", "vulnerabilities.json")
_DIRS = ("k8s", "security")


def artifacts(d: Path) -> list[str]:
    """Generated files of one host, relative to its directory (no app contexts)."""
    found = [name for name in _TOP if (d / name).is_file()]
    apps = d / "apps"
    if apps.is_dir():
        for e in sorted(os.scandir(apps), key=lambda e: e.name):
            if e.is_dir() and (Path(e.path) / "Dockerfile").is_file():
                found.append(f"apps/{e.name}/Dockerfile")
    for sub in _DIRS:
        p = d / sub
        if p.is_dir():
            found += [f"{sub}/{e.name}" for e in sorted(os.scandir(p), key=lambda e: e.name)
                      if e.is_file() and not e.name.startswith(".")]
    return found
