"""Shell command lines shared by every transport for file reads and tar streams.

Every path is quoted with shlex.quote; the commands only read.
"""

from __future__ import annotations

import shlex
from typing import Optional, Sequence

# A marker line that cannot appear by accident in a file we frame.
_MARK = "\x1emta-file\x1e"


def read_files_command(paths: Sequence[str], max_bytes: int) -> str:
    """One sh command printing each readable file framed by marker lines.

    Frame: MARK <index> <ok|missing> <size>\n<bytes>\n
    """
    parts = []
    for i, p in enumerate(paths):
        q = shlex.quote(p)
        parts.append(
            f'if [ -f {q} ] && [ -r {q} ]; then '
            f'printf "\\036mta-file\\036 {i} ok %s\\n" "$(head -c {int(max_bytes)} {q} | wc -c | tr -d " ")"; '
            f"head -c {int(max_bytes)} {q}; echo; "
            f'else printf "\\036mta-file\\036 {i} missing 0\\n"; fi'
        )
    return "; ".join(parts)


def parse_read_files(out: bytes, paths: Sequence[str]) -> dict[str, Optional[bytes]]:
    result: dict[str, Optional[bytes]] = {p: None for p in paths}
    mark = _MARK.encode()
    pos = 0
    while True:
        start = out.find(mark, pos)
        if start < 0:
            break
        nl = out.find(b"\n", start)
        if nl < 0:
            break
        header = out[start + len(mark):nl].split()
        pos = nl + 1
        if len(header) != 3:
            continue
        idx, status, size = int(header[0]), header[1], int(header[2])
        if status == b"ok" and 0 <= idx < len(paths):
            result[paths[idx]] = out[pos:pos + size]
            pos += size + 1
    return result


def tar_command(paths: Sequence[str], exclude: Sequence[str] = ()) -> str:
    """GNU/busybox tar to stdout; absolute names kept relative to /."""
    excl = " ".join(f"--exclude={shlex.quote(e)}" for e in exclude)
    rel = " ".join(shlex.quote(p.lstrip("/") or ".") for p in paths)
    return f"tar -C / -cf - {excl} {rel}".replace("  ", " ")
