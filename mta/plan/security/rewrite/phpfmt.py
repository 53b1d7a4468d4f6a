"""PHP settings files: string literals assigned to a name, found by a tokenizer.

A small ``token_get_all``: inline HTML, open/close tags, comments, quoted
strings, heredoc/nowdoc, variables, names, numbers and operators, in one
pass. On the token stream (whitespace and comments dropped) these forms
give a literal, judged by the name on its left:

    define('DB_PASSWORD', 'x')      env('DB_PASSWORD', 'x')     const DB_PASS = 'x';
    'password' => 'x'               $dbpass = 'x';              $cfg['db']['password'] = "x";
    $pw = getenv('DB_PASS') ?: 'x'  $_ENV['DB_PASS'] ?? 'x'

Only constant strings count: single-quoted, nowdoc, and double-quoted ones
without interpolation. Nothing here runs PHP."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ....discover.secrets import key_looks_secret
from .literal import Literal, ParseError

# token kinds
HTML, OPEN, CLOSE, WS, COMMENT, STR, VAR, NAME, NUM, OP = ("html", "open", "close", "ws", "comment", "str",
                                                         "var", "name", "num", "op")


@dataclass
class Tok:
    kind: str
    start: int
    end: int
    text: str
    const: bool = True  # STR: no interpolation
    qs: int = 0  # STR: where the content starts / ends (quotes excluded)
    qe: int = 0


_NAME = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*")
_NUM = re.compile(r"0[xX][0-9a-fA-F_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?")
_OPS = ("<<=", ">>=", "**=", "...", "<=>", "===", "!==", "??=", "?->", "=>", "->", "::", "==", "!=", "<>",
        "<=", ">=", "&&", "||", "??", "?:", "++", "--", "+=", "-=", "*=", "/=", ".=", "%=", "&=", "|=", "^=",
        "<<", ">>", "**")
_HEREDOC = re.compile(r"<<<[ \t]*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1\r?\n")
_INTERP = re.compile(r"\$[A-Za-z_{]|\{\$")


def tokenize(text: str) -> list[Tok]:
    out: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        # inline HTML up to the next open tag
        k = text.find("<?", i)
        if k == -1:
            out.append(Tok(HTML, i, n, text[i:n]))
            break
        if k > i:
            out.append(Tok(HTML, i, k, text[i:k]))
        if text.startswith("<?php", k) and (k + 5 == n or text[k + 5] in " \t\r\n"):
            j = k + 5
        elif text.startswith("<?=", k):
            j = k + 3
        else:
            j = k + 2  # short open tag
        out.append(Tok(OPEN, k, j, text[k:j]))
        i = _php(text, j, out)
    return out


def _php(text: str, i: int, out: list[Tok]) -> int:
    """Tokens of a PHP section from ``i``; returns the index after its close tag (or the end)."""
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            j = i
            while j < n and text[j] in " \t\r\n":
                j += 1
            out.append(Tok(WS, i, j, text[i:j]))
            i = j
        elif text.startswith("?>", i):
            j = i + 2
            if text.startswith("\n", j):
                j += 1
            elif text.startswith("\r\n", j):
                j += 2
            out.append(Tok(CLOSE, i, j, text[i:j]))
            return j
        elif c == "#" and not text.startswith("#[", i) or text.startswith("//", i):
            j = i
            while j < n and text[j] not in "\r\n" and not text.startswith("?>", j):
                j += 1
            out.append(Tok(COMMENT, i, j, text[i:j]))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j == -1:
                raise ParseError("unterminated comment")
            out.append(Tok(COMMENT, i, j + 2, text[i:j + 2]))
            i = j + 2
        elif c == "'" or c == '"' or c == "`":
            j = _quoted_end(text, i, c)
            body = text[i + 1:j]
            const = c == "'" or (c == '"' and not _INTERP.search(body))
            out.append(Tok(STR, i, j + 1, text[i:j + 1], const=const, qs=i + 1, qe=j))
            i = j + 1
        elif c == "$" and i + 1 < n and _NAME.match(text, i + 1):
            m = _NAME.match(text, i + 1)
            out.append(Tok(VAR, i, m.end(), text[i:m.end()]))
            i = m.end()
        elif text.startswith("<<<", i) and _HEREDOC.match(text, i):
            i = _heredoc(text, i, out)
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUM.match(text, i)
            j = m.end() if m and m.end() > i else i + 1
            out.append(Tok(NUM, i, j, text[i:j]))
            i = j
        elif _NAME.match(text, i) or c == "\\":
            j = i
            while j < n:
                m = _NAME.match(text, j)
                if m:
                    j = m.end()
                elif text[j] == "\\":
                    j += 1
                else:
                    break
            out.append(Tok(NAME, i, j, text[i:j]))
            i = j
        else:
            op = next((o for o in _OPS if text.startswith(o, i)), c)
            out.append(Tok(OP, i, i + len(op), op))
            i += len(op)
    return n


def _quoted_end(text: str, i: int, q: str) -> int:
    j, n = i + 1, len(text)
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == q:
            return j
        j += 1
    raise ParseError(f"unterminated {q}string at offset {i}")


def _heredoc(text: str, i: int, out: list[Tok]) -> int:
    m = _HEREDOC.match(text, i)
    nowdoc, label = m.group(1) == "'", m.group(2)
    closing = re.compile(rf"^[ \t]*{label}\b", re.M)
    c = closing.search(text, m.end())
    if c is None:
        raise ParseError(f"unterminated heredoc {label}")
    body_end = c.start()
    if body_end > m.end() and text[body_end - 1] == "\n":
        body_end -= 1
    body = text[m.end():body_end]
    out.append(Tok(STR, i, c.end(), text[i:c.end()], const=nowdoc or not _INTERP.search(body),
                   qs=m.end(), qe=body_end))
    return c.end()


def _decode(tok: Tok, text: str) -> str:
    raw = text[tok.qs:tok.qe]
    q = text[tok.start]
    if q == "'":
        return raw.replace("\\\\", "\x00").replace("\\'", "'").replace("\x00", "\\")
    if q == '"':
        return re.sub(r"\\([nrtv\\$\"e f])", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m.group(1), m.group(1)), raw)
    return raw


def literals(text: str) -> list[Literal]:
    toks = [t for t in tokenize(text) if t.kind not in (WS, COMMENT)]
    out: list[Literal] = []

    def lit(key: str, tok: Tok) -> None:
        if tok.kind != STR or text[tok.start] == "`":
            return
        raw = text[tok.qs:tok.qe]
        if not tok.const and "${MTA_SECRET_" not in raw:
            return
        out.append(Literal(key=key, start=tok.qs, end=tok.qe, value=_decode(tok, text), raw=raw))

    def is_(i: int, kind: str, value: str = "") -> bool:
        return 0 <= i < len(toks) and toks[i].kind == kind and (not value or toks[i].text.lower() == value)

    def strval(tok: Tok) -> str:
        return _decode(tok, text)

    used: set[int] = set()
    for i, t in enumerate(toks):
        if i in used:
            continue
        # define('KEY', 'v') / env('KEY', 'v')
        if t.kind == NAME and t.text.lower().lstrip("\\") in ("define", "env") and is_(i + 1, OP, "(") \
                and is_(i + 2, STR) and is_(i + 3, OP, ",") and is_(i + 4, STR):
            lit(strval(toks[i + 2]), toks[i + 4])
            used.add(i + 4)
        # 'key' => 'v'
        elif t.kind == STR and is_(i + 1, OP, "=>") and is_(i + 2, STR):
            lit(strval(t), toks[i + 2])
            used.add(i + 2)
        # const KEY = 'v'
        elif is_(i, NAME, "const") and is_(i + 1, NAME) and is_(i + 2, OP, "=") and is_(i + 3, STR):
            lit(toks[i + 1].text, toks[i + 3])
            used.add(i + 3)
        # $var['a']['b'] = 'v'  (also with an env lookup and ?: / ?? before the literal)
        elif t.kind == VAR:
            key = t.text[1:]
            j = i + 1
            while is_(j, OP, "[") and (is_(j + 1, STR) or is_(j + 1, NAME) or is_(j + 1, NUM)) and is_(j + 2, OP, "]"):
                sub = toks[j + 1]
                key = strval(sub) if sub.kind == STR else sub.text
                j += 3
            if key in ("_ENV", "_SERVER"):
                continue
            if is_(j, OP, "="):
                j += 1
                env_key = _env_lookup(toks, j, strval)
                if env_key is not None:
                    env_name, j = env_key
                    if not (is_(j, OP, "?:") or is_(j, OP, "??")):
                        continue
                    j += 1
                    if key_looks_secret(env_name) and not key_looks_secret(key):
                        key = env_name
                if is_(j, STR) and (is_(j + 1, OP, ";") or is_(j + 1, OP, ",") or is_(j + 1, OP, ")")
                                    or is_(j + 1, CLOSE)):
                    lit(key, toks[j])
                    used.add(j)
    # getenv('KEY') ?: 'v' anywhere else (inside define(), an array, an argument) with a literal fallback not caught above
    for i, _ in enumerate(toks):
        found = _env_lookup(toks, i, strval)
        if found is None:
            continue
        env_name, j = found
        if (is_(j, OP, "?:") or is_(j, OP, "??")) and is_(j + 1, STR) and (j + 1) not in used:
            lit(env_name, toks[j + 1])
            used.add(j + 1)
    out.sort(key=lambda lit_: lit_.start)
    return out


def _env_lookup(toks: list[Tok], i: int, strval):
    """(name, index after) for ``getenv('X')`` / ``$_ENV['X']`` / ``$_SERVER['X']`` at ``i``."""
    def is_(k: int, kind: str, value: str = "") -> bool:
        return 0 <= k < len(toks) and toks[k].kind == kind and (not value or toks[k].text.lower() == value)

    if is_(i, NAME, "getenv") and is_(i + 1, OP, "(") and is_(i + 2, STR) and is_(i + 3, OP, ")"):
        return strval(toks[i + 2]), i + 4
    if is_(i, VAR) and toks[i].text in ("$_ENV", "$_SERVER") and is_(i + 1, OP, "[") and is_(i + 2, STR) \
            and is_(i + 3, OP, "]"):
        return strval(toks[i + 2]), i + 4
    return None
