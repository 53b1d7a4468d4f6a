"""Turn layered settings into a Target: defaults, paths, names checked."""

from __future__ import annotations

import os
from pathlib import Path
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence, Union

from pydantic import ValidationError

from ..errors import InputError
from .model import HOST_NAME_RE, Settings, Target, layer

#: ``where(keys)`` -> "file:line" for a key path inside the level being read.
Where = Callable[[Sequence[Union[str, int]]], str]

#: Old key spellings still read: old -> the key spelled like the command-line flag.
RENAMED = {"key": "identity"}


@dataclass
class Loading:
    """What one ``load_inventory`` call carries past the format readers: the
    command line's defaults (the lowest level) and the deprecation notes."""

    defaults: Optional[Settings] = None
    notes: list[str] = field(default_factory=list)


_loading: ContextVar[Loading] = ContextVar("mta_inventory_loading", default=Loading())


@contextmanager
def loading(defaults: Optional[Settings] = None) -> Iterator[Loading]:
    """Within: every target layers ``defaults`` below the inventory's own levels."""
    state = Loading(defaults=defaults)
    token = _loading.set(state)
    try:
        yield state
    finally:
        _loading.reset(token)


def _renamed(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """``data`` with old key spellings renamed; new -> old for error locations."""
    out: dict[str, Any] = {}
    back: dict[str, str] = {}
    state = _loading.get()
    for k, v in data.items():
        new = RENAMED.get(str(k))
        if new is None:
            out[k] = v
            continue
        if new in data:
            out[k] = v  # both spellings: the model says 'unknown field' for the old one
            continue
        note = f"inventory key '{k}' is deprecated, write '{new}' (like the -i/--{new} option)"
        if note not in state.notes:
            state.notes.append(note)
        out[new] = v
        back[new] = str(k)
    return out, back


def parse_settings(data: Mapping[str, Any], where: Where, *, what: str) -> Settings:
    """Validate one level's settings; an error names the file, line and field."""
    data, back = _renamed(data)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [back.get(str(p), p) if i == 0 else p for i, p in enumerate(err["loc"])]
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
    defaults = _loading.get().defaults
    s = layer(*([defaults] if defaults is not None else []), *levels)
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
        key=_path(s.identity, base_dir) if s.identity else "",
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
