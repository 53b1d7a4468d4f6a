"""Reading and writing the files a user sees: atomic, typed, clear errors."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Mapping, TypeVar, Union

import yaml
from pydantic import BaseModel, ValidationError

from . import yamlload
from .errors import InputError
from .model import SCHEMA_VERSION, HostFacts
from .model.facts import compact_samples
from .model.identity import choose_folder, describe, own_name
from .outcache import prime_cache
from .yamlemit import dump as fast_dump, dump_yaml

M = TypeVar("M", bound=BaseModel)


def write_atomic(path: Union[str, Path], data: Union[str, bytes], mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` via a temp file and rename, so readers never
    see half a file (an interrupted run leaves the old file or none)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_tree(root: Union[str, Path], files: Mapping[str, Union[str, bytes]]) -> list[Path]:
    """Write ``{relative path: content}`` under ``root``; returns the paths."""
    root = Path(root)
    written = []
    for rel in sorted(files):
        target = (root / rel).resolve()
        if not str(target).startswith(str(root.resolve()) + os.sep):
            raise InputError(f"refusing to write outside {root}: {rel}")
        write_atomic(target, files[rel])
        written.append(target)
    return written


def dump_model(model: BaseModel, *, fast: bool = False) -> str:
    """YAML for a model; ``fast`` uses mta.yamlemit (big files such as
    discovery.yaml: same data, about ten times less CPU, no line folding)."""
    data = model.model_dump(mode="json", exclude_none=False)
    if fast:
        if isinstance(model, HostFacts):
            compact_samples(data)  # a week of samples as one table, not 1,008 mappings
        return fast_dump(data)
    return dump_yaml(data)


def load_yaml(path: Union[str, Path]) -> object:
    """The YAML document in a file the user gave: InputError naming the file
    (and line) when it is missing, malformed, over the size limit or an alias
    bomb (see mta.yamlload)."""
    return yamlload.load_file(path)


def describe_validation_error(path: Union[str, Path], exc: ValidationError) -> str:
    """One line naming the file, the field and what is wrong (first error + count)."""
    errs = exc.errors()
    first = errs[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown field"
    more = f" (and {len(errs) - 1} more problem{'s' if len(errs) > 2 else ''})" if len(errs) > 1 else ""
    return f"{path}: field '{loc}': {msg}{more}"


def load_model(path: Union[str, Path], model: type[M]) -> M:
    """Load a YAML file into ``model`` or raise InputError naming file and field."""
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    version = data.get("schema_version")
    if version is not None and version != SCHEMA_VERSION:
        raise InputError(
            f"{path}: schema_version {version!r} is not supported (this mta reads {SCHEMA_VERSION})"
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error(path, exc)) from None


class HostConflict(InputError):
    """A different machine already owns the host folder a name points to."""


#: the top-level keys of discovery.yaml that say which machine it is
_IDENTITY_KEYS = ("host", "address", "target", "fingerprint", "os")


def read_identity(path: Union[str, Path]):
    """The identity parts of a discovery.yaml (name, hostname, target,
    fingerprint) as a HostFacts, or None when there is no readable one.

    Reads the YAML events only up to the last identity key (they lead the file
    mta writes; a hand-reordered file is read further): a host's rediscovery
    checks its folder without loading the 100-KB rest."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = _top_level_values(text, _IDENTITY_KEYS)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if data is None:
        return None
    keep = {k: data[k] for k in ("host", "address", "target", "fingerprint") if k in data}
    os_info = data.get("os") if isinstance(data.get("os"), dict) else {}
    keep["os"] = {"hostname": str(os_info.get("hostname") or "")}
    try:
        return HostFacts.model_validate(keep)
    except ValidationError:
        return None


def _top_level_values(text: str, keys: tuple[str, ...]) -> "dict | None":
    """``{key: value}`` for those of ``keys`` the top-level mapping of ``text``
    has, from its YAML events; None when the document is not a mapping or uses
    aliases (the identity is then unreadable, as for a broken file)."""
    loader = yaml.SafeLoader("")  # resolves and constructs the picked nodes only
    events = yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    def node(event):
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag if event.tag not in (None, "!") else loader.resolve(yaml.ScalarNode, event.value,
                                                                                  event.implicit)
            return yaml.ScalarNode(tag, event.value, style=event.style)
        if isinstance(event, yaml.MappingStartEvent):
            pairs = []
            for k in events:
                if isinstance(k, yaml.MappingEndEvent):
                    return yaml.MappingNode("tag:yaml.org,2002:map", pairs)
                pairs.append((node(k), node(next(events))))
        if isinstance(event, yaml.SequenceStartEvent):
            items = []
            for e in events:
                if isinstance(e, yaml.SequenceEndEvent):
                    return yaml.SequenceNode("tag:yaml.org,2002:seq", items)
                items.append(node(e))
        raise yaml.YAMLError(f"unexpected {type(event).__name__}")  # an alias, or a cut stream

    for event in events:
        if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentStartEvent)):
            continue
        if not isinstance(event, yaml.MappingStartEvent):
            return None
        break
    else:
        return None
    found: dict = {}
    for event in events:
        if isinstance(event, yaml.MappingEndEvent):
            break
        key = node(event)
        value = node(next(events))
        if isinstance(key, yaml.ScalarNode) and key.value in keys:
            found[key.value] = loader.construct_object(value, deep=True)
            if len(found) == len(keys):
                break
    return found


def host_dir(out_root: Union[str, Path], facts, *, name: str = "", explicit: bool = False) -> Path:
    """OUT/hosts/<folder> for ``facts`` (the one rule, mta.model.identity):
    ``name`` (default: the host's own hostname) when that folder is free or
    holds the same machine; else, for a name the user did not choose,
    ``name-<tag>``. A name the user chose (``explicit``) that holds a
    different machine raises HostConflict naming both."""
    hosts = Path(out_root) / "hosts"
    wanted = name or own_name(facts)
    folder, other = choose_folder(facts, wanted, lambda n: read_identity(hosts / n / "discovery.yaml"),
                                  explicit=explicit)
    if explicit and other is not None:
        raise HostConflict(
            f"{hosts / folder} holds another machine ({describe(other)}); refusing to write "
            f"{describe(facts)} over it",
            hint="give this host another name, or remove that folder if the old machine is gone",
        )
    return hosts / folder


_claim = threading.Lock()


def save_discovery(path: Union[str, Path], facts) -> Path:
    """Write discovery.yaml (atomically, fast writer) and seed the report's cache with it."""
    path = Path(path)
    write_atomic(path, dump_model(facts, fast=True))
    prime_cache(path, facts)
    return path


def save_host(out_root: Union[str, Path], facts, *, name: str = "", explicit: bool = False) -> Path:
    """Write a new discovery into its host folder, OUT/hosts/<folder>/discovery.yaml
    (host_dir picks the folder: the host's own name, another one for a
    different machine holding it); sets ``facts.host`` to the folder's name.
    Hosts discovered at once in one process never pick the same folder."""
    with _claim:
        folder = host_dir(out_root, facts, name=name, explicit=explicit)
        facts.host = folder.name
        return save_discovery(folder / "discovery.yaml", facts)
