"""Discovered text made safe for the line formats every layer writes: one
line for comments, Markdown text and code spans (runbooks, report.md); counts
of things in words."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


def one_line(value: object) -> str:
    """Text safe inside a comment line (#…): control characters become spaces."""
    return _CONTROL.sub(" ", str(value)).strip()


def md(value: object) -> str:
    """Markdown text: one line, markup characters escaped."""
    text = one_line(value)
    return re.sub(r"([\\`*_{}\[\]<>|#!])", r"\\\1", text)


def code(value: object) -> str:
    """A Markdown code span that no backtick inside can close early."""
    text = one_line(value)
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def count(n: int, word: str, plural: str = "") -> str:
    """``1 host``, ``2 hosts`` (``plural`` when it is not ``word + "s"``)."""
    return f"{n} {word if n == 1 else (plural or word + 's')}"
