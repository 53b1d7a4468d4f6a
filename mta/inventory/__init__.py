"""Inventories: which hosts a batch covers and how to reach each.

Formats: mta's own YAML, Ansible INI and YAML, CSV. ``load_inventory`` picks
the format from the extension and content and returns resolved ``Target``s;
every error names the file and line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import yaml

from .. import yamlload
from ..errors import InputError
from . import ansible, csvfmt, own
from .model import Inventory, Settings, Target, check_answer_id, layer
from .resolve import RENAMED, check_unique, loading
from .yamlnodes import load_doc

FORMATS = ("mta", "ansible-ini", "ansible-yaml", "csv")


def _read(path: Path) -> str:
    """The inventory's text; a byte-order mark (Excel's "CSV UTF-8") is dropped."""
    if not os.path.lexists(path):
        raise InputError(f"{path}: no such file", hint="give the path of an inventory file")
    return yamlload.read_text(path, what="an inventory file")


def detect_format(path: Path, text: str) -> str:
    """The inventory format of ``path``, by extension first, then by content."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".ini", ".cfg", ".hosts"):
        return "ansible-ini"
    if suffix in (".yaml", ".yml", ".json"):
        return "yaml"
    first = next((ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    if first.startswith("["):
        return "ansible-ini"
    try:
        data = yamlload.load(text, str(path))
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict):
        return "yaml"
    # Ansible's classic "hosts" file has no extension; CSV has a comma header
    if "," in first and "=" not in first:
        return "csv"
    return "ansible-ini"
    return "yaml"


def load_inventory(path: Union[str, Path], fmt: Optional[str] = None,
                   defaults: Optional[Settings] = None) -> Inventory:
    """Read and resolve an inventory. Raises InputError pointing at file:line.

    ``defaults`` (the command line's -i/-u/-p/--sudo/…) sit below the
    inventory's ``all`` level: the inventory's own settings win.
    """
    with loading(defaults) as state:
        inv = _load(Path(path), fmt)
    inv.notes = list(state.notes)
    return inv


def _load(path: Path, fmt: Optional[str]) -> Inventory:
    text = _read(path)
    fmt = fmt or detect_format(path, text)
    if fmt == "csv":
        targets = csvfmt.load(path, text)
    elif fmt == "ansible-ini":
        targets = ansible.load_ini(path, text)
    else:
        doc = load_doc(path, text)
        if doc.data is None:
            raise InputError(f"{path}: empty inventory", hint="list hosts under 'hosts:'")
        if fmt in ("mta", "yaml") and own.looks_like(doc.data):
            fmt = "mta"
            targets = own.load(doc)
        elif fmt in ("ansible-yaml", "yaml") and ansible.looks_like_yaml(doc.data):
            fmt = "ansible-yaml"
            targets = ansible.load_yaml_doc(doc)
        elif fmt == "yaml" and isinstance(doc.data, dict) and "hosts" in doc.data:
            fmt = "mta"
            targets = own.load(doc)  # reports its own error with a line
        else:
            raise InputError(
                f"{path}:{doc.line([])}: not an inventory: expected mta's 'hosts:' list "
                "or Ansible groups (all: {hosts:, vars:, children:})",
            )
    check_unique(targets)
    if not targets:
        raise InputError(f"{path}: the inventory lists no hosts")
    return Inventory(path=str(path), format=fmt, targets=targets)


__all__ = ["RENAMED", "FORMATS", "Inventory", "Settings", "Target", "check_answer_id", "layer", "load_inventory", "detect_format"]
