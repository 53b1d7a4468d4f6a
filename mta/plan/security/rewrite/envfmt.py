"""dotenv and sh-style defaults files: ``[export ]KEY=value`` lines, quotes honoured."""

from __future__ import annotations

import re

from .literal import Literal, ParseError

_ASSIGN = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]{0,200})[ \t]*=[ \t]*")


def literals(text: str) -> list[Literal]:
    if "\x00" in text:
        raise ParseError("binary content")
    out: list[Literal] = []
    pos, n = 0, len(text)
    while pos < n:
        m = _ASSIGN.match(text, pos)
        nl = text.find("\n", pos)
        line_end = n if nl == -1 else nl
        if m is None or m.end() > line_end:
            pos = line_end + 1
            continue
        vs = m.end()
        q = text[vs:vs + 1]
        if q in ("'", '"'):
            close = _closing(text, vs + 1, q)
            if close == -1:
                raise ParseError(f"unterminated {q} value of {m.group(1)}")
            raw = text[vs + 1:close]
            value = raw if q == "'" else re.sub(r"\\(.)", r"\1", raw)
            out.append(Literal(key=m.group(1), start=vs + 1, end=close, value=value, raw=raw))
            nl = text.find("\n", close)
            pos = n if nl == -1 else nl + 1
            continue
        e = line_end - 1 if line_end > vs and text[line_end - 1] == "\r" else line_end
        k = text.find(" #", vs, e)
        e = k if k != -1 else e
        while e > vs and text[e - 1] in " \t":
            e -= 1
        out.append(Literal(key=m.group(1), start=vs, end=e, value=text[vs:e], raw=text[vs:e]))
        pos = line_end + 1
    return out


def _closing(text: str, i: int, q: str) -> int:
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and q == '"':
            i += 2
            continue
        if c == q:
            return i
        i += 1
    return -1
