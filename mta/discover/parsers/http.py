"""Section ``http``: one GET / per listening TCP port, made from the host itself."""

from __future__ import annotations

import html
import re

from ...model import HttpCheck
from . import Blocks

_STATUS = re.compile(r"^\s*HTTP/\d(?:\.\d)?\s+(\d{3})", re.M)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_CTYPE = re.compile(r"^\s*Content-Type:\s*([^\r\n;]+)", re.I | re.M)


def parse(blocks: Blocks) -> list[HttpCheck]:
    checks = []
    for key, text in blocks.items():
        parts = key.split()
        if len(parts) < 3 or parts[0] != "http" or not parts[1].isdigit():
            continue
        check = HttpCheck(port=int(parts[1]), scheme="https" if parts[2] == "https" else "http")
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
        else:
            check.error = "no response" if not text.strip() else "not HTTP"
        checks.append(check)
    return sorted(checks, key=lambda c: c.port)
