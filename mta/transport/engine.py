"""The one place ``mta verify`` touches the outside: container engine commands
and loopback HTTP/TCP checks against the containers it started.

``mta.verify`` only builds argument lists (see ``mta.verify.engine``); this
runner executes them through ``LocalTransport`` (each word ``shlex.quote``-d)
and makes the smoke requests, so the rule "nothing outside mta/transport runs
a command or opens a connection" holds.
"""

from __future__ import annotations

import http.client
import socket
import time
from dataclasses import dataclass
from typing import Optional, Sequence

from .base import CommandResult, CommandTimeout
from .local import LocalTransport


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes
    elapsed: float


class EngineRunner:
    """Runs engine command lines locally and probes loopback ports."""

    def __init__(self, transport: Optional[LocalTransport] = None) -> None:
        self.transport = transport or LocalTransport("engine")

    def run(self, argv: Sequence[str], *, timeout: Optional[float] = None) -> CommandResult:
        """Run ``argv`` (never raises for a non-zero exit; a timeout gives exit 124)."""
        try:
            return self.transport.run(list(argv), timeout=timeout)
        except CommandTimeout as exc:
            return CommandResult(124, b"", str(exc).encode())

    def timed(self, argv: Sequence[str], *, timeout: Optional[float] = None) -> tuple[CommandResult, float]:
        started = time.monotonic()
        res = self.run(argv, timeout=timeout)
        return res, time.monotonic() - started

    @staticmethod
    def tcp_open(host: str, port: int, timeout: float = 2.0) -> bool:
        """True when something accepts a TCP connection on host:port."""
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            return False

    @staticmethod
    def http_get(host: str, port: int, path: str = "/", timeout: float = 5.0, max_bytes: int = 1 << 20) -> Optional[HttpReply]:
        """GET ``path`` without following redirects; None when nothing answers."""
        started = time.monotonic()
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request("GET", path or "/", headers={"User-Agent": "mta-verify", "Host": f"localhost:{port}"})
            resp = conn.getresponse()
            body = resp.read(max_bytes)
            return HttpReply(resp.status, body, time.monotonic() - started)
        except (OSError, http.client.HTTPException):
            return None
        finally:
            conn.close()
