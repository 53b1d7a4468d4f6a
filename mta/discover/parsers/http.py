"""Section ``http``: one GET / per listening TCP port, made from the host itself;
when ``/`` redirects to a page of the same server, that page (``path``).

Besides status and title, a check keeps a short fingerprint of the page: the
first distinctive lines of its visible text. ``mta verify`` asks the migrated
app for the same lines, so an app that answers 200 with an empty database is
told apart from one that serves the VM's content.
"""

from __future__ import annotations

import html
import re

from ...model import SECRET_MARKER, HttpCheck, HttpSkipped
from ..secrets import mask_inline
from . import Blocks

_STATUS = re.compile(r"^\s*HTTP/\d(?:\.\d)?\s+(\d{3})", re.M)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_CTYPE = re.compile(r"^\s*Content-Type:\s*([^\r\n;]+)", re.I | re.M)
_HEAD_END = re.compile(r"\r?\n\r?\n")

#: lines kept in a fingerprint, and their length
FINGERPRINT_LINES = 8
LINE_CHARS = 80

# Parts of a page that are never visible text.
_INVISIBLE = re.compile(
    r"<!--.*?-->|<(script|style|head|noscript|template|svg)\b[^>]*>.*?</\1\s*>|<!\[CDATA\[.*?\]\]>|<!DOCTYPE[^>]*>",
    re.I | re.S)
# A script or style (never closed implicitly) still open where a capture ends (discovery
# keeps HTTP_MAX_BYTES of a reply): what follows was never visible text.
_UNCLOSED = re.compile(r"<(?:script|style)\b", re.I)
# Tags that start a new line of text in a browser; every other tag is a space.
_BLOCK = re.compile(
    r"</?(?:p|div|br|hr|h[1-6]|li|ul|ol|dl|dt|dd|tr|td|th|table|thead|tbody|section|article|header|footer|nav|"
    r"main|aside|form|fieldset|legend|label|button|option|select|textarea|pre|blockquote|figure|figcaption|"
    r"address|title|body|html)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_HAS_WORD = re.compile(r"[^\W\d_]{2,}")
# Text that changes from one request to the next: dates, times, ids, tokens.
_DYNAMIC = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b\d{1,2}:\d{2}(?::\d{2})?\b"
    r"|\b(?=[A-Za-z0-9_+/=-]{16,}\b)(?=[^\s]*\d)(?=[^\s]*[A-Za-z])[A-Za-z0-9_+/=-]{16,}\b"
    r"|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,? \d{1,2}\b"
    r"|\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4}\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2},? \d{4}\b"
    r"|\b(?:nonce|csrf|token|session|request[- ]id)\b", re.I)


def visible_lines(page: str) -> list[str]:
    """The page's visible text, one line per block element, whitespace collapsed,
    each cut to ``LINE_CHARS`` (the same cut discovery applies)."""
    page = _INVISIBLE.sub(" ", page)
    cut = _UNCLOSED.search(page)
    text = " ".join((page[:cut.start()] if cut else page).split())  # a newline in the source is a space on screen
    text = _BLOCK.sub("\n", text)
    text = html.unescape(_TAG.sub(" ", text))
    out = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            out.append(line[:LINE_CHARS])
    return out


def fingerprint(page: str) -> list[str]:
    """The first distinctive visible lines of ``page``: no dynamic text (dates,
    times, tokens, bare numbers), no repeats, nothing that held a secret."""
    out: list[str] = []
    for line in visible_lines(page):
        if len(line) < 3 or not _HAS_WORD.search(line) or _DYNAMIC.search(line):
            continue
        if SECRET_MARKER in line or mask_inline(line) != line:
            continue  # a credential shown on a page is never recorded, nor compared
        if line not in out:
            out.append(line)
        if len(out) >= FINGERPRINT_LINES:
            break
    return out


def _body(text: str) -> str:
    """What follows the headers of the last response in a curl -i / wget -S capture."""
    last = None
    for last in _STATUS.finditer(text):
        pass
    if last is None:
        return ""
    end = _HEAD_END.search(text, last.end())
    return text[end.end():] if end else ""


def parse(blocks: Blocks) -> list[HttpCheck]:
    checks = []
    for key, text in blocks.items():
        parts = key.split()
        if len(parts) < 3 or parts[0] != "http" or not parts[1].isdigit():
            continue
        check = HttpCheck(port=int(parts[1]), scheme="https" if parts[2] == "https" else "http")
        if len(parts) > 4 and parts[4].startswith("/"):  # "/" redirected there, on the same server
            check.path = parts[4]
        statuses = [int(s) for s in _STATUS.findall(text)]
        # skip interim 1xx answers
        final = [s for s in statuses if s >= 200] or statuses
        if final:
            check.status = final[0]
            m = _CTYPE.search(text)
            check.content_type = m.group(1).strip() if m else ""
            m = _TITLE.search(text)
            if m:
                check.title = " ".join(html.unescape(m.group(1)).split())[:200]
            if "html" in check.content_type.lower() or "<html" in text[:4096].lower():
                check.fingerprint = fingerprint(_body(text))
        else:
            check.error = "no response" if not text.strip() else "not HTTP"
        checks.append(check)
    return sorted(checks, key=lambda c: c.port)


def parse_skipped(blocks: Blocks) -> list[HttpSkipped]:
    """Block ``http-skipped``: ``max_ports=N`` then one ``PORT REASON`` a line."""
    out: dict[int, HttpSkipped] = {}
    reasons = set(HttpSkipped.model_fields["reason"].annotation.__args__)
    for line in blocks.get("http-skipped", "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1] in reasons:
            out.setdefault(int(parts[0]), HttpSkipped(port=int(parts[0]), reason=parts[1]))
    return sorted(out.values(), key=lambda s: s.port)
