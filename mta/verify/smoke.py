"""Judging a smoke reply against what plan.yaml expects."""

from __future__ import annotations

import html
import re
from typing import Optional, Sequence

from ..discover.parsers.http import visible_lines
from .result import SmokeResult

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.I | re.S)

#: share of the discovery fingerprint lines the migrated page must show
TEXT_QUORUM = 0.6


def page_title(body: bytes) -> str:
    """The HTML <title>, unescaped and with whitespace collapsed ("" if none)."""
    m = _TITLE.search(body[: 256 * 1024])
    if not m:
        return ""
    text = m.group(1).decode("utf-8", "replace")
    return " ".join(html.unescape(text).split())


def text_needed(expected: Sequence[str]) -> int:
    """How many of ``expected`` lines must come back: 60%, rounded up."""
    n = len(expected)
    return -(-n * int(TEXT_QUORUM * 10) // 10) if n else 0


def missing_text(body: bytes, expected: Sequence[str]) -> list[str]:
    """The expected fingerprint lines that the page's visible text lacks."""
    seen = set(visible_lines(body[: 1 << 20].decode("utf-8", "replace")))
    return [line for line in expected if line not in seen]


def judge(path: str, status: Optional[int], body: bytes, expect_status: Optional[int], expect_title: str,
          expect_text: Sequence[str] = ()) -> SmokeResult:
    """ok when the status (default: below 400), the title (when expected) and
    enough of the page text seen on the VM (when recorded) match."""
    res = SmokeResult(url_path=path, expect_status=expect_status, expect_title=expect_title,
                      expect_text=list(expect_text))
    if status is None:
        res.status, res.detail = "fail", "no HTTP answer"
        return res
    res.http_status = status
    res.title = page_title(body)
    problems = []
    if expect_status is not None and status != expect_status:
        problems.append(f"status {status}, expected {expect_status}")
    elif expect_status is None and status >= 400:
        problems.append(f"status {status}")
    if expect_title and res.title != " ".join(expect_title.split()):
        problems.append(f"title {res.title!r}, expected {expect_title!r}")
    if expect_text:
        res.text_missing = missing_text(body, expect_text)
        res.text_matched = len(expect_text) - len(res.text_missing)
        if res.text_matched < text_needed(expect_text):
            shown = ", ".join(repr(t) for t in res.text_missing[:4]) + (" …" if len(res.text_missing) > 4 else "")
            problems.append(f"content: {res.text_matched} of {len(expect_text)} lines seen on the VM "
                            f"(needs {text_needed(expect_text)}); missing {shown}")
    res.status = "fail" if problems else "ok"
    res.detail = "; ".join(problems)
    return res
