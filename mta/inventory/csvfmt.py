"""CSV inventories: a header row, then one host a row.

Columns: name, address, port, user, identity (required: name or address), and
optionally discovery, groups (space separated, for display), sudo, deadline,
known_hosts, accept_new_host_key, base, plan ('key' is the old spelling of identity). Empty cells mean "not set". Lines starting with # are
skipped.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import InputError
from .model import Target
from .resolve import check_unique, make_target, parse_settings

COLUMNS = ("name", "address", "port", "user", "identity", "discovery", "groups", "sudo", "deadline",
           "known_hosts", "accept_new_host_key", "base", "plan")
#: still read, with a deprecation note (mta.inventory.resolve.RENAMED)
OLD_COLUMNS = ("key",)


def load(path: Path, text: str) -> list[Target]:
    rows = csv.reader(io.StringIO(text))
    header = None
    targets: list[Target] = []
    base_dir = path.resolve().parent
    for row in rows:
        lineno = rows.line_num
        where = f"{path}:{lineno}"
        if not row or not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() for c in row]
            unknown = [c for c in header if c not in COLUMNS and c not in OLD_COLUMNS]
            if unknown:
                raise InputError(f"{where}: unknown CSV column {unknown[0]!r}",
                                 hint="columns: " + ", ".join(COLUMNS))
            if "name" not in header and "address" not in header:
                raise InputError(f"{where}: the header needs a 'name' or an 'address' column")
            continue
        if len(row) > len(header):
            raise InputError(f"{where}: {len(row)} cells but the header has {len(header)} columns")
        cells = {k: v.strip() for k, v in zip(header, row) if v.strip()}
        name = cells.pop("name", "") or cells.get("address", "")
        if not name:
            raise InputError(f"{where}: row has neither a name nor an address")
        groups = cells.pop("groups", "").split()
        level = parse_settings(cells, lambda loc, w=where: w, what=f"host {name}")
        targets.append(make_target(name, [level], groups=groups, source=where, base_dir=base_dir))
    if header is None:
        raise InputError(f"{path}: empty CSV inventory", hint="first row: name,address,port,user,identity")
    check_unique(targets)
    return targets


