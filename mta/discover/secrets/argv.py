"""Rule 4 of the secret detector: secrets in command lines.

An argument is a secret when it matches one of these forms (the name is
judged by ``names.secret_word``):

===============================  =============================================
``--db-password=V``              an option with a secret name and ``=``
``--db-password V``              the same option without ``=``: the next argument
                                 (unless it starts with ``-``)
``-Dspring.datasource.password=V``  a Java system property
``-pV``                          only after a mysql-family client (mysql,
                                 mysqldump, mariadb, mariadb-dump, mysqladmin …);
                                 their ``-p`` / ``--password`` alone prompt, and
                                 take no next argument
``DB_PASSWORD=V``                an environment assignment (``env``, cron, units)
``scheme://user:V@host``         user-info in any URL
``…?password=V&…``, ``;Password=V;``  a secret key=value inside any argument
a credential-shaped value        PEM, AWS, GitHub, Slack, JWT, Google API key
===============================  =============================================

``mask_argv`` works on an argv list; ``mask_command_line`` on shell text (cron
lines, ``ExecStart=``, ``exec`` lines of upstart and init scripts): it splits
words as the shell does, masks them with the same rules, and re-quotes only
the words it changed (a nested ``sh -c "…"`` is masked too).
"""

from __future__ import annotations

import re
import shlex

from ...model import SECRET_MARKER
from .names import secret_word
from .text import MAX_KEY, mask_inline, plain_value, secret_spans

#: clients whose -pVALUE is a password (and whose -p alone prompts)
MYSQL_CLIENTS = frozenset({
    "mysql", "mysqldump", "mariadb", "mariadb-dump", "mysqladmin", "mariadb-admin", "mysqlimport",
    "mariadb-import", "mysqlcheck", "mariadb-check", "mysqlshow", "mariadb-show", "mysqlpump", "mysqlslap",
    "mariadb-slap", "mysql_upgrade", "mariadb-upgrade", "mysqlbinlog", "mariadb-binlog",
})
_NAME = re.compile(r"[A-Za-z_][\w.\-]{0,%d}" % MAX_KEY)
_OPERATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", "{", "}", "then", "do", "else"})
MAX_LINE = 64 << 10


_KEY_BEFORE = re.compile(r"([A-Za-z_][\w.\-]{0,128})[\"']?[ \t]{0,8}(?:=>|[=:>,])[ \t]{0,8}[\"']?\Z")


def _span_name(text: str, start: int) -> str:
    """A name for the secret starting at ``start``: the key before it, 'url_password' after a URL user."""
    if start and text[start - 1] == ":" and "://" in text[max(0, start - 600):start]:
        return "url_password"
    m = _KEY_BEFORE.search(text, max(0, start - MAX_KEY - 20), start)
    return m.group(1) if m else "secret"


def _inline(arg: str, found: list) -> str:
    spans = secret_spans(arg)
    if not spans:
        return arg
    out, last = [], 0
    for a, b in spans:
        found.append((_span_name(arg, a), arg[a:b]))
        out += [arg[last:a], SECRET_MARKER]
        last = b
    out.append(arg[last:])
    return "".join(out)


def mask_argv(argv: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """(argv with secret values replaced by SECRET_MARKER, [(name, value), …] of what was masked).

    The values are returned for a caller that must read them (``--with-secret-values``); discovery
    drops them."""
    out: list[str] = []
    found: list[tuple[str, str]] = []
    mysql = False
    pending = ""
    for arg in argv:
        if not isinstance(arg, str):
            out.append(arg)
            continue
        if pending:
            name, pending = pending, ""
            if not (arg.startswith("-") and len(arg) > 1):
                if plain_value(secret_word(name), arg):
                    out.append(arg)
                else:
                    found.append((name, arg))
                    out.append(SECRET_MARKER)
                continue
        base = arg.rsplit("/", 1)[-1]
        if base in MYSQL_CLIENTS:
            mysql = True
            out.append(arg)
            continue
        if arg in _OPERATORS:
            mysql = False
            out.append(arg)
            continue
        if mysql and arg.startswith("-p") and not arg.startswith("--"):
            if len(arg) > 2:
                found.append(("password", arg[2:]))
                out.append("-p" + SECRET_MARKER)
            else:
                out.append(arg)  # -p alone: the client prompts
            continue
        if arg.startswith("-") and len(arg) > 1:
            body = arg[2:] if arg.startswith(("-D", "--")) else arg[1:]
            name, sep, value = body.partition("=")
            word = secret_word(name) if _NAME.fullmatch(name) else ""
            if word and sep:
                if value and not plain_value(word, value):
                    found.append((name, value))
                    out.append(arg[:len(arg) - len(value)] + SECRET_MARKER)
                else:
                    out.append(arg)
                continue
            if word and not sep and not arg.startswith("-D") and len(name) > 1:
                if not (mysql and name == "password"):
                    pending = name
                out.append(arg)
                continue
        elif "=" in arg:
            name, _, value = arg.partition("=")
            word = secret_word(name) if _NAME.fullmatch(name) else ""
            if word:
                if value and not plain_value(word, value):
                    found.append((name, value))
                    out.append(f"{name}={SECRET_MARKER}")
                else:
                    out.append(arg)
                continue
        out.append(_inline(arg, found))
    return out, found


def _words(line: str) -> list[tuple[int, int, str]]:
    """Shell words of ``line`` as (start, end, unquoted text); operators are words of their own."""
    words = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t\n":
            i += 1
            continue
        if c in ";&|()<>":
            j = i + 1
            while j < n and line[j] in ";&|<>" and j - i < 2:
                j += 1
            words.append((i, j, line[i:j]))
            i = j
            continue
        start, buf = i, []
        while i < n and line[i] not in " \t\n;&|()<>":
            c = line[i]
            if c == "'":
                j = line.find("'", i + 1)
                if j < 0:
                    j = n
                buf.append(line[i + 1:j])
                i = j + 1
            elif c == '"':
                j = i + 1
                part = []
                while j < n and line[j] != '"':
                    if line[j] == "\\" and j + 1 < n and line[j + 1] in '"\\$`':
                        j += 1
                    part.append(line[j])
                    j += 1
                buf.append("".join(part))
                i = j + 1
            elif c == "\\" and i + 1 < n:
                buf.append(line[i + 1])
                i += 2
            else:
                buf.append(c)
                i += 1
        words.append((start, min(i, n), "".join(buf)))
    return words


def _quote(word: str) -> str:
    """Shell quoting of a masked word, piece by piece: ``DB_PASSWORD='<redacted:secret>'`` stays an
    assignment and ``-p'<redacted:secret>'`` one word; the marker itself is single-quoted."""
    parts = word.split(SECRET_MARKER)
    out = []
    for i, part in enumerate(parts):
        if part:
            out.append(shlex.quote(part))
        if i < len(parts) - 1:
            out.append(shlex.quote(SECRET_MARKER))
    return "".join(out) or "''"


def mask_command_line(line: str, found: list | None = None, _depth: int = 0) -> str:
    """Shell text with the secrets of its words masked (see the module's table)."""
    found = [] if found is None else found
    if not line or len(line) > MAX_LINE:
        return mask_inline(line or "")
    words = _words(line)
    argv = [w for _, _, w in words]
    masked, pairs = mask_argv(argv)
    found += pairs
    out, last = [], 0
    for (a, b, orig), new in zip(words, masked):
        if new == orig and _depth < 2 and (" " in orig or "\t" in orig):
            inner = mask_command_line(orig, found, _depth + 1)
            if inner != orig:
                new = inner
        if new != orig:
            out += [line[last:a], _quote(new)]
            last = b
    out.append(line[last:])
    return "".join(out)


def marker_names(argv: list[str]) -> list[list[str]]:
    """For each argument of a masked argv, the names of the secrets masked in it, in order (one per
    SECRET_MARKER): what ``mask_argv`` called them (``--db.password=M`` -> db.password, ``-pM``
    after a mysql client -> password, ``--token M`` -> token, ``x://u:M@h`` -> url_password)."""
    out: list[list[str]] = []
    for i, arg in enumerate(argv):
        names: list[str] = []
        pos = arg.find(SECRET_MARKER)
        while pos >= 0:
            if arg == SECRET_MARKER:
                prev = argv[i - 1] if i else ""
                names.append(prev.lstrip("-").partition("=")[0] if prev.startswith("-") else "secret")
            elif pos == 2 and arg.startswith("-p"):
                names.append("password")
            else:
                head = arg[:pos]
                if head.startswith("-D"):
                    head = head[2:]
                names.append(_span_name(head.lstrip("-") + arg[pos:], len(head.lstrip("-"))))
            pos = arg.find(SECRET_MARKER, pos + len(SECRET_MARKER))
        out.append(names)
    return out
