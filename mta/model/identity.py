"""Host identity: which folder under OUT/hosts/ a host's files go to.

One rule for every command that writes a host (discover, batch, import,
generate, the wizard): the folder is named after the VM's own hostname (what
its probe reported), not after the address used to reach it, because NAT,
port forwards and bastions put many VMs behind one address. A machine is
told apart by its fingerprint (a keyed hash of /etc/machine-id, the SSH host
key): a *different* machine whose name is taken gets ``<name>-<tag>``, a tag
drawn from its own fingerprint, so rediscovering it lands in the same folder
again; the *same* machine replaces its folder.

Pure functions; ``mta.io.host_dir`` applies them to a directory.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Callable, Optional

from .facts import Fingerprint, HostFacts

#: longest folder name (the inventory's HOST_NAME_RE allows 200)
MAX_NAME = 200
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: names a VM reports when nobody set one: they say nothing about the machine
PLACEHOLDER_HOSTNAMES = frozenset({"", "localhost", "localhost.localdomain", "localhost6", "(none)", "unknown-host"})
_APP_KEY = b"mta host identity v1"


def folder_name(name: str) -> str:
    """A host name as one safe directory name: letters, digits, ``. _ -``;
    never empty, never hidden, never a path."""
    clean = _UNSAFE.sub("_", name or "").lstrip(".-_")
    return clean[:MAX_NAME].rstrip(".") or "host"


def machine_id_hash(raw: str) -> str:
    """A keyed hash of a machine-id (as systemd advises instead of exposing
    the ID itself): 32 hex digits, or "" when ``raw`` is not a machine-id."""
    value = (raw or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{32}", value) or value == "0" * 32:
        return ""
    return hmac.new(value.encode(), _APP_KEY, hashlib.sha256).hexdigest()[:32]


def own_name(facts: HostFacts, fallback: str = "") -> str:
    """The name a host calls itself (its hostname), else ``fallback`` (the
    target's host part), else the address."""
    for name in (facts.os.hostname, fallback, facts.address, facts.host):
        if name and name.strip().lower() not in PLACEHOLDER_HOSTNAMES:
            return name.strip()
    return "host"


def same_machine(a: HostFacts, b: HostFacts) -> bool:
    """Whether two discoveries are of one machine.

    Every fingerprint part both sides know must agree (clones share a
    machine-id but rarely a host key, or the other way round). When neither
    pair can be compared (older discovery.yaml files), the hostname and the
    SSH target must both agree."""
    fa, fb = a.fingerprint, b.fingerprint
    pairs = [(fa.machine_id, fb.machine_id), (fa.ssh_host_key, fb.ssh_host_key)]
    known = [(x, y) for x, y in pairs if x and y]
    if known:
        return all(x == y for x, y in known)
    return (a.os.hostname, a.target or a.address) == (b.os.hostname, b.target or b.address)


def tag(fingerprint: Fingerprint, fallback: str = "") -> str:
    """Six hex digits drawn from a fingerprint: stable for one machine."""
    seed = fingerprint.machine_id or fingerprint.ssh_host_key or fallback
    return hashlib.sha256(seed.encode()).hexdigest()[:6]


def describe(facts: HostFacts) -> str:
    """How a host is named in an identity error: hostname, target, fingerprint."""
    parts = [facts.os.hostname or facts.host]
    if facts.target or facts.address:
        parts.append(f"reached as {facts.target or facts.address}")
    if facts.fingerprint.machine_id:
        parts.append(f"machine {facts.fingerprint.machine_id[:12]}")
    if facts.fingerprint.ssh_host_key:
        parts.append(f"host key {facts.fingerprint.ssh_host_key}")
    return ", ".join(parts)


def choose_folder(facts: HostFacts, base: str, occupant: Callable[[str], Optional[HostFacts]],
                  *, explicit: bool = False) -> tuple[str, Optional[HostFacts]]:
    """The folder for ``facts``: ``base`` when free or held by the same
    machine; else, unless ``explicit`` (a name the user chose), ``base-<tag>``
    (then ``base-<tag>-2``…). ``occupant(name)`` is the discovery already in
    that folder, or None. Returns (folder, the other machine found in ``base``
    or None); with ``explicit`` the caller turns that machine into an error."""
    base = folder_name(base)
    first = occupant(base)
    if first is None or same_machine(first, facts):
        return base, None
    if explicit:
        return base, first
    stem = f"{base[:MAX_NAME - 7]}-{tag(facts.fingerprint, facts.target or facts.address or base)}"
    for n in range(1, 1000):
        name = stem if n == 1 else f"{stem}-{n}"
        held = occupant(name)
        if held is None or same_machine(held, facts):
            return name, first
    raise RuntimeError(f"no free folder name for {base}")  # 1000 different machines share a name and tag
