"""YAML: scalar values with their mapping keys, from the parser's events (all documents).

An alias is an event of its own, never expanded, so an alias bomb costs
nothing. Quoted scalars give their inside; a block scalar
(``|``/``>``) gives its whole span (indicator and lines), which a bare
placeholder can replace."""

from __future__ import annotations

import yaml

from .literal import Literal, ParseError

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader


def literals(text: str) -> list[Literal]:
    """From the parser's events (no node graph, no tag resolution: linear and light)."""
    out: list[Literal] = []
    # one frame per open collection: [is_mapping, key for values here, expecting a key, a complex key, flow]
    stack: list[list] = []
    try:
        for ev in yaml.parse(text, Loader=_Loader):
            if isinstance(ev, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
                top = stack[-1] if stack else None
                if top is not None and top[0] and top[2]:  # a mapping key
                    top[1] = ev.value if isinstance(ev, yaml.ScalarEvent) else ""
                    top[2] = False
                    if isinstance(ev, yaml.CollectionStartEvent):  # a complex key: its insides judge nothing
                        stack.append([isinstance(ev, yaml.MappingStartEvent), "", True, True, ev.flow_style])
                    continue
                key = top[1] if top is not None else ""
                if isinstance(ev, yaml.ScalarEvent):
                    lit = _scalar(text, ev, key, flow=bool(top is not None and top[4]))
                    if lit is not None:
                        out.append(lit)
                elif isinstance(ev, yaml.CollectionStartEvent):
                    stack.append([isinstance(ev, yaml.MappingStartEvent), key, True, False, ev.flow_style])
                    continue
                if top is not None and top[0]:
                    top[2] = True
            elif isinstance(ev, yaml.CollectionEndEvent):
                done = stack.pop()
                if stack and stack[-1][0] and not done[3]:
                    stack[-1][2] = True
    except yaml.YAMLError as exc:
        raise ParseError(f"not YAML: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    return out


def _scalar(text: str, node: yaml.ScalarEvent, key: str, flow: bool = False):
    start, end = _past_properties(text, node.start_mark.index, node.end_mark.index), node.end_mark.index
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
    raw = text[start:end]
    # inside [ ] or { } a bare ${...} would end the collection: the placeholder goes in quotes
    wrap = "" if not flow else ("'" if "'" not in raw else '"' if '"' not in raw and "\\" not in raw else "?")
    return Literal(key=key, start=start, end=end, value=node.value, raw=raw, wrap=wrap)


def _past_properties(text: str, i: int, end: int) -> int:
    """Skip an anchor (``&a``) and a tag (``!t``) before a scalar: the event's span starts at them."""
    while i < end and text[i] in "&!":
        while i < end and text[i] not in " \t\r\n":
            i += 1
        while i < end and text[i] in " \t\r\n":
            i += 1
    return i
