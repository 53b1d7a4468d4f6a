"""The one loader behind every registry that a new module joins by existing:
import each module of a package once (``mta.detect``'s detectors,
``mta.plan.recipes``' families), so adding one is adding a file, no list to
edit."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Iterable

_scanned: set[str] = set()


def import_package_modules(package: str, package_file: str, skip: Iterable[str] = ()) -> None:
    """Import every module of ``package`` (whose ``__init__``/module file is
    ``package_file``, pass ``__file__``) except ``skip``; the first call does
    the work, later ones return at once."""
    if package in _scanned:
        return
    skipped = set(skip)
    for mod in pkgutil.iter_modules([str(Path(package_file).parent)]):
        if mod.name not in skipped:
            importlib.import_module(f"{package}.{mod.name}")
    _scanned.add(package)
