"""Shell command lines shared by every transport for file reads and tar streams.

Every path is quoted with shlex.quote; the commands only read.
"""

from __future__ import annotations

import secrets
import shlex
from typing import Optional, Sequence

def read_files_command(paths: Sequence[str], max_bytes: int) -> str:
    """One sh command printing each readable file between marker lines.

    Output: ``RS NONCE\n`` once, then per path ``RS NONCE <i> ok\n<bytes>\nRS NONCE end\n``
    or ``RS NONCE <i> missing\n`` (RS = \\036). The nonce is random per call,
    so no file content can fake a frame, and each file costs one ``head``.
    """
    nonce = secrets.token_hex(12)
    parts = [f"printf '\\036%s\\n' {nonce}"]
    for i, p in enumerate(paths):
        q = shlex.quote(p)
        parts.append(
            f"if [ -f {q} ] && [ -r {q} ]; then "
            f"printf '\\036%s %d ok\\n' {nonce} {i}; head -c {int(max_bytes)} {q}; "
            f"printf '\\n\\036%s end\\n' {nonce}; "
            f"else printf '\\036%s %d missing\\n' {nonce} {i}; fi"
        )
    return "\n".join(parts) + "\n"


def parse_read_files(out: bytes, paths: Sequence[str]) -> dict[str, Optional[bytes]]:
    """Contents by path from ``read_files_command`` output; None when unreadable."""
    result: dict[str, Optional[bytes]] = {p: None for p in paths}
    if not out.startswith(b"\x1e"):
        return result
    nl = out.find(b"\n")
    nonce = out[1:nl]
    if nl < 0 or not nonce:
        return result
    head = b"\x1e" + nonce + b" "
    tail = b"\n\x1e" + nonce + b" end\n"
    pos = nl + 1
    while True:
        start = out.find(head, pos)
        if start < 0:
            break
        eol = out.find(b"\n", start)
        if eol < 0:
            break
        fields = out[start + len(head):eol].split()
        pos = eol + 1
        if len(fields) != 2 or not fields[0].isdigit():
            continue
        idx, status = int(fields[0]), fields[1]
        if status != b"ok":
            continue
        end = out.find(tail, pos)
        if end < 0:  # cut off: keep what arrived
            end = len(out)
        if 0 <= idx < len(paths):
            result[paths[idx]] = out[pos:end]
        pos = end + len(tail)
    return result


def tar_command(paths: Sequence[str], exclude: Sequence[str] = ()) -> str:
    """GNU/busybox tar to stdout; absolute names kept relative to /.

    An included path that is a symlink (``/srv/app/current`` -> ``releases/42``)
    brings the tree it points to along, so a deploy symlink is not copied empty.
    """
    excl = "".join(f" --exclude={shlex.quote(e)}" for e in exclude)
    rel = " ".join(shlex.quote(p.lstrip("/") or ".") for p in paths)
    return (
        f"set -- {rel}; "
        'for p in "$@"; do if [ -L "/$p" ]; then t=$(readlink -f "/$p") && [ -n "$t" ] && '
        'set -- "$@" "${t#/}"; fi; done; '
        f'exec tar -C / -cf -{excl} "$@"'
    )
