"""A faster ``yaml.safe_load`` for the big, plain files the report reads.

PyYAML's C parser is quick, but its constructor builds a node graph and then
objects in Python: about 80% of the time of loading a discovery.yaml. Here
objects are built straight from libyaml's events, and scalars are resolved
with PyYAML's own implicit resolvers and SafeConstructor, so the result is
the same as ``yaml.load(text, CSafeLoader)``. Anything unusual (anchors,
aliases, explicit tags, merge keys, complex keys) falls back to that loader.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.events import (
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML without libyaml
    CParser = None

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVERS = yaml.SafeLoader.yaml_implicit_resolvers
_WILDCARD = _RESOLVERS.get(None, [])
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
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


def load(text: str) -> Any:
    """Like ``yaml.safe_load(text)`` for one document, faster on plain data."""
    if CParser is None:
        return yaml.load(text, Loader=_Loader)
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
        # The reference loader gives the same value, or the proper error.
        return yaml.load(text, Loader=_Loader)
