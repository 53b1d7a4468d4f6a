"""XML descriptors (Tomcat context.xml/server.xml, web.xml, Spring beans): attribute
values and element text, from a one-pass tokenizer; ``ElementTree`` checks the file.

Each attribute value is judged by its name (``password="x"``), or, for
``value``/``content``, by the ``name``/``key``/``property`` attribute beside it
(``<property name="db.password" value="x"/>``). Element text is judged by its
tag (``<password>x</password>``), by a ``key``/``name`` attribute
(``<entry key="password">x</entry>``), or by the text of the ``*-name``
element just before it (``<param-name>password</param-name><param-value>x``)."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from .literal import Literal, ParseError

_TAG = re.compile(r"<(/?)([A-Za-z_:][\w.:\-]*)")
_ATTR = re.compile(r"\s*([A-Za-z_:][\w.:\-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_KEY_ATTRS = ("name", "key", "property", "id", "param-name")
_VALUE_ATTRS = ("value", "content", "default")


def _local(tag: str) -> str:
    return tag.rsplit(":", 1)[-1]


def literals(text: str) -> list[Literal]:
    try:
        ET.fromstring(_for_expat(text))
    except ET.ParseError as exc:
        raise ParseError(f"not XML: {exc}") from None
    out: list[Literal] = []
    i, n = 0, len(text)
    # per open element: [tag, key from attributes, had child elements]
    stack: list[list] = []
    last_name_text = ""  # text of the last closed *-name / name / key element (for the next sibling's text)
    text_start = 0
    while i < n:
        lt = text.find("<", i)
        if lt == -1:
            break
        if lt > text_start and stack:
            _text(text, text_start, lt, stack, last_name_text, out)
        if text.startswith("<!--", lt):
            end = text.find("-->", lt + 4)
            i = text_start = (end + 3) if end != -1 else n
            continue
        if text.startswith("<![CDATA[", lt):
            end = text.find("]]>", lt + 9)
            if end == -1:
                raise ParseError("unterminated CDATA")
            if stack:
                _text(text, lt + 9, end, stack, last_name_text, out, cdata=True)
            i = text_start = end + 3
            continue
        if text.startswith("<?", lt):
            end = text.find("?>", lt + 2)
            i = text_start = (end + 2) if end != -1 else n
            continue
        if text.startswith("<!", lt):
            end = _decl_end(text, lt)
            i = text_start = end
            continue
        m = _TAG.match(text, lt)
        if m is None:
            raise ParseError(f"stray '<' at offset {lt}")
        closing, tag = m.group(1) == "/", m.group(2)
        j = m.end()
        attrs: list[tuple[str, int, int, str]] = []
        while True:
            a = _ATTR.match(text, j)
            if a is None:
                break
            g = 2 if a.group(2) is not None else 3
            attrs.append((a.group(1), a.start(g), a.end(g), a.group(g)))
            j = a.end()
        k = j
        while k < n and text[k] in " \t\r\n":
            k += 1
        empty = text.startswith("/>", k)
        if not empty and not text.startswith(">", k):
            raise ParseError(f"malformed tag <{tag}> at offset {lt}")
        i = text_start = k + (2 if empty else 1)
        if closing:
            if stack:
                done = stack.pop()
                local = _local(done[0]).lower()
                if local.endswith("name") or local in ("key",):
                    last_name_text = done[3]
                else:
                    last_name_text = ""
            continue
        if stack:
            stack[-1][2] = True
        names = {_local(a[0]).lower(): a[3] for a in attrs}
        key_attr = next((html.unescape(names[k2]) for k2 in _KEY_ATTRS if names.get(k2)), "")
        for name, s, e, raw in attrs:
            key = key_attr if _local(name).lower() in _VALUE_ATTRS and key_attr else _local(name)
            out.append(Literal(key=key, start=s, end=e, value=html.unescape(raw), raw=raw))
        if not empty:
            stack.append([tag, key_attr, False, "", last_name_text])
            last_name_text = ""
    out.sort(key=lambda lit: lit.start)
    return out


def _text(text: str, s: int, e: int, stack: list[list], prev_name: str, out: list[Literal],
          cdata: bool = False) -> None:
    raw = text[s:e]
    value = raw if cdata else html.unescape(raw)
    top = stack[-1]
    if not cdata:
        top[3] = (top[3] + value).strip() if len(top[3]) < 4096 else top[3]
    if not value.strip():
        return
    # trim the surrounding whitespace off the span: the placeholder replaces the value only
    lead = len(raw) - len(raw.lstrip())
    trail = len(raw) - len(raw.rstrip())
    key = top[1] or (top[4] if _local(top[0]).lower().endswith("value") and top[4] else _local(top[0]))
    out.append(Literal(key=key, start=s + lead, end=e - trail, value=value.strip(), raw=raw[lead:len(raw) - trail]))


def _decl_end(text: str, lt: int) -> int:
    """End of ``<!DOCTYPE ...>`` with an internal subset ``[...]``."""
    depth = 0
    i = lt + 2
    n = len(text)
    while i < n:
        c = text[i]
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        elif c == ">" and depth <= 0:
            return i + 1
        elif c in "\"'":
            end = text.find(c, i + 1)
            i = end if end != -1 else n
        i += 1
    raise ParseError("unterminated declaration")


_DECL = re.compile(r"^(\ufeff?<\?xml[^>]*?)\sencoding\s*=\s*[\"'][^\"']*[\"']")


def _for_expat(text: str) -> str:
    """The text without its encoding declaration: it is already decoded."""
    return _DECL.sub(r"\1", text, count=1)
