"""A fast YAML writer for big plain data (discovery.yaml).

PyYAML's dumper builds a node graph and resolves every scalar in Python, even
with the libyaml emitter: about 0.25 s for a discovery file of a VM with 900
packages and 250 processes, most of ``mta batch``'s CPU per host. This writer
turns dicts, lists, strings, numbers, booleans and None straight into block
YAML text, about ten times faster, and the text loads back with
``yaml.safe_load`` to equal data (tests/test_yamlemit.py checks that on the
samples, the distro snapshots and hostile strings).

Rules, chosen so the file reads like PyYAML's own output:
- mappings in block style, sequences "indentless" under a key, as PyYAML does;
- a string is written plain only when it cannot be read as anything else
  (same implicit resolvers as ``yaml.SafeLoader``), else double-quoted with
  escapes for every character YAML would not keep as is;
- multi-line strings become literal blocks (``|``, ``|-``, ``|+``) when that
  is exact, else double-quoted.
Anything else (tuples, sets, other objects, keys too long for a simple key)
falls back to PyYAML, so the output is always correct.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

_RESOLVERS = yaml.SafeLoader.yaml_implicit_resolvers
_WILDCARD = _RESOLVERS.get(None, [])
# plain in block context: no indicator first, no ": " or " #", no trailing space
_SAFE = r"A-Za-z0-9_/.()+@%=~,;<>!?*&$^|\[\]{}'\"`-"
_PLAIN = re.compile(rf"[A-Za-z0-9_/.(][{_SAFE}]*(?:[ ][{_SAFE}]+)*\Z")
_COLON_PLAIN = re.compile(rf"[A-Za-z0-9_/.(][:{_SAFE}]*\Z")  # e.g. URLs and host:port
# characters a double-quoted scalar must escape
_ESCAPE = re.compile('[\x00-\x1f"\\\\\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]')
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\", "\x00": "\\0", "\x1b": "\\e"}
# a literal block keeps every character except these (and needs a first line
# without leading blanks to infer its indentation)
_NOT_LITERAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_MAX_KEY = 1000  # PyYAML refuses simple keys over 1024 characters


class _Fallback(Exception):
    """Data this writer leaves to PyYAML."""


def _escape(match: re.Match) -> str:
    ch = match.group()
    esc = _ESCAPES.get(ch)
    if esc:
        return esc
    code = ord(ch)
    return f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}"


def _quoted(value: str) -> str:
    return '"' + _ESCAPE.sub(_escape, value) + '"'


def _resolves_to_other(value: str) -> bool:
    for _tag, regexp in _RESOLVERS.get(value[:1], []) + _WILDCARD:
        if regexp.match(value):
            return True
    return False


_SEEN: dict[str, str] = {}  # keys and short values repeat thousands of times per file
_SEEN_MAX = 50_000


def _string(value: str) -> str:
    try:
        return _SEEN[value]
    except KeyError:
        pass
    text = _render_string(value)
    if len(value) <= 64:
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[value] = text
    return text


def _render_string(value: str) -> str:
    if not value:
        return "''"
    if value.startswith("..."):  # a document end marker at column 0
        return _quoted(value)
    if (_PLAIN.match(value) or (":" in value and ": " not in value and not value.endswith(":")
                                and _COLON_PLAIN.match(value))) and not _resolves_to_other(value):
        return value
    return _quoted(value)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "." not in text:  # 1e+17: YAML 1.1 floats need a dot (repr always signs the exponent)
            mant, _, exp = text.partition("e")
            text = f"{mant}.0e{exp}" if exp else f"{mant}.0"
        return text
    raise _Fallback(type(value).__name__)


def _key(key: Any) -> str:
    if isinstance(key, str):
        if len(key) > _MAX_KEY:
            raise _Fallback("long key")
        return _string(key)  # a line break is never plain: quoted, so one line
    if isinstance(key, (int, float)) or key is None:  # bool is an int
        return _scalar(key)
    raise _Fallback(type(key).__name__)


def _block(value: str, indent: str) -> str | None:
    """A literal block for a multi-line string, or None when it would not be exact."""
    if value[0] in " \n" or _NOT_LITERAL.search(value):
        return None
    if value.endswith("\n"):
        # the last line break ends the block; any before it are kept (|+) content
        body = value[:-1]
        head = "|+" if body.endswith("\n") else "|"
    else:
        body, head = value, "|-"
    out = [head]
    for line in body.split("\n"):
        out.append(indent + line if line else "")
    return "\n".join(out)


def _emit(value: Any, indent: int, out: list[str], first: str) -> None:
    """Write ``value`` (a non-empty dict or list) at ``indent``; the first line
    starts with ``first`` instead of the indentation (for "- " items)."""
    pad = " " * indent
    lead = first
    if isinstance(value, dict):
        for key, item in value.items():
            k = _key(key)
            prefix = (lead if lead is not None else pad) + k + ":"
            lead = None
            _member(item, indent, prefix, out, in_map=True)
        return
    for item in value:
        prefix = (lead if lead is not None else pad) + "-"
        lead = None
        _member(item, indent, prefix, out, in_map=False)


def _member(item: Any, indent: int, prefix: str, out: list[str], in_map: bool) -> None:
    if isinstance(item, dict):
        if not item:
            out.append(prefix + " {}")
        elif in_map:
            out.append(prefix)
            _emit(item, indent + 2, out, None)
        else:
            _emit(item, indent + 2, out, prefix + " ")
    elif isinstance(item, list):
        if not item:
            out.append(prefix + " []")
        elif in_map:
            out.append(prefix)
            _emit(item, indent, out, None)  # indentless, like PyYAML
        else:
            _emit(item, indent + 2, out, prefix + " ")
    elif isinstance(item, str) and "\n" in item:
        block = _block(item, " " * (indent + 2))
        out.append(prefix + " " + (block if block is not None else _quoted(item)))
    else:
        out.append(prefix + " " + _scalar(item))


def dump(data: Any) -> str:
    """Block YAML for plain data; ``yaml.safe_load`` gives ``data`` back."""
    try:
        if isinstance(data, (dict, list)) and data:
            out: list[str] = []
            _emit(data, 0, out, None)
            return "\n".join(out) + "\n"
        if not isinstance(data, (dict, list)):
            return _scalar(data) + "\n"
    except _Fallback:
        pass
    return dump_yaml(data)


# -- PyYAML's writer: every YAML file but the big ones, and the fallback above --


#: libyaml's emitter when PyYAML has it (its wheels do): PyYAML's own writes
#: a block scalar one character at a time in Python, 0.5 s for a 118 KB
#: ConfigMap, the biggest CPU cost of generating a host; libyaml takes 0.01 s.
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):
    """Block style; multi-line strings as literal blocks for readability."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and not any(ch in value for ch in "\r\x85\u2028\u2029"):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: object) -> str:
    """YAML text for plain data, through the yaml library only (``mta.io`` exports it)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
