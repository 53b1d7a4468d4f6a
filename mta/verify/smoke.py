"""Judging a smoke reply against what plan.yaml expects."""

from __future__ import annotations

import html
import re
from typing import Optional

from .result import SmokeResult

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.I | re.S)


def page_title(body: bytes) -> str:
    """The HTML <title>, unescaped and with whitespace collapsed ("" if none)."""
    m = _TITLE.search(body[: 256 * 1024])
    if not m:
        return ""
    text = m.group(1).decode("utf-8", "replace")
    return " ".join(html.unescape(text).split())


def judge(path: str, status: Optional[int], body: bytes, expect_status: Optional[int], expect_title: str) -> SmokeResult:
    """ok when the status (default: below 400) and the title (when expected) match."""
    res = SmokeResult(url_path=path, expect_status=expect_status, expect_title=expect_title)
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
    res.status = "fail" if problems else "ok"
    res.detail = "; ".join(problems)
    return res
