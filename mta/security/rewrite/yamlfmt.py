"""YAML: scalar values with their mapping keys, from the node graph (all documents).

Anchored nodes are visited once (an alias is the same node), so an alias
bomb costs nothing. Quoted scalars give their inside; a block scalar
(``|``/``>``) gives its whole span (indicator and lines), which a bare
placeholder can replace."""

from __future__ import annotations

import yaml

from . import Literal, ParseError

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader


def literals(text: str) -> list[Literal]:
    try:
        docs = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise ParseError(f"not YAML: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    out: list[Literal] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(d, "") for d in reversed(docs) if d is not None]
    while stack:
        node, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for k, v in reversed(node.value):
                name = k.value if isinstance(k, yaml.ScalarNode) else key
                stack.append((v, str(name)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, key) for v in reversed(node.value))
        elif isinstance(node, yaml.ScalarNode):
            lit = _scalar(text, node, key)
            if lit is not None:
                out.append(lit)
    out.sort(key=lambda lit: lit.start)
    return out


def _scalar(text: str, node: yaml.ScalarNode, key: str):
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("'", '"'):
        start, end = start + 1, end - 1
        if text[start - 1:start] != node.style or text[end:end + 1] != node.style:
            raise ParseError("scalar marks do not line up with the text")
        return Literal(key=key, start=start, end=end, value=node.value, raw=text[start:end])
    if node.style in ("|", ">"):
        while end > start and text[end - 1] in " \t\r\n":
            end -= 1
        return Literal(key=key, start=start, end=end, value=node.value, raw=text[start:end], block=True)
    if start == end:  # an empty plain scalar (key:)
        return None
    return Literal(key=key, start=start, end=end, value=node.value, raw=text[start:end])
