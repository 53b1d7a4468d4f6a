"""Shell command lines shared by every transport for file reads and tar streams.

Every path is quoted with shlex.quote; the commands only read.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
from typing import Optional, Sequence

#: files one glob pattern may bring at most (``/etc/nginx/sites-enabled/*`` on a big web host)
MAX_GLOB_MATCHES = 64
#: and all patterns of one call together
MAX_GLOB_TOTAL = 256

_ARCHIVE_ENTRY = re.compile(r"^(/.+?\.(?:jar|war|ear|zip))!/([^*?\[\]]+)$")
_BRACKET = re.compile(r"\[!?[A-Za-z0-9_.-]+\]")


def quote_glob(pattern: str) -> str:
    """``pattern`` for sh with its literal parts quoted and ``*``, ``?`` and
    simple ``[...]`` classes left active, so only the glob can expand."""
    out: list[str] = []
    lit = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        m = _BRACKET.match(pattern, i) if c == "[" else None
        if c in "*?" or m:
            if lit:
                out.append(shlex.quote(lit))
                lit = ""
            tok = m.group(0) if m else c
            out.append(tok)
            i += len(tok)
        else:
            lit += c
            i += 1
    if lit:
        out.append(shlex.quote(lit))
    return "".join(out)


def archive_entry(path: str) -> Optional[tuple[str, str]]:
    """(archive, entry) of ``/x/app.jar!/META-INF/MANIFEST.MF``; None for a plain path."""
    m = _ARCHIVE_ENTRY.match(path)
    return (m.group(1), m.group(2)) if m else None


def read_files_command(paths: Sequence[str], max_bytes: int, patterns: Sequence[str] = (),
                       max_matches: int = MAX_GLOB_MATCHES) -> str:
    """One sh command printing each readable file between marker lines.

    Output: ``RS NONCE\n`` once, then per path ``RS NONCE <i> ok\n<bytes>\nRS NONCE end\n``
    or ``RS NONCE <i> missing\n`` (RS = \\036). The nonce is random per call,
    so no file content can fake a frame, and each file costs one ``head``.

    Each glob in ``patterns`` is expanded by the host's shell (at most
    ``max_matches`` regular, readable files each and MAX_GLOB_TOTAL in all, none
    already printed);
    a match is framed ``RS NONCE <j> glob\n<path>\0<bytes>\nRS NONCE end\n``.
    ``X.jar!/ENTRY`` paths are read with ``unzip -p`` when the host has unzip.
    """
    nonce = secrets.token_hex(12)
    n = int(max_bytes)
    parts = [f"printf '\\036%s\\n' {nonce}"]
    ok = f"printf '\\036%s %d ok\\n' {nonce}"
    end = f"printf '\\n\\036%s end\\n' {nonce}"
    miss = f"printf '\\036%s %d missing\\n' {nonce}"
    for i, p in enumerate(paths):
        q = shlex.quote(p)
        entry = archive_entry(p)
        if entry is not None:
            jar, name = (shlex.quote(x) for x in entry)
            # unzip takes the entry name as a wildcard; it holds none (see _ARCHIVE_ENTRY).
            # The listing, not the exit status, says whether it exists (busybox unzip exits 0).
            parts.append(
                f"if [ -f {jar} ] && [ -r {jar} ] && command -v unzip >/dev/null 2>&1 "
                f"&& unzip -l {jar} {name} 2>/dev/null | grep -q -F -e {name}; then "
                f"{ok} {i}; unzip -p {jar} {name} 2>/dev/null | head -c {n}; {end}; "
                f"else {miss} {i}; fi"
            )
            continue
        parts.append(
            f"if [ -f {q} ] && [ -r {q} ]; then {ok} {i}; head -c {n} {q}; {end}; "
            f"else {miss} {i}; fi"
        )
    if patterns:
        # paths already printed (or asked for exactly) are not printed twice
        seen = "".join(f"{shlex.quote(p)}|" for p in paths if archive_entry(p) is None)
        parts.append(f"_mta_seen='\n'; _mta_t={int(MAX_GLOB_TOTAL)}")
        for j, pat in enumerate(patterns):
            skip = f"case $_f in {seen}'') continue ;; esac; " if seen else ""
            parts.append(
                f"_mta_n=0; for _f in {quote_glob(pat)}; do "
                f"[ -f \"$_f\" ] && [ -r \"$_f\" ] || continue; {skip}"
                f"case $_mta_seen in *\"\n$_f\n\"*) continue ;; esac; "
                f"_mta_n=$((_mta_n + 1)); [ \"$_mta_n\" -le {int(max_matches)} ] && [ \"$_mta_t\" -gt 0 ] || break; "
                f"_mta_t=$((_mta_t - 1)); "
                f"_mta_seen=\"$_mta_seen$_f\n\"; "
                f"printf '\\036%s %d glob\\n%s\\0' {nonce} {j} \"$_f\"; head -c {n} \"$_f\"; {end}; done"
            )
    return "\n".join(parts) + "\n"


def parse_read_files(out: bytes, paths: Sequence[str]) -> dict[str, Optional[bytes]]:
    """Contents by path from ``read_files_command`` output; None when unreadable.

    Files a glob pattern brought follow the asked-for paths, under their own path."""
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
        if status == b"glob":
            zero = out.find(b"\0", pos)
            if zero < 0:
                break
            name = out[pos:zero].decode("utf-8", "replace")
            pos = zero + 1
        elif status == b"ok" and 0 <= idx < len(paths):
            name = paths[idx]
        else:
            continue
        end = out.find(tail, pos)
        if end < 0:  # cut off: keep what arrived
            end = len(out)
        if result.get(name) is None:
            result[name] = out[pos:end]
        pos = end + len(tail)
    return result


#: prints "gzip" when the host has it, then 1 MiB of zeros: ``link_rate`` times it
LINK_CHECK = "command -v gzip >/dev/null 2>&1 && echo gzip; echo; head -c 1048576 /dev/zero"


_FOLLOW_ROOTS = (
    'for p in "$@"; do if [ -L "/$p" ]; then t=$(readlink -f "/$p") && [ -n "$t" ] && '
    'set -- "$@" "${t#/}"; fi; done; '
)


def tar_command(paths: Sequence[str], exclude: Sequence[str] = (), compress: bool = False,
                members: bool = False) -> str:
    """GNU/busybox tar to stdout; absolute names kept relative to /; ``compress``
    pipes it through ``gzip -1`` (for a slow link).

    An included path that is a symlink (``/srv/app/current`` -> ``releases/42``)
    brings the tree it points to along, so a deploy symlink is not copied empty.

    ``members``: tar only the names (relative to /, each ended by NUL) read on
    stdin, each on its own (no recursion): what a resumed extract still lacks
    (GNU tar; the excludes still apply).
    """
    excl = "".join(f" --exclude={shlex.quote(e)}" for e in exclude)
    if members:
        line = f"tar -C / -cf -{excl} --no-recursion --null -T -"
        return f"{line} | gzip -1 -c" if compress else f"exec {line}"
    rel = " ".join(shlex.quote(p.lstrip("/") or ".") for p in paths)
    return (
        f"set -- {rel}; " + _FOLLOW_ROOTS
        + (f'tar -C / -cf -{excl} "$@" | gzip -1 -c' if compress else f'exec tar -C / -cf -{excl} "$@"')
    )


def member_list(names: Sequence[str]) -> bytes:
    """``names`` for ``tar_command(members=True)``'s stdin (NUL-ended, as tarfile decoded them)."""
    return b"".join(os.fsencode(n) + b"\0" for n in names)


#: the first bytes of a listing from a find that has -printf (GNU); busybox's has not
LIST_MARK = b"mta-list\0"


def list_command(paths: Sequence[str]) -> str:
    """Every entry under ``paths`` (as ``tar_command`` walks them, a symlinked
    root's tree included), one ``TYPE SIZE MTIME MODE NAME\\0`` record each,
    names relative to /; after LIST_MARK, and only when find has -printf."""
    rel = " ".join(shlex.quote(p.lstrip("/") or ".") for p in paths)
    return (
        f"set -- {rel}; " + _FOLLOW_ROOTS
        + "cd / && [ \"$(find / -maxdepth 0 -printf ok 2>/dev/null)\" = ok ] && printf 'mta-list\\0' && "
        "exec find \"$@\" -printf '%y %s %T@ %m %p\\0'"
    )


def parse_listing(out: bytes) -> Optional[dict[str, tuple[str, int, int, int]]]:
    """{name: (type f/d/l/p/c/b/s, size, mtime in whole seconds, mode)} from
    ``list_command``'s output; None when the host could not list (no GNU find).
    Names are decoded as tarfile decodes member names (surrogateescape)."""
    if not out.startswith(LIST_MARK):
        return None
    entries: dict[str, tuple[str, int, int, int]] = {}
    for rec in out[len(LIST_MARK):].split(b"\0"):
        fields = rec.split(b" ", 4)
        if len(fields) != 5:
            continue
        kind, size, mtime, mode, name = fields
        try:
            entry = (kind.decode("ascii"), int(size), int(float(mtime)), int(mode, 8))
        except ValueError:
            continue
        entries[os.fsdecode(name).rstrip("/")] = entry
    return entries
