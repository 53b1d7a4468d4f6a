"""Step 1 of the wizard: where and how to log in, tested before going on.

The password lives only in this process (a closure handed to the
transport); it is never put in the session's ``connection`` record, which is
what the answers file keeps.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any, Callable, Optional

import yaml
from rich.console import Console
from rich.text import Text

from ..discover.collect import discover
from ..errors import InputError, MtaError
from ..io import dump_model, host_dir
from ..model import ConnectOptions
from ..model.identity import own_name
from ..transport import AuthFailed, HostKeyChanged, HostKeyUnknown, SudoNeedsPassword, TransportError, ssh_transport
from ..transport.ssh_target import parse_target
from .prompts import Prompter

AUTH_METHODS = (("ssh-agent or default keys", "agent"), ("a key file", "key"), ("a password", "password"))
MAX_PASSWORD_TRIES = 3


def ssh_aliases(path: Optional[str] = None) -> list[str]:
    """Concrete ``Host`` names of ~/.ssh/config (or $MTA_SSH_CONFIG), for completion."""
    if path is None:
        path = os.environ.get("MTA_SSH_CONFIG", "~/.ssh/config")
    if not path:
        return []
    try:
        lines = Path(path).expanduser().read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    names: list[str] = []
    for line in lines:
        words = line.strip().split()
        if len(words) >= 2 and words[0].lower() == "host":
            for name in words[1:]:
                if not any(ch in name for ch in "*?!") and name not in names:
                    names.append(name)
    return names


def _split_user(target: str) -> tuple[str, str]:
    """``user@host:port`` -> (``host:port``, ``user``), so the User prompt
    is the one place the user is set."""
    try:
        user, host, port = parse_target(target)
    except InputError:
        return target, ""
    if ":" in host:
        host = f"[{host}]"
    return (f"{host}:{port}" if port else host), user or ""


def _default_key() -> str:
    for name in ("id_ed25519", "id_ecdsa", "id_rsa"):
        p = Path("~/.ssh").expanduser() / name
        if p.is_file():
            return str(p)
    return ""


def make_transport(conn: dict[str, Any], *, password: Optional[str] = None, accept_new: bool = False) -> Any:
    """An SSHTransport for a connection record (plus the password, if any)."""
    auth = conn.get("auth", "agent")
    return ssh_transport(
        conn["host"], user=conn.get("user"), port=conn.get("port"), jump=conn.get("jump"),
        key=conn.get("key_file") if auth == "key" else None, known_hosts=conn.get("known_hosts"), password=password,
        sudo=bool(conn.get("sudo")), accept_new_host_key=accept_new,
        use_agent=auth == "agent" and not conn.get("no_agent"), look_for_keys=auth == "agent",
    )


def connect_noninteractive(conn: dict[str, Any], *, accept_new: bool = False,
                           password: Optional[str] = None) -> Any:
    """``--defaults`` with a TARGET: connect with the options given, or fail."""
    t = make_transport(conn, password=password or os.environ.get("MTA_SSH_PASSWORD"), accept_new=accept_new)
    t.connect()
    return t


def _check(prompter: Prompter, c: Console, conn: dict[str, Any], password: Optional[str],
           accept: bool = False) -> Any:
    """Connect once, asking about an unknown host key (unless --accept-new-host-key
    said yes already). Raises TransportError."""
    while True:
        t = make_transport(conn, password=password, accept_new=accept)
        try:
            with c.status(f"Connecting to {conn['host']}…"):
                t.connect()
            return t
        except HostKeyUnknown as exc:
            c.print(Text(f"! {exc.message}", style="yellow"))
            if accept or not prompter.confirm("Trust this host key and record it in known_hosts?", default=False):
                raise
            accept = True


def interactive_connector(
    defaults: dict[str, Any], *, accept_new: bool = False,
) -> Callable[[Prompter, Console, Any], None]:
    """The connection step; ``defaults`` come from the command line
    (``accept_new``: --accept-new-host-key, never kept in the answers file)."""

    def step(p: Prompter, c: Console, session: Any) -> None:
        conn = dict(session.connection or defaults)
        while True:
            aliases = ssh_aliases()
            conn["host"] = p.autocomplete(
                "Host (alias from ~/.ssh/config or [user@]host[:port])",
                aliases,
                default=conn.get("host", ""),
                validate=lambda v: bool(v.strip()) or "a host is needed",
            ).strip()
            conn["host"], target_user = _split_user(conn["host"])
            conn["user"] = p.text("User", default=target_user or conn.get("user") or getpass.getuser()).strip()
            conn["auth"] = p.select("Log in with", AUTH_METHODS, default=conn.get("auth", "agent"))
            if conn["auth"] == "key":
                conn["key_file"] = p.path(
                    "Key file (Tab completes)",
                    default=conn.get("key_file") or _default_key(),
                    validate=lambda v: os.path.isfile(os.path.expanduser(v)) or f"no such file: {v}",
                ).strip()
            else:
                conn.pop("key_file", None)
            conn["sudo"] = p.confirm(
                "Use sudo for discovery (sees every process and file)?", default=bool(conn.get("sudo", conn["user"] != "root"))
            )
            conn["jump"] = p.text("Jump host (empty: none)", default=conn.get("jump", "")).strip()
            transport = _try_connect(p, c, conn, accept_new)
            if transport is not None:
                break
        session.connection = {k: v for k, v in conn.items() if v not in (None, "")}
        if session.transport is not None and session.transport is not transport:
            session.transport.close()
        session.transport = transport

    return step


def _try_connect(p: Prompter, c: Console, conn: dict[str, Any], accept_new: bool = False) -> Any:
    """The connection test with a clear outcome; None means: change the settings."""
    password = None
    tries = 0
    while True:
        if conn["auth"] == "password" and password is None:
            password = p.password(f"Password for {conn['user']}@{conn['host']}")
            tries += 1
        try:
            t = _check(p, c, conn, password, accept_new)
        except AuthFailed as exc:
            c.print(Text(f"✗ authentication failed: {exc.message}", style="red"))
            if conn["auth"] == "password" and tries < MAX_PASSWORD_TRIES:
                password = None  # wrong password: ask again
                continue
            return None if _again(p) else _quit(conn)
        except HostKeyChanged as exc:
            c.print(Text(f"✗ {exc.message}", style="red"))
            if exc.hint:
                c.print(Text(f"  {exc.hint}"))
            return None if _again(p) else _quit(conn)
        except TransportError as exc:
            c.print(Text(f"✗ cannot connect: {exc.message}", style="red"))
            if exc.hint:
                c.print(Text(f"  hint: {exc.hint}"))
            return None if _again(p) else _quit(conn)
        if conn.get("sudo"):
            try:
                t.run("true", sudo=True, timeout=30)
            except SudoNeedsPassword as exc:
                c.print(Text(f"! sudo is not usable without a password ({exc.message}); discovery continues unprivileged", style="yellow"))
                conn["sudo"] = False
                t.sudo = False
            except TransportError as exc:
                c.print(Text(f"! sudo check failed ({exc.message}); discovery continues unprivileged", style="yellow"))
                conn["sudo"] = False
                t.sudo = False
        c.print(Text(f"✓ connected to {conn['host']} as {conn['user']}" + (" (sudo)" if conn.get("sudo") else ""), style="green"))
        return t


def _again(p: Prompter) -> bool:
    return p.select("What now", [("Change the connection settings", "again"), ("Quit", "quit")], default="again") == "again"


def _quit(conn: dict[str, Any]) -> Any:
    raise MtaError(
        f"no connection to {conn['host']}; nothing was written",
        hint="check host, user and authentication, or run the wizard offline with --discovery FILE",
    )


def discover_over(session: Any) -> Any:
    """Discovery through the session's transport (read-only on the host)."""
    conn = session.connection
    facts = discover(session.transport, sudo=bool(conn.get("sudo")))
    identify(facts, session.transport, conn, session.out)
    return as_written(facts)


def identify(facts: Any, transport: Any, conn: dict[str, Any], out: Any) -> None:
    """Name the host as ``mta discover`` does (mta.io.host_dir: its own
    hostname; another folder when a different machine holds that one) and
    record how it was reached, so ``mta extract`` needs no options."""
    endpoint = getattr(transport, "endpoint", None)
    facts.collector = "ssh"
    facts.address = facts.address or getattr(endpoint, "hostname", "") or conn.get("host", "")
    facts.fingerprint.ssh_host_key = getattr(transport, "host_key_fingerprint", "") or ""
    user, port = conn.get("user") or "", conn.get("port") or None
    host = str(conn.get("host", ""))
    facts.target = (f"{user}@" if user else "") + (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    key = conn.get("key_file") if conn.get("auth") == "key" else ""
    facts.connect = ConnectOptions(user=user, port=port, key=os.path.abspath(os.path.expanduser(key)) if key else "",
                                   jump=conn.get("jump") or "", sudo=bool(conn.get("sudo")))
    facts.host = host_dir(out, facts, name=own_name(facts, host)).name


def as_written(facts: Any) -> Any:
    """The facts exactly as discovery.yaml will hold them.

    The wizard plans from what the file says, so ``mta generate`` on that
    file later sees the very same input, even where YAML does not round-trip
    a discovered string bit for bit.
    """
    return type(facts).model_validate(yaml.safe_load(dump_model(facts)))
