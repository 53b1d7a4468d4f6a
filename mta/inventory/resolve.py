"""Turn layered settings into a Target: defaults, paths, names checked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, Union

from pydantic import ValidationError

from ..errors import InputError
from .model import HOST_NAME_RE, Settings, Target, layer

#: ``where(keys)`` -> "file:line" for a key path inside the level being read.
Where = Callable[[Sequence[Union[str, int]]], str]


def parse_settings(data: Mapping[str, Any], where: Where, *, what: str) -> Settings:
    """Validate one level's settings; an error names the file, line and field."""
    try:
        return Settings.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"]]
        msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        field = ".".join(str(p) for p in loc)
        raise InputError(
            f"{where(loc)}: {what}: field '{field}': {msg}",
            hint="see `mta inventory check --help` for the fields an inventory takes",
        ) from None


def _path(value: str, base_dir: Path) -> str:
    p = Path(os.path.expanduser(value))
    return str(p if p.is_absolute() else (base_dir / p).resolve())


def make_target(
    name: str,
    levels: Sequence[Settings],
    *,
    groups: Sequence[str],
    source: str,
    base_dir: Path,
) -> Target:
    """Layer ``levels`` (lowest first) and resolve relative paths against ``base_dir``."""
    name = str(name).strip()
    if not HOST_NAME_RE.match(name) or name in (".", ".."):
        raise InputError(
            f"{source}: host name {name!r} cannot be used as a directory name",
            hint="use letters, digits and . _ - only (at most 200), or set address: and a plain name",
        )
    s = layer(*levels)
    discovery = _path(s.discovery, base_dir) if s.discovery else ""
    base = s.base or "official"
    if base not in ("official", "debian"):
        base = _path(base, base_dir)
    return Target(
        name=name,
        source=source,
        address="" if discovery else (s.address or name),
        port=s.port or 22,
        user=s.user or "",
        key=_path(s.key, base_dir) if s.key else "",
        known_hosts=_path(s.known_hosts, base_dir) if s.known_hosts else "",
        accept_new_host_key=bool(s.accept_new_host_key),
        sudo=bool(s.sudo),
        jump=s.jump or "",
        discovery=discovery,
        plan=_path(s.plan, base_dir) if s.plan else "",
        base=base,
        deadline=s.deadline,
        sample_seconds=s.sample_seconds,
        http_checks=True if s.http_checks is None else s.http_checks,
        extract=True if s.extract is None else s.extract,
        groups=tuple(groups),
        answers=dict(s.answers),
    )


def check_unique(targets: Sequence[Target]) -> None:
    """Two entries with one name would write the same OUT/hosts/<name>/."""
    seen: dict[str, Target] = {}
    for t in targets:
        if t.name in seen:
            raise InputError(
                f"{t.source}: host {t.name!r} is already defined at {seen[t.name].source}",
                hint="host names must be unique; they name the output directory",
            )
        seen[t.name] = t
