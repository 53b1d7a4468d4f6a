"""Section ``sockets``: listening sockets and established connections.

Sources, best first: ``ss -tulpn`` (old ``users:(("sshd",3965,3))`` and new
``users:(("sshd",pid=3965,fd=3))``), ``netstat -tulpn`` (net-tools and
busybox), or /proc/net/{tcp,tcp6,udp,udp6} joined to socket inodes.
"""

from __future__ import annotations

import re
from typing import Optional

from ...model import Connection, Socket
from . import Blocks, lines

_USERS = re.compile(r'\("((?:[^"\\]|\\.)*)",(?:pid=)?(\d+),(?:fd=)?\d+\)')
_PROTOS = {"tcp", "udp", "tcp6", "udp6"}


def split_endpoint(text: str) -> Optional[tuple[str, int, str]]:
    """'0.0.0.0:80', '[::]:22', ':::22', '*:22', '127.0.0.53%lo:53' -> (addr, port, family)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        return None
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.split("%", 1)[0]
    if host in ("*", ""):
        host = "::" if text.startswith(":::") else "0.0.0.0"
    if host.startswith("::ffff:") and "." in host:
        host = host[7:]
    family = "ipv6" if ":" in host else "ipv4"
    return host, int(port), family


def _owner(rest: str) -> tuple[Optional[int], str]:
    found = _USERS.findall(rest)
    if found:
        name, pid = min(found, key=lambda f: int(f[1]))
        return int(pid), name
    m = re.search(r"(?:^|\s)(\d+)/(\S.*?)\s*$", rest)
    if m:
        return int(m.group(1)), m.group(2).strip()
    return None, ""


def _endpoints(tokens: list[str]) -> list[tuple[int, tuple[str, int, str]]]:
    found = []
    for i, tok in enumerate(tokens):
        if tok.startswith("users:"):
            break
        ep = split_endpoint(tok) if ":" in tok else None
        if ep is None and tok.endswith(":*"):
            ep = (tok, 0, "ipv4")  # peer of a listening socket
        if ep is not None:
            found.append((i, ep))
    return found


def _parse_table(text: str, default_proto: str, want_listen: bool) -> tuple[list[Socket], list[Connection]]:
    """ss or netstat lines: find the two endpoints, protocol and owner by shape."""
    listen: list[Socket] = []
    conns: list[Connection] = []
    for line in lines(text):
        tokens = line.split()
        if not tokens or tokens[0] in ("Netid", "State", "Recv-Q", "Proto", "Active"):
            continue
        proto = tokens[0].lower() if tokens[0].lower() in _PROTOS else default_proto
        proto_base = "udp" if proto.startswith("udp") else "tcp"
        eps = _endpoints(tokens)
        if len(eps) < 2:
            continue
        (_, local), (_, peer) = eps[0], eps[1]
        pid, name = _owner(" ".join(tokens[eps[1][0] + 1:]))
        upper = [t.upper() for t in tokens]
        if want_listen:
            is_listen = proto_base == "udp" or "LISTEN" in upper or peer[1] == 0
            if not is_listen or "ESTAB" in upper or "ESTABLISHED" in upper:
                continue
            listen.append(
                Socket(protocol=proto_base, address=local[0], port=local[1], family=local[2], pid=pid, process=name)
            )
        else:
            if peer[1] == 0:
                continue
            conns.append(
                Connection(
                    protocol=proto_base, local_address=local[0], local_port=local[1],
                    remote_address=peer[0], remote_port=peer[1], pid=pid, process=name,
                )
            )
    return listen, conns


def _hex_addr(text: str) -> tuple[str, int, str]:
    host, _, port = text.partition(":")
    if len(host) == 8:
        raw = bytes.fromhex(host)[::-1]
        return ".".join(str(b) for b in raw), int(port, 16), "ipv4"
    # IPv6: four little-endian 32-bit words
    words = [bytes.fromhex(host[i:i + 8])[::-1] for i in range(0, 32, 8)]
    raw = b"".join(words)
    import ipaddress

    addr = ipaddress.IPv6Address(raw)
    if addr.ipv4_mapped:
        return str(addr.ipv4_mapped), int(port, 16), "ipv4"
    return str(addr), int(port, 16), "ipv6"


def _parse_proc(blocks: Blocks) -> tuple[list[Socket], list[Connection]]:
    owners: dict[str, int] = {}
    for line in lines(blocks.get("socket-inodes", "")):
        parts = line.split()
        if len(parts) == 2 and parts[1] not in owners:
            owners[parts[1]] = int(parts[0])
    listen: list[Socket] = []
    conns: list[Connection] = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        proto = table[:3]
        for line in list(lines(blocks.get(f"proc-net {table}", "")))[1:]:
            parts = line.split()
            if len(parts) < 10:
                continue
            try:
                local, remote = _hex_addr(parts[1]), _hex_addr(parts[2])
            except ValueError:
                continue
            state, inode = parts[3], parts[9]
            pid = owners.get(inode)
            if (proto == "tcp" and state == "0A") or (proto == "udp" and state == "07" and remote[1] == 0):
                listen.append(Socket(protocol=proto, address=local[0], port=local[1], family=local[2], pid=pid))
            elif proto == "tcp" and state == "01":
                conns.append(
                    Connection(local_address=local[0], local_port=local[1], remote_address=remote[0],
                               remote_port=remote[1], pid=pid)
                )
    return listen, conns


def _dedupe(socks: list[Socket]) -> list[Socket]:
    seen: dict[tuple, Socket] = {}
    for s in socks:
        key = (s.protocol, s.address, s.port, s.family)
        if key not in seen or (seen[key].pid is None and s.pid is not None):
            seen[key] = s
    return sorted(seen.values(), key=lambda s: (s.protocol, s.port, s.address))


def parse(blocks: Blocks) -> tuple[list[Socket], list[Connection]]:
    if "ss-listen" in blocks:
        listen, _ = _parse_table(blocks["ss-listen"], "tcp", True)
        _, conns = _parse_table(blocks.get("ss-established", ""), "tcp", False)
    elif "netstat-listen" in blocks:
        listen, _ = _parse_table(blocks["netstat-listen"], "tcp", True)
        _, conns = _parse_table(blocks.get("netstat-established", ""), "tcp", False)
    else:
        listen, conns = _parse_proc(blocks)
    # A connection to one of our own listening ports is inbound, not outbound.
    ports = {s.port for s in listen if s.protocol == "tcp"}
    conns = [c for c in conns if c.local_port not in ports]
    return _dedupe(listen), conns
