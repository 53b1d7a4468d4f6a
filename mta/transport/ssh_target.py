"""Resolve a TARGET (``[user@]host[:port]`` or a ``~/.ssh/config`` alias) to
connection settings, OpenSSH precedence: the target's own user/port, then
command-line options, then ssh_config, then defaults."""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .paramiko_lazy import paramiko

from ..errors import InputError

_TARGET = re.compile(r"^(?:(?P<user>[^@\s]+)@)?(?P<host>\[[^\]]+\]|[^:\s\[\]@]+)(?::(?P<port>\d+))?$")


@dataclass
class Endpoint:
    alias: str  # what the user typed (host part), used for messages and known_hosts
    hostname: str  # what we connect to
    port: int = 22
    user: str = ""
    identity_files: list[str] = field(default_factory=list)
    proxy_jump: str = ""
    proxy_command: str = ""


def parse_target(target: str) -> tuple[Optional[str], str, Optional[int]]:
    """Split ``[user@]host[:port]``; IPv6 as ``[::1]:22``."""
    m = _TARGET.match(target.strip())
    if not m:
        raise InputError(f"bad target {target!r}", hint="use [user@]host[:port] or a Host alias from ~/.ssh/config")
    host = m.group("host").strip("[]")
    port = int(m.group("port")) if m.group("port") else None
    if port is not None and not 0 < port < 65536:
        raise InputError(f"bad port in target {target!r}")
    return m.group("user"), host, port


def load_ssh_config(path: Optional[str] = None) -> Optional[paramiko.SSHConfig]:
    """``~/.ssh/config`` (or ``$MTA_SSH_CONFIG``, or ``path``); ``""`` disables it."""
    if path is None:
        path = os.environ.get("MTA_SSH_CONFIG", "~/.ssh/config")
    if not path:
        return None
    p = Path(path).expanduser()
    if not p.is_file():
        return None
    try:
        return paramiko.SSHConfig.from_path(str(p))
    except Exception as exc:  # a broken config should say where
        raise InputError(f"{p}: cannot parse ssh config ({exc})") from None


def resolve(
    target: str,
    *,
    user: Optional[str] = None,
    port: Optional[int] = None,
    config: Optional[paramiko.SSHConfig] = None,
) -> Endpoint:
    t_user, host, t_port = parse_target(target)
    opts = config.lookup(host) if config is not None else {}
    hostname = opts.get("hostname", host)
    final_port = t_port or port or int(opts.get("port", 22))
    final_user = t_user or user or opts.get("user") or getpass.getuser()
    proxy_command = opts.get("proxycommand", "")
    if proxy_command.lower() == "none":
        proxy_command = ""
    proxy_jump = opts.get("proxyjump", "")
    if proxy_jump.lower() == "none":
        proxy_jump = ""
    return Endpoint(
        alias=host,
        hostname=hostname,
        port=final_port,
        user=final_user,
        identity_files=[os.path.expanduser(f) for f in opts.get("identityfile", [])],
        proxy_jump=proxy_jump,
        proxy_command=proxy_command,
    )
