"""mta's own inventory YAML.

::

    schema_version: 1
    all:                      # settings for every host
      user: deploy
      answers: {targets.swarm: false}
    groups:
      web: {identity: ~/.ssh/web, answers: {k8s.namespace: shop}}
    hosts:
      - name: web1
        address: 10.0.0.5
        groups: [web]         # applied in this order; later groups win
        answers: {apps.tomcat.replicas: 2}
      - name: wordpress
        discovery: wordpress/discovery.yaml   # planned offline, no connection
      - 10.0.0.9              # just an address: it is also the name

Layering: host > its groups (last listed wins) > all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from .model import Settings, Target
from .resolve import make_target, parse_settings
from .yamlnodes import YamlDoc

TOP_KEYS = {"schema_version", "all", "groups", "hosts"}


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("hosts"), list) and set(data) <= TOP_KEYS


def load(doc: YamlDoc) -> list[Target]:
    data = doc.data
    path = doc.path
    base_dir = Path(path).resolve().parent
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise InputError(f"{doc.where([unknown[0]])}: unknown top-level key {unknown[0]!r}",
                         hint=f"an mta inventory has: {', '.join(sorted(TOP_KEYS))}")
    version = data.get("schema_version", 1)
    if version != 1:
        raise InputError(f"{doc.where(['schema_version'])}: schema_version {version!r} is not supported")

    all_data = data.get("all") or {}
    if not isinstance(all_data, dict):
        raise InputError(f"{doc.where(['all'])}: 'all' must be a mapping of settings")
    all_level = parse_settings(all_data, lambda loc: doc.where(["all", *loc]), what="all")

    groups: dict[str, Settings] = {}
    for gname, gdata in (data.get("groups") or {}).items():
        if not isinstance(gdata, dict):
            if gdata is None:
                gdata = {}
            else:
                raise InputError(f"{doc.where(['groups', gname])}: group {gname!r} must be a mapping of settings")
        groups[str(gname)] = parse_settings(
            gdata, lambda loc, g=gname: doc.where(["groups", g, *loc]), what=f"group {gname}"
        )

    if not isinstance(data.get("hosts"), list):
        raise InputError(f"{doc.where(['hosts'])}: 'hosts' must be a list of host entries")
    targets = []
    for i, entry in enumerate(data["hosts"]):
        where = doc.where(["hosts", i])
        if isinstance(entry, str):
            entry = {"name": entry, "address": entry}
        if not isinstance(entry, dict):
            raise InputError(f"{where}: a host entry is a mapping (name, address…) or an address")
        entry = dict(entry)
        name = entry.pop("name", None) or entry.get("address")
        if not name:
            raise InputError(f"{where}: host entry has no 'name' (nor 'address' to name it by)")
        member_of = entry.pop("groups", []) or []
        if isinstance(member_of, str):
            member_of = [member_of]
        for g in member_of:
            if g not in groups:
                raise InputError(
                    f"{doc.where(['hosts', i, 'groups'])}: host {name!r} names group {g!r}, which is not defined",
                    hint="define it under 'groups:' (it may be empty: `groups: {" + str(g) + ": {}}`)",
                )
        host_level = parse_settings(entry, lambda loc, i=i: doc.where(["hosts", i, *loc]), what=f"host {name}")
        targets.append(
            make_target(
                str(name),
                [all_level, *(groups[g] for g in member_of), host_level],
                groups=member_of,
                source=where,
                base_dir=base_dir,
            )
        )
    return targets
