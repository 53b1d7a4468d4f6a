"""Host key verification against known_hosts files, OpenSSH style.

Keys are looked up in ``~/.ssh/known_hosts`` and mta's own file
(``$MTA_KNOWN_HOSTS`` or ``~/.config/mta/known_hosts``). A key seen for the
first time is only trusted when the caller asked for it, and is then
recorded in mta's file; a key that differs from a recorded one is always an
error.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from pathlib import Path
from typing import Optional, Sequence

from .paramiko_lazy import paramiko

from .base import HostKeyChanged, HostKeyUnknown

_append_lock = threading.Lock()


def mta_known_hosts() -> Path:
    """Where mta records keys it was told to trust."""
    env = os.environ.get("MTA_KNOWN_HOSTS")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "mta" / "known_hosts"


def default_files() -> list[Path]:
    return [Path("~/.ssh/known_hosts").expanduser(), mta_known_hosts()]


def host_entry_name(host: str, port: int) -> str:
    """The name a known_hosts line uses: ``host`` on 22, else ``[host]:port``."""
    return host if port == 22 else f"[{host}]:{port}"


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's ``SHA256:…`` fingerprint."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _load(path: Path) -> paramiko.HostKeys:
    keys = paramiko.HostKeys()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return keys
    # Parse line by line so one malformed or unsupported line does not hide the rest.
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("@"):
            continue
        try:
            entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
        except Exception:
            continue
        if entry is not None:
            for name in entry.hostnames:
                keys.add(name, entry.key.get_name(), entry.key)
    return keys


class KnownHosts:
    """Known keys from several files, plus where to record new ones."""

    def __init__(self, files: Optional[Sequence[os.PathLike | str]] = None, record_to: Optional[Path] = None):
        self.files = [Path(f).expanduser() for f in files] if files is not None else default_files()
        self.record_to = record_to or mta_known_hosts()
        self._stores = [_load(f) for f in self.files]

    def known(self, names: Sequence[str]) -> dict[str, list[paramiko.PKey]]:
        """Keys by type name for any of ``names`` (host alias, address)."""
        found: dict[str, list[paramiko.PKey]] = {}
        for store in self._stores:
            for name in names:
                entry = store.lookup(name)
                if not entry:
                    continue
                for ktype in entry.keys():
                    found.setdefault(ktype, []).append(entry[ktype])
        return found

    def key_types(self, names: Sequence[str]) -> list[str]:
        """Host key algorithms already known, to ask the server for those first."""
        types = list(self.known(names))
        # An RSA key verifies whichever RSA signature algorithm is negotiated.
        if "ssh-rsa" in types:
            types = ["rsa-sha2-512", "rsa-sha2-256"] + types
        return types

    def verify(self, names: Sequence[str], key: paramiko.PKey, *, accept_new: bool) -> None:
        """Raise HostKeyChanged/HostKeyUnknown, or record the key when ``accept_new``."""
        label = names[0]
        known = self.known(names)
        same_type = known.get(key.get_name(), [])
        if any(k == key for k in same_type):
            return
        if same_type:
            raise HostKeyChanged(
                f"host key for {label} CHANGED: known {fingerprint(same_type[0])}, "
                f"offered {fingerprint(key)} ({key.get_name()})",
                hint="this may be an attack or a reinstalled VM; verify the new fingerprint out of band, "
                f"then remove the old line (ssh-keygen -R '{label}' -f FILE) from "
                + " or ".join(str(f) for f in self.files),
            )
        if not accept_new:
            other = f" (a {', '.join(sorted(known))} key is known)" if known else ""
            raise HostKeyUnknown(
                f"host key for {label} is not known{other}: {key.get_name()} {fingerprint(key)}",
                hint="verify the fingerprint, then re-run with --accept-new-host-key "
                "(it is recorded in " + str(self.record_to) + ") or add it to ~/.ssh/known_hosts",
            )
        self.record(names[0], key)

    def record(self, name: str, key: paramiko.PKey) -> None:
        path = self.record_to
        with _append_lock:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:
                fh.write(f"{name} {key.get_name()} {key.get_base64()}\n")
        try:
            self._stores[self.files.index(path)].add(name, key.get_name(), key)
        except ValueError:
            pass
