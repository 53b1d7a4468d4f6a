"""Ansible inventories, INI and YAML form, mapped onto mta settings.

Read: ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file
(and their ``ansible_ssh_*`` spellings), ansible_become (-> sudo), groups,
``:vars`` / ``vars:``, ``:children`` / ``children:`` and host ranges
(``web[01:20].example.com``). Variables named ``mta_<setting>`` set mta's own
settings (``mta_discovery``, ``mta_answers``, ``mta_deadline``…); other
variables are Ansible's business and are ignored.

Precedence follows Ansible: all < parent groups < child groups (by depth,
then name) < host.
"""

from __future__ import annotations

import re
import shlex
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from .. import yamlload
from ..errors import InputError
from .model import Settings, Target
from .resolve import make_target, parse_settings
from .yamlnodes import YamlDoc

ANSIBLE_VARS = {
    "ansible_host": "address",
    "ansible_ssh_host": "address",
    "ansible_port": "port",
    "ansible_ssh_port": "port",
    "ansible_user": "user",
    "ansible_ssh_user": "user",
    "ansible_ssh_private_key_file": "identity",
    "ansible_private_key_file": "identity",
    "ansible_become": "sudo",
}

_GROUP_KEYS = {"hosts", "vars", "children"}

#: ssh options in these variables may name a jump host (-J x / -o ProxyJump=x)
_SSH_ARGS_VARS = ("ansible_ssh_common_args", "ansible_ssh_extra_args")
_JUMP_RE = re.compile(r"(?:-J\s*|ProxyJump[=\s]+)([^\s'\"]+)")


@dataclass
class _Vars:
    values: dict[str, Any] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # var -> file:line

    def update(self, other: "_Vars") -> None:
        self.values.update(other.values)
        self.where.update(other.where)


@dataclass
class _Group:
    name: str
    where: str
    vars: _Vars = field(default_factory=_Vars)
    hosts: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


@dataclass
class _Tree:
    path: Path
    groups: dict[str, _Group] = field(default_factory=dict)
    host_vars: dict[str, _Vars] = field(default_factory=dict)
    host_where: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # hosts in first-seen order

    def group(self, name: str, where: str) -> _Group:
        if name not in self.groups:
            self.groups[name] = _Group(name, where)
        return self.groups[name]

    def add_host(self, group: str, host: str, hvars: _Vars, where: str) -> None:
        g = self.group(group, where)
        if host not in g.hosts:
            g.hosts.append(host)
        if host not in self.host_vars:
            self.host_vars[host] = _Vars()
            self.host_where[host] = where
            self.order.append(host)
        self.host_vars[host].update(hvars)


# ---------------------------------------------------------------- host ranges

_RANGE_RE = re.compile(r"\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::([0-9]+))?\]")


def expand_hosts(pattern: str, where: str) -> list[str]:
    """``web[01:03]`` -> web01, web02, web03; ``db-[a:c]`` -> db-a, db-b, db-c."""
    m = _RANGE_RE.search(pattern)
    if not m:
        return [pattern]
    head, tail = pattern[: m.start()], pattern[m.end():]
    beg, end, step = m.group(1), m.group(2), int(m.group(3) or 1)
    if step < 1:
        raise InputError(f"{where}: host range {pattern!r}: step must be at least 1")
    if beg.isdigit() and end.isdigit():
        width = len(beg) if beg.startswith("0") and len(beg) > 1 else 0
        if int(end) < int(beg):
            raise InputError(f"{where}: host range {pattern!r} ends before it begins")
        items = [str(i).zfill(width) for i in range(int(beg), int(end) + 1, step)]
    elif len(beg) == 1 and len(end) == 1 and beg.isalpha() and end.isalpha():
        letters = string.ascii_letters
        a, b = letters.index(beg), letters.index(end)
        if b < a:
            raise InputError(f"{where}: host range {pattern!r} ends before it begins")
        items = list(letters[a : b + 1 : step])
    else:
        raise InputError(f"{where}: host range {pattern!r} is neither numeric nor a single-letter range")
    out: list[str] = []
    for item in items:
        out.extend(expand_hosts(head + item + tail, where))
    return out


# ---------------------------------------------------------------- INI


def _ini_value(raw: str) -> Any:
    """Inline values are Python-ish literals in Ansible; YAML reads the common ones."""
    try:
        return yamlload.load(raw, "an inventory variable") if raw != "" else ""
    except yaml.YAMLError:
        return raw


def _split_host_port(token: str) -> tuple[str, Optional[str]]:
    if token.count(":") == 1:
        host, _, port = token.partition(":")
        if port.isdigit():
            return host, port
    return token, None


def parse_ini(path: Path, text: str) -> _Tree:
    tree = _Tree(path)
    tree.group("all", f"{path}:1")
    section, kind = "ungrouped", "hosts"
    for lineno, raw in enumerate(text.splitlines(), 1):
        where = f"{path}:{lineno}"
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise InputError(f"{where}: section header {line!r} is missing ']'")
            section, _, kind = line[1:-1].strip().partition(":")
            kind = kind or "hosts"
            if kind not in ("hosts", "vars", "children"):
                raise InputError(f"{where}: unknown section kind {kind!r}", hint="use [g], [g:vars] or [g:children]")
            if not section:
                raise InputError(f"{where}: empty group name")
            tree.group(section, where)
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            raise InputError(f"{where}: cannot split line: {exc}") from None
        if not words:
            continue
        if kind == "vars":
            k, eq, v = line.partition("=")
            if not eq or not k.strip():
                raise InputError(f"{where}: expected key=value in [{section}:vars]")
            g = tree.groups[section]
            value = v.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            g.vars.values[k.strip()] = value
            g.vars.where[k.strip()] = where
        elif kind == "children":
            if len(words) != 1:
                raise InputError(f"{where}: a [{section}:children] line names one group")
            child = words[0]
            tree.group(child, where)
            if child not in tree.groups[section].children:
                tree.groups[section].children.append(child)
        else:
            hvars = _Vars()
            host_token, port = _split_host_port(words[0])
            if port:
                hvars.values["ansible_port"] = port
                hvars.where["ansible_port"] = where
            for word in words[1:]:
                k, eq, v = word.partition("=")
                if not eq or not k:
                    raise InputError(f"{where}: expected key=value after the host name, got {word!r}")
                hvars.values[k] = _ini_value(v)
                hvars.where[k] = where
            for host in expand_hosts(host_token, where):
                tree.add_host(section, host, hvars, where)
    return tree


# ---------------------------------------------------------------- YAML


def looks_like_yaml(data: Any) -> bool:
    return isinstance(data, dict) and bool(data) and all(
        v is None or (isinstance(v, dict) and set(v) <= _GROUP_KEYS) for v in data.values()
    )


def parse_yaml(doc: YamlDoc) -> _Tree:
    tree = _Tree(doc.path)
    tree.group("all", f"{doc.path}:1")

    def walk(name: str, body: Any, keys: list[Any], seen: tuple[str, ...]) -> None:
        where = doc.where(keys)
        if name in seen:
            raise InputError(f"{where}: group {name!r} is its own ancestor")
        g = tree.group(str(name), where)
        if body is None:
            return
        if not isinstance(body, dict):
            raise InputError(f"{where}: group {name!r} must be a mapping of hosts/vars/children")
        extra = sorted(set(body) - _GROUP_KEYS)
        if extra:
            raise InputError(f"{doc.where(keys + [extra[0]])}: unknown key {extra[0]!r} in group {name!r}",
                             hint="a group has hosts:, vars: and children:")
        gvars = body.get("vars") or {}
        if not isinstance(gvars, dict):
            raise InputError(f"{doc.where(keys + ['vars'])}: vars of group {name!r} must be a mapping")
        for k, v in gvars.items():
            g.vars.values[str(k)] = v
            g.vars.where[str(k)] = doc.where(keys + ["vars", k])
        hosts = body.get("hosts") or {}
        if not isinstance(hosts, dict):
            raise InputError(f"{doc.where(keys + ['hosts'])}: hosts of group {name!r} must be a mapping")
        for pattern, hv in hosts.items():
            hwhere = doc.where(keys + ["hosts", pattern])
            if hv is not None and not isinstance(hv, dict):
                raise InputError(f"{hwhere}: variables of host {pattern!r} must be a mapping")
            hvars = _Vars()
            for k, v in (hv or {}).items():
                hvars.values[str(k)] = v
                hvars.where[str(k)] = doc.where(keys + ["hosts", pattern, k])
            host, port = _split_host_port(str(pattern))
            if port:
                hvars.values.setdefault("ansible_port", port)
                hvars.where.setdefault("ansible_port", hwhere)
            for h in expand_hosts(host, hwhere):
                tree.add_host(str(name), h, hvars, hwhere)
        children = body.get("children") or {}
        if not isinstance(children, dict):
            raise InputError(f"{doc.where(keys + ['children'])}: children of group {name!r} must be a mapping")
        for child, cbody in children.items():
            if str(child) not in g.children:
                g.children.append(str(child))
            walk(str(child), cbody, keys + ["children", child], seen + (str(name),))

    for name, body in doc.data.items():
        walk(str(name), body, [name], ())
    return tree


# ---------------------------------------------------------------- resolve


def _settings(v: _Vars, fallback: str, what: str) -> Settings:
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for var, value in v.values.items():
        where = v.where.get(var, fallback)
        if var in _SSH_ARGS_VARS:
            m = _JUMP_RE.search(str(value))
            if not m:
                continue
            name, value = "jump", m.group(1)
        elif var in ANSIBLE_VARS:
            name = ANSIBLE_VARS[var]
        elif var.startswith("mta_"):
            name = var[4:]
            if name not in Settings.model_fields:
                raise InputError(f"{where}: {what}: unknown mta variable {var!r}",
                                 hint="mta_ variables: " + ", ".join("mta_" + f for f in Settings.model_fields))
        else:
            continue
        if name == "answers" and isinstance(value, str):
            try:
                value = yamlload.load(value, where)
            except yaml.YAMLError:
                raise InputError(f"{where}: {what}: {var} is not a YAML/JSON mapping") from None
        if name == "answers" and not isinstance(value, dict):
            raise InputError(f"{where}: {what}: {var} must be a mapping of answer ids")
        data[name] = value
        origin[name] = where

    def where_of(loc: Any) -> str:
        return origin.get(str(loc[0]), fallback) if loc else fallback

    return parse_settings(data, where_of, what=what)


def _depths(tree: _Tree) -> dict[str, int]:
    """Depth of each group below 'all' (longest path), like Ansible's ordering."""
    depth = {name: 0 for name in tree.groups}
    for _ in range(len(tree.groups)):
        changed = False
        for g in tree.groups.values():
            for c in g.children:
                if depth[c] < depth[g.name] + 1:
                    if depth[g.name] + 1 > len(tree.groups):
                        raise InputError(f"{g.where}: group {g.name!r} is part of a children cycle")
                    depth[c] = depth[g.name] + 1
                    changed = True
        if not changed:
            break
    return depth


def to_targets(tree: _Tree) -> list[Target]:
    parents: dict[str, set[str]] = {n: set() for n in tree.groups}
    for g in tree.groups.values():
        for c in g.children:
            parents[c].add(g.name)
    depth = _depths(tree)
    gsettings = {n: _settings(g.vars, g.where, f"group {n}") for n, g in tree.groups.items()}
    direct: dict[str, list[str]] = {h: [] for h in tree.order}
    for g in tree.groups.values():
        for h in g.hosts:
            direct[h].append(g.name)
    base_dir = tree.path.resolve().parent
    targets = []
    for host in tree.order:
        member: set[str] = set()
        todo = list(direct[host])
        while todo:
            g = todo.pop()
            if g not in member:
                member.add(g)
                todo.extend(parents[g])
        member.discard("all")
        ordered = sorted(member, key=lambda n: (depth[n], n))
        levels = [gsettings["all"], *(gsettings[g] for g in ordered)]
        levels.append(_settings(tree.host_vars[host], tree.host_where[host], f"host {host}"))
        targets.append(
            make_target(
                host,
                levels,
                groups=[g for g in ordered if g != "ungrouped"],
                source=tree.host_where[host],
                base_dir=base_dir,
            )
        )
    return targets


def load_ini(path: Path, text: str) -> list[Target]:
    return to_targets(parse_ini(path, text))


def load_yaml_doc(doc: YamlDoc) -> list[Target]:
    return to_targets(parse_yaml(doc))


