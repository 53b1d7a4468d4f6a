"""How mta reaches hosts: a small protocol and one class per way.

Backends are looked up by name and imported lazily, so paramiko is only
loaded when SSH is used.
"""

from __future__ import annotations

import importlib

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


__all__ = [n for n in dir() if not n.startswith("_")]
