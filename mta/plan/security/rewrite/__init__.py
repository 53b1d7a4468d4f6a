"""Rewrite secret literals of a configuration file into ``${MTA_SECRET_X}``, through its parser.

One module per format yields the file's literal values (``Literal``: the key
it stands under, where its characters are, its decoded value). The ONE secret
detector (``mta.discover.secrets``) judges each; a secret literal's raw
characters become a placeholder, and the raw text is kept as the value, so
the entrypoint's fill gives back the original file byte for byte. The result
must parse again with the same parser and hold the same literals, else
``Unsafe`` is raised and the caller withholds the whole file.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from ....discover import secrets as detector
from . import envfmt, inifmt, jsonfmt, phpfmt, pyfmt, xmlfmt, yamlfmt
from .literal import Literal, ParseError


class Unsafe(Exception):
    """The file holds a secret that cannot be replaced safely: withhold it whole."""


@dataclass
class Rewritten:
    text: str
    found: dict[str, str] = field(default_factory=dict)  # MTA_SECRET_X -> raw text it replaced


_REFERENCE = re.compile(r"^\s*(?:\$\{?[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}?|%\([A-Za-z_]\w*\)s|%[A-Za-z_]\w*%|"
                        r"\{\{[^{}]*\}\}|<%=?[^%]*%>|ENC\([^)]*\)|\*+|x+|none|null|true|false|yes|no|on|off|"
                        r"[<(\[][A-Za-z _-]*[>)\]]|(?:unix:)?/[\w./-]*;?)\s*$", re.I)
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")




@functools.lru_cache(maxsize=1 << 16)
def key_is_secret(key: str) -> bool:
    """The detector's verdict on a name (cached: a file repeats its keys)."""
    return detector.key_looks_secret(key)


def _value_looks_secret(value: str) -> bool:
    if detector.value_looks_secret(value):
        return True
    return "PRIVATE KEY" in value and bool(_PEM.search(value))


def is_reference(value: str) -> bool:
    """An env reference, a template, a placeholder, a switch or a file path
    rather than a secret value (``${DB_PASS}``, ``{{ pw }}``, ``true``, ``/run/x.sock``)."""
    return bool(_REFERENCE.match(value)) or "${MTA_SECRET_" in value


def url_password_spans(text: str) -> list[tuple[int, int]]:
    """Where the password of each ``scheme://user:password@host`` is (linear: one pass a URL)."""
    out = []
    i = text.find("://")
    while i != -1:
        j = i + 3
        n = len(text)
        colon = at = -1
        while j < n and text[j] not in "/?#\"' \t\r\n<>;,":
            if text[j] == ":" and colon == -1:
                colon = j
            elif text[j] == "@":
                at = j
            j += 1
        if colon != -1 and at > colon + 1 and colon > i + 3:
            out.append((colon + 1, at))
        i = text.find("://", j)
    return out


#: ``password=x`` inside a connection string or a line (one alternation at a delimiter: linear)
INLINE_SECRET = re.compile(r"(?i)(?:^|[;&?\s])(?:password|passwd|pwd|secret|token)=([^;&\s\"']+)")



def secret_spans(lit: Literal) -> list[tuple[int, int]]:
    """The spans of ``lit.raw`` (relative) that are secret; [] when nothing is."""
    value = lit.value
    if not value or not value.strip() or is_reference(value):
        return []
    # the detector's own "a secret name, but this value is plain" rule (booleans, references, paths, versions)
    if key_is_secret(lit.key) and not detector.plain_value(detector.secret_word(lit.key), value):
        return [(0, len(lit.raw))]
    if _value_looks_secret(value):
        return [(0, len(lit.raw))]
    spans = url_password_spans(lit.raw) if "://" in lit.raw else []
    if "=" in lit.raw and len(lit.raw) < 1 << 16:
        spans += [m.span(1) for m in INLINE_SECRET.finditer(lit.raw)]
    return sorted(set(spans))


def _parsers() -> dict[str, Callable[[str], list[Literal]]]:
    return {
        "json": jsonfmt.literals, "yaml": yamlfmt.literals, "xml": xmlfmt.literals, "php": phpfmt.literals,
        "python": pyfmt.literals, "env": envfmt.literals, "ini": inifmt.literals,
        "properties": inifmt.properties_literals, "keyvalue": inifmt.literals,
    }


def literals(fmt: str, text: str) -> list[Literal]:
    """The literals of ``text`` in format ``fmt``; ParseError when it does not parse."""
    try:
        parse = _parsers()[fmt]
    except KeyError:
        raise ParseError(f"no parser for format {fmt!r}") from None
    try:
        return parse(text)
    except ParseError:
        raise
    except (ValueError, IndexError, RecursionError, UnicodeError) as exc:
        raise ParseError(f"not valid {fmt}: {exc}") from None


def var_name(key: str, value: str, taken: dict[str, str]) -> str:
    """``MTA_SECRET_<KEY>``, numbered when the name already stands for another value."""
    base = "MTA_SECRET_" + (re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_").upper() or "VALUE")
    name, n = base, 1
    while name in taken and taken[name] != value:
        n += 1
        name = f"{base}_{n}"
    taken[name] = value
    return name


def rewrite(fmt: str, text: str, taken: Optional[dict[str, str]] = None) -> Rewritten:
    """``text`` with each secret literal replaced by a placeholder.

    ParseError: the file does not parse (the caller decides whether it holds a
    credential). Unsafe: it does, but the rewritten file would not parse."""
    taken = {} if taken is None else taken
    lits = literals(fmt, text)
    edits: list[tuple[int, int, str, str, str]] = []  # (start, end, key, raw, quote)
    for lit in lits:
        for s, e in secret_spans(lit):
            if lit.wrap == "?":
                raise Unsafe(f"the value of {lit.key!r} cannot be quoted in its {fmt} context")
            hint = lit.key if (s, e) == (0, len(lit.raw)) else f"{lit.key or 'url'}_password"
            edits.append((lit.start + s, lit.start + e, hint, lit.raw[s:e], lit.wrap))
    if not edits:
        return Rewritten(text)
    edits.sort()
    found: dict[str, str] = {}
    parts = []
    pos = 0
    for start, end, key, raw, quote in edits:
        if start < pos:
            continue
        name = var_name(key or "value", raw, taken)
        found[name] = raw
        parts.append(text[pos:start])
        parts.append(quote + "${" + name + "}" + quote)
        pos = end
    parts.append(text[pos:])
    new = "".join(parts)
    try:
        again = literals(fmt, new)
    except ParseError as exc:
        raise Unsafe(f"the rewritten file no longer parses as {fmt} ({exc})") from None
    if len(again) != len(lits) or [a.key for a in again] != [b.key for b in lits]:
        raise Unsafe(f"the rewritten file parses differently as {fmt}")
    if fmt in ("ini", "keyvalue"):
        try:
            inifmt.check(fmt, text, new)
        except ParseError as exc:
            raise Unsafe(f"the rewritten file no longer parses ({exc})") from None
    return Rewritten(new, found)
