"""Read OUT directories: each host's facts, plan and error file.

Layout read (see ``mta.model.report`` for error.yaml)::

    OUT/hosts/<host>/discovery.yaml   HostFacts (required to assess the host)
    OUT/hosts/<host>/plan.yaml        Plan (optional; else the detectors run)
    OUT/hosts/<host>/error.yaml       HostError (optional; written by batch)

One unreadable host becomes a HostError; it never stops the report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import yaml
from pydantic import ValidationError

from ..errors import InputError
from ..io import describe_validation_error
from ..model import HostFacts, Plan
from ..model.report import HostError

# libyaml when present: reading a thousand discovery files is the report's
# main cost, and the C loader is several times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class HostInput:
    host: str
    dir: Path
    facts: Optional[HostFacts] = None
    plan: Optional[Plan] = None
    errors: list[HostError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _load(path: Path, model: type):
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: malformed YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error(path, exc)) from None


def host_dirs(out: Path) -> list[Path]:
    hosts = out / "hosts"
    if not hosts.is_dir():
        raise InputError(f"{out}: no hosts/ directory", hint="pass the -o directory of `mta discover` or `mta batch`")
    return sorted((Path(e.path) for e in os.scandir(hosts) if e.is_dir() and not e.name.startswith(".")),
                  key=lambda p: p.name)


def read_host(d: Path) -> HostInput:
    """Facts, plan and errors of one host directory; problems become HostErrors."""
    item = HostInput(host=d.name, dir=d)
    err = d / "error.yaml"
    if err.is_file():
        try:
            item.errors.append(_load(err, HostError))
        except InputError as exc:
            item.errors.append(HostError(host=d.name, stage="report", kind="invalid", message=exc.message))
    disc = d / "discovery.yaml"
    if disc.is_file():
        try:
            item.facts = _load(disc, HostFacts)
        except InputError as exc:
            item.errors.append(HostError(host=d.name, stage="report", kind="invalid", message=exc.message))
    elif not item.errors:
        item.errors.append(HostError(host=d.name, stage="discover", kind="missing",
                                     message="no discovery.yaml and no error.yaml in the host directory"))
    plan = d / "plan.yaml"
    if item.facts is not None and plan.is_file():
        try:
            item.plan = _load(plan, Plan)
        except InputError as exc:
            item.notes.append(f"plan.yaml ignored ({exc.message}); apps detected afresh")
    return item


def scan(outs: Sequence[Path]) -> tuple[list[HostInput], list[str]]:
    """Every host of every OUT dir; a host seen twice is taken from the first OUT."""
    seen: dict[str, HostInput] = {}
    notes = []
    for out in outs:
        for d in host_dirs(out):
            if d.name in seen:
                notes.append(f"host {d.name} appears in {seen[d.name].dir.parent.parent} and {out}; the first is used")
                continue
            seen[d.name] = read_host(d)
    return list(seen.values()), notes


def detect(facts: HostFacts) -> tuple[Optional[list], str]:
    """Apps from the detectors, or (None, why) when they are missing or fail."""
    try:
        from ..detect import detect_apps  # imported late: the report works without detectors
    except ImportError:
        try:
            from ..detect.registry import detect_apps
        except ImportError:
            return None, "detectors not available in this installation; no apps detected"
    try:
        return list(detect_apps(facts)), ""
    except Exception as exc:  # one host's detector bug must not sink the portfolio report
        return None, f"detection failed: {type(exc).__name__}: {exc}"


#: Files worth linking from the report, relative to a host directory.
_TOP = ("README.md", "plan.yaml", "discovery.yaml", "compose.yaml", "sbom.cdx.json")
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
