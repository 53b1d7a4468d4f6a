"""How mta reaches hosts: a small protocol and one class per way.

Backends are looked up by name and imported lazily, so paramiko is only
loaded when SSH is used.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Optional

from .base import (
    AuthFailed,
    CommandResult,
    CommandTimeout,
    ConnectionLost,
    ConnectionRefused,
    ConnectTimeout,
    HostKeyChanged,
    HostKeyUnknown,
    SudoNeedsPassword,
    TarResult,
    Transport,
    TransportError,
    Unreachable,
)

BACKENDS = {
    "local": "mta.transport.local.LocalTransport",
    "ssh": "mta.transport.ssh.SSHTransport",
}


def get_backend(name: str) -> type:
    """The transport class registered under ``name``."""
    try:
        dotted = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown transport {name!r}; known: {', '.join(BACKENDS)}") from None
    module, _, cls = dotted.rpartition(".")
    return getattr(importlib.import_module(module), cls)


def ssh_transport(target: str, *, key: Optional[str] = None, known_hosts: Optional[str] = None,
                  password: Optional[str] = None, **options: Any) -> Transport:
    """The one way mta builds an SSH transport (it connects on first use; paramiko loads here).

    ``key`` is a private key file and ``known_hosts`` an extra known_hosts file (``~``
    expands in both), ``password`` the password itself; empty means not given, for these
    and for ``user``, ``port`` and ``jump``. Every other option is ``SSHTransport``'s own
    (sudo, use_agent, look_for_keys, timeouts, accept_new_host_key, passphrase, name)."""
    for opt in ("user", "port", "jump"):
        options[opt] = options.get(opt) or None
    if key:
        options["key_filename"] = os.path.expanduser(key)
    if known_hosts:
        options["known_hosts"] = [os.path.expanduser(str(known_hosts))]
    if password:
        options["password"] = lambda _prompt: password
    return get_backend("ssh")(target, **options)


__all__ = [n for n in dir() if not n.startswith("_")]
