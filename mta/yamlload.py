"""Loading YAML a user hands to mta, fast and within limits.

Every YAML file mta reads from a user (discovery.yaml, plan.yaml, answers,
inventories, settings, rules) goes through :func:`load` or :func:`load_file`:

* **Limits.** A file over :data:`MAX_BYTES` is refused before it is read, and
  aliases may add at most :data:`ALIAS_BUDGET` nodes to the document
  ("billion laughs": a few hundred references to a long list would otherwise
  cost minutes and gigabytes in every stage that walks the data). Both raise
  :class:`~mta.errors.InputError` naming the file and, for aliases, the line.
  Nesting deeper than Python's recursion allows is refused the same way.
* **Speed.** PyYAML's C parser is quick, but its constructor builds a node
  graph and then objects in Python: about 80% of the time of loading a
  discovery.yaml. Here objects are built straight from libyaml's events, and
  scalars are resolved with PyYAML's own implicit resolvers and
  SafeConstructor, so the result is the same as ``yaml.load(text,
  CSafeLoader)``. Anything unusual (anchors, aliases, explicit tags, merge
  keys, complex keys) is counted against the alias budget and then left to
  that loader.

Malformed YAML raises ``yaml.YAMLError`` as ``yaml.safe_load`` would; the
callers turn it into an InputError with ``file:line``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Optional, Union

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

from .errors import InputError

#: a YAML file larger than this is refused unread (discovery.yaml of a big
#: host is a few MiB; the report's synthetic fleet writes ~100 KiB a host)
MAX_BYTES = 128 * 1024 * 1024
#: how many nodes aliases may add to a document, all references together
ALIAS_BUDGET = 100_000

try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML without libyaml
    CParser = None

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVERS = yaml.SafeLoader.yaml_implicit_resolvers
_WILDCARD = _RESOLVERS.get(None, [])
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_SIMPLE_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_SIMPLE_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?\Z")
_CONSTRUCT = {
    "tag:yaml.org,2002:null": lambda v: None,
    "tag:yaml.org,2002:bool": lambda v: _CONSTRUCTOR.bool_values[v.lower()],
    "tag:yaml.org,2002:int": lambda v: int(v) if _SIMPLE_INT.match(v) else _CONSTRUCTOR.construct_yaml_int(ScalarNode("", v)),
    "tag:yaml.org,2002:float": lambda v: float(v) if _SIMPLE_FLOAT.match(v) else _CONSTRUCTOR.construct_yaml_float(ScalarNode("", v)),
    "tag:yaml.org,2002:timestamp": lambda v: _CONSTRUCTOR.construct_yaml_timestamp(ScalarNode("", v)),
}


class _Unusual(Exception):
    """A construct this loader leaves to PyYAML."""


def _resolve(value: str) -> Any:
    # Plain decimal numbers are most of a discovery file; PyYAML's resolvers
    # would give the same int or float after trying several patterns.
    if _SIMPLE_INT.match(value):
        return int(value)
    if _SIMPLE_FLOAT.match(value):
        return float(value)
    for tag, regexp in _RESOLVERS.get(value[:1] if value else "", _NONE) + _WILDCARD:
        if regexp.match(value):
            construct = _CONSTRUCT.get(tag)
            if construct is None:
                raise _Unusual  # merge key "<<", value "="
            return construct(value)
    return value


_NONE: list = []


def _scalar(ev: ScalarEvent, memo: dict) -> Any:
    if ev.anchor is not None or (ev.tag is not None and ev.tag != "!"):
        raise _Unusual
    value = ev.value
    if ev.tag == "!" or not ev.implicit[0]:
        return value  # quoted, block or non-specific: a string
    # Keys and small values repeat thousands of times in one file; every
    # resolved value is immutable, so it is safe to share.
    try:
        return memo[value]
    except KeyError:
        resolved = memo[value] = _resolve(value)
        return resolved


def _node(get, ev, memo: dict) -> Any:
    kind = type(ev)
    if kind is ScalarEvent:
        return _scalar(ev, memo)
    if kind is MappingStartEvent:
        if ev.anchor is not None or ev.tag not in (None, "tag:yaml.org,2002:map"):
            raise _Unusual
        out = {}
        while True:
            key_ev = get()
            if type(key_ev) is MappingEndEvent:
                return out
            if type(key_ev) is not ScalarEvent:
                raise _Unusual  # complex key
            key = _scalar(key_ev, memo)
            out[key] = _node(get, get(), memo)
    if kind is SequenceStartEvent:
        if ev.anchor is not None or ev.tag not in (None, "tag:yaml.org,2002:seq"):
            raise _Unusual
        items = []
        while True:
            item_ev = get()
            if type(item_ev) is SequenceEndEvent:
                return items
            items.append(_node(get, item_ev, memo))
    raise _Unusual  # alias


def _parser(text: str):
    return CParser(text) if CParser is not None else yaml.SafeLoader(text)


def check_aliases(text: str, source: str = "<string>", budget: int = ALIAS_BUDGET) -> None:
    """Raise InputError when the aliases in ``text`` would add more than
    ``budget`` nodes once expanded, or refer to a collection they are inside.

    One pass over the parser's events, no objects built: each anchor's size
    counts the nodes its aliases bring along, so nested references multiply
    the way they would when the data is walked. Malformed YAML is left for
    the loader to report."""
    parser = _parser(text)
    get = parser.get_event
    sizes: dict[str, int] = {}
    stack: list[list] = []  # [anchor, nodes so far] per open collection
    extra = 0
    try:
        while True:
            ev = get()
            kind = type(ev)
            if kind is StreamEndEvent:
                return
            if kind is ScalarEvent or kind is AliasEvent:
                if kind is ScalarEvent:
                    n = 1
                    if ev.anchor is not None:
                        sizes[ev.anchor] = 1
                else:
                    n = sizes.get(ev.anchor)
                    if n is None:
                        if any(open_[0] == ev.anchor for open_ in stack):
                            raise InputError(
                                f"{source}:{ev.start_mark.line + 1}: YAML alias *{ev.anchor} refers to "
                                "a collection it is inside: a recursive document is not accepted"
                            )
                        return  # undefined alias: the loader says so
                    extra += n
                    if extra > budget:
                        raise InputError(
                            f"{source}:{ev.start_mark.line + 1}: YAML aliases expand to more than "
                            f"{budget:,} extra nodes (at *{ev.anchor}, {n:,} nodes a reference); "
                            "mta refuses such a document",
                            hint="write the data out instead of repeating it through anchors (&) and aliases (*)",
                        )
                if stack:
                    stack[-1][1] += n
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                stack.append([ev.anchor, 1])
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                anchor, n = stack.pop()
                if anchor is not None:
                    sizes[anchor] = n
                if stack:
                    stack[-1][1] += n
    except yaml.YAMLError:
        return  # the loader reports it with its mark
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()


def _too_deep(source: str) -> InputError:
    return InputError(f"{source}: YAML nested too deeply to load", hint="a real mta file nests a few dozen levels")


def load(text: str, source: str = "<string>", *, alias_budget: int = ALIAS_BUDGET) -> Any:
    """Like ``yaml.safe_load(text)`` for one document, faster on plain data,
    and refusing alias bombs (InputError naming ``source`` and the line)."""
    try:
        if CParser is not None:
            try:
                parser = CParser(text)
                get = parser.get_event
                get()  # stream start
                ev = get()
                if type(ev) is StreamEndEvent:
                    return None
                value = _node(get, get(), {})  # after document start
                get()  # document end
                if type(get()) is not StreamEndEvent:
                    raise _Unusual  # several documents: let PyYAML say so
                return value
            except (_Unusual, yaml.YAMLError, KeyError, ValueError):
                pass  # the reference loader gives the same value, or the proper error
        check_aliases(text, source, alias_budget)
        return yaml.load(text, Loader=_Loader)
    except RecursionError:
        raise _too_deep(source) from None


def read_text(path: Union[str, Path], max_bytes: Optional[int] = None, what: str = "a YAML file") -> str:
    """The UTF-8 text of ``path`` (a leading byte-order mark dropped), or
    InputError: missing, a directory, not UTF-8, unreadable, or larger than
    ``max_bytes`` (default :data:`MAX_BYTES`)."""
    path = Path(path)
    limit = MAX_BYTES if max_bytes is None else max_bytes
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                raise InputError(
                    f"{path}: {size:,} bytes is too large for {what} (the limit is {limit:,})",
                    hint="is this the right file?",
                )
            chunks, got = [], 0
            while got <= limit:  # a pipe or a growing file has no size to trust
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
            raw = b"".join(chunks)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected {what}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > limit:  # grew while read, or a pipe
        raise InputError(f"{path}: too large for {what} (the limit is {limit:,} bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def load_file(path: Union[str, Path], *, max_bytes: Optional[int] = None, alias_budget: int = ALIAS_BUDGET) -> Any:
    """The YAML document in ``path``: InputError for a missing, oversized or
    malformed file (``file:line:column: malformed YAML: ...``) or an alias bomb."""
    text = read_text(path, max_bytes)
    try:
        return load(text, str(path), alias_budget=alias_budget)
    except yaml.YAMLError as exc:
        raise InputError(describe_yaml_error(path, exc)) from None


def describe_yaml_error(path: Union[str, Path], exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{path}{where}: malformed YAML: {problem}"
