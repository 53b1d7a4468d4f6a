"""Pull each planned app's files from the VM into ``apps/<app>/context/``.

One tar stream per app (``transport.tar_paths``), unpacked defensively: no
absolute names, no ``..``, no device files, symlinks only when they stay
inside the context. Logs, caches, data dirs and secret files are left out by
default; what was left out, and why, is written to
``context/.mta-extract.json``. The context mirrors VM paths:
``/srv/app/main.py`` lands at ``context/srv/app/main.py``.

Code reaches the context byte for byte; only configuration (by VM path,
``security.configfiles``) has its secret literals replaced by placeholders,
through its format's parser, and a file that cannot be rewritten safely is
withheld and mounted from a secret file instead (``security.configscan``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import posixpath
import queue
import re
import shutil
import stat
import tarfile
import tempfile
import threading
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Optional

from .errors import MtaError
from .io import write_atomic
from .model import AppPlan, Plan
from .detect import packaged
from .plan.recipes.backing import backing_kind
from .plan.security.placeholders import sanitize_context, wire_fill
from .transport import CommandTimeout, TransportError
from .transport.tarcmd import LINK_CHECK, list_command, parse_listing

REPORT_NAME = ".mta-extract.json"

#: (pattern, reason): left out unless the plan's include names them exactly.
DEFAULT_EXCLUDES: list[tuple[str, str]] = [
    ("*.log", "log file"),
    ("*/.cache/*", "cache directory"),
    ("__pycache__", "bytecode cache"),
    ("*.pyc", "bytecode cache"),
    ("*/node_modules/.cache/*", "cache directory"),
    ("*.pid", "runtime file"),
    ("*.sock", "runtime file"),
    ("*.swp", "editor swap file"),
]

#: directories left out by name, within each included tree but one under /usr/share/: there
#: (FHS: packages' read-only files) a "log" or "cache" directory is code (Debian's MediaWiki:
#: vendor/psr/log, the PSR-3 interfaces it cannot start without)
NAMED_DIRS: list[tuple[str, str]] = [("log", "log directory"), ("logs", "log directory"), ("cache", "cache directory")]


def _named_dir_excludes(include: list[str]) -> list[tuple[str, str]]:
    packaged_trees = [t for t in include if t.startswith("/usr/share/")]
    if not packaged_trees:
        return [(f"*/{name}/*", why) for name, why in NAMED_DIRS]
    return [(f"{_rel(t)}*/{name}/*", why) for t in include if t not in packaged_trees for name, why in NAMED_DIRS]


#: Files that usually hold secrets; left out unless ``copy_secret_files``.
SECRET_PATTERNS: list[str] = [
    "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "id_rsa*", "id_ed25519*", "id_ecdsa*",
    ".env", "*.env", ".htpasswd", ".pgpass", ".netrc", ".my.cnf",
]


@dataclass
class Skipped:
    path: str
    reason: str


@dataclass
class AppExtract:
    app: str
    context: str = ""
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    truncated: bool = False
    skipped: list[Skipped] = field(default_factory=list)
    error: str = ""
    reused: int = 0  # files the context already had as the VM has them: not fetched again
    resumed: int = 0  # entries a cut-off run had already brought: not fetched again
    secret_files: list[str] = field(default_factory=list)  # context files whose values became placeholders
    filled_at_start: list[str] = field(default_factory=list)  # image paths the entrypoint fills
    withheld: list[Skipped] = field(default_factory=list)  # config left out: mounted from a secret file
    # MTA_SECRET_X -> value, memory only: for --with-secret-values, never written under OUT
    secret_values: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class ExtractReport:
    host: str
    apps: list[AppExtract] = field(default_factory=list)

    @property
    def failed(self) -> list[AppExtract]:
        return [a for a in self.apps if not a.ok]

    def to_dict(self) -> dict:
        out = asdict(self)
        for app in out["apps"]:
            app.pop("secret_values", None)
        return out


def _rel(vm_path: str) -> str:
    return posixpath.normpath("/" + vm_path).lstrip("/")


def plan_paths(app: AppPlan) -> tuple[list[str], list[tuple[str, str]]]:
    """What to pull and what to leave out (pattern, reason) for one app."""
    include = list(app.extract.include) or list(dict.fromkeys(list(app.code_paths) + list(app.config_files)))
    include = [p for p in include if p and p.startswith("/") and _rel(p)]
    # tar matches member names, which are relative to /: so are absolute patterns
    excludes: list[tuple[str, str]] = [
        (_rel(p) if p.startswith("/") else p, "excluded by the plan") for p in app.extract.exclude if p
    ]
    excludes += DEFAULT_EXCLUDES + _named_dir_excludes(include)
    for p in app.data_paths:
        if p and not any(_rel(p) == _rel(i) for i in include):
            excludes.append((_rel(p), "data directory (becomes a volume)"))
    for p in app.log_paths:
        if p:
            excludes.append((_rel(p), "log path"))
    if not app.extract.copy_secret_files:
        excludes += [(pat, "may hold secrets (set extract.copy_secret_files to copy)") for pat in SECRET_PATTERNS]
        for ref in app.secrets:
            if ref.source.startswith("/"):
                excludes.append((_rel(ref.source), "holds a secret (set extract.copy_secret_files to copy)"))
    seen = set()
    unique = []
    for pat, why in excludes:
        if pat not in seen:
            seen.add(pat)
            unique.append((pat, why))
    return include, unique


def mounted_files(app: AppPlan) -> list[str]:
    """Config and secret files the container mounts at the path the VM had them."""
    refs = [(c.source, c.target) for c in app.config] + [(s.source, s.target) for s in app.secrets if s.target]
    return list(dict.fromkeys(t for src, t in refs if t and t == src))


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def _safe_name(name: str) -> Optional[str]:
    """A clean relative member name, or None when it tries to escape."""
    if not name or name.startswith("/") or "\x00" in name:
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def _no_symlink_parents(root: str, target: str) -> bool:
    """No component between root and target is a symlink (so writes stay inside)."""
    cur = root
    for part in os.path.relpath(target, root).split(os.sep)[:-1]:
        cur = os.path.join(cur, part)
        if os.path.islink(cur):
            return False
    return True


class _Unpacker:
    """Members of one tar stream written under ``root``: remembers the
    directories it made (real directories, never symlinks: a symlink member
    cannot replace one), so the per-member checks do not lstat every parent
    of every file again."""

    def __init__(self, root: str, journal: Optional["_Journal"] = None) -> None:
        self.root = root
        self.journal = journal
        self.dirs: set[str] = {root}
        #: bits a new file's mode loses at creation: only when a wanted bit is
        #: among them does a file need a chmod of its own
        self.umask = _umask()

    def no_symlink_parents(self, target: str) -> bool:
        parent = os.path.dirname(target)
        if parent in self.dirs:
            return True
        return _no_symlink_parents(self.root, target)

    def parent(self, target: str) -> None:
        """Make ``target``'s directory (checked by no_symlink_parents)."""
        parent = os.path.dirname(target)
        if parent not in self.dirs:
            os.makedirs(parent, exist_ok=True)
            while parent not in self.dirs and _inside(self.root, parent):
                self.dirs.add(parent)
                parent = os.path.dirname(parent)


def safe_extract(tar_path: Path, dest: Path, result: AppExtract, roots: Optional[list[str]] = None,
                 provided: Optional[list[str]] = None) -> None:
    """Unpack the tar file ``tar_path`` into ``dest`` (see unpack_stream)."""
    sink = _TarSink(dest, result, roots, provided)
    with open(tar_path, "rb") as fh:
        started = _feed(fh, sink)
    if not started and sink.damaged and not result.truncated:
        raise MtaError(f"{result.app}: the file stream is not a tar archive ({sink.damaged})")
    if sink.damaged or sink.leftover:
        raise MtaError(sink.damage_message())


def _feed(stream: BinaryIO, sink: "_TarSink") -> bool:
    """Every chunk of ``stream`` into ``sink``, then its finish (even when
    reading fails): whether a tar archive started."""
    try:
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            sink.write(chunk)
    finally:
        started = sink.finish()
    return started


def unpack_stream(stream: BinaryIO, dest: Path, result: AppExtract, roots: Optional[list[str]] = None,
                  provided: Optional[list[str]] = None, gzipped: bool = False,
                  journal: Optional["_Journal"] = None) -> bool:
    """Unpack a tar stream as it arrives (``stream``, read once, in order) into
    ``dest``, refusing anything that could escape it; False when the stream
    was not a tar archive at all (empty, or cut before its first header).

    ``roots`` (VM paths that were copied): symlinks must point inside one of
    them, so a link never dangles into a part of the VM we did not copy.
    ``provided`` (VM trees the image's packages install): a link into one is
    kept as the VM has it; it resolves in the image, not in the context.
    ``journal`` hears each entry once it is whole on disk (a resumed extract keeps those)."""
    sink = _TarSink(dest, result, roots, provided, journal, gzipped)
    started = _feed(stream, sink)
    if started and (sink.damaged or sink.leftover):
        raise MtaError(sink.damage_message())
    return started


_ZERO_BLOCK = bytes(512)
#: header types that carry the next member's name, link or attributes
_META_TYPES = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
               tarfile.SOLARIS_XHDTYPE)


_CHKSUM_BLANK = b" " * 8
#: regular-file header types the unpacker's fast path takes
_PLAIN_FILE = (tarfile.REGTYPE, tarfile.AREGTYPE)
#: last name parts that never name a file of their own
_ODD_BASES = frozenset(("", ".", ".."))
#: header types the fast parse reads (anything else goes through tarfile's own)
_FAST_TYPES = frozenset(b"0\x00125LKx")


def _nts(field: bytes) -> str:
    return field.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _octal(field: bytes) -> int:
    if field[:1] and field[0] & 0x80:
        raise ValueError("base-256")
    return int(field.split(b"\0", 1)[0].strip() or b"0", 8)


def _header_info(block: bytes) -> tarfile.TarInfo:
    """``tarfile.TarInfo.frombuf`` for a plain file, directory, link or long-name
    header (nearly every header of a tree), several times faster: the checksum
    by adler32 (its low half is 1 + the byte sum, modulo 65521). Anything
    else, or a header that does not check out, goes to frombuf itself."""
    kind = block[156]
    try:
        if kind not in _FAST_TYPES:
            raise ValueError(kind)
        chk = _octal(block[148:156])
        mode, size, mtime = _octal(block[100:108]), _octal(block[124:136]), _octal(block[136:148])
    except ValueError:
        return tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
    byte_sum = (zlib.adler32(block[:148] + _CHKSUM_BLANK + block[156:]) & 0xFFFF) - 1
    if chk > 512 * 255 or (chk - byte_sum) % 65521:
        return tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")  # raises, or a signed checksum
    info = tarfile.TarInfo(_nts(block[0:100]))
    info.type = bytes((kind,))
    info.mode, info.size, info.mtime = mode, size, mtime
    info.linkname = _nts(block[157:257])
    if info.type == tarfile.AREGTYPE and info.name.endswith("/"):
        info.type = tarfile.DIRTYPE
    if info.type == tarfile.DIRTYPE:
        info.name = info.name.rstrip("/")
    if info.type not in tarfile.GNU_TYPES:
        prefix = _nts(block[345:500])
        if prefix:
            info.name = prefix + "/" + info.name
    return info


def _pax_records(raw: bytes) -> dict[str, str]:
    """``"LEN key=value\\n"`` records of a pax header (names as tarfile decodes them)."""
    out: dict[str, str] = {}
    pos = 0
    while pos < len(raw):
        space = raw.find(b" ", pos)
        if space < 0:
            break
        try:
            length = int(raw[pos:space])
        except ValueError:
            break
        if length <= 0:
            break
        record = raw[space + 1:pos + length - 1]
        key, eq, value = record.partition(b"=")
        if eq:
            out[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return out


class _TarSink:
    """A tar stream unpacked as it arrives: ``write`` takes what the transport
    received (no pipe) and parses it block by block in the caller's thread;
    what the entries do on disk runs in order in one applier thread, so the
    file system's work (creating, writing, closing files: the kernel's, with
    the GIL released) overlaps the receiving and parsing of what follows.
    A regular file's data goes from the received buffer straight into its
    file, and every other entry passes ``_extract_member``'s checks. Reads
    ustar, GNU (long names) and pax headers; a header that does not check out
    ends the stream as damaged."""

    #: bytes of the stream parsed and handed over at once
    PIECE = 1 << 20
    #: pieces of disk work waiting for the applier, at most
    QUEUE = 8

    def __init__(self, dest: Path, result: AppExtract, roots: Optional[list[str]],
                 provided: Optional[list[str]], journal: Optional["_Journal"] = None, gzipped: bool = False) -> None:
        root = os.path.realpath(dest)
        self.root, self.result = root, result
        self.allowed = [os.path.join(root, _rel(r)) for r in roots] if roots else [root]
        self.given = [os.path.join(root, _rel(p)) for p in provided or [] if _rel(p)]
        # an included path that is itself a symlink: tar_command sends its target along
        self.link_roots = {_rel(r) for r in roots} if roots else set()
        self.unpacker = _Unpacker(root, journal)
        self.z = zlib.decompressobj(31) if gzipped else None
        # -- the parser's state (the receiving thread)
        self.head = bytearray()  # a header block as it arrives
        self.state = "header"  # header | body | pad | end
        self.left = 0  # bytes of the current entry's body still to come
        self.pad = 0  # then the padding to the next block
        self.meta_type: Optional[bytes] = None  # a long name / pax body being collected
        self.meta = bytearray()
        self.over: dict[str, str] = {}  # what the pax or GNU headers say of the next entry
        self.glob: dict[str, str] = {}
        self.started = False
        self.damaged = ""
        self.leftover = 0  # bytes that are not zeros after the end (or after damage)
        self.ops: list = []  # disk work of the piece being parsed: (method, argument)
        self.queue: Optional["queue.Queue"] = None
        self.applier: Optional[threading.Thread] = None
        self.failure: Optional[BaseException] = None  # what stopped the applier
        # -- the applier's state (its thread; the caller's once it has stopped)
        self.fd: Optional[int] = None  # the regular file being written, else the body is skipped
        #: a member name's directory part -> (its clean name + "/", its real directory + "/")
        self.known: dict[str, tuple[str, str]] = {}
        self.member: Optional[tarfile.TarInfo] = None
        self.name = ""
        self.target = ""

    def damage_message(self) -> str:
        what = self.damaged or f"{self.leftover} bytes after its end"
        return f"{self.result.app}: the tar stream was damaged ({what}); run extract again to fetch the rest"

    def write(self, data: bytes) -> int:
        size = len(data)
        if self.z is not None:
            try:
                data = self.z.decompress(data)
            except zlib.error as exc:
                if self.state != "end":
                    self._damage(f"gzip: {exc}")
                self._hand_over()
                return size
        view = memoryview(data)
        # handed over a piece at a time: what waits for the applier stays bounded
        for at in range(0, len(view), self.PIECE):
            self._parse(view[at:at + self.PIECE])
            self._hand_over()
        return size

    # -- the parser ---------------------------------------------------------------

    def _parse(self, view: memoryview) -> None:
        ops = self.ops
        while view:
            state = self.state
            if state == "body":
                n = min(len(view), self.left)
                if self.meta_type is not None:
                    self.meta += view[:n]
                else:
                    ops.append((self._apply_body, view[:n]))
                view = view[n:]
                self.left -= n
                if not self.left:
                    self._body_done()
            elif state == "header":
                take = min(512 - len(self.head), len(view))
                self.head += view[:take]
                view = view[take:]
                if len(self.head) == 512:
                    block = bytes(self.head)
                    self.head.clear()
                    self._header(block)
            elif state == "pad":
                n = min(len(view), self.pad)
                view = view[n:]
                self.pad -= n
                if not self.pad:
                    self.state = "header"
            else:  # the end: only zeros may follow
                if bytes(view).strip(b"\0"):
                    self.leftover += len(view)
                break

    def _hand_over(self) -> None:
        """This piece's disk work to the applier (started on the first); waits
        while QUEUE pieces are ahead of it, and raises what stopped the applier."""
        if self.failure is not None:
            raise self.failure
        if not self.ops:
            return
        ops, self.ops = self.ops, []
        if self.queue is None:
            self.queue = queue.Queue(self.QUEUE)
            self.applier = threading.Thread(target=self._apply_all, name="mta-unpack", daemon=True)
            self.applier.start()
        self.queue.put(ops)

    def _drain(self) -> None:
        """Wait for the applier to finish every piece handed over, and stop it;
        after this the caller's thread owns the applier's state."""
        if self.queue is not None and self.applier is not None and self.applier.is_alive():
            self.queue.put(None)
            self.applier.join()
        self.queue = self.applier = None

    def _damage(self, what: str) -> None:
        self.damaged = self.damaged or what
        self.ops.append((self._apply_cut, None))
        self.state = "end"

    def _header(self, block: bytes) -> None:
        if block == _ZERO_BLOCK:
            self.state = "end"  # end of archive (as tarfile, one zero block ends it)
            return
        try:
            info = _header_info(block)
        except tarfile.HeaderError as exc:
            self._damage(str(exc) or type(exc).__name__)
            return
        self.started = True
        size = max(int(info.size), 0)
        if info.type in _META_TYPES:
            self.meta_type, self.meta = info.type, bytearray()
            self._expect(size)
            return
        attrs = {**self.glob, **self.over} if self.glob or self.over else {}
        self.over = {}
        if attrs:
            if "path" in attrs:
                info.name = attrs["path"]
            if "linkpath" in attrs:
                info.linkname = attrs["linkpath"]
            try:
                if "size" in attrs:
                    size = int(attrs["size"])
                if "mtime" in attrs:
                    info.mtime = float(attrs["mtime"])
            except ValueError:
                pass
        info.size = size
        # a body follows regular files and unknown types (as tarfile reads them)
        body = size if (info.type in tarfile.REGULAR_TYPES or info.type not in tarfile.SUPPORTED_TYPES) else 0
        self.ops.append((self._apply_entry, info))
        self._expect(body)

    def _expect(self, size: int) -> None:
        self.left, self.pad = size, (-size) % 512
        if size:
            self.state = "body"
        else:
            self._body_done()

    def _body_done(self) -> None:
        self.state = "pad" if self.pad else "header"
        if self.meta_type is None:
            self.ops.append((self._apply_done, None))
            return
        kind, raw = self.meta_type, bytes(self.meta)
        self.meta_type, self.meta = None, bytearray()
        if kind == tarfile.GNUTYPE_LONGNAME:
            self.over["path"] = raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        elif kind == tarfile.GNUTYPE_LONGLINK:
            self.over["linkpath"] = raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        elif kind == tarfile.XGLTYPE:
            self.glob.update(_pax_records(raw))
        else:
            self.over.update(_pax_records(raw))

    def finish(self) -> bool:
        """The stream ended: a file it cut off is removed; whether it was a tar stream at all."""
        try:
            if self.z is not None and self.state != "end":
                try:
                    rest = self.z.flush()
                    self.z = None
                    if rest:
                        self.write(rest)
                except zlib.error:
                    pass
            self._hand_over()
        finally:
            self._drain()
        if self.failure is not None:
            raise self.failure
        # a stream that stops before its end-of-archive blocks was cut
        if self.started and self.state != "end":
            name = self.name if self.fd is not None else "(stream)"
            self._apply_cut()
            if not self.result.truncated:
                self.result.skipped.append(Skipped(name, "tar stream ended early: unexpected end of data"))
        return self.started

    # -- the applier: every change on disk, in the stream's order -----------------

    def _apply_all(self) -> None:
        q = self.queue
        while True:
            ops = q.get()
            if ops is None:
                return
            if self.failure is not None:
                continue  # keep taking pieces, so the parser never waits on a stopped applier
            try:
                for method, arg in ops:
                    method(arg)
            except BaseException as exc:  # noqa: BLE001 - raised again in the parser's thread
                self.failure = exc
                self._apply_cut()

    def _apply_entry(self, info: tarfile.TarInfo) -> None:
        self.member, self.fd = info, None
        if info.type in _PLAIN_FILE:
            # most entries: a file in a directory an earlier file of the stream already
            # went into (a real directory this sink made or checked: it stays one)
            folder, _, base = info.name.rpartition("/")
            known = self.known.get(folder)
            if known is not None and base not in _ODD_BASES and "\0" not in base:
                self.name, self.target = known[0] + base, known[1] + base
                try:
                    self._open_file(info)
                except OSError as exc:
                    self._apply_cut()
                    self.result.skipped.append(Skipped(self.name, f"cannot write: {exc.strerror or exc}"))
                return
        result = self.result
        name = _safe_name(info.name)
        if name is None:
            result.skipped.append(Skipped(info.name, "unsafe path (absolute or ..)"))
            return
        target = os.path.join(self.root, *name.split("/"))
        if not _inside(self.root, target) or not self.unpacker.no_symlink_parents(target):
            result.skipped.append(Skipped(name, "would be written outside the context"))
            return
        self.name, self.target = name, target
        try:
            if info.type == tarfile.GNUTYPE_SPARSE:
                result.skipped.append(Skipped(name, "sparse file"))
            elif info.isreg():
                self.unpacker.parent(target)
                self._open_file(info)
                folder = info.name.rpartition("/")[0]
                if info.type in _PLAIN_FILE and folder and os.path.dirname(target) in self.unpacker.dirs:
                    self.known[folder] = (name.rpartition("/")[0] + "/", os.path.dirname(target) + os.sep)
            else:
                if info.issym() and name in self.link_roots:
                    self.allowed.append(_link_target(self.root, name, info.linkname))
                _extract_member(info, name, self.root, target, result, self.allowed, self.given, self.unpacker)
        except OSError as exc:
            self._apply_cut()
            result.skipped.append(Skipped(name, f"cannot write: {exc.strerror or exc}"))

    def _open_file(self, info: tarfile.TarInfo) -> None:
        """The regular file ``self.target``, created empty with its mode."""
        # no setuid/setgid/sticky bits in an image context
        mode = (info.mode & 0o755) | 0o600
        self.fd = _create(self.target, mode)
        if mode & self.unpacker.umask:
            os.fchmod(self.fd, mode)

    def _apply_body(self, chunk: memoryview) -> None:
        if self.fd is None:
            return
        try:
            while chunk:
                chunk = chunk[os.write(self.fd, chunk):]
        except OSError as exc:
            self._apply_cut()
            self.result.skipped.append(Skipped(self.name, f"cannot write: {exc.strerror or exc}"))

    def _apply_done(self, _arg=None) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)
            info = self.member
            self.result.files += 1
            if self.unpacker.journal is not None:
                self.unpacker.journal.add(self.name, "f", info.size, info.mtime, info.mode)

    def _apply_cut(self, _arg=None) -> None:
        """A file cut off in the middle is not left behind."""
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)
            try:
                os.unlink(self.target)
            except OSError:
                pass


def _umask() -> int:
    """This process's umask, read without setting it (os.umask would change it
    for every thread for a moment); unknown means all bits: always fchmod."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o777


def _create(target: str, mode: int = 0o600) -> int:
    """A new file at ``target`` (an older one there replaced), never through a
    symlink, created with ``mode`` (less the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(target, flags, mode)
    except FileExistsError:
        os.unlink(target)
        return os.open(target, flags, mode)


def _extract_member(member: tarfile.TarInfo, name: str, root: str, target: str,
                    result: AppExtract, allowed: list[str], given: Optional[list[str]] = None,
                    unpacker: Optional[_Unpacker] = None) -> None:
    """Everything but a regular file's data (``_TarSink`` writes those)."""
    unpacker = unpacker or _Unpacker(root)
    if member.isdir():
        # a link in the way is replaced, never followed (it may point into a tree the image
        # provides, which on this machine is this machine's own directory)
        if os.path.islink(target) or (os.path.lexists(target) and not os.path.isdir(target)):
            os.unlink(target)
        os.makedirs(target, exist_ok=True)
        unpacker.parent(os.path.join(target, "x"))  # remember it (and its parents) as real directories
        os.chmod(target, (member.mode & 0o755) | 0o700)
        if unpacker.journal is not None:
            unpacker.journal.add(name, "d", 0, member.mtime, member.mode)
        return
    if member.issym():
        link = member.linkname
        resolved = _link_target(root, name, link)
        if any(_inside(g, resolved) for g in given or []):
            rel_link = link  # a package the image installs has it there: as on the VM
        elif not any(_inside(a, resolved) for a in allowed):
            result.skipped.append(Skipped(name, f"symlink to {link} leaves the context"))
            return
        elif link.startswith("/") and not any(_inside(a, resolved) and _inside(a, target) for a in allowed):
            # into another copied tree (/usr/share/wordpress/.htaccess -> /etc/wordpress/htaccess):
            # each tree keeps its VM path in the image, so the absolute link holds there
            rel_link = link
        else:
            rel_link = os.path.relpath(resolved, os.path.dirname(target))
        unpacker.parent(target)
        if os.path.lexists(target):
            if os.path.isdir(target) and not os.path.islink(target):
                raise IsADirectoryError(21, "a directory is in the way", target)
            os.unlink(target)
        os.symlink(rel_link, target)
        if unpacker.journal is not None:
            unpacker.journal.add(name, "l", 0, member.mtime, member.mode)
        return
    if member.islnk():
        src_name = _safe_name(member.linkname)
        src = os.path.join(root, *src_name.split("/")) if src_name else ""
        if not src or not _inside(root, src) or not os.path.isfile(src) or os.path.islink(src):
            result.skipped.append(Skipped(name, f"hard link to {member.linkname} outside what was copied"))
            return
        unpacker.parent(target)
        if os.path.lexists(target):
            os.unlink(target)
        shutil.copy2(src, target, follow_symlinks=False)
        result.files += 1
        if unpacker.journal is not None:
            st = os.lstat(src)
            unpacker.journal.add(name, "f", st.st_size, member.mtime, member.mode)
        return
    kind = "device file" if (member.ischr() or member.isblk()) else "fifo" if member.isfifo() else "special file"
    result.skipped.append(Skipped(name, kind))


def _link_target(root: str, name: str, link: str) -> str:
    """Where a symlink member points inside the context (absolute links point
    at VM paths, which the context mirrors under its root)."""
    vm_target = link if link.startswith("/") else posixpath.join("/" + posixpath.dirname(name), link)
    return os.path.normpath(os.path.join(root, posixpath.normpath(vm_target).lstrip("/")))


#: ``progress(app, bytes so far, seconds so far)``, called as the stream arrives
Progress = Callable[[str, int, float], None]


class _Feed:
    """What the transport writes the tar stream to: counts bytes, reports
    progress and hands each piece to the unpacker as it arrives."""

    def __init__(self, sink: "_TarSink", app: str, progress: Optional[Progress]) -> None:
        self.sink, self.app, self.progress = sink, app, progress
        self.bytes, self.start, self.last = 0, time.monotonic(), 0.0

    def write(self, data: bytes) -> int:
        self.sink.write(data)
        self.bytes += len(data)
        if self.progress is not None:
            now = time.monotonic()
            if now - self.last >= 0.5:
                self.last = now
                self.progress(self.app, self.bytes, now - self.start)
        return len(data)

    def close(self) -> None:
        if self.progress is not None:
            self.progress(self.app, self.bytes, time.monotonic() - self.start)


def _pull(transport, include: list[str], kwargs: dict, staging: Path, result: AppExtract,
          provided: list[str], progress: Optional[Progress], journal: Optional["_Journal"] = None):
    """The tar stream of ``include`` unpacked into ``staging`` as it arrives,
    in the thread that receives it."""
    sink = _TarSink(staging, result, include, provided, journal, gzipped=bool(kwargs.get("compress")))
    feed = _Feed(sink, result.app, progress)
    tar = None
    try:
        tar = transport.tar_paths(include, feed, **kwargs)
    finally:
        feed.close()
        if tar is not None:
            result.truncated = tar.truncated
        sink.finish()
    if sink.damaged or sink.leftover:
        raise MtaError(sink.damage_message())
    return tar


#: a link slower than this (bytes a second) gets the tar stream through gzip -1,
#: which packs source trees several times faster than that on one core
COMPRESS_BELOW = 20e6


def compression_pays(transport) -> bool:
    """Whether to gzip the tar stream: never on this machine or a loopback
    address; else when 1 MiB takes longer than COMPRESS_BELOW allows and the
    host has gzip (one short round trip)."""
    endpoint = getattr(transport, "endpoint", None)
    if endpoint is None:
        return False  # a local transport: no link at all
    host = str(getattr(endpoint, "hostname", "") or "")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    if loopback and not getattr(transport, "jump", None):
        return False
    start = time.monotonic()
    try:
        res = transport.run(LINK_CHECK, timeout=60)
    except TransportError:
        return False
    took = max(time.monotonic() - start, 1e-6)
    return res.stdout.startswith(b"gzip\n") and len(res.stdout) / took < COMPRESS_BELOW


#: in ``app_dir``: the extract under way, kept when it is cut off so the next
#: run fetches only what it lacks (the context itself is left as it was)
PARTIAL_NAME = ".extract-partial"
#: in the partial: each entry once it is whole on disk, one JSON line each (appended)
JOURNAL_NAME = ".mta-journal"
#: in the partial: its secret scan began (its files may be rewritten: never resumed from)
SCANNED_NAME = ".mta-scanned"
#: in the partial: its commit is under way (what to do, so a cut commit is finished next time)
COMMIT_NAME = ".mta-commit"
#: in the context: each entry as the VM had it when it was copied (type, size, mtime, mode)
MANIFEST_NAME = ".mta-manifest"

#: name -> (type f/d/l, size, mtime, mode) as on the VM
Entries = dict[str, tuple[str, int, int, int]]


def _same(have: Optional[tuple], vm: tuple) -> bool:
    """An entry kept from before still is what the VM has (size counts for files only)."""
    if have is None or have[0] != vm[0] or have[2] != vm[2] or have[3] != vm[3]:
        return False
    return vm[0] != "f" or have[1] == vm[1]


def _still_there(context: Path, name: str, entry: tuple) -> bool:
    """The context still has the entry its manifest lists (nobody removed or cut it since)."""
    try:
        st = os.lstat(os.path.join(context, *name.split("/")))
    except OSError:
        return False
    kind = entry[0]
    if kind == "f":
        return stat.S_ISREG(st.st_mode) and st.st_size == entry[1]
    return stat.S_ISDIR(st.st_mode) if kind == "d" else stat.S_ISLNK(st.st_mode)


def _key(include: list[str], excludes: list[tuple[str, str]]) -> str:
    """What a kept entry depends on besides the VM: the trees and the excludes."""
    raw = json.dumps([include, [p for p, _ in excludes]], ensure_ascii=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def _read_entries(path: Path, key: Optional[str]) -> Optional[Entries]:
    """The entries a journal or manifest recorded for ``key``; None when it is
    missing, for other trees or excludes, or unreadable. A last line cut in two
    (the process was killed while appending) is left out."""
    try:
        with open(path, "rb") as fh:
            lines = fh.read().split(b"\n")
    except OSError:
        return None
    try:
        if key is not None and json.loads(lines[0]).get("key") != key:
            return None
    except (ValueError, AttributeError):
        return None
    out: Entries = {}
    for line in lines[1:]:
        try:
            name, kind, size, mtime, mode = json.loads(line)
            out[str(name)] = (str(kind), int(size), int(mtime), int(mode))
        except (ValueError, TypeError):
            continue
    return out


#: a str as JSON (what json.dumps writes for one)
_json_str = json.encoder.encode_basestring_ascii


def _entries_text(key: str, entries: Entries) -> str:
    lines = [json.dumps({"key": key})]
    # json.dumps([n, *e]) for each, without its per-call set-up (a line per file)
    lines += [f'[{_json_str(n)}, "{e[0]}", {e[1]}, {e[2]}, {e[3]}]' for n, e in sorted(entries.items())]
    return "\n".join(lines) + "\n"


class _Journal:
    """The partial's record of whole entries: one line per entry, each written
    with one append, so a killed run leaves every line but perhaps the last."""

    #: lines kept before one append (a killed run loses at most these: fetched again)
    BATCH = 64

    def __init__(self, path: Path, key: str, fresh: bool) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | (os.O_TRUNC if fresh else 0), 0o600)
        if fresh:
            os.write(self.fd, (json.dumps({"key": key}) + "\n").encode())
        self.entries: Entries = {}
        self.pending: list[str] = []

    def add(self, name: str, kind: str, size: int, mtime: float, mode: int) -> None:
        entry = (kind, int(size), int(mtime), int(mode) & 0o7777)
        self.entries[name] = entry
        # json.dumps([name, *entry]), without its per-call set-up (a line per file)
        self.pending.append(f'[{_json_str(name)}, "{kind}", {entry[1]}, {entry[2]}, {entry[3]}]')
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            data = ("\n".join(self.pending) + "\n").encode()
            self.pending = []
            while data:
                data = data[os.write(self.fd, data):]

    def close(self) -> None:
        try:
            self.flush()
        finally:
            os.close(self.fd)


def _listing(transport, include: list[str], sudo: bool, timeout: Optional[float]) -> Optional[Entries]:
    """Every entry under ``include`` on the host (one round trip), or None
    when it cannot list them (no GNU find): then everything is fetched."""
    kwargs = {"sudo": sudo}
    if timeout is not None:
        kwargs["timeout"] = timeout
    try:
        res = transport.run(list_command(include), **kwargs)
    except CommandTimeout:
        return None
    found = parse_listing(res.stdout)
    if found is None:
        return None
    return {n: (k, size, mtime, mode & 0o7777) for n, (k, size, mtime, mode) in found.items()}


def _remove(path: str) -> None:
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass


def _prune(partial: Path, landed: Entries) -> None:
    """Only what the journal vouches for goes on: a file a killed run wrote
    but had not yet recorded, and the VM has since removed, is dropped."""
    top = str(partial)
    for dirpath, dirnames, filenames in os.walk(top):
        rel_dir = os.path.relpath(dirpath, top)
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in filenames + links:
            if rel_dir == "." and name.startswith(".mta-"):
                continue
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if rel not in landed:
                _remove(os.path.join(dirpath, name))


def _commit(partial: Path, final: Path) -> None:
    """Make the partial the context, as its commit record says: ``swap``
    (the partial holds everything) or ``apply`` (it holds what changed: moved
    into the context, and the entries the VM no longer has removed). Safe to
    run again after a cut: each step skips what is already done."""
    plan = json.loads((partial / COMMIT_NAME).read_text())
    if plan["mode"] == "swap":
        if final.exists() or final.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=".context-old-", dir=final.parent))
            os.replace(final, old / "context")
        else:
            old = None
        os.replace(partial, final)
        for name in (JOURNAL_NAME, SCANNED_NAME, COMMIT_NAME):
            _remove(str(final / name))
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return
    root = os.path.realpath(final)
    for name in sorted(plan["deleted"], key=lambda n: -n.count("/")):
        clean = _safe_name(name)
        target = os.path.join(root, *clean.split("/")) if clean else ""
        if target and _inside(root, target) and _no_symlink_parents(root, target):
            _remove(target)
    # directories the stream brought have the VM's mode; the ones made on the way keep the context's
    landed_dirs = {n for n, e in (_read_entries(partial / JOURNAL_NAME, None) or {}).items() if e[0] == "d"}
    # the context's own records are replaced by the partial's (the manifest last, below)
    for name in os.listdir(root):
        if name.startswith(".mta-"):
            _remove(os.path.join(root, name))
    src_root = str(partial)
    for dirpath, dirnames, filenames in os.walk(src_root):
        rel = os.path.relpath(dirpath, src_root)
        dest_dir = root if rel == "." else os.path.join(root, rel)
        names = sorted(dirnames + filenames)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
        for name in names:
            if rel == "." and name in (JOURNAL_NAME, SCANNED_NAME, COMMIT_NAME, MANIFEST_NAME):
                continue
            src, dest = os.path.join(dirpath, name), os.path.join(dest_dir, name)
            if not _no_symlink_parents(root, dest):
                continue  # never through a link (the partial's own parents are real directories)
            if name in dirnames:
                if os.path.lexists(dest) and (os.path.islink(dest) or not os.path.isdir(dest)):
                    os.unlink(dest)
                os.makedirs(dest, exist_ok=True)
                if os.path.relpath(src, src_root) in landed_dirs:
                    os.chmod(dest, os.lstat(src).st_mode & 0o7777)
                continue
            if os.path.isdir(dest) and not os.path.islink(dest):
                shutil.rmtree(dest)
            os.replace(src, dest)
    if (partial / MANIFEST_NAME).exists():
        os.replace(partial / MANIFEST_NAME, final / MANIFEST_NAME)
    shutil.rmtree(partial, ignore_errors=True)


def extract_app(transport, app: AppPlan, app_dir: Path, *, timeout: Optional[float] = None,
                sudo: bool = False, progress: Optional[Progress] = None, compress: bool = False) -> AppExtract:
    """Pull one app's files into ``app_dir/context`` (replacing an older context);
    ``sudo`` reads them as root on the host (``sudo -n``); ``progress`` hears
    the bytes received so far; ``compress`` gzips the stream on the host (the
    size cap then counts compressed bytes).

    Resumable: the host lists the trees first (``find``), and only entries
    that differ from the context's manifest, or that a cut-off run did not
    finish (``app_dir/.extract-partial``), come over the wire (``tar -T -``).
    The context changes only once everything has arrived and been scanned;
    configuration the scan rewrote or withheld is fetched again every time."""
    include, excludes = plan_paths(app)
    result = AppExtract(app=app.name, context=str(app_dir / "context"), include=include,
                        exclude=[p for p, _ in excludes])
    if not include:
        result.skipped.append(Skipped("(all)", "the plan names no files to copy (extract.include is empty)"))
    app_dir.mkdir(parents=True, exist_ok=True)
    final = app_dir / "context"
    partial = app_dir / PARTIAL_NAME
    if (partial / COMMIT_NAME).is_file():
        _commit(partial, final)  # the last run was cut while it committed: finish that first
    key = _key(include, excludes)
    base: Entries = {}
    if include and final.is_dir() and not final.is_symlink():
        base = _read_entries(final / MANIFEST_NAME, key) or {}
    done = None
    if include and partial.is_dir() and not (partial / SCANNED_NAME).exists():
        done = _read_entries(partial / JOURNAL_NAME, key)
    # something to build on: the host lists its entries first (one round trip), to fetch only the rest
    listing = _listing(transport, include, sudo, timeout) if base or done else None
    if listing is None:
        base, done = {}, None  # a fresh copy (or a host without GNU find): everything comes
    fresh = done is None  # a new partial: it holds only what this run writes (and journals)
    if done is None:
        if partial.exists() or partial.is_symlink():
            _remove(str(partial))
        partial.mkdir()
        done = {}
    else:
        for name, entry in list(done.items()):  # what changed on the VM since is fetched again
            if not _same(entry, listing.get(name) or ("", 0, 0, 0)):
                if entry[0] != "d":
                    _remove(os.path.join(partial, *name.split("/")))
                del done[name]
    journal = _Journal(partial / JOURNAL_NAME, key, fresh=not done)
    journal.entries.update(done)
    kept = {n: e for n, e in base.items()
            if n in (listing or {}) and _same(e, listing[n]) and _still_there(final, n, e)}
    members = None
    if listing is not None and (base or done):
        members = [n for n, e in listing.items() if not _same(done.get(n), e) and n not in kept]
    result.resumed = len(done)
    result.reused = sum(1 for e in kept.values() if e[0] == "f")
    try:
        if include and (members is None or members):
            kwargs = {"exclude": [p for p, _ in excludes], "max_bytes": app.extract.max_bytes, "sudo": sudo}
            if compress:
                kwargs["compress"] = True
            if timeout is not None and hasattr(transport, "command_timeout"):
                kwargs["timeout"] = timeout
            if members is not None:
                kwargs["members"] = members
            # links into trees the image's distro packages install are kept (Debian's wordpress -> php-getid3),
            # and links to the files the container mounts where the VM had them (.htaccess -> /etc/wordpress/htaccess)
            provided = (packaged.provided_trees(app.build.packages) if app.build else []) + mounted_files(app)
            tar = _pull(transport, include, kwargs, partial, result, provided, progress, journal)
            result.bytes = tar.bytes_written
            result.truncated = tar.truncated
            if tar.truncated:
                result.skipped.append(Skipped("(rest)", f"size cap of {app.extract.max_bytes} bytes reached"))
            for line in tar.skipped:
                if "Exiting with failure status" in line:
                    continue
                result.skipped.append(Skipped(_tar_line_path(line), _tar_line_reason(line)))
    finally:
        journal.close()
    if not fresh:
        _prune(partial, journal.entries)
    # from here on the partial's files may be rewritten: a cut run is not resumed from it
    write_atomic(partial / SCANNED_NAME, "")
    for name in os.listdir(partial):
        if name.startswith(".mta-") and name not in (JOURNAL_NAME, SCANNED_NAME):
            _remove(os.path.join(partial, name))  # an earlier attempt's scan records
    # settings.py / config.json come along with the code: their values must not reach the image;
    # code is left byte for byte, configuration rewritten through its parser or withheld
    sanitized = sanitize_context(partial)
    result.secret_files = sanitized.files
    result.secret_values = sanitized.values
    result.withheld = [Skipped("/" + w.path, w.reason) for w in sanitized.withheld]
    result.filled_at_start, problem = wire_fill(app_dir, app, context=partial)
    if problem:
        result.skipped.append(Skipped("(secrets)", problem))
    landed = dict(journal.entries)
    result.files = sum(1 for e in {**kept, **landed}.values() if e[0] == "f")
    for name in list(sanitized.files) + [w.path for w in sanitized.withheld]:
        landed.pop(name, None)  # rewritten or withheld: fetched again next time
    final_entries = {**kept, **landed}
    record = {
        "app": app.name,
        "host_paths": include,
        "files": result.files,
        "bytes": result.bytes,
        "reused_files": result.reused,
        "resumed_files": result.resumed,
        "truncated": result.truncated,
        "excluded_patterns": [{"pattern": p, "reason": why} for p, why in excludes],
        "skipped": [asdict(s) for s in result.skipped],
        "secret_placeholders": {"files": result.secret_files, "variables": sorted(result.secret_values),
                                "filled_at_start": result.filled_at_start},
        "withheld": [asdict(w) for w in result.withheld],
    }
    write_atomic(partial / REPORT_NAME, json.dumps(_printable(record), indent=2, ensure_ascii=False) + "\n")
    write_atomic(partial / MANIFEST_NAME, _entries_text(key, final_entries))
    if base:
        deleted = [n for n in base if n not in final_entries]
        commit = {"mode": "apply", "deleted": deleted}
    else:
        commit = {"mode": "swap"}
    write_atomic(partial / COMMIT_NAME, json.dumps(commit))
    _commit(partial, final)
    return result


def _printable(value):
    """Names from the VM may hold bytes that are not UTF-8 (kept by tarfile as
    surrogates): show them replaced rather than fail the report."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(value, list):
        return [_printable(v) for v in value]
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    return value


def _tar_line_path(line: str) -> str:
    # "tar: srv/x: Cannot open: Permission denied"
    parts = line.split(": ")
    return "/" + parts[1] if len(parts) >= 3 and parts[0] == "tar" else "(tar)"


def _tar_line_reason(line: str) -> str:
    parts = line.split(": ")
    return ": ".join(parts[2:]) if len(parts) >= 3 and parts[0] == "tar" else line


def extract_host(transport, plan: Plan, host_dir: Path, *, apps: Optional[list[str]] = None,
                 timeout: Optional[float] = None, sudo: bool = False,
                 progress: Optional[Progress] = None, compress: Optional[bool] = None) -> ExtractReport:
    """Extract every included app of ``plan`` under ``host_dir/apps/<app>/``.

    A transport failure (the host went away) stops the host and is raised;
    any other failure is recorded on that app and the next one goes on."""
    report = ExtractReport(host=plan.host)
    if compress is None:
        wanted = [a for a in plan.apps if a.include and a.extract.include and (not apps or a.name in apps)]
        compress = bool(wanted) and compression_pays(transport)
    for app in plan.apps:
        if not app.include or (apps and app.name not in apps):
            continue
        if not app.extract.include and (app.build is None or backing_kind(app)):
            continue  # a backing service (official image or built from Debian): nothing to copy
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?", app.name):
            report.apps.append(AppExtract(app=app.name, error=f"unsafe app name {app.name!r} in the plan"))
            continue
        try:
            report.apps.append(extract_app(transport, app, Path(host_dir) / "apps" / app.name, timeout=timeout,
                                           sudo=sudo, progress=progress, compress=compress))
        except TransportError:
            raise
        except (MtaError, OSError) as exc:
            report.apps.append(AppExtract(app=app.name, error=str(exc)))
    return report
