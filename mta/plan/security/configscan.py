"""Walk an extracted build context: rewrite configuration, withhold what cannot be, leave code alone.

For each regular file, by its VM path (``configfiles.classify``):

- code: not opened; it reaches the image byte for byte.
- configuration: decoded (UTF-8, or UTF-16/32 by BOM or by its NUL pattern),
  its secret literals replaced through the format's parser
  (``mta.plan.security.rewrite``), encoded back the same way. A file that holds a
  credential but does not parse, would not parse after the rewrite, holds a
  private key, is UTF-16/32 (the start-up fill edits UTF-8 only) or is larger
  than ``MAX_PARSE`` is
  *withheld*: removed from the context and listed, so it is mounted from a
  secret at its path instead.
- anything else: streamed in chunks for private keys and key stores (withheld
  when found), otherwise left as is.

Every pass is linear in the file size; nothing is copied unscanned.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from ...discover import secrets as detector
from ...io import write_atomic
from . import rewrite as rw
from .configfiles import CODE, CONFIG, classify

MAX_PARSE = 32 << 20  # larger configuration files are scanned as a stream, never parsed
CHUNK = 1 << 20
WITHHELD = ".mta-withheld-files.json"

_PEM_MARK = "PRIVATE KEY-----"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")
_PEM_NEEDLES = tuple(_PEM_MARK.encode(enc) for enc in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))
_KEYSTORE_MAGIC = (b"\xfe\xed\xfe\xed", b"\xce\xce\xce\xce")  # JKS, JCEKS
# longest first: a UTF-32-LE BOM starts with the UTF-16-LE one
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass
class Withheld:
    path: str  # context-relative (the VM path without its leading /)
    reason: str


@dataclass
class Scan:
    files: list[str] = field(default_factory=list)  # configuration rewritten with placeholders
    values: dict[str, str] = field(default_factory=dict)  # MTA_SECRET_X -> raw value (memory only)
    withheld: list[Withheld] = field(default_factory=list)
    code_files: int = 0
    config_files: int = 0
    other_files: int = 0
    bytes_read: int = 0  # what was decoded or streamed
    bytes_total: int = 0  # every regular file's size


def decode(raw: bytes) -> Optional[tuple[str, str]]:
    """(text, encoding) of a text file, or None for binary content. The
    encoding is a codec name, with ``+bom`` when the file starts with one."""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(enc, errors="surrogateescape" if enc == "utf-8" else "strict"), enc + "+bom"
            except UnicodeDecodeError:
                return None
    if b"\x00" not in raw[:8192]:
        return raw.decode("utf-8", errors="surrogateescape"), "utf-8"
    head = raw[:8192]
    for enc, zeros in (("utf-32-le", head[1::4] + head[2::4] + head[3::4]), ("utf-32-be", head[0::4] + head[1::4] + head[2::4]),
                       ("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
        if len(raw) % (4 if "32" in enc else 2) == 0 and zeros and zeros.count(0) >= 0.9 * len(zeros):
            try:
                return raw.decode(enc), enc
            except UnicodeDecodeError:
                continue
    return None


def encode(text: str, enc: str) -> bytes:
    """``text`` in the encoding ``decode`` found (its BOM put back)."""
    codec, _, bom = enc.partition("+")
    data = text.encode(codec, errors="surrogateescape" if codec == "utf-8" else "strict")
    if bom:
        data = next(b for b, e in _BOMS if e == codec) + data
    return data


def holds_credential(text: str, thorough: bool = True) -> bool:
    """Whether text that no parser took still shows a credential: a private key,
    a ``key = value`` line with a secret key, a URL with a password, or (when
    ``thorough``: a file its parser refused) any word that is a secret name."""
    if _PEM_MARK in text and "-----BEGIN" in text:
        return True
    if rw.INLINE_SECRET.search(text) or ("://" in text and rw.url_password_spans(text)):
        return True
    for lit in rw.literals("keyvalue", text):
        if rw.secret_spans(lit):
            return True
    if thorough:
        # a configuration file its parser refused: any secret name in it is enough (a broken
        # quote may hide the value from every line rule)
        return any(rw.key_is_secret(w) for w in set(_WORD.findall(text)))
    return False


def _stream_has(path: Path, needles: tuple[bytes, ...], scan: Scan, magic: tuple[bytes, ...] = ()) -> bool:
    """Whether any needle occurs in the file, read in chunks (the overlap catches one split in two)."""
    keep = max(len(n) for n in needles) - 1
    tail = b""
    first = True
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                return False
            scan.bytes_read += len(chunk)
            if first and magic and chunk.startswith(magic):
                return True
            first = False
            window = tail + chunk
            if any(n in window for n in needles):
                return True
            tail = window[-keep:]


def _stream_credential(path: Path, scan: Scan) -> bool:
    """``holds_credential`` over a file too large to parse, a chunk of lines at a time."""
    rest = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            scan.bytes_read += len(chunk)
            if not chunk:
                return bool(rest) and holds_credential(rest.decode("utf-8", "replace"), thorough=False)
            data = rest + chunk
            cut = data.rfind(b"\n")
            if cut == -1 and len(data) < 4 * CHUNK:
                rest = data
                continue
            # a line longer than the window is scanned in pieces that overlap
            cut, keep = (len(data), 256) if cut == -1 else (cut + 1, 0)
            if any(n in data for n in _PEM_NEEDLES[1:]) or holds_credential(data[:cut].decode("utf-8", "replace"),
                                                                                thorough=False):
                return True
            rest = data[cut - keep:]


def scan_context(root: Path) -> Scan:
    """Rewrite, withhold and count over every regular file under ``root`` (a context)."""
    scan = Scan()
    taken: dict[str, str] = {}
    top = str(root)
    # plain strings on the walk (a Path per file cost more than the scan of a code tree itself)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, top)
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if rel in (WITHHELD,) or name.startswith(".mta-"):
                continue
            full = os.path.join(dirpath, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            scan.bytes_total += st.st_size
            kind = classify(rel)
            if kind.kind == CODE:
                scan.code_files += 1
                continue
            path = Path(full)
            reason = (_config(path, rel, kind.fmt, st.st_size, scan, taken) if kind.kind == CONFIG
                      else _other(path, rel, scan))
            if reason:
                os.unlink(path)
                scan.withheld.append(Withheld(rel, reason))
    if scan.withheld:
        write_atomic(root / WITHHELD, json.dumps([asdict(w) for w in scan.withheld], indent=1) + "\n")
    return scan


def _other(path: Path, rel: str, scan: Scan) -> str:
    scan.other_files += 1
    looks = getattr(detector, "file_looks_secret", None)
    if looks is not None and looks(rel, ""):  # by its kind (a key store, id_rsa), not a guess from the name
        return "a key or credential file by its kind"
    if _stream_has(path, _PEM_NEEDLES, scan, magic=_KEYSTORE_MAGIC):
        return "holds a private key or a key store"
    return ""


def _config(path: Path, rel: str, fmt: str, size: int, scan: Scan, taken: dict[str, str]) -> str:
    scan.config_files += 1
    if size > MAX_PARSE:
        if _stream_credential(path, scan):
            return f"holds a credential and is larger than {MAX_PARSE >> 20} MiB (too big to rewrite)"
        return ""
    raw = path.read_bytes()
    scan.bytes_read += len(raw)
    decoded = decode(raw)
    if decoded is None:  # binary under a config name: only a key makes it secret
        return "holds a private key or a key store" if any(n in raw for n in _PEM_NEEDLES) else ""
    text, enc = decoded
    try:
        done = rw.rewrite(fmt, text, taken)
    except rw.ParseError as exc:
        if holds_credential(text):
            return f"holds a credential but does not parse as {fmt} ({exc})"
        return ""
    except rw.Unsafe as exc:
        return f"holds a credential that cannot be replaced safely: {exc}"
    if _PEM_MARK in done.text and "-----BEGIN" in done.text:
        return "holds a private key"
    if not done.found:
        return ""
    if not enc.startswith("utf-8"):  # the entrypoint's fill (awk) matches placeholders in UTF-8 text only
        return f"holds a credential in {enc.split('+')[0].upper()} text, which the start-up fill cannot edit"
    try:
        data = encode(done.text, enc)
        if decode(data) is None or decode(data)[0] != done.text:
            raise UnicodeError("does not decode back")
    except UnicodeError:
        return f"holds a credential and cannot be written back as {enc}"
    write_atomic(path, data, mode=path.stat().st_mode & 0o7777)
    scan.files.append(rel)
    scan.values.update(done.found)
    return ""


def withheld_files(context: Path) -> list[Withheld]:
    """The files ``scan_context`` left out of ``context`` (its manifest)."""
    manifest = Path(context) / WITHHELD
    if not manifest.is_file():
        return []
    try:
        return [Withheld(str(w["path"]), str(w["reason"])) for w in json.loads(manifest.read_text())]
    except (ValueError, KeyError, TypeError):
        return []
