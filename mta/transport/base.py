"""The Transport protocol: how mta reaches a host. Nothing else runs commands."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Optional, Protocol, Sequence, Union, runtime_checkable

from ..errors import MtaError
from .tarcmd import parse_read_files, read_files_command

Command = Union[str, Sequence[str]]


def to_shell(command: Command) -> str:
    """A command line for ``sh -c``; a sequence is quoted word by word."""
    if isinstance(command, str):
        return command
    return " ".join(shlex.quote(str(a)) for a in command)


def as_root(line: str) -> str:
    """``line`` run as root through ``sudo -n``: never prompts, so a sudo that wants a
    password fails at once (each transport turns that into ``SudoNeedsPassword``)."""
    return "sudo -n -- sh -c " + shlex.quote(line)


@dataclass(frozen=True)
class CommandResult:
    exit_status: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.exit_status == 0

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")


@dataclass
class TarResult:
    """What ``tar_paths`` pulled: bytes written and what it had to skip."""

    bytes_written: int = 0
    files: int = 0
    skipped: list[str] = field(default_factory=list)  # "path: reason"
    truncated: bool = False


class TransportError(MtaError):
    """Base of every failure to reach or talk to a host."""

    kind = "transport"


class Unreachable(TransportError):
    kind = "unreachable"


class ConnectionRefused(TransportError):
    kind = "refused"


class ConnectTimeout(TransportError):
    kind = "timeout"


class AuthFailed(TransportError):
    kind = "auth"


class HostKeyUnknown(TransportError):
    kind = "host-key-unknown"


class HostKeyChanged(TransportError):
    kind = "host-key-changed"


class SudoNeedsPassword(TransportError):
    kind = "sudo"


class CommandTimeout(TransportError):
    kind = "command-timeout"


class ConnectionLost(TransportError):
    kind = "connection-lost"


@runtime_checkable
class Transport(Protocol):
    """A way of reaching one host. Implementations: LocalTransport, SSHTransport."""

    #: label used in messages and as the default host name
    name: str

    def run(
        self,
        command: Command,
        *,
        stdin: Optional[bytes] = None,
        timeout: Optional[float] = None,
        sudo: bool = False,
    ) -> CommandResult:
        """Run ``command`` through ``sh -c``; never raises for a non-zero exit."""
        ...

    def read_files(
        self,
        paths: Sequence[str],
        *,
        max_bytes: int = 1 << 20,
        sudo: bool = False,
        patterns: Sequence[str] = (),
    ) -> dict[str, Optional[bytes]]:
        """Contents of each readable path (at most ``max_bytes`` each), None if unreadable.

        One round trip for all paths. Each glob in ``patterns`` is expanded on
        the host and every readable match is added under its own path.
        ``X.jar!/ENTRY`` reads an entry inside an archive (needs unzip on the host).
        ``sudo`` reads as root through ``sudo -n``."""
        ...

    def tar_paths(
        self,
        paths: Sequence[str],
        dest: BinaryIO,
        *,
        exclude: Sequence[str] = (),
        max_bytes: int = 512 << 20,
        sudo: bool = False,
        compress: bool = False,
        members: Optional[Sequence[str]] = None,
    ) -> TarResult:
        """Stream a tar of ``paths`` (absolute, read-only on the host) into ``dest``;
        ``members`` (names relative to /, from a listing): only those entries,
        each without what is under it (what a resumed extract still lacks)."""
        ...

    def stream(
        self,
        command: Command,
        sink: Callable[[bytes], None],
        *,
        stdin: Optional[bytes] = None,
        timeout: Optional[float] = None,
        sudo: bool = False,
    ) -> CommandResult:
        """Run ``command`` and hand its stdout to ``sink`` chunk by chunk as it
        arrives (a dump of any size, never held in memory); the result's stdout is empty."""
        ...

    def close(self) -> None: ...


class ShellFiles:
    """``Transport.read_files`` over the transport's own ``run``, for every transport:
    the read script goes on stdin (one argv string may not exceed 128 KiB, and there
    may be hundreds of paths), so all paths cost one round trip."""

    #: the default when ``read_files`` is not told (SSH: discovery turns it off when sudo is refused)
    sudo: bool = False

    def read_files(
        self,
        paths: Sequence[str],
        *,
        max_bytes: int = 1 << 20,
        sudo: Optional[bool] = None,
        patterns: Sequence[str] = (),
    ) -> dict[str, Optional[bytes]]:
        """See ``Transport.read_files``; ``sudo=None`` uses this transport's ``sudo``."""
        if not paths and not patterns:
            return {}
        script = read_files_command(list(paths), max_bytes, list(patterns)).encode()
        res = self.run("sh -s", stdin=script, sudo=self.sudo if sudo is None else sudo)  # type: ignore[attr-defined]
        return parse_read_files(res.stdout, list(paths))
