"""JSON: every string value with the key it stands under, by a one-pass scanner.

``json.loads`` checks the file first (so the scanner only walks valid JSON);
the scanner then records where each string value's characters are."""

from __future__ import annotations

import json

from .literal import Literal, ParseError

_WS = " \t\r\n"


def _string_end(text: str, i: int) -> int:
    """Index of the closing quote of the string whose opening quote is at ``i``."""
    j = i + 1
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == '"':
            return j
        j += 1
    raise ParseError("unterminated string")


def literals(text: str) -> list[Literal]:
    try:
        json.loads(text)
    except ValueError as exc:
        raise ParseError(f"not JSON: {exc}") from None
    out: list[Literal] = []
    # stack of (kind, key): kind "o" object, "a" array; key is what a value here stands under
    stack: list[list] = []
    expect_key = False
    key = ""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _WS or c in ",:":
            if c == "," and stack and stack[-1][0] == "o":
                expect_key = True
            i += 1
            continue
        if c == "{":
            stack.append(["o", key])
            expect_key = True
            i += 1
            continue
        if c == "[":
            stack.append(["a", key])
            i += 1
            continue
        if c in "}]":
            stack.pop()
            key = stack[-1][1] if stack else ""
            expect_key = False
            i += 1
            continue
        if c == '"':
            end = _string_end(text, i)
            raw = text[i + 1:end]
            if expect_key:
                key = json.loads(text[i:end + 1])
                expect_key = False
            else:
                under = key if stack and stack[-1][0] == "o" else (stack[-1][1] if stack else "")
                out.append(Literal(key=under, start=i + 1, end=end, value=json.loads(text[i:end + 1]), raw=raw))
            i = end + 1
            continue
        # numbers, true, false, null: not strings, not secrets
        j = i
        while j < n and text[j] not in _WS and text[j] not in ",]}":
            j += 1
        i = j
    return out
