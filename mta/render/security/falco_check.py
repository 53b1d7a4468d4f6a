"""Offline checks of a Falco rules file: structure, priorities, field names,
and condition syntax.

No Falco filter compiler runs here, so conditions are parsed with a small
recursive-descent grammar of the Falco condition language:

    expr    := and_expr ("or" and_expr)*
    and_expr:= not_expr ("and" not_expr)*
    not_expr:= "not" not_expr | primary
    primary := "(" expr ")" | field UNARY_OP | field BINARY_OP value | macro
    value   := "(" item ("," item)* ")" | item      (lists only after in/intersects/pmatch)

Field names are checked against ``falco_fields.FIELDS``; macros and lists
must be defined in the file (or be named in ``known``).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from .falco_fields import (BINARY_OPS, FIELDS, INDEXED, LIST_KEYS, MACRO_KEYS, PRIORITIES, RULE_KEYS,
                           UNARY_OPS)

_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>==|!=|<=|>=|=|<|>)
                        |(?P<punct>[(),])|(?P<word>[^\s(),=<>!"']+))""", re.X)
_FIELD = re.compile(r"^(?P<name>[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)(?:\[(?P<arg>[^\]]+)\])?$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LIST_OPS = {"in", "intersects", "pmatch"}
_WORD_OPS = {op for op in BINARY_OPS + UNARY_OPS if op.isalpha()}


class ConditionError(ValueError):
    pass


def tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ConditionError(f"cannot read {text[pos:pos + 20]!r}")
        tokens.append(m.group(m.lastgroup))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str], macros: set[str], lists: set[str]):
        self.t, self.i, self.macros, self.lists = tokens, 0, macros, lists
        self.fields: list[str] = []

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, expect: str | None = None, what: str = "more") -> str:
        tok = self.peek()
        if tok is None:
            raise ConditionError(f"unexpected end, expected {expect or what}")
        if expect is not None and tok != expect:
            raise ConditionError(f"expected {expect!r}, got {tok!r}")
        self.i += 1
        return tok

    def expr(self) -> None:
        self.and_expr()
        while self.peek() == "or":
            self.take()
            self.and_expr()

    def and_expr(self) -> None:
        self.not_expr()
        while self.peek() == "and":
            self.take()
            self.not_expr()

    def not_expr(self) -> None:
        if self.peek() == "not":
            self.take()
            self.not_expr()
        else:
            self.primary()

    def primary(self) -> None:
        tok = self.take(what="a condition")
        if tok == "(":
            self.expr()
            self.take(")")
            return
        fm = _FIELD.match(tok)
        nxt = self.peek()
        if fm and (nxt in BINARY_OPS or nxt in UNARY_OPS):
            self.field(fm)
            op = self.take()
            if op in UNARY_OPS:
                return
            self.value(op)
            return
        if _IDENT.match(tok) and tok not in {"and", "or", "not"} | _WORD_OPS:
            if tok not in self.macros:
                raise ConditionError(f"unknown macro {tok!r}")
            return
        raise ConditionError(f"expected a field comparison or a macro, got {tok!r}")

    def field(self, m: re.Match) -> None:
        name, arg = m.group("name"), m.group("arg")
        if name not in FIELDS:
            raise ConditionError(f"unknown field {name!r}")
        if arg is not None and name not in INDEXED:
            raise ConditionError(f"field {name!r} takes no [argument]")
        self.fields.append(name)

    def item(self) -> None:
        tok = self.take(what="a value")
        # evt.dir = < is the one place a bare < or > is a value
        if tok in ("(", ")", ",") or (tok in BINARY_OPS and tok not in ("<", ">")):
            raise ConditionError(f"expected a value, got {tok!r}")

    def value(self, op: str) -> None:
        if self.peek() != "(":
            if op in _LIST_OPS:
                raise ConditionError(f"{op} needs a parenthesised list")
            self.item()
            return
        if op not in _LIST_OPS:
            raise ConditionError(f"{op} takes one value, not a list")
        self.take("(")
        if self.peek() == ")":
            self.take()
            return
        self.item()
        while self.peek() == ",":
            self.take()
            self.item()
        self.take(")")


def check_condition(text: str, macros: Iterable[str] = (), lists: Iterable[str] = ()) -> list[str]:
    """Parse a condition; returns the fields it uses, raises ConditionError."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("empty condition")
    p = _Parser(tokenize(text), set(macros), set(lists))
    p.expr()
    if p.peek() is not None:
        raise ConditionError(f"unexpected {p.peek()!r} after a complete condition")
    return p.fields


_OUTPUT_FIELD = re.compile(r"%([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)(\[[^\]]+\])?")


def check_rules(items: Any, known_macros: Iterable[str] = (), known_lists: Iterable[str] = ()) -> list[str]:
    """Every problem in a parsed Falco rules file (a YAML list); [] when valid."""
    errors: list[str] = []
    if not isinstance(items, list):
        return ["a Falco rules file is a YAML list of list/macro/rule items"]
    macros, lists = set(known_macros), set(known_lists)
    for n, item in enumerate(items):
        where = f"item {n}"
        if not isinstance(item, dict):
            errors.append(f"{where}: not a mapping")
            continue
        kinds = [k for k in ("rule", "macro", "list", "required_engine_version", "required_plugin_versions")
                 if k in item]
        if len(kinds) != 1:
            errors.append(f"{where}: needs exactly one of rule/macro/list/required_engine_version, got {kinds}")
            continue
        kind = kinds[0]
        if kind.startswith("required"):
            if len(item) != 1:
                errors.append(f"{where}: {kind} stands alone")
            continue
        allowed = {"rule": RULE_KEYS, "macro": MACRO_KEYS, "list": LIST_KEYS}[kind]
        extra = set(item) - allowed
        if extra:
            errors.append(f"{where} ({kind} {item[kind]!r}): unknown keys {sorted(extra)}")
        name = item[kind]
        if not isinstance(name, str) or not name:
            errors.append(f"{where}: {kind} name must be a non-empty string")
            continue
        where = f"{kind} {name!r}"
        if kind == "list":
            if not isinstance(item.get("items"), list) or not all(
                    isinstance(x, (str, int)) and not isinstance(x, bool) for x in item["items"]):
                errors.append(f"{where}: items must be a list of strings or numbers")
            if not _IDENT.match(name):
                errors.append(f"{where}: list names are identifiers")
            lists.add(name)
            continue
        try:
            check_condition(item.get("condition", ""), macros, lists)
        except ConditionError as exc:
            errors.append(f"{where}: condition: {exc}")
        if kind == "macro":
            if not _IDENT.match(name):
                errors.append(f"{where}: macro names are identifiers")
            macros.add(name)
            continue
        for key in ("desc", "output", "priority"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                errors.append(f"{where}: {key} is required")
        prio = str(item.get("priority", "")).lower()
        if prio and prio not in PRIORITIES:
            errors.append(f"{where}: priority {item['priority']!r} is not one of {sorted(PRIORITIES)}")
        for fname, _ in _OUTPUT_FIELD.findall(str(item.get("output", ""))):
            if fname not in FIELDS:
                errors.append(f"{where}: output uses unknown field {fname!r}")
        if "tags" in item and not (isinstance(item["tags"], list) and all(isinstance(t, str) for t in item["tags"])):
            errors.append(f"{where}: tags must be a list of strings")
        if "enabled" in item and not isinstance(item["enabled"], bool):
            errors.append(f"{where}: enabled must be true or false")
    return errors
