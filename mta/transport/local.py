"""LocalTransport: the machine mta runs on, through the same interface."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from typing import BinaryIO, Callable, Optional, Sequence

from .base import CommandResult, CommandTimeout, Command, ShellFiles, TarResult, as_root, to_shell
from .tarcmd import member_list, tar_command


#: seconds an interrupted command gets to finish what it holds (a container
#: engine releases its locks on SIGINT; one killed mid-operation can leave a
#: lock that hangs the engine's next command: the cleanup's)
INTERRUPT_GRACE = 30.0


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _interrupt(proc: subprocess.Popen) -> None:
    """Ctrl-C reached mta (the command runs in its own process group, so not
    the command): pass SIGINT on and let the command end, killing it only
    after INTERRUPT_GRACE."""
    try:
        _signal_group(proc, signal.SIGINT)
        proc.wait(INTERRUPT_GRACE)
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
    except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
        raise


class LocalTransport(ShellFiles):
    def __init__(self, name: Optional[str] = None) -> None:
        self.name = name or socket.gethostname()

    def run(
        self,
        command: Command,
        *,
        stdin: Optional[bytes] = None,
        timeout: Optional[float] = None,
        sudo: bool = False,
    ) -> CommandResult:
        line = to_shell(command)
        if sudo and os.geteuid() != 0:
            line = as_root(line)
        # its own process group, so a timeout or an interrupt reaches the whole command
        proc = subprocess.Popen(["sh", "-c", line], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        with proc:
            try:
                out, err = proc.communicate(stdin if stdin is not None else b"", timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                _signal_group(proc, signal.SIGKILL)
                proc.communicate()
                raise CommandTimeout(f"{self.name}: command timed out after {timeout:g}s") from exc
            except KeyboardInterrupt:
                _interrupt(proc)
                raise
        return CommandResult(proc.returncode, out, err)

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
        result = TarResult()
        if not paths if members is None else not members:
            return result
        line = tar_command(paths, exclude, compress, members is not None)
        if sudo and os.geteuid() != 0:
            line = as_root(line)
        with tempfile.TemporaryFile() as names:
            # the names on stdin from a file: nothing to feed while the output is read
            names.write(member_list(members) if members is not None else b"")
            names.seek(0)
            proc = subprocess.Popen(["sh", "-c", line], stdin=names, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        while True:
            chunk = proc.stdout.read(1 << 16)
            if not chunk:
                break
            if result.bytes_written + len(chunk) > max_bytes:
                result.truncated = True
                proc.kill()
                break
            dest.write(chunk)
            result.bytes_written += len(chunk)
        _, err = proc.communicate()
        for line in err.decode("utf-8", "replace").splitlines():
            if line.strip():
                result.skipped.append(line.strip())
        return result

    def stream(
        self,
        command: Command,
        sink: Callable[[bytes], None],
        *,
        stdin: Optional[bytes] = None,
        timeout: Optional[float] = None,
        sudo: bool = False,
    ) -> CommandResult:
        """See ``Transport.stream``."""
        line = to_shell(command)
        if sudo and os.geteuid() != 0:
            line = as_root(line)
        with tempfile.TemporaryFile() as errf:
            proc = subprocess.Popen(["sh", "-c", line], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errf)
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(stdin or b"")
                proc.stdin.close()
            except BrokenPipeError:
                pass
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                chunk = proc.stdout.read1(1 << 16) if hasattr(proc.stdout, "read1") else proc.stdout.read(1 << 16)
                if not chunk:
                    break
                sink(chunk)
                if deadline is not None and time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    raise CommandTimeout(f"{self.name}: command timed out after {timeout:g}s")
            status = proc.wait()
            errf.seek(0)
            return CommandResult(status, b"", errf.read())

    def close(self) -> None:
        pass
