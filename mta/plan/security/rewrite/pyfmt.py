"""Python settings modules (Django settings.py, Flask config.py): string literals
assigned to a name, found with the standard tokenizer; ``ast`` checks the file.

    PASSWORD = 'x'            DATABASES = {'default': {'PASSWORD': 'x'}}
    dict(PASSWORD='x')        os.environ.get('DB_PASSWORD', 'x')    CONF['password'] = 'x'

f-strings and implicitly joined strings are not literals."""

from __future__ import annotations

import ast
import io
import tokenize

from .literal import Literal, ParseError

_SIG = {tokenize.NAME, tokenize.OP, tokenize.STRING, tokenize.NUMBER, tokenize.NEWLINE, tokenize.ENDMARKER}
_ENDS = {")", ",", "}", "]", ";"}


def _offsets(text: str) -> list[int]:
    out = [0]
    for line in io.StringIO(text):
        out.append(out[-1] + len(line))
    return out


def literals(text: str) -> list[Literal]:
    try:
        ast.parse(text)
        toks = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type in _SIG]
    except (SyntaxError, tokenize.TokenError, ValueError) as exc:
        raise ParseError(f"not Python: {exc}") from None
    lines = _offsets(text)
    out: list[Literal] = []

    def pos(rc: tuple[int, int]) -> int:
        return lines[rc[0] - 1] + rc[1]

    def string(k: int):
        if not (0 <= k < len(toks)) or toks[k].type != tokenize.STRING:
            return None
        t = toks[k].string
        prefix = t[: len(t) - len(t.lstrip("rRbBuUfF"))]
        if "f" in prefix.lower() or "b" in prefix.lower():
            return None
        body = t[len(prefix):]
        q = 3 if body[:3] in ('"""', "'''") else 1
        try:
            value = ast.literal_eval(t)
        except (ValueError, SyntaxError):
            return None
        start = pos(toks[k].start) + len(prefix) + q
        end = pos(toks[k].end) - q
        return value, start, end

    def op(k: int, s: str) -> bool:
        return 0 <= k < len(toks) and toks[k].type == tokenize.OP and toks[k].string == s

    def ends(k: int) -> bool:
        return 0 <= k < len(toks) and (toks[k].type in (tokenize.NEWLINE, tokenize.ENDMARKER)
                                       or (toks[k].type == tokenize.OP and toks[k].string in _ENDS))

    def add(key: str, k: int) -> None:
        got = string(k)
        if got is not None and ends(k + 1):
            value, start, end = got
            out.append(Literal(key=key, start=start, end=end, value=value, raw=text[start:end]))

    for i, t in enumerate(toks):
        if t.type == tokenize.NAME and op(i + 1, "=") and not op(i - 1, "."):
            add(t.string, i + 2)
        elif t.type == tokenize.NAME and op(i - 1, ".") and op(i + 1, "="):
            add(t.string, i + 2)
        elif t.type == tokenize.STRING and op(i + 1, ":"):
            key = string(i)
            if key is not None:
                add(str(key[0]), i + 2)
        elif t.type == tokenize.OP and t.string == "[" and string(i + 1) and op(i + 2, "]") and op(i + 3, "="):
            add(str(string(i + 1)[0]), i + 4)
        elif t.type == tokenize.NAME and t.string in ("get", "getenv", "setdefault") and op(i + 1, "(") \
                and string(i + 2) and op(i + 3, ","):
            add(str(string(i + 2)[0]), i + 4)
    out.sort(key=lambda lit: lit.start)
    return out
