"""INI, ``.conf``, TOML-style and Java properties files: ``key = value`` lines.

A lenient line parser (sections, comments, ``=``/``:``/whitespace separators,
quoted values, continuation lines): lines it does not understand are kept
as they are. When the original also parses with the standard library
(``configparser``, ``tomllib``), ``check`` requires the rewritten file to."""

from __future__ import annotations

import configparser
import re

from .literal import Literal, ParseError

try:
    import tomllib
except ImportError:  # pragma: no cover - Python < 3.11
    tomllib = None

_KEY_SEP = re.compile(r"[ \t]*(?:export[ \t]+)?([\"']?)([A-Za-z0-9_$@][A-Za-z0-9_.\-/$@\[\] ]{0,200}?)\1[ \t]*([=:])(?![=:])[ \t]*")
#: directives whose first argument names a variable and whose rest is its value
_SETTERS = {"setenv", "fastcgi_param", "uwsgi_param", "scgi_param", "env", "set", "environment", "php_value",
            "php_admin_value"}
_KEY_WS = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_.\-]{0,200})[ \t]+(?=[^ \t=:])")


def _lines(text: str):
    """(start, end) of each line without its line break."""
    pos = 0
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl == -1 else nl
        yield pos, (end - 1 if end > pos and text[end - 1] == "\r" else end)
        pos = end + 1


def _value(text: str, s: int, e: int, comments: bool) -> tuple[int, int, str]:
    """The value's span and text between ``s`` and line end ``e``: quotes and trailing comments off."""
    while e > s and text[e - 1] in " \t":
        e -= 1
    if e - s >= 2 and text[s] in "\"'" and text.find(text[s], s + 1) == e - 1:
        return s + 1, e - 1, text[s + 1:e - 1]
    if comments:
        for mark in (" #", "\t#", " ;", "\t;"):
            k = text.find(mark, s, e)
            if k != -1:
                e = k
        while e > s and text[e - 1] in " \t":
            e -= 1
    return s, e, text[s:e]


def literals(text: str, *, properties: bool = False) -> list[Literal]:
    if "\x00" in text:
        raise ParseError("binary content")
    out: list[Literal] = []
    lines = list(_lines(text))
    i = 0
    while i < len(lines):
        s, e = lines[i]
        i += 1
        stripped = text[s:e].lstrip()
        if not stripped or stripped[0] in "#;!" or (stripped[0] == "[" and not properties):
            continue
        m = _KEY_SEP.match(text, s, e)
        if m is None:
            m = _KEY_WS.match(text, s, e)
            if m is None:
                continue
            key = m.group(1)
            if key.lower() in _SETTERS:  # Apache "SetEnv DB_PASSWORD x", nginx "fastcgi_param DB_PASSWORD x;"
                inner = _KEY_WS.match(text, m.end(), e)
                if inner is None:
                    continue
                m, key = inner, inner.group(1)
        else:
            key = m.group(2).strip()
        vs = m.end()
        if properties:
            # a trailing backslash continues the value on the next line
            end = e
            while _continued(text, s if end == e else lines[i - 1][0], end) and i < len(lines):
                end = lines[i][1]
                i += 1
            out.append(Literal(key=key, start=vs, end=end, value=_unescape(text[vs:end]), raw=text[vs:end]))
            continue
        vs2, ve, value = _value(text, vs, e, comments=True)
        if m.re is _KEY_WS and ve > vs2 and text[ve - 1] == ";":  # nginx ends a directive with ;
            ve -= 1
            vs2, ve, value = _value(text, vs2, ve, comments=False)
        out.append(Literal(key=key, start=vs2, end=ve, value=value, raw=text[vs2:ve]))
    return out


def _continued(text: str, s: int, e: int) -> bool:
    n = 0
    while e - n - 1 >= s and text[e - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _unescape(raw: str) -> str:
    raw = re.sub(r"\\\r?\n[ \t]*", "", raw)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), raw)


def properties_literals(text: str) -> list[Literal]:
    return literals(text, properties=True)


def check(fmt_name: str, old: str, new: str) -> None:
    """ParseError when ``new`` fails a standard parser that ``old`` passes."""
    for parse in (_configparser, _toml):
        try:
            parse(old)
        except Exception:  # noqa: BLE001 - the original is not in that dialect
            continue
        try:
            parse(new)
        except Exception as exc:  # noqa: BLE001
            raise ParseError(f"{parse.__name__.strip('_')}: {exc}") from None


def _configparser(text: str) -> None:
    cp = configparser.RawConfigParser(strict=False, allow_no_value=True, interpolation=None)
    cp.read_string(text)


def _toml(text: str) -> None:
    if tomllib is None:
        return
    tomllib.loads(text)
